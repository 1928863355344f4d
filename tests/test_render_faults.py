"""Faults during rendering (issue 6 item 3): every case keeps the previous briefs intact, leaves no
temp file behind, says what happened and fails the exit code."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from render_fixtures import make_notebook

from toolkit.errors import RenderError
from toolkit.render import TMP_MARK, BriefJob, load_manifest, output_lock, render

REPO = Path(__file__).resolve().parents[1]


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


@pytest.mark.slow
def test_failures_keep_previous_briefs_and_the_run_carries_on(tmp_path: Path) -> None:
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
    hangs = make_notebook(
        tmp_path / "nb" / "hangs.ipynb", charts=1, extra_cells=["import time\ntime.sleep(600)"]
    )
    fine = make_notebook(tmp_path / "nb" / "fine.ipynb", charts=2)
    jobs = [
        _job("raises-en", raises),
        _job("dies-en", dies),
        _job("hangs-en", hangs),
        _job("fine-en", fine),
    ]
    # one worker: the kernel that died / hung must be replaced for the next brief
    # NOTE: the cell timeout must leave room for the setup cell's imports on a loaded CI box
    report = render(jobs, out, workers=1, timeout=15)
    status = {r.name: r for r in report.results}
    assert report.exit_code == 1
    assert status["fine-en"].status == "ok"
    assert (out / "fine-en.html").read_bytes() != previous["fine-en"]

    raised = status["raises-en"].error
    assert raised["kind"] == "exception" and raised["ename"] == "ValueError"
    assert "boom: bad input" in raised["evalue"]
    assert raised["cell"] == 5  # index in the user's notebook (0 = parameters cell)
    assert status["dies-en"].error["kind"] == "kernel_died"
    assert status["hangs-en"].error["kind"] == "timeout"
    assert status["hangs-en"].error["cell"] == 5

    for n in ("raises-en", "dies-en", "hangs-en"):
        assert status[n].status == "failed"
        assert (out / f"{n}.html").read_bytes() == previous[n]  # previous good brief intact
    assert (out / "_failed" / "raises-en.ipynb").is_file()
    assert (out / "_failed" / "hangs-en.ipynb").is_file()
    manifest = load_manifest(out)["briefs"]
    assert manifest["raises-en"]["status"] == "failed"
    assert manifest["raises-en"]["files"]["html"] == "raises-en.html"  # still links the old one
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="mb-row mb-failed') == 3
    assert "boom: bad input" in index and "kernel_died" in index and "timeout" in index
    assert "ValueError" in (out / "render.log").read_text()
    assert _temp_files(out) == []

    # the failed briefs are retried on the next run (their key was not recorded)
    retry = render([_job("raises-en", good)], out, workers=1)
    assert [r.status for r in retry.results] == ["ok"]
    assert not (out / "_failed" / "raises-en.ipynb").exists()


def test_unwritable_output_folder_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    nb = make_notebook(tmp_path / "nb" / "b.ipynb", charts=1)
    with pytest.raises(RenderError, match="not writable"):
        render([_job("x-en", nb)], blocker / "out", workers=1)
    if os.geteuid() != 0:  # a read-only folder (root ignores permission bits)
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        try:
            with pytest.raises(RenderError, match="not writable"):
                render([_job("x-en", nb)], ro, workers=1)
        finally:
            ro.chmod(0o755)


@pytest.mark.slow
@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("mount"),
    reason="simulating a full disk needs a tmpfs mount (root)",
)
def test_full_disk_keeps_previous_brief(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
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
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


_HOLDER = """
import sys, time
from pathlib import Path
from toolkit.render import output_lock
with output_lock(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_second_render_waits_or_fails_clearly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(out), "4"], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            RenderError, match=rf"another render is writing .* \(pid {holder.pid}\)"
        ):
            render([], out, workers=1, lock_timeout=0)
        # waiting long enough succeeds once the holder is gone
        report = render([], out, workers=1, lock_timeout=60)
        assert report.exit_code == 0
        assert holder.poll() is not None
    finally:
        holder.kill()
        holder.wait()
    with output_lock(out, 0):  # and the lock is free again
        pass


_DRIVER = """
import sys
from pathlib import Path
from toolkit.render import BriefJob, render

def main():
    out, nb = Path(sys.argv[1]), Path(sys.argv[2])
    jobs = [BriefJob(name=f"{s}-en", notebook=nb, parameters={"scenario": s, "language": "en"},
                     inputs=(("notebook:" + nb.name, nb),), scenario=s)
            for s in ("a", "b", "c", "d")]
    report = render(jobs, out, workers=2, timeout=120)
    print(report.summary(), flush=True)
    sys.exit(report.exit_code)

if __name__ == "__main__":
    main()
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_run_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    quick = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    first = render([_job(f"{s}-en", quick) for s in "ab"], out, workers=2)
    assert first.exit_code == 0
    previous = {s: (out / f"{s}-en.html").read_bytes() for s in "ab"}
    make_notebook(quick, charts=1, extra_cells=["import time\ntime.sleep(60)"])
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(out), str(quick)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 90
        kernels: set[int] = set()
        while time.monotonic() < deadline:  # wait until two kernels are busy sleeping
            kids = parent.children(recursive=True)
            kernels = {k.pid for k in kids if "ipykernel" in " ".join(k.cmdline())}
            if len(kernels) >= 2:
                break
            time.sleep(0.3)
        assert len(kernels) >= 2, "the run never started its kernels"
        time.sleep(2.0)  # inside the sleeping cell
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), stderr
    assert f"interrupted by {sig.name}" in stdout
    for s in "ab":
        assert (out / f"{s}-en.html").read_bytes() == previous[s]
    assert not (out / "c-en.html").exists()
    assert _temp_files(out) == []
    time.sleep(0.5)
    alive = [
        pid
        for pid in kernels
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert alive == [], "kernels outlived the interrupted run"
    assert "interrupted" in (out / "render.log").read_text()


@pytest.mark.slow
def test_a_dead_worker_is_retried_once_then_reported(tmp_path: Path) -> None:
    # the kernel's parent is the render worker: this cell kills the worker process itself
    killer = make_notebook(
        tmp_path / "nb" / "killer.ipynb",
        charts=1,
        extra_cells=["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"],
    )
    fine = make_notebook(tmp_path / "nb" / "fine.ipynb", charts=1)
    jobs = [_job("killer-en", killer), *(_job(f"ok{i}-en", fine) for i in range(2))]
    report = render(jobs, tmp_path / "out", workers=2, timeout=60)
    status = {r.name: r for r in report.results}
    assert status["ok0-en"].status == "ok" and status["ok1-en"].status == "ok"
    assert status["killer-en"].status == "failed"
    assert status["killer-en"].error["kind"] == "worker_died"
    assert report.exit_code == 1
    assert "retrying" in (tmp_path / "out" / "render.log").read_text()
