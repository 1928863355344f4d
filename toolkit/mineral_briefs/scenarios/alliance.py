"""The alliance lever: preset member lists, a custom alliance, and ``EU27`` expanded to members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Discriminator, Field, Tag

from mineral_briefs.scenarios.base import (
    MemberCountry,
    StrictModel,
    Text,
    one_of,
    outside_china,
    union_tag,
    unique_members,
)
from mineral_briefs.scenarios.errors import TAG
from mineral_briefs.vocab import EU27

ALLIANCE_PRESETS: dict[str, tuple[str, ...]] = {
    "us_japan": ("USA", "JPN"),
    "us_eu_japan": ("USA", "JPN", *EU27),
    # NOTE: "wider partnership" = Minerals Security Partnership members (US, EU and its members,
    # Japan, UK, Canada, Australia, Korea, India, Norway) — an assumption, see scenario sources.
    "wider_partnership": ("USA", "JPN", *EU27, "GBR", "CAN", "AUS", "KOR", "IND", "NOR"),
}


class AllianceSpec(StrictModel):
    """A custom alliance: a name and its members (ISO3 codes or ``EU27``)."""

    name: Text
    members: Annotated[
        tuple[MemberCountry, ...],
        Field(min_length=1),
        AfterValidator(unique_members),
        AfterValidator(outside_china),
    ]


Alliance = Annotated[
    Annotated[
        Annotated[str, one_of("alliance preset", tuple(ALLIANCE_PRESETS))], Tag(TAG + "preset")
    ]
    | Annotated[AllianceSpec, Tag(TAG + "custom")],
    Discriminator(
        union_tag((str, TAG + "preset"), ((Mapping, BaseModel), TAG + "custom")),
        custom_error_type="alliance_type",
        custom_error_message="must be a preset id ("
        + " | ".join(ALLIANCE_PRESETS)
        + ") or a mapping {name: text, members: [ISO3, …]}",
    ),
]


def expand_members(members: Iterable[str]) -> tuple[str, ...]:
    """ISO3 codes of ``members`` with ``EU27`` replaced by its member states, sorted, unique."""
    out: set[str] = set()
    for m in members:
        if m == "EU27":
            out.update(EU27)
        else:
            out.add(m)
    return tuple(sorted(out))
