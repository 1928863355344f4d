"""Readers for official release formats, and the importer that refreshes ``data/``.

* :func:`read_iea_cmd_workbook` — the IEA *Critical Minerals Dataset* workbook (Critical
  Minerals Data Explorer download; GCMO 2025 edition layout): sheet "1 Total demand for key
  minerals" (blocks per mineral, columns per scenario and year) and sheet "2 Total supply for
  key minerals" (two side-by-side blocks per mineral: mining | refining, years 2024–2040).
* :func:`read_usgs_mcs_csv` — the USGS *Mineral Commodity Summaries* "World Data" release CSV
  (one row per commodity × country × type; ``PROD_<year>``, ``PROD_EST_<year>``,
  ``RESERVES_<year>`` columns).
* :func:`import_release` — validate a release and write its rows into the data folder,
  replacing the rows of the same source id and keeping every other source's rows.

References
----------
IEA (2025), Critical Minerals Data Explorer / Global Critical Minerals Outlook 2025, CC BY 4.0.
USGS (2025), Mineral Commodity Summaries 2025 World Data Release, doi:10.5066/P13XCP3R.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from toolkit.data.countries import to_country_id
from toolkit.data.schemas import TABLES
from toolkit.errors import DataError

logger = logging.getLogger(__name__)

# --- shared helpers ------------------------------------------------------------------------

PRODUCTION_COLUMNS: Final[list[str]] = TABLES["production"].column_names
DEMAND_COLUMNS: Final[list[str]] = TABLES["demand"].column_names
RESERVES_COLUMNS: Final[list[str]] = TABLES["reserves"].column_names


def complete_other_rows(production: pd.DataFrame) -> pd.DataFrame:
    """Add a derived ``Other`` row to every group that has ``World`` but no ``Other``.

    Parameters
    ----------
    production : DataFrame
        Rows in the production layout.

    Returns
    -------
    DataFrame
        The input plus one ``Other`` row per incomplete group, value = max(World − Σ
        countries, 0) in the group's unit, noted as derived.
    """
    keys = ["mineral", "stage", "year", "source_id", "unit"]
    if production.empty:
        return production
    add = []
    for _key, grp in production.groupby(keys, sort=False):
        countries = set(grp["country"])
        if "World" not in countries or "Other" in countries:
            continue
        world = float(grp.loc[grp["country"] == "World", "value"].iloc[0])
        rest = float(grp.loc[grp["country"] != "World", "value"].sum())
        # NOTE: USGS world totals are rounded; when the listed countries already exceed the
        # rounded total the remainder is set to 0 rather than a negative tonnage.
        other = max(world - rest, 0.0)
        tmpl = grp.loc[grp["country"] == "World"].iloc[0].to_dict()
        tmpl.update(
            country="Other",
            value=round(other, 6),
            note="derived: World minus listed countries (not printed in the source)",
        )
        add.append(tmpl)
    if not add:
        return production
    return pd.concat([production, pd.DataFrame(add)], ignore_index=True)


def _country_or_raise(name: object, where: str) -> str:
    cid = to_country_id(str(name))
    if cid is None:
        raise DataError(
            f"{where}: unknown country name {str(name)!r}; add its ISO3 code to "
            "toolkit/data/countries.py (NAME_TO_ISO3)"
        )
    return cid


# --- IEA Critical Minerals Dataset workbook ------------------------------------------------

IEA_MINERALS: Final[dict[str, str]] = {
    "copper": "copper",
    "cobalt": "cobalt",
    "lithium": "lithium",
    "nickel": "nickel",
    "graphite": "graphite",
    "magnet rare earth elements": "magnet_rees",
    "rare earth elements": "magnet_rees",
}
"""Block title (start, lower case) -> mineral id."""

IEA_DEMAND_NOTES: Final[dict[str, str]] = {
    "lithium": "Li content, not LCE",
    "graphite": "all grades, natural and synthetic",
    "magnet_rees": "Nd, Pr, Dy, Tb",
}

IEA_SCENARIO_NAMES: Final[dict[str, str]] = {
    "stated policies": "STEPS",
    "announced pledges": "APS",
    "net zero": "NZE",
}


def _iea_mineral(title: str) -> str | None:
    low = title.strip().lower()
    for prefix, mineral in IEA_MINERALS.items():
        if low.startswith(prefix):
            return mineral
    return None


def _iea_stage(label: str) -> tuple[str, str] | None:
    """Supply block sub-title -> (stage, basis)."""
    low = label.strip().lower()
    if low.startswith("mining"):
        return "mining", "mined output" + (" (natural)" if "natural" in low else "")
    if low.startswith("refining"):
        return "refining", "refined output"
    if low.startswith("chemicals"):
        return "refining", "lithium chemicals (Li content)"
    if low.startswith("battery grade"):
        return "refining", "battery-grade (refined)"
    return None


def _find_sheet(wb: object, where: str, *words: str) -> object:
    for ws in wb.worksheets:  # type: ignore[attr-defined]
        name = ws.title.lower()
        if all(w in name for w in words):
            return ws
    raise DataError(
        f"{where}: no sheet whose name contains {' '.join(words)!r} "
        f"(sheets: {', '.join(ws.title for ws in wb.worksheets)})"  # type: ignore[attr-defined]
    )


def _is_year(v: object) -> bool:
    return (
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and 1990 <= v <= 2100
        and (float(v).is_integer())
    )


def read_iea_cmd_workbook(
    path: str | Path, source_id: str | None = None
) -> dict[str, pd.DataFrame]:
    """Read an IEA Critical Minerals Dataset workbook into the ``demand``/``production`` layouts.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` as downloaded from the IEA Critical Minerals Data Explorer.
    source_id : str, optional
        Source id for every row; default ``IEA_CMD<base year + 1>`` (the GCMO edition that
        publishes a base year, e.g. 2024 data → ``IEA_CMD2025``).

    Returns
    -------
    dict
        ``{"demand": ..., "production": ...}``: total demand [kt] per mineral, scenario
        (STEPS/APS/NZE; the base year repeated in each) and year; mining and refining supply
        [kt] per country incl. ``Other`` (IEA "Rest of world") and ``World`` (IEA "Total"),
        base case.

    Raises
    ------
    DataError
        When a sheet, header or country name is not as expected (naming sheet and row).
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a bad file
        raise DataError(f"{path.name}: cannot be opened as an .xlsx workbook ({exc})") from exc
    try:
        demand_ws = _find_sheet(wb, path.name, "total", "demand")
        supply_ws = _find_sheet(wb, path.name, "total", "supply")
        demand_rows = [tuple(r) for r in demand_ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]
        supply_rows = [tuple(r) for r in supply_ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]
        demand_title = demand_ws.title  # type: ignore[attr-defined]
        supply_title = supply_ws.title  # type: ignore[attr-defined]
    finally:
        wb.close()

    production, base_year = _read_iea_supply(supply_rows, f"{path.name} [{supply_title}]")
    sid = source_id or f"IEA_CMD{base_year + 1}"
    # NOTE: edition inferred from the base year (the 2025 file's notice still says "IEA (2024)").
    production["source_id"] = sid
    demand = _read_iea_demand(demand_rows, f"{path.name} [{demand_title}]", base_year)
    demand["source_id"] = sid
    return {
        "demand": demand[DEMAND_COLUMNS].reset_index(drop=True),
        "production": production[PRODUCTION_COLUMNS].reset_index(drop=True),
    }


def _read_iea_demand(rows: list[tuple[object, ...]], where: str, base_year: int) -> pd.DataFrame:
    year_row = next((i for i, r in enumerate(rows) if sum(_is_year(v) for v in r[1:]) >= 5), None)
    if year_row is None or year_row == 0:
        raise DataError(f"{where}: no header row with years found")
    scen_cells = rows[year_row - 1]
    col_map: dict[int, tuple[str | None, int]] = {}
    current: str | None = None
    for j, v in enumerate(rows[year_row]):
        label = scen_cells[j] if j < len(scen_cells) else None
        if isinstance(label, str):
            low = label.lower()
            current = next((s for k, s in IEA_SCENARIO_NAMES.items() if k in low), None)
            if current is None:
                raise DataError(f"{where}, row {year_row}: unknown scenario {label!r}")
        if _is_year(v):
            col_map[j] = (current, int(float(v)))  # type: ignore[arg-type]
    records = []
    mineral: str | None = None
    for i, r in enumerate(rows[year_row + 1 :], start=year_row + 2):
        label = r[0] if r else None
        if not isinstance(label, str):
            continue
        if label.lower().startswith("notes"):
            break
        numbers = [r[j] for j in col_map if j < len(r) and r[j] is not None]
        if not numbers:
            mineral = _iea_mineral(label)
            if mineral is None:
                logger.info("%s, row %d: block %r is not a tracked mineral", where, i, label)
            continue
        if mineral is None or label.strip().lower() != "total demand":
            continue
        for j, (scenario, year) in col_map.items():
            v = r[j] if j < len(r) else None
            if v is None:
                continue
            if not isinstance(v, (int, float)):
                raise DataError(f"{where}, row {i}: value {v!r} is not a number")
            scenarios = [scenario] if scenario else list(IEA_SCENARIO_NAMES.values())
            for s in scenarios:
                records.append(
                    {
                        "mineral": mineral,
                        "scenario": s,
                        "year": year,
                        "value": round(float(v), 4),
                        "unit": "kt",
                        "confidence": "confirmed",
                        "note": "; ".join(
                            x
                            for x in (
                                "base year (same in every scenario)" if scenario is None else "",
                                IEA_DEMAND_NOTES.get(mineral, ""),
                            )
                            if x
                        ),
                    }
                )
    if not records:
        raise DataError(f"{where}: no 'Total demand' rows found")
    return pd.DataFrame(records)


def _read_iea_supply(rows: list[tuple[object, ...]], where: str) -> tuple[pd.DataFrame, int]:
    year_row = next((i for i, r in enumerate(rows) if sum(_is_year(v) for v in r) >= 4), None)
    if year_row is None:
        raise DataError(f"{where}: no header row with years found")
    header = rows[year_row]
    blocks: list[tuple[int, list[tuple[int, int]]]] = []  # (label col, [(col, year)])
    j = 0
    while j < len(header):
        if _is_year(header[j]):
            start = j
            cols = []
            while j < len(header) and _is_year(header[j]):
                cols.append((j, int(float(header[j]))))  # type: ignore[arg-type]
                j += 1
            if start == 0:
                raise DataError(f"{where}, row {year_row + 1}: years start in the first column")
            blocks.append((start - 1, cols))
        else:
            j += 1
    if not blocks:
        raise DataError(f"{where}: no year columns found")
    base_year = min(y for _, cols in blocks for _, y in cols)
    records = []
    for label_col, cols in blocks:
        mineral: str | None = None
        stage: tuple[str, str] | None = None
        for i, r in enumerate(rows[year_row + 1 :], start=year_row + 2):
            label = r[label_col] if label_col < len(r) else None
            if not isinstance(label, str) or not label.strip():
                continue
            if label.lower().startswith(("notes", "“base case", '"base case')):
                break
            values = [r[c] if c < len(r) else None for c, _ in cols]
            if all(v is None for v in values):
                if " - " not in label:
                    raise DataError(f"{where}, row {i}: block title {label!r} lacks ' - stage'")
                m_part, s_part = label.split(" - ", 1)
                mineral, stage = _iea_mineral(m_part), _iea_stage(s_part)
                if mineral is None or stage is None:
                    logger.info("%s, row %d: block %r skipped (not tracked)", where, i, label)
                    mineral = stage = None
                continue
            if mineral is None or stage is None or label.strip().lower().startswith("top"):
                continue
            country = _country_or_raise(label, f"{where}, row {i}")
            for (c, year), v in zip(cols, values, strict=True):
                if v is None:
                    continue
                if not isinstance(v, (int, float)):
                    raise DataError(f"{where}, row {i}, column {c + 1}: {v!r} is not a number")
                records.append(
                    {
                        "mineral": mineral,
                        "stage": stage[0],
                        "country": country,
                        "year": year,
                        "value": round(float(v), 4),
                        "unit": "kt",
                        "basis": stage[1],
                        "status": "estimate" if year == base_year else "projection",
                        "confidence": "confirmed",
                        "note": "" if year == base_year else "IEA base case",
                    }
                )
    if not records:
        raise DataError(f"{where}: no supply rows found")
    df = pd.DataFrame(records)
    return df, base_year


# --- USGS MCS world data CSV ---------------------------------------------------------------

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
        :data:`toolkit.vocab.MINERALS`; ``Other`` is derived when the release prints none.

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
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path.name}: the file is empty") from None
        body = list(reader)
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
            f"{path.name}: required column(s) missing: {', '.join(missing)} "
            f"(found: {', '.join(header)})"
        )
    latest = max(y for _, y, _, _ in prod_cols)
    sid = source_id
    if sid is None:
        src_vals = {r[cols["SOURCE"]].strip() for r in body if "SOURCE" in cols and r}
        src = next((s for s in src_vals if re.fullmatch(r"MCS\s?\d{4}", s)), None)
        sid = f"USGS_{src.replace(' ', '')}" if src else f"USGS_MCS{latest + 1}"

    production, reserves, skipped = [], [], 0
    for n, r in enumerate(body, start=1):
        if not any(c.strip() for c in r):
            continue
        where = f"{path.name}, row {n} (line {n + 1})"

        def cell(name: str, row: list[str] = r) -> str:
            j = cols[name]
            return row[j] if j < len(row) else ""

        mineral = USGS_COMMODITIES.get(" ".join(cell("COMMODITY").split()).lower())
        if mineral is None:
            skipped += 1
            continue
        typ = cell("TYPE").strip().lower()
        if "capacity" in typ:
            continue
        if "mine" in typ:
            stage = "mining"
        elif any(w in typ for w in ("refin", "smelt", "primary", "production")):
            stage = "refining"
        else:
            continue
        country = _country_or_raise(cell("COUNTRY"), f"{where}, column 'COUNTRY'")
        try:
            unit, _ = _usgs_unit(cell("UNIT_MEAS"))
        except ValueError:
            raise DataError(
                f"{where}, column 'UNIT_MEAS': unknown unit {cell('UNIT_MEAS')!r} "
                "(expected metric tons, thousand metric tons or kilograms)"
            ) from None
        notes = cell("PROD_NOTES").strip() if "PROD_NOTES" in cols else ""
        for j, year, status, h in prod_cols:
            raw = r[j] if j < len(r) else ""
            try:
                value, qualifier = _usgs_number(raw)
            except ValueError:
                raise DataError(f"{where}, column '{h}': not a number ({raw!r})") from None
            if value is None:
                continue
            if value < 0:
                raise DataError(f"{where}, column '{h}': must be >= 0 (got {value:g})")
            production.append(
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
        if res_col is not None and stage == "mining":
            j, h = res_col
            raw = r[j] if j < len(r) else ""
            try:
                value, qualifier = _usgs_number(raw)
            except ValueError:
                raise DataError(f"{where}, column '{h}': not a number ({raw!r})") from None
            if value is not None:
                rnotes = cell("RESERVES_NOTES").strip() if "RESERVES_NOTES" in cols else ""
                reserves.append(
                    {
                        "mineral": mineral,
                        "country": country,
                        "source_id": sid,
                        "value": value,
                        "unit": unit if unit != "%" else "t",
                        "qualifier": qualifier,
                        "confidence": "confirmed",
                        "note": rnotes,
                    }
                )
    if skipped:
        logger.info("%s: %d rows of other commodities skipped", path.name, skipped)
    prod = pd.DataFrame(production, columns=PRODUCTION_COLUMNS)
    prod = prod.drop_duplicates(["mineral", "stage", "country", "year", "source_id"], keep="first")
    prod = complete_other_rows(prod)
    res = pd.DataFrame(reserves, columns=RESERVES_COLUMNS)
    res = res.drop_duplicates(["mineral", "country", "source_id"], keep="first")
    return {
        "production": prod[PRODUCTION_COLUMNS].reset_index(drop=True),
        "reserves": res[RESERVES_COLUMNS].reset_index(drop=True),
    }


# --- importer ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What :func:`import_release` changed.

    Attributes
    ----------
    path : Path
        The release file read.
    kind : str
        ``"iea"`` or ``"usgs"``.
    source_id : str
        Source id of the imported rows.
    rows_added, rows_replaced : dict of str -> int
        Per table: rows written from the release / rows of the same source removed.
    files_written : list of str
        CSV files replaced in the data folder.
    source_added : bool
        Whether a new row was appended to ``sources.csv``.
    """

    path: Path
    kind: str
    source_id: str
    rows_added: dict[str, int] = field(default_factory=dict)
    rows_replaced: dict[str, int] = field(default_factory=dict)
    files_written: list[str] = field(default_factory=list)
    source_added: bool = False

    def summary(self) -> str:
        """One human line per table."""
        lines = [f"imported {self.path.name} ({self.kind}) as {self.source_id}"]
        for t in sorted(self.rows_added):
            lines.append(
                f"  {t}.csv: {self.rows_added[t]} rows written, "
                f"{self.rows_replaced.get(t, 0)} old rows of {self.source_id} replaced"
            )
        if self.source_added:
            lines.append(f"  sources.csv: added {self.source_id} (complete its locator/url)")
        return "\n".join(lines)


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return format(float(v), ".10g")
    return str(v)


def _source_row(kind: str, sid: str, path: Path) -> dict[str, str]:
    year = re.search(r"(\d{4})$", sid)
    if kind == "iea":
        return {
            "source_id": sid,
            "publisher": "International Energy Agency",
            "title": "Critical Minerals Dataset (Critical Minerals Data Explorer)",
            "year": year.group(1) if year else "",
            "locator": f"{path.name}: sheets 'Total demand', 'Total supply' (base case)",
            "url": "https://www.iea.org/data-and-statistics/data-tools/critical-minerals-data-explorer",
            "licence": "CC BY 4.0",
            "confidence": "confirmed",
            "note": "added by mineral-briefs data import",
        }
    return {
        "source_id": sid,
        "publisher": "U.S. Geological Survey",
        "title": "Mineral Commodity Summaries, World Data release",
        "year": year.group(1) if year else "",
        "locator": f"{path.name}: world mine production and reserves",
        "url": "https://www.usgs.gov/centers/national-minerals-information-center/mineral-commodity-summaries",
        "licence": "public domain (US Government work)",
        "confidence": "confirmed",
        "note": "added by mineral-briefs data import",
    }


def import_release(
    path: str | Path, kind: str | None = None, data_dir: str | Path | None = None
) -> ImportReport:
    """Validate an official release and write its rows into the data folder.

    Rows of the release's source id are replaced; every other source's rows are kept. The
    new tables are first written to a staging folder inside ``data_dir`` and validated with
    :func:`toolkit.data.load_dataset` (all tables, cross references); only then is each
    changed file moved into place with :func:`os.replace` (atomic per file).

    Parameters
    ----------
    path : str or Path
        IEA workbook (``.xlsx``) or USGS MCS world data CSV.
    kind : {"iea", "usgs"}, optional
        Default: by extension (``.xlsx`` → iea, ``.csv`` → usgs).
    data_dir : str or Path, optional
        Folder to update; default :func:`toolkit.data.default_data_dir`.

    Returns
    -------
    ImportReport

    Raises
    ------
    DataError
        Unreadable release, unknown kind, or a result that would not validate (nothing is
        written then).
    """
    from toolkit.data import clear_cache, default_data_dir, load_dataset

    path = Path(path)
    if not path.is_file():
        raise DataError(f"release file {path} does not exist")
    if kind is None:
        kind = {".xlsx": "iea", ".csv": "usgs"}.get(path.suffix.lower())
        if kind is None:
            raise DataError(f"{path.name}: cannot tell the release kind; pass kind='iea'|'usgs'")
    if kind not in ("iea", "usgs"):
        raise DataError(f"unknown release kind {kind!r}: allowed 'iea', 'usgs'")
    folder = Path(data_dir).resolve() if data_dir else default_data_dir()
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")

    frames = read_iea_cmd_workbook(path) if kind == "iea" else read_usgs_mcs_csv(path)
    sid = str(next(iter(frames.values()))["source_id"].iloc[0])
    report = ImportReport(path=path, kind=kind, source_id=sid)

    new_tables: dict[str, pd.DataFrame] = {}
    for table, fresh in frames.items():
        spec = TABLES[table]
        target = folder / spec.file
        old = (
            pd.read_csv(target, dtype=str, keep_default_na=False)
            if target.is_file()
            else pd.DataFrame(columns=spec.column_names)
        )
        keep = old.loc[old["source_id"] != sid] if "source_id" in old.columns else old
        report.rows_replaced[table] = len(old) - len(keep)
        report.rows_added[table] = len(fresh)
        fresh_txt = fresh[spec.column_names].map(_fmt)
        new_tables[table] = pd.concat([keep, fresh_txt], ignore_index=True)[spec.column_names]

    sources_path = folder / "sources.csv"
    sources = (
        pd.read_csv(sources_path, dtype=str, keep_default_na=False)
        if sources_path.is_file()
        else pd.DataFrame(columns=TABLES["sources"].column_names)
    )
    if sid not in set(sources.get("source_id", [])):
        sources = pd.concat(
            [sources, pd.DataFrame([_source_row(kind, sid, path)])], ignore_index=True
        )
        new_tables["sources"] = sources
        report.source_added = True

    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=folder))
    try:
        for f in folder.glob("*.csv"):
            shutil.copy2(f, staging / f.name)
        for table, df in new_tables.items():
            df.to_csv(staging / TABLES[table].file, index=False, lineterminator="\n")
        load_dataset(staging)  # raises DataError listing every problem; nothing moved yet
        for table in new_tables:
            name = TABLES[table].file
            os.replace(staging / name, folder / name)
            report.files_written.append(name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        clear_cache()
    logger.info("%s", report.summary())
    return report
