"""The local executor: a process pool whose workers each keep one warm kernel."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from mineral_briefs.render.early import take_early, terminate_tree
from mineral_briefs.render.kernel import KERNEL_NAME, _state, kernel_pids, preload
from mineral_briefs.render.worker import (
    RenderOutcome,
    RenderTask,
    finish_prefetch,
    render_group,
    render_one,
    start_prefetch,
)
from mineral_briefs.startup import lower_thread_priority

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ProcessPoolExecutor

# NOTE: every module logs to the one "mineral_briefs.render" logger: run.py attaches render.log
# and the console forwarding to it, so a move between modules never changes the log.
logger = logging.getLogger("mineral_briefs.render")


def _exit_when_orphaned() -> None:
    """Block until the render process is gone, then kill this worker's kernels and leave.

    A render killed with SIGKILL cannot stop its workers, and each worker's kernel lives in its
    own session: without this they stay alive (about 475 MB for a 2-worker run). The parent's
    ``multiprocessing`` sentinel becomes ready when the parent exits, so this thread waits on it
    (no polling) and then takes the kernels down by process group.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return
    wait([parent.sentinel])
    for pid in kernel_pids():
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
    os._exit(1)


def _leave_without_teardown() -> None:
    """The worker's last exit handler: flush the logs and streams, then leave at once.

    Registered first, so it runs after every handler registered later (the kernels' shutdown
    among them: :func:`.kernel._state`). What it skips is the interpreter's teardown of a heap
    holding pandas, altair, nbconvert and the data (about 0.3 s of CPU per worker at the end of
    every render, measured with ``strace``), which frees nothing the operating system would not.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _pool_init(log_level: int, cwd: str | None = None) -> None:
    """ProcessPool initializer: ignore SIGINT (the parent coordinates), watch for the parent's
    death, start the kernel, and load the exporter and the Vega bundle while the kernel boots."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # NOTE: no automatic garbage collections while this process imports jupyter_client,
    # papermill and nbconvert (on again after the warm-up: _warm_up; 40 ms less CPU).
    gc.disable()
    atexit.register(_leave_without_teardown)
    threading.Thread(target=_exit_when_orphaned, name="orphan-watch", daemon=True).start()
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("traitlets", "papermill", "nbclient"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    st = _state()
    if cwd:
        with contextlib.suppress(Exception):
            km = st.kernel(cwd, KERNEL_NAME, 60.0)
            # NOTE: the kernel imports the toolkit and reads the data while this process
            # imports papermill and loads the exporter (issue 16: cold single brief); this
            # interpreter's kernel does so by itself at start (render_kernel.PRELOAD_ENV).
            if not st.preloads:
                warm = threading.Thread(
                    target=preload, args=(km,), name="kernel-preload", daemon=True
                )
                warm.start()
                st.warming = warm
    # NOTE (issue 16, 2026-12-02): papermill and the exporter are needed only when the kernel
    # is ready and after its last cell. Loaded in the main thread, their 0.7 s of CPU came
    # before the kernel's first cell; in their own thread papermill loads while the kernel
    # boots, and the exporter (0.4 CPU-s) at low priority uses what the kernel's boot and the
    # prefetch's runs leave. The first brief waits for papermill's import and the first export
    # for the exporter (worker._export), so no work is skipped.
    st.exporter = threading.Thread(target=_warm_up, name="worker-warm-up", daemon=True)
    st.exporter.start()


WARM_UP_NICENESS: int = 10
"""Niceness of a worker's warm-up thread (Linux; elsewhere it runs at normal priority)."""


def _warm_up() -> None:
    """Import papermill, then load the exporter (:func:`_load_exporter`) at low priority.

    # NOTE (issue 16, 2026-12-02): papermill at the thread's normal priority: the kernel's
    # first cell waits for it. With the worker started before the plan (start_early) the
    # kernel was ready at 1.05 s and the low-priority import ended at 1.20 s; at normal
    # priority it ends at 0.7 s. The exporter is needed only after the last cell.
    """
    try:
        with contextlib.suppress(Exception):
            import papermill  # noqa: F401
        lower_thread_priority(WARM_UP_NICENESS)
        _load_exporter()
    finally:
        gc.enable()  # off since _pool_init


def _load_exporter() -> None:
    """Load the HTML exporter and the Vega bundle (each cached for the process), and export an
    empty notebook once (:func:`mineral_briefs.export.warm_exporter`)."""
    with contextlib.suppress(Exception):
        from mineral_briefs.export import warm_exporter

        warm_exporter()


def spare_cores(briefs: int) -> bool:
    """Whether the machine has a core the run's kernels leave idle (:func:`spare_rule` on the
    busy cores measured over the next 50 ms).

    # NOTE: the prefetch helper (issue 16) is speculative work, about 2 CPU-s per brief on
    # top of the kernel's; it shortens a cold brief only when it runs on an otherwise idle
    # core. With a worker per core, or a machine already busy, it would compete instead.
    # The 1-minute load average used before lagged: it still counted this toolkit's own
    # render that had just ended, and turned the helper off for the next brief on an idle box.
    """
    import psutil

    cores = os.cpu_count() or 1
    if briefs >= cores:
        return False
    busy = psutil.cpu_percent(interval=0.05) / 100.0 * cores
    return spare_rule(briefs, cores, busy)


class IdleSampler:
    """:func:`spare_cores` without the 50 ms wait: the busy cores are measured over a span this
    process spent anyway, less its own CPU time (other processes' load is what counts).

    The render process marks the start of a run and decides after its checks; the preview
    marks the end of each render and decides at the next save (the span it idled while the
    analyst edited). :meth:`spare` less than 50 ms after :meth:`mark`, or without one, samples
    the next 50 ms like :func:`spare_cores`.
    """

    MIN_S = 0.05

    def __init__(self) -> None:
        self._since: tuple[float, float, float, float] | None = None

    @staticmethod
    def _times() -> tuple[float, float, float, float]:
        """(monotonic time, system CPU time, system idle time, this process's CPU time) [s]."""
        import psutil

        t = psutil.cpu_times()
        idle = t.idle + getattr(t, "iowait", 0.0)
        # NOTE: guest time is counted in user time already (Linux), as psutil does
        total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
        me = psutil.Process()
        own = me.cpu_times()
        # NOTE: this run's own workers and kernels (an early pool: start_early) are not load,
        # whether still running or ended and reaped since the mark
        mine = own.user + own.system + own.children_user + own.children_system
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                ct = child.cpu_times()
                mine += ct.user + ct.system
        return time.monotonic(), total, idle, mine

    def mark(self) -> IdleSampler:
        """Start the span (returns the sampler)."""
        self._since = self._times()
        return self

    def spare(self, briefs: int) -> bool:
        """:func:`spare_rule` on the cores other processes kept busy since :meth:`mark` (else
        over the next 50 ms); the span is used once."""
        cores = os.cpu_count() or 1
        if briefs >= cores:
            return False
        start, self._since = self._since, None
        if start is None or time.monotonic() - start[0] < self.MIN_S:
            return spare_cores(briefs)
        _, total, idle, own = self._times()
        span = total - start[1]
        if span <= 0:
            return spare_cores(briefs)
        busy = (span - (idle - start[2]) - (own - start[3])) / span
        return spare_rule(briefs, cores, max(0.0, busy) * cores)


def spare_rule(briefs: int, cores: int, busy_cores: float) -> bool:
    """A helper may run when the briefs' kernels plus the helper fit on the cores that are not
    busy now, with half a core of slack for the sampling noise."""
    return briefs + 1 <= cores - busy_cores + 0.5


def _kill_kernels(pids: Iterable[int]) -> None:
    import psutil

    for pid in set(pids):
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(pid)
            if "ipykernel" in " ".join(p.cmdline()):
                p.kill()


def _failed_outcome(task: RenderTask, kind: str, exc: BaseException, message: str) -> RenderOutcome:
    return RenderOutcome(
        name=task.name,
        status="failed",
        error={"kind": kind, "cell": None, "ename": type(exc).__name__, "evalue": message},
    )


def _manager(pool: Any) -> threading.Thread | None:
    """The pool's manager thread, which ends once every worker has exited and been joined."""
    thread = getattr(pool, "_executor_manager_thread", None)
    return thread if isinstance(thread, threading.Thread) else None


def _start_pool(tasks: list[RenderTask], jobs: int, ctx: Any, level: int) -> ProcessPoolExecutor:
    """A process pool of at most ``jobs`` workers for ``tasks``, its initializer primed.

    The workers' kernels start in the tasks' folder when they share one.
    """
    from concurrent.futures import ProcessPoolExecutor

    n = max(1, min(jobs, len(tasks)))
    cwds = {t.cwd for t in tasks}
    first_cwd = tasks[0].cwd if len(cwds) == 1 else None
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=ctx,
        initializer=_pool_init,
        initargs=(level, first_cwd),
    )


def _prefetch_here(tasks: Sequence[RenderTask]) -> tuple[list[RenderTask], RenderTask | None]:
    """For a lone brief asking for a prefetch: start it in this process and hand the worker the
    task without it; else the tasks unchanged and None.

    # NOTE (issue 16, cold single brief): this process only waits for the worker, while the
    # worker's own time until the kernel is ready goes to papermill and the exporter; a
    # prefetch thread there shared that process's GIL with them (0.4 s between the kernel's
    # preload and its first cell, measured 2026-12-02) and started 0.2 s later. Here it starts
    # while the worker spawns, on the core the kernel's boot leaves.
    """
    if len(tasks) != 1 or not tasks[0].prefetch:
        return list(tasks), None
    task = tasks[0]
    if start_prefetch(task, cold=True) is None:
        return list(tasks), None
    return [dataclasses.replace(task, prefetch=False)], task


def _outcomes(fut: Future[Any], unit: list[RenderTask], attempt: int) -> list[RenderOutcome] | None:
    """The outcomes of a unit (one task, or a group on one worker), or None when its worker
    died on the first attempt (retry its tasks)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        got = fut.result()
        return list(got) if isinstance(got, list) else [got]
    except BrokenProcessPool as exc:
        if attempt == 1:
            return None
        return [
            _failed_outcome(t, "worker_died", exc, "the render worker process died") for t in unit
        ]
    except Exception as exc:  # noqa: BLE001
        return [_failed_outcome(t, "error", exc, str(exc)[:500]) for t in unit]


def _units(tasks: Sequence[RenderTask]) -> list[list[RenderTask]]:
    """Tasks as the pool receives them: neighbours of one non-empty ``group`` together."""
    units: list[list[RenderTask]] = []
    for t in tasks:
        if units and t.group and units[-1][-1].group == t.group:
            units[-1].append(t)
        else:
            units.append([t])
    return units


def _submit(pool: ProcessPoolExecutor, unit: list[RenderTask]) -> Future[Any]:
    if len(unit) == 1:
        return pool.submit(render_one, unit[0])
    return pool.submit(render_group, unit)


def _stop_pool(
    pool: ProcessPoolExecutor,
    early: tuple[dict[int, Any], threading.Thread | None] | None,
    pending: Iterable[Future[RenderOutcome]],
    orderly: bool,
    kernel_pids: set[int],
) -> None:
    """Stop the pool's workers: wait for them after an orderly end, else cancel what is left
    and terminate them (with their kernels); ``early`` holds the workers and manager thread of
    a pool already told to shut down when its last brief came back."""
    t_stop = time.perf_counter()
    procs = early[0] if early else dict(getattr(pool, "_processes", None) or {})
    if orderly:
        pool.shutdown(wait=True)
        if early and early[1] is not None:
            early[1].join()
    else:
        for fut in pending:
            fut.cancel()
        terminate_tree(list(procs))
        pool.shutdown(wait=False, cancel_futures=True)
    _kill_kernels(kernel_pids)
    logger.info("workers stopped in %.1f s", time.perf_counter() - t_stop)


def run_local(tasks: Sequence[RenderTask], jobs: int) -> Iterator[RenderOutcome]:
    """Render tasks on a process pool of ``jobs`` workers, yielding outcomes as they finish.

    If a worker process dies (not a kernel: that is handled inside the worker), the pool breaks;
    the unfinished tasks are retried once (tooling.md §6.8), each in its own one-worker pool so
    that the task that kills its worker cannot take innocent ones down again; it is reported as
    ``worker_died``.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, wait

    ctx = mp.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    kernel_pids: set[int] = set()
    tasks, prefetched = _prefetch_here(tasks)
    batches: list[list[RenderTask]] = [list(tasks)]
    try:
        attempt = 0
        while batches:
            remaining = batches.pop(0)
            attempt += 1
            pool = (take_early(remaining, level) if attempt == 1 else None) or _start_pool(
                remaining, jobs, ctx, level
            )
            pending: dict[Future[Any], list[RenderTask]] = {}
            broken: list[RenderTask] = []
            clean = False
            early: tuple[dict[int, Any], threading.Thread | None] | None = None
            try:
                for unit in _units(remaining):
                    pending[_submit(pool, unit)] = unit
                while pending:
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED, timeout=0.5)
                    if done and len(done) == len(pending):
                        # NOTE: every brief is back: the workers stop (their kernels shut down)
                        # while the caller stores the last pages and writes the index.
                        early = (dict(getattr(pool, "_processes", None) or {}), _manager(pool))
                        pool.shutdown(wait=False)
                    for fut in done:
                        unit = pending.pop(fut)
                        outcomes = _outcomes(fut, unit, attempt)
                        if outcomes is None:
                            broken.extend(unit)
                            continue
                        for k, outcome in enumerate(outcomes, start=1):
                            if outcome.kernel_pid:
                                kernel_pids.add(outcome.kernel_pid)
                            # the caller may close this generator once it has the last outcome
                            clean = not pending and not broken and k == len(outcomes)
                            if clean:
                                # NOTE: every kernel is idle now: ending them here spares each
                                # worker's shutdown its interrupt/kill/poll round.
                                _kill_kernels(kernel_pids)
                            yield outcome
                clean = True
            finally:
                _stop_pool(pool, early, pending, clean and not broken, kernel_pids)
            if broken:
                logger.warning(
                    "a render worker died; retrying %d unfinished brief(s), one per fresh worker",
                    len(broken),
                )
                batches.extend([t] for t in broken)
    finally:
        if prefetched is not None:
            # NOTE: after an interrupt the helper is left to die with the process (a cached
            # entry is written to a temporary folder and renamed, so none is half-written);
            # otherwise its last run is stored before the caller goes on.
            interrupted = sys.exc_info()[0] not in (None, GeneratorExit)
            if not interrupted:
                finish_prefetch(prefetched)
