"""A lone brief's worker started before its run is planned (issue 16, cold single brief).

``mineral-briefs render SCENARIO --language L`` on the local executor calls :func:`start_early`
first: a one-worker pool spawns its worker, which launches its kernel, while the render process
plans. :func:`mineral_briefs.render.pool.run_local` takes that pool when its tasks match
(:func:`take_early`); otherwise, or when nothing is rendered, :func:`stop_early` ends the worker
and its kernel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ProcessPoolExecutor

    from mineral_briefs.render.worker import RenderTask

# NOTE: the one "mineral_briefs.render" logger (run.py attaches render.log to it)
logger = logging.getLogger("mineral_briefs.render")


_EARLY: dict[str, Any] = {}
"""The pool started by :func:`start_early` and not yet taken by ``run_local``: ``pool``,
``started`` (the future of its no-op task), ``cwd`` and ``level``."""

EARLY_STOP_WAIT_S: float = 10.0
"""Longest wait, when an early pool is stopped, for its worker to have launched its kernel (so
that the kernel is found and stopped with it, never left behind)."""


def _started() -> None:
    """A no-op task: submitted to an early pool, it makes the pool spawn its worker now; done
    once the worker's initializer has launched its kernel."""


def start_early(cwd: str) -> None:
    """Start a one-worker pool (its worker and kernel) for a lone brief before the run is
    planned; ``run_local`` takes it when its tasks match (:func:`take_early`), :func:`stop_early`
    ends it otherwise.

    Parameters
    ----------
    cwd
        Folder the brief notebook runs in (its kernel starts there): the notebook's folder.

    # NOTE (issue 16, cold single brief): the worker spawns, imports jupyter_client and
    # launches its kernel (0.15 s), and the kernel boots (0.8 CPU-s), while this process plans
    # (0.17 s on one core) instead of after it: the kernel launched at 0.23 s instead of
    # 0.37 s, and a cold controls_oct2025 brief took 2.21 s instead of 2.33 s (medians of
    # eight alternating runs, 2026-12-02).
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from mineral_briefs.render.pool import _pool_init

    stop_early()
    level = logging.getLogger().getEffectiveLevel()
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=mp.get_context("spawn"),
        initializer=_pool_init,
        initargs=(level, cwd),
    )
    _EARLY.update(pool=pool, started=pool.submit(_started), cwd=cwd, level=level)


def take_early(tasks: Sequence[RenderTask], level: int) -> ProcessPoolExecutor | None:
    """The early pool when it serves ``tasks`` (one task, in its folder, at this log level),
    else None (an early pool that does not serve them is stopped)."""
    if not _EARLY:
        return None
    if len(tasks) == 1 and tasks[0].cwd == _EARLY["cwd"] and level == _EARLY["level"]:
        pool: ProcessPoolExecutor = _EARLY["pool"]
        _EARLY.clear()
        logger.info("the worker started before the plan renders %s", tasks[0].name)
        return pool
    stop_early()
    return None


def stop_early() -> None:
    """Stop an early pool nobody took (a run with nothing to render, or an error before it):
    its worker and kernel are terminated once the worker has launched the kernel."""
    pool, started = _EARLY.get("pool"), _EARLY.get("started")
    _EARLY.clear()
    if pool is None or started is None:
        return
    with contextlib.suppress(Exception):
        started.result(timeout=EARLY_STOP_WAIT_S)
    terminate_tree(list(getattr(pool, "_processes", None) or {}))
    pool.shutdown(wait=False, cancel_futures=True)


def terminate_tree(pids: list[int], timeout: float = 3.0) -> None:
    """Terminate processes and all their descendants (kernels live in their own sessions); kill
    what is still running after ``timeout`` seconds.

    # NOTE: a descendant that has exited counts as gone even before it is reaped. The kernel
    # is the worker's child, and once the worker is gone only init reaps it: waiting for that
    # (psutil.wait_procs) added 2 s to a single brief's "nothing changed" run and to every
    # interrupted render. (Here, not in pool.py, which imports this module.)
    """
    import time

    import psutil

    procs: list[psutil.Process] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            procs.extend([*proc.children(recursive=True), proc])
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()

    def running(proc: psutil.Process) -> bool:
        try:
            return proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    deadline = time.monotonic() + timeout
    while (left := [p for p in procs if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.01)
    for proc in left:
        with contextlib.suppress(psutil.Error):
            proc.kill()
