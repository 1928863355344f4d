"""The Brief: one class composed of the section modules, listing its sections in notebook order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mineral_briefs.brief.answer import AnswerSection
from mineral_briefs.brief.exports import ExportsSection
from mineral_briefs.brief.levers import LeversSection
from mineral_briefs.brief.methods import MethodsSection
from mineral_briefs.brief.observed import ObservedSection
from mineral_briefs.brief.sensitivity import SensitivitySection
from mineral_briefs.brief.shock import ShockSection
from mineral_briefs.brief.situation import SituationSection
from mineral_briefs.brief.sources import SourcesSection
from mineral_briefs.brief.structure import StructureSection
from mineral_briefs.brief.summary import SummarySection
from mineral_briefs.brief.watch import WatchSection
from mineral_briefs.brief.whatif import WhatIfSection

_NOT_AHEAD = ("summary", "header", "situation", "levers_compared", "parameters")
"""Sections never computed ahead (:attr:`Brief.AHEAD`)."""
_AHEAD_LAST = ("levers", "methods", "backtest", "sources")
"""Sections computed ahead last: they read the lever runs or the backtest record too."""


# NOTE: the sections are mixins over one dataclass (BriefBase) rather than functions taking
# the Brief, so the notebooks and tests keep calling ``brief.summary()`` and
# ``dataclasses.replace(brief, ...)`` as before; no two sections define the same name.
@dataclass
class Brief(
    SummarySection,
    SituationSection,
    StructureSection,
    ShockSection,
    LeversSection,
    WhatIfSection,
    SensitivitySection,
    WatchSection,
    MethodsSection,
    SourcesSection,
    ExportsSection,
    AnswerSection,
    ObservedSection,
):
    """A prepared brief: the scenario, its results and the data, in one language.

    Build it with :func:`mineral_briefs.brief.prepare`; call one method per notebook section.
    """

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "summary",
        "header",
        "situation",
        "news_vs_data",
        "market",
        "concentration_chart",
        "shock",
        "flow_chart",
        "price_chart",
        "exports_chart",
        "levers",
        "levers_compared",
        "whatif_hint",
        "whatif_chart",
        "sensitivity",
        "tornado_chart",
        "watch",
        "methods",
        "backtest",
        "sources",
        "parameters",
    )
    """Section methods in notebook order (tests call them all)."""

    AHEAD: ClassVar[tuple[str, ...]] = (
        *(name for name in SECTIONS if name not in _NOT_AHEAD and name not in _AHEAD_LAST),
        "iamc_csv",
        *_AHEAD_LAST,
    )
    """Sections computed ahead (``prepare(ahead=True)``, :mod:`mineral_briefs.brief.ahead`), in
    this order: those that read only the central run (in notebook order, then the IAMC table of
    the data download), then those that read the lever runs or the backtest record as well
    (the thread waits for them as the cell would). Not ahead: the sections whose waits the
    thread fills (``summary``, ``situation``) and three that take no time. Each is marked
    :func:`~mineral_briefs.brief.ahead.computed_ahead`."""

    def sections(self) -> dict[str, Any]:
        """Every section, by method name (for tests and for non-notebook use)."""
        return {name: getattr(self, name)() for name in self.SECTIONS}
