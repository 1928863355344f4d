"""The Brief: one class composed of the section modules, listing its sections in notebook order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from toolkit.brief.exports import ExportsSection
from toolkit.brief.levers import LeversSection
from toolkit.brief.methods import MethodsSection
from toolkit.brief.sensitivity import SensitivitySection
from toolkit.brief.shock import ShockSection
from toolkit.brief.situation import SituationSection
from toolkit.brief.sources import SourcesSection
from toolkit.brief.structure import StructureSection
from toolkit.brief.summary import SummarySection
from toolkit.brief.watch import WatchSection
from toolkit.brief.whatif import WhatIfSection


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
):
    """A prepared brief: the scenario, its results and the data, in one language.

    Build it with :func:`toolkit.brief.prepare`; call one method per notebook section.
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
        "levers",
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

    def sections(self) -> dict[str, Any]:
        """Every section, by method name (for tests and for non-notebook use)."""
        return {name: getattr(self, name)() for name in self.SECTIONS}
