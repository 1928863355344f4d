"""Table contracts of ``data/``: columns, types, allowed ids, keys — checked with pandera.

Each table is declared once as a :class:`TableSpec`. :func:`validate_table` turns the raw CSV
text (every cell a string) into a typed frame and returns *every* problem it finds as a
:class:`Problem` naming file, row and column; :func:`toolkit.data.load_dataset` joins the
problems of all tables into one :class:`toolkit.errors.DataError`.

Row numbers are 1-based data rows; ``line`` is the line in the CSV file (header = line 1).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import pandas as pd

from toolkit.data.countries import COUNTRY_IDS
from toolkit.vocab import CONFIDENCE, IEA_SCENARIOS, MINERALS, STAGES

Kind = Literal["str", "int", "float", "date"]

PRODUCTION_UNITS: Final[tuple[str, ...]] = ("t", "kt", "Mt", "kg", "%")
MASS_UNITS_T: Final[dict[str, float]] = {"t": 1.0, "kt": 1_000.0, "Mt": 1_000_000.0, "kg": 0.001}
"""Mass unit -> tonnes per unit."""
PRICE_UNITS: Final[dict[str, float | None]] = {
    "USD/kg": 1.0,
    "USD/t": 0.001,
    "USD/lb": 1.0 / 0.45359237,
    "USc/lb": 0.01 / 0.45359237,
    "USD/mtu WO3": None,  # NOTE: per kg of what is a basis question; see data/README.md
}
"""Price unit -> USD/kg factor (``None`` = basis-dependent, checked against the note)."""
STATUS: Final[tuple[str, ...]] = ("reported", "estimate", "projection")
PERIOD_TYPES: Final[tuple[str, ...]] = ("annual", "assessment")
QUALIFIERS: Final[tuple[str, ...]] = (">", "<", "~", ">=", "<=", "up to")
DATE_PRECISION: Final[tuple[str, ...]] = ("day", "month", "year")
EVENT_KINDS: Final[tuple[str, ...]] = (
    "export_control",
    "export_ban",
    "suspension",
    "price_floor",
    "agreement",
    "ministerial",
    "stockpile",
    "investment",
    "tariff",
    "trade_ruling",
    "embargo",
    "policy",
    "deadline",
    "critical_list",
    "capacity",
)
MULTIPLE_SCENARIOS: Final[tuple[str, ...]] = (*IEA_SCENARIOS, "SDS", "2DS")
VERDICTS: Final[tuple[str, ...]] = (
    "confirmed",
    "consistent",
    "understated",
    "overstated",
    "partly_true",
    "outdated",
    "unverified",
)


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


_MINERALS = frozenset(MINERALS)
_STAGES = frozenset(STAGES)
_CONF = frozenset(CONFIDENCE)


def _src() -> Col:
    return Col("source_id")


def _conf() -> Col:
    return Col("confidence", allowed=_CONF)


def _check_shares(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Rows in ``%`` must lie in 0–100."""
    bad = (df["unit"] == "%") & (df["value"] > 100)
    for i in np.flatnonzero(bad.to_numpy()):
        yield int(i), "value", f"a share in % must be <= 100 (got {df['value'].iat[i]:g})"


def _check_magnets_stage(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Stage ``magnets`` exists for magnet REEs only; ``technology`` carries no flows."""
    bad = ((df["stage"] == "magnets") & (df["mineral"] != "magnet_rees")) | (
        df["stage"] == "technology"
    )
    for i in np.flatnonzero(bad.to_numpy()):
        yield (
            int(i),
            "stage",
            (
                f"stage '{df['stage'].iat[i]}' is not allowed for mineral "
                f"'{df['mineral'].iat[i]}' in production (magnets: magnet_rees only; "
                "technology: export controls only)"
            ),
        )


def _check_usd_per_kg(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """``usd_per_kg`` must equal ``value`` converted from ``unit`` (within 1 %)."""
    factor = df["unit"].map(PRICE_UNITS)
    expected = df["value"] * factor.astype(float)
    rel = (df["usd_per_kg"] - expected).abs() / expected
    bad = factor.notna() & (rel > 0.01)
    for i in np.flatnonzero(bad.to_numpy()):
        yield (
            int(i),
            "usd_per_kg",
            (
                f"does not match value {df['value'].iat[i]:g} {df['unit'].iat[i]} "
                f"(expected {expected.iat[i]:.4g}, got {df['usd_per_kg'].iat[i]:g})"
            ),
        )


def _check_period_order(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    bad = df["period_end"] < df["period_start"]
    for i in np.flatnonzero(bad.to_numpy()):
        yield int(i), "period_end", "must not be before period_start"


def _check_multiple_order(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    bad = (df["multiple_high"] < df["multiple_low"]) | (df["target_year"] <= df["base_year"])
    for i in np.flatnonzero(bad.to_numpy()):
        yield (
            int(i),
            "multiple_high",
            ("multiple_high must be >= multiple_low and target_year > base_year"),
        )


def _check_low_high(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    low, high, value = df["low"], df["high"], df["value"]
    bad = (low.notna() & (low > value)) | (high.notna() & (high < value))
    for i in np.flatnonzero(bad.to_numpy()):
        yield int(i), "value", "must lie between low and high"


def _check_factor_positive(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """A conversion factor is a mass ratio: strictly positive and finite."""
    f = df["factor"]
    bad = f.notna() & ~((f > 0) & np.isfinite(f))
    for i in np.flatnonzero(bad.to_numpy()):
        yield int(i), "factor", f"must be > 0 (a mass ratio; got {f.iat[i]:g})"


def _check_conversion_ends(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """``from_basis`` and ``to_basis`` differ (a self-loop would hide a missing conversion)."""
    bad = df["from_basis"] == df["to_basis"]
    for i in np.flatnonzero(bad.to_numpy()):
        yield int(i), "to_basis", "must differ from from_basis"


TABLES: Final[dict[str, TableSpec]] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "sources",
            (
                Col("source_id"),
                Col("publisher"),
                Col("title"),
                Col("year", "int", ge=1900, le=2100),
                Col("locator"),
                Col("url", required=False),
                Col("licence"),
                _conf(),
                Col("note", required=False),
            ),
            key=("source_id",),
        ),
        TableSpec(
            "production",
            (
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("country", allowed=COUNTRY_IDS),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(PRODUCTION_UNITS)),
                Col("basis"),
                Col("status", allowed=frozenset(STATUS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "stage", "country", "year", "source_id"),
            row_checks=(_check_shares, _check_magnets_stage),
        ),
        TableSpec(
            "reserves",
            (
                Col("mineral", allowed=_MINERALS),
                Col("country", allowed=COUNTRY_IDS),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(MASS_UNITS_T)),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "country", "source_id"),
        ),
        TableSpec(
            "prices",
            (
                Col("mineral", allowed=_MINERALS),
                Col("product"),
                Col("market"),
                Col("period"),
                _src(),
                Col("period_start", "date"),
                Col("period_end", "date"),
                Col("period_type", allowed=frozenset(PERIOD_TYPES)),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(PRICE_UNITS)),
                Col("usd_per_kg", "float", ge=0),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "product", "market", "period", "source_id"),
            row_checks=(_check_usd_per_kg, _check_period_order),
        ),
        TableSpec(
            "demand",
            (
                Col("mineral", allowed=_MINERALS),
                Col("scenario", allowed=frozenset(IEA_SCENARIOS)),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(MASS_UNITS_T)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "scenario", "year", "source_id"),
        ),
        TableSpec(
            "demand_multiples",
            (
                Col("mineral", allowed=_MINERALS),
                _src(),
                Col("scenario", allowed=frozenset(MULTIPLE_SCENARIOS)),
                Col("base_year", "int", ge=1990, le=2100),
                Col("target_year", "int", ge=1990, le=2100),
                Col("multiple_low", "float", ge=0),
                Col("multiple_high", "float", ge=0),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "source_id", "scenario"),
            row_checks=(_check_multiple_order,),
        ),
        TableSpec(
            "import_reliance",
            (
                Col("country", allowed=COUNTRY_IDS),
                Col("mineral", allowed=_MINERALS),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value_pct", "float", ge=0, le=100),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("country", "mineral", "year", "source_id"),
        ),
        TableSpec(
            "dependence",
            (
                Col("country", allowed=COUNTRY_IDS),
                Col("indicator"),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value", "float", ge=0),
                Col("unit"),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("country", "indicator", "year", "source_id"),
        ),
        TableSpec(
            "policy_events",
            (
                Col("date", "date"),
                Col("event_id"),
                Col("date_precision", allowed=frozenset(DATE_PRECISION)),
                Col("actor"),
                Col("kind", allowed=frozenset(EVENT_KINDS)),
                Col("minerals", required=False, allowed=_MINERALS, multi=True),
                Col("summary"),
                _src(),
                _conf(),
            ),
            key=("event_id",),
        ),
        TableSpec(
            "model_parameters",
            (
                Col("mineral", allowed=_MINERALS | {"all"}),
                Col("parameter"),
                Col("value", "float"),
                Col("low", "float", required=False),
                Col("high", "float", required=False),
                Col("unit"),
                _src(),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "parameter"),
            optional_file=True,
            row_checks=(_check_low_high,),
        ),
        TableSpec(
            "observations",
            (
                Col("episode"),
                Col("metric"),
                Col("value", "float"),
                Col("low", "float", required=False),
                Col("high", "float", required=False),
                Col("unit"),
                _src(),
                _conf(),
                Col("note", required=False),
            ),
            key=("episode", "metric"),
            optional_file=True,
            row_checks=(_check_low_high,),
        ),
        TableSpec(
            "seed_claims",
            (
                Col("claim_id"),
                Col("seed"),
                Col("claim"),
                Col("primary_figure"),
                Col("verdict", allowed=frozenset(VERDICTS)),
                Col("verdict_text"),
                Col("source_id", multi=True),
                _conf(),
            ),
            key=("claim_id",),
        ),
        TableSpec(
            "conversions",
            (
                Col("mineral", allowed=_MINERALS | {"all"}),
                Col("from_basis"),
                Col("to_basis"),
                Col("factor", "float"),
                Col("source_id", multi=True),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "from_basis", "to_basis"),
            optional_file=True,
            row_checks=(_check_factor_positive, _check_conversion_ends),
        ),
        TableSpec(
            "price_defaults",
            (
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("product"),
                Col("market"),
                _src(),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "stage"),
        ),
    )
}
"""Every table of the data folder, by attribute name of :class:`toolkit.data.Dataset`."""


def split_multi(value: str) -> list[str]:
    """Split a ``;``-separated cell into stripped, non-empty items."""
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _did_you_mean(value: str, allowed: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(value), sorted(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _describe_allowed(allowed: frozenset[str]) -> str:
    items = sorted(allowed)
    if len(items) <= 12:
        return "one of " + ", ".join(items)
    return f"an allowed id ({len(items)} known, e.g. {', '.join(items[:6])}, …)"


_CHECK_RE = re.compile(r"^(greater_than_or_equal_to|less_than_or_equal_to)\((.*)\)$")


def _pandera_message(check: str, failure: object, col: Col) -> str:
    if check == "not_nullable":
        return "must not be empty"
    m = _CHECK_RE.match(check)
    if m:
        op = ">=" if m.group(1).startswith("greater") else "<="
        return (
            f"must be {op} {m.group(2)} (got {failure:g})"
            if isinstance(failure, (int, float))
            else f"must be {op} {m.group(2)} (got {failure!r})"
        )
    if check.startswith("isin") and col.allowed is not None:
        return (
            f"'{failure}' is not allowed: must be {_describe_allowed(col.allowed)}"
            + _did_you_mean(str(failure), col.allowed)
        )
    return f"{check} failed (got {failure!r})"


def _build_schema(spec: TableSpec) -> object:
    import pandera.pandas as pa

    columns = {}
    for col in spec.columns:
        checks = []
        if col.ge is not None:
            checks.append(pa.Check.ge(col.ge))
        if col.le is not None:
            checks.append(pa.Check.le(col.le))
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


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    dtypes = {"str": object, "int": "Int64", "float": float, "date": "datetime64[ns]"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes[c.kind]) for c in spec.columns})


def validate_table(
    raw: pd.DataFrame, spec: TableSpec, file_label: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type and check one raw table; return the typed frame and every problem found.

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
    import pandera.pandas as pa

    problems: list[Problem] = []
    seen: set[tuple[int | None, str | None]] = set()

    def add(row: int | None, column: str | None, message: str) -> None:
        if (row, column) in seen and row is not None:
            return
        seen.add((row, column))
        problems.append(Problem(file_label, row, column, message))

    present = [str(c) for c in raw.columns]
    for col in spec.columns:
        if col.name not in present:
            add(None, col.name, "required column is missing" + _did_you_mean(col.name, present))
    for name in present:
        if name not in spec.column_names:
            add(
                None,
                name,
                "unexpected column"
                + _did_you_mean(name, spec.column_names)
                + f" (allowed: {', '.join(spec.column_names)})",
            )
    if any(p.row is None and p.message.startswith("required") for p in problems):
        return empty_frame(spec), problems

    n = len(raw)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for col in spec.columns:
        text = raw[col.name].astype(str).str.strip()
        empty = text == ""
        if col.kind == "str":
            out[col.name] = text.where(~empty, None) if col.required else text
        elif col.kind in ("int", "float"):
            cleaned = text.str.replace(",", "", regex=False).str.replace("_", "", regex=False)
            num = pd.to_numeric(cleaned.where(~empty, None), errors="coerce")
            bad = (~empty) & num.isna()
            if col.kind == "int":
                nonint = num.notna() & (num != np.round(num))
                bad |= nonint
            for i in map(int, np.flatnonzero(bad.to_numpy())):
                add(
                    i + 1,
                    col.name,
                    f"must be a number (got {text.iat[i]!r})"
                    if col.kind == "float"
                    else f"must be a whole number (got {text.iat[i]!r})",
                )
            if col.kind == "int":
                out[col.name] = num.where(~bad).round().astype("Int64")
            else:
                out[col.name] = num.where(~bad).astype(float)
        else:  # date
            parsed = pd.to_datetime(text.where(~empty, None), format="%Y-%m-%d", errors="coerce")
            bad = (~empty) & parsed.isna()
            for i in map(int, np.flatnonzero(bad.to_numpy())):
                add(i + 1, col.name, f"must be a date YYYY-MM-DD (got {text.iat[i]!r})")
            out[col.name] = parsed.astype("datetime64[ns]")

    schema = schema_for(spec)
    try:
        schema.validate(out, lazy=True)  # type: ignore[attr-defined]
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cols = {c.name: c for c in spec.columns}
        for rec in cases.itertuples(index=False):
            column = rec.column if isinstance(rec.column, str) else None
            idx = rec.index
            row = int(idx) + 1 if idx is not None and not pd.isna(idx) else None
            col = cols.get(column or "", Col(column or "?"))
            add(row, column, _pandera_message(str(rec.check), rec.failure_case, col))

    # multi-valued id columns
    for col in spec.columns:
        if not col.multi:
            continue
        for i, cell in enumerate(out[col.name].tolist()):
            if cell is None or pd.isna(cell):
                continue
            items = split_multi(cell)
            if col.allowed is not None:
                for item in items:
                    if item not in col.allowed:
                        add(
                            i + 1,
                            col.name,
                            f"'{item}' is not allowed: must be "
                            f"{_describe_allowed(col.allowed)}" + _did_you_mean(item, col.allowed),
                        )

    # duplicated keys, named by row
    key = list(spec.key)
    keyframe = out[key].astype(str)
    dup = keyframe.duplicated(keep=False).to_numpy()
    if dup.any():
        first_row: dict[tuple[str, ...], int] = {}
        for i in map(int, np.flatnonzero(dup)):
            k = tuple(keyframe.iloc[i])
            if k in first_row:
                add(
                    i + 1,
                    key[0],
                    f"duplicated key ({', '.join(key)}) = ({', '.join(k)}); "
                    f"first seen in row {first_row[k]}",
                )
            else:
                first_row[k] = i + 1

    # NOTE: row checks also run on partly broken frames (NaN compares False), so that one
    # load reports every problem at once.
    for check in spec.row_checks:
        for i, column, message in check(out):
            add(i + 1, column, message)
    return out, problems
