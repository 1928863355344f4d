"""``validate`` is the full check (fuzzing audit 3): what ``simulate`` and ``render`` refuse
on the data (a lever on a market that is not simulated, an outage larger than the country's
output) is refused by ``validate`` too, and by ``render`` before any kernel starts (exit 2),
each problem naming the real file and the key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from mineral_briefs.cli import main
from scenario_cli import validate_error, validate_ok

BASE: dict[str, Any] = {
    "id": "t",
    "title": "t",
    "rationale": "r",
    "horizon": {"start": "2025-10", "months": 12},
}
GE = {"mineral": "germanium", "stage": "refining"}
OUTAGE = {"country": "CHN", "mineral": "gallium", "stage": "refining", "start": "2026-01-01"}
PROJECT = {"name": "p", "country": "USA", "capacity_t_per_year": 10, "start": "2026-01"}
SURGE = {
    "country": "USA",
    "capacity_t_per_year": 10,
    "cash_cost": {"value": 100, "unit": "USD/kg"},
    "start": "2026-01",
}

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "stockpile_stage": (
        {
            "stockpiles": [
                {
                    "holder": "JPN",
                    "minerals": ["gallium"],
                    "stage": "battery_materials",
                    "days_of_cover": 30,
                }
            ]
        },
        "stockpiles[0].minerals: market gallium/battery_materials is not simulated",
    ),
    "project": ({"projects": [{**PROJECT, **GE}]}, "projects[0] (p): market germanium/refining"),
    "surge": ({"supply_surge": [{**SURGE, **GE}]}, "supply_surge[0]: market germanium/refining"),
    "outage": (
        {"supply_outages": [{**OUTAGE, **GE, "share": 0.5}]},
        "supply_outages[0]: market germanium/refining is not simulated",
    ),
    "consumption_share": (
        {"china": {"consumption_share": [{**GE, "share": 0.5}]}},
        "china.consumption_share[0]: market germanium/refining is not simulated",
    ),
    "markets_without_data": (
        {"markets": [GE]},
        "markets[0]: market germanium/refining has no base data in data/production.csv",
    ),
    "lever_outside_markets": (
        {
            "markets": [{"mineral": "cobalt", "stage": "refining"}],
            "projects": [{**PROJECT, "mineral": "gallium", "stage": "refining"}],
        },
        "projects[0] (p): market gallium/refining is not simulated (left out by the scenario's "
        "`markets` list)",
    ),
    "override_outside_markets": (
        {
            "markets": [{"mineral": "gallium", "stage": "refining"}],
            "base_overrides": {
                "prices": [
                    {"mineral": "gallium", "stage": "refining", "value": 300, "unit": "USD/kg"},
                    {"mineral": "lithium", "stage": "refining", "value": 10, "unit": "USD/kg"},
                ]
            },
        },
        "base_overrides.prices[1]: market lithium/refining is not simulated, so the override "
        "would change nothing (left out by the scenario's `markets` list)",
    ),
    "override_production_outside_markets": (
        {
            "markets": [{"mineral": "gallium", "stage": "refining"}],
            "base_overrides": {
                "production": [
                    {"mineral": "cobalt", "stage": "mining", "country": "COD", "quantity_t": 1}
                ]
            },
        },
        "base_overrides.production[0]: market cobalt/mining is not simulated",
    ),
    "override_inventory_outside_markets": (
        {
            "markets": [{"mineral": "gallium", "stage": "refining"}],
            "base_overrides": {
                "inventory": [{"mineral": "lithium", "stage": "refining", "months": 0}]
            },
        },
        "base_overrides.inventory[0]: market lithium/refining is not simulated",
    ),
    "outage_country_without_output": (
        {"supply_outages": [{**OUTAGE, "country": "ISL", "mineral": "lithium", "share": 0.5}]},
        "supply_outages[0].country: ISL has no base-year output of lithium/refining",
    ),
    "outage_larger_than_output": (
        {"supply_outages": [{**OUTAGE, "quantity_t_per_year": 1e8}]},
        "supply_outages[0].quantity_t_per_year: 1e+08 t/yr is more than CHN's base-year output",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_runs_the_engines_input_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    extra, expected = CASES[case]
    err = validate_error(tmp_path, capsys, {**BASE, **extra})
    assert f"{tmp_path / 'case.yaml'}: {expected}" in err, err
    assert "t.yaml" not in err and "scenario t" not in err


def test_a_lever_on_a_simulated_market_still_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    validate_ok(tmp_path, capsys, {**BASE, "supply_outages": [{**OUTAGE, "share": 0.5}]})


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_simulate_names_the_real_file_not_one_built_from_the_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "cases" / "ou_qty_exceeds.yaml",
        {**BASE, "id": "fz", "supply_outages": [{**OUTAGE, "quantity_t_per_year": 1e8}]},
    )
    rc = main(["simulate", str(path), "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert err.startswith(f"error: {path}: supply_outages[0].quantity_t_per_year: ")
    assert "fz.yaml" not in err
    assert not (tmp_path / "out.csv").exists()


def test_a_problem_set_in_the_parent_names_the_parent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = _write(tmp_path / "parent.yaml", {**BASE, "id": "parent", "markets": [GE]})
    child = _write(tmp_path / "child.yaml", {"extends": "parent.yaml", "title": "c"})
    assert main(["validate", str(child)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {parent}: markets[0]: market germanium/refining")


def test_render_refuses_before_any_kernel_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "bad.yaml", {**BASE, "id": "bad", "markets": [GE]})
    out = tmp_path / "out"
    rc = main(["render", str(path), "--language", "en", "--out", str(out), "--force"])
    printed = capsys.readouterr()
    err = printed.err
    assert rc == 2 and "Traceback" not in err
    assert f"error: {path}: markets[0]: market germanium/refining has no base data" in err
    # nothing touched: no output folder, no log, no progress line before the error
    assert not out.exists() and "rendering" not in printed.out + err


def test_render_set_is_checked_against_the_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    rc = main(
        ["render", "baseline", "--language", "en", "--out", str(out), "--force"]
        + ["--set", "markets=[{mineral: germanium, stage: refining}]"]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "error: overrides: markets[0]: market germanium/refining has no base data" in err
    assert not out.exists()


def test_without_readable_data_validate_checks_the_file_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(tmp_path / "no-data"))
    path = _write(tmp_path / "ok.yaml", {**BASE, "id": "ok"})
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"OK {path}: ok")
    assert err.startswith("warning: not checked against the data: ")
