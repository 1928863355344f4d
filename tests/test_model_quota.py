"""Export quota licence book (model/quota.py, methodology §5b) on hand-built controls."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs.model.inputs import Controls
from mineral_briefs.model.quota import init_quota, quota_share
from model_fixtures import one_control


def _controls(quota_t: float, period: float, carry: float, use: float) -> Controls:
    """One control on one market (Q0 = 1200 t/yr), in force from month 0."""
    return one_control(
        quota_t=quota_t, quota_period=period, quota_carry=carry, quota_use=use, restore_months=0.0
    )


def _shipped_t(c: Controls, months: int, w: float = 0.0) -> list[float]:
    """Tonnes shipped each month when exporters want (1 − w) of a 1200 t/yr flow."""
    qs = init_quota(c, np.array([1200.0]), 1, np.float64)
    assert qs is not None
    out = []
    for i in range(months):
        wq = quota_share(qs, c, i + 0.5, np.full((1, 1), w), np.ones((1, 1)))
        out.append(float((1.0 - wq[0, 0]) * 1200.0 / 12.0))
    return out


def test_binding_quota_ships_exactly_the_quota_per_period() -> None:
    # 300 t per 6 months against 600 t wanted: 50 t a month, 300 t per period
    ship = _shipped_t(_controls(300.0, 6, 0.0, 1.0), 12)
    assert ship == pytest.approx([50.0] * 12)


def test_slack_quota_does_not_withhold() -> None:
    c = _controls(900.0, 6, 0.0, 1.0)
    qs = init_quota(c, np.array([1200.0]), 1, np.float64)
    assert qs is not None
    wq = quota_share(qs, c, 0.5, np.zeros((1, 1)), np.ones((1, 1)))
    assert wq[0, 0] == 0.0  # exactly zero: no segmentation by rounding residue


def test_use_rate_scales_shipments() -> None:
    ship = _shipped_t(_controls(300.0, 6, 0.0, 0.5), 6)
    assert sum(ship) == pytest.approx(150.0)


def test_unused_licences_carry_over_only_with_carry_share() -> None:
    # use rate 0.5 leaves 150 t unused each period; carry 1 adds them to the next period
    with_carry = _shipped_t(_controls(300.0, 6, 1.0, 0.5), 12)
    without = _shipped_t(_controls(300.0, 6, 0.0, 0.5), 12)
    assert sum(without[6:]) == pytest.approx(150.0)
    assert sum(with_carry[6:]) == pytest.approx(0.5 * (300.0 + 150.0))
    assert with_carry[:6] == pytest.approx(without[:6])


def test_share_withheld_still_binds_under_a_slack_quota() -> None:
    ship = _shipped_t(_controls(900.0, 6, 0.0, 1.0), 3, w=0.5)
    assert ship == pytest.approx([50.0] * 3)


def test_no_quota_means_no_book() -> None:
    c = _controls(np.inf, 12, 0.0, 1.0)
    assert init_quota(c, np.array([1200.0]), 1, np.float64) is None
