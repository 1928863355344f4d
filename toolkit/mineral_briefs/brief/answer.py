"""The answer on the first screen and its key-figure rows.

The answer box opens the executive summary: what happens (price in USD/kg and as a multiple,
shortfall in t and % of demand), for how long, who pays (alliance buyers, taxpayers, producers
outside China; in the peak calendar year and cumulative to the end of the horizon) and what
helps most (the best of the levers compared). Every number in it is a row of the key-figure CSV
(:meth:`AnswerSection.answer_csv_rows`), as the audit checks.

Who pays is derived from the central run's monthly series, per kg of the market's quantity
basis (``Results.price_basis``), against the base price the model starts from:

* alliance buyers: Σ (alliance price − base price) × (alliance demand − alliance shortfall);
* producers outside China: Σ (price − base price) × supply, alliance and rest of world;
* taxpayers: the engine's ``fiscal_cost_usd`` (floors paid from budgets).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.brief import compared, compared_csv
from mineral_briefs.brief.compared_section import ANCHOR, ComparedSection
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML
from mineral_briefs.narrative.kpis import month_text
from mineral_briefs.narrative.summary import substituted_at_end


def _series(
    ts: pd.DataFrame,
    quantity: str,
    mineral: str,
    stage: str,
    region: str,
    months: pd.DatetimeIndex,
) -> pd.Series:
    """One monthly series of the central run [its unit], indexed by ``months`` (every month of
    the run, sorted); zeros when the engine dropped it (a flow that is zero throughout is not
    written)."""
    from mineral_briefs.model.codelist import variable

    sel = ts[(ts["variable"] == variable(quantity, mineral, stage)) & (ts["region"] == region)]
    if sel.empty:
        return pd.Series(0.0, index=months)
    return (
        sel.set_index(pd.to_datetime(sel["time"]))["value"]
        .astype(float)
        .reindex(months, fill_value=0.0)
    )


def money_paths(results: Any, mineral: str, stage: str) -> dict[str, pd.Series]:
    """Monthly money of the shock [USD/month]: ``buyers`` (extra paid by alliance buyers over
    the base price) and ``producers`` (extra revenue of producers outside China)."""
    ts = results.timeseries
    pb = results.price_basis
    hit = pb[(pb["mineral"] == mineral) & (pb["stage"] == stage)]
    if ts is None or ts.empty or hit.empty:
        return {}
    p0 = float(hit["p0_product_usd_per_kg"].iloc[0])
    factor = float(hit["content_per_product_factor"].iloc[0])
    if not (math.isfinite(p0) and math.isfinite(factor)):
        return {}
    kg = 1000.0 / 12.0  # t/yr over one month -> kg
    from mineral_briefs.model.codelist import variable

    # NOTE: the month index once and the market's rows cut out once (the whole table is
    # scanned once, not once per series).
    months = pd.DatetimeIndex(pd.to_datetime(ts["time"].drop_duplicates()).sort_values())
    quantities = ("Price", "Demand", "Shortfall", "Supply")
    mine = ts[ts["variable"].isin([variable(q, mineral, stage) for q in quantities])]
    s = {
        (q, r): _series(mine, q, mineral, stage, r, months)
        for q in quantities
        for r in ("Alliance", "Rest of World")
    }
    # NOTE: ``Demand`` is what the region consumes at the clearing price (model.codelist), so
    # it is what buyers pay for; the shortfall is already missing from it. Subtracting it
    # again understated every cost in a shortage, and a total Chinese Dy outage (×16 the
    # base price) read "USD 3.2 m less than at the base price".
    bought = s[("Demand", "Alliance")]
    buyers = (s[("Price", "Alliance")] - p0) * factor * bought * kg
    producers = (
        (s[("Price", "Alliance")] - p0) * s[("Supply", "Alliance")]
        + (s[("Price", "Rest of World")] - p0) * s[("Supply", "Rest of World")]
    ) * (factor * kg)
    return {"buyers": buyers, "producers": producers}


SHORTFALL_MIN_T: float = 1.0
"""A cumulative shortfall from which the answer box reports one [t] ..."""
SHORTFALL_MIN_PCT: float = 0.5
"""... or from which share of demand [%]: a small market (terbium mining, a few t/yr outside
China) can miss 13 % of its demand in under a tonne, and read "No shortfall outside China"."""


def _has_shortfall(short_t: Any, short_pct: Any) -> bool:
    """Whether the answer box reports a shortfall (KPI lookups, ``None`` when absent): from
    :data:`SHORTFALL_MIN_PCT` of demand, or from :data:`SHORTFALL_MIN_T` where the share is
    not known.

    NOTE: by tonnes alone, 8 t of a 1.5 Mt lithium market (a first month's gap under a calm
    floor scenario) read "Shortfall outside China: 8.2 t, 0% of demand" and "over within the
    first month", a disruption nobody would see; such a gap is reported as negligible
    (:func:`_negligible_shortfall`).
    """
    pct_known = short_pct is not None and short_pct.available
    if pct_known:
        return bool(short_pct.value >= SHORTFALL_MIN_PCT)
    return bool(short_t is not None and short_t.available and short_t.value >= SHORTFALL_MIN_T)


def _negligible_shortfall(short_t: Any, short_pct: Any) -> bool:
    """At least :data:`SHORTFALL_MIN_T` short, but under :data:`SHORTFALL_MIN_PCT` of demand."""
    t_ok = short_t is not None and short_t.available and short_t.value >= SHORTFALL_MIN_T
    return t_ok and not _has_shortfall(short_t, short_pct)


def _peak_year(path: pd.Series) -> tuple[float, int | None]:
    """The calendar year with the largest amount in the direction of the total (the most paid,
    or the most saved where the total is a saving) and that amount [USD/yr].

    NOTE: by magnitude alone, a year of savings could head a total of extra payments ("USD
    200 m less … (USD −800 m in the peak year)").
    """
    if path.empty:
        return float("nan"), None
    by_year = path.groupby(path.index.year).sum()
    sign = -1.0 if float(path.sum()) < 0 else 1.0
    year = int((sign * by_year).idxmax())
    return float(by_year.loc[year]), year


class AnswerSection(ComparedSection):
    """``answer`` (first screen) and the key-figure rows of the answer and the levers compared
    (:class:`~mineral_briefs.brief.compared_section.ComparedSection`)."""

    @cached_property
    def who_pays(self) -> dict[str, tuple[float, float, int | None]]:
        """Payer -> (cumulative [USD], peak calendar year [USD/yr], that year)."""
        out: dict[str, tuple[float, float, int | None]] = {}
        for who, path in money_paths(self.results, self.mineral, self.stage).items():
            peak, year = _peak_year(path)
            out[who] = (float(path.sum()), peak, year)
        fiscal = self.kpis.get("fiscal_cost_usd")
        fiscal_y = self.kpis.get("fiscal_cost_usd_per_year")
        if fiscal is not None and fiscal.available:
            out["taxpayers"] = (
                fiscal.value,
                fiscal_y.value if fiscal_y is not None else float("nan"),
                None,
            )
        revenue = self.kpis.get("tariff_revenue_usd")
        revenue_y = self.kpis.get("tariff_revenue_usd_per_year")
        if revenue is not None and revenue.available and revenue.value > 0:
            # NOTE: a levy's money goes to the treasury; shown so that "taxpayers: USD 0"
            # beside a levy is not read as a floor without tariff revenue.
            out["revenue"] = (
                revenue.value,
                revenue_y.value if revenue_y is not None else float("nan"),
                None,
            )
        return out

    def answer_csv_rows(self) -> list[dict[str, Any]]:
        """Who pays and the levers compared, as key-figure CSV rows of the focal market."""
        rows = compared_csv.csv_rows(
            self.compared_levers, self.scenario_id, self.mineral, self.stage
        )
        notes = {
            "buyers": "extra paid by alliance buyers over the base price, from the central "
            "run's monthly series (price − base) × alliance demand at the price",
            "producers": "extra revenue of producers outside China over the base price, from "
            "the central run's monthly series (price − base) × supply",
        }
        kpi_ids = {"buyers": "buyer_extra_cost_usd", "producers": "producer_revenue_change_usd"}
        for who, (total, peak, year) in self.who_pays.items():
            if who not in kpi_ids:
                continue
            for kpi, value, unit, when in (
                (kpi_ids[who], total, "USD", "cumulative over the horizon"),
                (f"{kpi_ids[who]}_per_year", peak, "USD/yr", f"peak calendar year {year}"),
            ):
                rows.append(
                    compared_csv.central_row(
                        self.scenario_id,
                        self.mineral,
                        self.stage,
                        kpi,
                        value,
                        unit,
                        f"{when}; {notes[who]}",
                    )
                )
        return rows

    # ----------------------------------------------------------------------- first screen

    def answer(self) -> HTML:
        """The answer box: what happens, how long, who pays, what helps most."""
        cells = [
            ("answer.what", self._what()),
            ("answer.how_long", self._how_long()),
            ("answer.who_pays", self._who()),
            ("answer.helps", self._helps()),
        ]
        body = "".join(
            f'<div class="mb-answer-cell"><div class="mb-answer-head">{escape(self.t(k))}</div>'
            f"<p>{text}</p></div>"
            for k, text in cells
        )
        return HTML(f'<div class="mb-answer">{body}</div>')

    def _base_year_text(self) -> tuple[str, str]:
        pb = self.results.price_basis
        hit = pb[(pb["mineral"] == self.mineral) & (pb["stage"] == self.stage)]
        year = hit["p0_year"].iloc[0] if len(hit) and "p0_year" in hit else None
        src = self.kpis.get("base_price_usd_per_kg")
        year_text = str(int(year)) if year is not None and pd.notna(year) else ""
        sources = self._price_sources()
        return year_text, (src.text if src is not None else "–") + (
            f" ({self.t('answer.base_year', year=year_text)}, {sources})" if year_text else ""
        )

    def _price_sources(self) -> str:
        d = self.dataset.price_defaults
        hit = d[(d["mineral"] == self.mineral) & (d["stage"] == self.stage)]
        return str(hit["source_id"].iloc[0]) if len(hit) else ""

    def _how_long_high(self, peak: float) -> list[str]:
        """How many months the outside price is at twice its base or more, beside a peak of
        at least that: a one-month spike and a year at the same peak read alike otherwise."""
        high = self.kpis.get("months_at_twice_base_outside")
        if peak < 2.0 or high is None or not high.available or high.value < 1:
            return []
        if high.value < 2:
            return [self.t("answer.twice_base_one")]
        return [self.t("answer.twice_base", months=high.text)]

    def _what(self) -> str:
        name = self.t(f"mineral_lower.{self.mineral}")
        out_p = self.kpis.get("peak_price_multiple_outside")
        base = self.kpis.get("base_price_usd_per_kg")
        _, base_text = self._base_year_text()
        parts = []
        if out_p is not None and out_p.available and base is not None and base.available:
            peak_usd = i18n.fmt_price(out_p.value * base.value, self.language)
            month = self.kpis.get("peak_month_outside")
            when = (
                self.t("answer.rising", date=self.end_text)
                if out_p.flagged("rising_at_end")
                else self.t(
                    "answer.peak_in", date=month_text(self.start, month.value, self.language)
                )
                if month is not None and month.available
                else ""
            )
            key = "answer.price_flat" if out_p.value <= 1.005 else "answer.price"
            parts.append(
                self.t(
                    key,
                    mineral=escape(name),
                    usd=f"<strong>{peak_usd}</strong>",
                    multiple=f"<strong>{out_p.text}</strong>",
                    base=escape(base_text),
                    when=escape(when),
                )
            )
            parts.extend(self._how_long_high(out_p.value))
            ally = self.kpis.get("peak_price_multiple_alliance")
            if ally is not None and ally.available and ally.value > out_p.value * 1.01:
                # NOTE: under a floor the alliance pays more than the rest of the world.
                parts.append(
                    self.t(
                        "answer.price_alliance",
                        usd=f"<strong>{i18n.fmt_price(ally.value * base.value, self.language)}"
                        "</strong>",
                        multiple=f"<strong>{ally.text}</strong>",
                    )
                )
        short_t = self.kpis.get("cumulative_shortfall_t")
        short_pct = self.kpis.get("cumulative_shortfall_pct")
        if _has_shortfall(short_t, short_pct):
            parts.append(
                self.t(
                    "answer.shortfall",
                    tonnes=f"<strong>{short_t.text if short_t is not None else '–'}</strong>",
                    pct=f"<strong>{short_pct.text if short_pct is not None else '–'}</strong>",
                )
            )
        elif _negligible_shortfall(short_t, short_pct):
            parts.append(
                self.t(
                    "answer.shortfall_negligible",
                    tonnes=short_t.text if short_t is not None else "–",
                )
            )
        else:
            parts.append(self.t("answer.no_shortfall"))
        return " ".join(parts)

    def _how_long(self) -> str:
        rec = self.kpis.get("months_to_recovery")
        short_t = self.kpis.get("cumulative_shortfall_t")
        out_p = self.kpis.get("peak_price_multiple_outside")
        short_pct = self.kpis.get("cumulative_shortfall_pct")
        disrupted = _has_shortfall(short_t, short_pct) or (
            out_p is not None and out_p.available and out_p.value > 1.1
        )
        if not disrupted:
            return self.t("answer.no_disruption")
        if rec is not None and not rec.available and rec.flagged("open_at_horizon"):
            left = substituted_at_end(self.kpis)
            if left is not None:
                short, subst = left
                return self.t(
                    "answer.open_substituted",
                    date=self.end_text,
                    short=short.text,
                    subst=subst.text,
                )
            return self.t("answer.open", date=self.end_text)
        if rec is not None and rec.available:
            if rec.value < 1.0:  # "over after 0 months" read as a glitch
                return self.t("answer.over_at_once", date=month_text(self.start, 0, self.language))
            return self.t(
                "answer.over",
                months=i18n.fmt_number(rec.value, self.language, 0),
                date=month_text(self.start, rec.value, self.language),
            )
        return self.t("answer.unknown")

    def _who(self) -> str:
        pay = self.who_pays
        lines = []
        for who in ("buyers", "taxpayers", "revenue", "producers"):
            if who not in pay:
                continue
            total, peak, year = pay[who]
            # NOTE: no money at all: no peak year to name (the baseline's "USD 0 in the peak
            # year 2025" read as if something had happened in 2025).
            zero = abs(total) < 0.5 and not abs(peak) >= 0.5
            if zero and who == "taxpayers" and not self._fiscal_levers:
                continue  # no floor or offtake: a zero budget cost is no news
            # NOTE: buyers who pay less than at the base price (a surge or a glut) save money;
            # "USD −869 m above the base price" read as an error
            below = who == "buyers" and not zero and total < 0
            key = f"answer.pays.{who}" + ("_zero" if zero else "_below" if below else "")
            sign = -1.0 if below else 1.0
            lines.append(
                self.t(
                    key,
                    total=f"<strong>{i18n.fmt_money(sign * total, self.language)}</strong>",
                    peak=i18n.fmt_money(sign * peak, self.language),
                    year=str(year) if year is not None else "",
                    date=self.end_text,
                )
            )
            if who == "producers" and total < -0.5 and "revenue" in pay:  # a levy collected
                # NOTE: a levy never puts the alliance's price below the rest of the world's,
                # so producers can only lose where the price outside the alliance fell below
                # its base (alliance_floor's lithium: USD -384 m, the levy cutting the
                # alliance's purchases). A floor beside poorer producers reads as an error
                # unless the brief says where the loss is.
                lines[-1] += self.t("answer.pays.producers_levy")
        return "<br>".join(lines) if lines else self.t("answer.pays.none")

    @property
    def _fiscal_levers(self) -> bool:
        """Whether the scenario has a lever paid from budgets (a CfD or offtake floor)."""
        return any(f.instrument != "variable_tariff" for f in self.scenario.price_floors)

    def _helps(self) -> str:
        rows = self.compared_levers
        top = compared.best(rows)
        link = f'<a href="#{ANCHOR}">{escape(self.t("answer.see_levers"))}</a>'
        if all(r.skipped == "compared.skip.no_shortfall" for r in rows):
            return self.t("answer.helps.nothing") + " " + link
        if rows and all(r.skipped in compared.NOTHING_TO_COMPARE for r in rows):
            return self.skip_text("answer.helps.tiny") + " " + link
        if top is None:
            return self.t("answer.helps.none", n=len(rows)) + " " + link
        text = self.t(
            "answer.helps.best",
            lever=f"<strong>{escape(self.t(f'compared.lever.{top.lever}'))}</strong>",
            tonnes=f"<strong>{i18n.fmt_tonnes(top.avoided_t, self.language)}</strong>",
            pct=i18n.fmt_pct(top.avoided_pct, self.language),
        )
        cheap = compared.cheapest(rows)
        if cheap is not None:
            # NOTE: "cheapest" of a single candidate read as a recommendation (suspension_
            # snapback: the levy at 45x the market price per tonne was the only costed lever
            # that avoided 5 % or more); one candidate is called the only one.
            alone = len(compared.material_costed(rows)) == 1
            key = "answer.helps.cheapest"
            if cheap.lever == top.lever:  # the lever just named: its cost, not its name again
                key = "answer.helps.best_cost"
            elif alone:
                key = "answer.helps.only_costed"
            text += " " + self.t(
                key,
                lever=escape(self.t(f"compared.lever.{cheap.lever}")),
                usd=i18n.fmt_money(cheap.cost_usd_per_t, self.language),
                times=self._times_price(cheap),
                date=self.end_text,
                pct=i18n.fmt_pct(compared.MATERIAL_SHARE_PCT, self.language),
            )
        elif any(r.costed for r in rows):
            # NOTE: a cost per tonne over a sliver avoided reads as a bargain; say instead
            # that no costed lever avoids much.
            text += " " + self.t(
                "answer.helps.no_material",
                pct=i18n.fmt_pct(compared.MATERIAL_SHARE_PCT, self.language),
            )
        return text + " " + link
