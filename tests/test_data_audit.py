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
