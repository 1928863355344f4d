"""The price-floor lever: an allied floor on one market, its instrument, and who joins it."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import (
    Date,
    MemberCountry,
    Mineral,
    PhysicalStage,
    PositiveTonnes,
    Price,
    Share,
    StrictModel,
    check_order,
    check_stage,
    one_of,
    outside_china,
    union_tag,
    unique_members,
)
from mineral_briefs.scenarios.errors import TAG

INSTRUMENTS: tuple[str, ...] = ("variable_tariff", "cfd", "offtake")
Instrument = Annotated[str, one_of("instrument", INSTRUMENTS)]


Members = Annotated[
    Annotated[Annotated[str, one_of("members keyword", ("alliance",))], Tag(TAG + "keyword")]
    | Annotated[
        tuple[MemberCountry, ...],
        Field(min_length=1),
        AfterValidator(unique_members),
        AfterValidator(outside_china),
        Tag(TAG + "list"),
    ],
    Discriminator(
        union_tag((str, TAG + "keyword"), ((list, tuple), TAG + "list")),
        custom_error_type="members_type",
        custom_error_message="must be 'alliance' or a list of ISO3 codes",
    ),
]


class PriceFloor(StrictModel):
    """An allied price floor on one mineral and stage."""

    mineral: Mineral
    stage: PhysicalStage
    floor: Price
    instrument: Instrument = "variable_tariff"
    members: Members = "alliance"
    offtake_volume_t_per_year: PositiveTonnes | None = None
    start: Date
    end: Date | None = None
    leakage: Share = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> PriceFloor:
        check_stage(self.mineral, self.stage)
        if self.instrument == "offtake" and self.offtake_volume_t_per_year is None:
            raise PydanticCustomError(
                "offtake_volume",
                "instrument 'offtake' needs offtake_volume_t_per_year (> 0) [t/yr]",
            )
        if self.instrument != "offtake" and self.offtake_volume_t_per_year is not None:
            raise PydanticCustomError(
                "offtake_volume",
                "offtake_volume_t_per_year is only allowed with instrument 'offtake'",
            )
        if self.end is not None:
            check_order(self.start, self.end, "end", "start", strict=True)
        return self
