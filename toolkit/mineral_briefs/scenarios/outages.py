"""The supply-outage lever: one country's output of a market falls by a share or a tonnage from
a start date (a mine halted when its permit expired, a flood, a strike), for a duration or until
a restart is announced, then returns over a ramp (methodology §21)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import (
    Country,
    Date,
    Mineral,
    PhysicalStage,
    PositiveTonnes,
    Share,
    StrictModel,
    Whole,
    check_order,
    check_stage,
)


class SupplyOutage(StrictModel):
    """Output lost by one producing country in one market.

    Give exactly one of ``share`` (of the country's base-year output of the market) or
    ``quantity_t_per_year`` (in the market's quantity basis, e.g. t Li content). The outage
    runs from ``start`` for ``duration_months`` (to the horizon end when omitted) or until
    ``restart_news``, whichever comes first; output then returns over ``restart_months``.
    """

    country: Country
    mineral: Mineral
    stage: PhysicalStage
    share: Annotated[Share, Field(gt=0.0)] | None = None
    quantity_t_per_year: PositiveTonnes | None = None
    start: Date
    duration_months: Annotated[Whole, Field(ge=1, le=600)] | None = None
    restart_news: Date | None = None
    restart_months: Annotated[Whole, Field(ge=0, le=120)] = 0

    @model_validator(mode="after")
    def _consistent(self) -> SupplyOutage:
        check_stage(self.mineral, self.stage)
        if (self.share is None) == (self.quantity_t_per_year is None):
            raise PydanticCustomError(
                "outage_size",
                "give exactly one of share (of the country's base-year output, 0–1) or "
                "quantity_t_per_year (tonnes lost per year); got {got}",
                {"got": "both" if self.share is not None else "neither"},
            )
        if self.restart_news is not None:
            check_order(self.start, self.restart_news, "restart_news", "start", strict=True)
        return self
