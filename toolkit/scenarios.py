"""Scenario files: pydantic models, loading, ``extends`` resolution and validation.

A scenario is one YAML file in ``scenarios/`` (file stem == scenario id) or anywhere on disk.
Every problem found is reported at once as a :class:`toolkit.errors.ScenarioError` whose
message holds one line per problem: the file, the key path (``export_controls[0].share_withheld``)
and what is allowed, with a did-you-mean for misspelled keys and unknown ids.

Public API
----------
- :func:`load_scenario` — built-in id or path -> resolved, validated :class:`Scenario`
- :func:`parse_scenario` — YAML text -> :class:`Scenario` (no ``extends`` to files)
- :func:`scenario_files` — the file and every file it extends (render cache keys)
- :func:`list_scenarios`, :func:`list_backtests`, :func:`load_backtest`
- :func:`scenarios_dir`

Security: ids must match ``[a-z0-9_]{1,64}``; paths must end in ``.yaml``/``.yml`` and be at most
1 MB (checked before reading); YAML is read with a safe loader that also refuses aliases
(no "billion laughs"); ``extends`` may not leave the folder of the extending file.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import json
import logging
import math
import os
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from toolkit.errors import ScenarioError
from toolkit.vocab import (
    EU27,
    IEA_SCENARIOS,
    ISO3,
    LANGUAGES,
    MINERALS,
    PHYSICAL_STAGES,
    STAGES,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ALLIANCE_PRESETS",
    "MAX_FILE_BYTES",
    "HORIZON_END",
    "Scenario",
    "ScenarioInfo",
    "Price",
    "LocalizedText",
    "AllianceSpec",
    "ExportControl",
    "PriceFloor",
    "DemandSpec",
    "Growth",
    "Stockpile",
    "StockpileRelease",
    "StockpileRefill",
    "Project",
    "BaseOverrides",
    "Horizon",
    "Uncertainty",
    "Market",
    "Assumption",
    "load_scenario",
    "parse_scenario",
    "scenario_files",
    "list_scenarios",
    "list_backtests",
    "load_backtest",
    "scenarios_dir",
    "is_valid_id",
]

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file read [bytes]; larger files are refused before parsing."""

HORIZON_END = dt.date(2050, 12, 1)
"""Last month the data and the model support (IEA projections end in 2050)."""

EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

ID_RE = re.compile(r"^[a-z0-9_]{1,64}$")
UNIT_RE = re.compile(r"^([A-Za-z]+)/([A-Za-z]+)$")

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "CNY", "JPY")
MASS_UNITS_KG: dict[str, float] = {"kg": 1.0, "t": 1000.0, "lb": 0.45359237}
"""Mass unit -> kilograms."""

# NOTE: indicative conversion rates [USD per unit of currency], 2025 averages rounded; only used by
# Price.usd_per_kg() when the caller passes no rates. Prices in the built-ins are all in USD.
DEFAULT_USD_PER_CURRENCY: dict[str, float] = {"USD": 1.0, "EUR": 1.13, "CNY": 0.139, "JPY": 0.0067}

ALLIANCE_PRESETS: dict[str, tuple[str, ...]] = {
    "us_japan": ("USA", "JPN"),
    "us_eu_japan": ("USA", "JPN", *EU27),
    # NOTE: "wider partnership" = Minerals Security Partnership members (US, EU and its members,
    # Japan, UK, Canada, Australia, Korea, India, Norway) — an assumption, see scenario sources.
    "wider_partnership": ("USA", "JPN", *EU27, "GBR", "CAN", "AUS", "KOR", "IND", "NOR"),
}

INSTRUMENTS: tuple[str, ...] = ("variable_tariff", "cfd", "offtake")
SHAPES: tuple[str, ...] = ("log_linear", "linear", "s_curve")
TRIGGERS: tuple[str, ...] = ("shortfall", "price")

_TAG = "~"  # loc items starting with this are union tags, dropped from key paths


# ---------------------------------------------------------------------------------------------
# small validators
# ---------------------------------------------------------------------------------------------


def _suggest(value: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed value, or ``""``."""
    options = [str(a) for a in allowed]
    match = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if not match:
        lowered = {o.lower(): o for o in options}
        if str(value).lower() in lowered:
            match = [lowered[str(value).lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""


def _unknown(what: str, value: Any, allowed: Sequence[str], *, show: bool = True) -> Exception:
    allowed_txt = ", ".join(allowed) if show else ""
    hint = _suggest(value, allowed) if isinstance(value, str) else ""
    msg = f"unknown {what} {value!r}{hint}"
    if allowed_txt:
        msg += f"; allowed: {allowed_txt}"
    return PydanticCustomError("unknown_id", msg)


def _choice(what: str, allowed: Sequence[str], *, show: bool = True) -> Any:
    """Build a before-validator accepting only ``allowed`` strings (with a did-you-mean)."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "id_type", f"must be a {what} name (text), got {type(value).__name__}"
            )
        if value not in allowed:
            raise _unknown(what, value, allowed, show=show)
        return value

    return BeforeValidator(check)


def _check_country(value: Any, *, extra: Sequence[str] = ()) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "id_type", f"must be an ISO 3166-1 alpha-3 country code (text), got {value!r}"
        )
    if value in ISO3 or value in extra:
        return value
    allowed = sorted(ISO3) + list(extra)
    if value.upper() in ISO3:
        hint = f" (did you mean '{value.upper()}'?)"
    else:
        hint = _suggest(value, allowed) or _suggest(value.upper(), allowed)
    examples = "CHN, USA, JPN, COD, AUS" + (", " + ", ".join(extra) if extra else "")
    raise PydanticCustomError(
        "unknown_id",
        f"unknown country {value!r}{hint}; allowed: an ISO 3166-1 alpha-3 code such as {examples}",
    )


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}", text):
                day = dt.date(int(text[:4]), int(text[5:7]), 1)
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
            else:
                raise ValueError
        except ValueError:
            raise PydanticCustomError(
                "date_format", f"must be a date YYYY-MM-DD or a month YYYY-MM, got {value!r}"
            ) from None
    else:
        raise PydanticCustomError(
            "date_format", f"must be a date YYYY-MM-DD or a month YYYY-MM, got {value!r}"
        )
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise PydanticCustomError(
            "date_range",
            f"date {day.isoformat()} is outside {EARLIEST_DATE.isoformat()}…"
            f"{LATEST_DATE.isoformat()}",
        )
    return day


def _to_month(value: Any) -> dt.date:
    return _to_date(value).replace(day=1)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise PydanticCustomError("finite_number", "must be a finite number (not .nan or .inf)")
    return value


def _no_bool(value: Any) -> Any:
    # NOTE: YAML turns `yes`/`no`/`true` into booleans; a boolean is never a valid number here.
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", f"must be a number, got {value!r}")
    return value


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", f"must be text, got {type(value).__name__}")
    if not value.strip():
        raise PydanticCustomError("empty_text", "must not be empty")
    # NOTE: control characters (terminal escapes, NUL) have no place in titles or claims and
    # could rewrite a terminal running `mineral-briefs list`; refuse them.
    if _CONTROL_CHARS.search(value):
        raise PydanticCustomError(
            "control_chars", "must not contain control characters (only tab and newline)"
        )
    return value


Id = Annotated[str, BeforeValidator(lambda v: _check_id(v))]
Mineral = Annotated[str, _choice("mineral", tuple(MINERALS))]
Stage = Annotated[str, _choice("stage", tuple(STAGES))]
PhysicalStage = Annotated[str, _choice("stage", PHYSICAL_STAGES)]
Country = Annotated[str, BeforeValidator(lambda v: _check_country(v))]
MemberCountry = Annotated[str, BeforeValidator(lambda v: _check_country(v, extra=("EU27",)))]
ProductionCountry = Annotated[
    str, BeforeValidator(lambda v: _check_country(v, extra=("World", "Other")))
]
IEAScenario = Annotated[str, _choice("IEA scenario", IEA_SCENARIOS)]
Instrument = Annotated[str, _choice("instrument", INSTRUMENTS)]
Shape = Annotated[str, _choice("demand curve shape", SHAPES)]
Trigger = Annotated[str, _choice("release trigger", TRIGGERS)]
Date = Annotated[dt.date, BeforeValidator(_to_date)]
Month = Annotated[dt.date, BeforeValidator(_to_month)]
Number = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_finite)]
Share = Annotated[Number, Field(ge=0.0, le=1.0)]
Whole = Annotated[int, BeforeValidator(_no_bool)]
Text = Annotated[str, BeforeValidator(_text)]


def _check_unit(value: Any) -> str:
    allowed = "'<CURRENCY>/<MASS>' with CURRENCY in {} and MASS in {}".format(
        ", ".join(CURRENCIES), ", ".join(MASS_UNITS_KG)
    )
    if not isinstance(value, str):
        raise PydanticCustomError(
            "price_unit", f"unit must be text such as USD/kg; allowed: {allowed}"
        )
    match = UNIT_RE.fullmatch(value.strip())
    if not match:
        raise PydanticCustomError("price_unit", f"invalid unit {_short(value)}; allowed: {allowed}")
    cur, mass = match.groups()
    if cur not in CURRENCIES:
        raise _unknown("currency", cur, CURRENCIES)
    if mass not in MASS_UNITS_KG:
        raise _unknown("mass unit", mass, tuple(MASS_UNITS_KG))
    return f"{cur}/{mass}"


PriceUnit = Annotated[str, BeforeValidator(_check_unit)]


def _check_id(value: Any) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise PydanticCustomError(
            "id_format",
            f"invalid id {value!r}; allowed: 1–64 characters a–z, 0–9 and _",
        )
    return value


def _union_tag(*pairs: tuple[type | tuple[type, ...], str]) -> Any:
    """Return a callable discriminator mapping the input's Python type to a tag."""

    def pick(value: Any) -> str | None:
        for types, tag in pairs:
            if isinstance(value, types):
                return tag
        return None

    return pick


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------


class _Model(BaseModel):
    """Base: unknown keys rejected (with a did-you-mean), frozen, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        allowed = list(cls.model_fields)
        for key in data:
            if not isinstance(key, str):
                raise PydanticCustomError(
                    "key_type",
                    "keys must be text, got {key!r}; allowed keys: {allowed}",
                    {"key": key, "allowed": ", ".join(allowed)},
                )
        return data


class LocalizedText(_Model):
    """Text in English and German."""

    en: Text
    de: Text


LText = Annotated[
    Annotated[Text, Tag(_TAG + "text")] | Annotated[LocalizedText, Tag(_TAG + "localized")],
    Discriminator(
        _union_tag((str, _TAG + "text"), ((Mapping, BaseModel), _TAG + "localized")),
        custom_error_type="text_type",
        custom_error_message="must be text, or a mapping {en: text, de: text}",
    ),
]


class Price(_Model):
    """A price with its unit, e.g. ``{value: 110, unit: USD/kg}``."""

    value: Annotated[Number, Field(gt=0)]
    unit: PriceUnit

    @model_validator(mode="before")
    @classmethod
    def _needs_unit(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "value" in data and "unit" not in data:
            raise PydanticCustomError(
                "price_unit",
                "a price needs a unit: {value: …, unit: USD/kg}; currencies "
                + ", ".join(CURRENCIES)
                + "; masses "
                + ", ".join(MASS_UNITS_KG),
            )
        return data

    @property
    def currency(self) -> str:
        """Currency code of the price (``USD`` …)."""
        return self.unit.split("/")[0]

    @property
    def mass_unit(self) -> str:
        """Mass unit of the price (``kg``, ``t``, ``lb``)."""
        return self.unit.split("/")[1]

    def usd_per_kg(self, usd_per_currency: Mapping[str, float] | None = None) -> float:
        """Price converted to [USD/kg].

        Parameters
        ----------
        usd_per_currency
            Exchange rates [USD per unit of currency]; default :data:`DEFAULT_USD_PER_CURRENCY`.
        """
        rates = usd_per_currency or DEFAULT_USD_PER_CURRENCY
        return self.value * rates[self.currency] / MASS_UNITS_KG[self.mass_unit]


class Horizon(_Model):
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
                    "most": _months_between(self.start, HORIZON_END) + 1,
                    "start": self.start.strftime("%Y-%m"),
                },
            )
        return self

    @property
    def end(self) -> dt.date:
        """Last simulated month (first day) [date]."""
        return _add_months(self.start, self.months - 1)

    def month_starts(self) -> list[dt.date]:
        """First day of every simulated month."""
        return [_add_months(self.start, i) for i in range(self.months)]


class AllianceSpec(_Model):
    """A custom alliance: a name and its members (ISO3 codes or ``EU27``)."""

    name: Text
    members: Annotated[tuple[MemberCountry, ...], Field(min_length=1)]


Alliance = Annotated[
    Annotated[
        Annotated[str, _choice("alliance preset", tuple(ALLIANCE_PRESETS))], Tag(_TAG + "preset")
    ]
    | Annotated[AllianceSpec, Tag(_TAG + "custom")],
    Discriminator(
        _union_tag((str, _TAG + "preset"), ((Mapping, BaseModel), _TAG + "custom")),
        custom_error_type="alliance_type",
        custom_error_message="must be a preset id ("
        + " | ".join(ALLIANCE_PRESETS)
        + ") or a mapping {name: text, members: [ISO3, …]}",
    ),
]

Targets = Annotated[
    Annotated[Annotated[str, _choice("target", ("all", "alliance"))], Tag(_TAG + "keyword")]
    | Annotated[tuple[MemberCountry, ...], Tag(_TAG + "list")],
    Discriminator(
        _union_tag((str, _TAG + "keyword"), ((list, tuple), _TAG + "list")),
        custom_error_type="targets_type",
        custom_error_message="must be 'all', 'alliance' or a list of ISO3 codes",
    ),
]

Members = Annotated[
    Annotated[Annotated[str, _choice("members keyword", ("alliance",))], Tag(_TAG + "keyword")]
    | Annotated[tuple[MemberCountry, ...], Tag(_TAG + "list")],
    Discriminator(
        _union_tag((str, _TAG + "keyword"), ((list, tuple), _TAG + "list")),
        custom_error_type="members_type",
        custom_error_message="must be 'alliance' or a list of ISO3 codes",
    ),
]

Holder = Annotated[
    str, BeforeValidator(lambda v: v if v == "alliance" else _check_country(v, extra=("alliance",)))
]


class ExportControl(_Model):
    """An export restriction by one exporter on some minerals and stages."""

    exporter: Country = "CHN"
    minerals: Annotated[tuple[Mineral, ...], Field(min_length=1)]
    stages: Annotated[tuple[Stage, ...], Field(min_length=1)]
    share_withheld: Share
    targets: Targets = "all"
    announced: Date
    effective: Date
    suspended: Date | None = None
    snap_back: Date | None = None
    ends: Date | None = None
    licensing_delay_days: Annotated[Whole, Field(ge=0, le=365)] = 0
    ramp_months: Annotated[Whole, Field(ge=0, le=120)] = 0
    front_running_months: Annotated[Whole, Field(ge=0, le=24)] = 0
    leakage: Share = 0.0

    @model_validator(mode="after")
    def _dates_in_order(self) -> ExportControl:
        _order(self.announced, self.effective, "effective", "announced", strict=False)
        if self.suspended is not None:
            _order(self.announced, self.suspended, "suspended", "announced", strict=False)
        if self.snap_back is not None:
            if self.suspended is None:
                raise PydanticCustomError(
                    "snap_back",
                    "snap_back needs a suspended date (the snap-back ends a suspension)",
                )
            _order(self.suspended, self.snap_back, "snap_back", "suspended", strict=True)
        if self.ends is not None:
            _order(self.effective, self.ends, "ends", "effective", strict=True)
        if (
            "magnets" in self.stages
            and self.stages == ("magnets",)
            and ("magnet_rees" not in self.minerals)
        ):
            raise PydanticCustomError(
                "stage_mineral", "stage 'magnets' exists only for mineral 'magnet_rees'"
            )
        return self


class PriceFloor(_Model):
    """An allied price floor on one mineral and stage."""

    mineral: Mineral
    stage: PhysicalStage
    floor: Price
    instrument: Instrument = "variable_tariff"
    members: Members = "alliance"
    offtake_volume_t_per_year: Annotated[Number, Field(gt=0)] | None = None
    start: Date
    end: Date | None = None
    leakage: Share = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> PriceFloor:
        _stage_fits(self.mineral, self.stage)
        if self.instrument == "offtake" and self.offtake_volume_t_per_year is None:
            raise PydanticCustomError(
                "offtake_volume",
                "instrument 'offtake' needs offtake_volume_t_per_year (> 0) [t/yr]",
            )
        if self.instrument != "offtake" and self.offtake_volume_t_per_year is not None:
            raise PydanticCustomError(
                "offtake_volume",
                "offtake_volume_t_per_year is only allowed with instrument 'offtake'",
            )
        if self.end is not None:
            _order(self.start, self.end, "end", "start", strict=True)
        return self


class Growth(_Model):
    """Demand growth: exactly one of ``multiple`` (x > 0) or ``percent`` (p > -100)."""

    multiple: Annotated[Number, Field(gt=0, le=1000)] | None = None
    percent: Annotated[Number, Field(gt=-100, le=100_000)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Growth:
        if (self.multiple is None) == (self.percent is None):
            raise PydanticCustomError(
                "growth", "give exactly one of {multiple: x} (x > 0) or {percent: p} (p > -100)"
            )
        return self

    @property
    def factor(self) -> float:
        """Demand in the target year relative to the base year [-]."""
        if self.multiple is not None:
            return self.multiple
        return 1.0 + float(self.percent or 0.0) / 100.0


class DemandSpec(_Model):
    """Demand path of one mineral: a growth factor by a target year, or an IEA scenario."""

    mineral: Mineral
    growth: Growth | None = None
    base_year: Annotated[Whole, Field(ge=1990, le=2050)] | None = None
    target_year: Annotated[Whole, Field(ge=1990, le=2100)] | None = None
    shape: Shape = "log_linear"
    iea_scenario: IEAScenario | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> DemandSpec:
        if (self.growth is None) == (self.iea_scenario is None):
            raise PydanticCustomError(
                "demand_kind",
                "give either growth (with base_year and target_year) or iea_scenario "
                "(STEPS | APS | NZE), not both and not neither",
            )
        if self.growth is not None:
            if self.base_year is None or self.target_year is None:
                raise PydanticCustomError(
                    "demand_years",
                    "growth needs base_year and target_year (years, e.g. 2020, 2040)",
                )
            if self.target_year <= self.base_year:
                raise PydanticCustomError(
                    "date_order",
                    "target_year ({t}) must be after base_year ({b})",
                    {"t": self.target_year, "b": self.base_year},
                )
        elif self.base_year is not None or self.target_year is not None:
            raise PydanticCustomError(
                "demand_years", "base_year/target_year go with growth, not with iea_scenario"
            )
        return self


class StockpileRelease(_Model):
    """When and how much a stockpile releases."""

    trigger: Trigger = "shortfall"
    price_multiple: Annotated[Number, Field(gt=1, le=100)] | None = None
    max_share_of_shortfall: Share = 1.0

    @model_validator(mode="after")
    def _price_needs_multiple(self) -> StockpileRelease:
        if self.trigger == "price" and self.price_multiple is None:
            raise PydanticCustomError(
                "release", "trigger 'price' needs price_multiple (> 1, times the base price)"
            )
        return self


class StockpileRefill(_Model):
    """Refill when the price is below ``below_price_multiple`` x base, over ``months``."""

    below_price_multiple: Annotated[Number, Field(gt=0, le=100)]
    months: Annotated[Whole, Field(ge=1, le=240)]


class Stockpile(_Model):
    """A strategic stockpile held by a country or by the alliance."""

    holder: Holder
    minerals: Annotated[tuple[Mineral, ...], Field(min_length=1)]
    stage: PhysicalStage
    days_of_cover: Annotated[Number, Field(gt=0, le=720)]
    release: StockpileRelease = StockpileRelease()
    refill: StockpileRefill | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Stockpile:
        for mineral in self.minerals:
            if self.stage == "magnets" and mineral != "magnet_rees":
                _stage_fits(mineral, self.stage)
        return self


class Project(_Model):
    """A capacity addition outside (or inside) China."""

    name: Text
    country: Country
    mineral: Mineral
    stage: PhysicalStage
    capacity_t_per_year: Annotated[Number, Field(gt=0, le=1e9)]
    start: Month
    ramp_months: Annotated[Whole, Field(ge=0, le=240)] = 0
    probability: Share = 1.0
    incentive_price: Price | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        _stage_fits(self.mineral, self.stage)
        return self


class PriceOverride(_Model):
    """Base price of one market for a historical replay."""

    mineral: Mineral
    stage: PhysicalStage
    value: Annotated[Number, Field(gt=0)]
    unit: PriceUnit

    def price(self) -> Price:
        """The override as a :class:`Price`."""
        return Price(value=self.value, unit=self.unit)


class ProductionOverride(_Model):
    """Base production of one country in one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    country: ProductionCountry
    quantity_t: Annotated[Number, Field(ge=0)]


class DemandOverride(_Model):
    """Base demand of one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    quantity_t: Annotated[Number, Field(ge=0)]


class BaseOverrides(_Model):
    """Replace base-year data to replay a historical episode."""

    base_year: Annotated[Whole, Field(ge=1990, le=2050)] | None = None
    prices: tuple[PriceOverride, ...] = ()
    production: tuple[ProductionOverride, ...] = ()
    demand: tuple[DemandOverride, ...] = ()


class Uncertainty(_Model):
    """Monte Carlo settings: ``draws`` (0 = deterministic only) and ``seed``."""

    draws: Annotated[Whole, Field(ge=0, le=100_000)] = 0
    seed: Annotated[Whole, Field(ge=0, le=2**63 - 1)] = 0


class Market(_Model):
    """One mineral x stage market."""

    mineral: Mineral
    stage: PhysicalStage

    @model_validator(mode="after")
    def _consistent(self) -> Market:
        _stage_fits(self.mineral, self.stage)
        return self


class Assumption(_Model):
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


class Scenario(_Model):
    """A validated, resolved scenario (``extends`` already merged in)."""

    id: Id
    title: LText
    rationale: LText
    extends: str | None = None
    horizon: Horizon
    alliance: Alliance = "us_eu_japan"
    export_controls: tuple[ExportControl, ...] = ()
    price_floors: tuple[PriceFloor, ...] = ()
    demand: tuple[DemandSpec, ...] = ()
    stockpiles: tuple[Stockpile, ...] = ()
    projects: tuple[Project, ...] = ()
    base_overrides: BaseOverrides | None = None
    uncertainty: Uncertainty = Uncertainty()
    markets: tuple[Market, ...] | None = None
    assumptions: tuple[Assumption, ...] = ()
    sources: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        minerals = [d.mineral for d in self.demand]
        dupes = sorted({m for m in minerals if minerals.count(m) > 1})
        if dupes:
            raise PydanticCustomError(
                "duplicate", "demand lists mineral(s) {m} more than once", {"m": ", ".join(dupes)}
            )
        return self

    # -- helpers for the engine and the briefs ------------------------------------------------

    @property
    def alliance_members(self) -> tuple[str, ...]:
        """ISO3 codes of the alliance members (``EU27`` expanded), sorted."""
        if isinstance(self.alliance, str):
            members: Iterable[str] = ALLIANCE_PRESETS[self.alliance]
        else:
            members = self.alliance.members
        return _expand(members)

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
        return _expand([members] if isinstance(members, str) else members)

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


@dataclass(frozen=True)
class ScenarioInfo:
    """One row of :func:`list_scenarios`."""

    id: str
    title: str
    path: Path
    extends: str | None


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _expand(members: Iterable[str]) -> tuple[str, ...]:
    out: set[str] = set()
    for m in members:
        if m == "EU27":
            out.update(EU27)
        else:
            out.add(m)
    return tuple(sorted(out))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _order(first: dt.date, second: dt.date, later: str, earlier: str, *, strict: bool) -> None:
    bad = second <= first if strict else second < first
    if bad:
        rel = "after" if strict else "on or after"
        raise PydanticCustomError(
            "date_order",
            "dates out of order: {later} ({b}) must be {rel} {earlier} ({a})",
            {
                "later": later,
                "earlier": earlier,
                "a": first.isoformat(),
                "b": second.isoformat(),
                "rel": rel,
            },
        )


def _stage_fits(mineral: str, stage: str) -> None:
    if stage == "magnets" and mineral != "magnet_rees":
        raise PydanticCustomError(
            "stage_mineral",
            "stage 'magnets' exists only for mineral 'magnet_rees' (got {m}); allowed stages: "
            "mining, refining, battery_materials",
            {"m": mineral},
        )


# ---------------------------------------------------------------------------------------------
# locating and reading files
# ---------------------------------------------------------------------------------------------


def scenarios_dir() -> Path:
    """The built-in scenarios folder: ``$MINERAL_BRIEFS_SCENARIOS`` or ``<repo>/scenarios``."""
    env = os.environ.get("MINERAL_BRIEFS_SCENARIOS")
    if env:
        return Path(env).expanduser().resolve()
    beside = Path(__file__).resolve().parent.parent / "scenarios"
    if beside.is_dir():
        return beside
    # NOTE: a wheel install has no scenarios/ beside the package; fall back to the working dir.
    return (Path.cwd() / "scenarios").resolve()


def is_valid_id(ref: str) -> bool:
    """True when ``ref`` is a well-formed scenario id (``[a-z0-9_]{1,64}``)."""
    return bool(ID_RE.fullmatch(ref))


def _looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml"))


# NOTE: paths are never handed to a shell, but a file name holding shell metacharacters is far
# more likely an injection attempt (or a pasted command) than a scenario: refuse it outright.
_BAD_PATH_CHARS = re.compile(r"[\x00-\x1f\x7f;|&$`<>*?!\"'{}\\]")


def _resolve_ref(ref: str | Path, *, base_dir: Path | None = None) -> Path:
    """Map a built-in id or a ``.yaml`` path to a file path; refuse anything else."""
    if isinstance(ref, Path):
        text = str(ref)
        is_path = True
        if not _looks_like_path(text):
            raise ScenarioError(f"{text}: refused: scenario files end in .yaml or .yml")
    else:
        text = ref
        is_path = _looks_like_path(text)
    if not is_path:
        if not ID_RE.fullmatch(text):
            shown = text if len(text) <= 80 else text[:77] + "…"
            raise ScenarioError(
                f"{shown!r}: not a scenario id and not a .yaml file; allowed: a built-in id "
                "(1–64 characters a–z, 0–9, _) or a path ending in .yaml"
            )
        folder = base_dir if base_dir is not None else scenarios_dir()
        path = folder / f"{text}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
            raise ScenarioError(
                f"{text}: unknown scenario id{_suggest(text, known)}; built-in ids: "
                + (", ".join(known) if known else f"(none in {folder})")
            )
        return path
    if _BAD_PATH_CHARS.search(text) or len(text) > 4096:
        raise ScenarioError(f"{text[:80]!r}: refused: control or shell characters in the file name")
    return Path(text)


def _read_text(path: Path) -> str:
    name = str(path)
    if not path.exists():
        raise ScenarioError(f"{name}: file not found")
    if not path.is_file():
        raise ScenarioError(f"{name}: not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: file too large ({size:,} bytes); allowed: at most {MAX_FILE_BYTES:,} bytes"
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{name}: cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{name}: file too large; allowed: at most {MAX_FILE_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name}: not UTF-8 text (byte {exc.start})") from None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors/aliases (exponential expansion) and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            except TypeError:
                pass  # unhashable key: the base class reports it
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: file too large; allowed: at most {MAX_FILE_BYTES:,} bytes")
    if not text.strip():
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping (id, title, …)")
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(f"{source}: YAML syntax error{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: YAML syntax error: {exc}") from None
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{source}: YAML nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # NOTE: PyYAML's constructors raise plain ValueError for e.g. `2025-13-45` dates.
        raise ScenarioError(f"{source}: invalid YAML value: {exc}") from None
    if data is None:
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping (id, title, …)")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: expected a mapping of scenario keys (id, title, horizon, …) at the top "
            f"level, got {type(data).__name__}"
        )
    return data


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "required key is missing",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "dict_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "string_type": "must be text",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a finite number (not .nan or .inf)",
    "date_type": "must be a date YYYY-MM-DD",
    "none_required": "must be empty (null)",
}


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        elif isinstance(item, str) and item.startswith(_TAG):
            continue
        else:
            out += ("." if out else "") + str(item)
    return out or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _format_error(err: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "key_type":
        loc.append(str(ctx.get("key")))
    if kind == "extra_forbidden" and loc:
        allowed = _allowed_keys(loc[:-1])
        key = str(loc[-1])
        return f"{_path(loc)}: unknown key{_suggest(key, allowed)}; allowed keys: " + ", ".join(
            allowed
        )
    if kind in _MESSAGES:
        msg = _MESSAGES[kind]
        if kind not in ("missing",) and "input" in err:
            msg += f", got {_short(err['input'])}"
    else:
        msg = str(err.get("msg", "invalid value"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if msg.startswith("Input should be "):
            msg = "must be " + msg[len("Input should be ") :]
            if "input" in err:
                msg += f", got {_short(err['input'])}"
        elif msg.startswith(("List should have at least", "Tuple should have at least")):
            msg = "must not be an empty list"
    return f"{_path(loc)}: {msg}"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class reachable through typing arguments of ``annotation``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    """Field names of the model(s) found at key path ``loc`` below :class:`Scenario`."""
    models: list[type[BaseModel]] = [Scenario]
    for item in loc:
        if isinstance(item, int) or (isinstance(item, str) and item.startswith(_TAG)):
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            field = model.model_fields.get(str(item))
            if field is not None:
                nxt += _models_in(field.annotation)
        models = nxt
    keys: list[str] = []
    for model in models:
        keys += [k for k in model.model_fields if k not in keys]
    return keys


def _exists(data: Any, loc: Sequence[Any]) -> bool:
    cur = data
    for item in loc:
        if isinstance(item, str) and item.startswith(_TAG):
            continue
        if isinstance(cur, dict) and item in cur:
            cur = cur[item]
        elif isinstance(cur, list) and isinstance(item, int) and 0 <= item < len(cur):
            cur = cur[item]
        else:
            return False
    return True


def _origin(loc: Sequence[Any], chain: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """The file (child first) that set the key at ``loc``."""
    top = loc[:1]
    for source, raw in chain:
        if _exists(raw, loc) or (top and _exists(raw, top)):
            return source
    return chain[0][0]


def _problems(exc: ValidationError, chain: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    out: list[str] = []
    errors = exc.errors(include_url=False)
    # NOTE: a misspelled key also makes its correct spelling "missing"; report the misspelling
    # only (with its did-you-mean), not a second, confusing line.
    misspelled: set[tuple[Any, ...]] = set()
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "extra_forbidden" and loc:
            match = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1]), n=1)
            if match:
                misspelled.add((*loc[:-1], match[0]))
    for err in errors:
        where = list(err.get("loc", ()))
        if err.get("type") == "missing" and tuple(where) in misspelled:
            continue
        out.append(f"{_origin(where, chain)}: {_format_error(err)}")
    return out


def _raise(problems: list[str]) -> None:
    if len(problems) == 1:
        raise ScenarioError(problems[0])
    raise ScenarioError(f"{len(problems)} problems:\n" + "\n".join(problems))


# ---------------------------------------------------------------------------------------------
# sources check
# ---------------------------------------------------------------------------------------------


def _data_dir() -> Path:
    # NOTE: same order as toolkit.data.default_data_dir(), without importing pandas.
    env = os.environ.get("MINERAL_BRIEFS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    beside = Path(__file__).resolve().parent.parent / "data"
    if (beside / "sources.csv").is_file():
        return beside
    return (Path.cwd() / "data").resolve()


@lru_cache(maxsize=8)
def _source_ids_cached(key: tuple[str, float]) -> frozenset[str] | None:
    path = Path(key[0])
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return frozenset((row.get("source_id") or "").strip() for row in csv.DictReader(fh)) - {
                ""
            }
    except OSError:
        return None


_WARNED: set[str] = set()


def known_source_ids() -> frozenset[str] | None:
    """Source ids of the data layer, or ``None`` when no sources table is available."""
    # NOTE: read data/sources.csv directly (csv module) rather than toolkit.data.load_dataset():
    # validating a scenario must stay cheap and must not fail because another table is broken.
    path = _data_dir() / "sources.csv"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        if str(path) not in _WARNED:
            _WARNED.add(str(path))
            logger.warning("no sources table at %s: scenario source ids are not checked", path)
        return None
    return _source_ids_cached((str(path), mtime))


def _check_sources(scenario: Scenario, source: str) -> list[str]:
    known = known_source_ids()
    if known is None:
        return []
    problems: list[str] = []
    listed = sorted(known)
    for i, sid in enumerate(scenario.sources):
        if sid not in known:
            problems.append(
                f"{source}: sources[{i}]: unknown source id {sid!r}{_suggest(sid, listed)}; "
                "allowed: a source_id of data/sources.csv"
            )
    for i, a in enumerate(scenario.assumptions):
        if a.source_id not in known:
            problems.append(
                f"{source}: assumptions[{i}].source_id: unknown source id {a.source_id!r}"
                f"{_suggest(a.source_id, listed)}; allowed: a source_id of data/sources.csv"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into ``base``: mappings merge, everything else (lists too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _parent_path(ext: Any, child: Path | None, source: str) -> Path:
    """Resolve an ``extends`` value: a built-in id, or a .yaml path inside the child's folder."""
    if not isinstance(ext, str):
        raise ScenarioError(f"{source}: extends: must be a scenario id or a relative .yaml path")
    if not _looks_like_path(ext):
        if not ID_RE.fullmatch(ext):
            raise ScenarioError(
                f"{source}: extends: invalid scenario id {ext!r}; allowed: a built-in id "
                "(a–z, 0–9, _) or a relative .yaml path"
            )
        path = scenarios_dir() / f"{ext}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
            raise ScenarioError(
                f"{source}: extends: unknown scenario {ext!r}{_suggest(ext, known)}; "
                f"built-in ids: {', '.join(known)}"
            )
        return path
    rel = Path(ext)
    if child is None:
        raise ScenarioError(
            f"{source}: extends: a path ({ext}) needs a file to be relative to; use a built-in id"
        )
    folder = child.resolve().parent
    target = (folder / rel).resolve()
    if rel.is_absolute() or not target.is_relative_to(folder) or _BAD_PATH_CHARS.search(ext):
        raise ScenarioError(
            f"{source}: extends: {ext!r} refused; allowed: a built-in id or a .yaml path inside "
            "the folder of this file"
        )
    if not target.is_file():
        raise ScenarioError(f"{source}: extends: file not found: {ext}")
    return target


def _chain(
    raw: dict[str, Any], path: Path | None, source: str
) -> list[tuple[str, dict[str, Any], Path | None]]:
    """The extends chain, child first, as (source label, raw dict, path)."""
    chain: list[tuple[str, dict[str, Any], Path | None]] = [(source, raw, path)]
    seen = {path.resolve()} if path is not None else set()
    while "extends" in chain[-1][1] and chain[-1][1]["extends"] is not None:
        label, data, at = chain[-1]
        parent = _parent_path(data["extends"], at, label)
        key = parent.resolve()
        if key in seen:
            names = " -> ".join([c[0] for c in chain] + [str(parent)])
            raise ScenarioError(f"{label}: extends: loop detected: {names}")
        if len(chain) > 20:
            raise ScenarioError(f"{label}: extends: chain longer than 20 files")
        seen.add(key)
        chain.append((str(parent), _parse_yaml(_read_text(parent), str(parent)), parent))
    return chain


def _build(
    chain: Sequence[tuple[str, dict[str, Any], Path | None]], *, check_sources: bool
) -> Scenario:
    merged: dict[str, Any] = {}
    for _, data, _ in reversed(chain):
        merged = _merge(merged, data)
    merged["extends"] = chain[0][1].get("extends")
    labelled = [(label, data) for label, data, _ in chain]
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        _raise(_problems(exc, labelled))
        raise  # pragma: no cover - _raise always raises
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{chain[0][0]}: scenario nested too deeply") from None
    problems: list[str] = []
    path = chain[0][2]
    home = {scenarios_dir().resolve(), backtests_dir().resolve()}
    if path is not None and path.resolve().parent in home:
        if scenario.id != path.stem:
            problems.append(
                f"{chain[0][0]}: id: {scenario.id!r} must equal the file stem {path.stem!r} "
                "for files in scenarios/"
            )
    if check_sources:
        problems += _check_sources(scenario, chain[0][0])
    if problems:
        _raise(problems)
    return scenario


def parse_scenario(text: str, *, source: str = "<string>", check_sources: bool = True) -> Scenario:
    """Parse and validate scenario YAML ``text``.

    ``extends`` may name a built-in id only (there is no file to be relative to).

    Parameters
    ----------
    text
        YAML text [UTF-8, at most 1 MB].
    source
        Label used in error messages (a file name).
    check_sources
        Check source ids against ``data/sources.csv`` when it exists.

    Raises
    ------
    ScenarioError
        One line per problem.
    """
    if not isinstance(text, str):
        raise ScenarioError(f"{source}: expected YAML text, got {type(text).__name__}")
    raw = _parse_yaml(text, source)
    return _build(_chain(raw, None, source), check_sources=check_sources)


def load_scenario(
    ref: str | Path | Scenario, *, base_dir: Path | None = None, check_sources: bool = True
) -> Scenario:
    """Load, resolve (``extends``) and validate a scenario.

    Parameters
    ----------
    ref
        A built-in id (file stem in ``base_dir`` or :func:`scenarios_dir`) or a path to a
        ``.yaml``/``.yml`` file. A :class:`Scenario` is returned as it is.
    base_dir
        Folder in which ids are looked up (default: :func:`scenarios_dir`).
    check_sources
        Check source ids against ``data/sources.csv`` when it exists.

    Raises
    ------
    ScenarioError
        Missing/unreadable/too large file, YAML error, invalid content: one line per problem.
    """
    if isinstance(ref, Scenario):  # convenience: already loaded
        return ref
    path = _resolve_ref(ref, base_dir=base_dir)
    source = str(path)
    raw = _parse_yaml(_read_text(path), source)
    return _build(_chain(raw, path, source), check_sources=check_sources)


def scenario_files(ref: str | Path | Scenario, *, base_dir: Path | None = None) -> list[Path]:
    """The scenario file and every file it extends (child first) — for render cache keys.

    A :class:`Scenario` is looked up by its id among the built-ins.
    """
    if isinstance(ref, Scenario):
        ref = ref.id
    path = _resolve_ref(ref, base_dir=base_dir)
    raw = _parse_yaml(_read_text(path), str(path))
    return [p.resolve() for _, _, p in _chain(raw, path, str(path)) if p is not None]


def list_scenarios(folder: Path | None = None) -> list[ScenarioInfo]:
    """Built-in scenarios (``scenarios/*.yaml``, not backtests), sorted by id.

    Files are read but not fully validated (``mineral-briefs validate`` does that); a file that
    cannot be parsed is listed with its problem as title.
    """
    folder = folder if folder is not None else scenarios_dir()
    infos: list[ScenarioInfo] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = _parse_yaml(_read_text(path), str(path))
            title = raw.get("title", "")
            if isinstance(title, dict):
                title = title.get("en", "")
            ext = raw.get("extends")
            infos.append(
                ScenarioInfo(
                    str(raw.get("id", path.stem)),
                    str(title),
                    path,
                    None if ext is None else str(ext),
                )
            )
        except ScenarioError as exc:
            infos.append(ScenarioInfo(path.stem, f"(invalid: {exc})", path, None))
    return infos


def backtests_dir() -> Path:
    """``scenarios/backtests/``."""
    return scenarios_dir() / "backtests"


def list_backtests() -> list[ScenarioInfo]:
    """Backtest scenarios in ``scenarios/backtests/``, sorted by id."""
    return list_scenarios(backtests_dir())


def load_backtest(episode_id: str, *, check_sources: bool = True) -> Scenario:
    """Load a backtest scenario by id (e.g. ``bt02_gallium_2023``)."""
    if not isinstance(episode_id, str) or not ID_RE.fullmatch(episode_id):
        raise ScenarioError(
            f"{episode_id!r}: not a backtest id; allowed: 1–64 characters a–z, 0–9, _"
        )
    return load_scenario(episode_id, base_dir=backtests_dir(), check_sources=check_sources)
