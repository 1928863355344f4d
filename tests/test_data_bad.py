"""Bad data (issue 6, item 2): every problem is reported at once, naming file, row and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import DataError
from mineral_briefs.vocab import CONFIDENCE


@pytest.fixture
def data_copy(repo_root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(repo_root / "data", copy)
    return copy


def _edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell (row = 1-based data row) of a CSV, keeping everything else as text."""
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


def _load_error(folder: Path) -> str:
    with pytest.raises(DataError) as err:
        load_dataset(folder)
    return str(err.value)


def test_missing_column(data_copy: Path) -> None:
    path = data_copy / "production.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="unit")
    df.to_csv(path, index=False)
    msg = _load_error(data_copy)
    assert "data/production.csv, column 'unit': required column is missing" in msg


def test_misspelled_column_gets_a_suggestion(data_copy: Path) -> None:
    path = data_copy / "reserves.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={"value": "vaule"})
    df.to_csv(path, index=False)
    msg = _load_error(data_copy)
    assert (
        "data/reserves.csv, column 'value': required column is missing; did you mean 'vaule'?"
        in msg
    )
    assert "column 'vaule': unexpected column; did you mean 'value'?" in msg


def test_non_numeric_value(data_copy: Path) -> None:
    _edit(data_copy, "production", 17, "value", "12,3O0")
    msg = _load_error(data_copy)
    assert (
        "data/production.csv, row 17 (line 18), column 'value': must be a number (got '12,3O0')"
    ) in msg
    assert "nan" not in msg.lower().replace("non", "")


def test_negative_tonnage(data_copy: Path) -> None:
    _edit(data_copy, "production", 17, "value", "-5")
    msg = _load_error(data_copy)
    assert "data/production.csv, row 17 (line 18), column 'value': must be >= 0 (got -5)" in msg


def test_duplicated_keys_name_both_rows(data_copy: Path) -> None:
    path = data_copy / "production.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    dup = df.iloc[[3]].copy()
    dup["value"] = "999"
    pd.concat([df, dup], ignore_index=True).to_csv(path, index=False)
    msg = _load_error(data_copy)
    last = len(df) + 1
    assert (
        f"data/production.csv, row {last} (line {last + 1}), column 'mineral': duplicated "
        "key (mineral, stage, country, year, source_id)" in msg
    )
    assert "first seen in row 4" in msg


def test_unknown_source_id(data_copy: Path) -> None:
    _edit(data_copy, "prices", 5, "source_id", "USGS_MCS2099")
    msg = _load_error(data_copy)
    assert (
        "data/prices.csv, row 5 (line 6), column 'source_id': source id 'USGS_MCS2099' is "
        "not in sources.csv"
    ) in msg


def test_many_problems_in_one_file_are_all_reported(data_copy: Path) -> None:
    _edit(data_copy, "production", 2, "value", "abc")
    _edit(data_copy, "production", 3, "value", "-1")
    _edit(data_copy, "production", 4, "mineral", "rare_earth")
    _edit(data_copy, "production", 5, "country", "China")
    _edit(data_copy, "production", 6, "confidence", "sure")
    _edit(data_copy, "production", 7, "year", "2024.5")
    _edit(data_copy, "production", 8, "unit", "")
    _edit(data_copy, "production", 9, "source_id", "NOWHERE")
    _edit(data_copy, "demand", 1, "scenario", "STEP")
    msg = _load_error(data_copy)
    for expected in (
        "row 2 (line 3), column 'value': must be a number (got 'abc')",
        "row 3 (line 4), column 'value': must be >= 0 (got -1)",
        "row 4 (line 5), column 'mineral': 'rare_earth' is not allowed",
        "did you mean 'rare_earths'?",
        "row 5 (line 6), column 'country': 'China' is not allowed",
        "row 6 (line 7), column 'confidence': 'sure' is not allowed: must be one of "
        + ", ".join(sorted(CONFIDENCE)),
        "row 7 (line 8), column 'year': must be a whole number (got '2024.5')",
        "row 8 (line 9), column 'unit': must not be empty",
        "row 9 (line 10), column 'source_id': source id 'NOWHERE' is not in sources.csv",
        "data/demand.csv, row 1 (line 2), column 'scenario': 'STEP' is not allowed",
    ):
        assert expected in msg, expected
    assert msg.startswith("9 problem(s) in the data folder")


def test_share_over_100_and_bad_dates(data_copy: Path) -> None:
    prod = pd.read_csv(data_copy / "production.csv", dtype=str, keep_default_na=False)
    pct_row = int((prod["unit"] == "%").to_numpy().nonzero()[0][0]) + 1
    _edit(data_copy, "production", pct_row, "value", "120")
    _edit(data_copy, "policy_events", 3, "date", "2025-13-40")
    _edit(data_copy, "prices", 1, "usd_per_kg", "99")
    msg = _load_error(data_copy)
    assert (
        f"row {pct_row} (line {pct_row + 1}), column 'value': a share in % must be <= 100 "
        "(got 120)" in msg
    )
    assert (
        "data/policy_events.csv, row 3 (line 4), column 'date': must be a date YYYY-MM-DD "
        "(got '2025-13-40')" in msg
    )
    assert "data/prices.csv, row 1 (line 2), column 'usd_per_kg': does not match value" in msg


def test_missing_required_file_and_broken_csv(data_copy: Path) -> None:
    (data_copy / "reserves.csv").unlink()
    (data_copy / "demand.csv").write_bytes(b"\xff\xfe not utf-8 \x00\x81")
    msg = _load_error(data_copy)
    assert "data/reserves.csv: required table file is missing" in msg
    assert "data/demand.csv: cannot be parsed as CSV" in msg


def test_missing_folder_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nope")


def test_fixed_file_loads_again(data_copy: Path) -> None:
    _edit(data_copy, "production", 17, "value", "-5")
    _load_error(data_copy)
    _edit(data_copy, "production", 17, "value", "5")
    assert len(load_dataset(data_copy).production) > 0
