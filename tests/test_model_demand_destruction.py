"""Demand destruction above a threshold price (issue 12, item 5): the kinked demand curve and
the clearing that uses it (toolkit/mineral_briefs/model/demand_destruction.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mineral_briefs.model.clearing import clear_market
from mineral_briefs.model.demand_destruction import NO_KINK_LOG, log_demand, solve_log_price


def _a(x: float) -> np.ndarray:
    return np.array([x])


@settings(max_examples=200, deadline=None)
@given(
    ratio=st.floats(0.02, 50.0),
    eds=st.floats(-0.8, -0.02),
    extra=st.floats(0.0, 1.0),
    ess=st.floats(0.0, 0.5),
    head=st.floats(1.0, 2.0),
    kink=st.floats(1.0, 10.0),
)
def test_the_solution_clears_the_kinked_market(
    ratio: float, eds: float, extra: float, ess: float, head: float, kink: float
) -> None:
    """Supply A·min(P^ε_s, h) equals kinked demand B·D(P) at the returned price."""
    la, lb = _a(0.0), _a(np.log(ratio))
    ed, edd, es = _a(eds), _a(eds - extra), _a(ess)
    lh, lk = _a(np.log(head)), _a(np.log(kink))
    x = solve_log_price(la, lb, ed, es, lh, lk, edd)
    supply = la + np.minimum(es * x, lh)
    demand = lb + log_demand(x, ed, lk, edd)
    np.testing.assert_allclose(supply, demand, atol=1e-9)


def test_without_a_kink_the_constant_elasticity_solution_is_returned() -> None:
    la, lb, ed, es, lh = _a(0.0), _a(np.log(1.25)), _a(-0.1), _a(0.1), _a(np.log(1.1))
    x = solve_log_price(la, lb, ed, es, lh, _a(NO_KINK_LOG), ed)
    # by hand: P^0.1 = 1.118 > 1.1 so capacity binds: 1.1 = 1.25·P^-0.1 -> P = (1.25/1.1)^10
    assert float(np.exp(x[0])) == pytest.approx((1.25 / 1.1) ** 10, rel=1e-12)


def test_demand_destruction_caps_a_large_shock_below_the_constant_elasticity_price() -> None:
    """A 60 % supply loss with ε_s + |ε_d| = 0.1: constant elasticity gives ~9,500x, the kink at
    3x with ε_dd = −0.6 brings it down to an elasticity-driven level (above 6x)."""
    a, b = _a(0.4), _a(1.0)
    ed, es, head = _a(-0.05), _a(0.05), _a(1.1)
    plain = clear_market(a, b, ed, es, head, _a(1e9)).price[0]
    kinked = clear_market(
        a, b, ed, es, head, _a(1e9), log_kink=_a(np.log(3.0)), eps_dd=_a(-0.6)
    ).price[0]
    assert plain > 1000.0
    assert 6.0 < kinked < plain
    # by hand: 0.4·1.1 = 3^-0.05·(P/3)^-0.6 -> P = 3·(0.44·3^0.05)^(-1/0.6)
    assert kinked == pytest.approx(3.0 * (0.44 * 3.0**0.05) ** (-1.0 / 0.6), rel=1e-9)


def test_below_the_threshold_the_kink_changes_nothing() -> None:
    a, b, ed, es, head = _a(0.95), _a(1.0), _a(-0.2), _a(0.1), _a(1.1)
    plain = clear_market(a, b, ed, es, head, _a(50.0))
    kinked = clear_market(a, b, ed, es, head, _a(50.0), log_kink=_a(np.log(3.0)), eps_dd=_a(-0.6))
    assert plain.price[0] < 3.0
    assert kinked.price[0] == pytest.approx(plain.price[0], rel=1e-12)


def test_the_guard_binds_only_as_a_numerical_limit_and_rations_demand() -> None:
    """No supply at all: the price sits on the guard and nothing is served."""
    cm = clear_market(
        _a(1e-6),
        _a(1.0),
        _a(-0.05),
        _a(0.05),
        _a(1.1),
        _a(50.0),
        log_kink=_a(np.log(3.0)),
        eps_dd=_a(-0.3),
    )
    assert cm.price[0] == pytest.approx(50.0)
    assert 0.0 <= cm.ration[0] < 1.0


def test_the_engine_applies_each_minerals_threshold_from_the_parameter_file() -> None:
    """The engine wires ``demand_destruction_multiple``: with the threshold lifted out of reach
    the same full gallium ban clears far higher while stocks cushion it (month 4)."""
    from dataclasses import replace

    from mineral_briefs import engine
    from mineral_briefs.data import load_dataset
    from mineral_briefs.scenarios import load_backtest

    ds = load_dataset()
    sc = load_backtest("bt02_gallium_2023")
    ec = sc.export_controls[0].model_copy(
        update={"share_withheld": 1.0, "leakage": 0.0, "licensing_delay_days": 0}
    )
    sc = sc.model_copy(update={"export_controls": (ec,)})

    def month4(threshold: float | None) -> float:
        d = ds
        if threshold is not None:
            mp = ds.model_parameters.copy()
            mp.loc[mp["parameter"] == "demand_destruction_multiple", "value"] = threshold
            d = replace(ds, model_parameters=mp)
        ts = engine.run(sc, d, draws=0).timeseries
        p = ts.loc[
            (ts["variable"] == "Price|Gallium|Refining") & (ts["region"] == "Rest of World")
        ]["value"].to_numpy()
        return float(p[3] / p[0])

    with_kink, without = month4(None), month4(1e6)
    assert with_kink < without * 0.7
    assert with_kink > 3.0  # the threshold is 3x: the price sits above it
