"""KPI formatting and lookup: which KPI is a multiple, a share or money, how each is printed in
English and German, and the :class:`KPI` rows of one market indexed by id.

Every figure a brief prints comes from ``Results.kpis`` through :func:`kpi_lookup`, so the
summary, the cards, the chart titles and the key-figure CSV quote the same formatted text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from mineral_briefs import i18n

MULTIPLE_KPIS: Final[frozenset[str]] = frozenset(
    {
        "peak_price_multiple_outside",
        "peak_price_multiple_inside",
        "peak_price_multiple_alliance",
        "min_price_multiple_inside",
        "min_price_to_low_cost",
    }
)
SHARE_KPIS: Final[frozenset[str]] = frozenset(
    {
        "cumulative_shortfall_pct",
        "shortfall_end_pct",
        "substituted_end_pct",
        "alliance_self_sufficiency",
        "top1_share",
        "top3_share",
        "coverage_without_largest",
    }
)
MONEY_KPIS: Final[frozenset[str]] = frozenset(
    {
        "tariff_revenue_usd",
        "consumer_cost_usd",
        "fiscal_cost_usd",
        "tariff_revenue_usd_per_year",
        "consumer_cost_usd_per_year",
        "fiscal_cost_usd_per_year",
    }
)
TONNE_KPIS: Final[frozenset[str]] = frozenset(
    {
        "cumulative_shortfall_t",
        "peak_shortfall_t_per_year",
        "project_size_t_per_year",
        "curve_capacity_offline_t_per_year",
        "floor_capacity_kept_t_per_year",
        "china_absorbed_t",
    }
)
MONEY_FLOWS: Final[tuple[str, ...]] = ("consumer_cost_usd", "tariff_revenue_usd", "fiscal_cost_usd")
"""Money KPIs in the order a brief reports them: who pays, who receives, the budget."""
FLAG_CODES: Final[tuple[str, ...]] = (
    "at_guard",
    "rising_at_end",
    "open_at_horizon",
    "outside_band",
)
"""Flags the engine sets on a KPI (``Results.kpis["flags"]``) that a brief must show."""

HEADLINE_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "months_to_recovery",
    "consumer_cost_usd_per_year",
    "tariff_revenue_usd_per_year",
    "fiscal_cost_usd_per_year",
    "stockpile_days_used",
    "projects_needed",
    "top1_share",
)
"""Candidate KPIs for the cards at the top of a brief and the meta headline, in order."""


def headline_ids(kpis: Mapping[str, KPI], n: int = 4) -> list[str]:
    """The first ``n`` headline KPIs that say something: the peak price always, the others
    only when non-zero (a floor scenario shows its costs, a shock its shortfall)."""
    out = []
    for kpi_id in HEADLINE_KPIS:
        k = kpis.get(kpi_id)
        if k is not None and k.flagged("open_at_horizon") and kpi_id == "months_to_recovery":
            out.append(kpi_id)  # "not within the horizon" is a finding, not a missing value
            continue
        if k is None or not math.isfinite(k.value):
            continue
        if kpi_id == "peak_price_multiple_outside":
            # NOTE: under a floor the alliance pays more than the rest of the world: the card
            # shows the price the alliance's own buyers face.
            ally = kpis.get("peak_price_multiple_alliance")
            if ally is not None and ally.available and ally.value > k.value * 1.01:
                out.append("peak_price_multiple_alliance")
                continue
        if kpi_id == "peak_price_multiple_outside" or abs(k.value) > 1e-9:
            out.append(kpi_id)
    return out[:n]


def as_percent(kpi: str, value: float, unit: str | None) -> float:
    """A share KPI in [%], whether the engine reports a fraction or percent.

    # NOTE: the unit decides; without a unit a value <= 1 is read as a fraction.
    """
    unit = (unit or "").strip().lower()
    if unit in ("%", "pct", "percent"):
        return float(value)
    if unit in ("share", "fraction", "1", "-", "ratio", ""):
        return float(value) * 100.0 if (unit or abs(value) <= 1.0) else float(value)
    return float(value)


def format_kpi(kpi: str, value: float | None, unit: str | None, language: str) -> str:
    """Format one KPI value the way the brief prints it.

    Parameters
    ----------
    kpi : str
        KPI id (``peak_price_multiple_outside`` …).
    value : float
        Value in the engine's unit.
    unit : str
        The engine's unit (``x``, ``%``, ``share``, ``t``, ``months``, ``days``, ``USD`` …).
    language : str
        ``en`` or ``de``.
    """
    if value is None:
        return "–"
    value = float(value)
    if not math.isfinite(value):
        # NOTE: NaN means "not attributable from the data" (the engine's note says why):
        # printed as n/a (German k. A.), never as "nan" or a blank.
        return i18n.t("kpi.na", language)
    if kpi in MULTIPLE_KPIS:
        return i18n.fmt_multiple(value, language, 1)
    if kpi in SHARE_KPIS:
        return i18n.fmt_pct(as_percent(kpi, value, unit), language)
    if kpi in MONEY_KPIS:
        return i18n.fmt_money(value, language)
    if kpi in TONNE_KPIS:
        return i18n.fmt_tonnes(value, language)
    if kpi == "base_price_usd_per_kg":
        return i18n.fmt_price(value, language)
    if kpi == "hhi":
        hhi = value * 10_000 if value <= 1.0 else value
        return i18n.fmt_number(hhi, language, 0)
    if kpi in ("months_to_recovery", "stockpile_days_used", "months_at_twice_base_outside"):
        return i18n.fmt_number(value, language, 0)
    if kpi == "projects_needed":
        return i18n.fmt_number(value, language, 0)
    return i18n.fmt_number(value, language, i18n.auto_decimals(value))


@dataclass(frozen=True)
class KPI:
    """One KPI row of the results, with its formatted values."""

    kpi: str
    mineral: str
    stage: str
    value: float
    unit: str
    p10: float | None
    p90: float | None
    text: str
    p10_text: str
    p90_text: str
    note: str = ""
    """Why the value is NaN (the engine's note, English), else empty."""
    flags: tuple[str, ...] = ()
    """Engine flags (:data:`FLAG_CODES`): the value sits on a cap, is still rising, …"""

    @property
    def available(self) -> bool:
        """True when the value is a finite number."""
        return math.isfinite(self.value)

    def flagged(self, code: str) -> bool:
        """True when the engine set flag ``code`` on this KPI."""
        return code in self.flags

    @property
    def central_on_guard(self) -> bool:
        """True when the central value itself (not only its P90) sits on the model's cap."""
        return self.flagged("at_guard") and (
            self.p90 is None or self.value >= self.p90 * (1 - 1e-6)
        )


def kpi_lookup(
    kpis: pd.DataFrame, language: str, mineral: str | None = None, stage: str | None = None
) -> dict[str, KPI]:
    """Index the KPI rows of one mineral (and stage) by KPI id, formatted for ``language``.

    Rows of the focal mineral/stage win; other stages of the mineral fill KPI ids still missing;
    rows with ``mineral == "all"`` or empty fill the rest.
    """
    out: dict[str, KPI] = {}
    if kpis is None or kpis.empty:
        return out
    df = kpis.copy()
    for col in ("mineral", "stage", "unit"):
        if col not in df:
            df[col] = ""
    rank = pd.Series(3, index=df.index)
    if mineral is not None:
        same = df["mineral"] == mineral
        rank = rank.mask(same, 1)
        if stage is not None:
            rank = rank.mask(same & (df["stage"] == stage), 0)
        rank = rank.mask(df["mineral"].isin(["all", "", None]) & ~same, 2)
        df = df[rank < 3]
        rank = rank[df.index]
    df = df.assign(_rank=rank).sort_values("_rank", kind="stable")
    for row in df.itertuples(index=False):
        kpi = str(row.kpi)
        if kpi in out:
            continue
        p10 = getattr(row, "p10", None)
        p90 = getattr(row, "p90", None)
        p10 = None if p10 is None or pd.isna(p10) else float(p10)
        p90 = None if p90 is None or pd.isna(p90) else float(p90)
        unit = str(row.unit) if row.unit is not None and not pd.isna(row.unit) else ""
        value = float(row.value) if not pd.isna(row.value) else float("nan")
        note = getattr(row, "note", "")
        note = "" if note is None or pd.isna(note) else str(note)
        raw_flags = getattr(row, "flags", "")
        flags = tuple(
            f
            for f in ("" if raw_flags is None or pd.isna(raw_flags) else str(raw_flags)).split(";")
            if f
        )
        text = format_kpi(kpi, value, unit, language)
        if kpi == "months_to_recovery" and not math.isfinite(value) and "open_at_horizon" in flags:
            text = i18n.t("kpi.months_to_recovery.open", language)
        out[kpi] = KPI(
            kpi=kpi,
            mineral=str(row.mineral),
            stage=str(row.stage),
            value=value,
            unit=unit,
            p10=p10,
            p90=p90,
            text=text,
            p10_text=format_kpi(kpi, p10, unit, language),
            p90_text=format_kpi(kpi, p90, unit, language),
            note=note,
            flags=flags,
        )
    return out


def month_text(start: dt.date | None, months_after: float, language: str) -> str:
    """The calendar month ``months_after`` months after ``start`` (``""`` without a start).

    Parameters
    ----------
    start : date, optional
        First simulated month.
    months_after : float
        Months after ``start`` [months], rounded to a whole month (NaN gives ``""``).
    language : str
        ``en`` or ``de``.
    """
    if start is None or not math.isfinite(months_after):
        return ""
    total = start.year * 12 + start.month - 1 + int(round(months_after))
    return i18n.fmt_date(f"{total // 12:04d}-{total % 12 + 1:02d}", language)
