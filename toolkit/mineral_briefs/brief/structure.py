"""Market-structure section: who mines and who refines (table of concentration and chart)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Final

import pandas as pd

from mineral_briefs import charts, i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.figures import FiguresSection
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, Safe, html_table

CONCENTRATION_PAIRS: Final[tuple[tuple[str, str], ...]] = (
    ("rare_earths", "mining"),
    ("magnet_rees", "mining"),
    ("magnet_rees", "refining"),
    ("lithium", "mining"),
    ("lithium", "refining"),
    ("cobalt", "mining"),
    ("cobalt", "refining"),
    ("magnet_rees", "magnets"),
    ("nickel", "mining"),
    ("nickel", "refining"),
    ("graphite", "mining"),
    ("graphite", "refining"),
    ("gallium", "refining"),
)
"""(mineral, stage) rows of the "who mines, who refines" chart (those present in the data)."""


class StructureSection(FiguresSection):
    """``market``, ``concentration_shares`` and ``concentration_chart``."""

    @computed_ahead
    def market(self) -> HTML:
        """Market structure by stage: top producer, top three and HHI per mineral and stage."""
        rows = []
        for (mineral, stage), grp in self.concentration_shares().groupby(
            ["mineral", "stage"], sort=False
        ):
            named = grp[grp["country"] != "Other"].sort_values("share_pct", ascending=False)
            if named.empty:
                continue
            hhi = float((named["share_pct"] ** 2).sum())
            top = named.iloc[0]
            rows.append(
                (
                    i18n.mineral_name(mineral, self.language),
                    i18n.stage_name(stage, self.language),
                    i18n.country_name(str(top["country"]), self.language),
                    i18n.fmt_pct(float(top["share_pct"]), self.language),
                    i18n.fmt_pct(float(named["share_pct"].head(3).sum()), self.language),
                    i18n.fmt_number(hhi, self.language),
                    Safe(narrative.source_ref(str(top["source_id"]), breakable=True)),
                )
            )
        table = html_table(
            [
                self.t(f"market.col.{c}")
                for c in ("mineral", "stage", "top", "share", "top3", "hhi", "source")
            ],
            rows,
            numeric=(3, 4, 5),
        )
        return HTML(
            _h2("section.market", self.language)
            + _p(escape(self.t("market.intro", year=self.data_year)))
            + table
            + _p(escape(self.t("market.hhi_note")), "mb-note")
        )

    def concentration_shares(self) -> pd.DataFrame:
        """Shares [%] of the (mineral, stage) rows of the concentration chart (computed once
        per brief: the market table, the chart and the sources read it; a copy)."""
        return self._concentration_frame.copy()

    @cached_property
    def _concentration_frame(self) -> pd.DataFrame:
        """:meth:`concentration_shares`, computed once."""
        sh = self.shares
        # NOTE: the brief's own market is shown even where it is not one of the standing
        # rows (an antimony, copper or tungsten brief had no row for its own market)
        pairs = list(CONCENTRATION_PAIRS)
        if (self.mineral, self.stage) not in pairs:
            pairs.append((self.mineral, self.stage))
        keep = [(m, s) for m, s in pairs if ((sh["mineral"] == m) & (sh["stage"] == s)).any()]
        # NOTE: the scenario's own minerals come first so a reader finds them at the top.
        keep.sort(key=lambda p: (p[0] not in self.minerals, pairs.index(p)))
        parts = [sh[(sh["mineral"] == m) & (sh["stage"] == s)] for m, s in keep]
        df = pd.concat(parts, ignore_index=True) if parts else sh.head(0)
        return df.assign(share_pct=df["share"].astype(float) * 100.0)[
            ["mineral", "stage", "country", "share_pct", "source_id", "confidence"]
        ]

    @computed_ahead
    def concentration_chart(self) -> Any:
        """Chart: who mines, who refines (country shares by mineral and stage)."""
        df = self.concentration_shares()
        chart = charts.concentration_chart(
            df,
            self.language,
            year=self.data_year,
            alliance=self.scenario.alliance_members,
            focus=self.mineral,
        )
        return self.figure(chart, self.concentration_source_ids(df), model=False)
