"""China settings of a scenario: its share of consumption per market (overriding the data
default) and whether its domestic market is managed (output quotas, state reserve buying)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import (
    Flag,
    Mineral,
    Number,
    PhysicalStage,
    StrictModel,
    check_stage,
)

Fraction = Annotated[Number, Field(ge=0.0, le=0.98)]


class ConsumptionShare(StrictModel):
    """China's share of one market's demand [0–0.98] (a small rest of the world remains)."""

    mineral: Mineral
    stage: PhysicalStage
    share: Fraction

    @model_validator(mode="after")
    def _consistent(self) -> ConsumptionShare:
        check_stage(self.mineral, self.stage)
        return self


class China(StrictModel):
    """China's consumption shares and its market management."""

    consumption_share: tuple[ConsumptionShare, ...] = ()
    market_management: Flag = True
    """Output quotas and state reserve buying hold China's inside price within its band while
    China's own export control keeps volume at home (defaults: data/model_parameters.csv)."""

    @model_validator(mode="after")
    def _unique(self) -> China:
        keys = [(c.mineral, c.stage) for c in self.consumption_share]
        dupes = sorted({f"{m}/{s}" for m, s in keys if keys.count((m, s)) > 1})
        if dupes:
            raise PydanticCustomError(
                "duplicate",
                "consumption_share lists market(s) {m} more than once",
                {"m": ", ".join(dupes)},
            )
        return self
