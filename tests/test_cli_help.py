"""``--help`` of every command, ``render`` without a scenario, and ``mineral-briefs schema``."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from mineral_briefs.cli import build_parser, main
from mineral_briefs.scenarios.json_schema import SCHEMA_FILE, schema_text

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the parser (``()``, ``("render",)``, ``("data", "import")`` …)."""
    out = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _commands(sub, (*path, name))
    return out


COMMANDS = _commands(build_parser())


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_the_parser_has_every_command() -> None:
    assert {" ".join(p) for p in COMMANDS} >= {
        "",
        "list",
        "validate",
        "simulate",
        "backtest",
        "render",
        "schema",
        "data",
        "data import",
        "events",
        "events set-status",
    }


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "top")
def test_every_help_has_examples_and_an_exit_code_table(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(path, capsys)
    examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0]
    assert examples.startswith("  mineral-briefs"), text
    codes = text.split("exit codes:\n", 1)[1]
    assert codes.lstrip().startswith("0 "), text


def _parsers(
    parser: argparse.ArgumentParser, path: str = "mineral-briefs"
) -> list[tuple[str, argparse.ArgumentParser]]:
    out = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _parsers(sub, f"{path} {name}")
    return out


def test_every_argument_of_every_command_has_a_help_text() -> None:
    missing = [
        f"{path}: {action.dest}"
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if not action.help
    ]
    assert missing == []


def test_render_help_shows_defaults_and_explains_language_and_executor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = " ".join(_help(("render",), capsys).split())  # argparse wraps lines
    assert "output folder; '{date}' is expanded (UTC YYYY-MM-DD) (default: reports)" in text
    assert "language of the briefs: en, de, or all (one brief per language) (default: all)" in text
    assert "where notebooks run: local (a process pool here) or dask" in text
    assert "(default: local)" in text
    assert "per-cell timeout in seconds, 1-86400 (default: 300)" in text
    assert "130/143 interrupted by SIGINT / SIGTERM" in text
    assert "(default: None)" not in text and "(default: False)" not in text


def test_render_without_a_scenario_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["render", "--out", str(tmp_path / "out")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "error: no scenario given: name scenario ids or YAML paths, or use --all" in err
    assert not (tmp_path / "out").exists()


def test_schema_command_writes_the_shipped_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert f"wrote {out}" in capsys.readouterr().out
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    # the file shipped beside the scenarios is the generated one (regenerate with the command)
    assert (SCENARIOS / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()


class _DatesAsText(yaml.SafeLoader):
    """YAML as an editor's language server sees it for the schema: dates stay text."""


_DatesAsText.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCENARIOS / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.name)
def test_builtin_scenarios_point_editors_at_the_schema_and_pass_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    rel = "../" if path.parent.name == "backtests" else "./"
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={rel}{SCHEMA_FILE}"
    assert (path.parent / rel / SCHEMA_FILE).is_file()
    errors = [e.message for e in _validator().iter_errors(yaml.load(text, Loader=_DatesAsText))]
    assert errors == []


def test_the_schema_flags_what_an_editor_should_flag() -> None:
    base = yaml.load((SCENARIOS / "baseline.yaml").read_text(), Loader=_DatesAsText)
    v = _validator()
    assert list(v.iter_errors(base)) == []
    bad_key = copy.deepcopy(base) | {"horizn": {}}
    assert any("horizn" in e.message for e in v.iter_errors(bad_key))
    bad_months = copy.deepcopy(base)
    bad_months["horizon"]["months"] = 0
    assert any(list(e.absolute_path) == ["horizon", "months"] for e in v.iter_errors(bad_months))
    bad_date = copy.deepcopy(base)
    bad_date["horizon"]["start"] = "Oct 2025"
    assert any(list(e.absolute_path) == ["horizon", "start"] for e in v.iter_errors(bad_date))
    # a file without a parent needs the top-level fields; one with `extends` inherits them
    assert any("'horizon' is a required property" in e.message for e in v.iter_errors({"id": "x"}))
    assert list(v.iter_errors({"extends": "baseline", "id": "x"})) == []


def test_init_gives_a_workspace_the_schema_its_example_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "ws"]) == 0
    scen = tmp_path / "ws" / "scenarios"
    assert (scen / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    [example] = scen.glob("*.yaml")
    text = example.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
    assert list(_validator().iter_errors(yaml.load(text, Loader=_DatesAsText))) == []
