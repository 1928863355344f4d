"""Reader of the USGS *Mineral Commodity Summaries* "World Data" release CSV.

One row per commodity × country × type, with ``PROD_<year>``, ``PROD_EST_<year>`` and
``RESERVES_<year>`` columns.

References
----------
USGS (2025), Mineral Commodity Summaries 2025 World Data Release, doi:10.5066/P13XCP3R.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from mineral_briefs.data.readers.common import (
    PRODUCTION_COLUMNS,
    RESERVES_COLUMNS,
    _country_or_raise,
    complete_other_rows,
)
from mineral_briefs.errors import DataError, excerpt

logger = logging.getLogger(__name__)

USGS_COMMODITIES: Final[dict[str, str]] = {
    "rare earths": "rare_earths",
    "lithium": "lithium",
    "cobalt": "cobalt",
    "nickel": "nickel",
    "graphite": "graphite",
    "graphite (natural)": "graphite",
    "natural graphite": "graphite",
    "gallium": "gallium",
    "germanium": "germanium",
    "antimony": "antimony",
    "tungsten": "tungsten",
    "copper": "copper",
}
"""USGS commodity name (lower case) -> mineral id; other commodities are skipped."""

USGS_BASIS: Final[dict[str, str]] = {
    "rare_earths": "REO equivalent",
    "lithium": "Li content",
    "cobalt": "Co content",
    "nickel": "Ni content",
    "graphite": "natural graphite, gross weight",
    "gallium": "primary low-purity Ga",
    "germanium": "Ge content",
    "antimony": "Sb content",
    "tungsten": "W content",
    "copper": "Cu content",
}

_MISSING: Final[frozenset[str]] = frozenset({"", "w", "na", "nan", "xx", "(w)", "--"})
_ZERO: Final[frozenset[str]] = frozenset({"—", "–", "-", "0"})


def _norm_header(h: str) -> str:
    return re.sub(r"[\s_]+", "_", str(h).strip().upper())


def _usgs_unit(text: str) -> tuple[str, float]:
    """UNIT_MEAS -> (unit id, factor); e.g. 'thousand metric tons' -> ('kt', 1)."""
    low = str(text).strip().lower()
    if "kilogram" in low or low == "kg":
        return "kg", 1.0
    if low.startswith(("thousand metric ton", "kt", "thousand ton")):
        return "kt", 1.0
    if low.startswith(("million metric ton", "mt ")) or low == "mt":
        return "Mt", 1.0
    if "metric ton" in low or low in ("t", "tons", "tonnes"):
        return "t", 1.0
    raise ValueError(text)


def _usgs_number(text: str) -> tuple[float | None, str]:
    """Parse a USGS cell: (value or None if withheld/NA, qualifier)."""
    s = str(text).strip()
    low = s.lower()
    if low in _MISSING:
        return None, ""
    if s in _ZERO:
        # NOTE: USGS prints an em dash for zero.
        return 0.0, ""
    qualifier = ""
    for q in (">=", "<=", ">", "<", "~"):
        if s.startswith(q):
            qualifier, s = q, s[len(q) :].strip()
            break
    s = s.replace(",", "").replace(" ", "")
    if s.lower().endswith("e"):  # "e" = estimated marker sometimes appended
        s = s[:-1]
    return float(s), qualifier  # ValueError propagates to the caller


def read_usgs_mcs_csv(path: str | Path, source_id: str | None = None) -> dict[str, pd.DataFrame]:
    """Read a USGS MCS "World Data" release CSV into the ``production``/``reserves`` layouts.

    Parameters
    ----------
    path : str or Path
        The release CSV. Expected columns (case, spaces and underscores normalised, as the
        2025 release spells one ``PROD_EST_ 2024``): ``SOURCE`` (optional), ``COMMODITY``,
        ``COUNTRY``, ``TYPE``, ``UNIT_MEAS``, ``PROD_<year>`` and/or ``PROD_EST_<year>``,
        ``PROD_NOTES`` (optional), ``RESERVES_<year>`` (optional), ``RESERVES_NOTES``.
    source_id : str, optional
        Default: ``USGS_`` + the ``SOURCE`` column when it reads like ``MCS2026``, else
        ``USGS_MCS<latest year + 1>``.

    Returns
    -------
    dict
        ``{"production": ..., "reserves": ...}`` for the minerals in
        :data:`mineral_briefs.vocab.MINERALS`; ``Other`` is derived when the release prints none.

    Raises
    ------
    DataError
        Missing columns, an unknown country name, a unit or number that cannot be read —
        naming the file, row (line) and column.
    """
    # NOTE: column names follow the MCS 2025 World Data release (doi:10.5066/P13XCP3R) as
    # seen in public code that consumes it; a next edition with the year suffixes shifted
    # is read the same way.
    path = Path(path)
    header, body = _read_csv(path)
    layout = _layout(header, path.name)
    if not any(any(c.strip() for c in r) for r in body):
        raise DataError(f"{path.name}: header only, no data rows")
    sid = source_id if source_id is not None else _default_source_id(body, layout, path.name)

    production: list[dict[str, object]] = []
    reserves: list[dict[str, object]] = []
    skipped = 0
    for n, r in enumerate(body, start=1):
        if not any(c.strip() for c in r):
            continue
        row = _Row(r, layout, f"{path.name}, row {n} (line {n + 1})")
        mineral = USGS_COMMODITIES.get(" ".join(row.cell("COMMODITY").split()).lower())
        if mineral is None:
            skipped += 1
            continue
        stage = _stage(row.cell("TYPE"))
        if stage is None:
            continue
        country = _country_or_raise(row.cell("COUNTRY"), f"{row.where}, column 'COUNTRY'")
        unit = _row_unit(row)
        production += _production_rows(row, mineral, stage, country, unit, sid)
        if stage == "mining":
            reserves += _reserves_rows(row, mineral, country, unit, sid)
    if skipped:
        logger.info("%s: %d rows of other commodities skipped", path.name, skipped)
    return _tables(production, reserves)


@dataclass(frozen=True)
class _Layout:
    """Where the columns of one release file are (0-based positions)."""

    cols: dict[str, int]
    prod_cols: list[tuple[int, int, str, str]]  # (position, year, status, header)
    res_col: tuple[int, str] | None  # (position, header) of RESERVES_<year>
    latest: int  # latest production year


@dataclass(frozen=True)
class _Row:
    """One body row of the release, with the place to name in an error."""

    cells: list[str]
    layout: _Layout
    where: str

    def at(self, j: int) -> str:
        # NOTE: the csv module drops trailing empty cells of short rows; they read as "".
        return self.cells[j] if j < len(self.cells) else ""

    def cell(self, name: str) -> str:
        j = self.layout.cols.get(name)
        return self.at(j) if j is not None else ""


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a release CSV; every way it cannot be read is one clear DataError."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path.name}: not UTF-8 text (byte {exc.start}); allowed: a UTF-8 CSV as USGS "
            "publishes it (re-save a Latin-1/Windows file as UTF-8)"
        ) from None
    except csv.Error as exc:
        raise DataError(f"{path.name}: not a readable CSV ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read file: {exc.strerror or exc}") from None
    if not rows:
        raise DataError(f"{path.name}: the file is empty")
    header, body = rows[0], rows[1:]
    return header, body


def _shown(header: list[str]) -> str:
    """The first header cells as short excerpts (a wrong file is never printed back)."""
    shown = ", ".join(excerpt(h, 20) for h in header[:8])
    return shown + (f", … ({len(header)} columns)" if len(header) > 8 else "")


def _layout(header: list[str], file: str) -> _Layout:
    cols = {_norm_header(h): j for j, h in enumerate(header)}
    missing = [c for c in ("COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS") if c not in cols]
    prod_cols = []
    for h, j in cols.items():
        m = re.fullmatch(r"PROD_(EST_)?(\d{4})", h)
        if m:
            prod_cols.append((j, int(m.group(2)), "estimate" if m.group(1) else "reported", h))
    res_col = next(((j, h) for h, j in cols.items() if re.fullmatch(r"RESERVES_\d{4}", h)), None)
    if not prod_cols:
        missing.append("PROD_<year>")
    if missing:
        raise DataError(
            f"{file}: required column(s) missing: {', '.join(missing)} (found: {_shown(header)})"
        )
    seen: dict[str, str] = {}
    for h in header:
        key = _norm_header(h)
        if key and key in seen:
            raise DataError(
                f"{file}: columns {excerpt(seen[key])} and {excerpt(h)} both read as {key}; "
                "allowed: each column once"
            )
        seen[key] = h
    return _Layout(cols, prod_cols, res_col, max(y for _, y, _, _ in prod_cols))


def _default_source_id(body: list[list[str]], layout: _Layout, file: str = "") -> str:
    """``USGS_`` + the edition named in the SOURCE column (e.g. ``MCS2026`` → ``USGS_MCS2026``).

    A file that does not name its edition is refused rather than guessed: a guessed id would
    replace the rows of whatever edition it happens to match (pass ``source_id`` explicitly).
    """
    cols = layout.cols
    src_vals = {
        r[cols["SOURCE"]].strip() for r in body if "SOURCE" in cols and len(r) > cols["SOURCE"]
    }
    src = sorted(s for s in src_vals if re.fullmatch(r"MCS\s?\d{4}", s))
    if len(src) == 1:
        return f"USGS_{src[0].replace(' ', '')}"
    named = (
        "names several editions (" + ", ".join(src) + ")" if src else "does not name its edition"
    )
    raise DataError(
        f"{file}: the SOURCE column {named}; allowed: one edition such as MCS2026 in every row, "
        "or pass the source id explicitly (--source-id USGS_MCS2026)"
    )


def _stage(type_cell: str) -> str | None:
    """TYPE -> stage; None for capacity rows and types the tables do not track."""
    typ = type_cell.strip().lower()
    if "capacity" in typ:
        return None
    if "mine" in typ:
        return "mining"
    if any(w in typ for w in ("refin", "smelt", "primary", "production")):
        return "refining"
    return None


def _row_unit(row: _Row) -> str:
    try:
        unit, _ = _usgs_unit(row.cell("UNIT_MEAS"))
    except ValueError:
        raise DataError(
            f"{row.where}, column 'UNIT_MEAS': unknown unit {excerpt(row.cell('UNIT_MEAS'))} "
            "(expected metric tons, thousand metric tons or kilograms)"
        ) from None
    return unit


def _number_at(row: _Row, j: int, header: str) -> tuple[float | None, str]:
    raw = row.at(j)
    try:
        return _usgs_number(raw)
    except ValueError:
        raise DataError(f"{row.where}, column '{header}': not a number ({excerpt(raw)})") from None


def _production_rows(
    row: _Row, mineral: str, stage: str, country: str, unit: str, sid: str
) -> list[dict[str, object]]:
    notes = row.cell("PROD_NOTES").strip()
    out: list[dict[str, object]] = []
    for j, year, status, h in row.layout.prod_cols:
        value, qualifier = _number_at(row, j, h)
        if value is None:
            continue
        if value < 0:
            raise DataError(f"{row.where}, column '{h}': must be >= 0 (got {value:g})")
        out.append(
            {
                "mineral": mineral,
                "stage": stage,
                "country": country,
                "year": year,
                "source_id": sid,
                "value": value,
                "unit": unit,
                "basis": USGS_BASIS[mineral],
                "status": status,
                "confidence": "confirmed",
                "note": "; ".join(
                    x for x in (qualifier and f"{qualifier} (lower bound)", notes) if x
                ),
            }
        )
    return out


def _reserves_rows(
    row: _Row, mineral: str, country: str, unit: str, sid: str
) -> list[dict[str, object]]:
    """The row's reserves figure (mine rows only), or nothing when withheld or absent."""
    if row.layout.res_col is None:
        return []
    j, h = row.layout.res_col
    value, qualifier = _number_at(row, j, h)
    if value is None:
        return []
    return [
        {
            "mineral": mineral,
            "country": country,
            "source_id": sid,
            "value": value,
            "unit": unit if unit != "%" else "t",
            "qualifier": qualifier,
            "confidence": "confirmed",
            "note": row.cell("RESERVES_NOTES").strip(),
        }
    ]


def _tables(
    production: list[dict[str, object]], reserves: list[dict[str, object]]
) -> dict[str, pd.DataFrame]:
    """Rows -> tables: first row wins on a repeated key; ``Other`` derived where missing."""
    prod = pd.DataFrame(production, columns=PRODUCTION_COLUMNS)
    prod = prod.drop_duplicates(["mineral", "stage", "country", "year", "source_id"], keep="first")
    prod = complete_other_rows(prod)
    res = pd.DataFrame(reserves, columns=RESERVES_COLUMNS)
    res = res.drop_duplicates(["mineral", "country", "source_id"], keep="first")
    return {
        "production": prod[PRODUCTION_COLUMNS].reset_index(drop=True),
        "reserves": res[RESERVES_COLUMNS].reset_index(drop=True),
    }
