"""Garbled validation messages found by the fuzzing audit (item 9): every problem is one
line naming the file, the key path and what is allowed, and no line is a side effect of
another."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_cli import validate_text_error

MINIMAL = "id: t\ntitle: t\nrationale: r\nhorizon: {start: 2025-10, months: 12}\n"
CONTROL = (
    "export_controls:\n  - {minerals: [%s], stages: [refining], share_withheld: 0.5,\n"
    "     announced: 2025-10-01, effective: 2025-11-01}\n"
)


@pytest.mark.parametrize(("key", "shown"), [("1", "1"), ("~", "~"), ("2025-01-01", "datetime")])
def test_non_text_top_level_key_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, shown: str
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL + f"{key}: 2\n")
    assert "{key" not in err and "is not text" in err and shown in err
    assert "allowed keys: id, title" in err


def test_control_character_is_one_problem_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL.replace("title: t", "title: t\x07"))
    assert err.count("\n") == 1 and "problems" not in err
    assert "line 2, column 9: control character U+0007 is not allowed" in err
    assert "position" not in err


def test_unknown_mineral_in_a_list_is_not_also_an_empty_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL + CONTROL % "unobtainium")
    assert "export_controls[0].minerals[0]: unknown mineral 'unobtainium'" in err
    assert "empty list" not in err and "problems" not in err


def test_a_really_empty_list_is_still_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = validate_text_error(tmp_path, capsys, MINIMAL + CONTROL % "")
    assert "export_controls[0].minerals: must not be an empty list" in err
