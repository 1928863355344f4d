"""Empty lists and combinations that do nothing are refused (fuzzing audit 7): each used to
pass validation and be dropped or ignored by the model without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scenario_cli import BASE_CASE, GALLIUM_CONTROL, JAPAN_STOCK, validate_error, validate_ok

BASE: dict[str, Any] = {**BASE_CASE, "horizon": {"start": "2025-10", "months": 24}}
FLOOR: dict[str, Any] = {
    "mineral": "gallium",
    "stage": "refining",
    "floor": {"value": 300, "unit": "USD/kg"},
    "start": "2026-01-01",
}
SUSPENDED = {"suspended": "2026-03-01", "snap_back": "2026-06-01"}

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "empty_targets": (
        {"export_controls": [{**GALLIUM_CONTROL, "targets": []}]},
        "export_controls[0].targets: must not be an empty list",
    ),
    "empty_floor_members": (
        {"price_floors": [{**FLOOR, "members": []}]},
        "price_floors[0].members: must not be an empty list",
    ),
    "empty_markets": ({"markets": []}, "markets: must not be an empty list"),
    "empty_base_overrides": ({"base_overrides": {}}, "base_overrides: base_overrides overrides"),
    "ends_before_suspended": (
        {"export_controls": [{**GALLIUM_CONTROL, "suspended": "2026-03-01", "ends": "2026-02-01"}]},
        "ends (2026-02-01) must be after suspended (2026-03-01)",
    ),
    "ends_before_snap_back": (
        {"export_controls": [{**GALLIUM_CONTROL, **SUSPENDED, "ends": "2026-04-01"}]},
        "ends (2026-04-01) must be on or after snap_back (2026-06-01)",
    ),
    "magnets_without_magnet_rees": (
        {
            "export_controls": [
                {**GALLIUM_CONTROL, "minerals": ["lithium"], "stages": ["magnets"] * 1}
            ]
        },
        "stage 'magnets' exists only for mineral 'magnet_rees'",
    ),
    "magnets_among_stages": (
        {
            "export_controls": [
                {**GALLIUM_CONTROL, "minerals": ["lithium"], "stages": ["magnets", "refining"]}
            ]
        },
        "export_controls[0]: stage 'magnets' exists only for mineral 'magnet_rees'",
    ),
    "override_price_on_magnets": (
        {
            "base_overrides": {
                "prices": [{"mineral": "lithium", "stage": "magnets", "value": 1, "unit": "USD/kg"}]
            }
        },
        "base_overrides.prices[0]: stage 'magnets' exists only for mineral 'magnet_rees'",
    ),
    "price_multiple_with_shortfall": (
        {"stockpiles": [{**JAPAN_STOCK, "release": {"trigger": "shortfall", "price_multiple": 2}}]},
        "stockpiles[0].release: price_multiple is used by trigger 'price' only",
    ),
    "restore_months_alone": (
        {"export_controls": [{**GALLIUM_CONTROL, "restore_months": 12}]},
        "export_controls[0]: restore_months (12) sets how fast flows return",
    ),
    "quota_on_technology": (
        {
            "export_controls": [
                {**GALLIUM_CONTROL, "stages": ["technology"], "quota": {"tonnes_per_period": 10}}
            ]
        },
        "stage 'technology' has no physical flow",
    ),
    # 2026-12-03, rest of audit item 7: levers the model cannot act on
    "exporter_targets_itself": (
        {"export_controls": [{**GALLIUM_CONTROL, "targets": ["USA", "CHN"]}]},
        "export_controls[0]: targets lists the exporter CHN itself",
    ),
    "china_in_the_alliance": (
        {"alliance": {"name": "x", "members": ["USA", "CHN"]}},
        "alliance.members[1]: CHN cannot be a member",
    ),
    "china_a_floor_member": (
        {"price_floors": [{**FLOOR, "members": ["CHN"]}]},
        "price_floors[0].members[0]: CHN cannot be a member",
    ),
    "control_after_the_horizon": (
        {
            "export_controls": [
                {**GALLIUM_CONTROL, "announced": "2040-01-01", "effective": "2040-01-01"}
            ]
        },
        "export_controls[0].announced: 2040-01-01 is after the horizon (2025-10 to 2027-09)",
    ),
    "project_after_the_horizon": (
        {
            "projects": [
                {
                    "name": "p",
                    "mineral": "gallium",
                    "stage": "refining",
                    "country": "USA",
                    "capacity_t_per_year": 10,
                    "start": "2049-01",
                }
            ]
        },
        "projects[0].start: 2049-01-01 is after the horizon",
    ),
    "floor_ended_before_the_horizon": (
        {"price_floors": [{**FLOOR, "start": "2025-01-01", "end": "2025-06-01"}]},
        "price_floors[0].end: 2025-06-01 is not after the horizon's start",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_combination_that_does_nothing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    extra, expected = CASES[case]
    err = validate_error(tmp_path, capsys, {**BASE, **extra})
    assert expected in err, err


def test_ordered_dates_and_a_restore_after_suspension_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    control = {**GALLIUM_CONTROL, **SUSPENDED, "ends": "2026-09-01", "restore_months": 3}
    mixed = {
        **GALLIUM_CONTROL,
        "minerals": ["magnet_rees", "gallium"],
        "stages": ["magnets", "refining"],
    }
    validate_ok(tmp_path, capsys, {**BASE, "export_controls": [control, mixed]})
