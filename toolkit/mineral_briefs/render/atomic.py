"""Atomic file writes (temp file in the same folder, fsync, rename) and their temp-file cleanup."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from mineral_briefs.render.layout import FAILED_DIR, TMP_MARK

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
