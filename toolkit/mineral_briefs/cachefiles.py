"""Two helpers for files in the toolkit's cache folder (:func:`mineral_briefs.locations.cache_dir`):
an advisory lock around a build that several processes may start at once, and keeping only the
most recently used entries of a folder that gains one per code, data or document version."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Exclusive advisory lock on the file ``path``; yields whether this process holds it.

    With ``wait`` (the default) it waits for another holder and always yields True; without, it
    yields False at once while another process holds the lock (the caller does other work
    first and comes back).

    No lock where ``fcntl`` is missing (Windows) or the lock file cannot be created (a read-only
    or absent cache folder), and True is yielded: every caller writes its result by an atomic
    rename, so without the lock the worst case is the same work done twice, never a
    half-written entry.
    """
    try:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+b")  # noqa: SIM115 - closed below
    except (ImportError, OSError):
        yield True
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def keep_recent(entry: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently modified files beside ``entry`` that share its
    suffix; ``entry`` itself (just written) stays. Files that vanish meanwhile are skipped."""

    def used(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    others = sorted((p for p in entry.parent.glob(f"*{entry.suffix}") if p != entry), key=used)
    for old in others[: max(0, len(others) - (keep - 1))]:
        with contextlib.suppress(OSError):
            old.unlink()
