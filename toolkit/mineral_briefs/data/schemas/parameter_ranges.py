"""What values a model parameter may take, by its name (``data/model_parameters.csv``).

The unit of a parameter follows from its name (:data:`~.row_checks.PARAMETER_UNITS`); so does
its range: a share lies between 0 and 1, a demand elasticity is not positive, a switch is 0 or
1. A value outside it is refused with the file, the row, the column and what is allowed, before
any model runs (a release share of 7 used to run and print prices of ×3 for a scenario that
peaks at ×2.2).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd

from mineral_briefs.vocab import STAGES


class Range(NamedTuple):
    """Allowed values of the parameters whose name matches ``pattern``."""

    pattern: re.Pattern[str]
    low: float
    high: float
    low_open: bool
    """True: ``low`` itself is not allowed (``value > low``)."""
    what: str
    """What the parameter is, as the error message says it."""


_STAGE = f"(?:_(?:{'|'.join(STAGES)}))?"
"""A parameter may be set per stage (``name_<stage>``, read first by the engine)."""


def _r(pattern: str, low: float, high: float, what: str, *, low_open: bool = False) -> Range:
    return Range(re.compile(f"(?:{pattern}){_STAGE}"), low, high, low_open, what)


INF = math.inf

PARAMETER_RANGES: tuple[Range, ...] = (
    _r(r"elasticity_demand_(?:sr|lr)", -INF, 0.0, "a demand elasticity, at most 0"),
    _r(r"elasticity_supply_(?:sr|lr)", 0.0, INF, "a supply elasticity, at least 0"),
    _r(r"holders_[a-z_]+", 0.0, 1.0, "a switch, 0 (off) or 1 (on)"),
    _r(
        r"(?:[a-z_]*_share|demand_share_[A-Z0-9]+|china_quota_cut_max|china_price_band_low"
        r"|downstream_dependence|inventory_kept_gap)",
        0.0,
        1.0,
        "a share, between 0 and 1",
    ),
    # NOTE: time constants the model divides by (partial adjustment, exits and restarts along
    # the cost curve, the speculators' smoothing): 0 crashed a run with ZeroDivisionError
    _r(
        r"(?:adjustment|curve_exit|curve_restart|speculative_smoothing)_months",
        0.0,
        INF,
        "a time constant in months, above 0",
        low_open=True,
    ),
    _r(r"[a-z_]*_months", 0.0, INF, "a number of months, at least 0"),
    _r(r"[a-z_]*_t_per_year", 0.0, INF, "a tonnage a year, at least 0"),
    _r(r"recipe_[a-z]+_kg_per_t_magnet", 0.0, 1000.0, "kg per t of magnet, 0 to 1,000"),
    _r(r"capacity_headroom_(?:sr|lr)", 1.0, INF, "a capacity limit on output, at least 1"),
    _r(r"choke_price_multiple", 1.0, INF, "a price guard, above 1 (the base price)", low_open=True),
    _r(
        r"demand_destruction_multiple",
        1.0,
        INF,
        "a threshold price, at least 1 (the base price)",
    ),
    _r(
        r"[a-z_]*_multiple|commercial_restock_below",
        0.0,
        INF,
        "a price multiple, above 0",
        low_open=True,
    ),
    _r(r"stockpile_conversion_yield", 0.0, INF, "a yield, above 0", low_open=True),
    _r(r"recovery_[a-z]+_tolerance", 0.0, INF, "a tolerance, at least 0"),
    _r(r"demand_growth_exponent|licensing_[a-z]+_factor", 0.0, INF, "a factor, at least 0"),
    _r(
        r"elasticity_demand_lr_assumed_scale",
        0.0,
        INF,
        "a factor on the assumed long-run demand elasticities, above 0",
        low_open=True,
    ),
    _r(r"speculative_trend", 0.0, INF, "a monthly price trend, above 0", low_open=True),
)
"""Allowed values by parameter name; the first full match decides. Names no pattern matches are
not range-checked (their unit is still checked)."""


def parameter_range(name: str) -> Range | None:
    """The :class:`Range` of parameter ``name``, None if no pattern matches it."""
    for r in PARAMETER_RANGES:
        if r.pattern.fullmatch(name):
            return r
    return None


def _bounds(r: Range) -> str:
    lo = "" if r.low == -INF else (f"> {r.low:g}" if r.low_open else f">= {r.low:g}")
    hi = "" if r.high == INF else f"<= {r.high:g}"
    return " and ".join(x for x in (lo, hi) if x)


def check_parameter_ranges(df: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    """Each model parameter's value (and its ``low``/``high``) lies in the range its name
    implies (:data:`PARAMETER_RANGES`)."""
    for i, name in enumerate(df["parameter"]):
        r = parameter_range(name) if isinstance(name, str) else None
        if r is None:
            continue
        for col in ("value", "low", "high"):
            v = df[col].iat[i] if col in df else None
            if v is None or pd.isna(v):
                continue
            v = float(v)
            bad = v > r.high or v < r.low or (r.low_open and v == r.low)
            if r.what.startswith("a switch") and v not in (0.0, 1.0):
                bad = True
            if bad:
                allowed = "0 or 1" if r.what.startswith("a switch") else _bounds(r)
                yield (
                    i,
                    col,
                    f"{v:g} is not allowed for parameter '{name}': it is {r.what} "
                    f"(allowed: {allowed})",
                )
