"""Fuzzing audit of the data layer (numbers, years, cross-checks, units, messages, URLs).

Each test edits one cell (or a few) of a copy of the shipped data folder and checks that the
load fails with one clear problem naming file, row, column and what is allowed — or, for
edits that are fine, that it still loads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.data.records import read_records
from mineral_briefs.engine import run
from mineral_briefs.errors import DataError
from mineral_briefs.scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(REPO / "data", copy)
    return copy


def _frame(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, table: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")


def _set(folder: Path, table: str, where: dict[str, str], column: str, value: str) -> int:
    """Set ``column`` of the one row matching ``where``; return its 1-based data row."""
    df = _frame(folder, table)
    hit = pd.Series(True, index=df.index)
    for k, v in where.items():
        hit &= df[k] == v
    (rows,) = hit.to_numpy().nonzero()
    assert len(rows) == 1, (where, len(rows))
    df.loc[rows[0], column] = value
    _write(folder, table, df)
    return int(rows[0]) + 1


def _error(folder: Path) -> str:
    with pytest.raises(DataError) as err:
        load_dataset(folder)
    return str(err.value)


CHN_LI_REF_2024 = {
    "mineral": "lithium",
    "stage": "refining",
    "country": "CHN",
    "year": "2024",
    "source_id": "IEA_CMD2025",
}


# --- 1. numbers are plain decimals with a point ------------------------------------------


@pytest.mark.parametrize("typed", ["1,234", "1.234,5", "169,6776", "1_234"])
def test_thousands_separator_or_decimal_comma_is_refused(data_copy: Path, typed: str) -> None:
    row = _set(data_copy, "production", CHN_LI_REF_2024, "value", typed)
    msg = _error(data_copy)
    assert (
        f"data/production.csv, row {row} (line {row + 1}), column 'value': must be a number "
        f"(got '{typed}'): write a plain decimal with a point, without thousands separators "
        "or a decimal comma"
    ) in msg


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("reserves", "value"),
        ("prices", "usd_per_kg"),
        ("demand", "year"),
        ("demand_multiples", "multiple_low"),
        ("import_reliance", "value_pct"),
        ("model_parameters", "low"),
        ("conversions", "factor"),
        ("cost_curves", "cash_cost_high"),
    ],
)
def test_every_numeric_column_is_parsed_strictly(data_copy: Path, table: str, column: str) -> None:
    df = _frame(data_copy, table)
    df.loc[0, column] = "1,000"
    _write(data_copy, table, df)
    msg = _error(data_copy)
    assert f"data/{table}.csv, row 1 (line 2), column '{column}': must be " in msg
    assert "(got '1,000'): write a plain decimal with a point" in msg


def test_plain_numbers_still_load(data_copy: Path) -> None:
    _set(data_copy, "production", CHN_LI_REF_2024, "value", "+1.696776e2")
    ds = load_dataset(data_copy)
    p = ds.production
    chn = p.loc[(p.mineral == "lithium") & (p.stage == "refining") & (p.country == "CHN")]
    assert float(chn.loc[chn.year == 2024, "value"].iloc[0]) == pytest.approx(169.6776)


def test_curated_records_refuse_a_thousands_separator(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    shutil.copytree(REPO / "data" / "curated", curated)
    df = pd.read_csv(curated / "production_shares.csv", dtype=str, keep_default_na=False)
    df.loc[0, "value"] = "1_0"
    df.to_csv(curated / "production_shares.csv", index=False)
    with pytest.raises(DataError, match=r"column 'value': must be a plain decimal number"):
        read_records("production_shares", curated)


# --- 5. messages: the file, the row, plain numbers, no follow-on noise --------------------


def test_header_only_production_names_the_file(data_copy: Path) -> None:
    path = data_copy / "production.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    msg = _error(data_copy)
    assert "data/production.csv: has no data rows (only the header)" in msg
    assert msg.startswith("1 problem(s)")


def test_low_above_high_names_low_high_and_value(data_copy: Path) -> None:
    where = {"mineral": "lithium", "parameter": "elasticity_demand_sr"}
    row = _set(data_copy, "model_parameters", where, "low", "0.5")
    msg = _error(data_copy)
    assert (
        f"data/model_parameters.csv, row {row} (line {row + 1}), column 'low': low 0.5 is "
        "above high -0.05 (value -0.1): a range must have low <= value <= high"
    ) in msg
    assert "column 'value'" not in msg


def test_value_outside_its_range_names_the_numbers(data_copy: Path) -> None:
    where = {"mineral": "lithium", "parameter": "elasticity_demand_sr"}
    row = _set(data_copy, "model_parameters", where, "value", "-0.3")
    msg = _error(data_copy)
    assert (
        f"row {row} (line {row + 1}), column 'value': -0.3 must lie between low -0.15 and "
        "high -0.05"
    ) in msg


def test_numbers_in_messages_are_plain(data_copy: Path) -> None:
    row = _set(data_copy, "sources", {"source_id": "IEA_CMD2025"}, "year", "20266")
    msg = _error(data_copy)
    assert f"data/sources.csv, row {row} (line {row + 1}), column 'year': " in msg
    assert "(got 20266)" in msg
    assert "np." not in msg and "int64" not in msg


def test_a_missing_column_of_sources_is_one_problem(data_copy: Path) -> None:
    _write(data_copy, "sources", _frame(data_copy, "sources").drop(columns="url"))
    msg = _error(data_copy)
    assert msg.startswith("1 problem(s)"), msg[:500]
    assert "data/sources.csv, column 'url': required column is missing" in msg


# --- 2. years: not after the source's publication, projections within the horizon ---------


def test_a_mistyped_year_is_refused_and_the_missing_producer_named(data_copy: Path) -> None:
    row = _set(data_copy, "production", CHN_LI_REF_2024, "year", "2099")
    msg = _error(data_copy)
    assert (
        f"data/production.csv, row {row} (line {row + 1}), column 'year': year 2099 is after "
        "IEA_CMD2025 was published (2025, sources.csv)"
    ) in msg
    assert (
        "lithium/refining 2024 (IEA_CMD2025): countries + Other add up to 71.9341 kt but World "
        "is 241.612 kt (-70.2%; allowed ±2.0%, rounding): CHN, a major producer of this series"
    ) in msg
    assert "has no 2024 row" in msg
    assert msg.startswith("2 problem(s)")  # no follow-on about a 2099 group without World


def test_a_year_typed_into_another_base_year_names_the_gap(data_copy: Path) -> None:
    _set(data_copy, "production", CHN_LI_REF_2024, "year", "2023")
    msg = _error(data_copy)
    assert "lithium/refining 2023 (IEA_CMD2025) has no World row" in msg
    assert "CHN, a major producer of this series (62% of World in 2030" in msg


def test_a_projection_beyond_the_horizon_is_refused(data_copy: Path) -> None:
    where = {**CHN_LI_REF_2024, "year": "2030"}
    row = _set(data_copy, "production", where, "year", "2099")
    msg = _error(data_copy)
    assert (
        f"row {row} (line {row + 1}), column 'year': year 2099 is beyond the projection "
        "horizon 2050"
    ) in msg


@pytest.mark.parametrize(
    ("table", "column", "value", "expected"),
    [
        ("demand", "year", "2099", "must be <= 2050 (got 2099)"),
        ("import_reliance", "year", "2049", "year 2049 is after"),
        ("prices", "period_start", "2048-01-01", "period start 2048 is after"),
    ],
)
def test_years_of_other_tables(
    data_copy: Path, table: str, column: str, value: str, expected: str
) -> None:
    df = _frame(data_copy, table)
    df.loc[0, column] = value
    if column == "period_start":
        df.loc[0, "period_end"] = "2048-12-31"
    _write(data_copy, table, df)
    msg = _error(data_copy)
    assert f"data/{table}.csv, row 1 (line 2), column '{column}': {expected}" in msg


# --- 3. a market's rows against its World row ----------------------------------------------


def test_a_unit_that_differs_from_its_market_is_refused(data_copy: Path) -> None:
    row = _set(data_copy, "production", CHN_LI_REF_2024, "unit", "kg")
    msg = _error(data_copy)
    assert (
        f"data/production.csv, row {row} (line {row + 1}), column 'unit': 'kg' differs from "
        "'kt', the unit of the other 23 rows of lithium/refining (IEA_CMD2025"
    ) in msg
    assert msg.startswith("1 problem(s)")


def test_a_world_row_below_its_countries_is_refused(data_copy: Path) -> None:
    where = {**CHN_LI_REF_2024, "country": "World"}
    row = _set(data_copy, "production", where, "value", "10")
    msg = _error(data_copy)
    assert (
        f"data/production.csv, row {row} (line {row + 1}), column 'value': lithium/refining "
        "2024 (IEA_CMD2025): countries + Other add up to 241.612 kt but World is 10 kt "
        "(+2316.1%; allowed ±2.0%, rounding)"
    ) in msg


def test_a_group_without_other_is_refused(data_copy: Path) -> None:
    df = _frame(data_copy, "production")
    keep = ~(
        (df.mineral == "lithium")
        & (df.stage == "refining")
        & (df.country == "Other")
        & (df.year == "2024")
    )
    _write(data_copy, "production", df.loc[keep])
    msg = _error(data_copy)
    assert "lithium/refining 2024 (IEA_CMD2025) has no Other row" in msg


def test_blocks_published_unbalanced_are_within_their_documented_tolerance(
    data_copy: Path,
) -> None:
    # IEA nickel refining 2024 is 3.2 % over its total as published (its World note says so)
    df = _frame(data_copy, "production")
    hit = (
        (df.mineral == "nickel")
        & (df.stage == "refining")
        & (df.year == "2024")
        & (df.country == "World")
        & (df.source_id == "IEA_CMD2025")
    )
    assert "as published" in df.loc[hit, "note"].iloc[0]
    df.loc[hit, "note"] = ""
    _write(data_copy, "production", df)
    msg = _error(data_copy)
    assert "nickel/refining 2024 (IEA_CMD2025): countries + Other add up to" in msg
    assert "(+3.2%; allowed ±2.0%, rounding)" in msg


# --- 5. price_defaults names the series of prices.csv --------------------------------------


def test_a_default_price_product_that_prices_lacks_blames_price_defaults(
    data_copy: Path,
) -> None:
    where = {"mineral": "lithium", "stage": "refining"}
    row = _set(data_copy, "price_defaults", where, "product", "lithium carbonate battery grade")
    msg = _error(data_copy)
    assert (
        f"data/price_defaults.csv, row {row} (line {row + 1}), column 'product': "
        "lithium/refining names no price series of data/prices.csv: product 'lithium carbonate "
        "battery grade' (did you mean 'lithium carbonate, battery grade'?"
    ) in msg
    assert "conversions.csv" not in msg


# --- 4. model parameters: the unit follows from the name; unknown names -------------------


@pytest.mark.parametrize(
    ("where", "unit", "expected"),
    [
        (
            {"mineral": "lithium", "parameter": "elasticity_demand_sr"},
            "USD",
            "'USD' is not the unit of parameter 'elasticity_demand_sr': it is dimensionless "
            "(unit '1'",
        ),
        (
            {"mineral": "all", "parameter": "adjustment_months"},
            "1",
            "'1' is not the unit of parameter 'adjustment_months': it is in months",
        ),
        (
            {"mineral": "lithium", "parameter": "project_size_t_per_year_mining"},
            "kt Li/yr",
            "it is in t/yr or t <basis>/yr",
        ),
        (
            {"mineral": "magnet_rees", "parameter": "recipe_dy_kg_per_t_magnet"},
            "kg/t",
            "it is in kg/t magnet",
        ),
    ],
)
def test_a_parameter_in_the_wrong_unit_is_refused(
    data_copy: Path, where: dict[str, str], unit: str, expected: str
) -> None:
    row = _set(data_copy, "model_parameters", where, "unit", unit)
    msg = _error(data_copy)
    assert f"data/model_parameters.csv, row {row} (line {row + 1}), column 'unit': " in msg
    assert expected in msg


def test_every_shipped_parameter_is_in_the_unit_its_name_implies() -> None:
    from mineral_briefs.data.schemas.row_checks import check_parameter_units

    table = load_dataset(REPO / "data").model_parameters
    assert len(table) > 100 and set(table.unit) >= {"1", "months", "t/yr", "kg/t magnet"}
    assert list(check_parameter_units(table)) == []


def test_a_misspelled_parameter_is_named_with_a_suggestion(data_copy: Path) -> None:
    where = {"mineral": "lithium", "parameter": "elasticity_demand_sr"}
    row = _set(data_copy, "model_parameters", where, "parameter", "elasticity_demnd_sr")
    msg = _error(data_copy)
    assert (
        f"data/model_parameters.csv, row {row} (line {row + 1}), column 'parameter': unknown "
        "parameter 'elasticity_demnd_sr': the model reads no parameter by this name; did you "
        "mean 'elasticity_demand_sr'?"
    ) in msg


def test_stage_variants_and_country_demand_shares_are_known(data_copy: Path) -> None:
    df = _frame(data_copy, "model_parameters")
    extra = df.iloc[[0, 0]].copy()
    extra["parameter"] = ["elasticity_demand_sr_refining", "demand_share_FRA"]
    extra["value"], extra["low"], extra["high"] = ["-0.1", "0.02"], ["", ""], ["", ""]
    _write(data_copy, "model_parameters", pd.concat([df, extra], ignore_index=True))
    assert len(load_dataset(data_copy).model_parameters) == len(df) + 2


def test_the_engine_names_a_row_with_a_similar_name() -> None:
    from mineral_briefs.engine.params import _Params

    table = load_dataset(REPO / "data").model_parameters.copy()
    hit = (table.mineral == "lithium") & (table.parameter == "elasticity_demand_sr")
    table.loc[hit, "parameter"] = "elasticity_demnd_sr"
    row = int(hit.to_numpy().nonzero()[0][0]) + 1
    with pytest.raises(DataError) as err:
        _Params(table).get("elasticity_demand_sr", "lithium")
    assert (
        f"rows with a similar name (misspelled?): 'elasticity_demnd_sr' (row {row}, line {row + 1})"
    ) in str(err.value)


# --- 6. a source's url is a web address ---------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://x.org/a"]
)
def test_a_url_that_is_not_http_is_refused(data_copy: Path, url: str) -> None:
    row = _set(data_copy, "sources", {"source_id": "IEA_CMD2025"}, "url", url)
    msg = _error(data_copy)
    assert (
        f"data/sources.csv, row {row} (line {row + 1}), column 'url': '{url}' is not a web "
        "address: write http://… or https://…"
    ) in msg


@pytest.mark.parametrize("url", ["https://www.iea.org/data?x=1#y", "HTTP://fas.org", "fas.org"])
def test_web_addresses_and_bare_domains_load(data_copy: Path, url: str) -> None:
    _set(data_copy, "sources", {"source_id": "IEA_CMD2025"}, "url", url)
    assert load_dataset(data_copy).source("IEA_CMD2025")["url"] == url


def test_a_second_address_with_another_scheme_is_refused(data_copy: Path) -> None:
    url = "https://www.iea.org/x ; javascript:alert(1)"
    row = _set(data_copy, "sources", {"source_id": "IEA_CMD2025"}, "url", url)
    assert f"row {row} (line {row + 1}), column 'url': " in _error(data_copy)


def test_production_without_a_base_year_names_the_file_and_the_year(data_copy: Path) -> None:
    """Only projection years left in production.csv: the run fails naming the file, the year
    and the reader's reason (it said "no market has base data", naming nothing)."""
    df = _frame(data_copy, "production")
    _write(data_copy, "production", df.loc[df.year.isin(["2030", "2035", "2040"])])
    with pytest.raises(DataError) as err:
        run(load_scenario("baseline"), load_dataset(data_copy), draws=0)
    msg = str(err.value)
    assert msg.startswith("data/production.csv: no market has base data for 2024")
    assert "no production data with World totals for year 2024" in msg
