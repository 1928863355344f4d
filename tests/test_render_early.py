"""Issue 16, cold single brief: the worker of a lone brief starts before the run is planned.

``mineral-briefs render SCENARIO --language en`` starts its one worker (and the worker its
kernel) first, then plans; the run takes that worker (``render.log`` says so). A run with
nothing to render, or one that fails before the render, stops the early worker and its kernel:
no process is left behind. The render's check for a spare core does not count its own
workers and kernels as load. Real processes throughout; nothing is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "controls_oct2025"

pytestmark = pytest.mark.xdist_group("kernels")


def _marked(mark: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``MB_TEST_MARK=mark`` (a render's workers and
    kernels inherit it)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("MB_TEST_MARK") == mark:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def _render(tmp_path: Path, mark: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "toolkit"),
        "MINERAL_BRIEFS_CACHE": str(tmp_path / "cache"),
        "MB_TEST_MARK": mark,
    }
    return subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "render", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _none_left(mark: str) -> bool:
    deadline = time.monotonic() + 5
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _marked(mark)


def test_a_lone_brief_takes_the_worker_started_before_the_plan_and_leaves_none(
    tmp_path: Path,
) -> None:
    out = tmp_path / "reports"
    mark = uuid.uuid4().hex
    proc = _render(tmp_path, mark, SCENARIO, "--language", "en", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / f"{SCENARIO}-en.html").is_file()
    log = (out / "render.log").read_text(encoding="utf-8")
    assert f"the worker started before the plan renders {SCENARIO}-en" in log
    assert _none_left(mark)
    # nothing changed: the early worker and its kernel are stopped unused
    again = _render(tmp_path, mark, SCENARIO, "--language", "en", "--out", str(out))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "up to date" in again.stdout
    assert _none_left(mark)


def test_a_render_that_fails_before_the_run_leaves_no_early_worker(tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    proc = _render(tmp_path, mark, "no_such_scenario", "--language", "en", "--out", str(tmp_path))
    assert proc.returncode != 0
    assert "no_such_scenario" in proc.stderr
    assert _none_left(mark)


def test_the_spare_core_check_does_not_count_this_runs_own_workers() -> None:
    """A child process's CPU time is this process's own, like its own threads'."""
    from mineral_briefs.render.pool import IdleSampler

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    burn += "print('done', flush=True)\ntime.sleep(60)\n"
    before = IdleSampler._times()[3]
    child = subprocess.Popen([sys.executable, "-c", burn], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "done"
        assert IdleSampler._times()[3] - before >= 0.25  # 0.3 CPU-s, in 10 ms ticks
    finally:
        child.kill()
        child.wait()
    # ended and reaped, it still counts (a stopped early worker must not turn into load)
    assert IdleSampler._times()[3] - before >= 0.25
