"""IAMC variable codelist: names, units and descriptions of every result variable.

Variable names are ``|``-hierarchical, ``<Quantity>|<Mineral>|<Stage>`` (e.g.
``Price|Magnet REEs|Refining``), as in the IAMC / pyam ``nomenclature`` convention.
"""

from __future__ import annotations

from typing import Any, Final

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
    "Price Multiple": ("", "price relative to the base-year price (base = 1)"),
    "Price Volume-Weighted": (
        "USD/kg",
        "contract share at the spot price of the contract lag earlier plus the rest at spot",
    ),
    "Supply": ("t/yr", "production in the region, annualised monthly rate"),
    "Demand": ("t/yr", "consumption in the region at the clearing price, annualised"),
    "Shortfall": ("t/yr", "demand at the base price not met (rationing + price-driven cuts)"),
    "Exports": ("t/yr", "net exports of the region, annualised (China only)"),
    "Inventory": (
        "t",
        "commercial stocks at the end of the month (World = outside pool, China = home stocks)",
    ),
    "Stockpile": ("t", "strategic stockpile level, end of month"),
    "Tariff Revenue": ("USD/month", "variable-levy revenue collected by floor members"),
    "Fiscal Cost": ("USD/month", "CfD / offtake payments and floor-defence purchases"),
}
"""Quantity -> (unit, description).

# NOTE: a dimensionless unit is ``""`` (nomenclature and pint read ``"1"`` as a number, not a
# unit) and descriptions hold no ``:``, ``;`` or ``"`` (nomenclature's illegal characters).
"""

REGIONS: Final[tuple[str, ...]] = ("China", "Alliance", "Rest of World", "Outside China", "World")
"""Regions of the IAMC outputs; ``Outside China`` = Alliance + Rest of World (shortfall)."""

ANNUAL_UNITS: Final[dict[str, str]] = {"USD/month": "USD/yr"}
"""Monthly unit -> unit of the annual view where they differ (money is summed per year)."""

EXTRA_VARIABLES: Final[dict[str, tuple[str, str]]] = {
    "Months Covered": ("month", "modelled months in the calendar year (annual view, 12 = full)"),
}
"""Variables of the outputs that are not market series: name -> (unit, description)."""


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


def nomenclature_variables() -> list[dict[str, dict[str, Any]]]:
    """The variable codelist in nomenclature's layout: ``[{name: {unit, description}}]``.

    A variable whose annual-view unit differs (:data:`ANNUAL_UNITS`) lists both units.
    """
    out: list[dict[str, dict[str, Any]]] = []
    for row in codelist():
        u = row["unit"]
        units: str | list[str] = [u, ANNUAL_UNITS[u]] if u in ANNUAL_UNITS else u
        out.append({row["variable"]: {"unit": units, "description": row["description"]}})
    for name, (u, desc) in EXTRA_VARIABLES.items():
        out.append({name: {"unit": u, "description": desc}})
    return out


def nomenclature_files() -> dict[str, str]:
    """Every file of the shipped codelist (path relative to ``mineral_briefs/iamc/`` -> text).

    ``definitions/variable/variables.yaml``, ``definitions/region/regions.yaml`` and
    ``nomenclature.yaml`` (time domain: years and timezone-aware datetimes). The files in the
    package are generated from this module (``tests/test_iamc.py`` checks they agree).
    """
    import yaml

    head = "# Generated from mineral_briefs/model/codelist.py; do not edit by hand.\n"

    def dump(data: Any) -> str:
        return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    regions = [{"mineral-briefs": list(REGIONS)}]
    # NOTE: no `timezone:` key: nomenclature compares it with tzname(), which is "UTC" for
    # UTC times and can never match its required "UTC+00:00" pattern; the tests check the
    # offset of every written time instead.
    config: dict[str, Any] = {
        "dimensions": ["region", "variable"],
        "time-domain": {"year": True, "datetime": True},
    }
    return {
        "definitions/variable/variables.yaml": dump(nomenclature_variables()),
        "definitions/region/regions.yaml": dump(regions),
        "nomenclature.yaml": dump(config),
    }


def write_nomenclature_files() -> list[str]:
    """Regenerate the shipped codelist in the package (``python -m mineral_briefs.model.codelist``).

    Run after adding a market or variable; ``tests/test_iamc.py`` fails until the files agree.
    """
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "iamc"
    written = []
    for rel, text in nomenclature_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(rel)
    return written


if __name__ == "__main__":  # pragma: no cover - developer tool
    for rel in write_nomenclature_files():
        print("wrote", rel)
