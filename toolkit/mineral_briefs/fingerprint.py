"""Content fingerprints shared by every disk cache: a file's sha256 and the toolkit's source.

Kept free of pandas and of :mod:`mineral_briefs.render` (whose package imports the pipeline), so
the data layer and a kernel's first cell can key their caches without importing either.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

TOOLKIT_DIR = Path(__file__).resolve().parent
"""The package folder (``mineral_briefs/``)."""


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def toolkit_source_hash() -> str:
    """sha256 over the toolkit's source and template files (a code change re-renders in dev).

    About 10 ms; computed afresh on each call, so a long-lived process sees an edit.
    """
    h = hashlib.sha256()
    for p in sorted(TOOLKIT_DIR.rglob("*")):
        parts = p.relative_to(TOOLKIT_DIR).parts
        # NOTE: assets/ (a wheel's notebooks, scenarios, data) are keyed on their own.
        if (
            p.is_file()
            and "__pycache__" not in parts
            and parts[0] != "assets"
            and p.suffix not in {".pyc", ".pyo"}
        ):
            h.update(p.relative_to(TOOLKIT_DIR).as_posix().encode())
            h.update(b"\0")
            h.update(sha256_file(p).encode())
    return h.hexdigest()


@functools.cache
def process_source_hash() -> str:
    """:func:`toolkit_source_hash`, computed once per process (the code a process runs does not
    change under it: its modules are already imported)."""
    return toolkit_source_hash()
