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
    # element-level rare earths (issue 12): oxides unless named; docs/methodology.md §17
    "ndpr": "NdPr oxide",
    "ndpr_metal": "NdPr metal",
    "dy": "Dysprosium",
    "tb": "Terbium",
    "mhree_other": "Other medium/heavy REEs (Sm, Gd, Y, Eu, Lu, Sc …)",
    "la_ce": "Lanthanum and cerium",
}
"""Mineral id -> English display name."""

RARE_EARTHS: Final[frozenset[str]] = frozenset(
    ("rare_earths", "magnet_rees", "ndpr", "ndpr_metal", "dy", "tb", "mhree_other", "la_ce")
)
"""The rare-earth mineral ids: the baskets and the element markets (policy events and news
name rare earths as a family)."""

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

# NOTE: ``low_grade`` marks a source that is a blog or aggregator site repeating a figure whose
# primary publication was not found (kept, and shown as low-grade in the brief's source list).
CONFIDENCE: Final[tuple[str, ...]] = (
    "confirmed",
    "secondary",
    "low_grade",
    "unconfirmed",
    "assumption",
)

# fmt: off
EU27: Final[tuple[str, ...]] = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
)
# fmt: on

LANGUAGES: Final[tuple[str, ...]] = ("en", "de")

# fmt: off
ISO3: Final[frozenset[str]] = frozenset({
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
})
# fmt: on
"""ISO 3166-1 alpha-3 country codes (all 249 assigned codes, from the Debian ``iso-codes`` list)."""
