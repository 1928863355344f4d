"""The top-level Scenario model: horizon, alliance, every lever, uncertainty, markets and sources.

Also the helpers the engine and the briefs call on a resolved scenario (alliance members,
localized text, the canonical JSON and the digest that render cache keys use).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.alliance import ALLIANCE_PRESETS, Alliance, expand_members
from mineral_briefs.scenarios.base import (
    HORIZON_END,
    Id,
    LText,
    Mineral,
    Month,
    PhysicalStage,
    StrictModel,
    Text,
    Whole,
    add_months,
    check_stage,
    months_between,
    unique,
)
from mineral_briefs.scenarios.china import China
from mineral_briefs.scenarios.controls import ExportControl
from mineral_briefs.scenarios.demand import DemandSpec
from mineral_briefs.scenarios.floors import PriceFloor
from mineral_briefs.scenarios.outages import SupplyOutage
from mineral_briefs.scenarios.overrides import BaseOverrides
from mineral_briefs.scenarios.projects import Project
from mineral_briefs.scenarios.stockpiles import Stockpile
from mineral_briefs.scenarios.surge import SupplySurge
from mineral_briefs.vocab import LANGUAGES


def _market(row: Any) -> tuple[str, str]:
    return (row.mineral, row.stage)


def _one_stock_per_holder(stocks: tuple[Stockpile, ...]) -> tuple[Stockpile, ...]:
    """Refuse two stockpile entries of one holder on one market."""
    # NOTE: two stocks of one holder on one market would simply add up; refusing them keeps
    # the brief's stockpile table (one row per holder and market) equal to the file.
    seen: dict[tuple[str, str, str], int] = {}
    for n, sp in enumerate(stocks):
        for mi in sp.minerals:
            key = (sp.holder, mi, sp.stage)
            if key in seen and seen[key] != n:
                raise PydanticCustomError(
                    "duplicate",
                    "holder {h} on market {m}/{s} is listed more than once ([{a}] and [{b}]); "
                    "allowed: one entry per holder and market (add the days of cover up)",
                    {"h": sp.holder, "m": mi, "s": sp.stage, "a": seen[key], "b": n},
                )
            seen[key] = n
    return stocks


def _check_within_horizon(sc: Scenario) -> None:
    """Refuse a lever that cannot act within the horizon: it starts after the last simulated
    month, or it ends before the first.

    NOTE: such a lever ran and changed nothing, and the brief listed it among the scenario's
    levers as if it had been tested (2026-12-03 audit: an export control effective in 2040 in a
    2025–2027 run, a project starting in 2049).
    """
    first, after = sc.horizon.start, add_months(sc.horizon.end, 1)
    controls = sc.export_controls
    starts: list[tuple[str, dt.date]] = [
        # NOTE: a control acts from its announcement (hoarding, front-running, §5, §6a)
        *((f"export_controls[{n}].announced", c.announced) for n, c in enumerate(controls)),
        *((f"price_floors[{n}].start", f.start) for n, f in enumerate(sc.price_floors)),
        *((f"projects[{n}].start", p.start) for n, p in enumerate(sc.projects)),
        *((f"supply_surge[{n}].start", g.start) for n, g in enumerate(sc.supply_surge)),
        *((f"supply_outages[{n}].start", o.start) for n, o in enumerate(sc.supply_outages)),
    ]
    ends: list[tuple[str, dt.date | None]] = [
        *((f"export_controls[{n}].ends", c.ends) for n, c in enumerate(controls)),
        *((f"price_floors[{n}].end", f.end) for n, f in enumerate(sc.price_floors)),
    ]
    span = f"{first:%Y-%m} to {sc.horizon.end:%Y-%m}"
    for path, day in starts:
        if day >= after:
            raise PydanticCustomError(
                "located",
                "{msg}",
                {
                    "path": path,
                    "msg": f"{day.isoformat()} is after the horizon ({span}), so the lever "
                    "cannot act in this run; allowed: a date within the horizon, or a longer "
                    "horizon.months",
                },
            )
    for path, end in ends:
        if end is not None and end <= first:
            raise PydanticCustomError(
                "located",
                "{msg}",
                {
                    "path": path,
                    "msg": f"{end.isoformat()} is not after the horizon's start ({span}), so the "
                    "lever has ended before the run begins; allowed: a later date, or an "
                    "earlier horizon.start",
                },
            )


class Horizon(StrictModel):
    """Simulated months: ``start`` month and number of ``months`` (last month <= 2050-12)."""

    start: Month
    months: Annotated[Whole, Field(ge=1, le=732)]

    @model_validator(mode="after")
    def _within_data(self) -> Horizon:
        if self.end > HORIZON_END:
            raise PydanticCustomError(
                "horizon",
                "horizon ends {end}, beyond {last} (the last month data and model support); "
                "allowed: at most {most} months from {start}",
                {
                    "end": self.end.strftime("%Y-%m"),
                    "last": HORIZON_END.strftime("%Y-%m"),
                    "most": months_between(self.start, HORIZON_END) + 1,
                    "start": self.start.strftime("%Y-%m"),
                },
            )
        return self

    @property
    def end(self) -> dt.date:
        """Last simulated month (first day) [date]."""
        return add_months(self.start, self.months - 1)

    def month_starts(self) -> list[dt.date]:
        """First day of every simulated month."""
        return [add_months(self.start, i) for i in range(self.months)]


class Uncertainty(StrictModel):
    """Monte Carlo settings: ``draws`` (0 = deterministic only) and ``seed``."""

    draws: Annotated[Whole, Field(ge=0, le=100_000)] = 0
    seed: Annotated[Whole, Field(ge=0, le=2**63 - 1)] = 0


class Market(StrictModel):
    """One mineral x stage market."""

    mineral: Mineral
    stage: PhysicalStage

    @model_validator(mode="after")
    def _consistent(self) -> Market:
        check_stage(self.mineral, self.stage)
        return self


class Assumption(StrictModel):
    """A claim taken from news or judgement, with the source id that supports it.

    ``claim`` is text, or ``{en: text, de: text}`` (built-in scenarios give both languages).
    """

    claim: LText
    source_id: Text

    def text(self, language: str = "en") -> str:
        """The claim in ``language`` (``en``/``de``); a plain string is returned for every language.

        Use :meth:`is_localized` to know whether the text really is in ``language``.
        """
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
        if isinstance(self.claim, str):
            return self.claim
        return str(getattr(self.claim, language))

    @property
    def is_localized(self) -> bool:
        """Whether the claim is given in every language (``{en, de}``), not as plain text."""
        return not isinstance(self.claim, str)


class Scenario(StrictModel):
    """A validated, resolved scenario (``extends`` already merged in)."""

    id: Id
    title: LText
    rationale: LText
    extends: str | None = None
    horizon: Horizon
    alliance: Alliance = "us_eu_japan"
    export_controls: tuple[ExportControl, ...] = ()
    # NOTE: the model keeps one floor per market (a second one used to replace the first with
    # a log line only): two floors on one market are refused.
    price_floors: Annotated[
        tuple[PriceFloor, ...], unique(lambda f: (f.mineral, f.stage), "a floor on market ")
    ] = ()
    demand: tuple[DemandSpec, ...] = ()
    stockpiles: Annotated[tuple[Stockpile, ...], AfterValidator(_one_stock_per_holder)] = ()
    projects: tuple[Project, ...] = ()
    supply_surge: tuple[SupplySurge, ...] = ()
    supply_outages: tuple[SupplyOutage, ...] = ()
    china: China = China()
    base_overrides: BaseOverrides | None = None
    uncertainty: Uncertainty = Uncertainty()
    # NOTE: `markets: []` read as "every market" (like no list); an empty list is refused.
    markets: (
        Annotated[tuple[Market, ...], Field(min_length=1), unique(_market, "market ")] | None
    ) = None
    assumptions: tuple[Assumption, ...] = ()
    sources: Annotated[tuple[Text, ...], unique()] = ()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        minerals = [d.mineral for d in self.demand]
        dupes = sorted({m for m in minerals if minerals.count(m) > 1})
        if dupes:
            raise PydanticCustomError(
                "duplicate", "demand lists mineral(s) {m} more than once", {"m": ", ".join(dupes)}
            )
        _check_within_horizon(self)
        return self

    # -- helpers for the engine and the briefs ------------------------------------------------

    @property
    def alliance_members(self) -> tuple[str, ...]:
        """ISO3 codes of the alliance members (``EU27`` expanded), sorted."""
        if isinstance(self.alliance, str):
            members: Iterable[str] = ALLIANCE_PRESETS[self.alliance]
        else:
            members = self.alliance.members
        return expand_members(members)

    @property
    def alliance_name(self) -> str:
        """Preset id or the custom alliance's name."""
        return self.alliance if isinstance(self.alliance, str) else self.alliance.name

    @property
    def source_ids(self) -> tuple[str, ...]:
        """Every source id the scenario cites (``sources`` + assumptions), sorted, unique."""
        return tuple(sorted({*self.sources, *(a.source_id for a in self.assumptions)}))

    def members_of(self, members: str | Sequence[str]) -> tuple[str, ...]:
        """ISO3 codes for a ``members``/``targets`` value (``alliance``/``EU27`` expanded).

        ``"all"`` returns an empty tuple, meaning every importer.
        """
        if members == "all":
            return ()
        if members == "alliance":
            return self.alliance_members
        return expand_members([members] if isinstance(members, str) else members)

    def text(self, field: str, language: str = "en") -> str:
        """The ``title`` or ``rationale`` in ``language`` (``en``/``de``).

        A plain string is returned for every language.
        """
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
        if field not in ("title", "rationale"):
            raise ValueError(f"no localized field {field!r}; allowed: title, rationale")
        value = getattr(self, field)
        if isinstance(value, str):
            return value
        return str(getattr(value, language))

    def claims(self, language: str = "en") -> tuple[str, ...]:
        """The assumptions' claims in ``language``, in order (see :meth:`Assumption.text`)."""
        return tuple(a.text(language) for a in self.assumptions)

    def canonical_json(self) -> str:
        """Canonical JSON of the resolved model (sorted keys; ``extends`` left out)."""
        # NOTE: `extends` is dropped: two files that resolve to the same content are the same
        # scenario for caching, whatever path they extend through.
        data = self.model_dump(mode="json", exclude={"extends"})
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def digest(self) -> str:
        """sha256 hex digest of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
