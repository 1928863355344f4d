"""Closing sections: every source the brief shows, and the run's parameters."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mineral_briefs import __version__, i18n, narrative
from mineral_briefs.brief._html import _h2
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.brief.methods import _backtest_record
from mineral_briefs.narrative import HTML, html_table

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("mineral_briefs.brief")


class SourcesSection(BriefBase):
    """``sources`` (with ``shown_source_ids``) and ``parameters``."""

    if TYPE_CHECKING:  # rows of other sections, provided by the composed Brief

        def concentration_shares(self) -> pd.DataFrame: ...

        @property
        def news_rows(self) -> list[Any]: ...

        def flag_rows(self) -> pd.DataFrame: ...

        def watch_rows(self) -> list[tuple[Any, ...]]: ...

    def shown_source_ids(self) -> set[str]:
        """Every source id the brief shows or relies on, in any section.

        Results and scenario assumptions, market-structure rows, policy events, the seed
        claims checked against the data, flagged inputs, dated triggers and the backtest
        observations.
        """
        ids: set[str] = set(getattr(self.results, "sources", ()) or ())
        ids |= set(self.scenario.source_ids)
        ids |= {a.source_id for a in self.scenario.assumptions}
        ids |= set(self.concentration_shares()["source_id"])
        ev = self.dataset.policy_events
        if ev is not None and len(ev):
            ids |= set(ev["source_id"])
        for row in self.news_rows:
            ids |= set(row[3])
        ids |= set(self.flag_rows()["source_id"])
        ids |= {str(r[2]) for r in self.watch_rows() if r[2]}
        record = _backtest_record(self.dataset)
        if record is not None and len(record):
            ids |= set(record["source_id"])
        split = {p.strip() for sid in ids if sid for p in str(sid).split(";")}
        return {p for p in split if p and p.lower() != "nan"}

    @computed_ahead
    def sources(self) -> HTML:
        """Every source used: results, scenario and every row quoted in the brief."""
        ids = self.shown_source_ids()
        known = set(self.dataset.sources["source_id"])
        if ids - known:
            log.warning("source ids shown but not in sources.csv: %s", sorted(ids - known))
        return narrative.sources_html(self.dataset.sources_for(sorted(ids)), self.language)

    def parameters(self) -> HTML:
        """The run's parameters (scenario, language, draws, seed, digest, vintage, version)."""
        lang = self.language
        rows = [
            (self.t("params.scenario"), f"{self.scenario_id} — {self.title}"),
            (self.t("params.language"), self.t(f"language.{lang}")),
            (self.t("params.draws"), i18n.fmt_number(self.draws, lang)),
            (self.t("params.seed"), str(self.seed)),
            (self.t("params.digest"), str(self.scenario.digest())[:16]),
            (self.t("params.vintage"), str(self.results.data_vintage)),
            (self.t("params.version"), __version__),
        ]
        if self.overrides:
            rows.insert(1, (self.t("params.overrides"), self.overrides))
        table = html_table(
            [self.t("params.col.name"), self.t("params.col.value")],
            rows,
            css_class="mb-table mb-params",
        )
        return HTML(_h2("section.parameters", lang) + table)
