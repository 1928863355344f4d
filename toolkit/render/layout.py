"""Where a run reads and writes: the notebooks, and the file names of an output folder."""

from __future__ import annotations

from pathlib import Path

TOOLKIT_DIR = Path(__file__).resolve().parent.parent  # toolkit/ (this file: toolkit/render/)
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
