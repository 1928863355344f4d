"""Allowed values and units of the ``data/`` table columns (statuses, qualifiers, event kinds)."""

from __future__ import annotations

from typing import Final

from mineral_briefs.vocab import IEA_SCENARIOS

PRODUCTION_UNITS: Final[tuple[str, ...]] = ("t", "kt", "Mt", "kg", "%")
MASS_UNITS_T: Final[dict[str, float]] = {"t": 1.0, "kt": 1_000.0, "Mt": 1_000_000.0, "kg": 0.001}
"""Mass unit -> tonnes per unit."""
PRICE_UNITS: Final[dict[str, float | None]] = {
    "USD/kg": 1.0,
    "USD/t": 0.001,
    "USD/lb": 1.0 / 0.45359237,
    "USc/lb": 0.01 / 0.45359237,
    "USD/mtu WO3": None,  # NOTE: per kg of what is a basis question; see data/README.md
}
"""Price unit -> USD/kg factor (``None`` = basis-dependent, checked against the note)."""
STATUS: Final[tuple[str, ...]] = ("reported", "estimate", "projection")
PERIOD_TYPES: Final[tuple[str, ...]] = ("annual", "assessment")
QUALIFIERS: Final[tuple[str, ...]] = (">", "<", "~", ">=", "<=", "up to")
DATE_PRECISION: Final[tuple[str, ...]] = ("day", "month", "year")
EVENT_KINDS: Final[tuple[str, ...]] = (
    "export_control",
    "export_ban",
    "suspension",
    "price_floor",
    "agreement",
    "ministerial",
    "stockpile",
    "investment",
    "tariff",
    "trade_ruling",
    "embargo",
    "policy",
    "deadline",
    "critical_list",
    "capacity",
)
EVENT_STATUS: Final[tuple[str, ...]] = ("scheduled", "happened", "cancelled", "extended", "unknown")
"""What became of a policy event: ``scheduled`` (still ahead), ``happened`` (took place as
dated), ``cancelled``, ``extended`` (a deadline or suspension moved later) or ``unknown`` (its
date has passed and no stored source says what happened)."""
MULTIPLE_SCENARIOS: Final[tuple[str, ...]] = (*IEA_SCENARIOS, "SDS", "2DS")
VERDICTS: Final[tuple[str, ...]] = (
    "confirmed",
    "consistent",
    "understated",
    "overstated",
    "partly_true",
    "outdated",
    "unverified",
)
