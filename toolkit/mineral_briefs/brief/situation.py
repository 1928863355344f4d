"""Situation sections: dated policy events, and the news claims set against the data."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Final

from mineral_briefs import i18n, narrative
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.brief_runs.plan import (
    BRANCH_RUN,
    BRANCH_SCENARIOS,
    shows_branches,
    suspension_extended_variant,
)
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, html_table
from mineral_briefs.narrative.situation import decisive_suspension_end

BRANCH_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "cumulative_shortfall_t",
    "months_to_recovery",
)


class SituationSection(BriefBase):
    """``situation`` and ``news_vs_data``."""

    def situation(self) -> HTML:
        """The situation: dated policy events with their sources, as of the brief's date; when
        the end of the suspension has passed unrecorded, both branches side by side."""
        html = narrative.situation_html(
            self.dataset.policy_events, self.language, minerals=self.minerals, as_of=self.as_of
        )
        return HTML(html + self.branches())

    def branches(self) -> str:
        """Both branches from the end of the suspension (``""`` unless its outcome is unknown,
        its date has passed and this scenario models it).

        Each column is an engine run with the brief's draws and seed: this scenario's own
        results, and the counterpart (suspension extended). The counterpart's what-if and
        tornado rows and monthly tables are not computed (``BRANCH_RUN``): the table reads its
        KPIs only, whose central row and bands are those of a full run.
        """
        events = self.dataset.policy_events
        if not shows_branches(self.scenario_id, events, self.as_of):
            return ""
        own = BRANCH_SCENARIOS[self.scenario_id]
        found = decisive_suspension_end(events)
        assert found is not None  # suspension_state found it
        end = i18n.fmt_date(found[0], self.language)
        from mineral_briefs.engine.cache import cached_run

        other = cached_run(
            suspension_extended_variant(self.dataset),
            self.dataset,
            draws=self.draws,
            seed=self.seed,
            **BRANCH_RUN,
        )
        mine = self.market_kpis(self.mineral, self.stage)
        theirs = narrative.kpi_lookup(other.kpis, self.language, self.mineral, self.stage)
        own_label = self.t(f"branches.{own}", date=end)
        other_label = self.t("branches.extended")
        rows = []
        for kid in BRANCH_KPIS:
            a, b = mine.get(kid), theirs.get(kid)
            if a is None and b is None:
                continue
            rows.append(
                (
                    self.t(f"kpi.{kid}"),
                    a.text if a is not None else "–",
                    b.text if b is not None else "–",
                )
            )
        market = (
            f"{i18n.mineral_name(self.mineral, self.language)}, "
            f"{self.t(f'stage_lower.{self.stage}')}"
        )
        table = html_table(
            [self.t("branches.col.kpi"), f"{own_label} ◆", other_label],
            rows,
            css_class="mb-table mb-branches",
            numeric=(1, 2),
        )
        follows = self.t("branches.follows", branch=escape(own_label), other=escape(other_label))
        return (
            f"<h3>{escape(self.t('branches.title', date=end))}</h3>"
            f"<p>{escape(self.t('branches.intro', date=end, market=market))}</p>"
            f"{table}<p>◆ {follows}</p>"
        )

    @computed_ahead
    def news_vs_data(self) -> HTML:
        """The seed articles' claims against the primary figures."""
        return narrative.news_vs_data_html(self.news_rows, self.language)

    @cached_property
    def news_rows(self) -> list[Any]:
        """The rows of :meth:`news_vs_data` (computed once per brief; the sources read them)."""
        return narrative.news_vs_data_rows(
            self.shares,
            self.dataset.demand_multiples,
            self.dataset.sources,
            self.language,
            self.dataset.seed_claims,
        )
