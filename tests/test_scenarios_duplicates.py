"""Duplicate list entries are refused, not counted twice (fuzzing audit 2): the message
names the file, the key path and the repeated value, exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scenario_cli import BASE_CASE, GALLIUM_CONTROL, JAPAN_STOCK, validate_error, validate_ok

FLOOR: dict[str, Any] = {
    "mineral": "gallium",
    "stage": "refining",
    "floor": {"value": 300, "unit": "USD/kg"},
    "start": "2026-01-01",
}
PRICE = {"mineral": "lithium", "stage": "refining", "value": 10, "unit": "USD/kg"}
PROD = {"mineral": "lithium", "stage": "refining", "country": "CHN", "quantity_t": 1000}
DEMAND = {"mineral": "lithium", "stage": "refining", "quantity_t": 1000}

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "control_minerals": (
        {"export_controls": [{**GALLIUM_CONTROL, "minerals": ["gallium", "gallium"]}]},
        "export_controls[0].minerals: gallium is listed more than once ([0] and [1])",
    ),
    "control_stages": (
        {"export_controls": [{**GALLIUM_CONTROL, "stages": ["refining", "refining"]}]},
        "export_controls[0].stages: refining is listed more than once",
    ),
    "control_targets": (
        {"export_controls": [{**GALLIUM_CONTROL, "targets": ["USA", "JPN", "USA"]}]},
        "export_controls[0].targets: USA is listed more than once ([0] and [2])",
    ),
    "control_targets_eu27": (
        {"export_controls": [{**GALLIUM_CONTROL, "targets": ["EU27", "DEU"]}]},
        "export_controls[0].targets: DEU is listed more than once ([0] and [1]) (EU27 includes",
    ),
    "quota_duplicate_minerals": (
        {
            "export_controls": [
                {
                    **GALLIUM_CONTROL,
                    "minerals": ["gallium", "gallium"],
                    "quota": {"tonnes_per_period": 9},
                }
            ]
        },
        "export_controls[0].minerals: gallium is listed more than once",
    ),
    "stockpile_minerals": (
        {"stockpiles": [{**JAPAN_STOCK, "minerals": ["gallium", "gallium"]}]},
        "stockpiles[0].minerals: gallium is listed more than once",
    ),
    "stockpile_holder_market": (
        {"stockpiles": [JAPAN_STOCK, {**JAPAN_STOCK, "days_of_cover": 30}]},
        "stockpiles: holder JPN on market gallium/refining is listed more than once ([0] and [1])",
    ),
    "alliance_members": (
        {"alliance": {"name": "a", "members": ["USA", "USA"]}},
        "alliance.members: USA is listed more than once",
    ),
    "floor_members": (
        {"price_floors": [{**FLOOR, "members": ["USA", "JPN", "JPN"]}]},
        "price_floors[0].members: JPN is listed more than once",
    ),
    "two_floors_one_market": (
        {"price_floors": [FLOOR, {**FLOOR, "start": "2026-06-01"}]},
        "price_floors: a floor on market gallium/refining is listed more than once",
    ),
    "override_prices": (
        {"base_overrides": {"prices": [PRICE, {**PRICE, "value": 20}]}},
        "base_overrides.prices: market lithium/refining is listed more than once",
    ),
    "override_production": (
        {"base_overrides": {"production": [PROD, PROD]}},
        "base_overrides.production: market/country lithium/refining/CHN is listed more than once",
    ),
    "override_demand": (
        {"base_overrides": {"demand": [DEMAND, DEMAND]}},
        "base_overrides.demand: market lithium/refining is listed more than once",
    ),
    "markets": (
        {"markets": [{"mineral": "gallium", "stage": "refining"}] * 2},
        "markets: market gallium/refining is listed more than once",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_duplicate_entry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    extra, expected = CASES[case]
    err = validate_error(tmp_path, capsys, {**BASE_CASE, **extra})
    assert expected in err, err
    assert "quota caps one market" not in err


def test_duplicate_source_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mineral_briefs.scenarios import known_source_ids

    sid = sorted(known_source_ids() or {"x"})[0]
    err = validate_error(tmp_path, capsys, {**BASE_CASE, "sources": [sid, sid]})
    assert f"sources: {sid} is listed more than once" in err


def test_distinct_entries_still_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate_ok(
        tmp_path,
        capsys,
        {
            **BASE_CASE,
            "export_controls": [{**GALLIUM_CONTROL, "minerals": ["gallium", "graphite"]}],
            "stockpiles": [JAPAN_STOCK, {**JAPAN_STOCK, "holder": "USA"}],
        },
    )
