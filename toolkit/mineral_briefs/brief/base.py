"""The prepared brief's inputs (scenario, results, data) and the lookups every section shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from mineral_briefs import i18n, narrative
from mineral_briefs.narrative import KPI


def _minerals_of(scenario: Any) -> list[str]:
    """Minerals a scenario acts on, in order of appearance (export controls first)."""
    found: list[str] = []
    for ctrl in getattr(scenario, "export_controls", ()):
        found += list(ctrl.minerals)
    for item in (
        *getattr(scenario, "price_floors", ()),
        *getattr(scenario, "projects", ()),
        *getattr(scenario, "demand", ()),
    ):
        found.append(item.mineral)
    for stock in getattr(scenario, "stockpiles", ()):
        found += list(stock.minerals)
    for market in getattr(scenario, "markets", None) or ():
        found.append(market.mineral)
    return list(dict.fromkeys(found))


@dataclass
class BriefBase:
    """A prepared brief's inputs and shared lookups; :class:`mineral_briefs.brief.Brief` adds the
    sections. Build it with :func:`mineral_briefs.brief.prepare`.
    """

    scenario: Any
    results: Any
    dataset: Any
    language: str
    draws: int
    seed: int
    mineral: str = "magnet_rees"
    stage: str = "refining"
    # NOTE: the date the brief speaks from (render date by default); a field with a default
    # so that briefs built without it (comparisons, tests) read as of today.
    as_of: dt.date = field(default_factory=dt.date.today)
    # NOTE: the lever overrides applied to the scenario file (``path = value; …``; empty:
    # none), shown in the run's parameters so a forwarded brief says it is not the file's run.
    overrides: str = ""
    # NOTE: read only by ExportsSection.meta, but a dataclass field must be declared here,
    # on the one dataclass the sections share.
    _displayed_meta: bool = field(default=False, repr=False)
    # NOTE: the sections computed ahead in a thread (brief.ahead; ``prepare(ahead=True)``).
    # Not an init field, so ``dataclasses.replace`` gives the new brief none: the thread's
    # results belong to the brief it was started for.
    _ahead: Any = field(default=None, init=False, repr=False, compare=False)

    def t(self, key: str, **values: Any) -> str:
        """Translate a catalogue key into the brief's language."""
        return i18n.t(key, self.language, **values)

    @property
    def scenario_id(self) -> str:
        """Id of the scenario."""
        return str(self.scenario.id)

    @property
    def title(self) -> str:
        """Scenario title in the brief's language (raw text: escape before use in HTML)."""
        return str(self.scenario.text("title", self.language))

    @cached_property
    def kpis(self) -> dict[str, KPI]:
        """KPIs of the focal mineral and stage, formatted."""
        return narrative.kpi_lookup(self.results.kpis, self.language, self.mineral, self.stage)

    @cached_property
    def shares(self) -> pd.DataFrame:
        """Country shares by mineral and stage (``data.market_base``), with ``year``."""
        from mineral_briefs.engine.base import _market_base

        year = self.data_year
        # NOTE: the engine's per-Dataset memo of the same look-up (a copy): the engine has
        # read it for the brief's runs already (0.1 s a brief, measured 2026-12-02).
        frame = _market_base(self.dataset, year).assign(year=year)
        # NOTE: magnet production is published as shares only (no tonnes), so market_base
        # leaves it out; the brief adds the latest share rows of that stage.
        prod = self.dataset.production
        mag = prod[
            (prod["stage"] == "magnets")
            & (prod["unit"] == "%")
            & (prod["country"] != "World")
            & (prod["year"] <= year)
        ]
        if len(mag):
            mag = mag[mag["year"] == mag["year"].max()]
            frame = pd.concat(
                [
                    frame,
                    pd.DataFrame(
                        {
                            "mineral": mag["mineral"],
                            "stage": mag["stage"],
                            "country": mag["country"],
                            "quantity_t": float("nan"),
                            "share": mag["value"].astype(float) / 100.0,
                            "source_id": mag["source_id"],
                            "confidence": mag["confidence"],
                            "year": mag["year"].astype(int),
                        }
                    ),
                ],
                ignore_index=True,
            )
        return frame

    @property
    def data_year(self) -> int:
        """Year of the market-structure data (the latest year with World rows, ≤ 2024)."""
        prod = self.dataset.production
        years = prod.loc[(prod["country"] == "World") & (prod["year"] <= 2024), "year"]
        return int(years.max()) if len(years) else 2024

    @cached_property
    def minerals(self) -> list[str]:
        """Minerals of this scenario (focal first), else every mineral in the KPIs."""
        found = _minerals_of(self.scenario)
        if not found and self.results.kpis is not None and len(self.results.kpis):
            found = [m for m in dict.fromkeys(self.results.kpis["mineral"]) if m != "all"]
        return list(dict.fromkeys([self.mineral, *found]))

    @property
    def horizon_months(self) -> int:
        """Simulated months."""
        return int(self.scenario.horizon.months)

    @property
    def start(self) -> dt.date:
        """First simulated month."""
        return self.scenario.horizon.start  # type: ignore[no-any-return]

    @property
    def end_text(self) -> str:
        """The horizon's last month in running text ("September 2028")."""
        return narrative.month_text(self.start, self.horizon_months - 1, self.language)

    def market_kpis(self, mineral: str, stage: str) -> dict[str, KPI]:
        """KPIs of one market (mineral and stage), formatted in the brief's language."""
        return narrative.kpi_lookup(self.results.kpis, self.language, mineral, stage)

    def kpi_unit(self, kpi: str) -> str:
        """Unit of a KPI for axis titles (``× pre-shock price``, ``%``, ``months`` …)."""
        if kpi in narrative.MULTIPLE_KPIS:
            return self.t("kpi.note.multiple")
        if kpi in narrative.SHARE_KPIS:
            return "%"
        if kpi == "months_to_recovery":
            return self.t("unit.months")
        if kpi == "stockpile_days_used":
            return self.t("unit.days")
        if kpi == "cumulative_shortfall_t":
            return "t"
        if kpi in narrative.MONEY_KPIS:
            return "USD"
        return ""

    def parameter_label(self, parameter: str) -> str:
        """Display name of a model parameter (catalogue ``param.<id>``, else the id itself)."""
        key = f"param.{parameter}"
        if parameter.startswith("demand_share_") and not i18n.has(key, self.language):
            code = parameter.removeprefix("demand_share_")
            return self.t("param.demand_share", country=i18n.country_name(code, self.language))
        # NOTE: an unknown parameter id is shown as the id (an identifier, like a source id),
        # in both languages.
        return self.t(key) if i18n.has(key, self.language) else parameter

    def _catalogue_or(self, prefix: str, ident: str) -> str:
        """Catalogue text ``<prefix>.<ident>``, else the identifier itself."""
        key = f"{prefix}.{ident}"
        return self.t(key) if i18n.has(key, self.language) else ident

    def _variable(self, quantity: str, stage: str | None = None) -> str:
        from mineral_briefs.model.codelist import variable

        return variable(quantity, self.mineral, stage or self.stage)
