"""Render briefs: parallel, incremental, atomic — the only package that drives papermill.

Pipeline (``docs/rendering.md`` has the user's view), by module:

1. ``plan``: :func:`plan_briefs` validates every scenario
(``mineral_briefs.scenarios.load_scenario``)
   before any kernel starts and turns (scenario × language) plus the comparison brief into
   :class:`BriefJob` s.
2. ``run``: :func:`render` computes each job's cache key (``keys``: notebook, scenario files, data
   files, toolkit version + source hash, language, parameters, key package versions), skips jobs
   whose key matches the manifest, checks parameter names against the notebook's ``parameters`` cell
   (``checks``) and hands the rest to an executor:

   * ``pool`` (``local``): a ``ProcessPoolExecutor`` whose workers each hold ONE warm kernel
     (``kernel``), reset by an in-memory first cell ``%reset -f`` before every brief and restarted
     after :data:`RESTART_AFTER` briefs, on death or on timeout, plus one shared ``HTMLExporter``;
   * ``dask_executor`` (``dask``): ``distributed.Client(address).map(...)``; the same worker code
     (``worker.render_one``) runs in the Dask worker processes.

   Workers return bytes; only this process writes, each file atomically (``atomic``: temp file in
   the same folder, fsync, rename) under the folder's lock (``lock``). A failing brief keeps its
   previous good version; its executed notebook is kept in ``<out>/_failed/``; the run carries on
   and reports failure in its exit code (``report``).
3. ``manifest``: ``<out>/manifest.json`` (keys, inputs' checksums, status, times, package versions
   — no absolute paths, no environment) and ``<out>/index.html`` (``index``) are rewritten at the
   end of every run. ``pdf`` prints briefs with Chromium; ``retention`` handles ``{date}`` folders,
   ``latest`` and ``--keep``; ``signals`` turns SIGINT/SIGTERM into :class:`Interrupted`.
"""

from __future__ import annotations

from mineral_briefs.render.atomic import atomic_write, atomic_write_many
from mineral_briefs.render.dask_executor import run_dask
from mineral_briefs.render.index import build_index
from mineral_briefs.render.kernel import KERNEL_NAME, RESTART_AFTER
from mineral_briefs.render.keys import (
    KEY_PACKAGES,
    KeyContext,
    cache_key,
    data_checksums,
    default_data_dir,
    key_context,
    package_versions,
    sha256_file,
    toolkit_source_hash,
)
from mineral_briefs.render.layout import (
    BRIEF_NOTEBOOK,
    COMPARE_NOTEBOOK,
    FAILED_DIR,
    INDEX,
    LOCK_FILE,
    LOG_FILE,
    MANIFEST,
    PID_FILE,
    TMP_MARK,
    TOOLKIT_DIR,
)
from mineral_briefs.render.lock import output_lock
from mineral_briefs.render.manifest import load_manifest, logger
from mineral_briefs.render.pdf import CHROMIUM_FLAGS, find_chromium, print_pdf
from mineral_briefs.render.plan import BriefJob, plan_briefs
from mineral_briefs.render.pool import run_local
from mineral_briefs.render.report import BriefResult, Reporter, RunReport, describe_error
from mineral_briefs.render.retention import apply_retention, expand_out, update_latest
from mineral_briefs.render.run import DEFAULT_TIMEOUT_S, render
from mineral_briefs.render.signals import Interrupted
from mineral_briefs.render.worker import RESET_SOURCE, RenderOutcome, RenderTask, render_one

__all__ = [
    "BRIEF_NOTEBOOK",
    "CHROMIUM_FLAGS",
    "COMPARE_NOTEBOOK",
    "DEFAULT_TIMEOUT_S",
    "FAILED_DIR",
    "INDEX",
    "KERNEL_NAME",
    "KEY_PACKAGES",
    "LOCK_FILE",
    "LOG_FILE",
    "MANIFEST",
    "PID_FILE",
    "RESET_SOURCE",
    "RESTART_AFTER",
    "TMP_MARK",
    "TOOLKIT_DIR",
    "BriefJob",
    "BriefResult",
    "Interrupted",
    "KeyContext",
    "RenderOutcome",
    "RenderTask",
    "Reporter",
    "RunReport",
    "apply_retention",
    "atomic_write",
    "atomic_write_many",
    "build_index",
    "cache_key",
    "data_checksums",
    "default_data_dir",
    "describe_error",
    "expand_out",
    "find_chromium",
    "key_context",
    "load_manifest",
    "logger",
    "output_lock",
    "package_versions",
    "plan_briefs",
    "print_pdf",
    "render",
    "render_one",
    "run_dask",
    "run_local",
    "sha256_file",
    "toolkit_source_hash",
    "update_latest",
]
