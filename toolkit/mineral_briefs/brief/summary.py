"""Summary sections: the lede (rationale and run) and the executive summary with its findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mineral_briefs import i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML


class SummarySection(BriefBase):
    """``header``, ``findings`` and ``summary``."""

    if TYPE_CHECKING:  # provided by AnswerSection in the composed Brief

        def answer(self) -> HTML: ...

    def header(self) -> HTML:
        """Lede: the scenario's rationale (escaped) and the run in one line."""
        rationale = escape(self.scenario.text("rationale", self.language))
        lede = self.t(
            "brief.lede",
            scenario=escape(self.scenario_id),
            vintage=escape(self.results.data_vintage),
            draws=i18n.fmt_number(self.draws, self.language),
            seed=self.seed,
        )
        return HTML(
            f'<div class="mb-lede"><p class="mb-rationale">{rationale}</p>'
            f'<p class="mb-run">{lede}</p></div>'
        )

    def findings(self) -> list[narrative.Finding]:
        """The executive-summary findings (structured: text and the KPI values quoted)."""
        # the stage whose producers the concentration KPI measured (the brief's own stage
        # when the run has no concentration KPI, e.g. a market with one producer row)
        stage = self.kpis["top1_share"].stage if "top1_share" in self.kpis else self.stage
        top = self.shares[
            (self.shares["mineral"] == self.mineral)
            & (self.shares["stage"] == stage)
            & (self.shares["country"] != "Other")
        ]
        top_country = str(top.iloc[0]["country"]) if len(top) else None
        return narrative.findings(
            self.kpis,
            self.language,
            mineral=self.mineral,
            top_country=top_country,
            horizon_months=self.horizon_months,
            start=self.start,
            stockpiles=[
                (
                    escape(self.scenario.alliance_name)
                    if r.holder == "alliance"
                    else i18n.country_name(r.holder, self.language),
                    float(r.value),
                    float(r.days_of_cover),
                )
                for r in self.results.stockpile_use.itertuples(index=False)
                if r.mineral == self.mineral
            ],
        )

    def summary(self) -> HTML:
        """Executive summary: the answer box (what happens, how long, who pays, what helps
        most), KPI cards and 3–5 findings with their numbers."""
        items = self.findings()
        cards = narrative.kpi_cards(self.kpis, self.language)
        if items:
            body = "".join(f"<li>{f.text}</li>" for f in items)
            listing = f'<ol class="mb-findings">{body}</ol>'
        else:
            listing = _p(escape(self.t("finding.none")))
        head = _h2("section.summary", self.language, "mb-first")
        return HTML(head + self.answer() + cards + listing)
