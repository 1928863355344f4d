"""Checks across rows and tables: what no single cell shows wrong.

* years: a reported or estimated figure is not for a year after its source was published, and
  a projection not beyond :data:`PROJECTION_HORIZON`;
* production markets: one unit per series (no conversion is assumed), a ``World`` and an
  ``Other`` row per group, and countries + ``Other`` = ``World`` within the source's rounding
  (a shortfall names the major producer that has no row for the year);
* ``price_defaults.csv`` names a price series that ``prices.csv`` holds.

Each check reads the typed frames of :func:`mineral_briefs.data.load_dataset` and returns
:class:`Problem` s; rows that already have a problem of their own are left out (their problem
is reported once, at the cell), and a table that could not be read is not checked against.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Final, NamedTuple

import numpy as np
import pandas as pd

from mineral_briefs.data.countries import COUNTRY_IDS
from mineral_briefs.data.schemas.contract import Problem, split_multi
from mineral_briefs.vocab import STAGES

PROJECTION_HORIZON: Final[int] = 2050
"""Last year a projection or outlook row may hold [a]: the horizon of the outlooks the data
quotes (IEA CMD 2025 and GCMO 2024 to 2050, World Bank 2020 to 2050)."""

TOTALS_REL_TOL: Final[float] = 0.02
"""Allowed gap between countries + ``Other`` and ``World`` [-]: USGS rounds world totals to
2–3 significant figures, so a block may miss its total by up to ~2 % (the shipped data: at most
1.9 % outside the blocks below)."""

TOTALS_REL_TOL_AS_PUBLISHED: Final[float] = 0.035
"""Allowed gap [-] for a block whose ``World`` row says in ``note`` that its parts do not add up
*as published* (IEA nickel 2024/2030: countries + rest of world exceed the total by 2.6–3.2 %)."""

MAJOR_PRODUCER_SHARE: Final[float] = 0.05
"""Share of World [-] from which a country counts as a major producer of a series. When a group's
countries + ``Other`` fall short of ``World`` and such a country has rows in other years of the
series but none in this one (a dropped or mis-yeared row), the problem names it. A producer that
is merely absent while the total still adds up is fine: sources withhold figures and leave them
out of the total too (USGS "W": US antimony 2025; the GCMO 2023 magnet-REE block omits
Australia)."""

_Label = Callable[[str], str]
"""Table name -> how problems name its file (``data/production.csv``)."""


def cross_check(
    frames: Mapping[str, pd.DataFrame],
    label: _Label,
    unusable: set[str],
    bad_rows: Mapping[str, set[int]],
    known_parameters: frozenset[str] | None = None,
) -> list[Problem]:
    """Every cross-row and cross-table problem of a data folder.

    Parameters
    ----------
    frames : mapping of table name -> DataFrame
        The typed tables (:func:`~mineral_briefs.data.schemas.validate_table`).
    label : callable
        Table name -> file label used in problems.
    unusable : set of str
        Tables that could not be read as a whole; nothing is checked against them.
    bad_rows : mapping of table name -> set of int
        0-based rows that already have a problem; they are left out of these checks.
    known_parameters : frozenset of str, optional
        Parameter names the engine reads (those of the ``model_parameters.csv`` this version
        ships); a row naming another is reported with a did-you-mean. ``None``: not checked
        (the shipped folder itself).
    """
    problems: list[Problem] = []
    if "sources" not in unusable:
        years = _publication_years(frames["sources"], bad_rows.get("sources", set()))
        late = _years_after_publication(frames, label, unusable, bad_rows, years)
        problems += late
        # a row with a wrong year is a bad row for the checks below, like any other
        bad_rows = {name: set(rows) for name, rows in bad_rows.items()}
        prod_file = label("production")
        bad_rows.setdefault("production", set()).update(
            p.row - 1 for p in late if p.file == prod_file and p.row is not None
        )
    if "production" not in unusable:
        problems += _production_markets(
            frames["production"], label("production"), bad_rows.get("production", set())
        )
    if not {"prices", "price_defaults"} & unusable:
        problems += _price_defaults_in_prices(
            frames["price_defaults"],
            frames["prices"],
            label("price_defaults"),
            label("prices"),
            bad_rows.get("price_defaults", set()),
        )
    if known_parameters is not None and "model_parameters" not in unusable:
        problems += _unknown_parameters(
            frames["model_parameters"],
            label("model_parameters"),
            known_parameters,
            bad_rows.get("model_parameters", set()),
        )
    return problems


def _good(frame: pd.DataFrame, bad: set[int]) -> pd.DataFrame:
    """The rows of ``frame`` without a problem of their own (index = 0-based row)."""
    return frame.loc[~frame.index.isin(list(bad))] if bad else frame


def _publication_years(sources: pd.DataFrame, bad: set[int]) -> dict[str, int]:
    good = _good(sources, bad)
    return {
        str(s): int(y)
        for s, y in zip(good["source_id"], good["year"], strict=True)
        if s is not None and not pd.isna(y)
    }


_OBSERVED_YEARS: Final[dict[str, tuple[str, str]]] = {
    # table -> (column holding the figure's year or date, what it is called in messages)
    "production": ("year", "year"),
    "import_reliance": ("year", "year"),
    "dependence": ("year", "year"),
    "cost_curves": ("year", "year"),
    "demand_multiples": ("base_year", "base year"),
    "prices": ("period_start", "period start"),
    "observed": ("month", "month"),
}
"""Columns that date a figure the source reports (not a projection): that year cannot be after
the year the source was published. ``demand.csv`` and ``demand_multiples.target_year`` are
outlooks (bounded by :data:`PROJECTION_HORIZON` in the table contract), ``policy_events.date``
may be a scheduled date."""


def _years_after_publication(
    frames: Mapping[str, pd.DataFrame],
    label: _Label,
    unusable: set[str],
    bad_rows: Mapping[str, set[int]],
    published: Mapping[str, int],
) -> list[Problem]:
    problems: list[Problem] = []
    for table, (column, what) in _OBSERVED_YEARS.items():
        if table in unusable:
            continue
        frame = _good(frames[table], bad_rows.get(table, set()))
        if frame.empty:
            continue
        when = frame[column]
        year = when.dt.year if column in ("period_start", "month") else when
        projection = (
            frame["status"] == "projection"
            if "status" in frame.columns
            else pd.Series(False, index=frame.index)
        )
        for i, y, sid, proj in zip(frame.index, year, frame["source_id"], projection, strict=True):
            if pd.isna(y) or sid is None or pd.isna(sid):
                continue
            y = int(y)
            if proj:
                if y > PROJECTION_HORIZON:
                    problems.append(
                        Problem(
                            label(table),
                            int(i) + 1,
                            column,
                            f"{what} {y} is beyond the projection horizon {PROJECTION_HORIZON}",
                        )
                    )
                continue
            pubs = [published[s] for s in split_multi(sid) if s in published]
            if pubs and y > max(pubs):
                status = (
                    f" (status '{frame.at[i, 'status']}': only a 'projection' row may be for "
                    "a later year)"
                    if "status" in frame.columns
                    else ""
                )
                problems.append(
                    Problem(
                        label(table),
                        int(i) + 1,
                        column,
                        f"{what} {y} is after {sid} was published ({max(pubs)}, sources.csv): "
                        f"a source cannot report a later year{status}",
                    )
                )
    return problems


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.6g} {unit}".replace(",", " ")


class _Row(NamedTuple):
    i: int
    """0-based row of production.csv."""
    year: int
    country: str
    value: float
    unit: str
    note: str


def _production_markets(production: pd.DataFrame, file: str, bad: set[int]) -> list[Problem]:
    """One unit per series; World and Other rows per group; countries + Other = World."""
    # NOTE: plain Python over ~700 rows: a pandas groupby per series and year took 0.7 s.
    series: dict[tuple[str, str, str], list[_Row]] = {}
    cols = ["mineral", "stage", "source_id", "year", "country", "value", "unit", "note"]
    for i, m, st, src, y, c, v, u, n in zip(
        production.index, *(production[k] for k in cols), strict=True
    ):
        if any(x is None or (isinstance(x, float) and pd.isna(x)) for x in (m, st, src, c)):
            continue
        if pd.isna(y):
            continue
        series.setdefault((str(m), str(st), str(src)), []).append(
            _Row(int(i), int(y), str(c), float(v), str(u), str(n or ""))
        )
    problems: list[Problem] = []
    suspect = set(bad)
    for (mineral, stage, source), rows in series.items():
        market = f"{mineral}/{stage}"
        good = [r for r in rows if r.i not in bad and r.unit and not pd.isna(r.value)]
        counts = Counter(r.unit for r in good)
        if len(counts) > 1:
            world_units = Counter(r.unit for r in good if r.country == "World")
            # NOTE: the unit of most rows is the market's; on a tie the World rows' unit decides.
            unit = min(counts, key=lambda u: (-counts[u], -world_units[u], u))
            for r in good:
                if r.unit != unit:
                    suspect.add(r.i)
                    problems.append(
                        Problem(
                            file,
                            r.i + 1,
                            "unit",
                            f"'{r.unit}' differs from '{unit}', the unit of the other "
                            f"{counts[unit]} rows of {market} ({source}; this row: {r.country} "
                            f"{r.year}, value {r.value:g}): write every row of a market in one "
                            "unit, no conversion is assumed",
                        )
                    )
        # NOTE: a row with a problem of its own still counts as present (its country is not
        # "missing" because its value is mistyped), but its group's total is not checked: the
        # one problem is reported at its cell, not again as a sum that does not add up.
        problems += _series_problems(rows, suspect, file, market, source)
    return problems


def _series_problems(
    rows: list[_Row], suspect: set[int], file: str, market: str, source: str
) -> list[Problem]:
    problems: list[Problem] = []
    by_year: dict[int, list[_Row]] = {}
    for r in rows:
        by_year.setdefault(r.year, []).append(r)
    world = {
        y: r.value
        for y, grp in by_year.items()
        for r in grp
        if r.country == "World" and r.i not in suspect
    }
    share: dict[str, dict[int, float]] = {}
    for r in rows:
        w = world.get(r.year)
        if r.country not in ("World", "Other") and r.i not in suspect and w and w > 0:
            share.setdefault(r.country, {})[r.year] = r.value / w
    for year in sorted(by_year):
        grp = by_year[year]
        if all(r.i in suspect for r in grp):
            continue  # its only rows have problems of their own (e.g. a mistyped year)
        countries = {r.country for r in grp}
        where = f"{market} {year} ({source})"
        w_row = next((r for r in grp if r.country == "World"), None)
        if w_row is None:
            problems.append(
                Problem(
                    file,
                    grp[0].i + 1,
                    "country",
                    f"{where} has no World row: every group needs one (its total), "
                    "and an Other row (the rest of the world)",
                )
            )
            continue
        if "Other" not in countries:
            problems.append(
                Problem(
                    file,
                    w_row.i + 1,
                    "country",
                    f"{where} has no Other row: add the rest of the world (World − listed "
                    "countries, noted 'derived' if the source does not print it)",
                )
            )
            continue
        if any(r.i in suspect for r in grp):
            continue
        bad = _total_problem(grp, w_row, share, where, year, file)
        if bad is not None:
            problems.append(bad)
    return problems


def _total_problem(
    grp: list[_Row],
    w_row: _Row,
    share: dict[str, dict[int, float]],
    where: str,
    year: int,
    file: str,
) -> Problem | None:
    """The problem of one year's group whose countries + Other do not add up to World (within
    the tolerance), naming a major producer missing for the year if there is one; else None."""
    present = {r.country for r in grp}
    total = w_row.value
    parts = sum(r.value for r in grp if r.country != "World")
    as_published = "as published" in w_row.note
    tol = TOTALS_REL_TOL_AS_PUBLISHED if as_published else TOTALS_REL_TOL
    gap = (parts - total) / total if total > 0 else (np.inf if parts > 0 else 0.0)
    if abs(gap) <= tol:
        # NOTE: a producer may lack a year when the source withholds it and its total
        # leaves it out too (USGS "W"); only a total that no longer adds up is wrong.
        return None
    rel = f"{gap:+.1%}" if np.isfinite(gap) else "World is 0"
    allowed = f"allowed ±{tol:.1%}" + (
        ", the block is noted 'as published'" if as_published else ", rounding"
    )
    missing = sorted(
        (c, years)
        for c, years in share.items()
        if c not in present and max(years.values()) >= MAJOR_PRODUCER_SHARE
    )
    why = "a figure or a unit is wrong"
    if missing and gap < 0:
        why = "; ".join(
            f"{c}, a major producer of this series "
            f"({max(years.values()):.0%} of World in {max(years, key=lambda y: years[y])}; "
            f"rows for {', '.join(map(str, sorted(years)))}), has no {year} row"
            for c, years in missing
        )
    return Problem(
        file,
        w_row.i + 1,
        "value",
        f"{where}: countries + Other add up to {_fmt(parts, w_row.unit)} but World is "
        f"{_fmt(total, w_row.unit)} ({rel}; {allowed}): {why}",
    )


def _price_defaults_in_prices(
    defaults: pd.DataFrame, prices: pd.DataFrame, file: str, prices_file: str, bad: set[int]
) -> list[Problem]:
    """Each default names a series (mineral, product, market, source_id) of prices.csv."""
    problems: list[Problem] = []
    series = set(
        zip(
            prices["mineral"], prices["product"], prices["market"], prices["source_id"], strict=True
        )
    )
    for i, r in _good(defaults, bad).iterrows():
        key = (r["mineral"], r["product"], r["market"], r["source_id"])
        if key in series:
            continue
        mine = prices.loc[prices["mineral"] == r["mineral"]]
        if r["product"] not in set(mine["product"]):
            column, value, options = "product", r["product"], mine["product"]
        elif r["market"] not in set(mine.loc[mine["product"] == r["product"], "market"]):
            column, value = "market", r["market"]
            options = mine.loc[mine["product"] == r["product"], "market"]
        else:
            column, value = "source_id", r["source_id"]
            options = mine.loc[
                (mine["product"] == r["product"]) & (mine["market"] == r["market"]), "source_id"
            ]
        problems.append(
            Problem(
                file,
                int(i) + 1,  # type: ignore[call-overload]
                column,
                f"{r['mineral']}/{r['stage']} names no price series of {prices_file}: "
                f"{column} '{value}' ({_choices(str(value), options)})",
            )
        )
    return problems


def _unknown_parameters(
    table: pd.DataFrame, file: str, known: frozenset[str], bad: set[int]
) -> list[Problem]:
    """Parameter names the engine does not read (a typo leaves the real name without a row)."""
    stages = "|".join(STAGES)
    problems: list[Problem] = []
    for i, name in zip(table.index, table["parameter"], strict=True):
        if int(i) in bad or not isinstance(name, str) or name in known:
            continue
        base = re.sub(rf"_(?:{stages})$", "", name)
        country = name.removeprefix("demand_share_")
        # NOTE: a stage variant of a known parameter (`name_refining`) and a demand share of
        # any country are read by the engine (engine.params._Params.get, _demand_share_of).
        if base in known or (name.startswith("demand_share_") and country in COUNTRY_IDS):
            continue
        match = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean '{match[0]}'?" if match else ""
        problems.append(
            Problem(
                file,
                int(i) + 1,
                "parameter",
                f"unknown parameter '{name}': the model reads no parameter by this name"
                f"{hint} (known: the parameters of the model_parameters.csv this version "
                "ships, a stage variant `<name>_<stage>` of one, or demand_share_<ISO3>)",
            )
        )
    return problems


def _choices(value: str, options: Iterable[object]) -> str:
    opts = sorted({str(o) for o in options})
    if not opts:
        return "the mineral has no price rows there"
    match = difflib.get_close_matches(value, opts, n=1, cutoff=0.6)
    hint = f"did you mean '{match[0]}'? " if match else ""
    shown = ", ".join(f"'{o}'" for o in opts[:6]) + (", …" if len(opts) > 6 else "")
    return f"{hint}there: {shown}"


__all__ = [
    "MAJOR_PRODUCER_SHARE",
    "PROJECTION_HORIZON",
    "TOTALS_REL_TOL",
    "TOTALS_REL_TOL_AS_PUBLISHED",
    "cross_check",
]
