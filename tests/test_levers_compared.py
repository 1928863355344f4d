"""Levers compared (brief/compared.py), who pays (brief/answer.py) and the base-price year.

Every number of the levers-compared table must be an engine run of the scenario with exactly
one documented change; these tests re-run the variants independently and check the rows.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.brief import answer, compared, compared_csv
from mineral_briefs.brief_runs import variants
from mineral_briefs.data import load_dataset
from mineral_briefs.scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]
MI, ST = "magnet_rees", "magnets"


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    return load_dataset(REPO / "data")


@pytest.fixture(scope="module")
def controls(ds):  # type: ignore[no-untyped-def]
    sc = load_scenario("controls_oct2025")
    return sc, engine.run(sc, ds, draws=0)


@pytest.fixture(scope="module")
def rows(controls, ds):  # type: ignore[no-untyped-def]
    sc, res = controls
    compared._CACHE.clear()
    return compared.compare(sc, res, ds, MI, ST)


def _short(r: engine.Results) -> float:
    k = r.kpis
    sel = k[(k.mineral == MI) & (k.stage == ST) & (k.kpi == "cumulative_shortfall_t")]
    return float(sel["value"].iloc[0])


def test_central_only_run_is_the_central_row_of_a_full_run(controls, ds) -> None:  # type: ignore[no-untyped-def]
    sc, full = controls
    lean = engine.run(sc, ds, central_only=True)
    key = ["mineral", "stage", "kpi"]
    a = full.kpis.set_index(key)["value"].sort_index()
    b = lean.kpis.set_index(key)["value"].sort_index()
    pd.testing.assert_series_equal(a, b)


def test_each_variant_changes_one_lever_only(controls) -> None:  # type: ignore[no-untyped-def]
    sc, res = controls
    var = variants.variants(sc, res, MI, ST)
    assert set(var) == set(variants.LEVERS)
    stock = var["stockpile"][0]
    assert len(stock.stockpiles) == len(sc.stockpiles) + 1
    assert stock.stockpiles[-1].days_of_cover == variants.STOCKPILE_DAYS
    assert (stock.price_floors, stock.projects) == (sc.price_floors, sc.projects)
    floor = var["floor"][0]
    assert [f.instrument for f in floor.price_floors] == ["variable_tariff"]
    assert floor.price_floors[0].floor.value == variants.NDPR_FLOOR_USD_PER_KG
    assert floor.stockpiles == sc.stockpiles
    off = var["offtake"][0]
    assert off.price_floors[0].offtake_volume_t_per_year == pytest.approx(620.0)
    proj = var["projects"][0]
    assert len(proj.projects) == len(sc.projects) + 1
    assert proj.projects[-1].capacity_t_per_year == pytest.approx(620.0)
    wide = var["alliance"][0]
    assert wide.alliance == variants.WIDER_ALLIANCE
    assert len(wide.alliance_members) > len(sc.alliance_members)
    # China's targets stay the scenario's own alliance: a wider alliance is not a wider ban
    for c_old, c_new in zip(sc.export_controls, wide.export_controls, strict=True):
        if c_old.targets == "alliance":
            assert tuple(c_new.targets) == sc.alliance_members


def test_rows_are_engine_runs_of_the_variants(controls, rows, ds) -> None:  # type: ignore[no-untyped-def]
    sc, res = controls
    own = _short(res)
    var = variants.variants(sc, res, MI, ST)
    by = {r.lever: r for r in rows}
    for lever in ("stockpile", "floor"):
        again = engine.run(var[lever][0], ds, central_only=True)
        assert by[lever].shortfall_t == pytest.approx(_short(again), rel=1e-12)
        assert by[lever].avoided_t == pytest.approx(own - _short(again), rel=1e-9, abs=1e-6)
    money = engine.run(var["floor"][0], ds, central_only=True).kpis
    extra = (
        money[money.kpi.isin(["consumer_cost_usd", "fiscal_cost_usd"])]["value"].sum()
        - res.kpis[res.kpis.kpi.isin(["consumer_cost_usd", "fiscal_cost_usd"])]["value"].sum()
    )
    assert by["floor"].extra_cost_usd == pytest.approx(extra)
    assert by["floor"].extra_cost_usd > 0  # a 110 USD/kg levy over a 69 USD/kg base costs


def test_a_stockpile_and_a_project_avoid_shortfall(rows) -> None:  # type: ignore[no-untyped-def]
    by = {r.lever: r for r in rows}
    assert by["stockpile"].avoided_t > 1.0
    assert by["projects"].avoided_t > 1.0
    assert not by["stockpile"].costed and math.isnan(by["stockpile"].cost_usd_per_t)


def test_ranking_is_by_shortfall_avoided(rows) -> None:  # type: ignore[no-untyped-def]
    order = [r.avoided_t for r in compared.ranked(rows) if not r.skipped]
    assert order == sorted(order, reverse=True)
    best = compared.best(rows)
    assert best is not None and best.avoided_t == max(order)


def test_cheapest_is_the_lowest_cost_per_tonne() -> None:
    nan = float("nan")
    mk = compared.LeverResult
    rows = [
        mk("floor", "", "", 10.0, 5.0, 50.0, 1e6, 2e5, True, 1.0),
        mk("offtake", "", "", 12.0, 3.0, 30.0, 3e5, 1e5, True, 1.0),
        mk("stockpile", "", "", 8.0, 7.0, 70.0, nan, nan, False, 1.0),
    ]
    assert compared.cheapest(rows).lever == "offtake"  # type: ignore[union-attr]
    assert compared.best(rows).lever == "stockpile"  # type: ignore[union-attr]
    assert [r.lever for r in compared.ranked(rows)] == ["stockpile", "floor", "offtake"]


def test_no_shortfall_runs_no_lever(ds) -> None:  # type: ignore[no-untyped-def]
    sc = load_scenario("baseline")
    res = engine.run(sc, ds, draws=0)
    compared._CACHE.clear()
    out = compared.compare(sc, res, ds, MI, "refining")
    assert {r.skipped for r in out} <= {
        "compared.skip.no_shortfall",
        "compared.skip.alliance",
        "compared.skip.no_size",
    }
    assert compared.best(out) is None


def test_csv_rows_carry_every_measure(rows) -> None:  # type: ignore[no-untyped-def]
    out = compared_csv.csv_rows(rows, "controls_oct2025", MI, ST)
    kpis = {r["kpi"] for r in out}
    # seven measures per lever and the materiality threshold the answer box quotes
    assert len(out) == 7 * len(variants.LEVERS) + 1 == len(kpis)
    assert "lever_material_share_pct" in kpis and "lever_cost_price_multiple|floor" in kpis
    stock = next(r for r in out if r["kpi"] == "lever_shortfall_avoided_t|stockpile")
    assert stock["value"] == next(r.avoided_t for r in rows if r.lever == "stockpile")


# --------------------------------------------------------------------------- who pays


def test_buyer_money_scales_with_the_content_factor(controls) -> None:  # type: ignore[no-untyped-def]
    """Price × quantity goes through the market's conversion factor (issue 9's unit trap)."""
    _, res = controls
    one = answer.money_paths(res, MI, ST)
    pb = res.price_basis.copy()
    sel = (pb.mineral == MI) & (pb.stage == ST)
    pb.loc[sel, "content_per_product_factor"] *= 2.0
    two = answer.money_paths(dataclasses.replace(res, price_basis=pb), MI, ST)
    assert two["buyers"].sum() == pytest.approx(2.0 * one["buyers"].sum())
    assert one["buyers"].sum() > 1e8  # a 3.8× peak costs alliance buyers real money


def test_buyer_money_by_hand_for_one_month(controls) -> None:  # type: ignore[no-untyped-def]
    _, res = controls
    from mineral_briefs.model.codelist import variable

    ts = res.timeseries
    month = sorted(ts.time.unique())[20]

    def v(q: str, region: str) -> float:
        hit = ts[(ts.variable == variable(q, MI, ST)) & (ts.region == region) & (ts.time == month)]
        return float(hit["value"].iloc[0]) if len(hit) else 0.0

    pb = res.price_basis[(res.price_basis.mineral == MI) & (res.price_basis.stage == ST)].iloc[0]
    want = (
        (v("Price", "Alliance") - pb.p0_product_usd_per_kg)
        * pb.content_per_product_factor
        * v("Demand", "Alliance")  # consumed at the price: the shortfall is not in it
        * 1000
        / 12
    )
    got = answer.money_paths(res, MI, ST)["buyers"]
    assert got.loc[pd.Timestamp(month)] == pytest.approx(want)


# --------------------------------------------------------------------------- base year


def test_the_model_starts_from_the_latest_sourced_price(controls) -> None:  # type: ignore[no-untyped-def]
    _, res = controls
    pb = res.price_basis.set_index(["mineral", "stage"])
    assert pb.loc[(MI, "refining"), "p0_product_usd_per_kg"] == 69.0  # USGS_MCS2026, 2025e
    assert pb.loc[(MI, "refining"), "p0_year"] == 2025
    assert (pb["p0_year"].dropna() <= 2025).all()  # never after the horizon's start year


def test_a_fixed_base_year_keeps_its_own_price(ds) -> None:  # type: ignore[no-untyped-def]
    """A replay's ``base_overrides.base_year`` fixes the price year (never the latest)."""
    from mineral_briefs.scenarios.overrides import BaseOverrides

    sc = load_scenario("controls_oct2025")
    sc = sc.model_copy(update={"base_overrides": BaseOverrides(base_year=2023)})
    res = engine.run(sc, ds, central_only=True)
    pb = res.price_basis.set_index(["mineral", "stage"])
    assert pb.loc[(MI, "refining"), "p0_product_usd_per_kg"] == 75.0  # USGS_MCS2026, 2023
    assert pb.loc[(MI, "refining"), "p0_year"] == 2023


def test_cheapest_ignores_levers_that_avoid_a_sliver() -> None:
    """A costed lever avoiding under MATERIAL_SHARE_PCT of the shortfall is never "cheapest"
    (controls_oct2025: an offtake avoiding 0.3 % at USD 3.0 m/t, ~43× the price per t)."""
    nan = float("nan")
    mk = compared.LeverResult
    rows = [
        mk("offtake", "", "", 9300.0, 27.0, 0.3, 8.2e7, 3.0e6, True, 1.0),
        mk("floor", "", "", 9200.0, 97.0, 1.0, 6.4e8, 6.6e6, True, 1.0),
        mk("stockpile", "", "", 8800.0, 515.0, 5.5, nan, nan, False, 1.0),
    ]
    assert compared.cheapest(rows) is None
    big = dataclasses.replace(rows[1], avoided_pct=compared.MATERIAL_SHARE_PCT)
    assert compared.cheapest([rows[0], big]).lever == "floor"  # type: ignore[union-attr]
    # against the price: 6.6 m USD/t over 69 USD/kg = 69,000 USD/t is ×95.7
    assert compared.price_multiple(big, 69.0) == pytest.approx(6.6e6 / 69_000.0)


def test_answer_box_quotes_no_cost_per_tonne_for_a_sliver(controls, rows, ds) -> None:  # type: ignore[no-untyped-def]
    from mineral_briefs.brief.prepare import prepare

    brief = prepare("controls_oct2025", language="en", draws=20, as_of="2026-12-01")
    text = brief.answer()
    costed = [r for r in brief.compared_levers if r.costed]
    material = compared.material_costed(brief.compared_levers)
    assert costed, "controls_oct2025 compares a floor and an offtake"
    # a cost per tonne is quoted for material costed levers only; none is said when none is
    quoted = text.count(" per t")
    assert quoted == (1 if material else 0), text
    assert ("No costed lever" in text) == (not material)
    for r in costed:
        if not compared.material(r):
            assert math.isnan(r.cost_usd_per_t)


def test_wider_alliance_is_measured_like_for_like(controls, ds) -> None:  # type: ignore[no-untyped-def]
    """Naming the original members as targets changes the control's sizing (end-use demand vs
    the stage's split); the lever is measured against that named-target run, not the scenario."""
    sc, res = _held(controls)
    res = engine.run(sc, ds, draws=0)
    compared._CACHE.clear()
    rows = compared.compare(sc, res, ds, MI, ST)
    ref = engine.run(variants.wider_reference(sc), ds, central_only=True)
    wide = engine.run(variants.variants(sc, res, MI, ST)["alliance"][0], ds, central_only=True)
    assert variants.wider_reference(sc).alliance_members == sc.alliance_members
    by = {r.lever: r for r in rows}
    assert by["alliance"].avoided_t == pytest.approx(_short(ref) - _short(wide), rel=1e-9)
    assert by["alliance"].shortfall_t == pytest.approx(
        _short(res) - by["alliance"].avoided_t, rel=1e-9
    )
    # more members sharing supply must not add to the shortfall, like for like
    assert by["alliance"].avoided_t > 0


def test_wider_alliance_that_changes_nothing_is_said_so(controls, rows, ds) -> None:  # type: ignore[no-untyped-def]
    """controls_oct2025 names the original members as targets and holds no alliance stockpile:
    the wider run equals its reference, and the row says so instead of "0 t avoided"."""
    by = {r.lever: r for r in rows}
    assert by["alliance"].skipped == "compared.skip.alliance_same"
    _, ref_short, wide_short = by["alliance"].detail.split("|")
    assert float(ref_short) == pytest.approx(float(wide_short), rel=1e-9)
    # a scenario where membership does act: an alliance stockpile grows with the members
    held, res = _held(controls)
    wide = engine.run(variants.variants(held, res, MI, ST)["alliance"][0], ds, central_only=True)
    ref = engine.run(variants.wider_reference(held), ds, central_only=True)
    assert _short(wide) < _short(ref)  # more members, a larger alliance stockpile


def _held(controls):  # type: ignore[no-untyped-def]
    """controls_oct2025 with a 60-day alliance stockpile of magnets: sized by the members'
    share of magnet demand, so a wider alliance holds more."""
    from mineral_briefs.scenarios import Scenario

    sc, res = controls
    stock = variants.variants(sc, res, MI, ST)["stockpile"][0].stockpiles[-1]
    assert stock.holder == "alliance"
    data = sc.model_dump()
    data.update(id="held", stockpiles=[stock.model_copy(update={"stage": ST}).model_dump()])
    return Scenario.model_validate(data), res


def test_a_floor_lever_beside_the_scenarios_own_floor_says_which_reason() -> None:
    """combined_stress holds magnet rare earths with a variable levy: the levy lever is that
    floor; the offtake lever is not in the scenario, it is skipped because it would overlap."""
    import datetime as dt

    sc = load_scenario("combined_stress")
    assert [f.instrument for f in sc.price_floors if f.mineral == MI] == ["variable_tariff"]
    args = (MI, "refining", 69.0, 620.0, dt.date(2026, 1, 1))
    levy = variants._floor_variant(sc, "floor", "variable_tariff", *args)
    offtake = variants._floor_variant(sc, "offtake", "offtake", *args)
    assert levy == (None, "", "compared.skip.in_scenario")
    assert offtake == (None, "", "compared.skip.floor_in_scenario")
    free = variants._floor_variant(
        sc, "offtake", "offtake", "lithium", "refining", 9.0, 620.0, dt.date(2026, 1, 1)
    )
    assert free[0] is not None and free[2] == ""


def test_a_floor_on_the_magnets_input_skips_both_floor_levers_of_a_magnet_brief() -> None:
    """ndpr_withhold_60 holds NdPr oxide (what magnets are made from) with a levy: a floor on
    the magnet basket beside it overlaps that floor, so neither floor lever is run; a brief on
    lithium in the same scenario still gets both."""
    import datetime as dt

    from mineral_briefs.engine.markets import input_minerals

    assert input_minerals(MI) == {"ndpr", "ndpr_metal", "dy", "tb"}
    assert input_minerals("ndpr_metal") == {"ndpr"}
    assert input_minerals("lithium") == set() == input_minerals("ndpr")
    sc = load_scenario("ndpr_withhold_60")
    assert {f.mineral for f in sc.price_floors} == {"ndpr"}
    args = (MI, "refining", 69.0, 620.0, dt.date(2026, 1, 1))
    for lever, instrument in (("floor", "variable_tariff"), ("offtake", "offtake")):
        assert variants._floor_variant(sc, lever, instrument, *args) == (
            None,
            "",
            "compared.skip.floor_in_scenario",
        )
        other = variants._floor_variant(
            sc, lever, instrument, "lithium", "refining", 9.0, 620.0, dt.date(2026, 1, 1)
        )
        assert other[0] is not None and other[2] == ""


def test_a_wider_alliance_is_not_compared_where_nothing_names_the_alliance() -> None:
    """demand_4000 has no export control, price floor or stockpile: membership changes nothing
    physical there, so the lever is listed with that reason instead of a relabelled shortfall;
    a scenario with controls aimed at the alliance still runs it."""
    for sid, runs in (("demand_4000", False), ("controls_oct2025", True)):
        sc = load_scenario(sid)
        got = variants._wider(sc)
        if runs:
            assert got[0] is not None and got[2] == ""
        else:
            assert got == (None, "", "compared.skip.alliance_moot")


def test_lever_runs_keep_the_kpis_without_the_monthly_tables(controls, ds) -> None:  # type: ignore[no-untyped-def]
    """Levers compared read KPIs only: their runs skip the monthly tables (most of the time to
    assemble, store and read them) and keep every KPI of the full central run, under a cache
    key of their own."""
    from mineral_briefs.engine.cache import result_key

    sc, res = controls
    var = variants.variants(sc, res, MI, ST)["stockpile"][0]
    full = engine.run(var, ds, central_only=True)
    lean = engine.run(var, ds, **variants.LEVER_RUN)
    assert lean.timeseries.empty and lean.bands.empty and not full.timeseries.empty
    assert list(lean.timeseries.columns) == list(full.timeseries.columns)
    assert list(lean.bands.columns) == list(full.bands.columns)
    pd.testing.assert_frame_equal(lean.kpis, full.kpis)
    pd.testing.assert_frame_equal(lean.stockpile_use, full.stockpile_use)
    keys = {
        result_key(var, ds.checksums, draws=0, seed=1, central_only=True, timeseries=flag)
        for flag in (True, False)
    }
    assert len(keys) == 2


def test_a_stockpile_that_adds_to_the_shortfall_is_explained() -> None:
    """A stock released against a lasting deficit can hold the price down and delay new
    supply, so the shortfall grows (methodology §7; demand_400_600's cobalt did so before
    working stock left small gaps to the price, §6); the table's negative amount comes with the
    reason, in both languages. The row is set so: the model's own figure moves with the model.
    """
    from mineral_briefs.brief.prepare import prepare

    def adding(language: str) -> str:
        b = prepare("demand_400_600", language=language, draws=20, as_of="2026-12-01")
        rows = [
            dataclasses.replace(r, avoided_t=-0.01 * r.shortfall_t, avoided_pct=-1.0)
            if r.lever == "stockpile"
            else r
            for r in b.compared_levers
        ]
        b.__dict__["compared_levers"] = rows  # the cached property's slot
        return str(b.levers_compared())

    text = adding("en")
    assert "Stockpile release adds " in text and "delays new supply and substitution" in text
    assert "Die Lagerfreigabe vergrößert die Unterversorgung um " in adding("de")
    calm = prepare("controls_oct2025", language="en", draws=20, as_of="2026-12-01")
    assert "Stockpile release adds " not in str(calm.levers_compared())
