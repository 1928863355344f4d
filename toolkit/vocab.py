"""Controlled vocabularies shared by every layer: minerals, stages, regions, scenarios.

Every layer imports identifiers from here so that a typo is caught once, at the boundary.
"""

from __future__ import annotations

from typing import Final

MINERALS: Final[dict[str, str]] = {
    "rare_earths": "Rare earths (REO)",
    "magnet_rees": "Magnet REEs (Nd, Pr, Dy, Tb)",
    "lithium": "Lithium",
    "cobalt": "Cobalt",
    "nickel": "Nickel",
    "graphite": "Graphite",
    "gallium": "Gallium",
    "germanium": "Germanium",
    "antimony": "Antimony",
    "tungsten": "Tungsten",
    "copper": "Copper",
}
"""Mineral id -> English display name."""

STAGES: Final[dict[str, str]] = {
    "mining": "Mining",
    "refining": "Refining",
    "magnets": "Magnets",
    "battery_materials": "Battery materials",
    "technology": "Technology",
}
"""Stage id -> English display name. ``technology`` exists only for export controls."""

PHYSICAL_STAGES: Final[tuple[str, ...]] = ("mining", "refining", "magnets", "battery_materials")

AGGREGATES: Final[tuple[str, ...]] = ("World", "Other", "EU27", "Alliance", "RoW")
"""Named aggregates allowed where a country code is expected."""

MODEL_REGIONS: Final[tuple[str, ...]] = ("China", "Alliance", "Rest of World", "World")

IEA_SCENARIOS: Final[tuple[str, ...]] = ("STEPS", "APS", "NZE")

CONFIDENCE: Final[tuple[str, ...]] = ("confirmed", "secondary", "unconfirmed", "assumption")

EU27: Final[tuple[str, ...]] = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
)

LANGUAGES: Final[tuple[str, ...]] = ("en", "de")
