"""The projects lever: new capacity in one market, its start, ramp-up and odds of going ahead."""

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
    Share,
    StrictModel,
    Text,
    Whole,
    check_stage,
)


class Project(StrictModel):
    """A capacity addition outside (or inside) China."""

    name: Text
    country: Country
    mineral: Mineral
    stage: PhysicalStage
    capacity_t_per_year: Annotated[Number, Field(gt=0, le=1e9)]
    start: Month
    ramp_months: Annotated[Whole, Field(ge=0, le=240)] = 0
    probability: Share = 1.0
    incentive_price: Price | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        check_stage(self.mineral, self.stage)
        return self
