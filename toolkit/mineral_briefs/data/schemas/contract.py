"""The vocabulary of a table contract: :class:`Col`, :class:`TableSpec`, :class:`Problem`.

Row numbers are 1-based data rows; ``line`` is the line in the CSV file (header = line 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Kind = Literal["str", "int", "float", "date"]


@dataclass(frozen=True)
class Col:
    """One column of a table contract.

    Parameters
    ----------
    name : str
        Column header in the CSV.
    kind : {"str", "int", "float", "date"}
        Parsed type; dates are ISO ``YYYY-MM-DD``.
    required : bool
        Whether an empty cell is an error.
    allowed : collection of str, optional
        Allowed values (ids); for ``multi`` columns each ``;``-separated item is checked.
    ge, le : float, optional
        Inclusive bounds for numbers.
    multi : bool
        Values are ``;``-separated lists.
    """

    name: str
    kind: Kind = "str"
    required: bool = True
    allowed: frozenset[str] | None = None
    ge: float | None = None
    le: float | None = None
    multi: bool = False


@dataclass(frozen=True)
class TableSpec:
    """The contract of one CSV table."""

    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    optional_file: bool = False
    needs_rows: bool = False
    """A file with the header only is an error (the tables every brief is built from)."""
    row_checks: tuple[Callable[[pd.DataFrame], Iterable[tuple[int, str, str]]], ...] = field(
        default=()
    )

    @property
    def file(self) -> str:
        """CSV file name inside the data folder."""
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        """Column names in contract order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Problem:
    """One problem in one table, located by row (1-based) and column."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row} (line {self.row + 1})"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


def split_multi(value: str) -> list[str]:
    """Split a ``;``-separated cell into stripped, non-empty items."""
    return [v.strip() for v in str(value).split(";") if v.strip()]


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    dtypes = {"str": object, "int": "Int64", "float": float, "date": "datetime64[ns]"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes[c.kind]) for c in spec.columns})
