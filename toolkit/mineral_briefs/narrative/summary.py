"""The findings of the executive summary: one sentence per KPI family (price, shortfall,
recovery, money, stockpile, projects, concentration, self-sufficiency, coverage), generated from
the KPI table.

Every number comes from :func:`mineral_briefs.narrative.kpi_lookup` (the central estimate with its
P10–P90), so the summary, the cards, the chart titles and the CSV of key figures agree. A KPI
flagged by the engine says so in its sentence.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mineral_briefs import i18n
from mineral_briefs.narrative.kpis import KPI, MONEY_FLOWS, as_percent, month_text
from mineral_briefs.narrative.markup import source_ref


@dataclass(frozen=True)
class Finding:
    """One sentence of the executive summary and the KPI values it quotes."""

    key: str
    text: str
    kpis: Mapping[str, str] = field(default_factory=dict)


def _ok(k: KPI | None) -> bool:
    """True when the KPI exists and its value is a finite number."""
    return k is not None and math.isfinite(k.value)


def findings(
    kpis: Mapping[str, KPI],
    language: str,
    *,
    mineral: str,
    top_country: str | None = None,
    horizon_months: int | None = None,
    start: dt.date | None = None,
    stockpiles: Sequence[tuple[str, float, float]] = (),
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
    stockpiles : sequence of (holder name, days used, days of cover)
        Use of each stockpile in the central run (``Results.stockpile_use``); a stockpile held
        at another stage than the focal one (oxide stocks serving magnets) is reported too.
    max_findings : int
        At most this many findings.
    """
    name = i18n.t(f"mineral_lower.{mineral}", language)
    end_text = month_text(start, (horizon_months or 1) - 1, language) if start else ""
    price = _price_finding(kpis, language, name, start, end_text)
    shortfall = _shortfall_finding(kpis, language)
    out_p = kpis.get("peak_price_multiple_outside")
    # NOTE: "not over by the end of the horizon" is said only of a disruption: a shortfall,
    # or a price outside China more than 10 % above its base.
    disrupted = shortfall is not None or (_ok(out_p) and out_p is not None and out_p.value > 1.1)
    candidates = [
        price,
        shortfall,
        _recovery_finding(kpis, language, end_text) if disrupted else None,
        _money_finding(kpis, language, end_text),
        _stockpile_finding(stockpiles, language),
        _projects_finding(kpis, language),
        _concentration_finding(kpis, language, mineral, top_country),
        _self_sufficiency_finding(kpis, language),
        _coverage_finding(kpis, language),
    ]
    return [f for f in candidates if f is not None][:max_findings]


def _price_finding(
    kpis: Mapping[str, KPI], language: str, name: str, start: dt.date | None, end_text: str
) -> Finding | None:
    """Peak price outside China in USD/kg and as a multiple, when, flags, China, alliance.

    Parameters
    ----------
    kpis : mapping
        Output of :func:`mineral_briefs.narrative.kpi_lookup` for the focal market.
    language : str
        ``en`` or ``de``.
    name : str
        The mineral's name in running text (catalogue ``mineral_lower.<id>``).
    start : date, optional
        First simulated month (dates the peak).
    end_text : str
        The last simulated month as printed (a price still rising then says so).
    """
    out_p = kpis.get("peak_price_multiple_outside")
    if not _ok(out_p):
        return None
    assert out_p is not None
    base = kpis.get("base_price_usd_per_kg")
    when = _when(out_p, kpis.get("peak_month_outside"), language, start, end_text)
    text, values = _peak_sentence(out_p, base, language, name, when)
    if out_p.flagged("at_guard"):
        # NOTE: the flag is set when the central value or the P90 sits on the choke cap; the
        # sentence says which, and the cap is then the P90 as printed.
        text += (
            i18n.t("finding.price.at_guard", language, cap=out_p.text)
            if out_p.central_on_guard
            else i18n.t("finding.price.at_guard_p90", language, cap=out_p.p90_text)
        )
    text += _alliance_clause(kpis, out_p, base, language, values)
    text += _inside_clause(kpis, language, values)
    return Finding("price", text, values)


def _when(
    out_p: KPI, month: KPI | None, language: str, start: dt.date | None, end_text: str
) -> str:
    """When the outside price peaks: still rising at the horizon's end, or its peak month."""
    if out_p.flagged("rising_at_end"):
        return i18n.t("finding.price.rising", language, date=end_text)
    if _ok(month) and month is not None and out_p.value > 1.0 + 1e-3:
        return i18n.t("finding.price.when", language, date=month_text(start, month.value, language))
    return ""


def _peak_sentence(
    out_p: KPI, base: KPI | None, language: str, name: str, when: str
) -> tuple[str, dict[str, str]]:
    """The opening sentence (no rise, peak in USD/kg, or peak as a multiple only) and the KPI
    values it quotes."""
    values = {"peak_price_multiple_outside": out_p.text}
    if out_p.value <= 1.0 + 1e-3 and not out_p.flagged("rising_at_end"):
        # NOTE: a price that never rises says so instead of "peaks at 1.0x".
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
    return text, values


def _alliance_clause(
    kpis: Mapping[str, KPI], out_p: KPI, base: KPI | None, language: str, values: dict[str, str]
) -> str:
    """What alliance buyers pay, when a floor lifts it above the rest of the world's price
    (adds the quoted value to ``values``)."""
    ally = kpis.get("peak_price_multiple_alliance")
    if not (_ok(ally) and ally is not None and ally.value > out_p.value * 1.01):
        return ""
    values["peak_price_multiple_alliance"] = ally.text
    usd_a = (
        i18n.fmt_price(ally.value * base.value, language) if base is not None and _ok(base) else ""
    )
    return i18n.t(
        "finding.price.alliance_usd" if usd_a else "finding.price.alliance",
        language,
        alliance=ally.text,
        usd=usd_a,
    )


def _inside_clause(kpis: Mapping[str, KPI], language: str, values: dict[str, str]) -> str:
    """The price inside China: rises, falls, both or flat (adds the quoted values to
    ``values``)."""
    hi, lo = kpis.get("peak_price_multiple_inside"), kpis.get("min_price_multiple_inside")
    if not (_ok(hi) and hi is not None):
        return ""
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
    return i18n.t(key, language, high=hi.text, low=lo.text if lo is not None else hi.text)


def _shortfall_finding(kpis: Mapping[str, KPI], language: str) -> Finding | None:
    """The cumulative shortfall in tonnes and percent, with its peak rate when known."""
    short_t, short_pct = kpis.get("cumulative_shortfall_t"), kpis.get("cumulative_shortfall_pct")
    if not (_ok(short_t) and _ok(short_pct) and short_t is not None and short_t.value > 0):
        return None
    assert short_pct is not None
    peak_short = kpis.get("peak_shortfall_t_per_year")
    values = {
        "cumulative_shortfall_t": short_t.text,
        "cumulative_shortfall_pct": short_pct.text,
    }
    if _ok(peak_short) and peak_short is not None:
        values["peak_shortfall_t_per_year"] = peak_short.text
        text = i18n.t(
            "finding.shortfall_rising"
            if peak_short.flagged("rising_at_end")
            else "finding.shortfall_peak",
            language,
            peak=peak_short.text,
            tonnes=short_t.text,
            pct=short_pct.text,
        )
    else:
        text = i18n.t("finding.shortfall", language, tonnes=short_t.text, pct=short_pct.text)
    return Finding("shortfall", text, values)


def substituted_at_end(kpis: Mapping[str, KPI]) -> tuple[KPI, KPI] | None:
    """The last month's shortfall and the share of demand moved to substitutes [% of demand],
    when at least 1 % is short and 0.5 % has switched; else None.

    # NOTE: what is left at the end of an open disruption: the part that moved to substitutes
    # (methodology §4a) comes back only gradually; a market still short only because buyers
    # switched must not read as one still rationed (the findings and the answer box say so).
    """
    short, subst = kpis.get("shortfall_end_pct"), kpis.get("substituted_end_pct")
    if short is None or subst is None or not (_ok(short) and _ok(subst)):
        return None
    return (short, subst) if short.value >= 1.0 and subst.value >= 0.5 else None


def _recovery_finding(kpis: Mapping[str, KPI], language: str, end_text: str) -> Finding | None:
    """How long a disruption lasts, or that it is not over by the end of the horizon."""
    rec = kpis.get("months_to_recovery")
    if rec is None:
        return None
    if rec.flagged("open_at_horizon") or not _ok(rec):
        text = i18n.t("finding.open_at_horizon", language, date=end_text)
        values: dict[str, str] = {}
        left = substituted_at_end(kpis)
        if left is not None:
            short, subst = left
            values = {"shortfall_end_pct": short.text, "substituted_end_pct": subst.text}
            text += " " + i18n.t(
                "finding.open_substituted",
                language,
                date=end_text,
                short=short.text,
                subst=subst.text,
            )
        return Finding("recovery", text, values)
    if rec.value > 0:
        return Finding(
            "recovery",
            i18n.t("finding.recovery_months", language, months=rec.text),
            {"months_to_recovery": rec.text},
        )
    return None


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


def _stockpile_finding(
    stockpiles: Sequence[tuple[str, float, float]], language: str
) -> Finding | None:
    """Days of cover each holder draws (days of its own demand), from the central run."""
    used = [(h, u, c) for h, u, c in stockpiles if u > 0]
    if not used:
        return None
    parts = [
        i18n.t(
            "finding.stockpile_holder",
            language,
            holder=h,
            used=i18n.fmt_number(u, language, i18n.days_decimals(c)),
            cover=i18n.fmt_number(c, language, i18n.days_decimals(c)),
        )
        for h, u, c in used
    ]
    return Finding("stockpile", i18n.t("finding.stockpiles", language, holders="; ".join(parts)))


def _projects_finding(kpis: Mapping[str, KPI], language: str) -> Finding | None:
    """How many new projects of a sourced typical size would close the peak gap."""
    proj, size = kpis.get("projects_needed"), kpis.get("project_size_t_per_year")
    if not (_ok(proj) and proj is not None and proj.value > 0 and _ok(size) and size is not None):
        return None
    peak_short = kpis.get("peak_shortfall_t_per_year")
    gap = peak_short.text if _ok(peak_short) and peak_short is not None else "–"
    plural = "one" if proj.value == 1 else "many"
    return Finding(
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


def _self_sufficiency_finding(kpis: Mapping[str, KPI], language: str) -> Finding | None:
    """The alliance's own output as a share of its use."""
    sself = kpis.get("alliance_self_sufficiency")
    # NOTE: above 100 % the alliance is a net producer at this stage, which is worth saying;
    # an unattributable share is NaN (with the engine's note) and never reaches a finding.
    if not (_ok(sself) and sself is not None and sself.value > 0):
        return None
    return Finding(
        "self_sufficiency",
        i18n.t("finding.self_sufficiency", language, share=sself.text),
        {"alliance_self_sufficiency": sself.text},
    )


def _coverage_finding(kpis: Mapping[str, KPI], language: str) -> Finding | None:
    """The share of demand the world covers without its largest producer."""
    cover = kpis.get("coverage_without_largest")
    if not (
        _ok(cover)
        and cover is not None
        and 0 < as_percent("coverage_without_largest", cover.value, cover.unit) < 100
    ):
        return None
    return Finding(
        "coverage",
        i18n.t("finding.coverage", language, share=cover.text),
        {"coverage_without_largest": cover.text},
    )
