"""Scheduled runs: ``{date}`` folders, the ``latest`` pointer, retention; and PDF printing."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from mineral_briefs import render as rnd
from mineral_briefs.errors import RenderError, UsageError
from render_fixtures import make_notebook

NOW = dt.datetime(2026, 11, 23, 6, 15, tzinfo=dt.UTC)


def _past_run(root: Path, day: str, status: str = "ok") -> None:
    """A dated folder as a past run left it: its index and a manifest with one brief."""
    (root / day).mkdir(parents=True)
    (root / day / "index.html").write_text(day)
    manifest = {"schema": 1, "briefs": {"baseline-en": {"status": status}}}
    (root / day / "manifest.json").write_text(json.dumps(manifest))


def test_dated_run_updates_latest_and_keeps_n(tmp_path: Path) -> None:
    root = tmp_path / "briefs"
    for day in ("2026-11-02", "2026-11-09", "2026-11-16"):
        _past_run(root, day)
    (root / "notes").mkdir()  # not a dated run: never touched
    (root / "2026-11-xx").mkdir()
    (root / "README.md").write_text("keep me")

    report = rnd.render([], str(root / "{date}"), keep=2, now=NOW)
    assert report.exit_code == 0
    assert (root / "2026-11-23" / "index.html").is_file()
    assert (root / "latest").is_symlink()
    assert os.readlink(root / "latest") == "2026-11-23"
    assert sorted(p.name for p in root.iterdir()) == [
        "2026-11-16",
        "2026-11-23",
        "2026-11-xx",
        "README.md",
        "latest",
        "notes",
    ]
    # idempotent: same day again changes nothing
    again = rnd.render([], str(root / "{date}"), keep=2, now=NOW)
    assert again.exit_code == 0
    assert os.readlink(root / "latest") == "2026-11-23"
    assert (root / "2026-11-16").is_dir()


def test_failed_runs_never_erase_good_ones_nor_move_latest(tmp_path: Path) -> None:
    root = tmp_path / "briefs"
    _past_run(root, "2026-10-26")
    _past_run(root, "2026-11-02")
    rnd.update_latest(root / "2026-11-02")
    for day in ("2026-11-09", "2026-11-16"):  # two weekly runs whose briefs all failed
        _past_run(root, day, status="failed")
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1, extra_cells=["1/0"])
    job = rnd.BriefJob(
        name="baseline-en", notebook=nb, parameters={"scenario": "baseline", "language": "en"}
    )
    report = rnd.render([job], str(root / "{date}"), keep=1, now=NOW, workers=1)
    assert report.exit_code == 1
    # latest still points at the last good run
    assert os.readlink(root / "latest") == "2026-11-02"
    assert (root / "2026-11-02" / "manifest.json").is_file()
    # a failed run prunes nothing (--keep applies after a good run only), and a run in which
    # nothing rendered is set aside as <date>.failed, not left as a dated run
    assert sorted(p.name for p in root.iterdir() if p.name[0] == "2") == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23.failed",
    ]
    assert report.out == root / "2026-11-23.failed"
    assert (report.out / "_failed" / "baseline-en.ipynb").is_file()


def test_latest_pointer_file_when_symlinks_fail(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "2026-11-23"
    out.mkdir()

    def no_symlinks(*args: object, **kw: object) -> None:
        raise OSError("symlinks not supported")

    monkeypatch.setattr(rnd.retention.os, "symlink", no_symlinks)
    rnd.update_latest(out)
    assert (tmp_path / "latest").read_text() == "2026-11-23\n"
    rnd.update_latest(out)
    assert (tmp_path / "latest").read_text() == "2026-11-23\n"


def test_keep_requires_date_and_positive(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="dated runs"):
        rnd.render([], tmp_path / "plain", keep=3)
    with pytest.raises(RenderError, match="at least 1"):
        rnd.apply_retention(tmp_path / "2026-11-23", 0)


def test_pdf_without_chromium_fails_before_work(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("MINERAL_BRIEFS_CHROMIUM", raising=False)
    with pytest.raises(RenderError, match="needs Chromium"):
        rnd.render([], tmp_path / "out", pdf=True)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed")
def test_pdf_is_printed_beside_the_brief(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=2)
    job = rnd.BriefJob(name="pdf-en", notebook=nb, parameters={"scenario": "pdf", "language": "en"})
    report = rnd.render([job], tmp_path / "out", workers=1, pdf=True)
    assert report.exit_code == 0, report.summary()
    pdf = tmp_path / "out" / "pdf-en.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf.stat().st_size > 10_000
    manifest = rnd.load_manifest(tmp_path / "out")
    assert manifest["briefs"]["pdf-en"]["files"]["pdf"] == "pdf-en.pdf"
    assert 'href="pdf-en.pdf"' in (tmp_path / "out" / "index.html").read_text()
    # a later run without the PDF present re-renders to produce it
    pdf.unlink()
    again = rnd.render([job], tmp_path / "out", workers=1, pdf=True)
    assert [r.status for r in again.results] == ["ok"] and pdf.is_file()
