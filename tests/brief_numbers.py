"""Numbers as a reader sees them: parse the figures printed in a brief (en/de), independently
of the brief's own formatter, so tests compare printed text with data without reusing the code
under test."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A number read from the page, with the half-width of its last printed digit."""

    value: float
    half_ulp: float
    kind: str  # multiple, pct, tonnes, usd, usd_per_kg, plain


_SCALE_WORD = {"m": 1e6, "bn": 1e9, "tn": 1e12, "Mio.": 1e6, "Mrd.": 1e9, "Bio.": 1e12}
_TONNE_UNIT = {"t": 1.0, "kt": 1e3, "Mt": 1e6}


def _number(text: str, language: str) -> tuple[float, float]:
    """Value and half the unit of the last digit of a number printed in ``language``."""
    text = text.replace("−", "-").strip()
    thousands, decimal = (",", ".") if language == "en" else (".", ",")
    # NOTE: "704,000" is read to three significant figures (amounts below a million are
    # rounded so): each all-zero group of thousands at the end of a whole number widens the
    # last significant digit by 10³.
    zero_groups = 0
    if decimal not in text:
        groups = text.split(thousands)
        while len(groups) > 1 and groups[-1] == "000":
            groups.pop()
            zero_groups += 1
    text = text.replace(thousands, "")
    digits = text.split(decimal)[1] if decimal in text else ""
    value = float(text.replace(decimal, "."))
    return value, 0.5 * 10 ** (3 * zero_groups - len(digits))


_NUM = r"-?−?\d[\d.,]*"


def quantities(text: str, language: str) -> list[Quantity]:
    """Every number with a unit in ``text`` (dates and years are left out)."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    found: list[Quantity] = []
    patterns = [
        (rf"({_NUM})×", "multiple", lambda m: 1.0),
        (rf"({_NUM}) ?%", "pct", lambda m: 1.0),
        (rf"({_NUM}) (kt|Mt|t)\b", "tonnes", lambda m: _TONNE_UNIT[m.group(2)]),
        (rf"USD ({_NUM}) (m|bn|tn)\b", "usd", lambda m: _SCALE_WORD[m.group(2)]),
        (rf"({_NUM}) (Mio\.|Mrd\.|Bio\.) USD", "usd", lambda m: _SCALE_WORD[m.group(2)]),
        (rf"USD ({_NUM})(?![\d.,]| ?(?:m|bn|tn)\b)", "usd", lambda m: 1.0),
        (rf"({_NUM}) USD(?!/)", "usd", lambda m: 1.0),
        (rf"({_NUM}) USD/kg", "usd_per_kg", lambda m: 1.0),
        (rf"({_NUM}) (?:months|Monaten|Monate)\b", "months", lambda m: 1.0),
        (rf"({_NUM}) (?:days|Tagen|Tage)\b", "days", lambda m: 1.0),
    ]
    for pattern, kind, scale in patterns:
        for m in re.finditer(pattern, text):
            value, half = _number(m.group(1), language)
            f = scale(m)
            found.append(Quantity(value * f, half * f, kind))
    return found


def matches(q: Quantity, value: float) -> bool:
    return math.isfinite(value) and abs(q.value - value) <= q.half_ulp * 1.0001 + 1e-9
