"""Render one brief in a worker: run the notebook on the warm kernel, export it, return bytes."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mineral_briefs.render.kernel import (
    _LAST,
    KERNEL_NAME,
    _kernel_pid,
    _register_engine,
    _state,
    _WorkerState,
)

RESET_SOURCE = """\
get_ipython().run_line_magic('reset', '-f')
import sys as _mb_sys, warnings as _mb_warnings
with _mb_warnings.catch_warnings():
    _mb_warnings.simplefilter('ignore')
    if 'pandas' in _mb_sys.modules:
        for _mb_opt in ('display', 'styler', 'mode', 'compute'):
            try:
                _mb_sys.modules['pandas'].reset_option(_mb_opt)
            except Exception:
                pass
    if 'altair' in _mb_sys.modules:
        _mb_alt = _mb_sys.modules['altair']
        _mb_alt.renderers.enable('default')
        _mb_alt.theme.enable('default')
        _mb_alt.data_transformers.enable('default')
        del _mb_alt
del _mb_sys, _mb_warnings
globals().pop('_mb_opt', None)
import gc as _mb_gc
_mb_gc.freeze()  # %reset -f has just collected the previous brief's cycles
del _mb_gc
"""
"""The hidden first cell of every brief on a reused kernel: a fresh namespace (``%reset -f``, which
keeps imported modules — the speed-up) plus the module-level settings a brief may change (pandas
options, Altair renderer/theme/data transformer) back to their defaults (tooling.md §4.4).

# NOTE: ``%reset -f`` ends with a ``gc.collect()`` (after clearing the namespace), so the previous
# brief's cycles are gone; what survives (modules, the dataset, toolkit caches) is then frozen
# (``gc.freeze``): the cyclic collector no longer walks those hundreds
# of thousands of objects, in the next reset's collections (``%reset`` runs ``gc.collect``: 0.2–
# 0.5 s per brief before, a few ms after) or while the brief runs. Only what is alive at the
# freeze is exempt — the brief's own objects are gone by then — and a kernel is restarted after
# ``RESTART_AFTER`` briefs, so nothing grows without bound."""


@dataclass
class RenderTask:
    """What a worker needs to render one brief (picklable, no open handles)."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    cwd: str
    timeout: float | None
    rendered_at: str
    kernel_name: str = KERNEL_NAME
    startup_timeout: float = 60.0
    notebook_text: str = ""
    """The notebook's JSON, when sent as text (Dask: the path exists on the client only)."""
    siblings: tuple[str, ...] = ()
    """Page names of the run's plan and of stored pages: the only pages a brief links to."""
    prefetch: bool = False
    """Compute the brief's engine runs in this worker while its kernel runs the notebook
    (:mod:`mineral_briefs.brief_runs.prefetch`): for a core that would otherwise idle."""
    group: str = ""
    """Briefs of one group (the languages of one engine result) may go to one worker, one after
    the other, so that the later ones find the results in the kernel's memory."""


@dataclass
class RenderOutcome:
    """What a worker sends back: the page and its extras, or the failure (bytes, not files)."""

    name: str
    status: str  # "ok" | "failed"
    html: bytes | None = None
    data_filename: str | None = None
    data_csv: str | None = None
    kpis_filename: str | None = None
    kpis_csv: str | None = None
    meta: dict[str, Any] | None = None
    charts: int = 0
    error: dict[str, Any] | None = None
    failed_notebook: str | None = None
    execute_s: float = 0.0
    export_s: float = 0.0
    cells_s: float = 0.0
    kernel_pid: int | None = None
    kernel_restarts: int = 0
    worker: str = ""


def _cell_sets(nb: Any) -> tuple[list[int], list[int]]:
    """Indices of the user's cells, and of cells the pipeline/papermill added."""
    from mineral_briefs.export import RESET_CELL_TAG

    added = {RESET_CELL_TAG, "injected-parameters", "papermill-error-cell-tag"}
    user: list[int] = []
    extra: list[int] = []
    for i, c in enumerate(nb.cells):
        tags = set(c.get("metadata", {}).get("tags", []))
        (extra if tags & added else user).append(i)
    return user, extra


def _failure_summary(nb: Any, kind: str, exc: BaseException) -> dict[str, Any]:
    """Error summary: kind, failing cell (index in the user's notebook), exception name/message."""
    cell_index: int | None = None
    ename = type(exc).__name__
    evalue = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
    if nb is not None:
        user, _ = _cell_sets(nb)
        # NOTE: a cell exception is marked "failed" by papermill (which then inserts banner cells,
        # shifting indices); a dead or hung kernel leaves no mark, so the on_cell_start hook's
        # index (taken before any insertion) names the interrupted cell.
        failed = [
            i
            for i in user
            if nb.cells[i].get("metadata", {}).get("papermill", {}).get("status") == "failed"
        ]
        running = failed[0] if failed else _LAST.data.get("cell")
        if isinstance(running, int) and running in user:
            cell_index = user.index(running)
            for out in nb.cells[running].get("outputs", []):
                if out.get("output_type") == "error":
                    ename, evalue = out.get("ename", ename), out.get("evalue", evalue)
    ename = getattr(exc, "ename", ename) if kind == "exception" else ename
    evalue = getattr(exc, "evalue", evalue) if kind == "exception" else evalue
    return {"kind": kind, "cell": cell_index, "ename": str(ename), "evalue": str(evalue)[:500]}


def _cells_seconds(nb: Any) -> float:
    user, _ = _cell_sets(nb)
    total = 0.0
    for i in user:
        d = nb.cells[i].get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(d, int | float):
            total += float(d)
    return total


MAX_BRIEF_BYTES = 25_000_000
"""Largest brief (HTML plus its downloads) a render accepts [bytes]. A brief is about 2–4 MB,
most of it the inlined chart library; a cell that prints 100 MB would otherwise be sent to
readers as an "ok" brief."""


def _refuse_oversized(out: RenderOutcome) -> None:
    """Turn an ``ok`` outcome whose files exceed :data:`MAX_BRIEF_BYTES` into a failure."""
    size = sum(len(x or b"") for x in (out.html,)) + sum(
        len(x or "") for x in (out.data_csv, out.kpis_csv)
    )
    if out.status == "ok" and size > MAX_BRIEF_BYTES:
        out.status = "failed"
        out.html = None
        out.error = {
            "kind": "too_large",
            "cell": None,
            "ename": "BriefTooLarge",
            "evalue": f"the brief is {size / 1e6:.0f} MB; allowed: at most "
            f"{MAX_BRIEF_BYTES / 1e6:.0f} MB (does a cell print a large table or log?)",
        }


def scrub_paths(text: str, task: RenderTask) -> str:
    """``text`` with the rendering machine's absolute paths replaced by short labels.

    A failed notebook is kept in ``_failed/`` of a possibly shared output folder; its metadata
    and tracebacks would otherwise name the home folder, the checkout and the Python prefix.
    Longest prefixes first, so a path inside the home folder keeps its most specific label.
    """
    import sys
    import tempfile

    labels = {
        str(Path(task.notebook).resolve().parent): "<notebooks>",
        str(Path(task.cwd).resolve()): "<workdir>",
        sys.prefix: "<python>",
        sys.base_prefix: "<python>",
        tempfile.gettempdir(): "<tmp>",
        str(Path.home()): "~",
    }
    for prefix in sorted((p for p in labels if len(p) > 1), key=len, reverse=True):
        text = text.replace(prefix, labels[prefix])
    return text


def render_group(tasks: list[RenderTask]) -> list[RenderOutcome]:
    """:func:`render_one` of each task, in order, on this worker's kernel (runs in a worker
    process): the languages of one scenario share its engine results in the kernel's memory
    instead of each kernel reading them from the disk cache."""
    return [render_one(task) for task in tasks]


def render_one(task: RenderTask) -> RenderOutcome:
    """Execute one brief on this worker's warm kernel and export it (runs in a worker process).

    Never raises for a notebook problem: failures come back as ``status="failed"`` with an error
    summary and the executed notebook.
    """
    import nbformat

    st = _state()
    with st.lock:
        # NOTE: the first brief waits for its kernel's preload here, outside its cell times:
        # the unique-work floor (bench/render.py) must not count kernel imports.
        st.wait_warm()
        t0 = time.perf_counter()
        out = RenderOutcome(
            name=task.name, status="failed", worker=f"{socket.gethostname()}:{os.getpid()}"
        )
        engine = _register_engine()
        nb = _with_reset_cell(task.notebook, task.notebook_text)
        _LAST.data.clear()
        restarts_before = st.restarts
        helper = start_prefetch(task)
        executed = _execute(st, task, nb, engine, out)
        out.execute_s = time.perf_counter() - t0
        if helper is not None:
            # NOTE: by now the kernel has read every run the helper computes (or failed):
            # joining keeps its CPU time inside this brief, never in the next one's.
            finish_prefetch(task)
        if executed is None and st.km is not None and not st.alive():
            st.shutdown()
        out.kernel_restarts = st.restarts - restarts_before
        if executed is not None:
            _export(executed, task, out)
            _refuse_oversized(out)
        failed_nb = (
            executed if out.status != "ok" and executed is not None else _LAST.data.get("nb")
        )
        if out.status != "ok" and failed_nb is not None:
            with contextlib.suppress(Exception):
                text = nbformat.writes(failed_nb)
                # NOTE: an oversized notebook is not kept either (the error names the size).
                if len(text) <= MAX_BRIEF_BYTES:
                    out.failed_notebook = scrub_paths(text, task)
        _LAST.data.clear()
        return out


_HELPERS: dict[str, threading.Thread] = {}
_HELPERS_LOCK = threading.Lock()


def _helper_body(parameters: dict[str, Any], central_first: bool) -> None:
    """:func:`mineral_briefs.brief_runs.prefetch.prefetch` (its errors left to the kernel's run)."""
    try:
        from mineral_briefs.brief_runs.prefetch import prefetch

        prefetch(parameters, central_first=central_first)
    except Exception as exc:  # noqa: BLE001 - the brief itself reports any problem
        logging.getLogger("mineral_briefs.render").debug("prefetch skipped: %s", exc)


def start_prefetch(task: RenderTask, *, cold: bool = False) -> threading.Thread | None:
    """Start, once per task, the thread that prefetches ``task``'s engine runs; None unless the
    task asks for it and is a brief.

    The local executor starts it in the render process for a lone brief, with ``cold`` (the
    kernel is still starting: the central run first, see
    :func:`mineral_briefs.brief_runs.prefetch.prefetch`; :func:`.pool.run_local`);
    :func:`render_one` starts it otherwise, and joins it after the notebook ran
    (:func:`finish_prefetch`).
    """
    if not task.prefetch or "scenario" not in task.parameters:
        return None
    with _HELPERS_LOCK:
        helper = _HELPERS.get(task.name)
        if helper is None:
            helper = threading.Thread(
                target=_helper_body,
                args=(dict(task.parameters), cold),
                name=f"prefetch-{task.name}",
                daemon=True,
            )
            _HELPERS[task.name] = helper
            helper.start()
    return helper


def finish_prefetch(task: RenderTask) -> None:
    """Wait for ``task``'s prefetch thread, if one was started here, and forget it."""
    with _HELPERS_LOCK:
        helper = _HELPERS.pop(task.name, None)
    if helper is not None:
        helper.join()


def _with_reset_cell(path: str, text: str = "") -> Any:
    """The notebook (``text``, else the file at ``path``) with :data:`RESET_SOURCE` as its
    hidden, tagged first cell."""
    import nbformat

    from mineral_briefs.export import RESET_CELL_TAG

    nb = nbformat.reads(text, as_version=4) if text else nbformat.read(path, as_version=4)
    reset = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": [RESET_CELL_TAG]})
    nb.cells.insert(0, reset)
    return nb


IOPUB_TIMEOUT_S: float = 60.0
"""How long a finished cell's output may lag behind its reply [s] (nbclient's
``iopub_timeout``; papermill raises when it passes). The default 4 s failed a CI run: right
after the brief is prepared, its ahead-of-time sections run in kernel threads, and on a loaded
2-core runner the kernel's IOPub thread waited longer than that to publish the next cell's
output; the brief was reported as "a cell ran longer than the 300 s timeout" after 5.4 s."""


def _iopub_timeout(timeout: float | None) -> float:
    """:data:`IOPUB_TIMEOUT_S`, never longer than the cell timeout [s]."""
    return IOPUB_TIMEOUT_S if timeout is None else min(IOPUB_TIMEOUT_S, timeout)


def _execute(st: _WorkerState, task: RenderTask, nb: Any, engine: str, out: RenderOutcome) -> Any:
    """Run ``nb`` with papermill on the warm kernel; the executed notebook, or None on failure.

    A failure is summarised in ``out.error``; after a timeout, a dead kernel or any unexpected
    error the kernel is shut down so that the next brief starts a fresh one.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    try:
        # NOTE: no cwd (a task sent to a Dask worker): the kernel starts where the worker runs,
        # so it finds the same data the worker's fingerprint was taken from.
        km = st.kernel(task.cwd or os.getcwd(), task.kernel_name, task.startup_timeout)
        out.kernel_pid = _kernel_pid(km)
        st.runs += 1
        return pm.execute_notebook(
            nb,
            None,
            parameters=dict(task.parameters),
            engine_name=engine,
            kernel_name=task.kernel_name,
            km=km,
            execution_timeout=task.timeout,
            iopub_timeout=_iopub_timeout(task.timeout),
            start_timeout=task.startup_timeout,
            progress_bar=False,
            log_output=False,
            report_mode=False,
        )
    except PapermillExecutionError as exc:
        out.error = _failure_summary(_LAST.data.get("nb"), "exception", exc)
    except CellTimeoutError as exc:
        out.error = _failure_summary(_LAST.data.get("nb"), "timeout", exc)
        out.error["evalue"] = (
            f"a cell's output did not arrive within {_iopub_timeout(task.timeout):g} s "
            "after the cell finished"
            if "IOPub" in str(exc)
            else f"a cell ran longer than the {task.timeout:g} s timeout"
        )
        st.shutdown()
    except DeadKernelError as exc:
        out.error = _failure_summary(_LAST.data.get("nb"), "kernel_died", exc)
        out.error["evalue"] = "the kernel died while executing this cell"
        st.shutdown()
    except Exception as exc:  # noqa: BLE001 - anything else: report, restart the kernel
        out.error = _failure_summary(_LAST.data.get("nb"), "error", exc)
        st.shutdown()
    return None


def _export(executed: Any, task: RenderTask, out: RenderOutcome) -> None:
    """Export the executed notebook to the page and its downloads; ``out.status`` is ok if so."""
    from mineral_briefs.export import export_html

    out.cells_s = _cells_seconds(executed)
    st = _state()
    warming, st.exporter = st.exporter, None
    if warming is not None:
        warming.join()  # the same exporter, loaded once (pool._pool_init)
    t1 = time.perf_counter()
    try:
        page, extras = export_html(
            executed, rendered_at=task.rendered_at, name=task.name, siblings=task.siblings
        )
        out.html = page.encode("utf-8")
        # NOTE: plain dicts, not nbformat's NotebookNode: unpickling one in the parent would
        # import nbformat (and jsonschema) there just to read the outcome.
        out.meta = json.loads(json.dumps(extras["meta"]))
        out.charts = int(extras["charts"])
        if extras["data"]:
            out.data_filename = str(extras["data"]["filename"])
            out.data_csv = str(extras["data"].get("csv", ""))
            if extras["data"].get("kpis_filename"):
                out.kpis_filename = str(extras["data"]["kpis_filename"])
                out.kpis_csv = str(extras["data"].get("kpis_csv", ""))
        out.status = "ok"
    except Exception as exc:  # noqa: BLE001
        out.error = {
            "kind": "export",
            "cell": None,
            "ename": type(exc).__name__,
            "evalue": str(exc)[:500],
        }
    out.export_s = time.perf_counter() - t1
