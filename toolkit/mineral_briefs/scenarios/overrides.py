"""Base-year overrides: the prices, production and demand a historical replay starts from."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from mineral_briefs.scenarios.base import (
    MAX_PRICE,
    Mineral,
    Number,
    PhysicalStage,
    PositiveTonnes,
    Price,
    PriceUnit,
    ProductionCountry,
    StrictModel,
    Tonnes,
    Whole,
    unique,
)


def _market(row: Any) -> tuple[str, str]:
    return (row.mineral, row.stage)


class PriceOverride(StrictModel):
    """Base price of one market for a historical replay."""

    mineral: Mineral
    stage: PhysicalStage
    value: Annotated[Number, Field(gt=0, le=MAX_PRICE)]
    unit: PriceUnit

    def price(self) -> Price:
        """The override as a :class:`Price`."""
        return Price(value=self.value, unit=self.unit)


class ProductionOverride(StrictModel):
    """Base production of one country in one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    country: ProductionCountry
    quantity_t: Tonnes


class DemandOverride(StrictModel):
    """Base demand of one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    # NOTE: a market with no demand cannot clear (every share and multiple divides by it).
    quantity_t: PositiveTonnes


class BaseOverrides(StrictModel):
    """Replace base-year data to replay a historical episode."""

    base_year: Annotated[Whole, Field(ge=1990, le=2050)] | None = None
    # NOTE: two rows for one market (or one country of a market) used to be resolved
    # silently (the last row won, or the rows were summed): refused instead.
    prices: Annotated[tuple[PriceOverride, ...], unique(_market, "market ")] = ()
    production: Annotated[
        tuple[ProductionOverride, ...],
        unique(lambda r: (r.mineral, r.stage, r.country), "market/country "),
    ] = ()
    demand: Annotated[tuple[DemandOverride, ...], unique(_market, "market ")] = ()
