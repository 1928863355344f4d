"""The demand lever: each mineral's demand path, as a growth factor or an IEA scenario."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import Mineral, Number, StrictModel, Whole, one_of
from mineral_briefs.vocab import IEA_SCENARIOS

SHAPES: tuple[str, ...] = ("log_linear", "linear", "s_curve")
Shape = Annotated[str, one_of("demand curve shape", SHAPES)]
IEAScenario = Annotated[str, one_of("IEA scenario", IEA_SCENARIOS)]


class Growth(StrictModel):
    """Demand growth: exactly one of ``multiple`` (x > 0) or ``percent`` (p > -100)."""

    multiple: Annotated[Number, Field(gt=0, le=1000)] | None = None
    percent: Annotated[Number, Field(gt=-100, le=100_000)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Growth:
        if (self.multiple is None) == (self.percent is None):
            raise PydanticCustomError(
                "growth", "give exactly one of {multiple: x} (x > 0) or {percent: p} (p > -100)"
            )
        return self

    @property
    def factor(self) -> float:
        """Demand in the target year relative to the base year [-]."""
        if self.multiple is not None:
            return self.multiple
        return 1.0 + float(self.percent or 0.0) / 100.0


class DemandSpec(StrictModel):
    """Demand path of one mineral: a growth factor by a target year, or an IEA scenario."""

    mineral: Mineral
    growth: Growth | None = None
    base_year: Annotated[Whole, Field(ge=1990, le=2050)] | None = None
    target_year: Annotated[Whole, Field(ge=1990, le=2100)] | None = None
    shape: Shape = "log_linear"
    iea_scenario: IEAScenario | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> DemandSpec:
        if (self.growth is None) == (self.iea_scenario is None):
            raise PydanticCustomError(
                "demand_kind",
                "give either growth (with base_year and target_year) or iea_scenario "
                "(STEPS | APS | NZE), not both and not neither",
            )
        if self.growth is not None:
            if self.base_year is None or self.target_year is None:
                raise PydanticCustomError(
                    "demand_years",
                    "growth needs base_year and target_year (years, e.g. 2020, 2040)",
                )
            if self.target_year <= self.base_year:
                raise PydanticCustomError(
                    "date_order",
                    "target_year ({t}) must be after base_year ({b})",
                    {"t": self.target_year, "b": self.base_year},
                )
        elif self.base_year is not None or self.target_year is not None:
            raise PydanticCustomError(
                "demand_years", "base_year/target_year go with growth, not with iea_scenario"
            )
        return self
