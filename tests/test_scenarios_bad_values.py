"""Issue 14, item 6/7: scenario values that used to pass validation, crash later, or print
Python-internal advice now fail in validation with one line naming the file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.errors import ScenarioError, excerpt
from mineral_briefs.scenarios import load_scenario


def _load(tmp_path: Path, body: str) -> str:
    path = tmp_path / "t.yaml"
    path.write_text("id: t\nextends: baseline\n" + body, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert text.startswith(str(path)), text
    return text


@pytest.mark.parametrize(
    "char",
    ["\u202e", "\u2066", "\u200f", "\u2028", "\ufeff", "\x85", "\x9b"],
    ids=["RLO", "LRI", "RLM", "LSEP", "BOM", "NEL", "CSI"],
)
def test_bidi_and_c1_characters_in_titles_are_refused(tmp_path: Path, char: str) -> None:
    escaped = char.encode("unicode_escape").decode()
    text = _load(tmp_path, f'title: "pay{escaped}gnp.exe"\n')
    assert "title: must not contain control or bidirectional-formatting characters" in text


def test_plain_unicode_titles_still_pass(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "id: t\nextends: baseline\ntitle: {en: Seltene Erden – Öl, de: 稀土 «Versorgungslücke»}\n",
        encoding="utf-8",
    )
    assert load_scenario(path).id == "t"


def test_zero_base_demand_is_refused_by_validation(tmp_path: Path) -> None:
    text = _load(
        tmp_path,
        "base_overrides:\n  demand:\n  - {mineral: lithium, stage: refining, quantity_t: 0}\n",
    )
    assert "base_overrides.demand[0].quantity_t: must be greater than 0" in text


def test_astronomical_price_is_refused_before_it_can_overflow(tmp_path: Path) -> None:
    text = _load(
        tmp_path,
        "base_overrides:\n  prices:\n"
        "  - {mineral: lithium, stage: refining, value: 1.0e+308, unit: USD/kg}\n",
    )
    assert "base_overrides.prices[0].value: must be less than or equal to 1000000000" in text


@pytest.mark.parametrize(
    ("months", "expected"),
    [("-1", "greater than or equal to 0"), ("25", "less than or equal to 24")],
)
def test_start_stocks_outside_0_to_24_months_are_refused(
    tmp_path: Path, months: str, expected: str
) -> None:
    text = _load(
        tmp_path,
        "base_overrides:\n  inventory:\n"
        f"  - {{mineral: lithium, stage: refining, months: {months}}}\n",
    )
    assert f"base_overrides.inventory[0].months: must be {expected}" in text


def test_date_that_does_not_exist_names_line_and_value(tmp_path: Path) -> None:
    text = _load(tmp_path, "horizon: {start: 2026-02-30, months: 12}\n")
    assert "invalid value at line 3" in text
    assert "'2026-02-30' is not a calendar date; allowed: YYYY-MM-DD or YYYY-MM" in text


def test_5000_digit_number_is_refused_without_python_advice(tmp_path: Path) -> None:
    text = _load(tmp_path, "horizon: {start: 2026-01, months: " + "9" * 5000 + "}\n")
    assert "number with 5,000 characters" in text and "at most 40" in text
    # NOTE: one excerpt helper for every error (errors.excerpt): 20 digits, then the cut mark.
    assert "(" + "9" * 20 + "…); allowed" in text
    assert "set_int_max_str_digits" not in text
    assert len(text) < 300


def test_unstattable_path_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    # NOTE: a folder the user cannot enter gives EACCES from stat(); CI runs as root, where that
    # cannot be provoked, so a name longer than the file system allows (ENAMETOOLONG) takes the
    # same path through the code.
    path = tmp_path / ("a" * 300 + ".yaml")
    with pytest.raises(ScenarioError, match="cannot read file: File name too long"):
        load_scenario(path)


def test_unquoted_excerpt_stays_escaped_and_short() -> None:
    # an exception's own text is shown without quotes, but a terminal escape in it is not obeyed
    assert excerpt("bad \x1b[31mred\u202e", quote=False) == "bad \\x1b[31mred\\u202e"
    assert excerpt("x" * 50, 10, quote=False) == "x" * 10 + "…"
    assert excerpt("x" * 50, 10) == "'" + "x" * 10 + "…'"
