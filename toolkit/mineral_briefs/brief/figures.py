"""Figures: every chart of a brief carries a figure label and a source line naming its data.

The chart methods of the sections pass their finished Altair chart through
:meth:`FiguresSection.figure`; the exporter (:mod:`mineral_briefs.export`) numbers the figures
in page order and wraps each in ``<figure>`` with the label above and the source line below.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from mineral_briefs.brief.base import BriefBase

FIGURE_META_KEY = "figure"
"""Key under the chart's ``usermeta.mineral_briefs`` read by the exporter."""
MAX_SOURCES = 2
"""Sources named on one source line; the rest are counted (the Sources section lists all)."""


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def cite_short(record: Any) -> str:
    """``Publisher (year), document`` of one ``sources.csv`` row, the title cut at its colon.

    # NOTE: long report titles carry their chapter list after a colon or a bracket ("Mineral
    # Commodity Summaries 2026: commodity data sheets (lithium, …)"); the source line keeps the
    # document name, the Sources section keeps the full title.
    """
    publisher = _clean(getattr(record, "publisher", "")).replace(";", ",")
    year = _clean(getattr(record, "year", ""))
    year = str(int(float(year))) if year else ""
    title = re.split(r": | \(|; ", _clean(getattr(record, "title", "")))[0]
    if len(title) > 60:
        title = title[:58].rsplit(" ", 1)[0] + " …"
    head = f"{publisher} ({year})" if year else publisher
    return f"{head}, {title}" if title else head


def split_ids(ids: Iterable[Any]) -> list[str]:
    """Source ids in first-seen order, ``a;b`` cells split, empty and ``nan`` dropped."""
    out: list[str] = []
    for sid in ids:
        for part in _clean(sid).split(";"):
            part = part.strip()
            if part and part.lower() != "nan" and part not in out:
                out.append(part)
    return out


def question_of(scenario: Any) -> str:
    """The adviser's question a scenario answers, for the index: ``help`` (floors, stockpiles or
    projects), ``demand`` (a demand surge), ``supply`` (export controls only) or ``baseline``.

    # NOTE: a scenario that pairs a shock with an allied response (stockpiles, floors) answers
    # "does the response help?"; the shock alone answers "what if supply is cut / demand soars?".
    """
    if any(getattr(scenario, k, ()) for k in ("price_floors", "stockpiles", "projects")):
        return "help"
    if getattr(scenario, "demand", ()):
        return "demand"
    if getattr(scenario, "export_controls", ()):
        return "supply"
    return "baseline"


class FiguresSection(BriefBase):
    """``figure`` (label and source line on a chart) and the source ids of the model charts."""

    def source_line(self, ids: Iterable[Any], *, model: bool) -> str:
        """``Source: …`` naming publisher, year and document of each id (plain text).

        Parameters
        ----------
        ids
            Source ids of the chart's data (``a;b`` cells allowed); ids without a row in
            ``sources.csv`` (``ASSUMPTION``) are named as the team's assumption.
        model
            The chart shows model output: the line says so before naming the data.
        """
        wanted = split_ids(ids)
        table = self.dataset.sources.set_index("source_id")
        named = [self._cite(table.loc[s]) if s in table.index else "" for s in wanted]
        cited = [n for n in named if n]
        if any(not n for n in named):
            cited.append(self.t("figure.assumption"))
        more = len(cited) - MAX_SOURCES
        shown = "; ".join(cited[:MAX_SOURCES])
        if more > 0:
            shown += "; " + self.t("figure.more", n=str(more))
        if not shown:
            return self.t("figure.source_model_only")
        plural = "s" if len(cited) > 1 else ""
        key = f"figure.source{plural}_model" if model else f"figure.source{plural}"
        return self.t(key, sources=shown)

    def _cite(self, record: Any) -> str:
        """Short citation; a low-grade source (blog, aggregator) says so on the source line."""
        text = cite_short(record)
        if _clean(getattr(record, "confidence", "")) == "low_grade":
            text += f" ({self.t('figure.low_grade')})"
        return text

    def figure(self, chart: Any, ids: Iterable[Any], *, model: bool = True) -> Any:
        """The chart with its figure label and source line in ``usermeta`` (a copy)."""
        if not hasattr(chart, "to_dict"):
            return chart  # an HTML note instead of a chart: no figure
        out = chart.copy(deep=False)
        meta = dict(getattr(out, "usermeta", None) or {})
        mb = dict(meta.get("mineral_briefs") or {})
        mb[FIGURE_META_KEY] = {
            "label": self.t("figure.label"),
            "source": self.source_line(ids, model=model),
        }
        meta["mineral_briefs"] = mb
        out.usermeta = meta
        return out

    def market_source_ids(self, *, parameters: bool = False) -> list[str]:
        """Source ids of the focal market's model inputs: production of the focal market, the
        scenario's own sources, demand and prices of the focal mineral (and its parameters)."""
        ds = self.dataset
        ids: list[Any] = []
        prod = ds.production
        rows = prod[(prod["mineral"] == self.mineral) & (prod["stage"] == self.stage)]
        rows = rows[rows["year"] <= self.data_year]
        if len(rows):
            ids += list(rows[rows["year"] == rows["year"].max()]["source_id"])
        ids += list(self.scenario.source_ids)
        for frame in (ds.demand, ds.prices):
            if frame is not None and len(frame):
                ids += list(frame[frame["mineral"] == self.mineral]["source_id"])
        if parameters and ds.model_parameters is not None:
            mp = ds.model_parameters
            ids += list(mp[mp["mineral"].isin([self.mineral, "all"])]["source_id"])
        return split_ids(ids)

    def concentration_source_ids(self, frame: pd.DataFrame) -> list[str]:
        """Source ids of the market-structure rows a chart shows."""
        return split_ids(frame["source_id"]) if "source_id" in frame else []
