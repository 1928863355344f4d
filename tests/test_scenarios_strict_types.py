"""Numbers must be YAML numbers and booleans YAML booleans (fuzzing audit 6): text in quotes
is refused with the key and the expected type, and the YAML 1.1 number forms that read as
something else (`1:30` is 90, `0x2D` is 45) are refused at their line."""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.scenarios import load_scenario
from scenario_cli import validate_text_error

MINIMAL = "id: t\ntitle: t\nrationale: r\n"
HORIZON = "horizon: {start: 2025-10, months: 12}\n"
CONTROL = (
    "export_controls:\n  - {minerals: [gallium], stages: [refining], share_withheld: %s,\n"
    "     announced: 2025-10-01, effective: 2025-11-01, licensing_delay_days: %s}\n"
)


@pytest.mark.parametrize("value", ['"0.6"', "' 0.6 '", "'6e-1'"])
def test_share_in_quotes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL + HORIZON + CONTROL % (value, 0))
    assert "export_controls[0].share_withheld: must be a number, got" in err
    assert "write the value without quotes" in err


@pytest.mark.parametrize("value", ['"24"', "'24.0'", "24.5"])
def test_months_must_be_a_whole_yaml_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = validate_text_error(
        tmp_path, capsys, MINIMAL + f"horizon: {{start: 2025-10, months: {value}}}\n"
    )
    assert "horizon.months: must be a whole number, got" in err


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (
            "projects:\n  - {name: p, country: USA, mineral: gallium, stage: refining,\n"
            "     capacity_t_per_year: '3100', start: 2026-01}\n",
            "projects[0].capacity_t_per_year: must be a number",
        ),
        (
            "base_overrides: {base_year: '2018'}\n",
            "base_overrides.base_year: must be a whole number",
        ),
    ],
)
def test_other_numbers_in_quotes_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, key: str
) -> None:
    assert key in validate_text_error(tmp_path, capsys, MINIMAL + HORIZON + body)


@pytest.mark.parametrize("value", ['"off"', '"yes"', "1", "yes", "off"])
def test_market_management_must_be_true_or_false(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    err = validate_text_error(
        tmp_path, capsys, MINIMAL + HORIZON + f"china: {{market_management: {value}}}\n"
    )
    assert "china.market_management: must be true or false, got" in err


@pytest.mark.parametrize(("value", "read"), [("0x2D", "45"), ("4_5", "45"), ("1:30", "90")])
def test_yaml_1_1_number_forms_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, read: str
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL + HORIZON + CONTROL % (0.5, value))
    assert "invalid value at line 7" in err
    assert f"is read as the number {read} (a YAML 1.1 form" in err


def test_plain_numbers_still_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        MINIMAL + HORIZON + CONTROL % ("6e-1", 45) + "china: {market_management: false}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.export_controls[0].share_withheld == 0.6
    assert scenario.export_controls[0].licensing_delay_days == 45
    assert scenario.china.market_management is False


def test_yes_and_no_are_text_not_booleans(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(MINIMAL.replace("title: t", "title: No") + HORIZON, encoding="utf-8")
    assert load_scenario(path).text("title") == "No"
