"""The supply-surge and China levers do what they say (issue 12 items 2, 4, 6): real engine
runs on the built-in data, metamorphic like tests/test_levers.py, plus the scenario schema's
errors for the new keys (file, key path, allowed values)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from engine_runs import central_run, kpi_value, shared_dataset
from mineral_briefs import engine
from mineral_briefs.engine.params import _Params
from mineral_briefs.model.simulate import simulate
from mineral_briefs.scenarios import Scenario, load_scenario, parse_scenario
from scenario_cli import validate_error, validate_ok

TOL = 1e-9


def _variant(text: str) -> Scenario:
    return parse_scenario(text, source="<test_levers_supply>")


def _surge(
    capacity_t: float, cost: float = 4000, country: str = "AUS", mineral: str = "lithium"
) -> Scenario:
    stage = "mining" if mineral == "copper" else "refining"
    return _variant(
        f"""
id: surge_{mineral}_{int(capacity_t)}_{int(cost)}
extends: baseline
supply_surge:
  - country: {country}
    mineral: {mineral}
    stage: {stage}
    capacity_t_per_year: {capacity_t}
    cash_cost: {{value: {cost}, unit: USD/t}}
    start: 2026-01
    ramp_months: 12
"""
    )


# --------------------------------------------------------------------------------------------
# supply surge
# --------------------------------------------------------------------------------------------


def test_more_surge_never_raises_the_outside_price_and_closes_more_capacity() -> None:
    sizes = (5_000, 20_000, 60_000, 120_000)
    runs = [central_run(_surge(c)) for c in sizes]
    lows = [kpi_value(r, "lithium", "refining", "min_price_to_low_cost") for r in runs]
    offline = [
        kpi_value(r, "lithium", "refining", "curve_capacity_offline_t_per_year") for r in runs
    ]
    assert all(b < a for a, b in zip(lows, lows[1:], strict=False)), lows
    assert all(b >= a - TOL for a, b in zip(offline, offline[1:], strict=False)), offline
    assert offline[-1] > 0


@pytest.mark.parametrize(
    ("surge", "market"),
    [
        ((120_000, 4_000, "AUS", "lithium"), ("lithium", "refining")),
        # copper's curve (ANTO_2022 for Chile, the industry spread up to BERNSTEIN_CU_2025's
        # 90th percentile elsewhere): a cheap surge of 60 % of world mine output
        ((14_000_000, 2_000, "CHL", "copper"), ("copper", "mining")),
    ],
)
def test_a_supply_glut_closes_high_cost_capacity_first(
    surge: tuple[float, float, str, str], market: tuple[str, str]
) -> None:
    """Issue 12 done-when: the lithium curve's Chinese lepidolite (the highest cash cost)
    leaves before China's brine/spodumene; the low-cost brine of Chile and Argentina and the
    cheap surge itself keep running. The same along copper's mining curve."""
    b = engine._build(_surge(*surge), shared_dataset())
    rows = engine._rows_from(b, [{}], None)
    stat = (b.controls, b.floors, b.stockpiles, b.projects)
    res = simulate(b.markets, rows, *stat, n_path=1, curves=b.curves, china=b.china)
    j = b.keys.index(market)
    sel = np.flatnonzero(b.curves.market == j)
    exit_month = res.totals["curve_exit_month"][0, sel]
    cost = b.curves.cost[sel]
    order = np.argsort(cost)
    exited = exit_month[order] >= 0
    assert exited[-1], "the highest-cost group must close"
    assert not exited[0], "the lowest-cost group keeps running"
    # along the curve: once a group closes, every dearer group has closed no later
    ex = np.where(exit_month[order] >= 0, exit_month[order], np.inf)
    closed = np.isfinite(ex)
    assert (np.diff(closed.astype(int)) >= 0).all(), "a cheaper group closed, a dearer one not"
    assert (np.diff(ex[closed]) <= 0).all(), "a cheaper group closed before a dearer one"


def test_a_surge_costlier_than_the_price_adds_less_than_a_cheap_one() -> None:
    cheap, dear = central_run(_surge(60_000, 4_000)), central_run(_surge(60_000, 40_000))
    assert kpi_value(dear, "lithium", "refining", "min_price_to_low_cost") > kpi_value(
        cheap, "lithium", "refining", "min_price_to_low_cost"
    )


# --------------------------------------------------------------------------------------------
# China's consumption share and its managed market
# --------------------------------------------------------------------------------------------


def _china_share(share: float, managed: bool = True) -> Scenario:
    return _variant(
        f"""
id: china_share_{int(100 * share)}_{int(managed)}
extends: ndpr_withhold_60
china:
  market_management: {str(managed).lower()}
  consumption_share:
    - {{mineral: magnet_rees, stage: magnets, share: {share}}}
"""
    )


def test_consumption_share_overrides_the_data_default() -> None:
    b = engine._build(_china_share(0.7), shared_dataset())
    j = b.keys.index(("magnet_rees", "magnets"))
    assert b.markets.demand_share[0, j] == pytest.approx(0.7)
    assert b.markets.demand_share[:, j].sum() == pytest.approx(1.0)


def test_more_china_consumption_never_raises_the_outside_peak_under_its_embargo() -> None:
    peaks = [
        kpi_value(
            central_run(_china_share(s)), "magnet_rees", "magnets", "peak_price_multiple_outside"
        )
        for s in (0.5, 0.6, 0.7)
    ]
    assert all(b < a for a, b in zip(peaks, peaks[1:], strict=False)), peaks


@pytest.mark.parametrize("sid", ["ndpr_withhold_60", "controls_oct2025"])
def test_a_magnet_embargo_leaves_chinas_inside_price_within_the_band(sid: str) -> None:
    """Issue 12 done-when: quotas and reserve buying hold China's inside magnet price within
    [band_low, 1 + recovery tolerance] of its no-control level; unmanaged it falls below."""
    band = _Params(shared_dataset().model_parameters).value("china_price_band_low", "magnet_rees")
    managed = central_run(load_scenario(sid))
    low = kpi_value(managed, "magnet_rees", "magnets", "min_price_multiple_inside")
    high = kpi_value(managed, "magnet_rees", "magnets", "peak_price_multiple_inside")
    assert band - 1e-6 <= low and high <= 1.10
    assert kpi_value(managed, "magnet_rees", "magnets", "china_absorbed_t") > 0
    off = central_run(
        _variant(f"id: {sid}_unmanaged\nextends: {sid}\nchina: {{market_management: false}}\n")
    )
    assert kpi_value(off, "magnet_rees", "magnets", "min_price_multiple_inside") < band
    assert kpi_value(off, "magnet_rees", "magnets", "china_absorbed_t") == 0


def test_a_refined_gallium_embargo_leaves_chinas_inside_price_within_the_band_too() -> None:
    """The band is the default of every mineral (methodology §20, 2026-12-03): outside rare
    earths China's own control used to cut its inside price by about a third (gallium x0.70
    in the first month); output cuts now hold it within [band_low, 1.10]."""
    text = """
id: gallium_embargo
extends: baseline
export_controls:
  - {exporter: CHN, minerals: [gallium], stages: [refining], share_withheld: 0.6,
     targets: all, announced: 2026-01-01, effective: 2026-01-01, licensing_delay_days: 0,
     ramp_months: 0, front_running_months: 0, leakage: 0.0}
"""
    band = _Params(shared_dataset().model_parameters).value("china_price_band_low", "gallium")
    assert band == pytest.approx(0.85)
    managed = central_run(_variant(text))
    low = kpi_value(managed, "gallium", "refining", "min_price_multiple_inside")
    assert band - 1e-6 <= low and kpi_value(managed, "gallium", "refining", "china_absorbed_t") > 0
    assert kpi_value(managed, "gallium", "refining", "peak_price_multiple_outside") > 1.5
    off = central_run(
        _variant(
            text.replace("id: gallium_embargo", "id: gallium_embargo_off")
            + "china: {market_management: false}\n"
        )
    )
    assert kpi_value(off, "gallium", "refining", "min_price_multiple_inside") < 0.8


# --------------------------------------------------------------------------------------------
# floors judged against the curve
# --------------------------------------------------------------------------------------------


def _floor_on_nickel(floor: float) -> Scenario:
    """A custom alliance with New Caledonia (ferronickel, the dearest nickel group), a glut
    from an Indonesian surge and a CfD floor for the members' nickel mines."""
    return _variant(
        f"""
id: nickel_floor_{int(floor)}
extends: baseline
alliance: {{name: with_ncl, members: [USA, JPN, EU27, NCL]}}
supply_surge:
  - {{country: IDN, mineral: nickel, stage: mining, capacity_t_per_year: 1500000,
      cash_cost: {{value: 9000, unit: USD/t}}, start: 2026-01, ramp_months: 12}}
price_floors:
  - mineral: nickel
    stage: mining
    floor: {{value: {floor}, unit: USD/t}}
    instrument: cfd
    members: alliance
    start: 2026-01-01
"""
    )


def test_a_floor_keeps_alive_the_members_capacity_between_the_price_and_the_floor() -> None:
    kept = [
        kpi_value(
            central_run(_floor_on_nickel(f)), "nickel", "mining", "floor_capacity_kept_t_per_year"
        )
        for f in (9_000, 13_000)
    ]
    assert kept[0] == 0.0 < kept[1]
    # the same members and glut without the floor: nothing is kept alive
    text = _floor_on_nickel(13_000).model_dump(mode="json", exclude_none=True)
    no_floor = central_run(_variant(yaml.safe_dump({**text, "price_floors": []})))
    assert kpi_value(no_floor, "nickel", "mining", "floor_capacity_kept_t_per_year") == 0.0
    # no member on nickel's curve (Indonesia and New Caledonia outside the alliance): the KPI
    # says it cannot tell, not "keeps nothing alive"
    r = central_run(_surge(1))
    row = r.kpis.loc[
        (r.kpis["mineral"] == "nickel")
        & (r.kpis["stage"] == "mining")
        & (r.kpis["kpi"] == "floor_capacity_kept_t_per_year")
    ]
    assert np.isnan(row["value"].iloc[0])
    assert "no alliance producer on the market's cost curve" in row["note"].iloc[0]


def test_markets_without_a_curve_say_so() -> None:
    r = central_run(load_scenario("baseline"))
    row = r.kpis.loc[(r.kpis["mineral"] == "gallium") & (r.kpis["kpi"] == "min_price_to_low_cost")]
    assert np.isnan(row["value"].iloc[0])
    assert "no sourced cost curve" in row["note"].iloc[0]


def test_a_curve_that_covers_little_of_the_market_names_no_cheapest_quarter() -> None:
    """Graphite mining's only sourced group is Mozambique's Balama (about 3 % of output): its
    cost is no "cheapest quarter" of the market; the rare-earth mining curve (Bayan Obo and
    Mountain Pass, about 60 %) is read."""
    r = central_run(load_scenario("baseline"))
    k = r.kpis.loc[r.kpis["kpi"] == "min_price_to_low_cost"].set_index(["mineral", "stage"])
    graphite = k.loc[("graphite", "mining")]
    assert np.isnan(graphite["value"])
    assert "covers 3 % of base-year output" in graphite["note"], graphite["note"]
    assert np.isfinite(k.loc[("rare_earths", "mining"), "value"])
    assert np.isfinite(k.loc[("copper", "mining"), "value"])


# --------------------------------------------------------------------------------------------
# schema errors name the file, the key path and what is allowed
# --------------------------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "id": "case",
    "title": "Case",
    "rationale": "Test case.",
    "horizon": {"start": "2025-10", "months": 36},
    "supply_surge": [
        {
            "country": "AUS",
            "mineral": "lithium",
            "stage": "refining",
            "capacity_t_per_year": 10000,
            "cash_cost": {"value": 5000, "unit": "USD/t"},
            "start": "2026-01",
            "ramp_months": 12,
        }
    ],
    "china": {"consumption_share": [{"mineral": "lithium", "stage": "refining", "share": 0.7}]},
}


def test_the_valid_case_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate_ok(tmp_path, capsys, VALID)


@pytest.mark.parametrize(
    ("keys", "value", "fragments"),
    [
        (("supply_surge", 0, "capacity_t_per_year"), -5, ("supply_surge[0].capacity_t_per_year",)),
        (("supply_surge", 0, "country"), "XXX", ("supply_surge[0].country",)),
        (("supply_surge", 0, "stage"), "smelting", ("supply_surge[0].stage", "refining")),
        (("supply_surge", 0, "cash_cost"), 5000, ("supply_surge[0].cash_cost",)),
        (("supply_surge", 0, "ramp_months"), 1.5, ("supply_surge[0].ramp_months", "whole")),
        (("china", "consumption_share", 0, "share"), 1.2, ("consumption_share[0].share", "0.98")),
        (("china", "market_management"), "maybe", ("china.market_management",)),
        (("china", "quota"), 1, ("china", "quota")),
    ],
)
def test_bad_new_levers_name_file_key_path_and_allowed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    keys: tuple[Any, ...],
    value: Any,
    fragments: tuple[str, ...],
) -> None:
    data = copy.deepcopy(VALID)
    cur: Any = data
    for k in keys[:-1]:
        cur = cur[k]
    cur[keys[-1]] = value
    err = validate_error(tmp_path, capsys, data)
    for f in fragments:
        assert f in err, (f, err)


def test_a_surge_on_an_unsimulated_market_is_refused() -> None:
    sc = _variant(
        """
id: surge_nowhere
extends: baseline
markets: [{mineral: lithium, stage: mining}]
supply_surge:
  - {country: AUS, mineral: lithium, stage: refining, capacity_t_per_year: 1000,
     cash_cost: {value: 5, unit: USD/kg}, start: 2026-01}
"""
    )
    with pytest.raises(Exception, match=r"supply_surge\[0\]: market lithium/refining"):
        engine.run(sc, shared_dataset(), draws=0)
