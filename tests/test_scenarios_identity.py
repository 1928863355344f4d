"""A scenario's identity: a file that extends another never takes the parent's id (fuzzing
audit 1b), and ``.yml`` files are scenarios like ``.yaml`` files (audit 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.cli import main
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import load_scenario, parse_scenario


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_child_without_id_takes_its_file_stem_not_the_parents_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "child.yaml"
    path.write_text("extends: baseline\ntitle: Child\n", encoding="utf-8")
    rc, out, _ = _validate(path, capsys)
    assert rc == 0
    assert f"OK {path}: child — Child" in out
    assert load_scenario(path).id == "child"


def test_child_repeating_the_parents_id_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "child.yaml"
    path.write_text("extends: baseline\nid: baseline\ntitle: Child\n", encoding="utf-8")
    rc, _, err = _validate(path, capsys)
    assert rc == 2 and "Traceback" not in err
    assert err.startswith(f"error: {path}: id: 'baseline' is the id of the scenario it extends")


def test_child_whose_stem_is_the_parents_id_needs_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text("extends: baseline\ntitle: Child\n", encoding="utf-8")
    rc, _, err = _validate(path, capsys)
    assert rc == 2
    assert f"{path}: id: required key is missing: a file that extends another" in err


def test_yaml_text_that_extends_needs_an_id() -> None:
    with pytest.raises(ScenarioError, match=r"<string>: id: required key is missing"):
        parse_scenario("extends: baseline\ntitle: t\n")


def test_child_render_plan_does_not_take_the_parents_brief_name(tmp_path: Path) -> None:
    from mineral_briefs.render import plan_briefs

    path = tmp_path / "child.yaml"
    path.write_text("extends: baseline\ntitle: Child\n", encoding="utf-8")
    names = {job.name for job in plan_briefs([str(path)], language="en")}
    assert names == {"child-en"}


@pytest.fixture
def yml_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "yml_one.yml").write_text(
        "id: yml_one\nextends: baseline\ntitle: From a yml file\n", encoding="utf-8"
    )
    (folder / "baseline.yaml").write_text(
        (Path(__file__).parents[1] / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    monkeypatch.setenv("MINERAL_BRIEFS_SCENARIOS", str(folder))
    return folder


def test_yml_files_are_listed_found_by_id_and_rendered_with_all(
    yml_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mineral_briefs.render.plan import _scenario_refs

    assert main(["list"]) == 0
    assert "yml_one" in capsys.readouterr().out
    assert main(["validate", "yml_one"]) == 0
    assert "OK yml_one: yml_one — From a yml file" in capsys.readouterr().out
    assert "yml_one" in _scenario_refs([], True)
