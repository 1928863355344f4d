"""Checks across the columns of one row (shares <= 100 %, price units, period order, ...).

Each check takes the typed table and yields ``(row index 0-based, column, message)`` for every
row it rejects; :func:`mineral_briefs.data.schemas.validate_table` runs the checks a table lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mineral_briefs.data.schemas.values import PRICE_UNITS
from mineral_briefs.errors import excerpt
from mineral_briefs.vocab import STAGES


def _flagged(bad: pd.Series) -> np.ndarray:
    """Positions where a check failed; a comparison with a missing cell (``pd.NA``) is not a
    failure of this check (the missing cell is reported by the column checks)."""
    return np.flatnonzero(bad.fillna(False).to_numpy(dtype=bool))


def check_shares(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Rows in ``%`` must lie in 0–100."""
    bad = (df["unit"] == "%") & (df["value"] > 100)
    for i in _flagged(bad):
        yield int(i), "value", f"a share in % must be <= 100 (got {df['value'].iat[i]:g})"


def check_magnets_stage(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Stage ``magnets`` exists for magnet REEs only; ``technology`` carries no flows."""
    bad = ((df["stage"] == "magnets") & (df["mineral"] != "magnet_rees")) | (
        df["stage"] == "technology"
    )
    for i in _flagged(bad):
        yield (
            int(i),
            "stage",
            (
                f"stage '{df['stage'].iat[i]}' is not allowed for mineral "
                f"'{df['mineral'].iat[i]}' in production (magnets: magnet_rees only; "
                "technology: export controls only)"
            ),
        )


def check_usd_per_kg(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """``usd_per_kg`` must equal ``value`` converted from ``unit`` (within 1 %)."""
    factor = df["unit"].map(PRICE_UNITS)
    expected = df["value"] * factor.astype(float)
    rel = (df["usd_per_kg"] - expected).abs() / expected
    bad = factor.notna() & (rel > 0.01)
    for i in _flagged(bad):
        yield (
            int(i),
            "usd_per_kg",
            (
                f"does not match value {df['value'].iat[i]:g} {df['unit'].iat[i]} "
                f"(expected {expected.iat[i]:.4g}, got {df['usd_per_kg'].iat[i]:g})"
            ),
        )


def check_period_order(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    bad = df["period_end"] < df["period_start"]
    for i in _flagged(bad):
        yield int(i), "period_end", "must not be before period_start"


def check_multiple_order(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    bad = (df["multiple_high"] < df["multiple_low"]) | (df["target_year"] <= df["base_year"])
    for i in _flagged(bad):
        yield (
            int(i),
            "multiple_high",
            ("multiple_high must be >= multiple_low and target_year > base_year"),
        )


def check_low_high(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """A range is ordered (``low`` <= ``high``) and holds its central ``value``."""
    low, high, value = df["low"], df["high"], df["value"]
    unordered = low.notna() & high.notna() & (low > high)
    for i in _flagged(unordered):
        yield (
            int(i),
            "low",
            (
                f"low {low.iat[i]:g} is above high {high.iat[i]:g} (value {value.iat[i]:g}): "
                "a range must have low <= value <= high"
            ),
        )
    outside = ~unordered & ((low.notna() & (low > value)) | (high.notna() & (high < value)))
    for i in _flagged(outside):
        lo = "-" if pd.isna(low.iat[i]) else f"{low.iat[i]:g}"
        hi = "-" if pd.isna(high.iat[i]) else f"{high.iat[i]:g}"
        yield (
            int(i),
            "value",
            f"{value.iat[i]:g} must lie between low {lo} and high {hi} (low <= value <= high)",
        )


def check_factor_positive(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """A conversion factor is a mass ratio: strictly positive and finite."""
    f = df["factor"]
    bad = f.notna() & ~((f > 0) & np.isfinite(f))
    for i in _flagged(bad):
        yield int(i), "factor", f"must be > 0 (a mass ratio; got {f.iat[i]:g})"


def check_conversion_ends(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """``from_basis`` and ``to_basis`` differ (a self-loop would hide a missing conversion)."""
    bad = df["from_basis"] == df["to_basis"]
    for i in _flagged(bad):
        yield int(i), "to_basis", "must differ from from_basis"


OBSERVED_UNITS: dict[str, str] = {"Price": "USD/kg", "Exports": "t/month"}
"""The unit each observed variable is written in (``observed.csv``)."""


def check_observed(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """An observed month is the first day of its month, in the unit of its variable."""
    not_first = df["month"].notna() & (pd.to_datetime(df["month"]).dt.day != 1)
    for i in _flagged(not_first):
        yield int(i), "month", "must be the first day of a month (YYYY-MM-01)"
    want = df["variable"].map(OBSERVED_UNITS)
    bad = want.notna() & (df["unit"] != want)
    for i in _flagged(bad):
        yield int(i), "unit", f"must be {want.iat[i]} for {df['variable'].iat[i]}"


def check_cost_range(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """A cash-cost range is ordered: ``cash_cost_low`` <= ``cash_cost_high``."""
    bad = df["cash_cost_low"].notna() & (df["cash_cost_low"] > df["cash_cost_high"])
    for i in _flagged(bad):
        yield (
            int(i),
            "cash_cost_high",
            (
                f"must be >= cash_cost_low ({df['cash_cost_low'].iat[i]:g}; "
                f"got {df['cash_cost_high'].iat[i]:g})"
            ),
        )


_STAGE_SUFFIX = f"(?:_(?:{'|'.join(STAGES)}))?"
PARAMETER_UNITS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(rf"_months{_STAGE_SUFFIX}"), "months", "months"),
    (re.compile(rf"_t_per_year{_STAGE_SUFFIX}"), r"t(?: [^/]+)?/yr", "t/yr or t <basis>/yr"),
    (re.compile(rf"_kg_per_t_(?P<per>[a-z]+){_STAGE_SUFFIX}"), r"kg/t {per}", "kg/t {per}"),
)
"""Unit of a model parameter by its name, as the house style names them (units in the name where
the type does not carry them): ``…_months`` in ``months``, ``…_t_per_year`` in ``t/yr`` or
``t <basis>/yr`` (``t Li/yr``), ``…_kg_per_t_<what>`` in ``kg/t <what>``, each optionally
followed by a stage (``_refining``); every other parameter (elasticities, shares, multiples,
factors) is dimensionless, unit ``1``. Each entry: (name pattern, unit pattern, unit as shown)."""


def parameter_unit(name: str) -> tuple[str, str]:
    """``(unit pattern, unit as shown)`` a parameter named ``name`` is written in."""
    for pattern, unit, shown in PARAMETER_UNITS:
        m = pattern.search(name)
        if m and m.end() == len(name):
            per = re.escape(m.groupdict().get("per") or "")
            return unit.format(per=per), shown.format(per=m.groupdict().get("per") or "")
    return "1", "1"


def check_parameter_units(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Each model parameter is in the unit its name implies (:data:`PARAMETER_UNITS`)."""
    for i, (name, unit) in enumerate(zip(df["parameter"], df["unit"], strict=True)):
        if not isinstance(name, str) or not isinstance(unit, str) or not unit:
            continue
        want, shown = parameter_unit(name)
        if not re.fullmatch(want, unit):
            kind = "dimensionless" if shown == "1" else f"in {shown}"
            yield (
                i,
                "unit",
                f"'{unit}' is not the unit of parameter '{name}': it is {kind} "
                f"(unit '{shown}'; the unit follows from the name's ending, "
                "see data/README.md)",
            )


_WEB_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#]\S*)?", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?")
"""A host name without a scheme (``fas.org``): some sources name only the site."""
_SCHEME = re.compile(r"(?:^|(?<=[\s;(]))([A-Za-z][A-Za-z0-9+.-]*):(?=[^\s\d])")
"""A URL scheme (``https:``, ``javascript:``) where an address starts (at the start, after a
space, ``;`` or ``(``); ``copy: …`` (a word, a colon, a space), a port (``host:8080``) and a colon
inside a path are not one."""


def check_url(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """A source's ``url`` holds web addresses: ``;``-separated items, each starting with
    ``http(s)://host…`` or a bare domain (``fas.org``) and maybe followed by a remark such as
    ``(copy: https://…)``; a scheme other than http or https anywhere in it is refused.

    # NOTE: the briefs show the URL as text, not as a link, so ``javascript:`` or ``file:``
    # could do no harm there; it is refused all the same, since the sources table is also read
    # by people and tools that do link it.
    """
    for i, url in enumerate(df["url"]):
        if not isinstance(url, str) or not url:
            continue
        schemes = {m.lower() for m in _SCHEME.findall(url)} - {"http", "https"}
        firsts = [(item.split() or [""])[0] for item in url.split(";")]
        if not schemes and all(_WEB_URL.fullmatch(w) or _BARE_DOMAIN.fullmatch(w) for w in firsts):
            continue
        yield (
            i,
            "url",
            f"{excerpt(url)} is not a web address: write http://… or https://… (or a bare "
            "domain such as fas.org; several separated by ';'); other schemes (javascript:, "
            "file:, data:, …) are refused",
        )
