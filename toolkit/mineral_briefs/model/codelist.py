"""IAMC variable codelist: names, units and descriptions of every result variable.

Variable names are ``|``-hierarchical, ``<Quantity>|<Mineral>|<Stage>`` (e.g.
``Price|Magnet REEs|Refining``), as in the IAMC / pyam ``nomenclature`` convention.
"""

from __future__ import annotations

from typing import Final

MINERAL_LABELS: Final[dict[str, str]] = {
    "rare_earths": "Rare Earths",
    "magnet_rees": "Magnet REEs",
    "lithium": "Lithium",
    "cobalt": "Cobalt",
    "nickel": "Nickel",
    "graphite": "Graphite",
    "gallium": "Gallium",
    "germanium": "Germanium",
    "antimony": "Antimony",
    "tungsten": "Tungsten",
    "copper": "Copper",
    "ndpr": "NdPr Oxide",
    "ndpr_metal": "NdPr Metal",
    "dy": "Dysprosium",
    "tb": "Terbium",
    "mhree_other": "Other Medium-Heavy REEs",
    "la_ce": "Lanthanum-Cerium",
}
"""Mineral id -> label used inside IAMC variable names."""

STAGE_LABELS: Final[dict[str, str]] = {
    "mining": "Mining",
    "refining": "Refining",
    "magnets": "Magnets",
    "battery_materials": "Battery Materials",
}
"""Physical stage id -> label used inside IAMC variable names."""

QUANTITIES: Final[dict[str, tuple[str, str]]] = {
    "Price": ("USD/kg", "market-clearing price paid by consumers in the region"),
    "Price Multiple": ("1", "price relative to the base-year price (base = 1)"),
    "Supply": ("t/yr", "production in the region, annualised monthly rate"),
    "Demand": ("t/yr", "consumption in the region at the clearing price, annualised"),
    "Shortfall": ("t/yr", "demand at the base price not met (rationing + price-driven cuts)"),
    "Exports": ("t/yr", "net exports of the region, annualised (China only)"),
    "Inventory": ("t", "commercial stocks, end of month (World: outside pool; China: home stocks)"),
    "Stockpile": ("t", "strategic stockpile level, end of month"),
    "Tariff Revenue": ("USD/month", "variable-levy revenue collected by floor members"),
    "Fiscal Cost": ("USD/month", "CfD / offtake payments and floor-defence purchases"),
}
"""Quantity -> (unit, description)."""

REGIONS: Final[tuple[str, ...]] = ("China", "Alliance", "Rest of World", "World")


def variable(quantity: str, mineral: str, stage: str) -> str:
    """IAMC variable name, e.g. ``variable("Price", "magnet_rees", "refining")``.

    Parameters
    ----------
    quantity : str
        A key of :data:`QUANTITIES`.
    mineral, stage : str
        Ids from :mod:`mineral_briefs.vocab`.

    Returns
    -------
    str
        ``"Price|Magnet REEs|Refining"``.
    """
    if quantity not in QUANTITIES:
        raise KeyError(f"unknown quantity {quantity!r}; allowed: {', '.join(QUANTITIES)}")
    return f"{quantity}|{MINERAL_LABELS[mineral]}|{STAGE_LABELS[stage]}"


def unit(quantity: str) -> str:
    """Unit of a quantity (``"USD/kg"``, ``"t/yr"`` …)."""
    return QUANTITIES[quantity][0]


def codelist() -> list[dict[str, str]]:
    """Every variable the engine can emit, as ``{variable, unit, description}`` rows."""
    rows = []
    for q, (u, desc) in QUANTITIES.items():
        for m, ml in MINERAL_LABELS.items():
            for s, sl in STAGE_LABELS.items():
                if s == "magnets" and m != "magnet_rees":
                    continue
                rows.append(
                    {
                        "variable": f"{q}|{ml}|{sl}",
                        "unit": u,
                        "description": desc,
                        "mineral": m,
                        "stage": s,
                    }
                )
    return rows
