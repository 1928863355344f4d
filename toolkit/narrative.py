"""Sentences with numbers, tables and the sources footer of the briefs — in English and German.

Pure functions of small DataFrames (the layouts of :mod:`toolkit.engine` and :mod:`toolkit.data`)
plus a language. No number in a brief is typed by hand: every figure in the text is formatted
here from the results or the data, with :mod:`toolkit.i18n`.

Two output types keep notebooks trivial: :class:`Markdown` (displayed as ``text/markdown``) and
:class:`HTML` (``text/html``). Both are ``str`` subclasses, so tests can search them directly.
Every piece of scenario- or data-supplied text goes through :func:`toolkit.i18n.escape` before
it reaches either, so a hostile scenario title renders inert.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from toolkit import i18n
from toolkit.i18n import escape

log = logging.getLogger(__name__)


class Markdown(str):
    """Markdown text that Jupyter displays as ``text/markdown``."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


class HTML(str):
    """HTML that Jupyter displays as ``text/html`` (already escaped where needed)."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


class Safe(str):
    """A table cell that is already HTML (not escaped again by :func:`html_table`)."""


# --------------------------------------------------------------------------- KPI formatting

MULTIPLE_KPIS: Final[frozenset[str]] = frozenset(
    {
        "peak_price_multiple_outside",
        "peak_price_multiple_inside",
        "peak_price_multiple_alliance",
        "min_price_multiple_inside",
    }
)
SHARE_KPIS: Final[frozenset[str]] = frozenset(
    {
        "cumulative_shortfall_pct",
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
    {"cumulative_shortfall_t", "peak_shortfall_t_per_year", "project_size_t_per_year"}
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
    if kpi in ("months_to_recovery", "stockpile_days_used"):
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


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One sentence of the executive summary and the KPI values it quotes."""

    key: str
    text: str
    kpis: Mapping[str, str] = field(default_factory=dict)


def _ok(k: KPI | None) -> bool:
    return k is not None and math.isfinite(k.value)


def _month_text(start: dt.date | None, months_after: float, language: str) -> str:
    """The calendar month ``months_after`` months after ``start`` (``""`` without a start)."""
    if start is None or not math.isfinite(months_after):
        return ""
    total = start.year * 12 + start.month - 1 + int(round(months_after))
    return i18n.fmt_date(f"{total // 12:04d}-{total % 12 + 1:02d}", language)


def _price_finding(
    kpis: Mapping[str, KPI], language: str, name: str, start: dt.date | None, end_text: str
) -> Finding | None:
    """Peak price outside China in USD/kg and as a multiple, when, flags, China, alliance."""
    out_p = kpis.get("peak_price_multiple_outside")
    if not _ok(out_p):
        return None
    assert out_p is not None
    base = kpis.get("base_price_usd_per_kg")
    month = kpis.get("peak_month_outside")
    when = ""
    if out_p.flagged("rising_at_end"):
        when = i18n.t("finding.price.rising", language, date=end_text)
    elif _ok(month) and month is not None and out_p.value > 1.0 + 1e-3:
        when = i18n.t(
            "finding.price.when", language, date=_month_text(start, month.value, language)
        )
    values = {"peak_price_multiple_outside": out_p.text}
    if out_p.value <= 1.0 + 1e-3 and not out_p.flagged("rising_at_end"):
        values = {}
        key = (
            "finding.price_no_rise" if _ok(base) and base is not None else "finding.price_no_rise_x"
        )
        if base is not None and _ok(base):
            values["base_price_usd_per_kg"] = base.text
        text = i18n.t(key, language, mineral=name, base=base.text if base is not None else "")
    elif _ok(base) and base is not None:
        usd = i18n.fmt_price(out_p.value * base.value, language)
        values["base_price_usd_per_kg"] = base.text
        text = i18n.t(
            "finding.price_usd",
            language,
            mineral=name,
            usd=usd,
            outside=out_p.text,
            base=base.text,
            p10=out_p.p10_text,
            p90=out_p.p90_text,
            when=when,
        )
    else:
        text = i18n.t(
            "finding.price_multiple",
            language,
            mineral=name,
            outside=out_p.text,
            p10=out_p.p10_text,
            p90=out_p.p90_text,
            when=when,
        )
    if out_p.flagged("at_guard"):
        # NOTE: the flag is set when the central value or the P90 sits on the choke cap; the
        # sentence says which, and the cap is then the P90 as printed.
        text += (
            i18n.t("finding.price.at_guard", language, cap=out_p.text)
            if out_p.central_on_guard
            else i18n.t("finding.price.at_guard_p90", language, cap=out_p.p90_text)
        )
    ally = kpis.get("peak_price_multiple_alliance")
    if _ok(ally) and ally is not None and ally.value > out_p.value * 1.01:
        values["peak_price_multiple_alliance"] = ally.text
        usd_a = (
            i18n.fmt_price(ally.value * base.value, language)
            if base is not None and _ok(base)
            else ""
        )
        text += i18n.t(
            "finding.price.alliance_usd" if usd_a else "finding.price.alliance",
            language,
            alliance=ally.text,
            usd=usd_a,
        )
    hi, lo = kpis.get("peak_price_multiple_inside"), kpis.get("min_price_multiple_inside")
    if _ok(hi) and hi is not None:
        low = lo.value if _ok(lo) and lo is not None else hi.value
        rises, falls = hi.value > 1.05, low < 0.95
        if rises and falls and lo is not None:
            key = "finding.inside.both"
            values.update(peak_price_multiple_inside=hi.text, min_price_multiple_inside=lo.text)
        elif rises:
            key = "finding.inside.rises"
            values["peak_price_multiple_inside"] = hi.text
        elif falls and lo is not None:
            key = "finding.inside.falls"
            values["min_price_multiple_inside"] = lo.text
        else:
            key = "finding.inside.flat"
        text += i18n.t(key, language, high=hi.text, low=lo.text if lo is not None else hi.text)
    return Finding("price", text, values)


def _money_finding(kpis: Mapping[str, KPI], language: str, end_text: str) -> Finding | None:
    """Who pays what: per year at the peak and cumulative to the end of the horizon."""
    parts, values = [], {}
    for kid in MONEY_FLOWS:
        total, per_year = kpis.get(kid), kpis.get(f"{kid}_per_year")
        if not (_ok(total) and total is not None and total.value > 0):
            continue
        year_text = per_year.text if _ok(per_year) and per_year is not None else "–"
        parts.append(
            i18n.t(
                "finding.money",
                language,
                who=i18n.t(f"finding.money.{kid}", language),
                per_year=year_text,
                cumulative=total.text,
                date=end_text,
            )
        )
        values[kid] = total.text
        if per_year is not None and _ok(per_year):
            values[f"{kid}_per_year"] = per_year.text
    if not parts:
        return None
    return Finding("money", " ".join(parts), values)


def _source_of(note: str) -> str:
    """The source reference (``source ID (confidence)``) of a KPI note, as a source link."""
    m = re.search(r"source ([A-Za-z0-9_]+)", note or "")
    return source_ref(m.group(1)) if m else ""


def findings(
    kpis: Mapping[str, KPI],
    language: str,
    *,
    mineral: str,
    top_country: str | None = None,
    horizon_months: int | None = None,
    start: dt.date | None = None,
    max_findings: int = 6,
) -> list[Finding]:
    """The findings of the executive summary, generated from the KPIs.

    Every number comes from the KPI table (the central estimate, with its P10–P90), so the
    summary, the cards, the chart titles and the CSV of key figures agree. A KPI flagged by
    the engine says so in its sentence: a peak on the model's price cap, a price still rising
    when the horizon ends, a disruption not over by then.

    Parameters
    ----------
    kpis : mapping
        Output of :func:`kpi_lookup` for the focal market.
    language : str
        ``en`` or ``de``.
    mineral : str
        Focal mineral id.
    top_country : str, optional
        ISO3 code of the largest producer (named in the concentration finding).
    horizon_months : int, optional
        Simulated months (the end of the horizon is named in open-ended findings).
    start : date, optional
        First simulated month (dates the peak and the end of the horizon).
    max_findings : int
        At most this many findings.
    """
    name = i18n.t(f"mineral_lower.{mineral}", language)
    end_text = _month_text(start, (horizon_months or 1) - 1, language) if start else ""
    out: list[Finding] = []
    price = _price_finding(kpis, language, name, start, end_text)
    if price is not None:
        out.append(price)
    short_t, short_pct = kpis.get("cumulative_shortfall_t"), kpis.get("cumulative_shortfall_pct")
    peak_short = kpis.get("peak_shortfall_t_per_year")
    disrupted = False
    if _ok(short_t) and _ok(short_pct) and short_t is not None and short_t.value > 0:
        assert short_pct is not None
        disrupted = True
        values = {
            "cumulative_shortfall_t": short_t.text,
            "cumulative_shortfall_pct": short_pct.text,
        }
        if _ok(peak_short) and peak_short is not None:
            values["peak_shortfall_t_per_year"] = peak_short.text
            text = i18n.t(
                "finding.shortfall_peak",
                language,
                peak=peak_short.text,
                tonnes=short_t.text,
                pct=short_pct.text,
            )
        else:
            text = i18n.t("finding.shortfall", language, tonnes=short_t.text, pct=short_pct.text)
        out.append(Finding("shortfall", text, values))
    rec = kpis.get("months_to_recovery")
    out_p = kpis.get("peak_price_multiple_outside")
    disrupted = disrupted or (_ok(out_p) and out_p is not None and out_p.value > 1.1)
    if rec is not None and disrupted:
        if rec.flagged("open_at_horizon") or not _ok(rec):
            out.append(
                Finding("recovery", i18n.t("finding.open_at_horizon", language, date=end_text), {})
            )
        elif rec.value > 0:
            out.append(
                Finding(
                    "recovery",
                    i18n.t("finding.recovery_months", language, months=rec.text),
                    {"months_to_recovery": rec.text},
                )
            )
    money = _money_finding(kpis, language, end_text)
    if money is not None:
        out.append(money)
    stock = kpis.get("stockpile_days_used")
    if _ok(stock) and stock is not None and stock.value > 0:
        out.append(
            Finding(
                "stockpile",
                i18n.t("finding.stockpile", language, days=stock.text),
                {"stockpile_days_used": stock.text},
            )
        )
    proj, size = kpis.get("projects_needed"), kpis.get("project_size_t_per_year")
    if _ok(proj) and proj is not None and proj.value > 0 and _ok(size) and size is not None:
        gap = peak_short.text if _ok(peak_short) and peak_short is not None else "–"
        plural = "one" if proj.value == 1 else "many"
        out.append(
            Finding(
                "projects",
                i18n.t(
                    "finding.projects_sized"
                    if _source_of(size.note)
                    else "finding.projects_sized_nosource",
                    language,
                    n=proj.text,
                    gap=gap,
                    size=size.text,
                    projects=i18n.t(f"finding.projects.{plural}", language),
                    source=_source_of(size.note),
                ),
                {"projects_needed": proj.text, "project_size_t_per_year": size.text},
            )
        )
    conc = _concentration_finding(kpis, language, mineral, top_country)
    if conc is not None:
        out.append(conc)
    sself = kpis.get("alliance_self_sufficiency")
    # NOTE: above 100 % the alliance is a net producer at this stage, which is worth saying;
    # an unattributable share is NaN (with the engine's note) and never reaches a finding.
    if _ok(sself) and sself is not None and sself.value > 0:
        out.append(
            Finding(
                "self_sufficiency",
                i18n.t("finding.self_sufficiency", language, share=sself.text),
                {"alliance_self_sufficiency": sself.text},
            )
        )
    cover = kpis.get("coverage_without_largest")
    if (
        _ok(cover)
        and cover is not None
        and 0 < as_percent("coverage_without_largest", cover.value, cover.unit) < 100
    ):
        out.append(
            Finding(
                "coverage",
                i18n.t("finding.coverage", language, share=cover.text),
                {"coverage_without_largest": cover.text},
            )
        )
    return out[:max_findings]


def _concentration_finding(
    kpis: Mapping[str, KPI], language: str, mineral: str, top_country: str | None
) -> Finding | None:
    """Who holds the market: the largest producer, the top three and the HHI."""
    top1, top3, hhi = kpis.get("top1_share"), kpis.get("top3_share"), kpis.get("hhi")
    if not (_ok(top1) and _ok(top3) and _ok(hhi)):
        return None
    assert top1 is not None and top3 is not None and hhi is not None
    # NOTE: where the data name only the largest producer (the rest is an "Other" row, e.g.
    # magnets: China 90 % + Other 10 %), top-3 equals top-1; saying "the top three hold 90 %"
    # would invent two producers, so the sentence says the rest is not broken down instead.
    single = abs(top3.value - top1.value) < 0.5
    rest_key = "finding.concentration." + ("rest_single" if single else "rest_top3")
    fields = dict(
        share=top1.text,
        rest=i18n.t(rest_key, language, top3=top3.text, hhi=hhi.text),
        stage_lower=i18n.t(f"stage_lower.{top1.stage}", language)
        if i18n.has(f"stage_lower.{top1.stage}", language)
        else top1.stage,
        mineral_of="" if top1.stage == "magnets" else i18n.t(f"mineral_of.{mineral}", language),
    )
    if top_country:
        text = i18n.t(
            "finding.concentration",
            language,
            country=i18n.country_name(top_country, language),
            **fields,
        )
    else:
        text = i18n.t("finding.concentration_nocountry", language, **fields)
    text = re.sub(r"\s+([;,.])", r"\1", text)
    return Finding(
        "concentration",
        text,
        {"top1_share": top1.text, "hhi": hhi.text}
        if single
        else {"top1_share": top1.text, "top3_share": top3.text, "hhi": hhi.text},
    )


def kpi_cards(kpis: Mapping[str, KPI], language: str, ids: Sequence[str] | None = None) -> HTML:
    """KPI cards (label, value, P10–P90) as HTML (classes ``mb-kpis``/``mb-kpi``); default
    cards: :func:`headline_ids`.

    A KPI asked for by ``ids`` whose value is NaN (not attributable from the data) shows
    "n/a" with a footnote marker; the footnote under the cards says why.
    """
    ids = headline_ids(kpis) if ids is None else ids
    cards = []
    notes: list[str] = []
    any_band = False
    for kpi_id in ids:
        k = kpis.get(kpi_id)
        if k is None:
            continue
        label = escape(i18n.t(f"kpi.{kpi_id}", language))
        if k.flagged("open_at_horizon") and not math.isfinite(k.value):
            cards.append(
                f'<div class="mb-kpi mb-kpi-open" data-kpi="{escape(kpi_id)}">'
                f'<span class="mb-kpi-label">{label}</span>'
                f'<span class="mb-kpi-value">{escape(k.text)}</span></div>'
            )
            continue
        if not math.isfinite(k.value):
            mark = "*" * (len(notes) + 1)
            why = i18n.t("kpi.na_note", language, kpi=i18n.t(f"kpi.{kpi_id}", language))
            # NOTE: the engine's reason is English; the English brief quotes it, the German
            # brief keeps to the catalogue sentence.
            if language == "en" and k.note:
                why = f"{why} ({k.note})"
            notes.append(f"<li>{escape(mark)} {escape(why)}</li>")
            cards.append(
                f'<div class="mb-kpi mb-kpi-na" data-kpi="{escape(kpi_id)}">'
                f'<span class="mb-kpi-label">{label}</span>'
                f'<span class="mb-kpi-value">{escape(k.text)}<sup>{escape(mark)}</sup></span></div>'
            )
            continue
        band = ""
        if k.p10 is not None and k.p90 is not None and k.p10 != k.p90:
            band = (
                f'<span class="mb-kpi-band">'
                f"{escape(i18n.t('kpi.note.band', language, p10=k.p10_text, p90=k.p90_text))}"
                "</span>"
            )
        shown = [c for c in ("at_guard", "rising_at_end", "outside_band") if k.flagged(c)]
        if "at_guard" in shown and not k.central_on_guard:
            shown[shown.index("at_guard")] = "at_guard_p90"
        if shown:
            words = "; ".join(i18n.t(f"kpi.flag.{c}", language) for c in shown)
            band += f'<span class="mb-kpi-flag">{escape(words)}</span>'
        any_band = any_band or bool(band)
        cards.append(
            f'<div class="mb-kpi" data-kpi="{escape(kpi_id)}">'
            f'<span class="mb-kpi-label">{label}</span>'
            f'<span class="mb-kpi-value">{escape(k.text)}</span>{band}</div>'
        )
    if not cards:
        return HTML("")
    if any_band:
        notes.append(
            f'<li class="mb-kpi-statistic">{escape(i18n.t("kpi.statistic", language))}</li>'
        )
    foot = f'<ul class="mb-kpi-notes">{"".join(notes)}</ul>' if notes else ""
    return HTML(f'<div class="mb-kpis">{"".join(cards)}</div>{foot}')


# --------------------------------------------------------------------------- tables


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    css_class: str = "mb-table",
    numeric: Sequence[int] = (),
) -> HTML:
    """An escaped HTML table; :class:`Safe` cells are inserted as they are.

    Parameters
    ----------
    headers : sequence of str
        Column headers (escaped).
    rows : iterable of sequences
        Cell values (escaped unless :class:`Safe`).
    css_class : str
        Class of the ``<table>``.
    numeric : sequence of int
        Column positions right-aligned as numbers (class ``mb-num``).
    """

    def cell(tag: str, value: Any, pos: int) -> str:
        cls = ' class="mb-num"' if pos in numeric else ""
        text = value if isinstance(value, Safe) else escape("" if value is None else value)
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", v, i) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    return HTML(
        f'<div class="mb-table-wrap"><table class="{css_class}"><thead><tr>{head}'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def source_ref(source_ids: str | Iterable[str], *, breakable: bool = False) -> str:
    """Escaped, compact source reference ``[USGS_MCS2026; IEA_CMD2025]`` for prose.

    ``breakable`` allows a line break after each underscore (``<wbr>``), for narrow table
    cells: a long id then wraps at its parts instead of overflowing or breaking mid-word.
    """
    ids = [
        s.strip()
        for s in (source_ids.split(";") if isinstance(source_ids, str) else source_ids)
        if str(s).strip()
    ]
    text = escape("; ".join(ids))
    if breakable:
        text = text.replace("&#95;", "&#95;<wbr>")
    return f'<span class="mb-src">{text}</span>' if ids else ""


# --------------------------------------------------------------------------- situation

EVENT_KEYS: Final[tuple[str, ...]] = ("summary",)


def situation_html(
    events: pd.DataFrame,
    language: str,
    *,
    minerals: Iterable[str],
    as_of: dt.date,
    since: dt.date = dt.date(2025, 1, 1),
    max_events: int = 12,
) -> HTML:
    """The situation section: dated policy events with their sources.

    Parameters
    ----------
    events : DataFrame
        ``policy_events`` (``date, event_id, date_precision, actor, kind, minerals, summary,
        source_id, confidence``).
    language : str
        ``en`` or ``de``. German summaries come from the catalogue key ``event.<event_id>``;
        an event without one is shown in English and marked so (never silently).
    minerals : iterable of str
        Minerals of the scenario; events that name none of them (and name any) are left out.
    as_of : date
        Reference date (the scenario start) for "days until".
    since : date
        Oldest event shown.
    max_events : int
        At most this many events (the most recent ones).
    """
    wanted = set(minerals)
    lines = [f"<h2>{escape(i18n.t('section.situation', language))}</h2>"]
    if events is not None and len(events):
        susp = events[events["kind"] == "suspension"]
        if len(susp):
            last = pd.to_datetime(susp["date"]).max().date()
            key = "situation.suspension" if last >= as_of else "situation.suspension_past"
            text = i18n.t(key, language, date=i18n.fmt_date(last, language))
            if wanted & {"rare_earths", "magnet_rees"}:
                text += " " + i18n.t("situation.april", language)
            lines.append(f'<p class="mb-callout">{text}</p>')
    lines.append(f"<p>{escape(i18n.t('situation.intro', language))}</p>")
    if events is None or events.empty:
        return HTML("".join([*lines, f"<p>{escape(i18n.t('situation.none', language))}</p>"]))
    df = events.copy()
    df["when_"] = pd.to_datetime(df["date"]).dt.date
    mins = df.get("minerals", pd.Series("", index=df.index)).fillna("").astype(str)
    relevant = mins.map(
        lambda s: (
            not s.strip() or bool(wanted & set(x.strip() for x in s.replace(",", ";").split(";")))
        )
    )
    df = df[relevant & (df["when_"] >= since)].sort_values("when_").tail(max_events)
    items: list[str] = []
    if df.empty:
        lines.append(f"<p>{escape(i18n.t('situation.none', language))}</p>")
    for row in df.itertuples(index=False):
        precision = getattr(row, "date_precision", "day") or "day"
        when = i18n.fmt_date(row.when_, language, str(precision))
        key = f"event.{row.event_id}"
        if i18n.has(key, language):
            text = i18n.t(key, language)
        else:
            text = escape(row.summary)
            if language != "en":
                text += f" <em>{i18n.t('situation.english_only', language)}</em>"
        flag = ""
        if str(getattr(row, "confidence", "")) in ("unconfirmed", "assumption"):
            flag = (
                f' <span class="mb-flag-inline">'
                f"{i18n.t(f'confidence.{row.confidence}', language)}</span>"
            )
        src = source_ref(row.source_id)
        # NOTE: the actor column is English data text; the German summaries name the actors
        # themselves, so the German line leaves the column out.
        actor = f"{escape(row.actor)}: " if language == "en" else ""
        items.append(
            f'<li><strong class="mb-date">{when}</strong> — {actor}{text}{flag} {src}</li>'
        )
    if items:
        lines.append(f'<ul class="mb-events">{"".join(items)}</ul>')
    return HTML("".join(lines))


# --------------------------------------------------------------------------- news vs data


def _share_text(
    shares: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    mineral: str,
    stage: str,
    country: str = "CHN",
) -> tuple[str, float | None, str]:
    """'USGS: 71% of world mining of rare earths (2024)' from market shares."""
    hit = shares[
        (shares["mineral"] == mineral) & (shares["stage"] == stage) & (shares["country"] == country)
    ]
    if hit.empty:
        return "", None, ""
    row = hit.iloc[0]
    share_pct = float(row["share"]) * 100.0
    sid = str(row["source_id"])
    publisher = _publisher(sources, sid, language)
    text = i18n.t(
        "news.data.share",
        language,
        publisher=escape(publisher),
        share=i18n.fmt_pct(share_pct, language),
        stage_lower=i18n.t(f"stage_lower.{stage}", language),
        mineral_of=i18n.t(f"mineral_of.{mineral}", language),
        year=int(row["year"]) if "year" in row else "",
    )
    return text, share_pct, sid


def _verdict(claimed_pct: float, actual: Iterable[float | None], tolerance: float = 10.0) -> str:
    """understated | overstated | consistent | partly_true, from a claimed share and data shares."""
    vals = [v for v in actual if v is not None]
    if not vals:
        return "unverified"
    above = [v > claimed_pct + tolerance for v in vals]
    below = [v < claimed_pct - tolerance for v in vals]
    if all(above):
        return "understated"
    if all(below):
        return "overstated"
    if any(below) and not all(below):
        return "partly_true"
    return "consistent"


CLAIM_IDS: Final[dict[str, str]] = {
    "half_market": "ree-half-market",
    "magnets_85": "magnets-85pct",
    "processing_half": "processing-half",
    "demand_400_600": "demand-400-600",
    "demand_4000": "demand-4000",
}
"""Catalogue claim key -> ``claim_id`` of the data layer's ``seed_claims`` table."""


SHORT_PUBLISHERS: Final[dict[str, str]] = {
    "U.S. Geological Survey": "USGS",
    "International Energy Agency": "IEA",
}


def _publisher(sources: pd.DataFrame | None, source_id: str, language: str = "en") -> str:
    """Short publisher name of a source id for prose (``USGS``, ``IEA``, ``World Bank``)."""
    name = source_id.split("_")[0]
    if sources is not None and len(sources):
        rec = sources[sources["source_id"] == source_id]
        if len(rec):
            name = str(rec.iloc[0]["publisher"]).split(" (")[0].strip()
    name = SHORT_PUBLISHERS.get(name, name)
    key = f"publisher.{name}"
    return i18n.t(key, language) if i18n.has(key, language) else name


def _multiple_text(
    multiples: pd.DataFrame,
    sources: pd.DataFrame | None,
    language: str,
    mineral: str,
    source_id: str,
) -> str:
    """'IEA: lithium ×4.5–7.5 from 2024 to 2040 (STEPS–NZE)' from ``demand_multiples``."""
    hit = multiples[(multiples["mineral"] == mineral) & (multiples["source_id"] == source_id)]
    if hit.empty:
        return ""
    low, high = float(hit["multiple_low"].min()), float(hit["multiple_high"].max())
    scen = list(dict.fromkeys(hit.sort_values("multiple_high")["scenario"]))
    label = scen[0] if len(scen) == 1 else f"{scen[0]}–{scen[-1]}"
    key = "news.data.multiple" if round(low, 1) != round(high, 1) else "news.data.multiple_single"
    return i18n.t(
        key,
        language,
        publisher=escape(_publisher(sources, source_id, language)),
        mineral=i18n.mineral_name(mineral, language),
        base=int(hit["base_year"].min()),
        target=int(hit["target_year"].max()),
        low=i18n.fmt_number(low, language, i18n.auto_decimals(low)),
        high=i18n.fmt_number(high, language, i18n.auto_decimals(high)),
        scenario=escape(label),
    )


def news_vs_data_rows(
    shares: pd.DataFrame,
    multiples: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    seed_claims: pd.DataFrame | None = None,
) -> list[tuple[str, str, str, list[str]]]:
    """Rows ``(claim, data, verdict, source_ids)`` comparing the seed articles with the data.

    The claims are the articles' own wording (catalogue ``news.claim.*``; the German rows quote
    the German articles). Every figure on the data side is computed from ``shares``
    (:func:`toolkit.data.market_base` with ``share`` in [0–1] and ``year``) and ``multiples``
    (``demand_multiples``). The verdict is the data layer's (``seed_claims.verdict``) when the
    claim is there, else computed.
    """
    rows: list[tuple[str, str, str, list[str]]] = []
    curated: dict[str, tuple[str, list[str]]] = {}
    if seed_claims is not None and len(seed_claims):
        for r in seed_claims.itertuples(index=False):
            ids = [x.strip() for x in str(r.source_id).split(";") if x.strip()]
            curated[str(r.claim_id)] = (str(r.verdict), ids)
    # NOTE: the claimed shares (50 %, 85 %, 50 %) are the articles' numbers, i.e. the claim under
    # test, not results; the fallback verdict compares them with the data within ±10 points.
    checks: list[tuple[str, float, list[tuple[str, str]]]] = [
        ("half_market", 50.0, [("rare_earths", "mining"), ("magnet_rees", "refining")]),
        ("magnets_85", 85.0, [("magnet_rees", "refining"), ("magnet_rees", "magnets")]),
        (
            "processing_half",
            50.0,
            [
                ("cobalt", "refining"),
                ("lithium", "refining"),
                ("nickel", "refining"),
                ("magnet_rees", "refining"),
            ],
        ),
    ]
    for claim_id, claimed, pairs in checks:
        texts, vals, sids = [], [], []
        for mineral, stage in pairs:
            text, val, sid = _share_text(shares, sources, language, mineral, stage)
            if text:
                texts.append(text)
                vals.append(val)
                sids.append(sid)
        if not texts:
            continue
        if claim_id == "processing_half":
            verdict = (
                "partly_true" if any(v is not None and v < claimed for v in vals) else "consistent"
            )
        else:
            verdict = _verdict(claimed, vals)
        verdict, extra = curated.get(CLAIM_IDS[claim_id], (verdict, []))
        rows.append(
            (
                i18n.t(f"news.claim.{claim_id}", language),
                "; ".join(texts),
                i18n.t(f"news.verdict.{verdict}", language),
                sorted({*sids, *extra}),
            )
        )
    if multiples is not None and not multiples.empty:
        for claim_id, parts in (
            (
                "demand_400_600",
                [("lithium", "WB_2020"), ("lithium", "IEA_CMD2025"), ("cobalt", "IEA_CMD2025")],
            ),
            (
                "demand_4000",
                [
                    ("lithium", "IEA_2021_ROLE"),
                    ("lithium", "IEA_CMD2025"),
                    ("graphite", "IEA_2021_ROLE"),
                    ("graphite", "IEA_CMD2025"),
                ],
            ),
        ):
            texts, sids = [], []
            for mineral, sid in parts:
                text = _multiple_text(multiples, sources, language, mineral, sid)
                if text:
                    texts.append(text)
                    sids.append(sid)
            if not texts:
                continue
            verdict, extra = curated.get(CLAIM_IDS[claim_id], ("outdated", []))
            rows.append(
                (
                    i18n.t(f"news.claim.{claim_id}", language),
                    "; ".join(texts),
                    i18n.t(f"news.verdict.{verdict}", language),
                    sorted({*sids, *extra}),
                )
            )
    return rows


def news_vs_data_html(rows: Sequence[tuple[str, str, str, list[str]]], language: str) -> HTML:
    """The news-versus-data table (claims are catalogue text, data cells already escaped)."""
    heading = f"<h3>{escape(i18n.t('section.news_vs_data', language))}</h3>"
    intro = f"<p>{escape(i18n.t('news.intro', language))}</p>"
    table = html_table(
        [
            i18n.t("news.col.claim", language),
            i18n.t("news.col.data", language),
            i18n.t("news.col.verdict", language),
        ],
        [
            (
                Safe(f"<q>{escape(c)}</q>"),
                Safe(f"{d} {source_ref(s)}"),
                Safe(f'<span class="mb-verdict">{escape(v)}</span>'),
            )
            for c, d, v, s in rows
        ],
        css_class="mb-table mb-news",
    )
    return HTML(heading + intro + table)


# --------------------------------------------------------------------------- sources, flags


def sources_html(sources: pd.DataFrame, language: str) -> HTML:
    """The sources section: a reference list with publisher, year, title, table/page, URL (as
    text, never a link: the page makes no network reference), licence and confidence."""
    heading = f"<h2>{escape(i18n.t('section.sources', language))}</h2>"
    intro = f"<p>{escape(i18n.t('sources.intro', language))}</p>"

    def field_of(rec: Any, name: str) -> str:
        v = getattr(rec, name, "")
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(int(float(v))) if name == "year" and str(v).strip() else str(v).strip()

    items = []
    for rec in sources.itertuples(index=False):
        sid, url = field_of(rec, "source_id"), field_of(rec, "url")
        conf = field_of(rec, "confidence")
        conf_text = (
            i18n.t(f"confidence.{conf}", language)
            if conf and i18n.has(f"confidence.{conf}", language)
            else conf
        )
        # NOTE: a bibliographic title (and its table/page locator) is cited in its original
        # language, English in sources.csv; a non-English brief marks it lang="en" so readers
        # and screen readers know, while every label around it follows the brief's language.
        orig = ' lang="en"' if language != "en" else ""
        parts = [
            f'<span class="mb-ref-id">{escape(sid)}</span> '
            f"{escape(field_of(rec, 'publisher'))} ({escape(field_of(rec, 'year'))}). "
            f"<cite{orig}>{escape(field_of(rec, 'title'))}</cite>."
        ]
        locator = field_of(rec, "locator")
        if locator:
            parts.append(f' <span class="mb-ref-loc"{orig}>{escape(locator)}</span>.')
        if url:
            parts.append(f' <span class="mb-url">{escape(url)}</span>')
        # NOTE: licence wording is a label, not part of the citation: known licence texts have
        # a catalogue entry ``licence.<text>``; licence names (CC BY 4.0, MIT) stay as they are.
        licence = field_of(rec, "licence")
        lkey = f"licence.{licence}"
        licence = i18n.t(lkey, language) if i18n.has(lkey, language) else licence
        meta = [i18n.t("sources.licence", language, licence=escape(licence))]
        if conf_text:
            meta.append(escape(conf_text))
        parts.append(f' <span class="mb-ref-meta">{" · ".join(meta)}</span>')
        items.append(f'<li id="src-{escape(sid)}">{"".join(parts)}</li>')
    return HTML(heading + intro + f'<ol class="mb-refs">{"".join(items)}</ol>')


def flags_html(flags: pd.DataFrame, language: str) -> HTML:
    """Visible flags for every input whose confidence is ``unconfirmed`` or ``assumption``.

    Parameters
    ----------
    flags : DataFrame
        ``what, confidence, source_id`` (``what`` is data/scenario text: escaped).
    """
    heading = f"<h3>{escape(i18n.t('methods.flags', language))}</h3>"
    if flags is None or flags.empty:
        return HTML(heading + f"<p>{escape(i18n.t('methods.no_flags', language))}</p>")
    items = "".join(
        f'<li class="mb-flag mb-flag-{escape(r.confidence)}"><strong>'
        f"{escape(i18n.t(f'confidence.{r.confidence}', language))}</strong> "
        f"{escape(r.what)} {source_ref(r.source_id)}</li>"
        for r in flags.itertuples(index=False)
    )
    return HTML(
        heading + f'<div class="mb-callout mb-callout-flag"><p>'
        f"{escape(i18n.t('methods.flags_intro', language))}</p>"
        f'<ul class="mb-flags-list">{items}</ul></div>'
    )
