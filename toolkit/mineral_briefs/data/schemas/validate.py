"""Type and check one raw table against its contract; every problem, named by row and column."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mineral_briefs.data.schemas.contract import Col, Problem, TableSpec, empty_frame, split_multi
from mineral_briefs.errors import excerpt


def _did_you_mean(value: str, allowed: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(value), sorted(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _describe_allowed(allowed: frozenset[str]) -> str:
    items = sorted(allowed)
    if len(items) <= 12:
        return "one of " + ", ".join(items)
    return f"an allowed id ({len(items)} known, e.g. {', '.join(items[:6])}, …)"


MAX_FLOAT = 1e12
"""Ceiling of every number column that states no bound of its own: no tonnage [t], price
[USD/kg or USD/t] or multiple in this domain comes near it (world copper output is ~2.3e7 t/yr),
and beyond it products such as price × tonnage lose meaning long before they overflow."""

_TEXT_BAD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
"""Control, C1 and bidirectional-formatting characters: no note or title needs them, and they
make a cell read differently in the brief than in the file."""

_CHECK_RE = re.compile(r"^(greater_than_or_equal_to|less_than_or_equal_to)\((.*)\)$")


def plain(value: object) -> str:
    """A cell value as an error line prints it: numbers plainly (``20266``, ``0.5``, ``1e+308``;
    never ``np.int64(20266)``), text as a short quoted excerpt."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return excerpt(value)


def _pandera_message(check: str, failure: object, col: Col) -> str:
    if check == "not_nullable":
        return "must not be empty"
    m = _CHECK_RE.match(check)
    if m:
        op = ">=" if m.group(1).startswith("greater") else "<="
        return f"must be {op} {plain(_number_or_text(m.group(2)))} (got {plain(failure)})"
    if check.startswith("isin") and col.allowed is not None:
        return (
            f"'{failure}' is not allowed: must be {_describe_allowed(col.allowed)}"
            + _did_you_mean(str(failure), col.allowed)
        )
    return f"{check} failed (got {plain(failure)})"


def _number_or_text(text: str) -> object:
    """A bound as pandera prints it (``2100``, ``1000000000000.0``) read back as a number (an
    int bound stays an int, a float one prints as ``1e+12``)."""
    number = parse_plain_number(text)
    if number is None:
        return text
    return int(number) if PLAIN_NUMBER.fullmatch(text) and not set(".eE") & set(text) else number


def _build_schema(spec: TableSpec) -> object:
    import pandera.pandas as pa

    columns = {}
    for col in spec.columns:
        checks = []
        if col.ge is not None:
            checks.append(pa.Check.ge(col.ge))
        if col.le is not None:
            checks.append(pa.Check.le(col.le))
        elif col.kind == "float":
            checks.append(pa.Check.le(MAX_FLOAT))
        if col.allowed is not None and not col.multi:
            allowed = sorted(col.allowed) + ([] if col.required else [""])
            checks.append(pa.Check.isin(allowed))
        # NOTE: string columns are built by validate_table itself; their dtype differs between
        # pandas 2 (object) and 3 ("str"), so it is not part of the schema.
        dtype = {"str": None, "int": "Int64", "float": float, "date": "datetime64[ns]"}[col.kind]
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=not col.required, coerce=False)
    return pa.DataFrameSchema(columns, strict=False, ordered=False)


_SCHEMAS: dict[str, object] = {}


def schema_for(spec: TableSpec) -> object:
    """The pandera :class:`DataFrameSchema` of a table (built once)."""
    if spec.name not in _SCHEMAS:
        _SCHEMAS[spec.name] = _build_schema(spec)
    return _SCHEMAS[spec.name]


def validate_table(
    raw: pd.DataFrame, spec: TableSpec, file_label: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type and check one raw table; return the typed frame and every problem found.

    The checks run in a fixed order — columns present, cells typed, pandera column checks,
    ``;``-separated ids, duplicated keys, row checks — and the first problem found at a cell
    is the one reported for it.

    Parameters
    ----------
    raw : DataFrame
        The CSV as read with every cell a string (empty cell = ``""``).
    spec : TableSpec
        The table contract.
    file_label : str
        How problems name the file (e.g. ``data/production.csv``).

    Returns
    -------
    frame : DataFrame
        Columns in contract order, typed (``Int64``, ``float64``, ``datetime64``; empty
        optional strings become ``""``).
    problems : list of Problem
        Empty when the table is valid.
    """
    found = _Problems(file_label)
    _check_columns(raw, spec, found)
    if any(p.row is None and p.message.startswith("required") for p in found.problems):
        return empty_frame(spec), found.problems
    out = _typed_frame(raw, spec, found)
    _check_schema(out, spec, found)
    _check_multi_ids(out, spec, found)
    _check_duplicate_keys(out, spec, found)
    # NOTE: row checks also run on partly broken frames (NaN compares False), so that one
    # load reports every problem at once.
    for check in spec.row_checks:
        for i, column, message in check(out):
            found.add(i + 1, column, message)
    return out, found.problems


class _Problems:
    """The problems of one table, at most one per (row, column) cell: the first found."""

    def __init__(self, file_label: str) -> None:
        self.file_label = file_label
        self.problems: list[Problem] = []
        self._seen: set[tuple[int | None, str | None]] = set()

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if (row, column) in self._seen and row is not None:
            return
        self._seen.add((row, column))
        self.problems.append(Problem(self.file_label, row, column, message))


def _check_columns(raw: pd.DataFrame, spec: TableSpec, found: _Problems) -> None:
    """Every contract column is present and no other column is."""
    present = [str(c) for c in raw.columns]
    for col in spec.columns:
        if col.name not in present:
            found.add(
                None, col.name, "required column is missing" + _did_you_mean(col.name, present)
            )
    for name in present:
        if name not in spec.column_names:
            found.add(
                None,
                name,
                "unexpected column"
                + _did_you_mean(name, spec.column_names)
                + f" (allowed: {', '.join(spec.column_names)})",
            )


def _typed_frame(raw: pd.DataFrame, spec: TableSpec, found: _Problems) -> pd.DataFrame:
    """The raw text parsed column by column; a cell that does not parse is a problem and NaN."""
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for col in spec.columns:
        text = raw[col.name].astype(str).str.strip()
        empty = text == ""
        if col.kind == "str":
            for i in map(int, np.flatnonzero(text.str.contains(_TEXT_BAD).to_numpy())):
                found.add(
                    i + 1,
                    col.name,
                    "must not contain control or bidirectional-formatting characters "
                    f"(got {excerpt(text.iat[i])})",
                )
            out[col.name] = text.where(~empty, None) if col.required else text
        elif col.kind in ("int", "float"):
            out[col.name] = _parse_numbers(text, empty, col, found)
        else:
            out[col.name] = _parse_dates(text, empty, col, found)
    return out


PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""How a number is written in a data table: a plain decimal with a point, optionally signed and
in e-notation (``1234.5``, ``-0.15``, ``2.5e6``). No thousands separator and no decimal comma:
``1,234`` may mean 1234 or 1.234 depending on who typed it, so neither reading is guessed."""

_INFINITY = re.compile(r"[+-]?inf(?:inity)?", re.IGNORECASE)

_NUMBER_HINT = (
    ": write a plain decimal with a point, without thousands separators or a decimal comma "
    "(e.g. 1234.5)"
)


def parse_plain_number(text: str) -> float | None:
    """``text`` as a float when it is written as :data:`PLAIN_NUMBER` (or an infinity, which
    the caller refuses with its own message); ``None`` otherwise. Nothing is cleaned first."""
    s = text.strip()
    if PLAIN_NUMBER.fullmatch(s) or _INFINITY.fullmatch(s):
        return float(s)
    return None


def _parse_numbers(text: pd.Series, empty: pd.Series, col: Col, found: _Problems) -> pd.Series:
    # NOTE: numbers are parsed strictly (PLAIN_NUMBER): a comma or an underscore in a cell is
    # refused, never stripped, since "1,234" (1234 or 1.234?) and "1.234,5" would otherwise
    # be read as some other number without a word.
    plain = text.str.fullmatch(PLAIN_NUMBER.pattern) | text.str.fullmatch(_INFINITY.pattern)
    num = pd.to_numeric(text.where(~empty & plain, None), errors="coerce")
    bad = (~empty) & num.isna()
    # NOTE: "1e400" parses as inf and "inf" as inf: no figure in data/ is infinite, and an
    # infinite tonnage or price would poison every sum downstream, so it is refused here.
    infinite = num.notna() & ~np.isfinite(num.astype(float))
    if col.kind == "int":
        # beyond 2**53 a float no longer holds every whole number (and Int64 overflows)
        huge = num.notna() & ~infinite & (num.abs() >= 2.0**53)
        nonint = num.notna() & ~infinite & ~huge & (num != np.round(num))
        bad |= nonint | huge
    for i in map(int, np.flatnonzero(bad.to_numpy())):
        cell = text.iat[i]
        hint = _NUMBER_HINT if ("," in cell or "_" in cell) else ""
        found.add(
            i + 1,
            col.name,
            f"must be a number (got {excerpt(cell)}){hint}"
            if col.kind == "float"
            else f"must be a whole number (got {excerpt(cell)}){hint}",
        )
    for i in map(int, np.flatnonzero((infinite & ~bad).to_numpy())):
        found.add(i + 1, col.name, f"must be a finite number (got {excerpt(text.iat[i])})")
    bad |= infinite
    if col.kind == "int":
        return num.where(~bad).round().astype("Int64")
    return num.where(~bad).astype(float)


def _parse_dates(text: pd.Series, empty: pd.Series, col: Col, found: _Problems) -> pd.Series:
    parsed = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
    bad = (~empty) & parsed.isna()
    for i in map(int, np.flatnonzero(bad.to_numpy())):
        found.add(i + 1, col.name, f"must be a date YYYY-MM-DD (got {excerpt(text.iat[i])})")
    return parsed.astype("datetime64[ns]")


def _check_schema(out: pd.DataFrame, spec: TableSpec, found: _Problems) -> None:
    """pandera's column checks (not empty, bounds, allowed ids), worded for analysts."""
    import pandera.pandas as pa

    try:
        schema_for(spec).validate(out, lazy=True)  # type: ignore[attr-defined]
    except pa.errors.SchemaErrors as exc:
        cols = {c.name: c for c in spec.columns}
        for rec in exc.failure_cases.itertuples(index=False):
            column = rec.column if isinstance(rec.column, str) else None
            idx = rec.index
            row = int(idx) + 1 if idx is not None and not pd.isna(idx) else None
            col = cols.get(column or "", Col(column or "?"))
            found.add(row, column, _pandera_message(str(rec.check), rec.failure_case, col))


def _check_multi_ids(out: pd.DataFrame, spec: TableSpec, found: _Problems) -> None:
    """Each item of a ``;``-separated id column is an allowed id."""
    for col in spec.columns:
        if not col.multi or col.allowed is None:
            continue
        for i, cell in enumerate(out[col.name].tolist()):
            if cell is None or pd.isna(cell):
                continue
            for item in split_multi(cell):
                if item not in col.allowed:
                    found.add(
                        i + 1,
                        col.name,
                        f"'{item}' is not allowed: must be "
                        f"{_describe_allowed(col.allowed)}" + _did_you_mean(item, col.allowed),
                    )


def _check_duplicate_keys(out: pd.DataFrame, spec: TableSpec, found: _Problems) -> None:
    """A repeated key is reported on each later row, naming the row that had it first."""
    key = list(spec.key)
    keyframe = out[key].astype(str)
    dup = keyframe.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first_row: dict[tuple[str, ...], int] = {}
    for i in map(int, np.flatnonzero(dup)):
        k = tuple(keyframe.iloc[i])
        if k in first_row:
            found.add(
                i + 1,
                key[0],
                f"duplicated key ({', '.join(key)}) = ({', '.join(k)}); "
                f"first seen in row {first_row[k]}",
            )
        else:
            first_row[k] = i + 1
