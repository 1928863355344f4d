"""Shared schema types: the strict base model, ids, countries, dates, numbers, text and prices.

Every lever module builds its fields from these annotated types, so a misspelled mineral or a
``yes`` where a number belongs gets the same wording in every part of a scenario file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.errors import TAG, short_repr, suggest, unknown_error
from mineral_briefs.vocab import EU27, ISO3, MINERALS, PHYSICAL_STAGES, STAGES

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


def one_of(what: str, allowed: Sequence[str], *, show: bool = True) -> Any:
    """Build a before-validator accepting only ``allowed`` strings (with a did-you-mean)."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "id_type", f"must be a {what} name (text), got {type(value).__name__}"
            )
        if value not in allowed:
            raise unknown_error(what, value, allowed, show=show)
        return value

    return BeforeValidator(check)


def check_country(value: Any, *, extra: Sequence[str] = ()) -> str:
    """Accept an ISO3 code or one of ``extra`` (aggregates such as ``EU27``)."""
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
        hint = suggest(value, allowed) or suggest(value.upper(), allowed)
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


# C0 (except tab, LF, CR), DEL, C1, and the Unicode format characters that reorder or hide text
# (bidi embeddings/overrides/isolates, zero-width marks, line/paragraph separators, BOM): a title
# such as "pay\u202egnp.exe" would otherwise read differently in the brief than in the file.
_CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", f"must be text, got {type(value).__name__}")
    if not value.strip():
        raise PydanticCustomError("empty_text", "must not be empty")
    # NOTE: control characters (terminal escapes, NUL) have no place in titles or claims and
    # could rewrite a terminal running `mineral-briefs list`; refuse them.
    if _CONTROL_CHARS.search(value):
        raise PydanticCustomError(
            "control_chars",
            "must not contain control or bidirectional-formatting characters "
            "(allowed: printable text, tab and newline)",
        )
    return value


Id = Annotated[str, BeforeValidator(lambda v: _check_id(v))]
Mineral = Annotated[str, one_of("mineral", tuple(MINERALS))]
Stage = Annotated[str, one_of("stage", tuple(STAGES))]
PhysicalStage = Annotated[str, one_of("stage", PHYSICAL_STAGES)]
Country = Annotated[str, BeforeValidator(lambda v: check_country(v))]
MemberCountry = Annotated[str, BeforeValidator(lambda v: check_country(v, extra=("EU27",)))]
ProductionCountry = Annotated[
    str, BeforeValidator(lambda v: check_country(v, extra=("World", "Other")))
]
Date = Annotated[dt.date, BeforeValidator(_to_date)]
Month = Annotated[dt.date, BeforeValidator(_to_month)]
# NOTE: strict: a number in quotes ("0.6", "24") is text, not a number; pydantic's lax mode
# converted it silently. A whole number is still accepted where a decimal is expected.
Number = Annotated[float, Strict(), BeforeValidator(_no_bool), AfterValidator(_finite)]
Share = Annotated[Number, Field(ge=0.0, le=1.0)]
MAX_TONNES = 1e9
"""Largest tonnage a scenario may state [t or t/yr]: world copper output is about 2.3e7 t/yr."""
MAX_PRICE = 1e9
"""Largest price a scenario may state [in its unit]: far above any traded mineral, far below
the point where price × tonnage overflows."""
Tonnes = Annotated[Number, Field(ge=0, le=MAX_TONNES)]
PositiveTonnes = Annotated[Number, Field(gt=0, le=MAX_TONNES)]
Whole = Annotated[int, Strict(), BeforeValidator(_no_bool)]
Flag = Annotated[bool, Strict()]
"""A YAML boolean: ``true`` or ``false`` (not ``"yes"``, ``1`` or ``off``)."""
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
        raise PydanticCustomError(
            "price_unit", f"invalid unit {short_repr(value)}; allowed: {allowed}"
        )
    cur, mass = match.groups()
    if cur not in CURRENCIES:
        raise unknown_error("currency", cur, CURRENCIES)
    if mass not in MASS_UNITS_KG:
        raise unknown_error("mass unit", mass, tuple(MASS_UNITS_KG))
    return f"{cur}/{mass}"


PriceUnit = Annotated[str, BeforeValidator(_check_unit)]


def _check_id(value: Any) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise PydanticCustomError(
            "id_format",
            f"invalid id {value!r}; allowed: 1–64 characters a–z, 0–9 and _",
        )
    return value


def union_tag(*pairs: tuple[type | tuple[type, ...], str]) -> Any:
    """Return a callable discriminator mapping the input's Python type to a tag.

    Picking the union member by type gives a wrong value one error (that member's), instead of
    one error per member of the union.
    """

    def pick(value: Any) -> str | None:
        for types, tag in pairs:
            if isinstance(value, types):
                return tag
        return None

    return pick


class StrictModel(BaseModel):
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
                # NOTE: pydantic's templates know `{name}` only (no `!r`): quote the key here.
                raise PydanticCustomError(
                    "key_type",
                    "key {key} is not text (YAML read it as {kind}); allowed keys: {allowed}",
                    {
                        "key": "~" if key is None else short_repr(key),
                        "kind": "null" if key is None else type(key).__name__,
                        "allowed": ", ".join(allowed),
                    },
                )
        return data


class LocalizedText(StrictModel):
    """Text in English and German."""

    en: Text
    de: Text


LText = Annotated[
    Annotated[Text, Tag(TAG + "text")] | Annotated[LocalizedText, Tag(TAG + "localized")],
    Discriminator(
        union_tag((str, TAG + "text"), ((Mapping, BaseModel), TAG + "localized")),
        custom_error_type="text_type",
        custom_error_message="must be text, or a mapping {en: text, de: text}",
    ),
]


class Price(StrictModel):
    """A price with its unit, e.g. ``{value: 110, unit: USD/kg}``."""

    value: Annotated[Number, Field(gt=0, le=MAX_PRICE)]
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


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from the month of ``a`` to the month of ``b``."""
    return (b.year - a.year) * 12 + b.month - a.month


def check_order(first: dt.date, second: dt.date, later: str, earlier: str, *, strict: bool) -> None:
    """Refuse ``second`` before ``first`` (or on it when ``strict``), naming both keys."""
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


def _shown(key: Any) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def unique(key: Callable[[Any], Hashable] | None = None, what: str = "") -> Any:
    """An after-validator refusing a list that names one item (or one ``key(item)``) twice.

    A repeated entry is never meant: ``minerals: [gallium, gallium]`` used to count the
    gallium market twice (the withheld share applied twice). ``what`` names the key
    (``market `` → "market gallium/refining is listed more than once").
    """

    def check(items: Any) -> Any:
        seen: dict[Hashable, int] = {}
        for n, item in enumerate(items):
            k = key(item) if key is not None else item
            if k in seen:
                raise PydanticCustomError(
                    "duplicate",
                    "{what}{value} is listed more than once ([{a}] and [{b}]); allowed: each once",
                    {"what": what, "value": _shown(k), "a": seen[k], "b": n},
                )
            seen[k] = n
        return items

    return AfterValidator(check)


def unique_members(items: Any) -> Any:
    """Refuse a member list naming a country twice, or ``EU27`` and one of its members."""
    seen: dict[str, int] = {}
    for n, item in enumerate(items):
        for country in EU27 if item == "EU27" else (item,):
            if country in seen:
                via = " (EU27 includes it)" if "EU27" in (item, items[seen[country]]) else ""
                raise PydanticCustomError(
                    "duplicate",
                    "{value} is listed more than once ([{a}] and [{b}]){via}; allowed: each once",
                    {"value": country, "a": seen[country], "b": n, "via": via},
                )
            seen[country] = n
    return items


def outside_china(items: Any) -> Any:
    """Refuse China in a member list (an alliance's or a floor's).

    NOTE: the model's zones are China, the alliance and the rest of the world (methodology
    §1): China cannot also be an alliance or floor member. Listed, it was silently counted
    in neither zone's membership as the user meant it (2026-12-03 audit).
    """
    for n, item in enumerate(items):
        if item == "CHN":
            raise PydanticCustomError(
                "located",
                "{msg}",
                {
                    "path": f"[{n}]",
                    "msg": "CHN cannot be a member: China is a zone of its own in the model "
                    "(China, the alliance, the rest of the world); allowed: countries other "
                    "than CHN",
                },
            )
    return items


def check_stage(mineral: str, stage: str) -> None:
    """Refuse the ``magnets`` stage for any mineral but ``magnet_rees``."""
    if stage == "magnets" and mineral != "magnet_rees":
        raise PydanticCustomError(
            "stage_mineral",
            "stage 'magnets' exists only for mineral 'magnet_rees' (got {m}); allowed stages: "
            "mining, refining, battery_materials",
            {"m": mineral},
        )
