"""Where a run reads and writes: the notebooks, and the file names of an output folder."""

from __future__ import annotations

# NOTE: the package folder is defined once, in fingerprint (it hashes the toolkit source).
from mineral_briefs.fingerprint import TOOLKIT_DIR as TOOLKIT_DIR
from mineral_briefs.naming import METHODOLOGY_PAGE

BRIEF_NOTEBOOK = "brief.ipynb"
COMPARE_NOTEBOOK = "compare.ipynb"
"""Notebook names; :func:`mineral_briefs.locations.notebook` finds the file (workspace, else
built-in)."""

MANIFEST = "manifest.json"
INDEX = "index.html"
METHODOLOGY = METHODOLOGY_PAGE
LOG_FILE = "render.log"
LOG_MAX_BYTES = 1_000_000
"""``render.log`` is rotated when a line would take it past this size [bytes]."""
LOG_BACKUPS = 5
"""Rotated logs kept: ``render.log.1`` (newest) … ``render.log.5``; older ones are deleted."""
FAILED_DIR = "_failed"
LOCK_FILE = ".render.lock"
PID_FILE = ".render.pid"
TMP_MARK = ".mbtmp-"
