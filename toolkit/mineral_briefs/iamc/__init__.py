"""The one IAMC contract every CSV/XLSX of the project follows (docs/architecture.md, IAMC).

Data tables are IAMC long (``model, scenario, region, variable, unit, time|year, value``) or
wide (one column per year); each comes with a ``meta`` table in pyam's layout (one row per
model/scenario, one column per indicator). Monthly times carry their timezone
(``2026-01-01 00:00:00+00:00``, UTC). The annual view aggregates calendar years by unit
(:data:`ANNUAL_RULES`) and says how many modelled months each year holds
(``Months Covered``, region ``World``), so partial first/last years are never mistaken for
full ones. The codelist of variables and regions ships in nomenclature's format in
``definitions/`` next to this module (:func:`definitions_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

import pandas as pd

INDEX: Final[list[str]] = ["model", "scenario", "region", "variable", "unit"]
"""IAMC index columns (without the time column)."""
TIME_SUFFIX: Final[str] = " 00:00:00+00:00"
"""Monthly results are dated the first of the month, midnight UTC (explicit offset)."""
MONTHS_COVERED: Final[str] = "Months Covered"
"""Annual-view variable: modelled months in the calendar year (12 = complete year)."""

ANNUAL_RULES: Final[dict[str, tuple[str, str]]] = {
    "USD/kg": ("mean", "USD/kg"),
    "": ("mean", ""),
    "t/yr": ("mean", "t/yr"),
    "t": ("last", "t"),
    "USD/month": ("sum", "USD/yr"),
}
"""Monthly unit -> (calendar-year aggregation, annual unit).

# NOTE: prices and multiples are averaged; flows are annualised monthly rates [t/yr], so their
# mean over a complete year is the year's tonnage; stocks [t] are the end-of-year level (the
# last modelled month of a partial year); money per month [USD/month] is summed to the year
# [USD/yr]. In a partial year the sum covers only its modelled months (``Months Covered``).
"""


def _derived_rows(ts: pd.DataFrame) -> pd.DataFrame:
    """Rows computed from others: ``Shortfall`` of region ``Outside China`` (Alliance + Rest of
    World).

    # NOTE: no ``World`` price or shortfall: the model has three prices (China, Alliance, Rest
    # of World; one world price only in unified months) and defines shortfall on the outside
    # market only (methodology §10); China's unmet demand is not modelled, so a ``World``
    # total would understate it. ``Outside China`` is the total the KPIs quote.
    """
    sf = ts.loc[
        ts["variable"].str.startswith("Shortfall|")
        & ts["region"].isin(["Alliance", "Rest of World"])
    ]
    if sf.empty:
        return ts.iloc[0:0]
    keys = ["model", "scenario", "variable", "unit", "time"]
    tot = sf.groupby(keys, as_index=False, sort=False)["value"].sum()
    tot["region"] = "Outside China"
    return tot[ts.columns]


def monthly(ts: pd.DataFrame) -> pd.DataFrame:
    """The IAMC long table of a run's monthly timeseries, times with timezone.

    Parameters
    ----------
    ts : DataFrame
        ``Results.timeseries`` (``time`` = ``YYYY-MM-01``).

    Returns
    -------
    DataFrame
        ``model, scenario, region, variable, unit, time, value``; ``time`` =
        ``YYYY-MM-01 00:00:00+00:00``; the derived ``Outside China`` shortfall added.
    """
    out = pd.concat([ts, _derived_rows(ts)], ignore_index=True)
    out["time"] = out["time"].astype(str) + TIME_SUFFIX
    return out[[*INDEX, "time", "value"]]


def annual(ts: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year aggregates (:data:`ANNUAL_RULES`) with ``Months Covered`` per year.

    Returns
    -------
    DataFrame
        ``model, scenario, region, variable, unit, year, value`` (``year`` int).

    Raises
    ------
    ValueError
        For a unit without an aggregation rule (add it to :data:`ANNUAL_RULES`).
    """
    df = pd.concat([ts, _derived_rows(ts)], ignore_index=True)
    unknown = sorted(set(df["unit"].unique()) - set(ANNUAL_RULES))
    if unknown:
        raise ValueError(f"no annual aggregation for unit(s) {unknown}; allowed: {ANNUAL_RULES}")
    # NOTE: ISO times ("2026-01-01", "2026-01-01 00:00:00+00:00"): the year is the first four
    # characters; parsing 10^5 dates to read it cost most of this function.
    df["year"] = df["time"].astype(str).str.slice(0, 4).astype(int)
    df = df.sort_values("time", kind="stable")
    parts = []
    for unit, (how, annual_unit) in ANNUAL_RULES.items():
        sel = df.loc[df["unit"] == unit]
        if sel.empty:
            continue
        agg = sel.groupby([*INDEX, "year"], as_index=False, sort=False)["value"].agg(how)
        agg["unit"] = annual_unit
        parts.append(agg)
    months = df.groupby(["model", "scenario", "year"], as_index=False)["time"].nunique()
    months = months.rename(columns={"time": "value"})
    months["region"], months["variable"], months["unit"] = "World", MONTHS_COVERED, "month"
    parts.append(months)
    out = pd.concat(parts, ignore_index=True)[[*INDEX, "year", "value"]]
    out["value"] = out["value"].astype(float)
    return out.sort_values([*INDEX, "year"], kind="stable").reset_index(drop=True)


def wide(long: pd.DataFrame) -> pd.DataFrame:
    """IAMC wide table (one column per year or time) of a long table from :func:`annual` or
    :func:`monthly`."""
    col = "year" if "year" in long else "time"
    out = long.pivot_table(index=INDEX, columns=col, values="value", aggfunc="first", sort=True)
    out.columns = [str(c) for c in out.columns]
    return out.reset_index()


def full_years(annual_long: pd.DataFrame) -> tuple[int | None, int | None]:
    """(first, last) calendar year with 12 modelled months, or None when there is none."""
    m = annual_long.loc[annual_long["variable"] == MONTHS_COVERED]
    years = sorted(int(y) for y in m.loc[m["value"] >= 12, "year"].unique())
    return (years[0], years[-1]) if years else (None, None)


def meta_frame(model: str, scenario: str, fields: Mapping[str, Any]) -> pd.DataFrame:
    """pyam's ``meta`` layout: one row for ``(model, scenario)``, one column per indicator."""
    return pd.DataFrame([{"model": model, "scenario": scenario, **dict(fields)}])


def definitions_dir() -> Path:
    """The shipped nomenclature definitions (``definitions/variable``, ``definitions/region``;
    ``nomenclature.yaml`` in the parent) as a file-system path.

    Pass it to ``nomenclature.DataStructureDefinition``. Raises ``FileNotFoundError`` when the
    package was installed without its data (a zip import).
    """
    path = Path(str(resources.files("mineral_briefs.iamc") / "definitions"))
    if not path.is_dir():
        raise FileNotFoundError(f"nomenclature definitions not found at {path}")
    return path
