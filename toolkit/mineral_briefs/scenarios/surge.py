"""The supply-surge lever: one country adds capacity to a market at a stated cash cost; the
capacity joins the cost curve (it exits if the price falls below its cost)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from mineral_briefs.scenarios.base import (
    Country,
    Mineral,
    Month,
    Number,
    PhysicalStage,
    Price,
    StrictModel,
    Whole,
    check_stage,
)


class SupplySurge(StrictModel):
    """A capacity surge by one country (e.g. a state-backed build-out) with its cash cost."""

    country: Country
    mineral: Mineral
    stage: PhysicalStage
    capacity_t_per_year: Annotated[Number, Field(gt=0, le=1e9)]
    cash_cost: Price
    start: Month
    ramp_months: Annotated[Whole, Field(ge=0, le=240)] = 12

    @model_validator(mode="after")
    def _consistent(self) -> SupplySurge:
        check_stage(self.mineral, self.stage)
        return self
