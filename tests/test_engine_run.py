"""The engine on real data and real scenarios: contract of Results, IAMC, files, seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import list_scenarios, load_scenario
from mineral_briefs.vocab import MODEL_REGIONS

IAMC = ["model", "scenario", "region", "variable", "unit", "time", "value"]
KPI_IDS = list(engine.KPI_UNITS)


@pytest.fixture(scope="module")
def dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


@pytest.fixture(scope="module")
def controls(dataset):  # type: ignore[no-untyped-def]
    return engine.run(load_scenario("controls_oct2025"), dataset, draws=200, seed=7)


def test_results_follow_the_architecture_contract(controls: engine.Results) -> None:
    r = controls
    assert list(r.timeseries.columns) == IAMC
    assert list(r.bands.columns) == IAMC[:-1] + ["quantile", "value"]
    assert set(r.bands["quantile"]) == {0.1, 0.5, 0.9}
    assert list(r.kpis.columns) == [
        "mineral",
        "stage",
        "kpi",
        "value",
        "unit",
        "p10",
        "p90",
        "note",
        "flags",
    ]
    assert set(r.kpis["kpi"]) == set(KPI_IDS)
    codes = {c for f in r.kpis["flags"] for c in f.split(";") if c}
    assert codes <= set(engine.KPI_FLAGS)
    assert list(r.sensitivity.columns) == [
        "parameter",
        "mineral",
        "stage",
        "kpi",
        "base",
        "low",
        "high",
        "low_input",
        "high_input",
    ]
    assert list(r.whatif.columns) == ["lever", "lever_value", "mineral", "stage", "kpi", "value"]
    assert set(r.timeseries["region"]) <= set(MODEL_REGIONS)
    assert r.timeseries["time"].str.match(r"^\d{4}-\d{2}-01$").all()
    assert r.timeseries["model"].iloc[0].startswith("mineral-briefs ")
    assert np.isfinite(r.timeseries["value"]).all()
    assert "Price|Magnet REEs|Refining" in set(r.timeseries["variable"])
    assert set(r.scenario.source_ids) <= set(r.sources)
    assert "ASSUMPTION" in r.sources and "USGS_MCS2026" in r.sources
    assert r.data_vintage


def test_controls_raise_outside_and_lower_inside_magnet_prices(controls: engine.Results) -> None:
    k = controls
    assert k.kpi("magnet_rees", "magnets", "peak_price_multiple_outside") > 1.2
    ts = k.timeseries
    mag = ts.loc[ts["variable"] == "Price|Magnet REEs|Magnets"].pivot(
        index="time", columns="region", values="value"
    )
    assert (mag["Rest of World"] >= mag["China"] - 1e-9).all()
    assert mag["China"].min() < mag["China"].iloc[0]
    b = k.bands.pivot_table(
        index=["region", "variable", "time"], columns="quantile", values="value"
    )
    assert (b[0.1] <= b[0.5] + 1e-9).all() and (b[0.5] <= b[0.9] + 1e-9).all()


def test_central_value_within_p10_p90_or_flagged_outside_band(controls: engine.Results) -> None:
    """Every KPI's central value lies in [P10, P90] of the draws (slack: float32 draws,
    ``engine.BAND_TOLERANCE``) or carries the ``outside_band`` flag; the flag is never set on
    a value that lies inside. The value is never clipped into its band."""
    k = controls.kpis
    band = k.dropna(subset=["p10", "p90"])
    assert (band["p10"] <= band["p90"]).all()
    both = band.dropna(subset=["value"])
    slack = engine.BAND_TOLERANCE * np.maximum(both["p10"].abs(), both["p90"].abs())
    inside = (both["value"] >= both["p10"] - slack) & (both["value"] <= both["p90"] + slack)
    flagged = both["flags"].str.contains("outside_band")
    assert (inside | flagged).all()
    assert not (inside & flagged).any()
    # a central value outside its band is flagged and reported as it is, never clipped (no
    # KPI of this run lies outside since the demand split of 2026-12-03: the rule itself)
    from mineral_briefs.engine.kpi_flags import _outside_band

    q = {"peak_month_outside": np.zeros(1), "months_to_recovery": np.zeros(1)}
    assert _outside_band("peak_month_outside", 32.0, 8.0, 20.0, q)
    assert not _outside_band("peak_month_outside", 20.0 * (1 + 1e-6), 8.0, 20.0, q)
    assert not _outside_band("peak_month_outside", 32.0, 8.0, 20.0, {})  # no draws, no band
    # recovery: "not within the horizon" (NaN) ranks above every number of months
    assert _outside_band("months_to_recovery", float("nan"), 5.0, 20.0, q)
    assert not _outside_band("months_to_recovery", float("nan"), 5.0, float("nan"), q)


def test_whatif_grid_and_tornado(controls: engine.Results) -> None:
    w = controls.whatif
    share = w.loc[
        (w["lever"] == "share_withheld")
        & (w["stage"] == "magnets")
        & (w["kpi"] == "peak_price_multiple_outside")
    ].sort_values("lever_value")
    assert list(share["lever_value"]) == [round(0.1 * i, 1) for i in range(11)]
    assert (np.diff(share["value"].to_numpy()) >= -1e-9).all()
    s = controls.sensitivity
    assert {"elasticity_demand_sr", "licensing_delay_factor"} <= set(s["parameter"])
    row = s.loc[
        (s["parameter"] == "elasticity_demand_sr")
        & (s["stage"] == "magnets")
        & (s["kpi"] == "peak_price_multiple_outside")
    ].iloc[0]
    assert row["low"] != row["high"]


def test_baseline_has_no_shortfall_and_flat_prices(dataset) -> None:  # type: ignore[no-untyped-def]
    r = engine.run(load_scenario("baseline"), dataset, draws=0)
    sc = r.scenario
    # the reference run carries no lever and no demand path (scenarios/baseline.yaml)
    assert not (sc.export_controls or sc.demand or sc.price_floors or sc.stockpiles)
    k = r.kpis.set_index("kpi")
    assert (r.kpis.loc[r.kpis["kpi"] == "cumulative_shortfall_t", "value"] == 0).all()
    assert np.allclose(k.loc["peak_price_multiple_outside", "value"], 1.0)
    # nothing is disrupted: recovery 0 months, no peak month on a flat path, no flags
    assert (k.loc["months_to_recovery", "value"] == 0).all()
    assert k.loc["peak_month_outside", "value"].isna().all()
    assert (r.kpis["flags"] == "").all()


def test_seed_reproduces_results_exactly(dataset) -> None:  # type: ignore[no-untyped-def]
    sc = load_scenario("suspension_snapback")
    a = engine.run(sc, dataset, draws=50, seed=123)
    b = engine.run(sc, dataset, draws=50, seed=123)
    c = engine.run(sc, dataset, draws=50, seed=124)
    pd.testing.assert_frame_equal(a.bands, b.bands)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    assert not a.bands["value"].equals(c.bands["value"])


def test_iamc_round_trip_through_wide_format(controls: engine.Results, tmp_path: Path) -> None:
    path = controls.write(tmp_path / "r.csv")
    long = pd.read_csv(path)
    assert list(long.columns) == IAMC
    wide = long.pivot_table(index=IAMC[:5], columns="time", values="value")
    back = wide.reset_index().melt(id_vars=IAMC[:5], var_name="time", value_name="value")
    merged = back.merge(long, on=IAMC[:6], suffixes=("_w", "_l"))
    assert len(merged) == len(long)
    np.testing.assert_allclose(merged["value_w"], merged["value_l"])


def test_write_parquet_and_xlsx(controls: engine.Results, tmp_path: Path) -> None:
    pq = controls.write(tmp_path / "r.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(pq), controls.to_iamc(), check_dtype=False)
    assert len(pd.read_parquet(tmp_path / "r-meta.parquet")) == 1
    xl = controls.write(tmp_path / "r.xlsx")
    sheets = pd.read_excel(xl, sheet_name=None)
    assert list(sheets)[:2] == ["data", "meta"]  # pyam reads these two
    assert {"bands", "kpis", "sensitivity", "whatif", "stockpile_use"} <= set(sheets)
    # the data sheet is IAMC wide: one row per series, one column per month (with UTC offset)
    months = [c for c in sheets["data"].columns if c not in IAMC]
    assert months[0] == "2025-10-01 00:00:00+00:00" and len(months) == 36
    back = sheets["data"].melt(id_vars=IAMC[:5], var_name="time", value_name="value")
    back = back.dropna(subset=["value"]).sort_values(IAMC[:6], ignore_index=True)
    want = controls.to_iamc().sort_values(IAMC[:6], ignore_index=True)
    pd.testing.assert_frame_equal(back[IAMC], want[IAMC], check_dtype=False)
    # pyam's workbook layout: the meta sheet is indexed by the data's model and scenario
    meta = sheets["meta"]
    assert list(meta.columns[:2]) == ["model", "scenario"]
    pairs = set(zip(sheets["data"]["model"], sheets["data"]["scenario"], strict=True))
    assert set(zip(meta["model"], meta["scenario"], strict=True)) == pairs
    with pytest.raises(ScenarioError, match="extension"):
        controls.write(tmp_path / "r.json")


def test_every_builtin_scenario_runs(dataset) -> None:  # type: ignore[no-untyped-def]
    for info in list_scenarios():
        r = engine.run(load_scenario(info.id), dataset, draws=20, seed=1)
        assert len(r.timeseries) > 0, info.id
        # NaN only where the engine says why (a KPI that cannot be attributed)
        unexplained = r.kpis["value"].isna() & (r.kpis["note"] == "")
        assert not unexplained.any(), info.id
        # an open disruption is flagged and dated, never given a number of months
        rec = r.kpis.loc[r.kpis["kpi"] == "months_to_recovery"]
        is_open = rec["value"].isna()
        assert rec.loc[is_open, "flags"].str.contains("open_at_horizon").all(), info.id
        assert rec.loc[is_open, "note"].str.startswith("not within the horizon (ends ").all()
        assert not rec.loc[~is_open, "flags"].str.contains("open_at_horizon").any(), info.id
        num = r.timeseries.loc[~r.timeseries["variable"].str.startswith("Exports"), "value"]
        assert (num >= -1e-6).all(), info.id


def test_floor_scenario_reports_policy_costs(dataset) -> None:  # type: ignore[no-untyped-def]
    """alliance_floor: every floor is a variable levy; each reports revenue and consumer cost,
    no fiscal cost, and its alliance price holds the floor while the RoW price stays apart."""
    from mineral_briefs.model.codelist import variable

    sc = load_scenario("alliance_floor")
    r = engine.run(sc, dataset, draws=0)
    ts = r.timeseries
    assert sc.price_floors and {pf.instrument for pf in sc.price_floors} == {"variable_tariff"}
    for pf in sc.price_floors:
        where = f"{pf.mineral}/{pf.stage}"
        assert r.kpi(pf.mineral, pf.stage, "tariff_revenue_usd") > 0, where
        assert r.kpi(pf.mineral, pf.stage, "consumer_cost_usd") > 0, where
        assert r.kpi(pf.mineral, pf.stage, "fiscal_cost_usd") == 0.0, where
        price = ts.loc[ts["variable"] == variable("Price", pf.mineral, pf.stage)]
        ally = price.loc[price["region"] == "Alliance"].set_index("time")["value"]
        row = price.loc[price["region"] == "Rest of World"].set_index("time")["value"]
        active = ally.index >= pf.start.strftime("%Y-%m-01")
        assert (ally[active] >= pf.floor.usd_per_kg() - 1e-6).all(), where
        assert (row[active] < ally[active]).all(), where  # the floor shows in one region only
    w = r.whatif
    assert (w["lever"] == "floor_usd_per_kg").any()


def test_market_without_base_data_is_a_scenario_error(dataset) -> None:  # type: ignore[no-untyped-def]
    from mineral_briefs.scenarios import Market

    sc = load_scenario("baseline").model_copy(
        update={"markets": (Market(mineral="germanium", stage="refining"),)}
    )
    with pytest.raises(ScenarioError, match="germanium/refining"):
        engine.run(sc, dataset, draws=0)


def test_float32_monte_carlo_chunks_match_float64(dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mineral_briefs.scenarios import load_backtest

    sc = load_backtest("bt02_gallium_2023")
    n = engine.ROW_CHUNK + 500  # two Monte Carlo chunks
    fast = engine.run(sc, dataset, draws=n, seed=3)
    monkeypatch.setattr(engine.simulation, "MC_DTYPE", np.float64)
    exact = engine.run(sc, dataset, draws=n, seed=3)
    pd.testing.assert_frame_equal(fast.timeseries, exact.timeseries)  # central path: float64
    pd.testing.assert_frame_equal(fast.bands, exact.bands, check_exact=False, rtol=1e-4)
    # integer-valued KPIs (months, counts) can move by one step on float32 rounding
    cont = ~fast.kpis["kpi"].isin(["months_to_recovery", "projects_needed", "peak_month_outside"])
    np.testing.assert_allclose(
        fast.kpis.loc[cont, ["p10", "p90"]].to_numpy(),
        exact.kpis.loc[cont, ["p10", "p90"]].to_numpy(),
        rtol=1e-4,
    )


def test_monte_carlo_chunk_split_does_not_change_results(dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # rows are independent: splitting the draws after the band chunk into other chunk sizes
    # (engine.simulation.MC_CHUNK, a speed setting) must leave every output unchanged
    sc = load_scenario("combined_stress")
    n = engine.ROW_CHUNK + 700
    one = engine.run(sc, dataset, draws=n, seed=5)
    monkeypatch.setattr(engine.simulation, "MC_CHUNK", 250)
    split = engine.run(sc, dataset, draws=n, seed=5)
    pd.testing.assert_frame_equal(one.bands, split.bands)
    pd.testing.assert_frame_equal(one.kpis, split.kpis, check_exact=False, rtol=1e-6)
    pd.testing.assert_frame_equal(
        one.stockpile_use, split.stockpile_use, check_exact=False, rtol=1e-6
    )
