"""Situation sections: dated policy events, and the news claims set against the data."""

from __future__ import annotations

from toolkit import narrative
from toolkit.brief.base import BriefBase
from toolkit.narrative import HTML


class SituationSection(BriefBase):
    """``situation`` and ``news_vs_data``."""

    def situation(self) -> HTML:
        """The situation: dated policy events with their sources."""
        return narrative.situation_html(
            self.dataset.policy_events, self.language, minerals=self.minerals, as_of=self.start
        )

    def news_vs_data(self) -> HTML:
        """The seed articles' claims against the primary figures."""
        rows = narrative.news_vs_data_rows(
            self.shares,
            self.dataset.demand_multiples,
            self.dataset.sources,
            self.language,
            self.dataset.seed_claims,
        )
        return narrative.news_vs_data_html(rows, self.language)
