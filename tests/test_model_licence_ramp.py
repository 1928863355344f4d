"""Licences restored over a ramp after a suspension (model/licence_ramp.py, methodology §5c)."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs.model.inputs import Controls
from mineral_briefs.model.licence_ramp import init_ramp, restored_share
from model_fixtures import one_control


def _controls(restore: float, suspended: float = 6.0) -> Controls:
    return one_control(suspended=suspended, restore_months=restore)


def _path(c: Controls, w_in_force: float, months: int) -> list[float]:
    rs = init_ramp(c, 1, np.float64)
    assert rs is not None
    out = []
    for i in range(months):
        t = i + 0.5
        w = w_in_force if t < 6.0 else 0.0  # what the regime alone gives
        out.append(float(restored_share(rs, c, t, np.full((1, 1), w))[0, 0]))
    return out


def test_withheld_share_falls_linearly_over_the_restore_months() -> None:
    w = _path(_controls(4.0), 0.8, 12)
    assert w[:6] == pytest.approx([0.8] * 6)
    # months 6..9 at midpoints 6.5 … 9.5: 0.8·(1 − (t − 6)/4)
    assert w[6:10] == pytest.approx([0.8 * (1 - x / 4) for x in (0.5, 1.5, 2.5, 3.5)])
    assert w[10:] == pytest.approx([0.0, 0.0])


def test_faster_ramp_restores_sooner() -> None:
    fast, slow = _path(_controls(2.0), 0.8, 12), _path(_controls(8.0), 0.8, 12)
    assert all(f <= s for f, s in zip(fast, slow, strict=True))
    assert sum(fast) < sum(slow)


def test_zero_restore_months_means_no_ramp_memory() -> None:
    assert init_ramp(_controls(0.0), 1, np.float64) is None
