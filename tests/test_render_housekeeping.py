"""Housekeeping of an output folder: dated runs reuse unchanged briefs, ``render.log`` rotates."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from mineral_briefs.render import LOG_FILE, load_manifest, plan_briefs, render
from mineral_briefs.render.layout import LOG_BACKUPS, LOG_MAX_BYTES

REPO = Path(__file__).resolve().parents[1]
DAY1 = dt.datetime(2026, 11, 23, 6, 15, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=7)
DAY3 = DAY2 + dt.timedelta(days=7)


def _cheap_scenario(folder: Path, draws: int) -> Path:
    """The baseline as a user file with few Monte Carlo draws (a real brief, rendered fast)."""
    folder.mkdir(exist_ok=True)
    path = folder / "cheap.yaml"
    text = (REPO / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("id: baseline", "id: cheap").replace("draws: 300", f"draws: {draws}"),
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_dated_run_reuses_unchanged_briefs_from_latest(tmp_path: Path) -> None:
    scenario = _cheap_scenario(tmp_path / "scen", draws=8)
    jobs = plan_briefs([str(scenario)], language="en", as_of="2026-11-01")
    out = tmp_path / "reports" / "{date}"
    first = render(jobs, out, now=DAY1)
    assert [(r.name, r.status) for r in first.results] == [("cheap-en", "ok")]
    day1 = tmp_path / "reports" / "2026-11-23"

    second = render(jobs, out, now=DAY2)
    day2 = tmp_path / "reports" / "2026-11-30"
    assert [(r.name, r.status) for r in second.results] == [("cheap-en", "reused")]
    assert not second.kernels_started  # nothing was executed
    assert second.exit_code == 0
    assert "1 reused from the previous run" in second.summary()
    entry = load_manifest(day2)["briefs"]["cheap-en"]
    assert entry["reused_from"] == "2026-11-23"
    assert entry["key"] == load_manifest(day1)["briefs"]["cheap-en"]["key"]
    for name in entry["files"].values():
        assert (day2 / name).read_bytes() == (day1 / name).read_bytes()
        assert not (day2 / name).is_symlink()
    assert "cheap-en" in (day2 / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "reports" / "latest").resolve() == day2.resolve()
    # the previous folder can go (retention) and the reused brief stays readable
    (day1 / "cheap-en.html").unlink()
    assert (day2 / "cheap-en.html").stat().st_size > 0

    # a changed scenario is rendered, not reused
    _cheap_scenario(tmp_path / "scen", draws=9)
    jobs = plan_briefs([str(scenario)], language="en", as_of="2026-11-01")
    third = render(jobs, out, now=DAY3)
    assert [(r.name, r.status) for r in third.results] == [("cheap-en", "ok")]
    assert (
        "reused_from"
        not in load_manifest(tmp_path / "reports" / "2026-12-07")["briefs"]["cheap-en"]
    )


def test_render_log_rotates_by_size_and_keeps_a_bounded_count(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOG_FILE).write_text("old run\n" * (LOG_MAX_BYTES // 8 + 1), encoding="utf-8")
    for n in range(1, LOG_BACKUPS + 1):
        (out / f"{LOG_FILE}.{n}").write_text(f"backup {n}\n", encoding="utf-8")
    render([], out)
    log = (out / LOG_FILE).read_text(encoding="utf-8")
    assert "old run" not in log and "nothing to do" in log
    assert (out / f"{LOG_FILE}.1").read_text(encoding="utf-8").startswith("old run\n")
    assert (out / f"{LOG_FILE}.{LOG_BACKUPS}").read_text(encoding="utf-8") == (
        f"backup {LOG_BACKUPS - 1}\n"
    )
    assert not (out / f"{LOG_FILE}.{LOG_BACKUPS + 1}").exists()
    assert os.path.getsize(out / LOG_FILE) < LOG_MAX_BYTES
