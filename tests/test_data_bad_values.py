"""Bad numbers in a data file: one clear DataError naming file, row and column, never a crash.

Found by trying what an unlucky edit or a hostile file puts in a cell (issue 14, item 6/7):
an overflowing tonnage (``1e400``), ``inf``, a whole number too large for its column, a missing
year in a row check, and a 5,000-digit cell whose content must not be echoed back in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from data_edits import REPO, data_copy, rewrite_csv, set_parameter
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import DataError


def _with_cell(tmp_path: Path, table: str, column: str, value: str) -> Path:
    data = data_copy(tmp_path)

    def change(head: list[str], rows: list[list[str]]) -> None:
        rows[0][head.index(column)] = value

    rewrite_csv(data / table, change)
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


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("inventory_release_share", "7", "it is a share, between 0 and 1 (allowed: >= 0 and <= 1)"),
        ("holders_speculative", "0.5", "it is a switch, 0 (off) or 1 (on) (allowed: 0 or 1)"),
        ("choke_price_multiple", "0.5", "above 1 (the base price) (allowed: > 1)"),
        ("capacity_headroom_sr", "0.9", "a capacity limit on output, at least 1"),
        ("demand_share_USA", "-0.1", "it is a share, between 0 and 1"),
        ("project_size_t_per_year_mining", "-5", "a tonnage a year, at least 0"),
        ("speculative_trend", "0", "a monthly price trend, above 0 (allowed: > 0)"),
    ],
)
def test_a_parameter_outside_its_range_is_one_clear_problem(
    tmp_path: Path, parameter: str, value: str, expected: str
) -> None:
    """The range follows from the parameter's name (data/schemas/parameter_ranges.py): a share
    of 7 used to load and run."""
    data = data_copy(tmp_path)
    row = set_parameter(data, parameter, value=value)
    with pytest.raises(DataError) as err:
        load_dataset(data)
    text = str(err.value)
    assert f"model_parameters.csv, row {row} (line {row + 1}), column 'value': " in text
    assert f"is not allowed for parameter '{parameter}': " in text and expected in text
    assert text.count("\n  - ") == 1, text  # one problem, not one per consequence


def test_every_shipped_parameter_has_a_range() -> None:
    """A new parameter gets a range with its name (or the table is extended on purpose)."""
    import pandas as pd
    from mineral_briefs.data.schemas.parameter_ranges import parameter_range

    names = set(pd.read_csv(REPO / "data" / "model_parameters.csv")["parameter"])
    assert not [n for n in sorted(names) if parameter_range(n) is None]
