"""Bad numbers in a data file: one clear DataError naming file, row and column, never a crash.

Found by trying what an unlucky edit or a hostile file puts in a cell (issue 14, item 6/7):
an overflowing tonnage (``1e400``), ``inf``, a whole number too large for its column, a missing
year in a row check, and a 5,000-digit cell whose content must not be echoed back in full.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import DataError

REPO = Path(__file__).resolve().parents[1]


def _with_cell(tmp_path: Path, table: str, column: str, value: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    path = data / table
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return data


@pytest.mark.parametrize(
    ("table", "column", "value", "expected"),
    [
        ("reserves.csv", "value", "1e400", "must be a finite number (got '1e400')"),
        ("prices.csv", "value", "inf", "must be a finite number (got 'inf')"),
        ("production.csv", "year", "1e30", "must be a whole number (got '1e30')"),
        ("demand_multiples.csv", "base_year", "", "must not be empty"),
        ("demand_multiples.csv", "target_year", "1e400", "must be a finite number"),
        ("prices.csv", "value", "1e308", "must be <= 1e+12 (got 1e+308)"),
        ("production.csv", "value", "9e15", "must be <= 1e+12 (got 9e+15)"),
        (
            "sources.csv",
            "title",
            "Report \u202eexe.gnp",
            "must not contain control or bidirectional-formatting characters",
        ),
        ("policy_events.csv", "summary", "a\x85b", "must not contain control"),
    ],
)
def test_bad_cell_is_one_clear_problem(
    tmp_path: Path, table: str, column: str, value: str, expected: str
) -> None:
    data = _with_cell(tmp_path, table, column, value)
    with pytest.raises(DataError) as err:
        load_dataset(data)
    text = str(err.value)
    assert f"{table}, row 1 (line 2), column '{column}': {expected}" in text


def test_a_huge_cell_is_quoted_as_a_short_excerpt(tmp_path: Path) -> None:
    data = _with_cell(tmp_path, "reserves.csv", "value", "9" * 5000 + "x")
    with pytest.raises(DataError) as err:
        load_dataset(data)
    text = str(err.value)
    assert "reserves.csv, row 1 (line 2), column 'value': must be a number" in text
    assert "9" * 41 not in text and len(text) < 600
