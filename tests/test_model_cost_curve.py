"""Supply along the cost curve (model/cost_curve.py, methodology §19): exits go high-cost
first, restarts follow a recovery, surges lower the price, a floor keeps members' capacity."""

from __future__ import annotations

import numpy as np
from mineral_briefs.model.clearing import clear_market, supply_multiplier
from mineral_briefs.model.cost_curve import (
    CostCurves,
    init_curve,
    kept_by_floor,
    quartile_cost,
    update_operating,
)
from mineral_briefs.model.simulate import Controls, Floors, Markets, Projects, Rows, Stockpiles
from mineral_briefs.model.simulate import simulate as run_model
from model_fixtures import one_market

T = 60


def _market(s_c: float = 0.2, s_a: float = 0.2) -> Markets:
    return one_market(T, supply=(s_c, s_a, 1 - s_c - s_a), demand=(0.3, 0.3, 0.4))


def _rows(n: int = 1, floor: float | None = None) -> Rows:
    full = np.ones((n, 1))
    return Rows(
        eps_d_sr=-0.3 * full,
        eps_d_lr=-0.6 * full,
        eps_s_sr=0.1 * full,
        eps_s_lr=0.5 * full,
        tau_months=36.0 * full,
        growth_exponent=full,
        inventory_months=1.0 * full,
        delay_months=np.zeros((n, 0)),
        ramp_months=np.zeros((n, 0)),
        share=np.zeros((n, 0)),
        floor_multiple=np.zeros((n, 0)) if floor is None else np.full((n, 1), floor),
        project_on=np.ones((n, 0)),
    )


def _curve(surge_t: float, surge_cost: float = 0.2) -> CostCurves:
    """Rest-of-world curve: low (0.4), middle (0.7) and high (0.9 x P0) cost groups, plus a
    low-cost surge of ``surge_t`` [fraction of Q0 per year] from month 2 over 6 months."""
    return CostCurves(
        market=np.array([0, 0, 0, 0]),
        zone=np.array([2, 2, 2, 2]),
        capacity=np.array([0.2, 0.2, 0.2, surge_t]),
        cost=np.array([0.4, 0.7, 0.9, surge_cost]),
        surge=np.array([0.0, 0.0, 0.0, 1.0]),
        start=np.array([-np.inf, -np.inf, -np.inf, 2.0]),
        ramp=np.array([0.0, 0.0, 0.0, 6.0]),
    )


def _run(curves: CostCurves, floors: Floors | None = None, floor: float | None = None):  # type: ignore[no-untyped-def]
    return run_model(
        _market(),
        _rows(floor=floor),
        Controls(),
        floors if floors is not None else Floors(),
        Stockpiles(),
        Projects(),
        n_path=1,
        curves=curves,
    )


def test_a_supply_glut_closes_high_cost_capacity_first() -> None:
    res = _run(_curve(0.6))
    exit_month = res.totals["curve_exit_month"][0]
    low, mid, high, surge = exit_month
    assert high >= 0, "the glut must close the highest-cost group"
    assert low == -1 and surge == -1, "the cheapest groups keep running"
    assert mid == -1 or mid > high, "the middle group cannot close before the high-cost one"
    assert res.totals["curve_offline_peak"][0, 0] > 0.0


def test_a_larger_surge_lowers_the_price_and_closes_more_capacity() -> None:
    small, large = _run(_curve(0.2)), _run(_curve(0.6))
    assert large.totals["min_price_outside"][0, 0] < small.totals["min_price_outside"][0, 0]
    assert large.totals["curve_offline_peak"][0, 0] >= small.totals["curve_offline_peak"][0, 0]


def test_without_a_glut_nothing_exits() -> None:
    res = _run(_curve(0.0))
    assert (res.totals["curve_exit_month"][0] == -1).all()
    assert res.totals["curve_offline_peak"][0, 0] == 0.0


def test_exits_follow_the_price_and_restart_when_it_recovers() -> None:
    cs = init_curve(_curve(0.0), _market().supply_share, 1, 1, np.float64)
    low = [np.full((1, 1), 0.5)] * 3
    for _ in range(24):
        update_operating(cs, low)
    assert cs.on[0, 2] < 0.01 and cs.on[0, 1] < 0.01 and cs.on[0, 0] == 1.0
    high = [np.full((1, 1), 1.0)] * 3
    update_operating(cs, high)
    # restart is slower than exit: one month back up covers 1/restart_months of the gap
    assert 0.1 < cs.on[0, 2] < 0.25
    for _ in range(48):
        update_operating(cs, high)
    assert cs.on[0, 2] > 0.99


def test_a_floor_keeps_members_capacity_between_the_price_and_the_floor() -> None:
    cv = CostCurves(
        market=np.array([0, 0]),
        zone=np.array([1, 1]),
        capacity=np.array([0.1, 0.05]),
        cost=np.array([0.9, 1.5]),
        surge=np.zeros(2),
        start=np.full(2, -np.inf),
        ramp=np.zeros(2),
    )
    cs = init_curve(cv, _market().supply_share, 1, 1, np.float64)
    kept = kept_by_floor(cs, np.full((1, 1), 0.8), np.full((1, 1), 1.2), 1)
    assert kept[0, 0] == 0.1  # the 0.9 group, not the 1.5 one
    assert kept_by_floor(cs, np.full((1, 1), 0.8), np.full((1, 1), 0.8), 1)[0, 0] == 0.0


def test_quartile_cost_is_capacity_weighted() -> None:
    q1 = quartile_cost(_curve(0.9), 2)
    assert q1[0] == 0.4 and np.isnan(q1[1])  # surges are not part of the base curve
    cv = CostCurves(
        market=np.array([0, 0]),
        zone=np.array([2, 2]),
        capacity=np.array([0.1, 0.9]),
        cost=np.array([0.3, 0.8]),
        surge=np.zeros(2),
        start=np.full(2, -np.inf),
        ramp=np.zeros(2),
    )
    assert quartile_cost(cv, 1)[0] == 0.8


def test_in_a_glut_producers_above_their_cash_cost_run_at_capacity() -> None:
    """Below the base price a market on a curve clears on demand alone until the curve's
    exits act (§19): ``P = (A/B)^{1/ε_d}`` with the own-supply multiplier at 1."""
    a, b = np.array([1.2, 0.9]), np.array([1.0, 1.0])
    ed, es, hd = np.array([-0.3, -0.3]), np.array([0.1, 0.1]), np.array([1.1, 1.1])
    choke = np.array([50.0, 50.0])
    iso = clear_market(a, b, ed, es, hd, choke)
    cut = clear_market(a, b, ed, es, hd, choke, eps_s_down=np.zeros(2))
    # glut: demand alone clears it, the supply multiplier stays 1, the price falls further
    assert np.isclose(cut.price[0], 1.2 ** (1 / -0.3))
    assert cut.supply_multiplier[0] == 1.0
    assert cut.price[0] < iso.price[0] < 1.0
    # shortage: the supply elasticity above the base price is unchanged
    assert cut.price[1] == iso.price[1] and cut.supply_multiplier[1] == iso.supply_multiplier[1]
    assert supply_multiplier(np.array([0.5, 2.0]), es, hd, np.zeros(2)).tolist() == [
        1.0,
        min(2.0**0.1, 1.1),
    ]


def _without_existing_groups(curves: CostCurves) -> CostCurves:
    keep = curves.surge > 0
    return CostCurves(
        market=curves.market[keep],
        zone=curves.zone[keep],
        capacity=curves.capacity[keep],
        cost=curves.cost[keep],
        surge=curves.surge[keep],
        start=curves.start[keep],
        ramp=curves.ramp[keep],
    )


def test_a_glut_above_every_cash_cost_is_not_met_by_proportional_cuts() -> None:
    """A surge that leaves the price above every group's cash cost: on a curve nobody exits
    and nobody cuts, so the price falls further than with isoelastic supply, where every
    producer cuts in proportion to its size (issue 12)."""
    on_curve = _run(_curve(0.03))
    iso = _run(_without_existing_groups(_curve(0.03)))
    low = on_curve.totals["min_price_outside"][0, 0]
    assert 0.9 < low < iso.totals["min_price_outside"][0, 0] < 1.0
    assert (on_curve.totals["curve_exit_month"][0] == -1).all()


def test_below_a_cash_cost_the_exits_do_the_cutting() -> None:
    """A glut deep enough to reach the curve: the high-cost group exits, and the exits hold
    the price above where demand alone would take it."""
    res = _run(_curve(0.6))
    assert res.totals["curve_exit_month"][0][2] >= 0
    assert res.totals["curve_offline_peak"][0, 0] > 0.0
    assert res.totals["min_price_outside"][0, 0] > 0.4 * 0.9  # near the cheap groups' costs


def test_a_one_month_dip_closes_less_than_a_lasting_low_price() -> None:
    """Exits judge the price smoothed over ``exit_months``: a one-month dip to 0.8 x P0 leaves
    the 0.9-cost group running (smoothed price 0.93), the same price held for six months idles
    most of it, and today's price covering the cost again restarts it at once (§19)."""
    dip = init_curve(_curve(0.0), _market().supply_share, 1, 1, np.float64)
    held = init_curve(_curve(0.0), _market().supply_share, 1, 1, np.float64)
    calm, low = [np.full((1, 1), 1.0)] * 3, [np.full((1, 1), 0.8)] * 3
    for _ in range(6):
        update_operating(dip, calm)
        update_operating(held, calm)
    update_operating(dip, low)
    for _ in range(6):
        update_operating(held, low)
    assert dip.on[0, 2] == 1.0
    assert held.on[0, 2] < 0.5
    on_before = held.on[0, 2]
    update_operating(held, calm)
    assert held.on[0, 2] > on_before  # restarting the month the price covers the cost again
