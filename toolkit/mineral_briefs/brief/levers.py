"""Levers section: each policy lever's setting and its effect in its own accounting."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mineral_briefs import i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, Safe, html_table


def control_in_force(ctrl: Any) -> tuple[Any, Any]:
    """``(date the control bites, suspension start or None)`` of an export control.

    A control suspended on or before its effective date and snapping back bites from the
    snap-back (the model withholds nothing before it); otherwise from its effective date.
    """
    suspended, snap = getattr(ctrl, "suspended", None), getattr(ctrl, "snap_back", None)
    if suspended is not None and snap is not None and suspended <= ctrl.effective:
        return snap, suspended
    return ctrl.effective, None


class LeversSection(BriefBase):
    """``levers``: the table of levers (``lever_rows`` and one ``*_effect`` per lever kind)."""

    def lever_rows(self) -> list[tuple[str, str, str]]:
        """(lever, setting, effect) rows for every lever of the scenario."""
        lang, sc = self.language, self.scenario
        rows: list[tuple[str, str, str]] = []
        seen: set[tuple[str, ...]] = set()
        for ctrl in sc.export_controls:
            for mineral in ctrl.minerals:
                # NOTE: only magnet_rees has a magnet stage; an element listed beside it in
                # a control on [refining, magnets] is withheld at refining only (engine skips
                # the non-physical pair), so the setting must not claim its magnets.
                stages = [s for s in ctrl.stages if s != "magnets" or mineral == "magnet_rees"]
                start, suspended = control_in_force(ctrl)
                # NOTE: a date on or before the as-of date reads "withheld since", a later one
                # "withheld from" (scheduled in the scenario).
                key = (
                    "levers.controls_setting_past"
                    if start <= self.as_of
                    else "levers.controls_setting"
                )
                setting = "; ".join(
                    self.t(
                        key,
                        share=i18n.fmt_pct(ctrl.share_withheld * 100, lang),
                        stage_lower=self.t(f"stage_lower.{s}"),
                        mineral_of=self.t(f"mineral_of.{mineral}"),
                        start=i18n.fmt_date(start, lang),
                    )
                    for s in stages
                )
                if suspended is not None:
                    setting += " " + self.t(
                        "levers.controls_snapback", suspended=i18n.fmt_date(suspended, lang)
                    )
                effect = (
                    self.t("levers.effect_technology")
                    if set(stages) <= {"technology"}
                    else self.control_effect(mineral, seen, stages)
                )
                rows.append((self.t("levers.controls"), setting, effect))
        for floor in sc.price_floors:
            quoted = i18n.fmt_price(floor.floor.usd_per_kg(), lang)
            if floor.floor.unit != "USD/kg":  # the unit the scenario was written in, first
                number = i18n.fmt_number(
                    float(floor.floor.value), lang, i18n.auto_decimals(float(floor.floor.value))
                )
                quoted = f"{number}\u00a0{floor.floor.unit} ({quoted})"
            setting = self.t(
                "levers.floor_setting",
                price=quoted,
                mineral=self.t(f"mineral_lower.{floor.mineral}"),
                stage_lower=self.t(f"stage_lower.{floor.stage}"),
            )
            rows.append(
                (self.t(f"levers.floor_{floor.instrument}"), setting, self.floor_effect(floor))
            )
        for stock in sc.stockpiles:
            holder = (
                escape(self.scenario.alliance_name)
                if stock.holder == "alliance"
                else i18n.country_name(stock.holder, lang)
            )
            setting = self.t(
                "levers.stockpile_setting",
                days=i18n.fmt_number(
                    stock.days_of_cover, lang, i18n.days_decimals(stock.days_of_cover)
                ),
                holder=holder,
            )
            rows.append((self.t("levers.stockpile"), setting, self.stockpile_effect(stock)))
        for proj in sc.projects:
            setting = self.t(
                "levers.project_setting",
                name=escape(proj.name),
                capacity=i18n.fmt_tonnes(proj.capacity_t_per_year, lang),
                date=i18n.fmt_date(proj.start, lang, "month"),
            )
            rows.append((self.t("levers.projects"), setting, self.projects_effect()))
        return rows

    def control_effect(
        self, mineral: str, seen: set[tuple[str, ...]], stages: list[str] | None = None
    ) -> str:
        """Effect of an export control: the peak outside price of the market it hits hardest.

        The KPIs are the outcome of all the scenario's levers together, so a second control on
        a market already named says that it acts together with the one above instead of
        repeating the same figure as if it were its own effect. A control whose every stage of
        ``mineral`` is one where China is a net importer says that it withholds nothing.
        """
        inert = self._inert_control(mineral, stages or [])
        if inert:
            return inert
        kp = self.results.kpis
        peak = kp[(kp["kpi"] == "peak_price_multiple_outside") & (kp["mineral"] == mineral)]
        peak = peak[pd.notna(peak["value"])]
        if peak.empty:
            return ""
        top = peak.sort_values("value", ascending=False, kind="stable").iloc[0]
        key = (str(top["mineral"]), str(top["stage"]))
        if key in seen:
            return self.t("levers.effect_same")
        seen.add(key)
        k = self.market_kpis(*key)["peak_price_multiple_outside"]
        market = f"{i18n.mineral_name(key[0], self.language)}, {self.t(f'stage_lower.{key[1]}')}"
        text = self.t("levers.effect_controls_market", market=escape(market), multiple=k.text)
        if k.central_on_guard:
            text += f" ({self.t('chart.cap_note')})"
        return text

    def _inert_control(self, mineral: str, stages: list[str]) -> str:
        """The lever-table text of a control that withholds nothing at any of its ``stages``
        of ``mineral`` (flag ``no_net_exports``), else ``""``.

        NOTE: China's control acts on its net exports (§5); at a stage where China uses more
        than it makes the price does not move, and the reader is told why instead of reading a
        bare ×1.0 for some other stage of the mineral.
        """
        physical = [st for st in stages if st != "technology"]
        found = []
        for st in physical:
            k = self.market_kpis(mineral, st).get("peak_price_multiple_outside")
            if k is None:
                continue
            if not k.flagged("no_net_exports"):
                return ""
            found.append((st, k))
        if not found:
            return ""
        st, k = found[0]
        market = f"{i18n.mineral_name(mineral, self.language)}, {self.t(f'stage_lower.{st}')}"
        return self.t("levers.effect_controls_inert", market=escape(market), multiple=k.text)

    def projects_effect(self) -> str:
        """Further projects of typical size still needed after the scenario's own projects."""
        k = self.kpis
        n, size = k.get("projects_needed"), k.get("project_size_t_per_year")
        if n is None or not n.available:
            return "–"
        plural = "one" if n.value == 1 else "many"
        return self.t(
            "levers.effect_projects_sized",
            n=n.text,
            size=size.text if size is not None else "–",
            projects=self.t(f"finding.projects.{plural}"),
        )

    def floor_effect(self, floor: Any) -> str:
        """Effect of a price floor in the accounting of its instrument, for its own market.

        A variable levy raises tariff revenue and costs consumers; a contract for difference or
        an offtake costs taxpayers. Each money figure gives its peak calendar year and the total
        to the end of the horizon; any other money KPI of the market that is not zero follows.
        """
        k = self.market_kpis(floor.mineral, floor.stage)
        own = (
            ("consumer_cost_usd", "tariff_revenue_usd")
            if floor.instrument == "variable_tariff"
            else ("fiscal_cost_usd",)
        )
        # NOTE: the instrument's own KPIs are always shown (a levy that never binds reads
        # "USD 0"); other money KPIs only when they are not zero.
        shown = [*own] + [
            kid
            for kid in narrative.MONEY_FLOWS
            if kid not in own and kid in k and k[kid].available and k[kid].value != 0
        ]
        end = self.end_text
        parts = []
        for kid in shown:
            total, per_year = k.get(kid), k.get(f"{kid}_per_year")
            parts.append(
                self.t(
                    "levers.effect.per_year",
                    label=self.t(f"levers.label.{kid}"),
                    per_year=per_year.text if per_year is not None else "–",
                    cumulative=total.text if total is not None else "–",
                    date=end,
                )
            )
        parts += self.floor_curve(k)
        # NOTE: a floor with nothing to act on (no imports to levy, no member output to pay)
        # says why it costs nothing (engine flag ``floor_inert``, §8)
        if own[0] in k and k[own[0]].flagged("floor_inert"):
            why = "levy" if floor.instrument == "variable_tariff" else "support"
            parts.insert(0, self.t(f"levers.floor_inert.{why}"))
        return "; ".join(parts)

    def floor_curve(self, k: dict[str, Any]) -> list[str]:
        """The floor judged against the market's cost curve (methodology §19): the members'
        capacity it keeps operating above the market price, and how low the outside price went
        against the low-cost producers' cash cost. Nothing where no curve is sourced."""
        kept, low = k.get("floor_capacity_kept_t_per_year"), k.get("min_price_to_low_cost")
        out = []
        # NOTE: NaN where no member is on the curve: then nothing is said about what the floor
        # keeps alive (it cannot be told), but the price is still judged against the curve.
        if kept is not None and kept.available:
            out.append(
                self.t("levers.effect.floor_kept", kept=kept.text)
                if kept.value > 0
                else self.t("levers.effect.floor_kept_none")
            )
        if low is not None and low.available:
            out.append(self.t("levers.effect.low_cost", ratio=low.text))
        return out

    def stockpile_effect(self, stock: Any) -> str:
        """Days of the holder's own demand used from this stockpile (``Results.stockpile_use``),
        with the P10–P90 over the draws."""
        lang = self.language
        use = self.results.stockpile_use
        parts = []
        for mineral in stock.minerals:
            row = use[
                (use["holder"] == stock.holder)
                & (use["mineral"] == mineral)
                & (use["stage"] == stock.stage)
                & (use["days_of_cover"] == float(stock.days_of_cover))
            ]
            if row.empty:
                text = self.t("levers.effect_stockpile", days="–")
            else:
                r = row.iloc[0]
                dd = i18n.days_decimals(float(r["days_of_cover"]))
                days = i18n.fmt_number(float(r["value"]), lang, dd)
                text = self.t(
                    "levers.effect_stockpile_of",
                    days=days,
                    total=i18n.fmt_number(float(r["days_of_cover"]), lang, dd),
                )
                if float(r["p10"]) != float(r["p90"]):
                    text += (
                        " ("
                        + self.t(
                            "kpi.note.band",
                            p10=i18n.fmt_number(float(r["p10"]), lang, dd),
                            p90=i18n.fmt_number(float(r["p90"]), lang, dd),
                        )
                        + ")"
                    )
            if len(stock.minerals) > 1:
                text = f"{i18n.mineral_name(mineral, lang)}: {text}"
            parts.append(text)
        return "; ".join(parts)

    @computed_ahead
    def levers(self) -> HTML:
        """Policy levers: floor and tariff accounting, stockpile cover, projects needed."""
        rows = self.lever_rows()
        body = (
            html_table(
                [
                    self.t("levers.col.lever"),
                    self.t("levers.col.setting"),
                    self.t("levers.col.effect"),
                ],
                [(Safe(escape(a)), Safe(b), Safe(c)) for a, b, c in rows],
            )
            if rows
            else _p(escape(self.t("levers.none")))
        )
        ids = [
            k
            for k in (
                "consumer_cost_usd_per_year",
                "consumer_cost_usd",
                "tariff_revenue_usd_per_year",
                "tariff_revenue_usd",
                "fiscal_cost_usd_per_year",
                "fiscal_cost_usd",
                "stockpile_days_used",
                "projects_needed",
                "alliance_self_sufficiency",
            )
            if k in self.kpis and self.kpis[k].value != 0
        ]
        accounting = narrative.kpi_cards(self.kpis, self.language, ids=ids)
        return HTML(
            _h2("section.levers", self.language)
            + _p(escape(self.t("levers.intro")))
            + body
            + accounting
        )
