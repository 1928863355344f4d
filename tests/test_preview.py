"""``mineral-briefs preview`` end to end (issue 16): a real subprocess, a real kernel, real HTTP.

Each test starts the preview on a copy of a scenario, edits the copy and polls the served page
(bounded waits, no fixed sleeps), then stops it with SIGINT and checks with psutil that no
process of its tree (the kernel above all) is left.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

pytest.importorskip("watchfiles")
pytest.importorskip("tornado")

REPO = Path(__file__).resolve().parents[1]
START_S = 240.0  # cold kernel + first brief on a loaded 2-core machine
RENDER_S = 180.0
TITLE = "China's October 2025 rare-earth controls in force"

pytestmark = pytest.mark.xdist_group("preview")


class Preview:
    """A running ``mineral-briefs preview`` subprocess and its served URL."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        self.tree: set[tuple[int, float]] = set()

    def get(self, path: str = "/") -> str:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as resp:
            return str(resp.read().decode("utf-8"))

    def status(self) -> dict[str, object]:
        return dict(json.loads(self.get("/status")))

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        """Poll ``check`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"preview exited early: {self.proc.returncode}"
            self.remember_tree()
            if check():
                return
            time.sleep(0.2)  # poll interval of a bounded wait, not a wait for the result
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}: {self.status()}")

    def remember_tree(self) -> None:
        """Record every descendant as (pid, start time): a pid alone may be reused later."""
        try:
            kids = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for kid in kids:
            try:
                self.tree.add((kid.pid, kid.create_time()))
            except psutil.NoSuchProcess:
                continue

    def title(self) -> str | None:
        m = re.search(r"<title>([^<]*)</title>", self.get())
        return m.group(1) if m else None


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout, selectors.EVENT_READ)
    assert sel.select(timeout), "preview printed no address"
    return proc.stdout.readline()


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """controls_oct2025 (which extends baseline) with few Monte Carlo draws, in a temp folder."""
    text = (REPO / "scenarios" / "controls_oct2025.yaml").read_text(encoding="utf-8")
    path = tmp_path / "edited.yaml"
    path.write_text(text + "\nuncertainty: {draws: 20, seed: 7}\n", encoding="utf-8")
    return path


@pytest.fixture
def preview(scenario_copy: Path) -> Iterator[Preview]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mineral_briefs", "preview", str(scenario_copy), "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(proc, 60)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, f"no address in {line!r}"
        pv = Preview(proc, f"http://127.0.0.1:{m.group(1)}/")
        pv.wait_for("the first brief", lambda: pv.status()["state"] == "ok", START_S)
        assert pv.tree, "the preview runs no kernel process"
        yield pv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    left = [pid for pid, started in pv.tree if _alive(pid, started)]
    assert left == [], f"processes left behind after Ctrl-C: {left}"


def _alive(pid: int, started: float) -> bool:
    """True while the process recorded as (pid, start time) still runs (zombies count not)."""
    try:
        proc = psutil.Process(pid)
        return proc.create_time() == started and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_preview_rerenders_on_save(preview: Preview, scenario_copy: Path) -> None:
    assert preview.title() == TITLE
    page = preview.get()
    assert "data-mineral-briefs-preview" in page  # the reload script, in the served page only
    before = preview.status()["version"]
    text = scenario_copy.read_text(encoding="utf-8")
    scenario_copy.write_text(text.replace(TITLE, "Controls, edited in the preview"), "utf-8")
    preview.wait_for(
        "the edited brief", lambda: preview.title() == "Controls, edited in the preview", RENDER_S
    )
    assert int(preview.status()["version"]) > int(str(before))  # type: ignore[call-overload]


def test_preview_shows_error_then_brief_again(preview: Preview, scenario_copy: Path) -> None:
    good = scenario_copy.read_text(encoding="utf-8")
    scenario_copy.write_text(good.replace("extends: baseline", "extends: <no_such_base>"), "utf-8")
    preview.wait_for("the error page", lambda: preview.status()["state"] == "error", RENDER_S)
    page = preview.get()
    assert 'id="preview-error"' in page
    assert "&lt;no_such_base&gt;" in page  # the message is escaped, not markup
    assert "<no_such_base>" not in page
    assert TITLE not in page
    scenario_copy.write_text(good, "utf-8")
    preview.wait_for("the brief again", lambda: preview.title() == TITLE, RENDER_S)
    assert preview.status()["state"] == "ok"
