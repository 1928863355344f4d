"""China's managed domestic market (model/china_market.py, methodology §20): quotas and
reserve buying absorb the volume an export control keeps at home."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs.model.china_market import ChinaMarket, absorb_needed
from mineral_briefs.model.clearing import clear_market
from mineral_briefs.model.simulate import (
    MODE_CHINA_EXPORT,
    Controls,
    Floors,
    Markets,
    Projects,
    Rows,
    Stockpiles,
)
from mineral_briefs.model.simulate import simulate as run_model
from model_fixtures import one_market

T = 36


def _market() -> Markets:
    return one_market(
        T,
        mineral="magnet_rees",
        stage="magnets",
        q0_t=8e4,
        p0_usd_per_kg=55.0,
        supply=(0.9, 0.0, 0.1),
        demand=(0.6, 0.26, 0.14),
    )


def _rows() -> Rows:
    full = np.ones((1, 1))
    return Rows(
        eps_d_sr=-0.1 * full,
        eps_d_lr=-0.5 * full,
        eps_s_sr=0.05 * full,
        eps_s_lr=0.8 * full,
        tau_months=36.0 * full,
        growth_exponent=full,
        inventory_months=2.0 * full,
        delay_months=np.full((1, 1), 1.5),
        ramp_months=np.full((1, 1), 2.0),
        share=np.full((1, 1), 0.9),
        floor_multiple=np.zeros((1, 0)),
        project_on=np.ones((1, 0)),
    )


def _embargo() -> Controls:
    """China withholds 90 % of its magnet exports (0.3 of Q0) from month 3."""
    return Controls(
        announced=np.array([1.0]),
        effective=np.array([3.0]),
        suspended=np.array([np.nan]),
        snap_back=np.array([np.nan]),
        ends=np.array([np.nan]),
        front_months=np.array([0.0]),
        leakage=np.array([0.0]),
        link_market=np.array([0]),
        link_control=np.array([0]),
        link_coef=np.array([0.3]),
        link_mode=np.array([MODE_CHINA_EXPORT]),
    )


def _run(china: ChinaMarket | None):  # type: ignore[no-untyped-def]
    return run_model(
        _market(), _rows(), _embargo(), Floors(), Stockpiles(), Projects(), n_path=1, china=china
    )


def _inside_min(china: ChinaMarket | None) -> float:
    return float(_run(china).totals["min_price_inside"][0, 0])


def test_unmanaged_inside_price_collapses_under_an_embargo() -> None:
    assert _inside_min(None) < 0.8


def test_quotas_and_reserve_buying_hold_the_inside_price_within_the_band() -> None:
    cm = ChinaMarket(np.array([0.85]), np.array([0.05]), np.array([0.4]))
    res = _run(cm)
    low, high = res.totals["min_price_inside"][0, 0], res.totals["peak_price_inside"][0, 0]
    assert 0.85 - 1e-6 <= low and high <= 1.0 + 1e-6
    # the state did the holding: reserve buying at its full rate, the rest by quota cuts
    assert res.totals["china_absorbed_t"][0, 0] > 0.0
    assert res.totals["china_reserve_t"][0, 0] > 0.0


def test_limited_absorption_leaves_the_price_between_collapse_and_band() -> None:
    small = ChinaMarket(np.array([0.85]), np.array([0.01]), np.array([0.02]))
    assert _inside_min(None) < _inside_min(small) < 0.85 - 0.01


def test_absorb_needed_clears_at_the_target() -> None:
    a, b = np.array([1.2]), np.array([1.0])
    ed, es, hd = np.array([-0.2]), np.array([0.1]), np.array([1.1])
    x = absorb_needed(a, b, np.array([0.9]), ed, es, hd)
    p = clear_market(a - x, b, ed, es, hd, np.array([6.0])).price
    assert p[0] == pytest.approx(0.9, rel=1e-9)
    assert absorb_needed(b, a, np.array([0.9]), ed, es, hd)[0] == 0.0  # already above
