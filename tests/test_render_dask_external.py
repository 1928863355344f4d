"""``--executor dask`` against a REAL external ``dask scheduler`` and ``dask worker`` processes.

Each test starts a scheduler and worker(s) as subprocesses on localhost (their own process
groups, killed at teardown). Nothing is mocked: a worker with other data is a worker started with
another ``MINERAL_BRIEFS_DATA`` folder; a worker without mineral_briefs is a worker run from a
virtualenv that sees ``distributed`` but not mineral_briefs. No sleeps: the client's own waits
(connect timeout, ``--worker-timeout``) cover the start-up of the processes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from mineral_briefs.errors import RenderError
from mineral_briefs.render import BriefJob, load_manifest, plan_briefs, render
from render_fixtures import make_notebook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TOOLKIT = REPO / "toolkit"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill a subprocess's whole process group (a worker's kernels too) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


class Cluster:
    """A scheduler subprocess and the worker subprocesses started against it."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.procs: list[subprocess.Popen[bytes]] = []
        port = self.address.rsplit(":", 1)[1]
        self._spawn(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
            + ["--port", port, "--dashboard-address", ":0", "--no-show"],
            env=_env(),
            cwd=logs,
            name="scheduler",
        )

    def _spawn(self, cmd: list[str], *, env: Mapping[str, str], cwd: Path, name: str) -> None:
        log = open(self.logs / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                cmd, env=dict(env), cwd=cwd, stdout=log, stderr=log, start_new_session=True
            )
        )
        log.close()

    def worker(
        self, *, python: str = sys.executable, env: Mapping[str, str] | None = None, cwd: Path
    ) -> None:
        """Start one single-threaded ``dask worker`` (no nanny: one process to kill)."""
        self._spawn(
            [python, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1"]
            + ["--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "120"],
            env=env if env is not None else _env(),
            cwd=cwd,
            name="worker",
        )

    def close(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINERAL_BRIEFS_")}
    env["PYTHONPATH"] = str(TOOLKIT)
    env.update(extra)
    return env


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    logs = tmp_path / "cluster-logs"
    logs.mkdir()
    c = Cluster(logs)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the repository's data folder (the client reads it through MINERAL_BRIEFS_DATA)."""
    dest = tmp_path / "data"
    shutil.copytree(REPO / "data", dest)
    return dest


def test_one_good_worker_renders_a_scenario_given_as_a_yaml_path(
    cluster: Cluster, tmp_path: Path, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(data_copy))
    cluster.worker(env=_env(MINERAL_BRIEFS_DATA=str(data_copy)), cwd=tmp_path)
    # A scenario that exists only as a client-side path, extending a sibling file by path.
    mine = tmp_path / "client-only"
    mine.mkdir()
    (mine / "parent.yaml").write_text(
        (REPO / "scenarios" / "baseline.yaml")
        .read_text(encoding="utf-8")
        .replace("id: baseline", "id: dask_parent")
        .replace("draws: 300", "draws: 8"),
        encoding="utf-8",
    )
    (mine / "child.yaml").write_text(
        "extends: ./parent.yaml\nid: dask_child\ntitle: Dask path scenario\n", encoding="utf-8"
    )
    jobs = plan_briefs([str(mine / "child.yaml")], language="en", as_of="2026-03-01")
    out = tmp_path / "out"
    report = render(jobs, out, executor="dask", scheduler=cluster.address, worker_timeout=60)
    assert [(r.name, r.status) for r in report.results] == [("dask_child-en", "ok")], (
        report.results[0].error
    )
    page = (out / "dask_child-en.html").read_text(encoding="utf-8")
    assert "Dask path scenario" in page
    assert load_manifest(out)["briefs"]["dask_child-en"]["status"] == "ok"


def test_worker_with_different_data_is_refused_naming_worker_and_file(
    cluster: Cluster, tmp_path: Path, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(data_copy))
    other = tmp_path / "other-data"
    shutil.copytree(data_copy, other)
    prices = other / "prices.csv"
    assert prices.is_file()
    prices.write_text(prices.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    cluster.worker(env=_env(MINERAL_BRIEFS_DATA=str(other)), cwd=tmp_path)
    nb = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    job = BriefJob(name="x-en", notebook=nb, parameters={"scenario": "x", "language": "en"})
    with pytest.raises(RenderError) as err:
        render([job], tmp_path / "out", executor="dask", scheduler=cluster.address)
    text = str(err.value)
    assert "1 of 1 Dask worker(s) differ from this client" in text
    assert "tcp://127.0.0.1:" in text
    assert "data files differ: prices.csv" in text
    assert not (tmp_path / "out" / "x-en.html").exists()


def _venv_without_mineral_briefs(where: Path) -> str:
    """A virtualenv that sees the shared site-packages (distributed) but not mineral_briefs.

    A path line in a ``.pth`` file adds the shared site-packages, but ``.pth`` files inside it
    (the editable install of mineral_briefs) are not processed: mineral_briefs is not importable.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(python)


def test_worker_without_mineral_briefs_is_a_clear_error(cluster: Cluster, tmp_path: Path) -> None:
    python = _venv_without_mineral_briefs(tmp_path / "bare-venv")
    env = {k: v for k, v in _env().items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [
            python,
            "-c",
            "import distributed, importlib.util as u; print(u.find_spec('mineral_briefs'))",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "None"  # the premise: distributed yes, mineral_briefs no
    cluster.worker(python=python, env=env, cwd=tmp_path)
    nb = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    job = BriefJob(name="x-en", notebook=nb, parameters={"scenario": "x", "language": "en"})
    with pytest.raises(RenderError) as err:
        render([job], tmp_path / "out", executor="dask", scheduler=cluster.address)
    text = str(err.value)
    assert "tcp://127.0.0.1:" in text
    assert "mineral_briefs is not installed on this worker" in text


def test_no_worker_ends_after_the_worker_timeout(cluster: Cluster, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "nb" / "good.ipynb", charts=1)
    job = BriefJob(name="x-en", notebook=nb, parameters={"scenario": "x", "language": "en"})
    with pytest.raises(RenderError, match=r"no Dask worker joined the scheduler .* within 3 s"):
        render(
            [job], tmp_path / "out", executor="dask", scheduler=cluster.address, worker_timeout=3
        )


def test_losing_every_worker_fails_the_rest_after_the_worker_timeout(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.worker(cwd=tmp_path)
    # The kernel kills the worker process that started it (no nanny: nothing restarts it).
    nb = make_notebook(
        tmp_path / "nb" / "kill.ipynb",
        charts=1,
        before_cells=["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"],
    )
    job = BriefJob(name="k-en", notebook=nb, parameters={"scenario": "k", "language": "en"})
    report = render(
        [job], tmp_path / "out", executor="dask", scheduler=cluster.address, worker_timeout=5
    )
    [result] = report.results
    assert result.status == "failed"
    assert result.error["kind"] == "no_workers"
    assert "no Dask worker for 5 s" in result.error["evalue"]
    assert report.exit_code == 1


def test_dask_tasks_carry_the_resolved_scenario_not_client_paths(tmp_path: Path) -> None:
    import datetime as dt

    from mineral_briefs.render.run import _task
    from mineral_briefs.scenarios import parse_scenario

    (tmp_path / "child.yaml").write_text(
        "extends: baseline\nid: dask_text\ntitle: Sent as text\n", encoding="utf-8"
    )
    [job] = plan_briefs([str(tmp_path / "child.yaml")], language="en", as_of="2026-03-01")
    assert str(tmp_path) in job.parameters["scenario"]  # the client plans with its path
    task = _task(job, 60.0, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), remote=True, takes_text=True)
    assert str(tmp_path) not in repr(task.parameters)
    assert task.cwd == ""
    assert task.notebook_text == job.notebook.read_text(encoding="utf-8")
    sent = parse_scenario(task.parameters["scenario_text"], source="sent")
    assert (sent.id, sent.text("title")) == ("dask_text", "Sent as text")
    assert (
        sent.canonical_json()
        == parse_scenario((tmp_path / "child.yaml").read_text(encoding="utf-8")).canonical_json()
    )
