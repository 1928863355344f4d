"""The export-control lever: who withholds which minerals and stages, from whom, and when."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from mineral_briefs.scenarios.base import (
    Country,
    Date,
    MemberCountry,
    Mineral,
    PositiveTonnes,
    Share,
    Stage,
    StrictModel,
    Whole,
    check_order,
    one_of,
    union_tag,
    unique,
    unique_members,
)
from mineral_briefs.scenarios.errors import TAG

Targets = Annotated[
    Annotated[Annotated[str, one_of("target", ("all", "alliance"))], Tag(TAG + "keyword")]
    | Annotated[
        tuple[MemberCountry, ...],
        Field(min_length=1),
        AfterValidator(unique_members),
        Tag(TAG + "list"),
    ],
    Discriminator(
        union_tag((str, TAG + "keyword"), ((list, tuple), TAG + "list")),
        custom_error_type="targets_type",
        custom_error_message="must be 'all', 'alliance' or a list of ISO3 codes",
    ),
]


class ExportQuota(StrictModel):
    """A volume cap on the control's exports: licences issued per period, carried over, used
    at a stated rate (methodology §5b)."""

    tonnes_per_period: PositiveTonnes
    period_months: Annotated[Whole, Field(ge=1, le=24)] = 12
    carry_over: Share = 0.0
    use_rate: Share = 1.0


class ExportControl(StrictModel):
    """An export restriction by one exporter on some minerals and stages."""

    exporter: Country = "CHN"
    minerals: Annotated[tuple[Mineral, ...], Field(min_length=1), unique()]
    stages: Annotated[tuple[Stage, ...], Field(min_length=1), unique()]
    share_withheld: Share
    targets: Targets = "all"
    announced: Date
    effective: Date
    suspended: Date | None = None
    snap_back: Date | None = None
    ends: Date | None = None
    licensing_delay_days: Annotated[Whole, Field(ge=0, le=365)] = 0
    ramp_months: Annotated[Whole, Field(ge=0, le=120)] = 0
    front_running_months: Annotated[Whole, Field(ge=0, le=24)] = 0
    leakage: Share = 0.0
    quota: ExportQuota | None = None
    restore_months: Annotated[Whole, Field(ge=0, le=120)] = 0

    @model_validator(mode="after")
    def _dates_in_order(self) -> ExportControl:
        check_order(self.announced, self.effective, "effective", "announced", strict=False)
        if self.suspended is not None:
            check_order(self.announced, self.suspended, "suspended", "announced", strict=False)
        if self.snap_back is not None:
            if self.suspended is None:
                raise PydanticCustomError(
                    "snap_back",
                    "snap_back needs a suspended date (the snap-back ends a suspension)",
                )
            check_order(self.suspended, self.snap_back, "snap_back", "suspended", strict=True)
        if self.ends is not None:
            check_order(self.effective, self.ends, "ends", "effective", strict=True)
            # NOTE: an end before the suspension (or the snap-back) it follows would leave
            # that date without effect; the order is announced ≤ suspended < snap_back ≤ ends.
            if self.suspended is not None:
                check_order(self.suspended, self.ends, "ends", "suspended", strict=True)
            if self.snap_back is not None:
                check_order(self.snap_back, self.ends, "ends", "snap_back", strict=False)
        if isinstance(self.targets, tuple) and self.exporter in self.targets:
            raise PydanticCustomError(
                "self_target",
                "targets lists the exporter {x} itself: a country does not control exports to "
                "itself; allowed: other countries, 'alliance' or 'all'",
                {"x": self.exporter},
            )
        if "magnets" in self.stages and "magnet_rees" not in self.minerals:
            raise PydanticCustomError(
                "stage_mineral",
                "stage 'magnets' exists only for mineral 'magnet_rees' (not in minerals); "
                "allowed: add magnet_rees or drop magnets",
            )
        if self.restore_months and self.suspended is None and self.ends is None:
            raise PydanticCustomError(
                "restore_months",
                "restore_months ({n}) sets how fast flows return after a suspension or the end "
                "of the control; allowed: with suspended or ends, else leave it out",
                {"n": self.restore_months},
            )
        if self.quota is not None and "technology" in self.stages:
            raise PydanticCustomError(
                "quota_market",
                "a quota caps tonnes, and stage 'technology' has no physical flow; allowed: "
                "mining, refining, battery_materials, magnets",
            )
        if self.quota is not None and (len(self.minerals) != 1 or len(self.stages) != 1):
            raise PydanticCustomError(
                "quota_market",
                "a quota caps one market: give exactly one mineral and one stage "
                "(got {n_min} minerals, {n_st} stages)",
                {"n_min": len(self.minerals), "n_st": len(self.stages)},
            )
        return self
