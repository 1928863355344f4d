"""The "levers compared" section: the scenario's alternatives, each an engine run of the
scenario with one documented change, ranked by shortfall avoided and by cost per tonne avoided
(methodology §18). The answer box (:mod:`mineral_briefs.brief.answer`) names the best of them."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

from mineral_briefs import i18n
from mineral_briefs.brief import compared
from mineral_briefs.brief._html import _p
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.brief_runs.variants import PROJECT_LEAD_MONTHS, TINY_SHORTFALL_PCT
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, html_table
from mineral_briefs.narrative.markup import Safe

ANCHOR = "levers-compared"
"""Id of the levers-compared heading (the answer box links to it)."""


class ComparedSection(BriefBase):
    """``levers_compared`` and the lever runs it shares with the answer box."""

    def skip_text(self, key: str) -> str:
        """Why a lever was not compared, with the thresholds the reason names filled in."""
        return self.t(
            key,
            pct=i18n.fmt_pct(TINY_SHORTFALL_PCT, self.language, 1),
            months=str(PROJECT_LEAD_MONTHS),
        )

    @cached_property
    def compared_levers(self) -> list[compared.LeverResult]:
        """The levers compared for the focal market (engine runs, cached per scenario)."""
        return compared.compare(self.scenario, self.results, self.dataset, self.mineral, self.stage)

    def _base_usd(self) -> float:
        base = self.kpis.get("base_price_usd_per_kg")
        return base.value if base is not None and base.available else float("nan")

    def _times_price(self, r: compared.LeverResult) -> str:
        """ "N×" the market price per tonne (the CSV's ``lever_cost_price_multiple``), read
        "N times" as every other multiple of the brief."""
        n = r.cost_price_multiple
        if not math.isfinite(n):
            return "–"
        return i18n.fmt_multiple(n, self.language, 1 if n < 10 else 0)

    def levers_compared(self) -> HTML:
        """The scenario's alternatives, each an engine run, ranked by shortfall avoided and by
        cost per tonne avoided."""
        rows = compared.ranked(self.compared_levers)
        head = f'<h2 id="{ANCHOR}">{escape(self.t("section.levers_compared"))}</h2>' + _p(
            escape(self.t("compared.intro", market=self._market_name()))
        )
        if rows and all(r.skipped in compared.NOTHING_TO_COMPARE for r in rows):
            return HTML(head + _p(escape(self.skip_text(rows[0].skipped))))
        own = self.kpis.get("cumulative_shortfall_t")
        cheap_rank = {
            r.lever: i + 1
            for i, r in enumerate(
                sorted(compared.material_costed(rows), key=lambda x: x.cost_usd_per_t)
            )
        }
        table_rows = []
        for i, r in enumerate(rows):
            table_rows.append(self._row(i + 1, r, cheap_rank.get(r.lever)))
        table = html_table(
            [
                self.t(f"compared.col.{c}")
                for c in (
                    "rank",
                    "lever",
                    "change",
                    "shortfall",
                    "avoided",
                    "avoided_pct",
                    "cost",
                    "per_t",
                    "cost_rank",
                )
            ],
            table_rows,
            css_class="mb-table mb-compared",
            numeric=(0, 3, 4, 5, 6, 7, 8),
        )
        foot = self.t(
            "compared.foot",
            shortfall=own.text if own is not None else "–",
            date=self.end_text,
            pct=i18n.fmt_pct(compared.MATERIAL_SHARE_PCT, self.language),
            price=i18n.fmt_price(self._base_usd(), self.language),
        )
        foot += self._alliance_note(rows) + self._stockpile_note(rows)
        return HTML(head + table + _p(escape(foot), "mb-note"))

    def _stockpile_note(self, rows: list[compared.LeverResult]) -> str:
        """Why a stockpile can add to the shortfall (a negative amount avoided reads as an
        error without it; methodology §7)."""
        hit = [r for r in rows if r.lever == "stockpile" and not r.skipped and r.avoided_t < 0]
        if not hit:
            return ""
        tonnes = i18n.fmt_tonnes(-hit[0].avoided_t, self.language)
        return " " + self.t("compared.stockpile_note", tonnes=tonnes)

    def _alliance_note(self, rows: list[compared.LeverResult]) -> str:
        """Why the wider alliance is measured against its own reference, with the numbers."""
        hit = [r for r in rows if r.lever == "alliance" and not r.skipped]
        if not hit:
            return ""
        parts = hit[0].detail.split("|")
        if len(parts) < 3:
            return ""
        own = self.kpis.get("cumulative_shortfall_t")
        own_text = own.text if own is not None else "–"
        named = i18n.fmt_tonnes(float(parts[1]), self.language)
        wider = i18n.fmt_tonnes(float(parts[2]), self.language)
        if wider == named:
            # NOTE: "(8.4 kt); with the new members 8.4 kt" beside "−57 t" in the table read
            # as a contradiction: the difference is given where both round alike.
            diff = float(parts[2]) - float(parts[1])
            sign = "+" if diff >= 0 else "−"
            wider += f" ({sign}{i18n.fmt_tonnes(abs(diff), self.language)})"
        # NOTE: where the named-target reference rounds to the scenario's own shortfall, the
        # "hence not …" clause would contradict itself ("8.4 kt …, hence not 8.4 kt").
        key = "compared.alliance_note_same" if named == own_text else "compared.alliance_note"
        return " " + self.t(key, own=own_text, named=named, wider=wider)

    def _row(self, rank: int, r: compared.LeverResult, cost_rank: int | None) -> list[Any]:
        lang = self.language
        name = self.t(f"compared.lever.{r.lever}")
        if r.skipped:
            return ["–", name, self.skip_text(r.skipped), "–", "–", "–", "–", "–", "–"]
        cost = i18n.fmt_money(r.extra_cost_usd, lang) if r.costed else self.t("compared.not_costed")
        per_t = (
            f"{i18n.fmt_money(r.cost_usd_per_t, lang)} ({self._times_price(r)})"
            if cost_rank is not None  # ranked only when costed and material
            else "–"
        )
        return [
            str(rank),
            name,
            Safe(escape(self._change(r))),
            i18n.fmt_tonnes(r.shortfall_t, lang),
            i18n.fmt_tonnes(r.avoided_t, lang),
            i18n.fmt_pct(r.avoided_pct, lang),
            cost,
            per_t,
            str(cost_rank) if cost_rank is not None else "–",
        ]

    def _change(self, r: compared.LeverResult) -> str:
        parts = r.detail.split("|")
        lang = self.language
        if r.lever == "stockpile":
            return self.t(
                "compared.change.stockpile",
                days=parts[0],
                stage=self.t(f"stage_lower.{parts[1]}"),
            )
        if r.lever in ("floor", "offtake"):
            return self.t(
                f"compared.change.{r.lever}",
                usd=i18n.fmt_price(float(parts[0]), lang),
                stage=self.t(f"stage_lower.{parts[1]}"),
                tonnes=i18n.fmt_tonnes(float(parts[2]), lang) if len(parts) > 2 else "–",
            )
        if r.lever == "projects":
            return self.t(
                "compared.change.projects",
                tonnes=i18n.fmt_tonnes(float(parts[0]), lang),
                date=i18n.fmt_date(parts[1], lang),
            )
        return self.t("compared.change.alliance")

    def _market_name(self) -> str:
        """The focal market in running text: "magnet production of magnet rare earths"."""
        phrase = i18n.market_phrase(self.mineral, self.stage, self.language)
        if phrase is not None:
            return phrase
        return (
            f"{i18n.mineral_name(self.mineral, self.language)}, "
            f"{self.t(f'stage_lower.{self.stage}')}"
        )
