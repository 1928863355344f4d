"""The run: :func:`render` skips unchanged briefs, runs the rest on an executor, stores outcomes."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mineral_briefs.render.atomic import _remove_temp_files
from mineral_briefs.render.checks import (
    _check_data,
    _check_options,
    _check_parameters,
    _check_scenarios,
)
from mineral_briefs.render.dask_executor import DEFAULT_WORKER_TIMEOUT_S, run_dask
from mineral_briefs.render.keys import KeyContext, cache_key, key_context
from mineral_briefs.render.layout import INDEX, MANIFEST
from mineral_briefs.render.lock import output_lock
from mineral_briefs.render.manifest import _store_outcome, _write_manifest_and_index, load_manifest
from mineral_briefs.render.methodology import METHODOLOGY_HTML
from mineral_briefs.render.order import group_of, groups_pay, schedule
from mineral_briefs.render.plan import BriefJob
from mineral_briefs.render.pool import IdleSampler, run_local
from mineral_briefs.render.report import BriefResult, Reporter, RunReport, _error_line
from mineral_briefs.render.retention import (
    apply_retention,
    expand_out,
    previous_run,
    reuse_files,
    run_succeeded,
    set_aside_failed_run,
    update_latest,
)
from mineral_briefs.render.runlog import run_log
from mineral_briefs.render.signals import Interrupted, _signals_raise
from mineral_briefs.render.worker import RenderOutcome, RenderTask

# NOTE: every module logs to the one "mineral_briefs.render" logger: run.py attaches render.log
# and the console forwarding to it, so a move between modules never changes the log.
logger = logging.getLogger("mineral_briefs.render")

DEFAULT_TIMEOUT_S = 300.0


def render(
    jobs: Sequence[BriefJob],
    out: str | Path = "reports",
    *,
    workers: int | None = None,
    force: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    executor: str = "local",
    scheduler: str | None = None,
    worker_timeout: float = DEFAULT_WORKER_TIMEOUT_S,
    pdf: bool = False,
    keep: int | None = None,
    lock_timeout: float = 0.0,
    data_dir: Path | None = None,
    reporter: Reporter | None = None,
    now: dt.datetime | None = None,
    idle: IdleSampler | None = None,
) -> RunReport:
    """Render briefs into ``out`` (see the package docstring for the pipeline).

    Parameters
    ----------
    jobs
        From :func:`plan_briefs` (or hand-built, e.g. a test notebook).
    out
        Output folder; ``{date}`` expands to today's date (UTC) and then updates ``latest``.
    workers
        Parallel workers (default: the number of cores).
    force, timeout
        Re-render even when the cache key is unchanged; per-cell timeout [s] (``None``: none).
    executor, scheduler
        ``local`` (process pool) or ``dask`` (``scheduler`` = ``tcp://host:port``).
    worker_timeout
        Dask only: seconds [s] to wait while the cluster has no worker (none joined yet, or all
        lost); the briefs left are then failed instead of waiting for ever.
    pdf, keep
        Also print each brief to PDF with the system Chromium; keep only the newest ``keep``
        dated sibling runs (only with ``{date}`` in ``out``).
    lock_timeout
        Seconds to wait for another run writing ``out`` (0: fail at once).
    data_dir
        Data folder for the cache key (default :func:`default_data_dir`).
    reporter
        Progress callback (the CLI draws rich progress or plain lines).
    now, idle
        The run's time (default: now, UTC); a spare-core sampler the caller marked as it began.

    Returns
    -------
    RunReport
        ``exit_code`` 0 when every brief is rendered or unchanged.
    """
    t_start = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    out_dir, dated, new_dated = _out_folder(out, now)
    ctx = key_context(data_dir)
    # NOTE: scenarios that do not fit the data are refused before the output folder, its log
    # or a kernel exists (exit 2, nothing touched), like scenarios that fail their schema
    _check_scenarios(jobs, data_dir, ctx)
    chromium = _check_options(
        out_dir, dated=dated, keep=keep, executor=executor, scheduler=scheduler, pdf=pdf
    )
    report = RunReport(out=out_dir)
    emit: Reporter = reporter or (lambda event, info: None)
    settings = _Settings(
        force=force,
        timeout=timeout,
        executor=executor,
        scheduler=scheduler,
        worker_timeout=worker_timeout,
        pdf_exe=chromium,
        workers=workers,
        data_dir=data_dir,
        emit=emit,
        now=now,
        previous=previous_run(out_dir) if dated else None,
        idle=idle or IdleSampler().mark(),
        ctx=ctx,
    )
    _run_and_close(jobs, report, settings, lock_timeout, dated, new_dated, keep, t_start)
    return report


def _out_folder(out: str | Path, now: dt.datetime) -> tuple[Path, bool, bool]:
    """``(folder, dated, new_dated)``: ``out`` with ``{date}`` expanded, whether it holds
    ``{date}``, and whether this run makes that dated folder.

    NOTE: only a dated folder this run makes is set aside when nothing in it rendered; a
    folder named by the user, or one an earlier run of the day made, is never moved.
    """
    dated = "{date}" in str(out)
    out_dir = expand_out(out, now)
    return out_dir, dated, dated and not os.path.lexists(out_dir)


def _run_and_close(
    jobs: Sequence[BriefJob],
    report: RunReport,
    settings: _Settings,
    lock_timeout: float,
    dated: bool,
    new_dated: bool,
    keep: int | None,
    t_start: float,
) -> None:
    """Run under the lock and close the run (index, retention); a dated folder this run made
    in which nothing was stored is set aside as ``<date>.failed`` (also on an exception)."""
    out_dir = report.out
    try:
        with run_log(out_dir):
            _run_under_lock(jobs, out_dir, report, settings, lock_timeout)
            _close_run(report, out_dir, dated=dated, keep=keep, t_start=t_start, emit=settings.emit)
    except BaseException:
        if new_dated and not report.stored:
            set_aside_failed_run(out_dir, attempted=report.kernels_started)
        raise
    if new_dated and report.exit_code != 0 and not report.stored:
        report.out = set_aside_failed_run(out_dir, attempted=report.kernels_started) or out_dir


def _close_run(
    report: RunReport,
    out_dir: Path,
    *,
    dated: bool,
    keep: int | None,
    t_start: float,
    emit: Reporter,
) -> None:
    """After the lock: move ``latest`` and apply retention (dated runs), time and log the run."""
    if dated and not report.interrupted:
        # NOTE: `latest` only ever points at a complete good run, and only such a run prunes
        # older ones (--keep): a failed run never costs a good one. A failed run whose folder
        # holds a brief stays in it for inspection; retention counts good runs only.
        if run_succeeded(out_dir):
            update_latest(out_dir)
            if keep is not None:
                apply_retention(out_dir, keep)
        else:
            logger.warning(
                "latest not moved%s: %s is not a complete good run",
                "" if keep is None else " and no run removed (--keep)",
                out_dir.name,
            )
    report.seconds = time.perf_counter() - t_start
    logger.info("%s", report.summary())
    emit("finish", {"report": report})


@dataclass(frozen=True)
class _Settings:
    """The options of one run as the steps under the lock need them."""

    force: bool
    timeout: float | None
    executor: str
    scheduler: str | None
    worker_timeout: float
    pdf_exe: str | None
    workers: int | None
    data_dir: Path | None
    emit: Reporter
    now: dt.datetime
    previous: Path | None = None
    """A dated run's previous folder (``latest``): unchanged briefs are taken from it."""
    idle: IdleSampler = field(kw_only=True)
    """Whether a core is spare for a prefetch (marked as the run began: by the CLI before its
    plan, else by :func:`render`)."""
    ctx: KeyContext | None = field(default=None, kw_only=True)
    """The run-wide part of the cache keys, computed once before the run."""

    @property
    def stamp(self) -> str:
        """The run's time as the index and manifest show it."""
        return self.now.strftime("%Y-%m-%d %H:%M UTC")


def _run_under_lock(
    jobs: Sequence[BriefJob],
    out_dir: Path,
    report: RunReport,
    settings: _Settings,
    lock_timeout: float,
) -> None:
    """Hold the output lock for the run; SIGINT/SIGTERM cancel what is left; temp files go."""

    def waiting(pid: str) -> None:
        settings.emit("wait", {"out": out_dir, "pid": pid})

    with output_lock(out_dir, lock_timeout, on_wait=waiting), _signals_raise():
        _remove_temp_files(out_dir)  # stale temp files of a killed run (we hold the lock)
        try:
            _run_locked(jobs, out_dir, report, settings)
        except Interrupted as exc:
            _cancel_the_rest(report, jobs, exc)
        finally:
            removed = _remove_temp_files(out_dir)
            if removed:
                logger.info("removed %d temp file(s)", removed)


def _cancel_the_rest(report: RunReport, jobs: Sequence[BriefJob], exc: Interrupted) -> None:
    """Record an interrupted run: every brief without a result is ``cancelled``."""
    report.interrupted = str(exc)
    done = {r.name for r in report.results}
    report.results.extend(BriefResult(j.name, "cancelled") for j in jobs if j.name not in done)
    logger.error("interrupted by %s: workers stopped, previous briefs kept", exc)


_Todo = tuple[BriefJob, str, dict[str, str]]
"""A brief to render: its job, cache key and labelled input checksums."""


def _run_locked(
    jobs: Sequence[BriefJob], out: Path, report: RunReport, settings: _Settings
) -> None:
    """The run while holding the output lock: skip, render, store, write manifest and index."""
    emit, stamp = settings.emit, settings.stamp
    manifest = load_manifest(out)
    entries: dict[str, Any] = manifest["briefs"]
    ctx = settings.ctx or key_context(settings.data_dir)
    todo = _changed_briefs(jobs, out, entries, ctx, report, settings)
    n_workers = max(1, min(settings.workers or os.cpu_count() or 1, len(todo) or 1))
    grouped = settings.executor != "dask" and groups_pay(todo, n_workers)
    schedule(todo, entries, grouped=grouped)
    emit("plan", {"total": len(jobs), "todo": len(todo), "workers": n_workers})
    logger.info(
        "%d brief(s): %d to render, %d unchanged", len(jobs), len(todo), len(jobs) - len(todo)
    )

    manifest.update(
        schema=1,
        toolkit_version=ctx.toolkit_version,
        toolkit_source=ctx.toolkit_source,
        packages=dict(ctx.packages),
        data=dict(ctx.data),
    )
    if todo:
        declared = _check_parameters([j for j, _, _ in todo])
        _check_data(settings.data_dir, ctx)
        remote = settings.executor == "dask"
        # NOTE: a page links to its other-language version only when that page is in this
        # run's plan or already stored (manifest entry with its HTML on disk).
        siblings = tuple(
            sorted({j.name for j in jobs} | {n for n in entries if (out / f"{n}.html").is_file()})
        )
        # NOTE: judged once per run, on the other processes' CPU use since the run began
        # (a 50 ms sample here was on the path of every single brief)
        spare = settings.idle.spare(len(todo))
        tasks = [
            _task(
                j,
                settings.timeout,
                settings.now,
                remote=remote,
                takes_text="scenario_text" in declared[j.notebook],
                siblings=siblings,
                prefetch=j.kind == "brief" and spare,
                group=group_of(j, grouped),
            )
            for j, _, _ in todo
        ]
        report.kernels_started = True
        for t in tasks:
            emit("start", {"name": t.name})
        outcomes = (
            run_dask(tasks, settings.scheduler or "", ctx, worker_timeout=settings.worker_timeout)
            if remote
            else run_local(tasks, n_workers)
        )
        close = getattr(outcomes, "close", None) or (lambda: None)
        try:
            _store_outcomes(outcomes, todo, out, entries, ctx, report, settings)
        except BaseException:
            close()
            _write_manifest_and_index(out, manifest, stamp, report)
            raise
        # NOTE: the index first, then the workers' shutdown is waited for (they began it when
        # the last brief came back): the two overlap instead of adding up.
        _write_manifest_and_index(out, manifest, stamp, report)
        close()
    elif any(r.status == "reused" for r in report.results) or not all(
        (out / f).is_file() for f in (INDEX, MANIFEST, METHODOLOGY_HTML)
    ):
        _write_manifest_and_index(out, manifest, stamp, report)


def _changed_briefs(
    jobs: Sequence[BriefJob],
    out: Path,
    entries: dict[str, Any],
    ctx: KeyContext,
    report: RunReport,
    settings: _Settings,
) -> list[_Todo]:
    """Compute each brief's cache key; report the unchanged ones, return the rest.

    Unchanged in ``out`` is ``skipped``; unchanged in a dated run's previous folder is
    ``reused``: its files are hard-linked (or copied) here and its manifest entry carried over.
    """
    todo: list[_Todo] = []
    pdf_exe, previous = settings.pdf_exe, settings.previous
    before = load_manifest(previous)["briefs"] if previous and not settings.force else {}
    for job in jobs:
        key, inputs = cache_key(job, ctx)
        status = None
        if not settings.force and _up_to_date(entries.get(job.name) or {}, key, out, pdf_exe):
            status = "skipped"
        elif previous is not None and _reuse(job.name, key, before, previous, out, pdf_exe):
            entries[job.name] = dict(before[job.name], reused_from=previous.name)
            logger.info("%s reused from %s (unchanged)", job.name, previous.name)
            status = "reused"
        if status:
            report.results.append(BriefResult(job.name, status))
            settings.emit("done", {"name": job.name, "status": status, "seconds": 0.0})
        else:
            todo.append((job, key, inputs))
    return todo


def _reuse(
    name: str,
    key: str,
    before: dict[str, Any],
    previous: Path,
    out: Path,
    pdf_exe: str | None,
) -> bool:
    """Whether ``name`` is unchanged in the ``previous`` run and its files are now in ``out``."""
    entry = before.get(name) or {}
    return _up_to_date(entry, key, previous, pdf_exe) and reuse_files(
        previous, out, dict(entry["files"])
    )


def _up_to_date(prev: dict[str, Any], key: str, out: Path, pdf_exe: str | None) -> bool:
    """True when the manifest entry has this key and its files (and PDF, if asked) are there."""
    files = prev.get("files") or {}
    return bool(
        prev.get("status") == "ok"
        and prev.get("key") == key
        and files.get("html")
        and (out / files["html"]).is_file()
        and (pdf_exe is None or (files.get("pdf") and (out / files["pdf"]).is_file()))
    )


def _task(
    job: BriefJob,
    timeout: float | None,
    now: dt.datetime,
    *,
    remote: bool = False,
    takes_text: bool = False,
    siblings: tuple[str, ...] = (),
    prefetch: bool = False,
    group: str = "",
) -> RenderTask:
    """What a worker needs for ``job`` (plain, picklable values).

    ``remote`` (Dask): the worker may be another machine, so the notebook goes as text, the
    resolved scenario too when the notebook ``takes_text`` (declares ``scenario_text``), and
    the kernel starts in the worker's own folder.
    """
    params = dict(job.parameters)
    if not remote:
        return RenderTask(
            name=job.name,
            notebook=str(job.notebook.resolve()),
            parameters=params,
            cwd=str(job.notebook.resolve().parent),
            timeout=timeout,
            rendered_at=now.isoformat(timespec="seconds"),
            siblings=siblings,
            prefetch=prefetch,
            group=group,
        )
    if takes_text and isinstance(params.get("scenario"), str):
        from mineral_briefs.scenarios import load_scenario

        # NOTE: the resolved model (extends merged in) travels, not the file: a path given on
        # the client, or a workspace scenario, does not exist on the worker.
        scenario = load_scenario(params["scenario"])
        params["scenario"] = scenario.id
        params["scenario_text"] = scenario.canonical_json()
    return RenderTask(
        name=job.name,
        notebook=str(job.notebook),
        parameters=params,
        cwd="",
        timeout=timeout,
        rendered_at=now.isoformat(timespec="seconds"),
        notebook_text=job.notebook.read_text(encoding="utf-8"),
        siblings=siblings,
    )


def _store_outcomes(
    outcomes: Iterable[RenderOutcome],
    todo: Sequence[_Todo],
    out: Path,
    entries: dict[str, Any],
    ctx: KeyContext,
    report: RunReport,
    settings: _Settings,
) -> None:
    """Store each outcome as it arrives (files written atomically), then log and report it."""
    by_name = {j.name: (j, key, inputs) for j, key, inputs in todo}
    left = set(by_name)
    # NOTE: stop at the last brief's outcome without asking for more: the executor is then
    # closed by the caller after the index is written (see _run_locked).
    for outcome in outcomes:
        left.discard(outcome.name)
        job, key, inputs = by_name[outcome.name]
        result = _store_outcome(
            out, job, key, inputs, outcome, entries, settings.now, settings.pdf_exe
        )
        if result.status == "ok":  # a kept brief keeps the versions that made it
            entries[job.name]["toolkit_version"] = ctx.toolkit_version
            entries[job.name]["packages"] = dict(ctx.packages)
        report.results.append(result)
        _log_result(result, settings.emit)
        if not left:
            break


def _log_result(result: BriefResult, emit: Reporter) -> None:
    """One line in render.log (an error for a failure) and a ``done`` progress event."""
    level = logging.INFO if result.status == "ok" else logging.ERROR
    logger.log(
        level,
        "%s %s %.1fs%s",
        result.name,
        result.status,
        result.seconds,
        f" — {_error_line(result.error)}" if result.error else "",
    )
    emit(
        "done",
        {
            "name": result.name,
            "status": result.status,
            "seconds": result.seconds,
            "error": result.error,
        },
    )
