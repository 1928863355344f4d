"""Issue 3 follow-up: self-sufficiency by end-use needs, no silently skipped levers, the
lagged capacity response that BT-07 needs (one parameter set for every episode)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.backtest import run_backtests, summarise
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError
from mineral_briefs.model.codelist import variable
from mineral_briefs.scenarios import Market, Stockpile, load_scenario


@pytest.fixture(scope="module")
def dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


@pytest.fixture(scope="module")
def controls(dataset):  # type: ignore[no-untyped-def]
    return engine.run(load_scenario("controls_oct2025"), dataset, draws=50, seed=3)


def _ss(r: engine.Results) -> pd.DataFrame:
    k = r.kpis
    return k.loc[k["kpi"] == "alliance_self_sufficiency"].set_index(["mineral", "stage"])


def test_self_sufficiency_is_plausible_and_never_a_cap(controls: engine.Results, dataset) -> None:  # type: ignore[no-untyped-def]
    """Self-sufficiency stays near its base-year ratio ``100 · s_A / e_A`` (alliance share of
    production ÷ its share of end-use demand), never at a cap.

    Documented band: where the controls do not move the price the run keeps base shares, so
    the KPI equals the base ratio (rel 1e-6); elsewhere within [1/2, 2] × the base ratio:
    the alliance's supply multiplier is capped by ``capacity_headroom_lr`` (2.0) and at the
    prices of this run world demand moves by far less than a factor 2.
    """
    ss = _ss(controls)
    finite = ss.loc[ss["value"].notna()]
    b = engine._build(controls.scenario, dataset)
    base = pd.Series(
        100 * b.markets.supply_share[1] / b.ally_end_share,
        index=pd.MultiIndex.from_tuples(b.keys, names=["mineral", "stage"]),
    ).loc[finite.index]
    k = controls.kpis.set_index(["mineral", "stage", "kpi"])["value"]
    still = [
        key
        for key in finite.index
        if abs(k.loc[(*key, "peak_price_multiple_outside")] - 1) < 1e-9
        and abs(k.loc[(*key, "min_price_multiple_inside")] - 1) < 1e-9
    ]
    assert len(still) >= 10
    np.testing.assert_allclose(finite.loc[still, "value"], base.loc[still], rtol=1e-6)
    moved = base > 0
    ratio = finite.loc[moved, "value"] / base.loc[moved]
    assert ((ratio >= 0.5) & (ratio <= 2.0)).all(), ratio.to_dict()
    assert (finite.loc[~moved, "value"] == 0).all()
    # the old definition gave 999 % (a cap) for lithium mining and magnet-REE refining
    assert finite.loc[("lithium", "mining"), "value"] < 100
    assert finite.loc[("magnet_rees", "refining"), "value"] < 100
    assert finite.loc[("magnet_rees", "mining"), "value"] < 100


def test_self_sufficiency_follows_end_use_needs(controls: engine.Results, dataset) -> None:  # type: ignore[no-untyped-def]
    """value = 100 · alliance supply ÷ (alliance end-use share · world demand), last month."""
    ts = controls.timeseries
    last = ts["time"].max()
    params = dataset.model_parameters.set_index(["mineral", "parameter"])["value"]
    members = set(controls.scenario.alliance_members)
    share = sum(
        float(params[("all", f"demand_share_{c}")]) for c in ("USA", "JPN") if c in members
    ) + (float(params[("all", "demand_share_EU27")]) if "DEU" in members else 0.0)
    for mi, st in (("copper", "mining"), ("cobalt", "refining")):
        at = ts.loc[ts["time"] == last]
        sup = at.loc[
            (at["variable"] == variable("Supply", mi, st)) & (at["region"] == "Alliance"), "value"
        ].iloc[0]
        dem = at.loc[
            (at["variable"] == variable("Demand", mi, st)) & (at["region"] == "World"), "value"
        ].iloc[0]
        assert controls.kpi(mi, st, "alliance_self_sufficiency") == pytest.approx(
            100 * sup / (share * dem), rel=1e-6
        )


def test_unattributable_self_sufficiency_is_nan_with_a_note(controls: engine.Results) -> None:
    ss = _ss(controls)
    # NOTE: magnets became attributable (Japan, Germany, US rows, MB_MAGNETS_2024); rare-earth
    # refining (FAS 2025: China 91 % and an unattributed 9 %) is the case that stays NaN.
    ref = ss.loc[("rare_earths", "refining")]
    assert np.isnan(ref["value"]) and np.isnan(ref["p10"]) and np.isnan(ref["p90"])
    assert "unattributed rest" in ref["note"] and "not attributable" in ref["note"]
    assert np.isfinite(ss.loc[("magnet_rees", "magnets"), "value"])
    # every other NaN is one of the stated kinds and carries its reason
    k = controls.kpis
    rest = k.loc[k["kpi"] != "alliance_self_sufficiency"]
    nan = rest.loc[rest["value"].isna()]
    assert set(nan["kpi"]) <= {
        "months_to_recovery",  # not within the horizon
        "peak_month_outside",  # flat price path
        "projects_needed",  # no sourced project size
        "project_size_t_per_year",
        # no sourced cost curve (methodology §17)
        "curve_capacity_offline_t_per_year",
        "min_price_to_low_cost",
        "floor_capacity_kept_t_per_year",
    }
    assert (nan["note"] != "").all()


def test_rare_earth_refining_is_simulated_and_the_control_bites(controls: engine.Results) -> None:
    assert controls.kpi("rare_earths", "refining", "peak_price_multiple_outside") > 1.2
    # NOTE: precautionary buyers hoard from the announcement (9 Oct 2025, methodology §6a);
    # until the control takes effect (1 Dec 2025) the market is unified, so the hoarding lifts
    # the one world price, China's included. From the effective date the control bites: the
    # inside price never rises above its starting level.
    ts = controls.timeseries
    sel = ts.loc[
        (ts["variable"] == variable("Price", "rare_earths", "refining")) & (ts["region"] == "China")
    ].set_index("time")["value"]
    in_force = sel[pd.to_datetime(sel.index) >= pd.Timestamp("2025-12-01")]
    assert len(in_force) > 12
    assert in_force.max() <= sel.iloc[0] * (1.0 + 1e-6)
    outside = controls.kpi("rare_earths", "refining", "peak_price_multiple_outside")
    assert controls.kpi("rare_earths", "refining", "peak_price_multiple_inside") < outside


def test_lever_on_a_market_not_simulated_is_a_scenario_error(dataset) -> None:  # type: ignore[no-untyped-def]
    sc = load_scenario("stockpile_response")
    narrowed = sc.model_copy(update={"markets": (Market(mineral="lithium", stage="refining"),)})
    with pytest.raises(ScenarioError) as err:
        engine.run(narrowed, dataset, draws=0)
    msg = str(err.value)
    assert "stockpiles[0].minerals: market magnet_rees/refining is not simulated" in msg
    assert "export_controls[0]" in msg and "stockpile_response" in msg
    sp = sc.stockpiles[0].model_dump()
    sp["minerals"] = ("gallium",)
    sp["stage"] = "mining"
    bad = sc.model_copy(update={"stockpiles": (Stockpile(**sp),)})
    with pytest.raises(ScenarioError, match=r"gallium/mining is not simulated \(no base data"):
        engine.run(bad, dataset, draws=0)


def test_capacity_reacts_to_the_price_only_after_the_lag(dataset) -> None:  # type: ignore[no-untyped-def]
    """Lagged supply response: for the first L months of a demand shock supply moves only by
    its short-run elasticity (capped at the short-run headroom), never by new capacity."""
    r = engine.run(load_scenario("scenarios/backtests/bt07_lithium_2021.yaml"), dataset, draws=0)
    ts = r.timeseries
    var = variable("Supply", "lithium", "refining")
    price = ts.loc[
        (ts["variable"] == variable("Price", "lithium", "refining")) & (ts["region"] == "China")
    ].set_index("time")["value"]
    sup = ts.loc[(ts["variable"] == var) & (ts["region"] == "World")].set_index("time")["value"]
    p0, s0 = float(price.iloc[0]), float(sup.iloc[0])
    lag = 18  # capacity_lag_months (data/model_parameters.csv)
    early = (sup.iloc[:lag] / s0).to_numpy()
    mult = np.minimum((price.iloc[:lag] / p0).to_numpy() ** 0.1, 1.1)
    assert np.all(early <= mult * 1.0 + 1e-9)


def test_backtest_suite_is_scored_with_one_parameter_set_and_every_sign_holds(dataset) -> None:  # type: ignore[no-untyped-def]
    """One parameter set for every episode; every scored sign test holds.

    NOTE (issue 12): this test used to require suite acceptance (>= 70 % of the quantitative
    criteria, BT-07's peak inside its band). That acceptance rested on two global values chosen
    by the same score (adjustment_months 36, inventory_release_share 0.8) and on the 6x cap
    that set BT-07's peak. With the cap replaced by demand destruction and τ set to its
    literature prior, the suite is reported as it scores (docs/methodology.md, backtests) and
    acceptance is no longer asserted: a test may not demand a score the parameters would have
    to be tuned to reach.
    """
    scores = run_backtests(dataset=dataset)
    s = summarise(scores)
    assert s["sign_tests_passed"] is True
    assert s["checks_hold"] is True
    assert s["quantitative"] >= 8
    assert s["suite_accepted"] == (s["quantitative_pass_share"] >= 0.7)
