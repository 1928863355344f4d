"""A disk cache of validated data tables, so a new process skips parsing and validation.

Every kernel, render worker and CLI call used to read and validate the CSVs again (about
0.5 s on a quiet machine, a tenth of a cold brief). A folder whose files have the same bytes,
validated by the same toolkit source under the same pandas, gives the same frames: those are
stored once as a pickle under ``<cache_dir>/validated-data/`` and read back in milliseconds.

What keys an entry: the folder's path, the sha256 of every table file (a missing optional table
is simply absent), the toolkit's source hash (validation rules live there), and the Python,
pandas and NumPy versions (the pickle's format). Only a folder that validated is stored, so a
broken file always reaches the validator and its error names the file, row and column.

The entries are pickles written by this toolkit into the user's own cache folder; a corrupt or
unreadable entry is ignored (and validation runs). ``MINERAL_BRIEFS_DATA_CACHE=0`` switches the
cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from mineral_briefs.cachefiles import keep_recent

logger = logging.getLogger(__name__)

ENV_SWITCH: Final[str] = "MINERAL_BRIEFS_DATA_CACHE"
"""``0``/``off``/``false``/``no`` turns the validated-data cache off."""

FORMAT: Final[int] = 1
"""Layout version of an entry (part of the key)."""


def enabled() -> bool:
    """True unless :data:`ENV_SWITCH` switches the cache off."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in {"0", "off", "false", "no"}


def entry_path(folder: Path, checksums: Mapping[str, str]) -> Path:
    """Where the entry for ``folder`` with these file checksums lives."""
    import numpy as np
    import pandas as pd

    from mineral_briefs.fingerprint import process_source_hash
    from mineral_briefs.locations import cache_dir

    material = {
        "format": FORMAT,
        "folder": str(folder),
        "files": dict(sorted(checksums.items())),
        "source": process_source_hash(),
        "python": sys.version,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()
    return cache_dir() / "validated-data" / f"{digest[:40]}.pickle"


def read(path: Path) -> dict[str, Any] | None:
    """The frames and vintage stored at ``path`` (:func:`entry_path`), or None (miss,
    unreadable)."""
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)  # noqa: S301 - our own entry in the user's cache folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken entry only costs a validation
        logger.debug("ignoring unreadable validated-data entry %s: %s", path, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # NOTE: its last use, for KEEP_ENTRIES (access times are unreliable)
    return payload if isinstance(payload, dict) else None


def write(path: Path, frames: Mapping[str, Any], vintage: str) -> None:
    """Store a folder's validated frames at ``path`` (best effort: a read-only cache is no
    error)."""
    payload = {**frames, "vintage": vintage}
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # NOTE: atomic: a concurrent reader sees all or nothing
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        keep_recent(path, KEEP_ENTRIES)


KEEP_ENTRIES = 16
"""Validated folders kept (each data folder, data edit or code change adds one of ≈0.2 MB);
the least recently used go first."""
