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
from mineral_briefs.errors import DataError

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
