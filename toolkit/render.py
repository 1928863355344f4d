"""Render briefs: parallel, incremental, atomic — the only module that drives papermill.

Pipeline (``docs/rendering.md`` has the user's view):

1. :func:`plan_briefs` validates every scenario (``toolkit.scenarios.load_scenario``) before any
   kernel starts and turns (scenario × language) plus the comparison brief into :class:`BriefJob` s.
2. :func:`render` computes each job's cache key (notebook, scenario files, data files, toolkit
   version + source hash, language, parameters, key package versions), skips jobs whose key matches
   the manifest, checks parameter names against ``papermill.inspect_notebook`` and hands the rest to
   an executor:

   * ``local``: a ``ProcessPoolExecutor`` whose workers each hold ONE warm kernel, reset by an
     in-memory first cell ``%reset -f`` before every brief and restarted after
     :data:`RESTART_AFTER` briefs, on death or on timeout, plus one shared ``HTMLExporter``;
   * ``dask``: ``distributed.Client(address).map(...)``; the same worker code runs in the Dask
     worker processes.

   Workers return bytes; only this process writes, each file atomically (temp file in the same
   folder, fsync, rename). A failing brief keeps its previous good version; its executed notebook is
   kept in ``<out>/_failed/``; the run carries on and reports failure in its exit code.
3. ``<out>/manifest.json`` (keys, inputs' checksums, status, times, package versions — no absolute
   paths, no environment) and ``<out>/index.html`` are rewritten at the end of every run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html as html_lib
import json
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import RenderError

logger = logging.getLogger(__name__)

TOOLKIT_DIR = Path(__file__).resolve().parent
REPO_DIR = TOOLKIT_DIR.parent
NOTEBOOK_DIR = REPO_DIR / "notebooks"
BRIEF_NOTEBOOK = NOTEBOOK_DIR / "brief.ipynb"
COMPARE_NOTEBOOK = NOTEBOOK_DIR / "compare.ipynb"

MANIFEST = "manifest.json"
INDEX = "index.html"
LOG_FILE = "render.log"
FAILED_DIR = "_failed"
LOCK_FILE = ".render.lock"
PID_FILE = ".render.pid"
TMP_MARK = ".mbtmp-"
RESTART_AFTER = 25
"""A worker restarts its kernel after this many briefs (bounds memory growth in the kernel)."""
DEFAULT_TIMEOUT_S = 300.0
KERNEL_NAME = "python3"
KEY_PACKAGES: tuple[str, ...] = (
    "altair",
    "vl-convert-python",
    "nbconvert",
    "papermill",
    "pandas",
    "numpy",
    "pydantic",
)
"""Packages whose versions enter the cache key and the manifest (they change what a brief shows)."""

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
"""
"""The hidden first cell of every brief on a reused kernel: a fresh namespace (``%reset -f``, which
keeps imported modules — the speed-up) plus the module-level settings a brief may change (pandas
options, Altair renderer/theme/data transformer) back to their defaults (tooling.md §4.4)."""

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
_DATE_DIR_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# =============================================================================================
# jobs and planning
# =============================================================================================


@dataclass(frozen=True)
class BriefJob:
    """One brief to render.

    Attributes
    ----------
    name
        Output stem (``baseline-en``); the brief is written to ``<out>/<name>.html``.
    notebook
        The parameterized notebook.
    parameters
        Papermill parameters (plain JSON values, passed as data, never as code).
    inputs
        ``(label, file)`` pairs whose content enters the cache key; labels carry no absolute path
        (``notebook:brief.ipynb``, ``scenario:baseline.yaml``).
    kind, scenario, language
        ``brief`` or ``compare``; the scenario id (or ``all``); ``en``/``de``.
    """

    name: str
    notebook: Path
    parameters: Mapping[str, Any]
    inputs: tuple[tuple[str, Path], ...] = ()
    kind: str = "brief"
    scenario: str = ""
    language: str = "en"

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise RenderError(f"brief name {self.name!r} is not a plain file stem")


def _languages(language: str | Sequence[str]) -> list[str]:
    from toolkit.vocab import LANGUAGES

    if isinstance(language, str):
        langs = list(LANGUAGES) if language == "all" else [language]
    else:
        langs = list(language)
    bad = [lang for lang in langs if lang not in LANGUAGES]
    if bad:
        raise RenderError(f"unknown language {bad[0]!r}; allowed: {', '.join(LANGUAGES)}, all")
    return langs


def _as_of_text(as_of: str | None) -> str:
    """The as-of date as ISO text: today when not given; a bad date is a :class:`RenderError`."""
    if as_of is None or as_of == "":
        return dt.date.today().isoformat()
    try:
        return dt.date.fromisoformat(str(as_of)).isoformat()
    except ValueError:
        raise RenderError(f"as_of {as_of!r}: expected a date in the form YYYY-MM-DD") from None


def plan_briefs(
    scenarios: Sequence[str] = (),
    *,
    all_scenarios: bool = False,
    language: str | Sequence[str] = "all",
    notebook: Path | None = None,
    compare_notebook: Path | None = None,
    include_compare: bool | None = None,
    as_of: str | None = None,
) -> list[BriefJob]:
    """Validate the scenarios and list the briefs to render.

    Parameters
    ----------
    scenarios
        Built-in ids or paths to scenario YAML files.
    all_scenarios
        Every built-in scenario (``toolkit.scenarios.list_scenarios``) plus the comparison brief.
    language
        ``en``, ``de``, ``all`` or a sequence of languages.
    notebook, compare_notebook
        Notebooks to run (default ``notebooks/brief.ipynb`` and ``notebooks/compare.ipynb``).
    include_compare
        Render the comparison brief (default: with ``all_scenarios`` only).
    as_of
        Date the briefs speak from, ``YYYY-MM-DD`` (default: today). It is a notebook
        parameter, so it enters each brief's cache key.

    Raises
    ------
    ScenarioError
        If any scenario is invalid — raised before any kernel starts, naming file and key.
    RenderError
        If a notebook is missing, or no scenario was given.
    """
    from toolkit import scenarios as sc

    langs = _languages(language)
    as_of = _as_of_text(as_of)
    refs: list[str] = list(scenarios)
    if all_scenarios:
        builtin = [info.id for info in sc.list_scenarios()]
        refs = builtin + [r for r in refs if r not in builtin]
    if not refs:
        raise RenderError("no scenario given: name scenario ids or paths, or use --all")
    nb = Path(notebook) if notebook else BRIEF_NOTEBOOK
    if not nb.is_file():
        raise RenderError(f"notebook {nb} not found")
    jobs: list[BriefJob] = []
    all_files: list[tuple[str, Path]] = []
    seen: dict[str, None] = {}
    for ref in refs:
        scenario = sc.load_scenario(ref)  # ScenarioError propagates: exit 2, nothing touched
        files = sc.scenario_files(ref)
        sid = str(scenario.id)
        if sid in seen:
            continue
        seen[sid] = None
        # NOTE: a path is passed to the kernel as an absolute path (its cwd is the notebook
        # folder); the manifest records only file names.
        param_ref = ref if sc.is_valid_id(str(ref)) else str(Path(ref).resolve())
        scen_inputs = tuple((f"scenario:{p.name}", p) for p in files)
        all_files.extend(scen_inputs)
        for lang in langs:
            jobs.append(
                BriefJob(
                    name=f"{sid}-{lang}",
                    notebook=nb,
                    parameters={"scenario": param_ref, "language": lang, "as_of": as_of},
                    inputs=((f"notebook:{nb.name}", nb), *scen_inputs),
                    kind="brief",
                    scenario=sid,
                    language=lang,
                )
            )
    if include_compare is None:
        include_compare = all_scenarios
    if include_compare:
        cnb = Path(compare_notebook) if compare_notebook else COMPARE_NOTEBOOK
        if not cnb.is_file():
            raise RenderError(f"comparison notebook {cnb} not found")
        uniq = tuple(dict.fromkeys(all_files))
        for lang in langs:
            jobs.append(
                BriefJob(
                    name=f"compare-{lang}",
                    notebook=cnb,
                    parameters={
                        "scenarios": "all" if all_scenarios else ",".join(seen),
                        "language": lang,
                    },
                    inputs=((f"notebook:{cnb.name}", cnb), *uniq),
                    kind="compare",
                    scenario="all",
                    language=lang,
                )
            )
    return jobs


# =============================================================================================
# cache keys
# =============================================================================================


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_data_dir() -> Path:
    """The data folder, found like ``toolkit.data.default_data_dir`` (without importing pandas).

    ``$MINERAL_BRIEFS_DATA``; else ``data/`` beside the package when it holds ``sources.csv``;
    else ``./data``.
    """
    env = os.environ.get("MINERAL_BRIEFS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    beside = REPO_DIR / "data"
    if (beside / "sources.csv").is_file():
        return beside
    return (Path.cwd() / "data").resolve()


def data_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """sha256 per data file (same values as ``Dataset.checksums``), without importing pandas."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    if not folder.is_dir():
        return {}
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in {".csv", ".json", ".yaml", ".yml", ".parquet", ".xlsx"}
    )
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def toolkit_source_hash() -> str:
    """sha256 over the toolkit's source and template files (a code change re-renders in dev)."""
    h = hashlib.sha256()
    for p in sorted(TOOLKIT_DIR.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}:
            h.update(p.relative_to(TOOLKIT_DIR).as_posix().encode())
            h.update(b"\0")
            h.update(sha256_file(p).encode())
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of :data:`KEY_PACKAGES` and Python (manifest + cache key)."""
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in KEY_PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass(frozen=True)
class KeyContext:
    """Inputs shared by every brief of a run (computed once)."""

    data: Mapping[str, str]
    toolkit_version: str
    toolkit_source: str
    packages: Mapping[str, str]


def key_context(data_dir: Path | None = None) -> KeyContext:
    """Compute the run-wide part of the cache keys."""
    return KeyContext(
        data=data_checksums(data_dir),
        toolkit_version=__version__,
        toolkit_source=toolkit_source_hash(),
        packages=package_versions(),
    )


def cache_key(job: BriefJob, ctx: KeyContext) -> tuple[str, dict[str, str]]:
    """Return ``(key, inputs)``: the brief's cache key and its labelled input checksums."""
    inputs = {label: sha256_file(path) for label, path in job.inputs}
    inputs.update({f"data:{name}": digest for name, digest in ctx.data.items()})
    material = {
        "inputs": inputs,
        "parameters": _public_parameters(job.parameters),
        "language": job.language,
        "toolkit_version": ctx.toolkit_version,
        "toolkit_source": ctx.toolkit_source,
        "packages": dict(ctx.packages),
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return hashlib.sha256(blob).hexdigest(), inputs


def _public_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as recorded in the manifest: absolute paths reduced to their file name."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str) and os.path.isabs(v):
            v = Path(v).name
        out[k] = v
    return out


# =============================================================================================
# atomic files
# =============================================================================================

_TEMP_FILES: set[Path] = set()
_TEMP_LOCK = threading.Lock()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename.

    On any error the temp file is removed and the previous ``path`` is left untouched.
    """
    atomic_write_many([(path, data)])


def atomic_write_many(items: Sequence[tuple[Path, bytes | str]]) -> None:
    """Write several files so that none is replaced unless all could be written.

    Every temp file is written and fsynced first; only then are they renamed into place (a brief
    and its data download change together). On an error before the renames nothing changes.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in items:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_MARK}{path.name}.", dir=path.parent)
            tmp = Path(tmp_name)
            with _TEMP_LOCK:
                _TEMP_FILES.add(tmp)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
        for tmp, path in staged:
            os.replace(tmp, path)
        for folder in {path.parent for _, path in staged}:
            with contextlib.suppress(OSError):  # make the renames durable
                dfd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
            with _TEMP_LOCK:
                _TEMP_FILES.discard(tmp)


def _remove_temp_files(folder: Path | None = None) -> int:
    """Remove temp files this process is writing (and, with ``folder``, stale ones left there)."""
    removed = 0
    with _TEMP_LOCK:
        pending = list(_TEMP_FILES)
        _TEMP_FILES.clear()
    for p in pending:
        with contextlib.suppress(OSError):
            p.unlink()
            removed += 1
    if folder is not None and folder.is_dir():
        for sub in (folder, folder / FAILED_DIR):
            for p in sub.glob(f"{TMP_MARK}*") if sub.is_dir() else ():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed += 1
    return removed


# =============================================================================================
# worker side: one warm kernel per worker process (or per Dask worker thread)
# =============================================================================================


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


def _kernel_pid(km: Any) -> int | None:
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None)
    return getattr(proc, "pid", None)


class _WorkerState:
    """One warm kernel (``KernelManager``) reused across briefs, restarted when needed."""

    def __init__(self) -> None:
        self.km: Any = None
        self.kc: Any = None
        self.cwd: str | None = None
        self.runs = 0
        self.restarts = 0
        self.lock = threading.Lock()

    def kernel(self, cwd: str, kernel_name: str, startup_timeout: float) -> Any:
        from jupyter_client.manager import AsyncKernelManager

        alive = self.alive()
        if alive and (self.cwd != cwd or self.runs >= RESTART_AFTER):
            self.shutdown()
            alive = False
        if not alive:
            if self.km is not None:
                self.restarts += 1
                self.shutdown()
            # NOTE: an *async* manager: with a blocking KernelManager, nbclient polls IOPub with a
            # blocking get_msg(timeout=None) and never notices a dead or hung kernel.
            km = AsyncKernelManager(kernel_name=kernel_name)
            # NOTE: the kernel's cwd is fixed at start (papermill's cwd= chdir()s the whole
            # process, which is not thread-safe under Dask threads).
            _sync(
                km.start_kernel,
                cwd=cwd,
                # silences ipykernel's per-start "running over TCP without encryption" warning
                # (tooling.md §6.9); errors still reach the worker's stderr.
                extra_arguments=["--HistoryManager.enabled=False", "--IPKernelApp.log_level=40"],
            )
            self.km, self.cwd, self.runs = km, cwd, 0
        return self.km

    def alive(self) -> bool:
        if self.km is None:
            return False
        try:
            return bool(_sync(self.km.is_alive))
        except Exception:  # noqa: BLE001
            return False

    def drop_client(self) -> None:
        kc, self.kc = self.kc, None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()

    def shutdown(self) -> None:
        self.drop_client()
        km, self.km = self.km, None
        if km is None:
            return
        with contextlib.suppress(Exception):
            _sync(km.shutdown_kernel, now=True)
        with contextlib.suppress(Exception):
            _sync(km.cleanup_resources)


def _sync(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a possibly-async jupyter_client method from sync code (nbclient's event loop)."""
    import inspect

    from jupyter_core.utils import run_sync

    if inspect.iscoroutinefunction(fn):
        return run_sync(fn)(*args, **kwargs)
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):

        async def _await() -> Any:
            return await result

        return run_sync(_await)()
    return result


_STATES: dict[int, _WorkerState] = {}
_STATES_LOCK = threading.Lock()


def _state() -> _WorkerState:
    tid = threading.get_ident()
    with _STATES_LOCK:
        st = _STATES.get(tid)
        if st is None:
            st = _STATES[tid] = _WorkerState()
            if len(_STATES) == 1:
                import atexit
                from multiprocessing import util

                # NOTE: multiprocessing children leave through os._exit (atexit does not run);
                # Finalize does. Register both so kernels never outlive their worker.
                util.Finalize(None, _shutdown_all_kernels, exitpriority=100)
                atexit.register(_shutdown_all_kernels)
        return st


def _shutdown_all_kernels() -> None:
    with _STATES_LOCK:
        states = list(_STATES.values())
    for st in states:
        st.shutdown()


def _register_engine() -> str:
    """Register (once) the papermill engine that runs on the worker's warm kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    name = "mineral-briefs-warm"
    if name in papermill_engines._engines:
        return name

    class WarmKernelEngine(NBClientEngine):  # type: ignore[misc]
        """nbclient engine on an existing kernel; stops its client channels after every run."""

        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            km: Any = None,
            **kwargs: Any,
        ) -> Any:
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            _LAST.data["nb"] = nb_man.nb

            def on_cell_start(cell: Any = None, cell_index: int | None = None, **_: Any) -> None:
                _LAST.data["cell"] = cell_index

            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                on_cell_start=on_cell_start,
                **kwargs,
            )
            st = _state()
            # NOTE: keep one kernel client per warm kernel: a new client per brief costs a
            # wait_for_ready round trip (≈0.2 s); it is dropped whenever the kernel is.
            if st.kc is not None and st.km is km:
                client.kc = st.kc
            ok = False
            try:
                nb = client.execute()
                ok = True
                return nb
            finally:
                kc = getattr(client, "kc", None)
                if ok and kc is not None and st.km is km:
                    st.kc = kc
                else:
                    if kc is not None and kc is not st.kc:
                        with contextlib.suppress(Exception):
                            kc.stop_channels()
                    st.drop_client()

    papermill_engines.register(name, WarmKernelEngine)
    return name


class _Last(threading.local):
    """Per-thread record of the notebook being executed and its running cell (Dask threads)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}


_LAST = _Last()


def _cell_sets(nb: Any) -> tuple[list[int], list[int]]:
    """Indices of the user's cells, and of cells the pipeline/papermill added."""
    from toolkit.export import RESET_CELL_TAG

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


def render_one(task: RenderTask) -> RenderOutcome:
    """Execute one brief on this worker's warm kernel and export it (runs in a worker process).

    Never raises for a notebook problem: failures come back as ``status="failed"`` with an error
    summary and the executed notebook.
    """
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from toolkit.export import RESET_CELL_TAG, export_html

    st = _state()
    with st.lock:
        t0 = time.perf_counter()
        out = RenderOutcome(
            name=task.name, status="failed", worker=f"{socket.gethostname()}:{os.getpid()}"
        )
        engine = _register_engine()
        nb = nbformat.read(task.notebook, as_version=4)
        reset = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": [RESET_CELL_TAG]})
        nb.cells.insert(0, reset)
        _LAST.data.clear()
        executed = None
        restarts_before = st.restarts
        try:
            km = st.kernel(task.cwd, task.kernel_name, task.startup_timeout)
            out.kernel_pid = _kernel_pid(km)
            st.runs += 1
            executed = pm.execute_notebook(
                nb,
                None,
                parameters=dict(task.parameters),
                engine_name=engine,
                kernel_name=task.kernel_name,
                km=km,
                execution_timeout=task.timeout,
                start_timeout=task.startup_timeout,
                progress_bar=False,
                log_output=False,
                report_mode=False,
            )
        except PapermillExecutionError as exc:
            out.error = _failure_summary(_LAST.data.get("nb"), "exception", exc)
        except CellTimeoutError as exc:
            out.error = _failure_summary(_LAST.data.get("nb"), "timeout", exc)
            out.error["evalue"] = f"a cell ran longer than the {task.timeout:g} s timeout"
            st.shutdown()
        except DeadKernelError as exc:
            out.error = _failure_summary(_LAST.data.get("nb"), "kernel_died", exc)
            out.error["evalue"] = "the kernel died while executing this cell"
            st.shutdown()
        except Exception as exc:  # noqa: BLE001 - anything else: report, restart the kernel
            out.error = _failure_summary(_LAST.data.get("nb"), "error", exc)
            st.shutdown()
        out.execute_s = time.perf_counter() - t0
        if executed is None and st.km is not None and not st.alive():
            st.shutdown()
        out.kernel_restarts = st.restarts - restarts_before
        if executed is not None:
            out.cells_s = _cells_seconds(executed)
            t1 = time.perf_counter()
            try:
                page, extras = export_html(executed, rendered_at=task.rendered_at, name=task.name)
                out.html = page.encode("utf-8")
                out.meta = extras["meta"]
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
        failed_nb = (
            executed if out.status != "ok" and executed is not None else _LAST.data.get("nb")
        )
        if out.status != "ok" and failed_nb is not None:
            with contextlib.suppress(Exception):
                out.failed_notebook = nbformat.writes(failed_nb)
        _LAST.data.clear()
        return out


def _pool_init(log_level: int, cwd: str | None = None) -> None:
    """ProcessPool initializer: ignore SIGINT (the parent coordinates), start the kernel, and
    load the exporter and the Vega bundle while the kernel boots."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("traitlets", "papermill", "nbclient"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    st = _state()
    if cwd:
        with contextlib.suppress(Exception):
            st.kernel(cwd, KERNEL_NAME, 60.0)
    with contextlib.suppress(Exception):
        from toolkit.export import get_exporter, vega_bundle

        get_exporter()
        vega_bundle()


# =============================================================================================
# executors
# =============================================================================================


class Interrupted(Exception):
    """Raised in the orchestrating process when SIGINT/SIGTERM arrives during a run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate_tree(pids: Iterable[int]) -> None:
    """Terminate processes and all their descendants (kernels live in their own sessions)."""
    import psutil

    procs: list[psutil.Process] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(pid)
            procs.extend(p.children(recursive=True))
            procs.append(p)
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=3)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()


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


def run_local(tasks: Sequence[RenderTask], jobs: int) -> Iterator[RenderOutcome]:
    """Render tasks on a process pool of ``jobs`` workers, yielding outcomes as they finish.

    If a worker process dies (not a kernel: that is handled inside the worker), the pool breaks;
    the unfinished tasks are retried once (tooling.md §6.8), each in its own one-worker pool so
    that the task that kills its worker cannot take innocent ones down again; it is reported as
    ``worker_died``.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    kernel_pids: set[int] = set()
    batches: list[list[RenderTask]] = [list(tasks)]
    attempt = 0
    while batches:
        remaining = batches.pop(0)
        attempt += 1
        n = max(1, min(jobs, len(remaining)))
        cwds = {t.cwd for t in remaining}
        first_cwd = remaining[0].cwd if len(cwds) == 1 else None
        pool = ProcessPoolExecutor(
            max_workers=n, mp_context=ctx, initializer=_pool_init, initargs=(level, first_cwd)
        )
        pending: dict[Future[RenderOutcome], RenderTask] = {}
        broken: list[RenderTask] = []
        clean = False
        try:
            for t in remaining:
                pending[pool.submit(render_one, t)] = t
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED, timeout=0.5)
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool as exc:
                        if attempt == 1:
                            broken.append(task)
                            continue
                        outcome = _failed_outcome(
                            task, "worker_died", exc, "the render worker process died"
                        )
                    except Exception as exc:  # noqa: BLE001
                        outcome = _failed_outcome(task, "error", exc, str(exc)[:500])
                    if outcome.kernel_pid:
                        kernel_pids.add(outcome.kernel_pid)
                    yield outcome
            clean = True
        finally:
            procs = dict(getattr(pool, "_processes", None) or {})
            if clean and not broken:
                pool.shutdown(wait=True)
            else:
                for fut in pending:
                    fut.cancel()
                _terminate_tree(procs)
                pool.shutdown(wait=False, cancel_futures=True)
            _kill_kernels(kernel_pids)
        if broken:
            logger.warning(
                "a render worker died; retrying %d unfinished brief(s), one per fresh worker",
                len(broken),
            )
            batches.extend([t] for t in broken)


def _dask_render(task: RenderTask) -> RenderOutcome:
    """Dask task: render one brief in the worker (kernel reused per worker thread)."""
    return render_one(task)


def run_dask(tasks: Sequence[RenderTask], scheduler: str) -> Iterator[RenderOutcome]:
    """Fan tasks out to a dask.distributed cluster; results come back as bytes.

    Workers need the toolkit (same version) and its data installed; the client writes the files.
    """
    from distributed import Client, as_completed

    if not scheduler:
        raise RenderError("--executor dask needs --scheduler tcp://HOST:PORT")
    try:
        client = Client(scheduler, timeout="20s")
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    try:
        futures = client.map(
            _dask_render,
            list(tasks),
            key=[f"render-{t.name}-{t.rendered_at}" for t in tasks],
            pure=False,
            retries=0,
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died, lost, …
                yield RenderOutcome(
                    name=task.name,
                    status="failed",
                    error={
                        "kind": "worker_died",
                        "cell": None,
                        "ename": type(exc).__name__,
                        "evalue": str(exc)[:500],
                    },
                )
    finally:
        client.close()


# =============================================================================================
# manifest, lock, index
# =============================================================================================


def load_manifest(out: Path) -> dict[str, Any]:
    """Read ``<out>/manifest.json`` (an empty manifest when absent or unreadable)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("briefs"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"schema": 1, "briefs": {}}


def _lock_holder(out: Path) -> str:
    """The pid recorded by the run holding ``out``'s lock (``unknown`` when not readable)."""
    pid = "unknown"
    with contextlib.suppress(OSError):
        pid = (out / PID_FILE).read_text().strip() or pid
    return pid


@contextlib.contextmanager
def output_lock(
    out: Path, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``<out>/.render.lock``; wait up to ``timeout`` s, else raise a clear RenderError.

    Parameters
    ----------
    out
        The output folder.
    timeout
        Seconds to wait for another holder [s] (0: fail at once; negative: wait for ever).
    on_wait
        Called once, with the holder's pid, when the lock is busy and this call starts waiting
        (never with ``timeout == 0``). Lets a caller say "waiting for …" (and tests know the
        second run really is waiting, without guessing with sleeps).
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_FILE), timeout=timeout)
    try:
        if on_wait is not None and timeout != 0:
            try:
                lock.acquire(timeout=0)
            except Timeout:
                on_wait(_lock_holder(out))
                lock.acquire()
        else:
            lock.acquire()
    except Timeout:
        raise RenderError(
            f"another render is writing {out} (pid {_lock_holder(out)}); "
            "wait for it or pass --lock-timeout"
        ) from None
    try:
        with contextlib.suppress(OSError):
            (out / PID_FILE).write_text(str(os.getpid()))
        yield
    finally:
        with contextlib.suppress(OSError):
            (out / PID_FILE).unlink()
        lock.release()


def _display_time(stamp: Any) -> str:
    """ISO time from the manifest as ``YYYY-MM-DD HH:MM UTC`` (empty when missing)."""
    if not stamp:
        return ""
    try:
        return (
            dt.datetime.fromisoformat(str(stamp)).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        )
    except ValueError:
        return str(stamp)


def build_index(manifest: Mapping[str, Any], *, generated_at: str) -> str:
    """Render ``index.html`` from the manifest: every string escaped, inline CSS, no network."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TOOLKIT_DIR / "templates" / "index")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    briefs = []

    def order(kv: tuple[str, Any]) -> tuple[bool, str, int, str]:
        entry = kv[1]
        lang = {"en": 0, "de": 1}.get(str(entry.get("language")), 2)
        return (entry.get("kind") != "compare", str(entry.get("scenario", "")), lang, kv[0])

    for name, e in sorted(manifest.get("briefs", {}).items(), key=order):
        meta = e.get("meta") or {}
        files = e.get("files") or {}
        headline = [h for h in meta.get("headline", []) if isinstance(h, dict)][:4]
        briefs.append(
            {
                "name": name,
                "kind": e.get("kind", "brief"),
                "title": meta.get("title") or name,
                "scenario": e.get("scenario", ""),
                "language": e.get("language", ""),
                "vintage": meta.get("data_vintage", ""),
                "rendered_at": _display_time(e.get("rendered_at")),
                "status": e.get("status", "unknown"),
                "error": e.get("error"),
                "href": files.get("html"),
                "data_href": files.get("data"),
                "pdf_href": files.get("pdf"),
                "headline": [
                    {"label": str(h.get("label", "")), "value": str(h.get("value", ""))}
                    for h in headline
                ],
                "flags": [str(f) for f in meta.get("flags", [])][:5],
            }
        )
    tpl = env.get_template("index.html.j2")
    return tpl.render(
        briefs=briefs,
        generated_at=generated_at,
        toolkit_version=__version__,
        n_failed=sum(b["status"] == "failed" for b in briefs),
        css=(TOOLKIT_DIR / "templates" / "index" / "index.css").read_text(encoding="utf-8"),
    )


# =============================================================================================
# PDF
# =============================================================================================

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--metrics-recording-only",
    "--virtual-time-budget=15000",
)


def find_chromium() -> str:
    """Path of the system Chromium (``$MINERAL_BRIEFS_CHROMIUM`` or on ``PATH``)."""
    import shutil

    env = os.environ.get("MINERAL_BRIEFS_CHROMIUM")
    for cand in ([env] if env else []) + ["chromium", "chromium-browser", "google-chrome"]:
        found = shutil.which(cand) if cand else None
        if found:
            return found
    raise RenderError(
        "--pdf needs Chromium: install it (`sudo apt-get install chromium` or `make browser`) "
        "or set MINERAL_BRIEFS_CHROMIUM to its path"
    )


def print_pdf(
    html_path: Path, pdf_path: Path, *, chromium: str | None = None, timeout: float = 120.0
) -> None:
    """Print an HTML brief to PDF with the system Chromium (print CSS applies); atomic."""
    import subprocess

    exe = chromium or find_chromium()
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_MARK}{pdf_path.name}.", dir=pdf_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    with _TEMP_LOCK:
        _TEMP_FILES.add(tmp)
    try:
        with tempfile.TemporaryDirectory(prefix="mb-chromium-") as profile:
            cmd = [
                exe,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={tmp}",
                html_path.resolve().as_uri(),
            ]
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        if proc.returncode != 0 or tmp.stat().st_size == 0:
            raise RenderError(
                f"Chromium could not print {html_path.name} to PDF (exit {proc.returncode})"
            )
        os.replace(tmp, pdf_path)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Chromium timed out printing {html_path.name}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
        with _TEMP_LOCK:
            _TEMP_FILES.discard(tmp)


# =============================================================================================
# the run
# =============================================================================================


@dataclass
class BriefResult:
    """One line of the run report."""

    name: str
    status: str  # "ok" | "failed" | "skipped" | "cancelled"
    seconds: float = 0.0
    error: dict[str, Any] | None = None


@dataclass
class RunReport:
    """What a render run did; ``exit_code`` is 0 only when every brief is ok or unchanged."""

    out: Path
    results: list[BriefResult] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: str | None = None
    kernels_started: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[BriefResult]:
        return [r for r in self.results if r.status in ("failed", "cancelled")]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130 if self.interrupted == "SIGINT" else 143
        return 1 if self.failed or self.errors else 0

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        parts = [f"{counts.get(s, 0)} {s}" for s in ("ok", "skipped", "failed") if counts.get(s)]
        if counts.get("cancelled"):
            parts.append(f"{counts['cancelled']} cancelled")
        text = ", ".join(parts) or "nothing to do"
        if self.results and all(r.status == "skipped" for r in self.results):
            text = f"nothing changed: {len(self.results)} briefs up to date"
        if self.errors:
            text += "; " + "; ".join(self.errors)
        if self.interrupted:
            text += f"; interrupted by {self.interrupted}, previous briefs kept"
        return f"{text} in {self.seconds:.1f} s → {self.out}"


Reporter = Callable[[str, Mapping[str, Any]], None]
"""Progress callback: ``(event, info)`` with events ``wait`` (another run holds the output
folder: ``out``, ``pid``), ``plan``, ``start``, ``done``, ``finish``."""


def expand_out(out: str | Path, now: dt.datetime | None = None) -> Path:
    """Expand ``{date}`` (YYYY-MM-DD, UTC) in an output folder template."""
    now = now or dt.datetime.now(dt.UTC)
    return Path(str(out).replace("{date}", now.strftime("%Y-%m-%d")))


def update_latest(out: Path) -> None:
    """Point ``<parent>/latest`` at ``out`` (symlink, or a pointer file where symlinks fail)."""
    parent = out.parent
    link = parent / "latest"
    if link.is_symlink() or not link.exists():
        tmp = parent / f"{TMP_MARK}latest"
        with contextlib.suppress(OSError):
            tmp.unlink()
        try:
            os.symlink(out.name, tmp, target_is_directory=True)
            os.replace(tmp, link)
            return
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
    if link.is_dir() and not link.is_symlink():
        logger.warning("%s is a real folder; not replacing it with a pointer", link)
        return
    atomic_write(parent / "latest.txt" if link.is_dir() else link, out.name + "\n")


def apply_retention(out: Path, keep: int) -> list[Path]:
    """Delete dated sibling folders (``YYYY-MM-DD``) beyond the newest ``keep``; nothing else."""
    import shutil

    if keep < 1:
        raise RenderError("--keep must be at least 1")
    parent = out.parent
    dated = sorted(
        p
        for p in parent.iterdir()
        if p.is_dir() and not p.is_symlink() and _DATE_DIR_RE.match(p.name)
    )
    doomed = [p for p in dated[:-keep] if p.resolve() != out.resolve()]
    for p in doomed:
        shutil.rmtree(p)
        logger.info("retention: removed %s", p.name)
    return doomed


class _ForwardHandler(logging.Handler):
    """Pass records at or above ``level`` on to the parent loggers' handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        parent = logger.parent
        if record.levelno >= self.level and parent is not None:
            parent.handle(record)


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TMP_MARK, dir=out)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise RenderError(f"output folder {out} is not writable: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into :class:`Interrupted` in the main thread during a run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _check_data(data_dir: Path | None) -> None:
    """Validate every data table before any kernel starts.

    A broken or hand-edited table raises :class:`~toolkit.errors.DataError` naming the file,
    row and column (exit 2), so no brief is rendered from it and the previous briefs stay.
    Only called when there is something to render: a run with nothing changed stays light.
    """
    from toolkit.data import load_dataset

    load_dataset(Path(data_dir) if data_dir else default_data_dir())


def _check_parameters(jobs: Sequence[BriefJob]) -> None:
    """Reject parameter names the notebook does not declare (papermill only warns)."""
    import papermill as pm

    declared: dict[Path, set[str]] = {}
    for job in jobs:
        if job.notebook not in declared:
            declared[job.notebook] = set(pm.inspect_notebook(str(job.notebook)).keys())
        unknown = sorted(set(job.parameters) - declared[job.notebook])
        if unknown:
            raise RenderError(
                f"{job.notebook.name} has no parameter(s) {', '.join(unknown)}; "
                f"it declares: {', '.join(sorted(declared[job.notebook])) or 'none'}"
            )


def render(
    jobs: Sequence[BriefJob],
    out: str | Path = "reports",
    *,
    workers: int | None = None,
    force: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    executor: str = "local",
    scheduler: str | None = None,
    pdf: bool = False,
    keep: int | None = None,
    lock_timeout: float = 0.0,
    data_dir: Path | None = None,
    reporter: Reporter | None = None,
    now: dt.datetime | None = None,
) -> RunReport:
    """Render briefs into ``out`` (see the module docstring for the pipeline).

    Parameters
    ----------
    jobs
        From :func:`plan_briefs` (or hand-built, e.g. a test notebook).
    out
        Output folder; ``{date}`` expands to today's date (UTC) and then updates ``latest``.
    workers
        Parallel workers (default: the number of cores).
    force
        Re-render even when the cache key is unchanged.
    timeout
        Per-cell timeout [s] (``None``: no limit).
    executor, scheduler
        ``local`` (process pool) or ``dask`` (``scheduler`` = ``tcp://host:port``).
    pdf
        Also print each rendered brief to PDF with the system Chromium.
    keep
        Keep only the newest ``keep`` dated sibling runs (only with ``{date}`` in ``out``).
    lock_timeout
        Seconds to wait for another run writing ``out`` (0: fail at once).
    data_dir
        Data folder for the cache key (default :func:`default_data_dir`).
    reporter
        Progress callback (the CLI draws rich progress or plain lines).

    Returns
    -------
    RunReport
        ``exit_code`` 0 when every brief is rendered or unchanged.
    """
    t_start = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    dated = "{date}" in str(out)
    out_dir = expand_out(out, now)
    if keep is not None and not dated:
        raise RenderError("--keep applies to dated runs only: use --out 'DIR/{date}'")
    if executor not in ("local", "dask"):
        raise RenderError(f"unknown executor {executor!r}; allowed: local, dask")
    if executor == "dask" and not scheduler:
        raise RenderError("--executor dask needs --scheduler tcp://HOST:PORT")
    if pdf:
        chromium = find_chromium()  # fail before any work
    _check_writable(out_dir)
    report = RunReport(out=out_dir)
    emit: Reporter = reporter or (lambda event, info: None)
    stamp = now.strftime("%Y-%m-%d %H:%M UTC")

    log_handler = logging.FileHandler(out_dir / LOG_FILE, encoding="utf-8")
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log_handler.setLevel(logging.INFO)
    logger.addHandler(log_handler)
    old_level, old_propagate = logger.level, logger.propagate
    effective = logger.getEffectiveLevel()
    forward: logging.Handler | None = None
    if effective > logging.INFO:
        # NOTE: render.log always gets INFO lines; the console keeps the caller's level, so the
        # INFO records are not propagated, only what the caller would have seen anyway.
        logger.setLevel(logging.INFO)
        logger.propagate = False
        forward = _ForwardHandler(effective)
        logger.addHandler(forward)

    def waiting(pid: str) -> None:
        emit("wait", {"out": out_dir, "pid": pid})

    try:
        with output_lock(out_dir, lock_timeout, on_wait=waiting), _signals_raise():
            _remove_temp_files(out_dir)  # stale temp files of a killed run (we hold the lock)
            try:
                _run_locked(
                    jobs,
                    out_dir,
                    report,
                    force=force,
                    timeout=timeout,
                    executor=executor,
                    scheduler=scheduler,
                    pdf_exe=chromium if pdf else None,
                    workers=workers,
                    data_dir=data_dir,
                    emit=emit,
                    stamp=stamp,
                    now=now,
                )
            except Interrupted as exc:
                report.interrupted = str(exc)
                done = {r.name for r in report.results}
                report.results.extend(
                    BriefResult(j.name, "cancelled") for j in jobs if j.name not in done
                )
                logger.error("interrupted by %s: workers stopped, previous briefs kept", exc)
            finally:
                removed = _remove_temp_files(out_dir)
                if removed:
                    logger.info("removed %d temp file(s)", removed)
        if dated and not report.interrupted:
            update_latest(out_dir)
            if keep is not None:
                apply_retention(out_dir, keep)
        report.seconds = time.perf_counter() - t_start
        logger.info("%s", report.summary())
        emit("finish", {"report": report})
        return report
    finally:
        logger.removeHandler(log_handler)
        log_handler.close()
        if forward is not None:
            logger.removeHandler(forward)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def _run_locked(
    jobs: Sequence[BriefJob],
    out: Path,
    report: RunReport,
    *,
    force: bool,
    timeout: float | None,
    executor: str,
    scheduler: str | None,
    pdf_exe: str | None,
    workers: int | None,
    data_dir: Path | None,
    emit: Reporter,
    stamp: str,
    now: dt.datetime,
) -> None:
    manifest = load_manifest(out)
    entries: dict[str, Any] = manifest["briefs"]
    ctx = key_context(data_dir)
    todo: list[tuple[BriefJob, str, dict[str, str]]] = []
    for job in jobs:
        key, inputs = cache_key(job, ctx)
        prev = entries.get(job.name) or {}
        files = prev.get("files") or {}
        up_to_date = (
            not force
            and prev.get("status") == "ok"
            and prev.get("key") == key
            and files.get("html")
            and (out / files["html"]).is_file()
            and (pdf_exe is None or (files.get("pdf") and (out / files["pdf"]).is_file()))
        )
        if up_to_date:
            report.results.append(BriefResult(job.name, "skipped"))
            emit("done", {"name": job.name, "status": "skipped", "seconds": 0.0})
        else:
            todo.append((job, key, inputs))

    # NOTE: longest first (previous run's time; the comparison brief, which runs every scenario,
    # before unknowns) so that no long brief starts last while the other workers idle.
    def expected_s(item: tuple[BriefJob, str, dict[str, str]]) -> float:
        prev_s = (entries.get(item[0].name) or {}).get("seconds") or {}
        known = prev_s.get("execute")
        return float(known) if known else (1e6 if item[0].kind == "compare" else 1e5)

    todo.sort(key=expected_s, reverse=True)
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
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
        _check_parameters([j for j, _, _ in todo])
        _check_data(data_dir)
        tasks = [
            RenderTask(
                name=j.name,
                notebook=str(j.notebook.resolve()),
                parameters=dict(j.parameters),
                cwd=str(j.notebook.resolve().parent),
                timeout=timeout,
                rendered_at=now.isoformat(timespec="seconds"),
            )
            for j, _, _ in todo
        ]
        by_name = {j.name: (j, key, inputs) for j, key, inputs in todo}
        report.kernels_started = True
        for t in tasks:
            emit("start", {"name": t.name})
        outcomes = (
            run_dask(tasks, scheduler or "") if executor == "dask" else run_local(tasks, n_workers)
        )
        try:
            for outcome in outcomes:
                job, key, inputs = by_name[outcome.name]
                result = _store_outcome(out, job, key, inputs, outcome, entries, now, pdf_exe)
                entries[job.name]["toolkit_version"] = ctx.toolkit_version
                entries[job.name]["packages"] = dict(ctx.packages)
                report.results.append(result)
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
        finally:
            close = getattr(outcomes, "close", None)
            if close:
                close()
            _write_manifest_and_index(out, manifest, stamp, report)
    elif not (out / INDEX).is_file() or not (out / MANIFEST).is_file():
        _write_manifest_and_index(out, manifest, stamp, report)


def _write_manifest_and_index(
    out: Path, manifest: dict[str, Any], stamp: str, report: RunReport
) -> None:
    manifest["updated_at"] = stamp
    try:
        atomic_write(
            out / MANIFEST,
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        )
        atomic_write(out / INDEX, build_index(manifest, generated_at=stamp))
    except OSError as exc:
        # NOTE: never raise from here (it runs in a finally); the previous files stay intact.
        msg = f"could not write {MANIFEST}/{INDEX} in {out}: {exc.strerror or exc}"
        logger.error("%s", msg)
        report.errors.append(msg)


def _error_line(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    where = f"cell {error['cell']}: " if error.get("cell") is not None else ""
    kind = {
        "timeout": "timeout",
        "kernel_died": "kernel died",
        "worker_died": "worker died",
        "export": "export failed",
        "write": "write failed",
    }.get(str(error.get("kind")), "")
    prefix = f"{kind}: " if kind else ""
    return f"{prefix}{where}{error.get('ename', '')}: {error.get('evalue', '')}".strip()


def _store_outcome(
    out: Path,
    job: BriefJob,
    key: str,
    inputs: dict[str, str],
    outcome: RenderOutcome,
    entries: dict[str, Any],
    now: dt.datetime,
    pdf_exe: str | None,
) -> BriefResult:
    """Write one outcome atomically and update its manifest entry."""
    prev = dict(entries.get(job.name) or {})
    seconds = outcome.execute_s + outcome.export_s
    entry: dict[str, Any] = {
        "kind": job.kind,
        "scenario": job.scenario,
        "language": job.language,
        "notebook": job.notebook.name,
        "parameters": _public_parameters(job.parameters),
        "inputs": inputs,
        "seconds": {
            "execute": round(outcome.execute_s, 3),
            "export": round(outcome.export_s, 3),
            "cells": round(outcome.cells_s, 3),
        },
        "charts": outcome.charts,
    }
    error = outcome.error
    if outcome.status == "ok" and outcome.html is not None:
        files = {"html": f"{job.name}.html"}
        try:
            group: list[tuple[Path, bytes | str]] = [(out / files["html"], outcome.html)]
            if outcome.data_filename:
                group.append((out / outcome.data_filename, outcome.data_csv or ""))
                files["data"] = outcome.data_filename
            if outcome.kpis_filename:
                group.append((out / outcome.kpis_filename, outcome.kpis_csv or ""))
                files["kpis"] = outcome.kpis_filename
            atomic_write_many(group)
            if pdf_exe:
                print_pdf(out / files["html"], out / f"{job.name}.pdf", chromium=pdf_exe)
                files["pdf"] = f"{job.name}.pdf"
            with contextlib.suppress(OSError):
                (out / FAILED_DIR / f"{job.name}.ipynb").unlink()
            entry.update(
                status="ok",
                key=key,
                error=None,
                files=files,
                meta=outcome.meta,
                rendered_at=now.isoformat(timespec="seconds"),
                html_bytes=len(outcome.html),
            )
            entries[job.name] = entry
            return BriefResult(job.name, "ok", seconds)
        except OSError as exc:
            error = {
                "kind": "write",
                "cell": None,
                "ename": type(exc).__name__,
                "evalue": f"{exc.strerror or exc} (previous brief kept)",
            }
        except RenderError as exc:
            error = {"kind": "pdf", "cell": None, "ename": "RenderError", "evalue": str(exc)}
    # failure: keep the previous good brief (files, meta, render time) and say what happened
    if outcome.failed_notebook:
        with contextlib.suppress(OSError):
            atomic_write(out / FAILED_DIR / f"{job.name}.ipynb", outcome.failed_notebook)
            entry["failed_notebook"] = f"{FAILED_DIR}/{job.name}.ipynb"
    entry.update(
        status="failed",
        key=None,
        error=error or {"kind": "error", "cell": None, "ename": "", "evalue": "unknown"},
        files=prev.get("files"),
        meta=prev.get("meta"),
        rendered_at=prev.get("rendered_at"),
        failed_at=now.isoformat(timespec="seconds"),
    )
    entries[job.name] = entry
    return BriefResult(job.name, "failed", seconds, entry["error"])


def describe_error(error: Mapping[str, Any] | None) -> str:
    """One-line human summary of a brief's error (used by the CLI and the index)."""
    return html_lib.unescape(_error_line(error))


__all__ = [
    "BriefJob",
    "BriefResult",
    "Interrupted",
    "RenderOutcome",
    "RenderTask",
    "RunReport",
    "apply_retention",
    "atomic_write",
    "build_index",
    "cache_key",
    "data_checksums",
    "describe_error",
    "expand_out",
    "find_chromium",
    "key_context",
    "load_manifest",
    "plan_briefs",
    "print_pdf",
    "render",
    "render_one",
    "run_dask",
    "run_local",
    "update_latest",
]
