"""Base-year overrides: the prices, production and demand a historical replay starts from."""

from __future__ import annotations

from typing import Annotated

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
)


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
    prices: tuple[PriceOverride, ...] = ()
    production: tuple[ProductionOverride, ...] = ()
    demand: tuple[DemandOverride, ...] = ()
