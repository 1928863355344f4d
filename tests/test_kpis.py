"""KPI definitions that cannot lie (issue 9, build item 2): recovery, peaks, flags, money per
year, project sizes. Expected values are derived by hand (closed-form clearing of a market
without memory, calendar arithmetic, the IAMC table), never by the KPI code under test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from engine_runs import central_run
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.model import metrics
from mineral_briefs.model.codelist import variable
from mineral_briefs.model.simulate import (
    MODE_WORLD_CUT,
    Controls,
    Floors,
    KpiSpec,
    Markets,
    Projects,
    Rows,
    Stockpiles,
    simulate,
)
from mineral_briefs.scenarios import load_backtest, load_scenario, parse_scenario
from model_fixtures import one_market

# --------------------------------------------------------------------------------------------
# metrics.months_to_recovery: boundary cases
# --------------------------------------------------------------------------------------------


def test_recovery_is_zero_when_never_disrupted() -> None:
    out = metrics.months_to_recovery(np.array([-1.0]), np.array([-1.0]), 12)
    assert out.tolist() == [0.0]


def test_recovery_counts_first_through_last_disrupted_month() -> None:
    # disrupted in months 3..7 of 12: five months, back to normal from month 8 on
    out = metrics.months_to_recovery(np.array([3.0]), np.array([7.0]), 12)
    assert out.tolist() == [5.0]


def test_recovery_in_the_last_month_of_the_horizon_counts() -> None:
    # disrupted 3..10, month 11 (the last) is normal: 8 months, recovered within the horizon
    out = metrics.months_to_recovery(np.array([3.0]), np.array([10.0]), 12)
    assert out.tolist() == [8.0]


def test_no_recovery_claimed_while_the_last_month_is_disrupted() -> None:
    out = metrics.months_to_recovery(np.array([3.0, 0.0]), np.array([11.0, 11.0]), 12)
    assert np.isnan(out).all()


def test_recovery_uses_the_horizon_length() -> None:
    """The same disruption (months 2..9) is open on a 10-month horizon, closed on 11."""
    first, last = np.array([2.0]), np.array([9.0])
    assert np.isnan(metrics.months_to_recovery(first, last, 10)[0])
    assert metrics.months_to_recovery(first, last, 11)[0] == 8.0


def test_recovery_rejects_months_beyond_the_horizon() -> None:
    with pytest.raises(ValueError, match="beyond the horizon"):
        metrics.months_to_recovery(np.array([0.0]), np.array([12.0]), 12)


# --------------------------------------------------------------------------------------------
# simulate accumulators on a market without memory (closed-form prices)
# --------------------------------------------------------------------------------------------

ES, ED, HEAD = 0.1, -0.1, 1.1
CUT = 0.2  # share of world supply withheld by a non-China exporter while the control runs
# By hand: supply 0.8·min(P^0.1, 1.1) = demand P^-0.1. Unconstrained P = 1.25^5 = 3.05 gives
# P^0.1 = 1.118 > 1.1, so the headroom binds: 0.8·1.1 = P^-0.1 -> P = 0.88^-10.
P_CUT = 0.88**-10.0  # 3.5893
# outside demand at the base price 0.5 (Alliance 0.2 + RoW 0.3), served 0.5·P^-0.1 = 0.5·0.88
SHORT_CUT = 0.5 * (1.0 - 0.88)  # 0.06 of Q0 per year, 12 % of outside demand


def _market(t_months: int) -> Markets:
    return one_market(
        t_months,
        q0_t=1000.0,
        supply=(0.5, 0.2, 0.3),
        demand=(0.5, 0.2, 0.3),
        capacity_lag_months=0,
        headroom_sr=HEAD,
        inventory_release=0.0,
    )


def _rows(n_controls: int, n_floors: int = 0, floor: float = 1.5) -> Rows:
    """No memory: long-run elasticities equal the short-run ones (no adjustment state), no
    commercial stocks, no delay or ramp on the control."""
    one = np.ones((1, 1))
    return Rows(
        eps_d_sr=ED * one,
        eps_d_lr=ED * one,
        eps_s_sr=ES * one,
        eps_s_lr=ES * one,
        tau_months=12 * one,
        growth_exponent=one,
        inventory_months=0 * one,
        delay_months=np.zeros((1, n_controls)),
        ramp_months=np.zeros((1, n_controls)),
        share=np.ones((1, n_controls)),
        floor_multiple=np.full((1, n_floors), floor),
        project_on=np.zeros((1, 0)),
    )


def _world_cut(effective: float, ends: float) -> Controls:
    nan = np.array([np.nan])
    return Controls(
        announced=np.array([effective]),
        effective=np.array([effective]),
        suspended=nan,
        snap_back=nan,
        ends=np.array([ends]),
        front_months=np.array([0.0]),
        leakage=np.array([0.0]),
        link_market=np.array([0]),
        link_control=np.array([0]),
        link_coef=np.array([CUT]),
        link_mode=np.array([MODE_WORLD_CUT]),
    )


def _run(t_months: int, controls: Controls, **kw):  # type: ignore[no-untyped-def]
    k = controls.effective.size
    return simulate(
        _market(t_months),
        _rows(k),
        controls,
        Floors(),
        Stockpiles(),
        Projects(),
        n_path=1,
        **kw,
    )


def test_closed_form_market_disrupted_exactly_while_the_cut_runs() -> None:
    sim = _run(12, _world_cut(2.0, 6.0))  # in force for months 2, 3, 4, 5
    price = sim.paths["price_row"][:, 0, 0]
    np.testing.assert_allclose(price[2:6], P_CUT, rtol=1e-9)
    np.testing.assert_allclose(price[[0, 1, 6, 11]], 1.0, rtol=1e-9)
    tot = sim.totals
    assert tot["first_disrupted"][0, 0] == 2 and tot["last_disrupted"][0, 0] == 5
    assert tot["peak_price_outside"][0, 0] == pytest.approx(P_CUT, rel=1e-9)
    assert tot["peak_month_outside"][0, 0] == 2
    assert tot["max_shortfall_t_per_year"][0, 0] == pytest.approx(SHORT_CUT * 1000, rel=1e-9)
    assert tot["end_price_outside"][0, 0] == pytest.approx(1.0)
    rec = metrics.months_to_recovery(tot["first_disrupted"], tot["last_disrupted"], 12)
    assert rec[0, 0] == 4.0


def test_cut_to_the_horizon_end_is_open() -> None:
    tot = _run(12, _world_cut(2.0, np.nan)).totals
    assert tot["last_disrupted"][0, 0] == 11
    assert np.isnan(metrics.months_to_recovery(tot["first_disrupted"], tot["last_disrupted"], 12))
    # the price sits at its peak from month 2 to the end: a flat top, not rising at the end
    assert tot["end_price_outside"][0, 0] == pytest.approx(tot["pre_end_price_outside"][0, 0])


def test_cut_ending_one_month_before_the_horizon_end_recovers_in_the_last_month() -> None:
    tot = _run(12, _world_cut(2.0, 11.0)).totals  # in force 2..10, month 11 is normal
    assert tot["last_disrupted"][0, 0] == 10
    rec = metrics.months_to_recovery(tot["first_disrupted"], tot["last_disrupted"], 12)
    assert rec[0, 0] == 9.0


def test_price_test_measures_against_the_no_shock_reference() -> None:
    """Shortfall test off (tolerance 1): the price alone decides, against the reference."""
    spec = KpiSpec(price_tolerance=0.10, shortfall_tolerance=1.0)
    ref_low = np.full((1, 12, 1), 3.0)  # P_CUT = 3.59 > 1.1 × 3.0 = 3.3: disrupted
    tot = _run(12, _world_cut(2.0, 6.0), kpi=spec, reference_price=ref_low).totals
    assert (tot["first_disrupted"][0, 0], tot["last_disrupted"][0, 0]) == (2, 5)
    # ... but outside the cut the price (1.0) is below the reference: a glut is no disruption
    ref_high = np.full((1, 12, 1), 3.5)  # 3.59 < 1.1 × 3.5 = 3.85: never disrupted
    tot = _run(12, _world_cut(2.0, 6.0), kpi=spec, reference_price=ref_high).totals
    assert tot["first_disrupted"][0, 0] == -1 and tot["last_disrupted"][0, 0] == -1


def test_shortfall_test_alone_decides_when_the_price_test_is_off() -> None:
    spec = KpiSpec(price_tolerance=math.inf, shortfall_tolerance=0.10)  # 12 % > 10 %
    tot = _run(12, _world_cut(2.0, 6.0), kpi=spec).totals
    assert (tot["first_disrupted"][0, 0], tot["last_disrupted"][0, 0]) == (2, 5)
    spec = KpiSpec(price_tolerance=math.inf, shortfall_tolerance=0.13)  # 12 % < 13 %
    tot = _run(12, _world_cut(2.0, 6.0), kpi=spec).totals
    assert tot["first_disrupted"][0, 0] == -1


def _floor_run(instrument: int, start_month: int, t_months: int):  # type: ignore[no-untyped-def]
    # NOTE: members import (10 % of supply, 30 % of demand), so a variable levy binds at the
    # floor; self-sufficient members would settle at their own autarky price instead.
    floors = Floors(
        market=np.array([0]),
        instrument=np.array([instrument]),
        start=np.array([0.0]),
        end=np.array([np.nan]),
        leakage=np.array([0.0]),
        group_supply=np.array([0.1]),
        group_demand=np.array([0.3]),
        covered=np.array([1.0]),
    )
    return simulate(
        _market(t_months),
        _rows(0, 1, 1.5),
        Controls(),
        floors,
        Stockpiles(),
        Projects(),
        n_path=1,
        kpi=KpiSpec(start_month=start_month),
    )


def test_money_is_booked_to_calendar_years_from_the_horizon_start() -> None:
    """A CfD at 1.5× in a market without memory costs the same every month (c); a horizon from
    July over 20 months covers Jul–Dec (6), a full year (12) and Jan–Feb (2)."""
    sim = _floor_run(1, start_month=7, t_months=20)
    monthly = sim.paths["fiscal_cost_usd"][:, 0, 0]
    c = float(monthly[0])
    assert c > 0
    np.testing.assert_allclose(monthly, c, rtol=1e-9)
    by_year = sim.totals["fiscal_cost_usd_by_year"][0, :, 0]
    np.testing.assert_allclose(by_year, [6 * c, 12 * c, 2 * c], rtol=1e-9)
    assert sim.totals["fiscal_cost_usd"][0, 0] == pytest.approx(20 * c, rel=1e-9)
    # the same run from January: 12 + 8 months
    jan = _floor_run(1, start_month=1, t_months=20).totals["fiscal_cost_usd_by_year"][0, :, 0]
    np.testing.assert_allclose(jan, [12 * c, 8 * c], rtol=1e-9)


def test_alliance_peak_is_the_levy_inclusive_floor_price() -> None:
    """A binding variable tariff at 1.5×: alliance buyers (net importers) pay exactly 1.5×
    every month, while the outside price stays at or below its base: the levy separates them."""
    tot = _floor_run(0, start_month=1, t_months=6).totals
    assert tot["peak_price_alliance"][0, 0] == pytest.approx(1.5, rel=1e-12)
    assert tot["min_price_alliance"][0, 0] == pytest.approx(1.5, rel=1e-12)
    assert tot["peak_price_outside"][0, 0] <= 1.0 + 1e-12


# --------------------------------------------------------------------------------------------
# Built-in scenarios: KPIs against the IAMC table and the data files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


@pytest.fixture(scope="module")
def ndpr(dataset):  # type: ignore[no-untyped-def]
    return engine.run(load_scenario("ndpr_withhold_60"), dataset, draws=40, seed=5)


@pytest.fixture(scope="module")
def floor(dataset):  # type: ignore[no-untyped-def]
    return engine.run(load_scenario("alliance_floor"), dataset, draws=20, seed=5)


def _row(r: engine.Results, mi: str, st: str, kpi: str) -> pd.Series:
    k = r.kpis
    return k.loc[(k["mineral"] == mi) & (k["stage"] == st) & (k["kpi"] == kpi)].iloc[0]


def _series(r: engine.Results, q: str, mi: str, st: str, region: str) -> pd.Series:
    ts = r.timeseries
    sel = ts.loc[(ts["variable"] == variable(q, mi, st)) & (ts["region"] == region)]
    return sel.set_index("time")["value"]


def test_ndpr_withhold_60_does_not_claim_a_recovery(ndpr: engine.Results) -> None:
    """Issue 9: it claimed 12 months while its own output showed shortfalls in 2027–2028."""
    short = _series(ndpr, "Shortfall", "magnet_rees", "magnets", "Alliance") + _series(
        ndpr, "Shortfall", "magnet_rees", "magnets", "Rest of World"
    )
    assert short.iloc[-1] > 0  # still short in the last month (Sep 2028)
    row = _row(ndpr, "magnet_rees", "magnets", "months_to_recovery")
    assert np.isnan(row["value"])
    # horizon 2025-10 + 36 months -> last month 2028-09
    assert row["note"].startswith("not within the horizon (ends 2028-09)")
    assert "open_at_horizon" in row["flags"].split(";")
    cum = _row(ndpr, "magnet_rees", "magnets", "cumulative_shortfall_t")
    assert "open_at_horizon" in cum["flags"].split(";")


def test_what_is_left_of_a_one_year_control_is_mostly_substituted_demand(
    ndpr: engine.Results,
) -> None:
    """ndpr_withhold_60 (a one-year control): by the end the magnet price is back near its
    base, and the shortfall that keeps the disruption open is demand moved to substitutes."""
    mi, st = "magnet_rees", "magnets"
    end_short = _row(ndpr, mi, st, "shortfall_end_pct")["value"]
    subst = _row(ndpr, mi, st, "substituted_end_pct")["value"]
    assert end_short > 1.0  # above the recovery tolerance: still open (test above)
    assert 0.8 * end_short <= subst <= end_short
    price = _series(ndpr, "Price", mi, st, "Rest of World")
    assert price.iloc[-1] / _row(ndpr, mi, st, "base_price_usd_per_kg")["value"] < 1.1
    for kpi in ("shortfall_end_pct", "substituted_end_pct"):
        row = _row(ndpr, mi, st, kpi)
        assert row["unit"] == "%" and row["p10"] <= row["p90"]


def test_no_shock_leaves_no_shortfall_and_nothing_substituted(dataset) -> None:  # type: ignore[no-untyped-def]
    base = engine.run(load_scenario("baseline"), dataset, central_only=True).kpis
    end = base[base["kpi"].isin(["shortfall_end_pct", "substituted_end_pct"])]
    assert len(end) == 2 * base[["mineral", "stage"]].drop_duplicates().shape[0]
    assert (end["value"] == 0.0).all()
    assert (
        base.loc[base["kpi"] == "substituted_end_pct", "value"].to_numpy()
        <= base.loc[base["kpi"] == "shortfall_end_pct", "value"].to_numpy()
    ).all()


def test_price_kpis_match_the_iamc_table(ndpr: engine.Results) -> None:
    mi, st = "magnet_rees", "refining"
    p0 = _row(ndpr, mi, st, "base_price_usd_per_kg")["value"]
    assert p0 == 69.0  # data/price_defaults.csv (NdPr oxide, USGS MCS 2026, 2025 estimate)
    row_p = _series(ndpr, "Price", mi, st, "Rest of World")
    ally = _series(ndpr, "Price", mi, st, "Alliance")
    china = _series(ndpr, "Price", mi, st, "China")
    assert _row(ndpr, mi, st, "peak_price_multiple_outside")["value"] == pytest.approx(
        row_p.max() / p0, rel=1e-9
    )
    assert _row(ndpr, mi, st, "peak_price_multiple_alliance")["value"] == pytest.approx(
        ally.max() / p0, rel=1e-9
    )
    assert _row(ndpr, mi, st, "min_price_multiple_inside")["value"] == pytest.approx(
        china.min() / p0, rel=1e-9
    )
    assert _row(ndpr, mi, st, "peak_month_outside")["value"] == int(np.argmax(row_p.to_numpy()))


def test_peak_shortfall_and_projects_follow_the_table_and_the_sourced_size(
    ndpr: engine.Results, dataset
) -> None:  # type: ignore[no-untyped-def]
    mi, st = "magnet_rees", "magnets"
    short = _series(ndpr, "Shortfall", mi, st, "Alliance") + _series(
        ndpr, "Shortfall", mi, st, "Rest of World"
    )
    peak = _row(ndpr, mi, st, "peak_shortfall_t_per_year")["value"]
    assert peak == pytest.approx(short.max(), rel=1e-9)
    params = dataset.model_parameters.set_index(["mineral", "parameter"])
    size_row = params.loc[(mi, "project_size_t_per_year_magnets")]
    assert size_row["source_id"] == "NEO_NARVA_CAPEX"
    size = _row(ndpr, mi, st, "project_size_t_per_year")
    assert size["value"] == float(size_row["value"]) == 620.0  # 2,000 t NdFeB × 31 % RE
    assert "NEO_NARVA_CAPEX" in size["note"]
    assert _row(ndpr, mi, st, "projects_needed")["value"] == math.ceil(short.max() / 620.0)
    assert "NEO_NARVA_CAPEX" in ndpr.sources


def test_projects_needed_is_nan_without_a_sourced_size(dataset) -> None:  # type: ignore[no-untyped-def]
    """No share-of-world stand-in: a short market without a sourced size says so."""
    from mineral_briefs.scenarios import ExportControl

    sc = load_scenario("baseline")
    ctl = ExportControl(
        exporter="CHN",
        minerals=("tungsten",),
        stages=("mining",),
        share_withheld=0.8,
        targets="all",
        announced="2025-10-01",
        effective="2025-11-01",
    )
    r = engine.run(sc.model_copy(update={"export_controls": (ctl,)}), dataset, draws=0)
    assert _row(r, "tungsten", "mining", "peak_shortfall_t_per_year")["value"] > 0
    row = _row(r, "tungsten", "mining", "projects_needed")
    assert np.isnan(row["value"])
    assert "no sourced typical project size for tungsten mining" in row["note"]


def test_floor_money_per_peak_calendar_year_from_the_iamc_table(floor: engine.Results) -> None:
    mi, st = "lithium", "refining"
    rev = _series(floor, "Tariff Revenue", mi, st, "Alliance")
    years = pd.to_datetime(rev.index).year
    per_year = rev.groupby(years).sum()
    row = _row(floor, mi, st, "tariff_revenue_usd_per_year")
    assert row["value"] == pytest.approx(per_year.max(), rel=1e-9)
    assert row["unit"] == "USD/yr"
    assert f"peak calendar year {per_year.idxmax()}" in row["note"]
    assert "paid by alliance buyers" in row["note"]
    cum = _row(floor, mi, st, "tariff_revenue_usd")
    assert cum["value"] == pytest.approx(rev.sum(), rel=1e-9)
    assert cum["note"].startswith("cumulative 2025-10 to 2028-09")
    fiscal = _row(floor, mi, st, "fiscal_cost_usd_per_year")
    assert "alliance taxpayers" in fiscal["note"]


def test_a_floor_held_to_the_end_is_not_rising(floor: engine.Results) -> None:
    """The alliance price sits flat at the floor until the last month: its peak is in the
    last month, but it is a level, not a rise (issue 9: no "still rising" for a flat line)."""
    mi, st = "magnet_rees", "refining"
    ally = _series(floor, "Price", mi, st, "Alliance")
    assert ally.iloc[-1] == pytest.approx(ally.max())
    assert ally.iloc[-1] == pytest.approx(ally.iloc[-2])
    assert "rising_at_end" not in _row(floor, mi, st, "peak_price_multiple_alliance")["flags"]


def test_a_shortfall_peaking_in_the_last_month_is_flagged_rising(dataset) -> None:  # type: ignore[no-untyped-def]
    r = engine.run(load_scenario("controls_oct2025"), dataset, draws=0)
    # NOTE: the magnet stage's shortfall now peaks before the end (outside magnet makers are
    # held back by Dy/Tb, §17); rare-earth refining's now peaks a few months before the end
    # too (the precautionary hoard, §6a, is drawn once working stock runs out, which shifts
    # its path); the other controlled medium/heavy elements are still rising at the horizon.
    mi, st = "mhree_other", "refining"
    short = _series(r, "Shortfall", mi, st, "Alliance") + _series(
        r, "Shortfall", mi, st, "Rest of World"
    )
    assert short.iloc[-1] == pytest.approx(short.max()) and short.iloc[-1] > short.iloc[-2]
    assert "rising_at_end" in _row(r, mi, st, "peak_shortfall_t_per_year")["flags"]
    assert "open_at_horizon" in _row(r, mi, st, "months_to_recovery")["flags"]


def _gallium_ban(dataset, share: float, leakage: float):  # type: ignore[no-untyped-def]
    """BT-02's gallium market under a ban that takes effect at once (no delay, no pull)."""
    sc = load_backtest("bt02_gallium_2023")
    ec = sc.export_controls[0].model_copy(
        update={
            "share_withheld": share,
            "leakage": leakage,
            "licensing_delay_days": 0,
            "front_running_months": 0,
        }
    )
    # NOTE: six months past BT-02's 14: the buyers' precautionary hoard (methodology §6a),
    # bought at the ban's start and drawn once working stock runs out, carries the outside
    # past the original horizon's last month, so the exhaustion spike comes a few months later.
    hz = sc.horizon.model_copy(update={"months": sc.horizon.months + 6})
    r = engine.run(
        sc.model_copy(update={"export_controls": (ec,), "horizon": hz}), dataset, draws=20, seed=2
    )
    return _row(r, "gallium", "refining", "peak_price_multiple_outside")


def test_a_large_export_cut_moves_prices_past_the_old_cap_and_the_guard_is_flagged(
    dataset,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 12: no universal 6x cap. A full Chinese gallium ban (China ~99 % of output) leaves
    the outside almost without supply; demand destruction at gallium's long-run elasticity
    lets the price run far above 6x, up to the numerical guard, and a KPI on the guard is
    flagged (tests/test_model_demand_destruction.py shows the threshold lowering the price
    below the guard while stocks cushion the ban)."""
    params = dataset.model_parameters.set_index(["mineral", "parameter"])
    guard = float(params.loc[("all", "choke_price_multiple"), "value"])
    row = _gallium_ban(dataset, 1.0, 0.0)
    assert row["value"] > 6.0 * 1.5  # far past the old universal cap
    assert row["p90"] == pytest.approx(guard)
    assert "at_guard" in row["flags"].split(";")
    assert "choke price" in row["note"] and "numerical guard" in row["note"]
    # a milder licensing regime stays far from the guard and carries no flag
    mild = _gallium_ban(dataset, 0.5, 0.1)
    assert mild["value"] < guard / 2
    assert "at_guard" not in mild["flags"]


def test_a_trough_on_the_lowest_price_the_solver_returns_is_flagged_at_guard() -> None:
    """Methodology §4, §12: a lowest price on the 0.05x guard is the guard, not a finding, and is
    flagged like a peak on the choke price (it carried no flag: 2026-12-03 audit)."""
    sc = parse_scenario(
        """
id: probe_glut
extends: baseline
horizon: {start: 2025-10, months: 36}
demand:
  - {mineral: gallium, growth: {percent: -95}, base_year: 2025, target_year: 2026,
     shape: s_curve}
""",
        check_sources=False,
    )
    k = central_run(sc).kpis
    row = k[(k["mineral"] == "gallium") & (k["kpi"] == "min_price_multiple_inside")].iloc[0]
    assert row["value"] == pytest.approx(0.05)
    assert "at_guard" in row["flags"].split(";")
    assert "numerical guard" in row["note"]
    ok = k[(k["mineral"] == "lithium") & (k["kpi"] == "min_price_multiple_inside")].iloc[0]
    assert "at_guard" not in ok["flags"].split(";")
