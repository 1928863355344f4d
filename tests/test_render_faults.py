"""Faults during rendering (issue 6 item 3): every case keeps the previous briefs intact, leaves no
temp file behind, says what happened and fails the exit code."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest
from mineral_briefs.errors import OutputPathError, RenderError
from mineral_briefs.render import (
    DEFAULT_TIMEOUT_S,
    TMP_MARK,
    BriefJob,
    RenderTask,
    load_manifest,
    output_lock,
    render,
    run_local,
)
from mounts import tmpfs
from render_fixtures import make_notebook

REPO = Path(__file__).resolve().parents[1]

# NOTE: no test here waits for a guessed duration. Hangs are real (a cell that never returns)
# and readiness is signalled by the process that is ready (a socket, a pipe, a callback).
# SAFETY_S only ends a test that is already failing (a kernel that never reports in, a run
# that never stops); on a healthy run nothing waits for it, so a slow machine cannot flip a
# result.
SAFETY_S = 300.0
HANG_TIMEOUT_S = 5.0
"""Per-cell timeout [s] for the runs with a hanging cell. The hang is the first user cell after
the parameters, so only the pipeline's trivial cells (the kernel reset and the two parameter
cells, milliseconds each) run under this budget before it; every assertion on the hang is
"at least this long", never "at most"."""


def _job(name: str, nb: Path) -> BriefJob:
    return BriefJob(
        name=name,
        notebook=nb,
        parameters={"scenario": name.rsplit("-", 1)[0], "language": "en"},
        inputs=((f"notebook:{nb.name}", nb),),
        scenario=name.rsplit("-", 1)[0],
    )


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(TMP_MARK)]


class HangingCell:
    """A notebook cell that reports in to the test over a socket, then waits on it for ever.

    The cell sends ``"<scenario> <kernel pid>"`` and blocks reading the connection. The test
    never sends anything, so on a healthy run the cell ends only with its kernel (the render's
    timeout, or its signal handling, kills it); the kernel's end of the connection closes when
    the kernel process exits, which is how the test sees it die. The reports wait in the listen
    backlog until the test reads them. A watchdog releases every waiting cell
    :data:`SAFETY_S` after the source is taken, so a broken timeout fails the test instead of
    hanging it.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.conns: list[socket.socket] = []
        self.reports: list[str] = []
        self._lock = threading.RLock()
        self._watchdog = threading.Timer(SAFETY_S, self.release)
        self._watchdog.daemon = True

    def source(self) -> str:
        """The cell's source (``scenario`` is the notebook's parameter); arms the watchdog."""
        if not self._watchdog.is_alive():
            self._watchdog.start()
        port = self.listener.getsockname()[1]
        return (
            "import os, socket\n"
            f"_mb_hang = socket.create_connection(('127.0.0.1', {port}))\n"
            "_mb_hang.sendall(f'{scenario} {os.getpid()}\\n'.encode())\n"
            "_mb_hang.recv(1)  # nothing is ever sent: waits until the kernel dies"
        )

    def _take(self, conn: socket.socket) -> None:
        conn.setblocking(True)
        conn.settimeout(SAFETY_S)
        line = b""
        while not line.endswith(b"\n"):
            chunk = conn.recv(64)
            assert chunk, "a kernel hung up before reporting"
            line += chunk
        self.conns.append(conn)
        self.reports.append(line.decode().strip())

    def collect(self) -> list[str]:
        """Read every report already made (after a run: nothing left to wait for)."""
        with self._lock:
            self.listener.setblocking(False)
            while True:
                try:
                    conn, _ = self.listener.accept()
                except BlockingIOError:
                    break
                self._take(conn)
            return list(self.reports)

    def wait_for(self, n: int, run: subprocess.Popen[str]) -> list[str]:
        """Wait until ``n`` cells have reported (while ``run`` keeps running)."""
        deadline = time.monotonic() + SAFETY_S
        while len(self.collect()) < n:
            assert run.poll() is None, f"the run ended (exit {run.returncode}) before blocking"
            assert time.monotonic() < deadline, "the kernels never reached the blocking cell"
            # NOTE: the 1 s only lets the loop notice a run that died; it is no budget
            select.select([self.listener], [], [], 1.0)
        return list(self.reports)

    def all_closed_by_peer(self) -> bool:
        """Whether every reporting kernel's end is closed (waits up to SAFETY_S for each)."""
        for conn in self.conns:
            try:
                if conn.recv(1) != b"":
                    return False
            except ConnectionResetError:
                pass
            except TimeoutError:
                return False
        return True

    def release(self) -> None:
        """Let every waiting cell go on (the watchdog; and cleanup after a failed test)."""
        with self._lock:
            with contextlib.suppress(Exception):
                self.collect()
            for conn in self.conns:
                conn.close()

    def close(self) -> None:
        self._watchdog.cancel()
        self.release()
        self.listener.close()


@pytest.fixture
def hanging_cell() -> Iterator[HangingCell]:
    hang = HangingCell()
    try:
        yield hang
    finally:
        hang.close()


@pytest.mark.slow
def test_failures_keep_previous_briefs_and_the_run_carries_on(
    tmp_path: Path, hanging_cell: HangingCell
) -> None:
    good = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    out = tmp_path / "out"
    names = ["raises-en", "dies-en", "hangs-en", "fine-en"]
    first = render([_job(n, good) for n in names], out, workers=1)
    assert first.exit_code == 0, first.summary()
    previous = {n: (out / f"{n}.html").read_bytes() for n in names}

    raises = make_notebook(
        tmp_path / "nb" / "raises.ipynb",
        charts=1,
        extra_cells=["raise ValueError('boom: bad input')"],
    )
    dies = make_notebook(
        tmp_path / "nb" / "dies.ipynb", charts=1, extra_cells=["import os\nos._exit(1)"]
    )
    fine = make_notebook(tmp_path / "nb" / "fine.ipynb", charts=2)
    # NOTE: the default cell timeout is only a safety net here: none of these cells waits for
    # anything, so how long they take on a loaded machine does not matter.
    report = render(
        [_job("raises-en", raises), _job("dies-en", dies), _job("fine-en", fine)], out, workers=1
    )
    status = {r.name: r for r in report.results}
    assert sorted(status) == ["dies-en", "fine-en", "raises-en"]  # every brief was attempted
    assert report.exit_code == 1
    assert status["fine-en"].status == "ok"
    assert (out / "fine-en.html").read_bytes() != previous["fine-en"]
    raised = status["raises-en"].error
    assert raised["kind"] == "exception" and raised["ename"] == "ValueError"
    assert "boom: bad input" in raised["evalue"]
    assert raised["cell"] == 5  # index in the user's notebook (0 = parameters cell)
    assert status["dies-en"].error["kind"] == "kernel_died"
    assert status["dies-en"].error["cell"] == 5

    # a cell that never returns: the render's real per-cell timeout has to end it
    hangs = make_notebook(
        tmp_path / "nb" / "hangs.ipynb", charts=1, before_cells=[hanging_cell.source()]
    )
    hung = render([_job("hangs-en", hangs)], out, workers=1, timeout=HANG_TIMEOUT_S)
    assert hung.exit_code == 1
    # the hanging cell was reached (once), so the timeout hit it and not an earlier cell
    assert [r.split()[0] for r in hanging_cell.collect()] == ["hangs"]
    assert hanging_cell.all_closed_by_peer()  # and its kernel is gone
    timeout = hung.results[0].error
    assert timeout["kind"] == "timeout"
    assert timeout["cell"] == 1  # 0 = parameters cell, 1 = the hanging cell
    assert timeout["evalue"] == f"a cell ran longer than the {HANG_TIMEOUT_S:g} s timeout"
    assert hung.results[0].seconds >= HANG_TIMEOUT_S  # it waited the whole budget

    for n in ("raises-en", "dies-en", "hangs-en"):
        assert load_manifest(out)["briefs"][n]["status"] == "failed"
        assert (out / f"{n}.html").read_bytes() == previous[n]  # previous good brief intact
    assert (out / "_failed" / "raises-en.ipynb").is_file()
    assert (out / "_failed" / "hangs-en.ipynb").is_file()
    manifest = load_manifest(out)["briefs"]
    assert manifest["raises-en"]["files"]["html"] == "raises-en.html"  # still links the old one
    assert manifest["fine-en"]["status"] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="mb-row mb-failed') == 3
    assert "boom: bad input" in index and "kernel_died" in index and "timeout" in index
    assert "ValueError" in (out / "render.log").read_text()
    assert _temp_files(out) == []

    # the failed briefs are retried on the next run (their key was not recorded)
    retry = render([_job("raises-en", good)], out, workers=1)
    assert [r.status for r in retry.results] == ["ok"]
    assert not (out / "_failed" / "raises-en.ipynb").exists()


def _task(name: str, nb: Path, timeout: float) -> RenderTask:
    return RenderTask(
        name=name,
        notebook=str(nb),
        parameters={"scenario": name, "language": "en"},
        cwd=str(nb.parent),
        timeout=timeout,
        rendered_at="2026-11-21T10:00:00+00:00",
    )


@pytest.mark.slow
def test_a_dead_or_hung_kernel_is_replaced_for_the_next_brief(
    tmp_path: Path, hanging_cell: HangingCell
) -> None:
    nb = tmp_path / "nb"
    dies = make_notebook(nb / "dies.ipynb", charts=1, before_cells=["import os\nos._exit(1)"])
    hangs = make_notebook(nb / "hangs.ipynb", charts=1, before_cells=[hanging_cell.source()])
    fine = make_notebook(nb / "fine.ipynb", charts=1)
    # one worker, fed in this order: each brief gets whatever kernel the one before left behind
    outcomes = list(
        run_local(
            [
                _task("dies", dies, DEFAULT_TIMEOUT_S),
                _task("hangs", hangs, HANG_TIMEOUT_S),
                _task("fine", fine, DEFAULT_TIMEOUT_S),
            ],
            1,
        )
    )
    assert [o.name for o in outcomes] == ["dies", "hangs", "fine"]
    dead, hung, ok = outcomes
    assert dead.status == "failed" and dead.error is not None
    assert dead.error["kind"] == "kernel_died" and dead.error["cell"] == 1
    assert hung.status == "failed" and hung.error is not None
    assert hung.error["kind"] == "timeout" and hung.error["cell"] == 1
    assert hanging_cell.collect() == [f"hangs {hung.kernel_pid}"]  # reached, on that kernel
    assert ok.status == "ok" and ok.error is None and ok.html
    kernels = [o.kernel_pid for o in outcomes]
    assert None not in kernels and len(set(kernels)) == 3, kernels  # a fresh kernel each time


def test_output_path_under_a_file_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    nb = make_notebook(tmp_path / "nb" / "b.ipynb", charts=1)
    with pytest.raises(OutputPathError, match="a-file is a file, not a folder"):
        render([_job("x-en", nb)], blocker / "out", workers=1)
    assert blocker.read_text() == "not a folder"


def test_read_only_output_folder_fails_before_any_work(
    tmp_path: Path, read_only_folder: Path
) -> None:
    nb = make_notebook(tmp_path / "nb" / "b.ipynb", charts=1)
    with pytest.raises(OutputPathError, match="not writable"):
        render([_job("x-en", nb)], read_only_folder, workers=1)
    assert list(read_only_folder.iterdir()) == []  # no lock, log, manifest or temp file


@pytest.mark.slow
@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("mount"),
    reason="simulating a full disk needs a tmpfs mount (root)",
)
def test_full_disk_keeps_previous_brief(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    with tmpfs(mnt, "size=4m"):
        nb = make_notebook(tmp_path / "nb" / "b.ipynb", charts=1)
        out = mnt / "out"
        assert render([_job("disk-en", nb)], out, workers=1).exit_code == 0
        previous = (out / "disk-en.html").read_bytes()
        # fill the disk, leaving ~200 KB: enough for manifest/index, not for a 1.2 MB brief
        free = shutil.disk_usage(mnt).free
        with open(mnt / "filler", "wb") as fh:
            fh.write(b"\0" * max(0, free - 200_000))
        nb2 = make_notebook(tmp_path / "nb" / "b.ipynb", charts=2)
        report = render([_job("disk-en", nb2)], out, workers=1)
        assert report.exit_code == 1
        err = report.results[0].error
        assert err["kind"] == "write" and "No space left" in err["evalue"]
        assert (out / "disk-en.html").read_bytes() == previous
        assert _temp_files(out) == []
        assert load_manifest(out)["briefs"]["disk-en"]["status"] == "failed"


_HOLDER = """
import sys
from pathlib import Path
from mineral_briefs.render import output_lock
with output_lock(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test says so (or closes the pipe)
print("released", flush=True)
"""


def _in_lock_wait(thread: threading.Thread) -> bool:
    """Whether ``thread`` is inside ``filelock``'s acquire (waiting for the lock) right now."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        code = frame.f_code
        if "filelock" in code.co_filename and code.co_name == "acquire":
            return True
        frame = frame.f_back
    return False


def test_second_render_waits_or_fails_clearly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert holder.stdin is not None and holder.stdout is not None
    waiter: threading.Thread | None = None
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            RenderError, match=rf"another render is writing .* \(pid {holder.pid}\)"
        ):
            render([], out, workers=1, lock_timeout=0)

        # a second run with a lock timeout waits (it says so, naming the holder) ...
        waiting = threading.Event()
        events: list[tuple[str, dict[str, Any]]] = []
        result: dict[str, Any] = {}

        def reporter(event: str, info: Mapping[str, Any]) -> None:
            events.append((event, dict(info)))
            if event == "wait":
                waiting.set()

        def second_run() -> None:
            try:
                result["report"] = render(
                    [], out, workers=1, lock_timeout=SAFETY_S, reporter=reporter
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                result["error"] = exc

        waiter = threading.Thread(target=second_run, daemon=True)
        waiter.start()
        assert waiting.wait(SAFETY_S), f"the second run never waited: {result}"
        assert events[0] == ("wait", {"out": out, "pid": str(holder.pid)})
        # it is now either blocked in the lock (right) or past it (wrong): find out which,
        # by looking at where the thread is, not by giving it time
        _wait_for(
            lambda: _in_lock_wait(waiter) or len(events) > 1 or not waiter.is_alive(),
            "the second run neither waited for the lock nor went on",
        )
        assert _in_lock_wait(waiter), f"the second run did not wait for the lock: {events}"
        # ... and goes ahead once the holder lets go
        events.append(("released", {}))
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        waiter.join(SAFETY_S)
        assert not waiter.is_alive(), "the second run did not finish after the lock was freed"
        assert "error" not in result, result.get("error")
        assert result["report"].exit_code == 0
        assert [e for e, _ in events] == ["wait", "released", "plan", "finish"]
    finally:
        holder.kill()
        holder.wait()
        if waiter is not None:
            waiter.join(SAFETY_S)
    with output_lock(out, 0):  # and the lock is free again
        pass


_DRIVER = """
import sys
from pathlib import Path
from mineral_briefs.render import BriefJob, render

def main():
    out, nb = Path(sys.argv[1]), Path(sys.argv[2])
    jobs = [BriefJob(name=f"{s}-en", notebook=nb, parameters={"scenario": s, "language": "en"},
                     inputs=(("notebook:" + nb.name, nb),), scenario=s)
            for s in ("a", "b", "c", "d")]
    # no cell timeout: the blocking cell waits until the signal ends the run
    report = render(jobs, out, workers=2, timeout=None)
    print(report.summary(), flush=True)
    sys.exit(report.exit_code)

if __name__ == "__main__":
    main()
"""


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill a process this test started and every process below it (by pid)."""
    with contextlib.suppress(psutil.Error):
        family = psutil.Process(proc.pid).children(recursive=True)
        for p in family:
            with contextlib.suppress(psutil.Error):
                p.kill()
    proc.kill()
    proc.wait()


def _running(pids: list[int]) -> list[int]:
    """The pids that still run (zombies count as gone: they hold no resources)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds; only a failing test ever reaches SAFETY_S."""
    deadline = time.monotonic() + SAFETY_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_run_stops_cleanly(
    tmp_path: Path, sig: signal.Signals, hanging_cell: HangingCell
) -> None:
    out = tmp_path / "out"
    quick = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    first = render([_job(f"{s}-en", quick) for s in "ab"], out, workers=2)
    assert first.exit_code == 0
    previous = {s: (out / f"{s}-en.html").read_bytes() for s in "ab"}
    # the blocking cell comes first, before the heavy imports: the kernels get there quickly
    make_notebook(quick, charts=1, before_cells=[hanging_cell.source()])
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    # NOTE: output goes to files, not pipes: a pipe nobody reads while the kernels start could
    # fill up and stall the driver, and a worker orphaned by a broken run would hold a pipe
    # open for ever (reading it to the end would then hang the test instead of failing it)
    out_log, err_log = tmp_path / "driver.stdout", tmp_path / "driver.stderr"
    with open(out_log, "w") as out_fh, open(err_log, "w") as err_fh:
        proc = subprocess.Popen(
            [sys.executable, str(driver), str(out), str(quick)],
            stdout=out_fh,
            stderr=err_fh,
            text=True,
            cwd=REPO,
        )
    try:
        # both workers' kernels are inside the blocking cell: no brief can finish before the
        # signal, whatever the machine's speed
        reports = hanging_cell.wait_for(2, proc)
        proc.send_signal(sig)
        proc.wait(timeout=SAFETY_S)
        assert proc.returncode == (130 if sig == signal.SIGINT else 143), err_log.read_text()
        assert f"interrupted by {sig.name}" in out_log.read_text()
        for s in "ab":
            assert (out / f"{s}-en.html").read_bytes() == previous[s]
        assert not (out / "c-en.html").exists() and not (out / "d-en.html").exists()
        assert _temp_files(out) == []
        assert hanging_cell.all_closed_by_peer(), "kernels outlived the interrupted run"
        pids = [int(r.split()[1]) for r in reports]
        _wait_for(lambda: _running(pids) == [], f"kernels {pids} outlived the interrupted run")
        assert "interrupted" in (out / "render.log").read_text()
    finally:
        if proc.poll() is None:  # a failed run: take its workers and kernels down with it
            _kill_tree(proc)


@pytest.mark.slow
def test_sigkill_of_the_render_leaves_no_worker_or_kernel_behind(
    tmp_path: Path, hanging_cell: HangingCell
) -> None:
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    make_notebook(nb, charts=1, before_cells=[hanging_cell.source()])
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    out_log, err_log = tmp_path / "driver.stdout", tmp_path / "driver.stderr"
    with open(out_log, "w") as out_fh, open(err_log, "w") as err_fh:
        proc = subprocess.Popen(
            [sys.executable, str(driver), str(out), str(nb)],
            stdout=out_fh,
            stderr=err_fh,
            text=True,
            cwd=REPO,
        )
    workers: list[int] = []
    kernels: list[int] = []
    try:
        reports = hanging_cell.wait_for(2, proc)
        kernels = [int(r.split()[1]) for r in reports]
        workers = [c.pid for c in psutil.Process(proc.pid).children() if c.pid not in kernels]
        assert workers, "the render has no worker processes"
        proc.kill()  # SIGKILL: the render gets no chance to clean up
        proc.wait(timeout=SAFETY_S)
        assert hanging_cell.all_closed_by_peer(), "kernels outlived the killed render"
        _wait_for(lambda: _running(workers + kernels) == [], "workers or kernels outlived it")
    finally:
        for pid in _running(workers + kernels):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


@pytest.mark.slow
def test_a_dead_worker_is_retried_once_then_reported(tmp_path: Path) -> None:
    # the kernel's parent is the render worker: this cell kills the worker process itself,
    # after noting each attempt in a file
    attempts = tmp_path / "killer-attempts"
    killer = make_notebook(
        tmp_path / "nb" / "killer.ipynb",
        charts=1,
        extra_cells=[
            f"with open({str(attempts)!r}, 'a') as fh:\n    fh.write('run\\n')\n"
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
        ],
    )
    fine = make_notebook(tmp_path / "nb" / "fine.ipynb", charts=1)
    jobs = [_job("killer-en", killer), *(_job(f"ok{i}-en", fine) for i in range(2))]
    report = render(jobs, tmp_path / "out", workers=2)
    status = {r.name: r for r in report.results}
    assert status["ok0-en"].status == "ok" and status["ok1-en"].status == "ok"
    assert status["killer-en"].status == "failed"
    assert status["killer-en"].error["kind"] == "worker_died"
    assert report.exit_code == 1
    assert attempts.read_text().splitlines() == ["run", "run"]  # the first try and one retry
    assert (tmp_path / "out" / "render.log").read_text().count("retrying") == 1
