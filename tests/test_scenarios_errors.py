"""Bad scenario input: exit 2, one clear message per problem, no traceback (issue 6 item 1).

Every case runs through the real CLI entry point ``mineral_briefs.cli.main(["validate", …])``.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from mineral_briefs import scenarios as sc
from mineral_briefs.cli import main
from mineral_briefs.errors import ScenarioError

VALID: dict[str, Any] = {
    "id": "case",
    "title": {"en": "Case", "de": "Fall"},
    "rationale": "Test case.",
    "horizon": {"start": "2025-10", "months": 36},
    "alliance": "us_eu_japan",
    "export_controls": [
        {
            "exporter": "CHN",
            "minerals": ["magnet_rees"],
            "stages": ["refining", "magnets"],
            "share_withheld": 0.6,
            "targets": "alliance",
            "announced": "2025-10-09",
            "effective": "2025-12-01",
            "suspended": "2025-11-10",
            "snap_back": "2026-11-10",
            "licensing_delay_days": 45,
            "ramp_months": 2,
            "front_running_months": 1,
            "leakage": 0.1,
        }
    ],
    "price_floors": [
        {
            "mineral": "magnet_rees",
            "stage": "refining",
            "floor": {"value": 110, "unit": "USD/kg"},
            "instrument": "variable_tariff",
            "members": "alliance",
            "start": "2026-03-01",
            "end": "2030-03-01",
            "leakage": 0.0,
        }
    ],
    "demand": [
        {
            "mineral": "lithium",
            "growth": {"percent": 4000},
            "base_year": 2020,
            "target_year": 2040,
            "shape": "log_linear",
        },
        {"mineral": "copper", "iea_scenario": "STEPS"},
    ],
    "stockpiles": [
        {
            "holder": "JPN",
            "minerals": ["magnet_rees"],
            "stage": "refining",
            "days_of_cover": 60,
            "release": {"trigger": "shortfall", "max_share_of_shortfall": 1.0},
            "refill": {"below_price_multiple": 1.1, "months": 12},
        }
    ],
    "projects": [
        {
            "name": "MP Materials 10X",
            "country": "USA",
            "mineral": "magnet_rees",
            "stage": "magnets",
            "capacity_t_per_year": 10000,
            "start": "2028-01",
            "ramp_months": 24,
            "probability": 0.8,
            "incentive_price": {"value": 90, "unit": "USD/kg"},
        }
    ],
    "uncertainty": {"draws": 10, "seed": 1},
    "assumptions": [{"claim": "China suspended the measures", "source_id": "MOFCOM_2025"}],
    "sources": ["MOFCOM_2025"],
}


def write(tmp_path: Path, data: Any, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def mutate(path: str, value: Any) -> dict[str, Any]:
    """A deep copy of VALID with the dotted ``path`` (ints index lists) set to ``value``."""
    data = copy.deepcopy(VALID)
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    cur: Any = data
    for k in keys[:-1]:
        cur = cur[k]
    cur[keys[-1]] = value
    return data


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["validate", *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def assert_rejected(
    capsys: pytest.CaptureFixture[str], path: Path | str, *fragments: str
) -> list[str]:
    rc, out, err = validate(capsys, str(path))
    assert rc == 2, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    return [line for line in err.splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _sources_table(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A tiny sources table so the source-id check runs the same whatever data/ holds."""
    folder = tmp_path_factory.mktemp("data")
    (folder / "sources.csv").write_text(
        "source_id,publisher\nMOFCOM_2025,MOFCOM\nUSGS_MCS2026,USGS\n", encoding="utf-8"
    )
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(folder))


def test_valid_reference_case_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = validate(capsys, str(write(tmp_path, VALID)))
    assert rc == 0, err
    assert out.startswith("OK ")


def test_yaml_syntax_error_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "id: case\ntitle: Case\nhorizon: {start: 2025-10, months: 36\n")
    assert_rejected(capsys, path, str(path), "YAML syntax error", "line ")


def test_yaml_tab_indent_error_line_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "id: case\ntitle: Case\n\tbad: 1\n")
    lines = assert_rejected(capsys, path, "YAML syntax error", "line 3")
    assert len(lines) == 1


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "~\n"])
def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    path = write(tmp_path, text)
    assert_rejected(capsys, path, str(path), "empty")


def test_top_level_not_a_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "- a\n- b\n")
    assert_rejected(capsys, path, "expected a mapping", "got list")


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.yaml"
    assert_rejected(capsys, path, str(path), "file not found")


def test_misspelled_key_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(VALID)
    data["export_controls"][0]["share_witheld"] = data["export_controls"][0].pop("share_withheld")
    path = write(tmp_path, data)
    lines = assert_rejected(
        capsys,
        path,
        str(path),
        "export_controls[0].share_witheld",
        "did you mean 'share_withheld'?",
        "allowed keys:",
    )
    # the misspelling is one problem, not also a second "missing share_withheld" line
    assert len(lines) == 1


def test_misspelled_top_level_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(VALID)
    data["stockpile"] = data.pop("stockpiles")
    assert_rejected(capsys, write(tmp_path, data), "stockpile: unknown key", "'stockpiles'")


@pytest.mark.parametrize(
    ("path", "value", "fragments"),
    [
        ("demand.0.mineral", "lithum", ["demand[0].mineral", "'lithium'", "allowed: rare_earths"]),
        (
            "export_controls.0.stages",
            ["refinning"],
            ["export_controls[0].stages[0]", "did you mean 'refining'", "allowed:"],
        ),
        (
            "export_controls.0.exporter",
            "CHNA",
            ["export_controls[0].exporter", "did you mean 'CHN'", "ISO 3166-1 alpha-3"],
        ),
        ("projects.0.country", "usa", ["projects[0].country", "did you mean 'USA'"]),
        (
            "demand.1.iea_scenario",
            "STEP",
            ["demand[1].iea_scenario", "did you mean 'STEPS'", "STEPS, APS, NZE"],
        ),
        (
            "price_floors.0.instrument",
            "variable_tarif",
            ["price_floors[0].instrument", "did you mean 'variable_tariff'", "cfd"],
        ),
        ("alliance", "us_eu_japn", ["alliance", "did you mean 'us_eu_japan'", "us_japan"]),
        ("export_controls.0.targets", "alince", ["export_controls[0].targets", "'alliance'"]),
        ("demand.0.shape", "logistic", ["demand[0].shape", "s_curve"]),
    ],
)
def test_unknown_ids(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    value: Any,
    fragments: list[str],
) -> None:
    file = write(tmp_path, mutate(path, value))
    assert_rejected(capsys, file, str(file), *fragments)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("export_controls.0.share_withheld", 1.5, "less than or equal to 1"),
        ("export_controls.0.leakage", -0.1, "greater than or equal to 0"),
        ("projects.0.probability", 2, "less than or equal to 1"),
        ("stockpiles.0.release.max_share_of_shortfall", 1.01, "less than or equal to 1"),
    ],
)
def test_shares_outside_0_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, value: float, fragment: str
) -> None:
    key = path.replace(".0.", "[0].")
    assert_rejected(capsys, write(tmp_path, mutate(path, value)), key, fragment)


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("stockpiles.0.days_of_cover", -5, "greater than 0"),
        ("projects.0.capacity_t_per_year", -100, "greater than 0"),
        ("export_controls.0.licensing_delay_days", -1, "greater than or equal to 0"),
        ("price_floors.0.floor.value", -110, "greater than 0"),
        ("stockpiles.0.days_of_cover", math.nan, "finite number"),
        ("projects.0.capacity_t_per_year", math.inf, "finite number"),
        ("export_controls.0.share_withheld", -math.inf, "finite number"),
        ("price_floors.0.floor.value", math.nan, "finite number"),
        ("export_controls.0.ramp_months", 1.5, "whole number"),
        ("uncertainty.draws", 10**6, "less than or equal to 100000"),
        ("stockpiles.0.days_of_cover", True, "must be a number"),
    ],
)
def test_negative_nan_infinite_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, value: Any, fragment: str
) -> None:
    file = write(tmp_path, mutate(path, value))
    text = file.read_text()
    if isinstance(value, float) and not math.isfinite(value):
        assert ".nan" in text or ".inf" in text  # YAML spelling reaches the loader
    lines = assert_rejected(capsys, file, fragment)
    assert len(lines) == 1


@pytest.mark.parametrize(
    ("path", "value", "fragments"),
    [
        ("export_controls.0.effective", "2025-10-01", ["effective (2025-10-01)", "announced"]),
        ("export_controls.0.suspended", "2025-01-01", ["suspended", "announced"]),
        ("export_controls.0.snap_back", "2025-11-10", ["snap_back", "after suspended"]),
        ("export_controls.0.ends", "2025-11-30", ["ends", "effective"]),
        ("price_floors.0.end", "2026-02-01", ["price_floors[0]", "end (2026-02-01)", "start"]),
        ("demand.0.target_year", 2019, ["demand[0]", "target_year", "base_year"]),
        ("export_controls.0.effective", "2025-13-01", ["export_controls[0].effective", "date"]),
    ],
)
def test_dates_out_of_order(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    value: Any,
    fragments: list[str],
) -> None:
    assert_rejected(capsys, write(tmp_path, mutate(path, value)), *fragments)


def test_snap_back_needs_suspension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(VALID)
    del data["export_controls"][0]["suspended"]
    assert_rejected(capsys, write(tmp_path, data), "snap_back needs a suspended date")


def test_horizon_beyond_2050(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, mutate("horizon.months", 400))
    assert_rejected(capsys, file, "horizon:", "beyond 2050-12", "at most 303 months")


def test_horizon_to_december_2050_is_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = validate(capsys, str(write(tmp_path, mutate("horizon.months", 303))))
    assert rc == 0, err


def test_price_without_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, mutate("price_floors.0.floor", {"value": 110}))
    assert_rejected(capsys, file, "price_floors[0].floor", "needs a unit", "USD/kg")


@pytest.mark.parametrize(
    ("unit", "fragments"),
    [
        ("GBP/kg", ["unknown currency 'GBP'", "USD, EUR, CNY, JPY"]),
        ("UDS/kg", ["did you mean 'USD'"]),
        ("USD/oz", ["unknown mass unit 'oz'", "kg, t, lb"]),
        ("USD", ["invalid unit", "<CURRENCY>/<MASS>"]),
    ],
)
def test_price_in_unknown_currency_or_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, fragments: list[str]
) -> None:
    file = write(tmp_path, mutate("projects.0.incentive_price.unit", unit))
    assert_rejected(capsys, file, "projects[0].incentive_price.unit", *fragments)


def test_extends_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {**VALID, "id": "a", "extends": "b.yaml"}, "a.yaml")
    write(tmp_path, {"id": "b", "extends": "a.yaml"}, "b.yaml")
    assert_rejected(capsys, tmp_path / "a.yaml", "extends", "loop detected", "b.yaml")


def test_extends_self_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {**VALID, "extends": "case.yaml"})
    assert_rejected(capsys, tmp_path / "case.yaml", "loop detected")


def test_extends_missing_builtin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, {**VALID, "extends": "basline"})
    assert_rejected(capsys, file, str(file), "extends", "unknown scenario", "'baseline'")


def test_extends_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, {**VALID, "extends": "other.yaml"})
    assert_rejected(capsys, file, "extends", "file not found", "other.yaml")


def test_extends_builtin_chain_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # built-ins cite sources outside the tiny test table: switch the source check off
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(tmp_path / "no-data"))
    file = write(
        tmp_path,
        {"id": "mine", "extends": "controls_oct2025", "uncertainty": {"draws": 0}},
    )
    rc, out, err = validate(capsys, str(file))
    assert rc == 0, err
    s = sc.load_scenario(file)
    assert s.uncertainty.draws == 0 and s.uncertainty.seed == 20251009
    assert s.export_controls == sc.load_scenario("controls_oct2025").export_controls


def test_error_in_parent_names_parent_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, mutate("demand.0.mineral", "lithum"), "parent.yaml")
    child = write(tmp_path, {"id": "child", "extends": "parent.yaml"}, "child.yaml")
    lines = assert_rejected(capsys, child, "parent.yaml: demand[0].mineral")
    assert len(lines) == 1


def test_very_large_file_refused_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.yaml"
    # An unclosed flow sequence: parsing it would report a YAML syntax error instead.
    path.write_text("[" + "1, " * 400_000, encoding="utf-8")
    assert path.stat().st_size > sc.MAX_FILE_BYTES
    rc, _, err = validate(capsys, str(path))
    assert rc == 2
    assert "too large" in err and "1,000,000 bytes" in err
    assert "YAML" not in err
    with pytest.raises(ScenarioError, match="too large"):
        sc.parse_scenario("a: " + "x" * (sc.MAX_FILE_BYTES + 1), source="big")


@pytest.mark.parametrize(
    "arg",
    [
        "../../etc/passwd",
        "../../../../../../etc/shadow",
        "a;rm -rf",
        "baseline; touch PWNED",
        "$(touch PWNED)",
        "`id`",
        "a|b",
        "Baseline",
        "x" * 65,
    ],
)
def test_traversal_and_shell_metacharacters_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arg: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_rejected(capsys, arg, "not a scenario id and not a .yaml file")
    assert not (tmp_path / "PWNED").exists()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ScenarioError):
        sc.load_backtest(arg)


def test_yaml_path_with_shell_characters_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(capsys, "a;rm -rf /.yaml", "refused")


def test_extends_cannot_leave_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = write(tmp_path, VALID, "secret.yaml")
    inner = tmp_path / "inner"
    inner.mkdir()
    for ext in ("../secret.yaml", str(outside), "../../etc/passwd.yaml", "../../etc/passwd"):
        file = write(inner, {"id": "x", "extends": ext})
        assert_rejected(capsys, file, "extends")


def test_unknown_source_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutate("sources", ["MOFCOM_2025", "MOFCOM_2052"])
    data["assumptions"][0]["source_id"] = "USGS_MCS2062"
    lines = assert_rejected(
        capsys,
        write(tmp_path, data),
        "sources[1]: unknown source id 'MOFCOM_2052'",
        "did you mean 'MOFCOM_2025'",
        "assumptions[0].source_id",
        "did you mean 'USGS_MCS2026'",
    )
    assert lines[0] == "error: 2 problems:"


def test_id_must_match_file_stem_in_scenarios_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINERAL_BRIEFS_SCENARIOS", str(tmp_path))
    write(tmp_path, VALID, "other_name.yaml")
    assert_rejected(capsys, "other_name", "id: 'case' must equal the file stem 'other_name'")
    # ... and an unknown id gets a did-you-mean over the folder
    assert_rejected(capsys, "other_nam", "unknown scenario id", "did you mean 'other_name'")


def test_all_problems_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutate("demand.0.mineral", "lithum")
    data["horizon"]["months"] = 1000
    data["export_controls"][0]["leakage"] = 7
    data["projects"][0]["country"] = "XYZ"
    data["stockpiles"][0]["days_of_cover"] = math.nan
    lines = assert_rejected(capsys, write(tmp_path, data), "5 problems")
    assert len(lines) == 6
    for line in lines[1:]:
        assert line.startswith(str(tmp_path / "case.yaml") + ": ")


def test_several_files_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, VALID, "good.yaml")
    bad = write(tmp_path, mutate("demand.0.mineral", "lithum"), "bad.yaml")
    rc, out, err = validate(capsys, str(good), str(bad), str(tmp_path / "gone.yaml"))
    assert rc == 2
    assert out.count("OK ") == 1 and "good.yaml" in out
    assert "2 problems" in err and "bad.yaml: demand[0].mineral" in err and "gone.yaml" in err


def test_yaml_aliases_and_python_tags_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'
    assert_rejected(capsys, write(tmp_path, bomb, "bomb.yaml"), "aliases")
    tag = "id: !!python/object/apply:os.system ['touch PWNED']\n"
    assert_rejected(capsys, write(tmp_path, tag, "tag.yaml"), "YAML syntax error")
    assert not Path("PWNED").exists() and not (tmp_path / "PWNED").exists()


def test_duplicate_keys_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "id: a\nid: b\n"
    assert_rejected(capsys, write(tmp_path, text), "duplicate key 'id'", "line 2")


def test_validate_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, mutate("demand.0.mineral", "lithum"))
    before = sorted(os.listdir(tmp_path))
    validate(capsys, str(bad))
    assert sorted(os.listdir(tmp_path)) == before


def test_control_characters_in_text_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, mutate("title", "Brief \x1b[2J\x1b[31mRED"))
    assert_rejected(capsys, file, "title", "control or bidirectional-formatting characters")


def test_html_in_title_is_kept_verbatim_for_the_renderer_to_escape(tmp_path: Path) -> None:
    title = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    s = sc.load_scenario(write(tmp_path, mutate("title", title)))
    assert s.text("title", "en") == title


def test_path_objects_must_be_yaml_files(tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    target.write_text("id: x\n")
    with pytest.raises(ScenarioError, match="end in .yaml"):
        sc.load_scenario(target)
    with pytest.raises(ScenarioError, match="end in .yaml"):
        sc.load_scenario(Path("/etc/passwd"))
