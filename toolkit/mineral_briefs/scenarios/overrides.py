"""Base-year overrides: the prices, production and demand a historical replay starts from."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

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
    check_stage,
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

    @model_validator(mode="after")
    def _consistent(self) -> PriceOverride:
        check_stage(self.mineral, self.stage)
        return self

    def price(self) -> Price:
        """The override as a :class:`Price`."""
        return Price(value=self.value, unit=self.unit)


class ProductionOverride(StrictModel):
    """Base production of one country in one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    country: ProductionCountry
    quantity_t: Tonnes

    @model_validator(mode="after")
    def _consistent(self) -> ProductionOverride:
        check_stage(self.mineral, self.stage)
        return self


class DemandOverride(StrictModel):
    """Base demand of one market [t/yr]."""

    mineral: Mineral
    stage: PhysicalStage
    # NOTE: a market with no demand cannot clear (every share and multiple divides by it).
    quantity_t: PositiveTonnes

    @model_validator(mode="after")
    def _consistent(self) -> DemandOverride:
        check_stage(self.mineral, self.stage)
        return self


class InventoryOverride(StrictModel):
    """Commercial stocks outside China at the horizon start in one market [months of world
    demand]; their normal cover (``inventory_months`` in the data) is unchanged."""

    mineral: Mineral
    stage: PhysicalStage
    months: Annotated[Number, Field(ge=0, le=24)]

    @model_validator(mode="after")
    def _consistent(self) -> InventoryOverride:
        check_stage(self.mineral, self.stage)
        return self


class BaseOverrides(StrictModel):
    """Replace base-year data to replay a historical episode."""

    @model_validator(mode="after")
    def _not_empty(self) -> BaseOverrides:
        if self.base_year is None and not (
            self.prices or self.production or self.demand or self.inventory
        ):
            raise PydanticCustomError(
                "empty",
                "base_overrides overrides nothing; allowed: base_year, prices, production, "
                "demand or inventory (or leave base_overrides out)",
            )
        # NOTE: a market whose production rows all say 0 t has no producer to take shares
        # from: the run used to invent its whole supply in the Rest of the World and report
        # its concentration as NaN or 0 without a word
        totals: dict[tuple[str, str], float] = {}
        for r in self.production:
            totals[(r.mineral, r.stage)] = totals.get((r.mineral, r.stage), 0.0) + r.quantity_t
        empty = [f"{mi}/{st}" for (mi, st), q in totals.items() if q <= 0]
        if empty:
            raise PydanticCustomError(
                "production",
                "production of {markets} sums to 0 t, so the market has no producer; allowed: "
                "at least one country with quantity_t > 0 for each market listed (or leave "
                "the market's production rows out to use the shipped data)",
                {"markets": ", ".join(empty)},
            )
        return self

    base_year: Annotated[Whole, Field(ge=1990, le=2050)] | None = None
    # NOTE: two rows for one market (or one country of a market) used to be resolved
    # silently (the last row won, or the rows were summed): refused instead.
    prices: Annotated[tuple[PriceOverride, ...], unique(_market, "market ")] = ()
    production: Annotated[
        tuple[ProductionOverride, ...],
        unique(lambda r: (r.mineral, r.stage, r.country), "market/country "),
    ] = ()
    demand: Annotated[tuple[DemandOverride, ...], unique(_market, "market ")] = ()
    # NOTE: stocks at the start only (a replay's "inventories were depleted"); buyers rebuild
    # them toward the normal cover as the model's catch-up rule allows (methodology §6a)
    inventory: Annotated[tuple[InventoryOverride, ...], unique(_market, "market ")] = ()

    def outside(self, simulated: Collection[tuple[str, str]]) -> list[tuple[str, tuple[str, str]]]:
        """Rows for markets the run does not simulate: (problem, (mineral, stage)).

        NOTE: such a row changes nothing and was dropped without a word; an analyst replaying
        an episode with a price, tonnage or demand the run never used read a brief built on
        the data's own base year instead. The engine refuses them with the key path.
        """
        out: list[tuple[str, tuple[str, str]]] = []
        Row = PriceOverride | ProductionOverride | DemandOverride | InventoryOverride
        fields: tuple[tuple[str, tuple[Row, ...]], ...] = (
            ("prices", self.prices),
            ("production", self.production),
            ("demand", self.demand),
            ("inventory", self.inventory),
        )
        for field, rows in fields:
            for n, row in enumerate(rows):
                key = (str(row.mineral), str(row.stage))
                if key not in simulated:
                    problem = (
                        f"base_overrides.{field}[{n}]: market {key[0]}/{key[1]} is not "
                        "simulated, so the override would change nothing"
                    )
                    out.append((problem, key))
        return out
