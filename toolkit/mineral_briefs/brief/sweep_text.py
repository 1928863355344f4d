"""Sweep analysis: targets, the cheapest point meeting one, and thresholds in words.

All of it reads the sweep's ``meta`` table (:mod:`mineral_briefs.sweep.output`): one row per
grid point with the lever values (a column per key path) and the focal market's KPIs.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.errors import ScenarioError

OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*([a-z_0-9]+)\s*(<=|>=|<|>)\s*(-?[0-9.]+(?:e-?\d+)?)\s*$")

SHARE_FIELDS: Final[frozenset[str]] = frozenset({"share_withheld", "leakage", "share"})
"""Lever fields given as a share 0–1 (shown as a percentage)."""


@dataclass(frozen=True)
class Condition:
    """``kpi op value``, e.g. ``cumulative_shortfall_pct <= 5`` (value in the KPI's unit)."""

    kpi: str
    op: str
    value: float

    def holds(self, values: pd.Series) -> pd.Series:
        """Where the condition holds (NaN never holds)."""
        return OPS[self.op](values, self.value) & values.notna()

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


def parse_condition(text: str, allowed: Sequence[str], what: str = "--target") -> Condition:
    """Parse ``"kpi<=5"``.

    Raises
    ------
    ScenarioError
        Naming the argument, the KPIs allowed and the operators.
    """
    m = _CONDITION.match(text or "")
    if m is None:
        raise ScenarioError(
            f"{what} {text!r}: expected KPI OP NUMBER, e.g. 'cumulative_shortfall_pct<=5'; "
            f"operators: {', '.join(OPS)}"
        )
    kpi, op, value = m.group(1), m.group(2), float(m.group(3))
    if kpi not in allowed:
        raise ScenarioError(f"{what} {text!r}: unknown KPI {kpi!r}; allowed: {', '.join(allowed)}")
    return Condition(kpi, op, value)


def cheapest(meta: pd.DataFrame, target: Condition, cost: str = "cost_usd") -> pd.Series | None:
    """The grid point meeting ``target`` at the lowest ``cost`` (ties: the first point)."""
    ok = meta.loc[target.holds(meta[target.kpi])]
    if ok.empty:
        return None
    return ok.sort_values([cost, "point"], kind="stable").iloc[0]


def field_of(path: str) -> str:
    """Last field name of a key path (``a[0].share_withheld`` -> ``share_withheld``)."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def fmt_lever(path: str, value: Any, language: str) -> str:
    """A lever value as printed: shares in %, days with their unit, else the number."""
    name = field_of(path)
    if isinstance(value, str):
        return value
    v = float(value)
    if name in SHARE_FIELDS:
        return i18n.fmt_pct(v * 100.0, language)
    text = i18n.fmt_number(v, language, 0 if v.is_integer() else i18n.auto_decimals(v))
    if name.endswith("_days"):
        return i18n.t("sweep.days", language, n=text)
    if name.endswith("_months"):
        return i18n.t("sweep.months", language, n=text)
    return text


def lever_label(path: str, language: str) -> str:
    """Words for a lever (catalogue ``sweep.lever.<field>``, else the key path)."""
    key = f"sweep.lever.{field_of(path)}"
    return i18n.t(key, language) if i18n.has(key, language) else path


def fmt_kpi(kpi: str, value: float, language: str) -> str:
    """A KPI value in its unit (threshold sentences and tables)."""
    if not math.isfinite(value):
        return "–"
    if kpi.endswith("_pct"):
        return i18n.fmt_pct(value, language, 0 if float(value).is_integer() else 1)
    if kpi.startswith(("peak_price_multiple", "min_price_multiple")):
        return i18n.fmt_multiple(value, language)
    if kpi.endswith("_usd") or kpi == "cost_usd":
        return i18n.fmt_money(value, language)
    if kpi in ("alliance_self_sufficiency",):
        return i18n.fmt_pct(value * 100.0, language)
    return i18n.fmt_number(value, language, i18n.auto_decimals(value))


def _region(xs: Sequence[Any], held: Sequence[bool]) -> tuple[str, Any]:
    """Shape of the set of x where the condition holds: all, none, from, upto, or some."""
    if all(held):
        return ("all", None)
    if not any(held):
        return ("none", None)
    first = held.index(True)
    if all(held[first:]):
        return ("from", xs[first])
    last = len(held) - 1 - held[::-1].index(True)
    if all(held[: last + 1]):
        return ("upto", xs[last])
    return ("some", tuple(x for x, h in zip(xs, held, strict=True) if h))


def thresholds(
    meta: pd.DataFrame, paths: Sequence[str], cond: Condition, language: str
) -> list[str]:
    """Sentences saying where ``cond`` holds over the grid, computed from the points.

    The first key path is read along its values (``once more than 55 % is withheld``), the
    second (if any) groups them (``with a delay of 45 days or more``); further axes are held
    at the values of the first row per group. Example (en): "The shortfall exceeds 10 % once
    55 % or more is withheld, with a licensing delay of 45 days or more."
    """
    x = paths[0]
    ys = sorted(meta[paths[1]].unique()) if len(paths) > 1 else [None]
    shapes: list[tuple[str, Any]] = []
    for y in ys:
        sub = meta if y is None else meta.loc[meta[paths[1]] == y]
        sub = sub.groupby(x, sort=True)[cond.kpi].max() if len(paths) > 2 else sub.set_index(x)
        series = sub if isinstance(sub, pd.Series) else sub[cond.kpi]
        series = series.sort_index()
        held = [bool(v) for v in cond.holds(series)]
        shapes.append(_region(list(series.index), held))
    groups: list[tuple[tuple[str, Any], list[Any]]] = []
    for y, shape in zip(ys, shapes, strict=True):
        if groups and groups[-1][0] == shape:
            groups[-1][1].append(y)
        else:
            groups.append((shape, [y]))
    return [_sentence(shape, g, ys, x, paths, cond, language) for shape, g in groups]


def _sentence(
    shape: tuple[str, Any],
    group: list[Any],
    ys: list[Any],
    x: str,
    paths: Sequence[str],
    cond: Condition,
    language: str,
) -> str:
    kind, at = shape
    t = i18n.t
    subject = t("sweep.subject", language, kpi=t(f"kpi.{cond.kpi}", language))
    verb = t(f"sweep.op.{cond.op}", language, value=fmt_kpi(cond.kpi, cond.value, language))
    lever = lever_label(x, language)
    if kind == "some":
        at_text = ", ".join(fmt_lever(x, v, language) for v in at)
    else:
        at_text = fmt_lever(x, at, language) if at is not None else ""
    where = t(f"sweep.where.{kind}", language, lever=lever, value=at_text)
    clause = ""
    if len(paths) > 1 and len(group) < len(ys):
        y = paths[1]
        lo, hi = fmt_lever(y, group[0], language), fmt_lever(y, group[-1], language)
        if len(group) == 1:
            span = t("sweep.span.one", language, value=lo)
        elif group[-1] == ys[-1]:
            span = t("sweep.span.more", language, value=lo)
        elif group[0] == ys[0]:
            span = t("sweep.span.less", language, value=hi)
        else:
            span = t("sweep.span.range", language, low=lo, high=hi)
        clause = t("sweep.with", language, lever=lever_label(y, language), span=span)
    return t("sweep.sentence", language, subject=subject, verb=verb, where=where, clause=clause)
