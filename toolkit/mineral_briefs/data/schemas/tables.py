"""Every table of ``data/`` declared once: columns, types, allowed ids, keys, row checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import pandas as pd

from mineral_briefs.data.countries import COUNTRY_IDS
from mineral_briefs.data.schemas.contract import Col, TableSpec
from mineral_briefs.data.schemas.cross_checks import PROJECTION_HORIZON
from mineral_briefs.data.schemas.parameter_ranges import check_parameter_ranges
from mineral_briefs.data.schemas.row_checks import (
    check_conversion_ends,
    check_cost_range,
    check_factor_positive,
    check_low_high,
    check_magnets_stage,
    check_multiple_order,
    check_observed,
    check_parameter_units,
    check_period_order,
    check_shares,
    check_url,
    check_usd_per_kg,
)
from mineral_briefs.data.schemas.values import (
    DATE_PRECISION,
    EVENT_KINDS,
    EVENT_STATUS,
    MASS_UNITS_T,
    MULTIPLE_SCENARIOS,
    PERIOD_TYPES,
    PRICE_UNITS,
    PRODUCTION_UNITS,
    QUALIFIERS,
    STATUS,
    VERDICTS,
)
from mineral_briefs.vocab import CONFIDENCE, IEA_SCENARIOS, MINERALS, STAGES

RowCheck = Callable[[pd.DataFrame], Iterable[tuple[int, str, str]]]

_MINERALS = frozenset(MINERALS)
_STAGES = frozenset(STAGES)
_CONF = frozenset(CONFIDENCE)
_OBSERVED_REGIONS = frozenset(("World", "Alliance", "Rest of World"))
"""Aggregate regions an observed series may name besides ISO3 codes (the model's regions)."""


def _src() -> Col:
    return Col("source_id")


def _conf() -> Col:
    return Col("confidence", allowed=_CONF)


def _estimates_table(
    name: str, group: Col, item: Col, row_checks: tuple[RowCheck, ...] = ()
) -> TableSpec:
    """An optional table of sourced estimates keyed by (``group``, ``item``).

    Each row: a central ``value`` with an optional ``low``–``high`` range (checked to hold the
    value), its ``unit``, source id, confidence and a note. ``model_parameters`` and
    ``observations`` share this shape.
    """
    return TableSpec(
        name,
        (
            group,
            item,
            Col("value", "float"),
            Col("low", "float", required=False),
            Col("high", "float", required=False),
            Col("unit"),
            _src(),
            _conf(),
            Col("note", required=False),
        ),
        key=(group.name, item.name),
        optional_file=True,
        row_checks=(check_low_high, *row_checks),
    )


TABLES: Final[dict[str, TableSpec]] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "sources",
            (
                Col("source_id"),
                Col("publisher"),
                Col("title"),
                Col("year", "int", ge=1900, le=2100),
                Col("locator"),
                Col("url", required=False),
                Col("licence"),
                _conf(),
                Col("note", required=False),
            ),
            key=("source_id",),
            needs_rows=True,
            row_checks=(check_url,),
        ),
        TableSpec(
            "production",
            (
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("country", allowed=COUNTRY_IDS),
                # NOTE: the year's upper bound depends on the row's status and source
                # (schemas.cross_checks: not after the source's publication year, projections
                # not beyond PROJECTION_HORIZON); 2100 only bounds a wild number.
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(PRODUCTION_UNITS)),
                Col("basis"),
                Col("status", allowed=frozenset(STATUS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "stage", "country", "year", "source_id"),
            needs_rows=True,
            row_checks=(check_shares, check_magnets_stage),
        ),
        TableSpec(
            "reserves",
            (
                Col("mineral", allowed=_MINERALS),
                Col("country", allowed=COUNTRY_IDS),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(MASS_UNITS_T)),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "country", "source_id"),
        ),
        TableSpec(
            "prices",
            (
                Col("mineral", allowed=_MINERALS),
                Col("product"),
                Col("market"),
                Col("period"),
                _src(),
                Col("period_start", "date"),
                Col("period_end", "date"),
                Col("period_type", allowed=frozenset(PERIOD_TYPES)),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(PRICE_UNITS)),
                Col("usd_per_kg", "float", ge=0),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "product", "market", "period", "source_id"),
            needs_rows=True,
            row_checks=(check_usd_per_kg, check_period_order),
        ),
        TableSpec(
            "demand",
            (
                Col("mineral", allowed=_MINERALS),
                Col("scenario", allowed=frozenset(IEA_SCENARIOS)),
                Col("year", "int", ge=1990, le=PROJECTION_HORIZON),
                _src(),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(MASS_UNITS_T)),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "scenario", "year", "source_id"),
        ),
        TableSpec(
            "demand_multiples",
            (
                Col("mineral", allowed=_MINERALS),
                _src(),
                Col("scenario", allowed=frozenset(MULTIPLE_SCENARIOS)),
                Col("base_year", "int", ge=1990, le=PROJECTION_HORIZON),
                Col("target_year", "int", ge=1990, le=PROJECTION_HORIZON),
                Col("multiple_low", "float", ge=0),
                Col("multiple_high", "float", ge=0),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "source_id", "scenario"),
            row_checks=(check_multiple_order,),
        ),
        TableSpec(
            "import_reliance",
            (
                Col("country", allowed=COUNTRY_IDS),
                Col("mineral", allowed=_MINERALS),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value_pct", "float", ge=0, le=100),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("country", "mineral", "year", "source_id"),
        ),
        TableSpec(
            "dependence",
            (
                Col("country", allowed=COUNTRY_IDS),
                Col("indicator"),
                Col("year", "int", ge=1990, le=2100),
                _src(),
                Col("value", "float", ge=0),
                Col("unit"),
                Col("qualifier", required=False, allowed=frozenset(QUALIFIERS)),
                _conf(),
                Col("note", required=False),
            ),
            key=("country", "indicator", "year", "source_id"),
        ),
        TableSpec(
            "policy_events",
            (
                Col("date", "date"),
                Col("event_id"),
                Col("date_precision", allowed=frozenset(DATE_PRECISION)),
                Col("actor"),
                Col("kind", allowed=frozenset(EVENT_KINDS)),
                Col("minerals", required=False, allowed=_MINERALS, multi=True),
                Col("summary"),
                _src(),
                _conf(),
                # NOTE: what became of the event; status_source names the source that records
                # it (empty: the event's own source_id). See data/README.md.
                Col("status", allowed=frozenset(EVENT_STATUS)),
                Col("status_source", required=False),
            ),
            key=("event_id",),
        ),
        _estimates_table(
            "model_parameters",
            Col("mineral", allowed=_MINERALS | {"all"}),
            Col("parameter"),
            row_checks=(check_parameter_units, check_parameter_ranges),
        ),
        _estimates_table("observations", Col("episode"), Col("metric")),
        TableSpec(
            "observed",
            (
                Col("series"),
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("variable", allowed=frozenset(("Price", "Exports"))),
                Col("region", allowed=frozenset(COUNTRY_IDS) | _OBSERVED_REGIONS),
                Col("month", "date"),
                Col("value", "float", ge=0),
                Col("unit", allowed=frozenset(("USD/kg", "t/month"))),
                Col("basis"),
                _src(),
                _conf(),
                Col("note", required=False),
            ),
            key=("series", "month", "source_id"),
            optional_file=True,
            row_checks=(check_observed,),
        ),
        TableSpec(
            "seed_claims",
            (
                Col("claim_id"),
                Col("seed"),
                Col("claim"),
                Col("primary_figure"),
                Col("verdict", allowed=frozenset(VERDICTS)),
                Col("verdict_text"),
                Col("source_id", multi=True),
                _conf(),
            ),
            key=("claim_id",),
        ),
        TableSpec(
            "conversions",
            (
                Col("mineral", allowed=_MINERALS | {"all"}),
                Col("from_basis"),
                Col("to_basis"),
                Col("factor", "float"),
                Col("source_id", multi=True),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "from_basis", "to_basis"),
            optional_file=True,
            row_checks=(check_factor_positive, check_conversion_ends),
        ),
        TableSpec(
            "price_defaults",
            (
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("product"),
                Col("market"),
                _src(),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "stage"),
            needs_rows=True,
        ),
        TableSpec(
            "cost_curves",
            (
                Col("mineral", allowed=_MINERALS),
                Col("stage", allowed=_STAGES),
                Col("producer_group"),
                Col("country", allowed=COUNTRY_IDS),
                Col("share_of_country", "float", ge=0, le=1),
                Col("cash_cost_low", "float", ge=0, le=1e6),
                Col("cash_cost_high", "float", ge=0, le=1e6),
                Col("unit", allowed=frozenset({"USD/kg"})),
                Col("cost_basis"),
                Col("year", "int", ge=1990, le=2100),
                Col("source_id", multi=True),
                _conf(),
                Col("note", required=False),
            ),
            key=("mineral", "stage", "producer_group"),
            optional_file=True,
            row_checks=(check_cost_range,),
        ),
    )
}
"""Every table of the data folder, by attribute name of :class:`mineral_briefs.data.Dataset`."""
