"""``mineral-briefs init DIR`` and the workspace's data folder (no kernel, no render).

The data-updating commands must write into the workspace, never into the built-in data (in a
wheel: site-packages). The built-in folder here is the checkout's ``data/``: its checksums are
compared before and after each command.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from mineral_briefs import locations
from mineral_briefs.cli import main
from mineral_briefs.render import plan_briefs
from mineral_briefs.scenarios import list_scenarios, load_scenario
from mineral_briefs.workspace import EXAMPLE_SCENARIO, init_workspace


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty temporary folder, outside the checkout's workspace."""
    for var in ("MINERAL_BRIEFS_WORKSPACE", "MINERAL_BRIEFS_DATA", "MINERAL_BRIEFS_SCENARIOS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_creates_the_workspace_and_its_example_extends_a_builtin(in_tmp: Path) -> None:
    assert main(["init", "ws"]) == 0
    ws = in_tmp / "ws"
    for rel in (
        "mineral-briefs.toml",
        "scenarios/README.md",
        f"scenarios/{EXAMPLE_SCENARIO}.yaml",
        "data/README.md",
        "reports/README.md",
        "notebooks/brief.ipynb",
        "notebooks/compare.ipynb",
    ):
        assert (ws / rel).is_file(), rel
    # empty data/ (README only): the built-in data is used
    assert not (ws / "data" / "sources.csv").exists()
    assert locations.workspace(ws / "notebooks") == ws.resolve()
    nb = ws / "notebooks" / "brief.ipynb"
    assert nb.read_bytes() == (locations.builtin_dir("notebooks") / "brief.ipynb").read_bytes()


def test_a_fresh_workspace_lists_and_plans_every_builtin_plus_its_own(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_workspace(in_tmp / "ws")
    monkeypatch.chdir(in_tmp / "ws")
    assert locations.data_dir() == locations.builtin_dir("data")
    builtin = {p.stem for p in locations.builtin_dir("scenarios").glob("*.yaml")}
    ids = {info.id for info in list_scenarios()}
    assert ids == builtin | {EXAMPLE_SCENARIO}
    example = load_scenario(EXAMPLE_SCENARIO)
    parent = load_scenario("ndpr_withhold_60")
    assert example.export_controls[0].share_withheld == pytest.approx(0.3)
    assert parent.export_controls[0].share_withheld == pytest.approx(0.6)
    assert example.price_floors == parent.price_floors  # inherited through extends
    jobs = plan_briefs([], all_scenarios=True, language="en")
    assert {j.scenario for j in jobs if j.kind == "brief"} == builtin | {EXAMPLE_SCENARIO}
    assert any(j.kind == "compare" for j in jobs)


def test_init_refuses_a_foreign_folder_unless_forced_and_never_overwrites(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = in_tmp / "thesis"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert "not empty and not a mineral-briefs workspace" in err and "--force" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]

    (foreign / "scenarios").mkdir()
    (foreign / "scenarios" / "README.md").write_text("my own readme", encoding="utf-8")
    assert main(["init", str(foreign), "--force"]) == 0
    out = capsys.readouterr().out
    assert "kept    scenarios/README.md (already there)" in out
    assert (foreign / "scenarios" / "README.md").read_text(encoding="utf-8") == "my own readme"
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (foreign / "mineral-briefs.toml").is_file()

    # a workspace is initialised again without --force; the user's edits stay
    example = foreign / "scenarios" / f"{EXAMPLE_SCENARIO}.yaml"
    example.write_text(example.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert main(["init", str(foreign)]) == 0
    assert example.read_text(encoding="utf-8").endswith("# edited\n")

    (in_tmp / "afile").write_text("x", encoding="utf-8")
    assert main(["init", str(in_tmp / "afile")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_set_status_in_a_fresh_workspace_writes_the_workspace_copy_only(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    builtin = locations.builtin_dir("data")
    before = _tree_digest(builtin)
    init_workspace(in_tmp / "ws")
    monkeypatch.chdir(in_tmp / "ws" / "notebooks")  # any folder inside the workspace
    rc = main(
        ["events", "set-status", "cn-suspension-end-2026", "happened", "--source", "MOFCOM_2025"]
    )
    assert rc == 0, capsys.readouterr().err
    data = in_tmp / "ws" / "data"
    assert "copied the built-in data tables" in capsys.readouterr().err
    assert _tree_digest(builtin) == before
    assert locations.data_dir() == data.resolve()
    csv = (data / "policy_events.csv").read_text(encoding="utf-8")
    assert "happened" in csv and "MOFCOM_2025" in csv
    assert "status: happened" in (data / "curated" / "policy_events.yaml").read_text("utf-8")
    # the workspace's README stays its own, not the data contract of the built-in folder
    assert "Data updates of this workspace" in (data / "README.md").read_text(encoding="utf-8")


def test_data_commands_outside_a_workspace_refuse_to_touch_the_builtin_data(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree_digest(locations.builtin_dir("data"))
    release = in_tmp / "MCS2027.csv"
    release.write_text("not read\n", encoding="utf-8")
    assert main(["data", "import", str(release)]) == 2
    assert "not inside a mineral-briefs workspace" in capsys.readouterr().err
    rc = main(["events", "set-status", "cn-suspension-end-2026", "happened", "--source", "X"])
    assert rc == 2
    assert "mineral-briefs init DIR" in capsys.readouterr().err
    assert _tree_digest(locations.builtin_dir("data")) == before
