"""The one IAMC contract (issue 11, item 3): every table the project writes is IAMC plus a
``meta`` table, checked here against the shipped nomenclature codelist without network.

The check reads the shipped YAML files themselves (not ``model/codelist.py``), so a writer
that emits a variable, unit or region the codelist lacks fails here; the real
``nomenclature-iamc`` validation of an installed wheel is ``tests/test_iamc_install.py``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from mineral_briefs import brief, engine, iamc
from mineral_briefs.brief.compare import Comparison
from mineral_briefs.model import codelist
from mineral_briefs.scenarios import load_scenario

INDEX = ["model", "scenario", "region", "variable", "unit"]
MONTH = re.compile(r"^\d{4}-\d{2}-01 00:00:00\+00:00$")
ILLEGAL = (":", ";", '"')  # nomenclature's default illegal characters


def shipped_codelist() -> tuple[dict[str, list[str]], set[str]]:
    """(variable -> allowed units, regions) as read from the package's YAML files."""
    root = iamc.definitions_dir()
    variables: dict[str, list[str]] = {}
    for f in sorted((root / "variable").glob("*.yaml")):
        for item in yaml.safe_load(f.read_text(encoding="utf-8")):
            ((name, attrs),) = item.items()
            unit = attrs["unit"]
            variables[name] = [unit] if isinstance(unit, str) else list(unit)
    regions: set[str] = set()
    for f in sorted((root / "region").glob("*.yaml")):
        for item in yaml.safe_load(f.read_text(encoding="utf-8")):
            ((_hierarchy, names),) = item.items()
            regions |= set(names)
    return variables, regions


def problems(long: pd.DataFrame) -> list[str]:
    """Codes of an IAMC long table the shipped codelist does not allow."""
    variables, regions = shipped_codelist()
    out = [f"region {r!r}" for r in sorted(set(long["region"]) - regions)]
    pairs = long[["variable", "unit"]].fillna("").drop_duplicates()
    for v, u in pairs.itertuples(index=False):
        if v not in variables:
            out.append(f"variable {v!r}")
        elif u not in variables[v]:
            out.append(f"unit {u!r} of {v!r} (allowed {variables[v]})")
    return out


def long_of_wide(wide: pd.DataFrame) -> pd.DataFrame:
    """A wide IAMC table (one column per year) back to long."""
    years = [c for c in wide.columns if c not in INDEX]
    assert years and all(re.fullmatch(r"\d{4}", str(y)) for y in years)
    long = wide.melt(id_vars=INDEX, var_name="year", value_name="value").dropna()
    long["unit"] = long["unit"].fillna("")
    return long


@pytest.fixture(scope="module")
def stress() -> engine.Results:
    return engine.run(load_scenario("combined_stress"), draws=20, seed=3)


def test_shipped_definitions_are_generated_from_the_codelist_module() -> None:
    root = iamc.definitions_dir().parent
    for rel, text in codelist.nomenclature_files().items():
        assert (root / rel).read_text(encoding="utf-8") == text, (
            f"{rel} is stale: run python -m mineral_briefs.model.codelist"
        )
    variables, regions = shipped_codelist()
    assert set(variables) == {r["variable"] for r in codelist.codelist()} | {"Months Covered"}
    assert regions == set(codelist.REGIONS)


def test_codelist_has_no_unit_or_text_nomenclature_rejects() -> None:
    variables, _ = shipped_codelist()
    assert all("1" not in units for units in variables.values())
    assert variables["Price Multiple|Lithium|Refining"] == [""]
    for f in iamc.definitions_dir().rglob("*.yaml"):
        for item in yaml.safe_load(f.read_text(encoding="utf-8")):
            for name, attrs in item.items():
                texts = [name, *(attrs if isinstance(attrs, list) else [attrs.get("description")])]
                bad = [t for t in texts if t and any(c in t for c in ILLEGAL)]
                assert not bad, f"{f.name}: {bad}"


def test_simulate_monthly_csv_and_its_meta(stress: engine.Results, tmp_path: Path) -> None:
    path = stress.write(tmp_path / "r.csv")
    data = pd.read_csv(path, keep_default_na=False, na_values=[""])
    data["unit"] = data["unit"].fillna("")
    assert list(data.columns) == [*INDEX, "time", "value"]
    assert data["time"].str.match(MONTH).all()
    assert problems(data) == []
    meta = pd.read_csv(tmp_path / "r-meta.csv")
    assert meta[["model", "scenario"]].values.tolist() == [
        [engine.results.MODEL_NAME, "combined_stress"]
    ]
    row = meta.iloc[0]
    assert (row["draws"], row["seed"], row["horizon_start"], row["horizon_months"]) == (
        20,
        3,
        "2025-10",
        60,
    )
    assert (row["first_full_year"], row["last_full_year"]) == (2026, 2029)
    assert len(row["data_checksum"]) == 64 and row["time_zone"] == "UTC"


def test_annual_view_aggregates_by_unit_and_flags_partial_years(stress: engine.Results) -> None:
    ts = stress.timeseries
    ann = stress.to_iamc(annual=True)
    assert problems(ann) == []
    months = ann.loc[ann["variable"] == iamc.MONTHS_COVERED].set_index("year")["value"]
    assert months.to_dict() == {2025: 3, 2026: 12, 2027: 12, 2028: 12, 2029: 12, 2030: 9}

    def monthly(var: str, region: str, year: int) -> pd.Series:
        sel = ts.loc[(ts["variable"] == var) & (ts["region"] == region)]
        return sel.loc[sel["time"].str.startswith(str(year)), "value"]

    def annual(var: str, region: str, year: int) -> tuple[float, str]:
        hit = ann.loc[(ann["variable"] == var) & (ann["region"] == region) & (ann["year"] == year)]
        assert len(hit) == 1, (var, region, year)
        return float(hit["value"].iloc[0]), str(hit["unit"].iloc[0])

    price = "Price|Rare Earths|Refining"
    assert annual(price, "Rest of World", 2026) == pytest.approx(
        (monthly(price, "Rest of World", 2026).mean(), "USD/kg")
    )
    supply = "Supply|Rare Earths|Refining"
    assert annual(supply, "World", 2030) == pytest.approx(
        (monthly(supply, "World", 2030).mean(), "t/yr")
    )
    stock = ts.loc[ts["variable"].str.startswith("Inventory|"), "variable"].iloc[0]
    assert annual(stock, "World", 2025) == pytest.approx(
        (monthly(stock, "World", 2025).iloc[-1], "t")
    )
    money = ts.loc[ts["unit"] == "USD/month", ["variable", "region"]].iloc[0]
    assert annual(money["variable"], money["region"], 2027) == pytest.approx(
        (monthly(money["variable"], money["region"], 2027).sum(), "USD/yr")
    )


def test_outside_china_shortfall_is_alliance_plus_rest_of_world(stress: engine.Results) -> None:
    m = stress.to_iamc()
    sf = m.loc[m["variable"] == "Shortfall|Rare Earths|Refining"]
    wide = sf.pivot_table(index="time", columns="region", values="value")
    assert set(wide.columns) == {"Alliance", "Rest of World", "Outside China"}
    assert wide["Outside China"].max() > 0
    pd.testing.assert_series_equal(
        wide["Outside China"], wide["Alliance"] + wide["Rest of World"], check_names=False
    )
    # no World price or shortfall: the model has no single one (docs/architecture.md)
    assert not ((m["region"] == "World") & m["variable"].str.match("Price|Shortfall")).any()


def test_workbook_is_pyam_layout_and_text_is_neutralised(
    stress: engine.Results, tmp_path: Path
) -> None:
    sheets = pd.read_excel(stress.write(tmp_path / "a.xlsx", annual=True), sheet_name=None)
    assert list(sheets)[:2] == ["data", "meta"]
    long = long_of_wide(sheets["data"])
    assert problems(long) == []
    assert len(long) == len(stress.to_iamc(annual=True))
    assert sheets["meta"]["resolution"].tolist() == ["annual"]


def test_brief_and_comparison_downloads_are_iamc_with_meta() -> None:
    briefs = [brief.prepare(s, "en", draws=20, seed=1) for s in ("baseline", "controls_oct2025")]
    one = pd.read_csv(io.StringIO(briefs[0].iamc_csv()), keep_default_na=False, na_values=[""])
    assert problems(long_of_wide(one)) == []
    assert (one.loc[one["variable"] == iamc.MONTHS_COVERED, "2025"] == 3).all()
    comp = Comparison(briefs=briefs, language="en")
    data = pd.read_csv(io.StringIO(comp.iamc_csv()), keep_default_na=False, na_values=[""])
    assert problems(long_of_wide(data)) == []
    assert sorted(data["scenario"].unique()) == ["baseline", "controls_oct2025"]
    meta = pd.read_csv(io.StringIO(comp.meta_csv()))
    assert meta["scenario"].tolist() == ["baseline", "controls_oct2025"]
    assert set(zip(meta["model"], meta["scenario"], strict=True)) == set(
        zip(data["model"], data["scenario"], strict=True)
    )
    kpis = comp.kpi_frame()
    for r in kpis.itertuples(index=False):
        got = meta.loc[meta["scenario"] == r.scenario, r.kpi].iloc[0]
        assert got == pytest.approx(r.value, rel=1e-9), (r.scenario, r.kpi)
    assert (meta["draws"] == 20).all() and (meta["mineral"] == [b.mineral for b in briefs]).all()


def test_cli_simulate_annual_and_codelist(tmp_path: Path) -> None:
    from mineral_briefs.cli import main

    out = tmp_path / "y.csv"
    assert main(["simulate", "baseline", "--draws", "0", "--annual", "--out", str(out)]) == 0
    data = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert list(data.columns) == [*INDEX, "year", "value"]
    assert problems(data.assign(unit=data["unit"].fillna(""))) == []
    meta = pd.read_csv(tmp_path / "y-meta.csv")
    assert meta["resolution"].tolist() == ["annual"] and meta["draws"].tolist() == [0]
    assert main(["codelist", str(tmp_path / "cl")]) == 0
    for rel, text in codelist.nomenclature_files().items():
        assert (tmp_path / "cl" / rel).read_text(encoding="utf-8") == text


def test_repeated_strings_is_the_column_pandas_infers() -> None:
    """The IAMC frames' label columns, built by Arrow from codes, equal pandas' own inference
    from the object array (dtype ``str``, values, order), including one label and none."""
    import numpy as np
    from mineral_briefs.engine.assemble import repeated_strings

    for labels, times in (
        (["Supply|Lithium|Refining", "Price|Cobalt|Mining", "Supply|Lithium|Refining"], 3),
        (["World"], 5),
        ([], 4),
    ):
        got = pd.Series(repeated_strings(labels, times))
        want = pd.Series(np.repeat(np.array(labels, dtype=object), times))
        if not labels:
            want = want.astype("str")
        pd.testing.assert_series_equal(got, want)
