"""The stockpile lever: who holds how many days of cover, and when it is released and refilled."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import (
    Mineral,
    Number,
    PhysicalStage,
    Share,
    StrictModel,
    Whole,
    check_country,
    check_stage,
    one_of,
    unique,
)

TRIGGERS: tuple[str, ...] = ("shortfall", "price")
Trigger = Annotated[str, one_of("release trigger", TRIGGERS)]


Holder = Annotated[
    str, BeforeValidator(lambda v: v if v == "alliance" else check_country(v, extra=("alliance",)))
]


class StockpileRelease(StrictModel):
    """When and how much a stockpile releases."""

    trigger: Trigger = "shortfall"
    price_multiple: Annotated[Number, Field(gt=1, le=100)] | None = None
    max_share_of_shortfall: Share = 1.0

    @model_validator(mode="after")
    def _price_needs_multiple(self) -> StockpileRelease:
        if self.trigger == "price" and self.price_multiple is None:
            raise PydanticCustomError(
                "release", "trigger 'price' needs price_multiple (> 1, times the base price)"
            )
        if self.trigger != "price" and self.price_multiple is not None:
            raise PydanticCustomError(
                "release",
                "price_multiple is used by trigger 'price' only (trigger is '{t}'); allowed: "
                "trigger: price with price_multiple, or no price_multiple",
                {"t": self.trigger},
            )
        return self


class StockpileRefill(StrictModel):
    """Refill when the price is below ``below_price_multiple`` x base, over ``months``."""

    below_price_multiple: Annotated[Number, Field(gt=0, le=100)]
    months: Annotated[Whole, Field(ge=1, le=240)]


class Stockpile(StrictModel):
    """A strategic stockpile held by a country or by the alliance."""

    holder: Holder
    minerals: Annotated[tuple[Mineral, ...], Field(min_length=1), unique()]
    stage: PhysicalStage
    days_of_cover: Annotated[Number, Field(gt=0, le=720)]
    release: StockpileRelease = StockpileRelease()
    refill: StockpileRefill | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Stockpile:
        for mineral in self.minerals:
            if self.stage == "magnets" and mineral != "magnet_rees":
                check_stage(mineral, self.stage)
        return self
