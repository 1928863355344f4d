"""Reader of the IEA *Critical Minerals Dataset* workbook (Critical Minerals Data Explorer).

GCMO 2025 edition layout: sheet "1 Total demand for key minerals" (blocks per mineral, columns
per scenario and year) and sheet "2 Total supply for key minerals" (two side-by-side blocks per
mineral: mining | refining, years 2024–2040).

References
----------
IEA (2025), Critical Minerals Data Explorer / Global Critical Minerals Outlook 2025, CC BY 4.0.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

import pandas as pd

from mineral_briefs.data.readers.common import DEMAND_COLUMNS, PRODUCTION_COLUMNS, _country_or_raise
from mineral_briefs.errors import DataError, excerpt

logger = logging.getLogger(__name__)

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
                raise DataError(f"{where}, row {year_row}: unknown scenario {excerpt(label)}")
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
                raise DataError(f"{where}, row {i}: value {excerpt(v)} is not a number")
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
                    raise DataError(
                        f"{where}, row {i}: block title {excerpt(label)} lacks ' - stage'"
                    )
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
                    raise DataError(
                        f"{where}, row {i}, column {c + 1}: {excerpt(v)} is not a number"
                    )
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
