"""Languages of the briefs: a message catalogue plus number, percent, money and date formats.

The catalogue lives in ``toolkit/mineral_briefs/locales/<language>.json`` (flat ``dotted.key ->
text`` maps with
``str.format`` placeholders). A key missing in the requested language raises
:class:`MissingTranslationError`: there is deliberately no silent fallback to English, so an
untranslated label can never slip into a German brief.

Number formats follow each language's convention (English ``1,234.5``; German ``1.234,5``).
Charts get the same conventions through a Vega ``locale`` config (see :func:`vega_locale`), and
tooltips use strings pre-formatted here, so a reader sees one convention everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from mineral_briefs.vocab import LANGUAGES

LOCALE_DIR: Final[Path] = Path(__file__).with_name("locales")

NBSP: Final[str] = "\u00a0"
NNBSP: Final[str] = "\u202f"


class MissingTranslationError(KeyError):
    """A catalogue key has no entry in the requested language."""


def check_language(language: str) -> str:
    """Return ``language`` if supported, else raise ``ValueError`` naming the allowed values."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not supported; use one of {list(LANGUAGES)}")
    return language


@cache
def catalogue(language: str) -> dict[str, str]:
    """Load the message catalogue of one language.

    Parameters
    ----------
    language : str
        ``en`` or ``de``.

    Returns
    -------
    dict[str, str]
        Flat map of dotted keys to message templates.
    """
    check_language(language)
    with (LOCALE_DIR / f"{language}.json").open(encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


def has(key: str, language: str) -> bool:
    """Whether ``key`` exists in the catalogue of ``language``."""
    return key in catalogue(language)


def t(key: str, language: str, **values: Any) -> str:
    """Translate ``key`` into ``language`` and fill its placeholders.

    Parameters
    ----------
    key : str
        Dotted catalogue key, e.g. ``"section.summary"``.
    language : str
        ``en`` or ``de``.
    **values
        Placeholder values (already formatted strings, usually).

    Raises
    ------
    MissingTranslationError
        If the key has no entry in that language (no fallback on purpose).
    """
    try:
        template = catalogue(language)[key]
    except KeyError:
        raise MissingTranslationError(
            f"no {language!r} entry for message key {key!r} in {LOCALE_DIR / (language + '.json')}"
        ) from None
    return template.format(**values) if values else template


# --------------------------------------------------------------------------- numbers


def fmt_number(value: float | int | None, language: str, decimals: int = 0) -> str:
    """Format a number with the language's separators.

    Parameters
    ----------
    value : float
        The number; ``None``/NaN gives an en dash.
    language : str
        ``en`` -> ``1,234.5``; ``de`` -> ``1.234,5``.
    decimals : int
        Digits after the decimal separator.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if language == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "−")


def auto_decimals(value: float) -> int:
    """Decimals that keep about two significant digits for small numbers, none for big ones."""
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return 0
    if magnitude >= 10:
        return 0 if float(magnitude).is_integer() else 1
    if magnitude >= 1:
        return 1
    return 2


def days_decimals(days_of_cover: float) -> int:
    """Decimals for days of cover: whole days from 10 days up, else enough to tell a half-day
    stock from none ("uses 1 of its 0 days of cover" for a 0.5-day stock)."""
    return 0 if abs(days_of_cover) >= 10 else auto_decimals(days_of_cover)


def fmt_pct(value_pct: float | None, language: str, decimals: int = 0) -> str:
    """Format a percentage given in percent (``71.2`` -> ``71%`` / ``71 %``).

    English writes the sign without a space; German with a narrow no-break space (DIN 5008).
    """
    if value_pct is None or not math.isfinite(float(value_pct)):
        return "–"
    number = fmt_number(value_pct, language, decimals)
    return f"{number}%" if language == "en" else f"{number}{NNBSP}%"


def fmt_multiple(value: float | None, language: str, decimals: int = 1) -> str:
    """Format a multiple (``2.43`` -> ``2.4×`` / ``2,4×``)."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{fmt_number(value, language, decimals)}×"


_SCALES: Final[tuple[tuple[float, str], ...]] = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))


def fmt_money(usd: float | None, language: str) -> str:
    """Format an amount in US dollars with a scale word (``USD 1.2 bn`` / ``1,2 Mrd. USD``)."""
    if usd is None or not math.isfinite(float(usd)):
        return "–"
    for factor, scale in _SCALES:
        if abs(usd) >= factor:
            scaled = usd / factor
            number = fmt_number(scaled, language, 1 if abs(scaled) < 100 else 0)
            word = t(f"scale.{scale}", language)
            if language == "de":
                return f"{number}{NBSP}{word}{NBSP}USD"
            return f"USD{NBSP}{number}{NBSP}{word}"
    # NOTE: below a million, three significant figures: "USD 704,000", not "USD 703,896" (the
    # inputs behind such a figure are not known to six digits).
    number = fmt_number(float(f"{usd:.3g}") if abs(usd) >= 1000 else usd, language, 0)
    return f"{number}{NBSP}USD" if language == "de" else f"USD{NBSP}{number}"


def fmt_tonnes(tonnes: float | None, language: str) -> str:
    """Format a mass in tonnes, switching to kt or Mt for big numbers."""
    if tonnes is None or not math.isfinite(float(tonnes)):
        return "–"
    if abs(tonnes) >= 1e6:
        return f"{fmt_number(tonnes / 1e6, language, 1)}{NBSP}Mt"
    if abs(tonnes) >= 1e4:
        return f"{fmt_number(tonnes / 1e3, language, 0)}{NBSP}kt"
    if abs(tonnes) >= 1e3:
        return f"{fmt_number(tonnes / 1e3, language, 1)}{NBSP}kt"
    if 0 < abs(tonnes) < 10:  # small element markets: "0 t, or 13 % of demand" read as nothing
        return f"{fmt_number(tonnes, language, 1 if abs(tonnes) >= 1 else 2)}{NBSP}t"
    return f"{fmt_number(tonnes, language, 0)}{NBSP}t"


def fmt_price(usd_per_kg: float | None, language: str) -> str:
    """Format a price in USD/kg."""
    if usd_per_kg is None or not math.isfinite(float(usd_per_kg)):
        return "–"
    number = fmt_number(usd_per_kg, language, auto_decimals(usd_per_kg))
    return f"{number}{NBSP}USD/kg"


# --------------------------------------------------------------------------- dates

_MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}


def parse_date(value: str | dt.date) -> tuple[dt.date, str]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into a date and its precision.

    Returns
    -------
    (date, precision)
        ``precision`` is ``"year"``, ``"month"`` or ``"day"``.
    """
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    text = str(value).strip()[:10]
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1), "year"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date(int(text[:4]), int(text[5:7]), 1), "month"
    return dt.date.fromisoformat(text), "day"


def fmt_date(value: str | dt.date, language: str, precision: str | None = None) -> str:
    """Format a date (``10 November 2026`` / ``10. November 2026``).

    Parameters
    ----------
    value : str or datetime.date
        ISO date, ``YYYY-MM`` or ``YYYY``.
    language : str
        ``en`` or ``de``.
    precision : str, optional
        ``day``, ``month`` or ``year``; default: as precise as ``value``.
    """
    check_language(language)
    date, parsed_precision = parse_date(value)
    precision = precision or parsed_precision
    month = _MONTHS[language][date.month - 1]
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return f"{month} {date.year}"
    if language == "de":
        return f"{date.day}.{NBSP}{month} {date.year}"
    return f"{date.day}{NBSP}{month} {date.year}"


# --------------------------------------------------------------------------- names


def mineral_name(mineral: str, language: str) -> str:
    """Display name of a mineral id."""
    return t(f"mineral.{mineral}", language)


def stage_name(stage: str, language: str) -> str:
    """Display name of a stage id."""
    return t(f"stage.{stage}", language)


def market_phrase(mineral: str, stage: str, language: str) -> str | None:
    """A market in running text ("magnet production of magnet rare earths", "Raffination des
    Lithiums"); None where the catalogue lacks either part."""
    keys = (f"stage_lower.{stage}", f"mineral_of.{mineral}")
    if not all(has(k, language) for k in keys):
        return None
    return f"{t(keys[0], language)} {t(keys[1], language)}"


def region_name(region: str, language: str) -> str:
    """Display name of a model region (``China``, ``Alliance``, ``Rest of World``, ``World``)."""
    return t(f"region.{region}", language)


def country_name(code: str, language: str) -> str:
    """Display name of an ISO 3166 alpha-3 code or named aggregate.

    # NOTE: a country without a catalogue entry is shown as its ISO code in both languages —
    # an identifier, not untranslated prose — so new data never breaks a brief.
    """
    key = f"country.{code}"
    return t(key, language) if has(key, language) else code


# --------------------------------------------------------------------------- escaping

_ESCAPES: Final[dict[str, str]] = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "[": "&#91;",
    "]": "&#93;",
    "(": "&#40;",
    ")": "&#41;",
    "*": "&#42;",
    "_": "&#95;",
    "`": "&#96;",
    "#": "&#35;",
    "!": "&#33;",
    "|": "&#124;",
    "~": "&#126;",
    "\\": "&#92;",
    "{": "&#123;",
    "}": "&#125;",
    "$": "&#36;",
    ":": "&#58;",
}
_ESCAPE_RE: Final[re.Pattern[str]] = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def escape(text: object) -> str:
    """Make untrusted text inert in both HTML and Markdown output.

    Like ``html.escape`` for tags and quotes; Markdown syntax (links, emphasis, code, tables,
    math) is replaced by numeric character references, which Markdown shows literally. So a
    scenario title ``[x](javascript:alert(1))`` renders as that text, never as a link.
    """
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], str(text))


# --------------------------------------------------------------------------- charts


def vega_locale(language: str) -> dict[str, Any]:
    """Vega ``config.locale`` for axis numbers and dates in ``language``.

    # NOTE: the locale travels inside each chart spec (``config.locale``), so axis labels follow
    # the brief's language offline, whatever vega-embed options the exporter uses.
    """
    check_language(language)
    if language == "de":
        number = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " €"]}
    else:
        number = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}
    months = list(_MONTHS[language])
    short = [m[:3] for m in months]
    if language == "de":
        short = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
        days = ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"]
        date_time, date, time = "%A, %e. %B %Y, %X", "%d.%m.%Y", "%H:%M:%S"
    else:
        days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        date_time, date, time = "%a %e %b %Y %X", "%d/%m/%Y", "%H:%M:%S"
    time_locale = {
        "dateTime": date_time,
        "date": date,
        "time": time,
        "periods": ["AM", "PM"],
        "days": days,
        "shortDays": [d[:2] if language == "de" else d[:3] for d in days],
        "months": months,
        "shortMonths": short,
    }
    return {"number": number, "time": time_locale}
