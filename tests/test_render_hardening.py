"""Issue 14, round two: a shared output folder cannot be turned against the render, a corrupt
manifest or a failing PDF loses nothing, oversized briefs are refused, failed notebooks carry no
paths of the rendering machine."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from mineral_briefs import render as rnd
from mineral_briefs.errors import RenderError
from render_fixtures import make_notebook


def _job(nb: Path, name: str = "a-en") -> rnd.BriefJob:
    scenario = name.rsplit("-", 1)[0]
    return rnd.BriefJob(name=name, notebook=nb, parameters={"scenario": scenario, "language": "en"})


@pytest.mark.parametrize("name", ["render.log", ".render.pid", ".render.lock", "manifest.json"])
def test_planted_symlink_is_refused_and_its_target_untouched(tmp_path: Path, name: str) -> None:
    out = tmp_path / "shared"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (out / name).symlink_to(victim)
    with pytest.raises(RenderError) as info:
        rnd.render([], out)
    assert f"refusing to write {out / name}: it is a symbolic link" in str(info.value)
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("name", ["render.log", ".render.lock"])
def test_fixed_file_that_is_a_directory_is_a_clear_error(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    (out / name).mkdir(parents=True)
    with pytest.raises(RenderError, match=f"{name}: it is a directory; allowed: a regular file"):
        rnd.render([], out)


def test_open_nofollow_refuses_a_symlink_planted_after_the_check(tmp_path: Path) -> None:
    from mineral_briefs.render.safefs import open_nofollow

    victim = tmp_path / "victim"
    victim.write_text("x")
    (tmp_path / "render.log").symlink_to(victim)
    with pytest.raises(RenderError, match="symbolic link"):
        open_nofollow(tmp_path / "render.log", append=True)
    assert victim.read_text() == "x"


@pytest.mark.slow
def test_malformed_manifest_entries_are_dropped_and_the_run_carries_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    out.mkdir()
    bad = {"schema": 1, "briefs": {"a-en": ["not", "a", "mapping"], "b-en": {"files": "x"}}}
    (out / "manifest.json").write_text(json.dumps(bad))
    report = rnd.render([_job(nb, "a-en"), _job(nb, "b-en")], out, workers=1)
    assert report.exit_code == 0, report.summary()
    entries = rnd.load_manifest(out)["briefs"]
    assert entries["a-en"]["status"] == "ok" and entries["b-en"]["status"] == "ok"
    assert "dropped the malformed entry 'a-en'" in (out / "render.log").read_text()


@pytest.mark.slow
def test_failing_pdf_keeps_the_previous_brief_and_its_render_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    first = rnd.render([_job(nb)], out, workers=1)
    assert first.exit_code == 0
    before = (out / "a-en.html").read_bytes()
    rendered_at = rnd.load_manifest(out)["briefs"]["a-en"]["rendered_at"]
    # a Chromium that exits 1 without printing: a real executable, a real failure
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("MINERAL_BRIEFS_CHROMIUM", str(broken))
    make_notebook(nb, charts=1, title="Changed {scenario}")
    again = rnd.render([_job(nb)], out, workers=1, pdf=True, force=True)
    assert again.exit_code == 1
    entry = rnd.load_manifest(out)["briefs"]["a-en"]
    assert entry["status"] == "failed" and "could not print" in entry["error"]["evalue"]
    assert (out / "a-en.html").read_bytes() == before  # not replaced by the unprinted brief
    assert entry["rendered_at"] == rendered_at
    assert not (out / "a-en.pdf").exists()


@pytest.mark.slow
def test_oversized_brief_fails_and_the_previous_one_stays(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    assert rnd.render([_job(nb)], out, workers=1).exit_code == 0
    before = (out / "a-en.html").read_bytes()
    make_notebook(nb, charts=1, extra_cells=["print('x' * 30_000_000)"])
    report = rnd.render([_job(nb)], out, workers=1, force=True)
    entry = rnd.load_manifest(out)["briefs"]["a-en"]
    assert report.exit_code == 1
    assert entry["error"]["kind"] == "too_large" and "at most 25 MB" in entry["error"]["evalue"]
    assert (out / "a-en.html").read_bytes() == before
    assert not (out / "_failed" / "a-en.ipynb").exists()


@pytest.mark.slow
def test_failed_notebook_names_no_path_of_the_rendering_machine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nb = make_notebook(
        tmp_path / "nb" / "brief.ipynb",
        charts=1,
        extra_cells=["import os, sys\nprint(os.getcwd(), sys.prefix)\n1/0"],
    )
    report = rnd.render([_job(nb)], out, workers=1)
    assert report.exit_code == 1
    text = (out / "_failed" / "a-en.ipynb").read_text()
    assert "ZeroDivisionError" in text
    for path in (str(tmp_path), str(Path.home()), os.path.realpath(os.sys.prefix)):
        assert path not in text, path
    assert "<python>" in text


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed")
def test_pdf_has_the_same_permissions_as_the_html(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    assert rnd.render([_job(nb)], out, workers=1, pdf=True).exit_code == 0
    html_mode = stat.S_IMODE((out / "a-en.html").stat().st_mode)
    assert stat.S_IMODE((out / "a-en.pdf").stat().st_mode) == html_mode == 0o644


def test_two_files_with_one_id_are_refused_before_any_work(tmp_path: Path) -> None:
    from mineral_briefs.errors import ScenarioError
    from mineral_briefs.scenarios import scenarios_dir

    copy = tmp_path / "mine.yaml"
    copy.write_text(
        (scenarios_dir() / "baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as info:
        rnd.plan_briefs(["baseline", str(copy)], language="en")
    text = str(info.value)
    assert f"{copy}: id: 'baseline' is also the id of" in text
    assert "allowed: one scenario file per id in a run" in text
    # the same file named by id and by path is one scenario, not a clash
    same = rnd.plan_briefs(["baseline", str(scenarios_dir() / "baseline.yaml")], language="en")
    assert [j.name for j in same] == ["baseline-en"]
