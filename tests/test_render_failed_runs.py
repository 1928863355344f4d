"""A failed render never costs a good one (fuzzing audit 1a, 1c).

* ``--keep`` prunes only after a run whose briefs all rendered; a dated folder made by a run in
  which nothing rendered is set aside as ``<date>.failed`` (or removed when no brief was even
  attempted), so it never counts as a run.
* A brief that fails keeps the previous good brief *and its manifest entry* (key, inputs,
  charts, size); the failed attempt is recorded in ``last_failure``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from mineral_briefs.errors import RenderError
from mineral_briefs.render import BriefJob, load_manifest, render
from render_fixtures import make_notebook

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)


def _job(nb: Path, name: str = "baseline-en", **parameters: object) -> BriefJob:
    return BriefJob(
        name=name,
        notebook=nb,
        parameters={"scenario": "baseline", "language": "en", **parameters},
        inputs=((f"notebook:{nb.name}", nb),),
        scenario="baseline",
    )


def _good_run(root: Path, day: str) -> None:
    """A dated folder as a good past run left it."""
    (root / day).mkdir(parents=True)
    (root / day / "baseline-en.html").write_text(f"brief of {day}")
    manifest = {"schema": 1, "briefs": {"baseline-en": {"status": "ok"}}}
    (root / day / "manifest.json").write_text(json.dumps(manifest))


def _names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "nb" / "failing.ipynb", charts=1, extra_cells=["1/0"])


def test_a_failed_run_with_keep_prunes_nothing_and_leaves_no_dated_run(
    tmp_path: Path, failing: Path
) -> None:
    root = tmp_path / "d"
    _good_run(root, "2026-01-01")
    _good_run(root, "2026-02-01")
    os.symlink("2026-02-01", root / "latest")

    report = render([_job(failing)], str(root / "{date}"), keep=1, now=NOW, workers=1)

    assert report.exit_code == 1
    # both good runs are still there, untouched
    assert (root / "2026-01-01" / "baseline-en.html").read_text() == "brief of 2026-01-01"
    assert (root / "2026-02-01" / "baseline-en.html").read_text() == "brief of 2026-02-01"
    assert os.readlink(root / "latest") == "2026-02-01"
    # no 2026-12-03 run: the attempt is kept apart, with its executed notebook and log
    assert _names(root) == ["2026-01-01", "2026-02-01", "2026-12-03.failed", "latest"]
    assert report.out == root / "2026-12-03.failed"
    assert (report.out / "_failed" / "baseline-en.ipynb").is_file()
    assert "baseline-en failed" in (report.out / "render.log").read_text()


def test_the_next_good_run_prunes_old_runs_and_their_failed_attempts(
    tmp_path: Path, failing: Path
) -> None:
    root = tmp_path / "d"
    _good_run(root, "2026-01-01")
    _good_run(root, "2026-02-01")
    render([_job(failing)], str(root / "{date}"), keep=1, now=NOW, workers=1)
    (root / "2026-01-15.failed").mkdir()  # an attempt older than the runs kept

    good = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    later = NOW + dt.timedelta(days=1)
    report = render([_job(good)], str(root / "{date}"), keep=2, now=later, workers=1)

    assert report.exit_code == 0, report.summary()
    # two good runs kept; what failed after the older of them stays as evidence
    assert _names(root) == ["2026-02-01", "2026-12-03.failed", "2026-12-04", "latest"]
    assert os.readlink(root / "latest") == "2026-12-04"


def test_a_run_stopped_before_any_brief_leaves_no_dated_folder(tmp_path: Path) -> None:
    """Any failure, not only a failed brief: here the notebook lacks a parameter."""
    root = tmp_path / "d"
    _good_run(root, "2026-02-01")
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    with pytest.raises(RenderError, match="no parameter"):
        render([_job(nb, nosuch=1)], str(root / "{date}"), keep=1, now=NOW, workers=1)
    assert _names(root) == ["2026-02-01"]


def test_a_failed_run_into_todays_existing_run_keeps_it(tmp_path: Path, failing: Path) -> None:
    """A dated folder an earlier run of the day made is never moved: it holds good briefs."""
    root = tmp_path / "d"
    good = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    assert render([_job(good)], str(root / "{date}"), now=NOW, workers=1).exit_code == 0
    report = render([_job(failing)], str(root / "{date}"), keep=1, now=NOW, workers=1)
    assert report.exit_code == 1
    assert _names(root) == ["2026-12-03", "latest"]
    assert (root / "2026-12-03" / "baseline-en.html").is_file()


def test_a_failed_brief_keeps_the_manifest_entry_of_the_brief_it_keeps(
    tmp_path: Path, failing: Path
) -> None:
    out = tmp_path / "out"
    good = make_notebook(tmp_path / "nb" / "good.ipynb", charts=2)
    assert render([_job(good)], out, workers=1).exit_code == 0
    before = load_manifest(out)["briefs"]["baseline-en"]
    html = (out / "baseline-en.html").read_bytes()

    report = render([_job(failing)], out, workers=1)

    assert report.exit_code == 1
    assert (out / "baseline-en.html").read_bytes() == html
    entry = load_manifest(out)["briefs"]["baseline-en"]
    assert entry["status"] == "failed"
    # the entry still describes the brief on disk ...
    for field in ("charts", "key", "html_bytes", "inputs", "files", "meta", "rendered_at"):
        assert entry[field] == before[field], field
    assert entry["charts"] == 2 and entry["html_bytes"] == len(html)
    assert entry["toolkit_version"] == before["toolkit_version"]
    # ... and the failed attempt is recorded apart, with its own inputs
    failure = entry["last_failure"]
    assert failure["at"] == entry["failed_at"]
    assert "ZeroDivisionError" in failure["message"]
    assert failure["error"]["ename"] == "ZeroDivisionError"
    assert failure["inputs"] != before["inputs"]  # the failing notebook's checksum
    assert failure["failed_notebook"] == "_failed/baseline-en.ipynb"
    assert "showing the previous good brief" in (out / "index.html").read_text()

    # a second failure still keeps the good brief's entry
    render([_job(failing)], out, workers=1)
    again = load_manifest(out)["briefs"]["baseline-en"]
    assert again["key"] == before["key"] and again["charts"] == 2
    # and the next good render replaces the entry (no stale failure left)
    assert render([_job(good)], out, workers=1, force=True).exit_code == 0
    fixed = load_manifest(out)["briefs"]["baseline-en"]
    assert fixed["status"] == "ok" and "last_failure" not in fixed


def test_a_brief_that_never_rendered_records_the_attempt_without_a_key(
    tmp_path: Path, failing: Path
) -> None:
    out = tmp_path / "out"
    assert render([_job(failing)], out, workers=1).exit_code == 1
    entry = load_manifest(out)["briefs"]["baseline-en"]
    assert entry["status"] == "failed" and entry["key"] is None and entry["files"] is None
    assert entry["last_failure"]["error"]["ename"] == "ZeroDivisionError"
