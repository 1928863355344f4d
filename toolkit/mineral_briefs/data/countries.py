"""Country names as official releases spell them -> ISO 3166-1 alpha-3 codes.

USGS Mineral Commodity Summaries and the IEA Critical Minerals Dataset use English short names
with their own conventions ("Congo (Kinshasa)", "Burma", "Korea, Republic of"). This table
covers every producer named in the curated tables plus the usual MCS spellings; an unknown
name is an error (:class:`mineral_briefs.errors.DataError`) rather than a silent drop.
"""

from __future__ import annotations

from typing import Final

from mineral_briefs.vocab import AGGREGATES

NAME_TO_ISO3: Final[dict[str, str]] = {
    "argentina": "ARG",
    "armenia": "ARM",
    "australia": "AUS",
    "austria": "AUT",
    "belgium": "BEL",
    "bolivia": "BOL",
    "botswana": "BWA",
    "brazil": "BRA",
    "bulgaria": "BGR",
    "burma": "MMR",
    "burma (myanmar)": "MMR",
    "myanmar": "MMR",
    "canada": "CAN",
    "chile": "CHL",
    "china": "CHN",
    "colombia": "COL",
    "congo (kinshasa)": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "dr congo": "COD",
    "drc": "COD",
    "congo (brazzaville)": "COG",
    "cuba": "CUB",
    "ecuador": "ECU",
    "eritrea": "ERI",
    "estonia": "EST",
    "finland": "FIN",
    "france": "FRA",
    "gabon": "GAB",
    "germany": "DEU",
    "ghana": "GHA",
    "greenland": "GRL",
    "guatemala": "GTM",
    "india": "IND",
    "indonesia": "IDN",
    "iran": "IRN",
    "japan": "JPN",
    "kazakhstan": "KAZ",
    "korea, north": "PRK",
    "north korea": "PRK",
    "korea, republic of": "KOR",
    "korea, south": "KOR",
    "south korea": "KOR",
    "kyrgyzstan": "KGZ",
    "laos": "LAO",
    "madagascar": "MDG",
    "malaysia": "MYS",
    "mali": "MLI",
    "mauritania": "MRT",
    "mexico": "MEX",
    "mongolia": "MNG",
    "morocco": "MAR",
    "mozambique": "MOZ",
    "namibia": "NAM",
    "netherlands": "NLD",
    "new caledonia": "NCL",
    "nigeria": "NGA",
    "norway": "NOR",
    "oman": "OMN",
    "pakistan": "PAK",
    "panama": "PAN",
    "papua new guinea": "PNG",
    "peru": "PER",
    "philippines": "PHL",
    "poland": "POL",
    "portugal": "PRT",
    "russia": "RUS",
    "rwanda": "RWA",
    "saudi arabia": "SAU",
    "serbia": "SRB",
    "slovakia": "SVK",
    "south africa": "ZAF",
    "spain": "ESP",
    "sri lanka": "LKA",
    "sweden": "SWE",
    "tajikistan": "TJK",
    "tanzania": "TZA",
    "thailand": "THA",
    "turkey": "TUR",
    "türkiye": "TUR",
    "turkiye": "TUR",
    "uganda": "UGA",
    "ukraine": "UKR",
    "united kingdom": "GBR",
    "united states": "USA",
    "uzbekistan": "UZB",
    "vietnam": "VNM",
    "zambia": "ZMB",
    "zimbabwe": "ZWE",
}
"""Lower-case release spelling -> ISO3."""

AGGREGATE_NAMES: Final[dict[str, str]] = {
    "world": "World",
    "world total": "World",
    "world total (rounded)": "World",
    "world total (may be rounded)": "World",
    "total": "World",
    "total clean technologies": "World",  # NOTE: IEA label quirk on the cobalt refining block
    "other": "Other",
    "other countries": "Other",
    "rest of world": "Other",
}
"""Lower-case release spelling of an aggregate -> the vocab aggregate id."""

ISO3_CODES: Final[frozenset[str]] = frozenset(NAME_TO_ISO3.values()) | frozenset(
    {
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
        "GBR",
        "CHE",
        "ISR",
        "TWN",
        "SGP",
        "ARE",
        "EGY",
        "NZL",
        "HKG",
    }
)
"""ISO3 codes accepted in the ``country`` columns (producers, EU members, trade partners)."""

COUNTRY_IDS: Final[frozenset[str]] = ISO3_CODES | frozenset(AGGREGATES)
"""Every id allowed in a ``country`` column."""


def to_country_id(name: str) -> str | None:
    """Map a release spelling to an ISO3 code or aggregate id.

    Parameters
    ----------
    name : str
        Country or aggregate as printed by the release (case and surrounding space ignored).

    Returns
    -------
    str or None
        ISO3 code, an aggregate id from :data:`mineral_briefs.vocab.AGGREGATES`, or ``None`` when
        the
        name is unknown (the caller raises with file and row).
    """
    key = " ".join(str(name).split()).lower()
    if key in AGGREGATE_NAMES:
        return AGGREGATE_NAMES[key]
    if key in NAME_TO_ISO3:
        return NAME_TO_ISO3[key]
    upper = key.upper()
    if upper in ISO3_CODES:
        return upper
    return None
