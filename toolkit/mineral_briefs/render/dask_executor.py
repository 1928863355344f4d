"""The Dask executor: fan briefs out to a ``distributed`` cluster; only the client writes files.

Before any brief is sent, every worker is asked (``Client.run``) for its fingerprint — the
mineral_briefs version and source hash, the key package versions and the sha256 of every data
file it would read — and the run is refused when any worker differs from the client, naming the
worker and what differs. A brief is only sent as text (notebook JSON and the resolved scenario),
so nothing depends on the client's paths. The client never waits for ever: no worker for
``worker_timeout`` seconds (none joined, or all lost) ends the run with the remaining briefs
marked failed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mineral_briefs.errors import RenderError
from mineral_briefs.render.keys import KeyContext
from mineral_briefs.render.worker import RenderOutcome, RenderTask, render_one

DEFAULT_WORKER_TIMEOUT_S = 60.0
"""Seconds the client waits for a Dask worker (to join, or to come back after all were lost)."""

CONNECT_TIMEOUT_S = 20.0
"""Seconds to reach the scheduler itself."""


def fingerprint_of(ctx: KeyContext) -> dict[str, Any]:
    """What must be equal on client and workers: toolkit version and source, packages, data."""
    return {
        "mineral_briefs": ctx.toolkit_version,
        "toolkit_source": ctx.toolkit_source,
        "packages": dict(ctx.packages),
        "data": dict(ctx.data),
    }


def fingerprint_digest(fp: Mapping[str, Any]) -> str:
    """sha256 of a fingerprint's canonical JSON."""
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()


def worker_fingerprint() -> dict[str, Any]:
    """The fingerprint of this process (run on each worker through ``Client.run``).

    Data files are found as the worker's kernels find them: ``$MINERAL_BRIEFS_DATA``, else the
    workspace at the worker's working directory, else the built-in data.
    """
    from mineral_briefs.render.keys import key_context

    return fingerprint_of(key_context())


def _differences(client: Mapping[str, Any], worker: Mapping[str, Any]) -> list[str]:
    """Human lines naming what differs between the client's and a worker's fingerprint."""
    out: list[str] = []
    if client["mineral_briefs"] != worker.get("mineral_briefs"):
        out.append(
            f"mineral_briefs {worker.get('mineral_briefs')} on the worker, "
            f"{client['mineral_briefs']} on the client"
        )
    elif client["toolkit_source"] != worker.get("toolkit_source"):
        out.append("mineral_briefs source files differ (same version, edited copy)")
    wpk = worker.get("packages") or {}
    for name, version in sorted(client["packages"].items()):
        if wpk.get(name) != version:
            out.append(f"{name} {wpk.get(name, 'absent')} on the worker, {version} on the client")
    cdata, wdata = client["data"], worker.get("data") or {}
    changed = sorted(n for n in cdata if n in wdata and wdata[n] != cdata[n])
    missing = sorted(n for n in cdata if n not in wdata)
    extra = sorted(n for n in wdata if n not in cdata)
    for label, names in (
        ("data files differ", changed),
        ("data files missing on the worker", missing),
        ("data files only on the worker", extra),
    ):
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            out.append(f"{label}: {shown}")
    return out


def _no_package(exc: BaseException) -> bool:
    """Whether ``exc`` says mineral_briefs cannot be imported (the worker wraps it as text)."""
    return "No module named 'mineral_briefs" in str(exc) or "No module named mineral_briefs" in str(
        exc
    )


def _worker_error(addr: str, exc: BaseException) -> str:
    """The line for a worker whose fingerprint could not be taken."""
    text = f"{type(exc).__name__}: {exc}"
    if _no_package(exc):
        return f"{addr}: mineral_briefs is not installed on this worker ({text})"
    return f"{addr}: could not check the worker ({text[:300]})"


def check_workers(client: Any, expected: Mapping[str, Any], scheduler: str, wait_s: float) -> int:
    """Wait up to ``wait_s`` for a worker, then refuse any worker that differs from the client.

    Returns
    -------
    int
        The number of workers checked.

    Raises
    ------
    RenderError
        No worker within ``wait_s``, or one line per mismatched or broken worker.
    """
    try:
        client.wait_for_workers(1, timeout=wait_s)
    except TimeoutError:
        raise RenderError(
            f"no Dask worker joined the scheduler {scheduler} within {wait_s:g} s "
            "(start `dask worker` processes, or raise --worker-timeout)"
        ) from None
    answers = client.run(worker_fingerprint, on_error="return")
    problems: list[str] = []
    for addr, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            problems.append(_worker_error(addr, answer))
            continue
        diff = _differences(expected, answer)
        if diff:
            problems.append(f"{addr}: " + "; ".join(diff))
    if problems:
        raise RenderError(
            f"{len(problems)} of {len(answers)} Dask worker(s) differ from this client; every "
            "worker needs the same mineral_briefs wheel and the same data "
            "(docs/rendering.md, 'Scaling out with Dask'):\n  " + "\n  ".join(problems)
        )
    return len(answers)


def _dask_render(task: RenderTask, expected: str) -> RenderOutcome:
    """Dask task: refuse to render on a worker whose fingerprint differs, else render."""
    import socket

    fp = worker_fingerprint()
    if fingerprint_digest(fp) != expected:
        return RenderOutcome(
            name=task.name,
            status="failed",
            worker=socket.gethostname(),
            error={
                "kind": "worker_mismatch",
                "cell": None,
                "ename": "WorkerMismatch",
                "evalue": "this worker's mineral_briefs, packages or data differ from the client "
                "(it joined after the check at connect); not rendered",
            },
        )
    return render_one(task)


def _lost(task: RenderTask, kind: str, exc_name: str, message: str) -> RenderOutcome:
    return RenderOutcome(
        name=task.name,
        status="failed",
        error={"kind": kind, "cell": None, "ename": exc_name, "evalue": message[:500]},
    )


def run_dask(
    tasks: Sequence[RenderTask],
    scheduler: str,
    ctx: KeyContext,
    *,
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT_S,
) -> Iterator[RenderOutcome]:
    """Fan tasks out to a dask.distributed cluster; results come back as bytes.

    Parameters
    ----------
    tasks
        Self-contained tasks (notebook and scenario as text).
    scheduler
        ``tcp://HOST:PORT`` (or ``tls://…``) of a running ``dask scheduler``.
    ctx
        The client's key context: every worker must match it (see :func:`check_workers`).
    worker_timeout
        Seconds [s] to wait while the cluster has no worker (at start, or after losing all).

    Raises
    ------
    RenderError
        Scheduler unreachable, no worker in time, or a worker that differs from the client.
    """
    from distributed import Client

    if not scheduler:
        raise RenderError("--executor dask needs --scheduler tcp://HOST:PORT")
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S:g}s")
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    try:
        expected = fingerprint_of(ctx)
        check_workers(client, expected, scheduler, worker_timeout)
        futures = client.map(
            _dask_render,
            list(tasks),
            expected=fingerprint_digest(expected),
            key=[f"render-{t.name}-{t.rendered_at}" for t in tasks],
            pure=False,
            retries=0,
        )
        yield from _collect(client, futures, list(tasks), worker_timeout)
    finally:
        client.close()


def _collect(
    client: Any, futures: list[Any], tasks: list[RenderTask], worker_timeout: float
) -> Iterator[RenderOutcome]:
    """Yield outcomes as futures finish; give up on the rest after ``worker_timeout`` alone."""
    from distributed import wait

    by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
    pending = set(futures)
    alone_since: float | None = None
    # NOTE: poll often enough to notice a lost cluster well within the timeout, but not so often
    # that the scheduler is busy answering; a finished brief wakes the wait at once.
    poll = min(2.0, max(0.2, worker_timeout / 10))
    while pending:
        try:
            done, not_done = wait(list(pending), timeout=poll, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done, not_done = set(), pending
        pending = set(not_done)
        for fut in done:
            yield _outcome(fut, by_key[fut.key])
        if done or not pending:
            alone_since = None
            continue
        if client.nthreads():
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since >= worker_timeout:
            client.cancel(list(pending))
            msg = f"no Dask worker for {worker_timeout:g} s (all workers lost); brief not rendered"
            for fut in pending:
                yield _lost(by_key[fut.key], "no_workers", "NoWorkers", msg)
            return


def _outcome(fut: Any, task: RenderTask) -> RenderOutcome:
    """The outcome of a finished future; a task error (lost worker, …) becomes a failure."""
    try:
        result: RenderOutcome = fut.result()
        return result
    except Exception as exc:  # noqa: BLE001 - a worker died, lost, …
        text = str(exc)
        if _no_package(exc):
            text = f"mineral_briefs is not installed on the worker that took this brief ({text})"
        return _lost(task, "worker_died", type(exc).__name__, text)
