"""The engine cache's size cap: least recently used entries go first.

Every code change (the toolkit source hash is part of the key), data release or sweep leaves
entries behind that no later run reads, so without a cap ``<cache_dir>/engine`` only grows.
After a new entry is written, :func:`prune` measures the folder and, while it is larger than
the cap, removes the entry whose last use is oldest (:func:`prune_after_write` decides when a
measurement is due: not after every write, see there). "Last use" is the modification time of the
entry's ``entry.json``: set when the entry is written and refreshed by every hit
(:func:`touch`), because file *access* times are unreliable (``noatime``/``relatime`` mounts).

The cap is ``$MINERAL_BRIEFS_ENGINE_CACHE_MAX_MB`` megabytes (1 MB = 10**6 bytes, a positive
number), default :data:`DEFAULT_MAX_MB`. The entry just written is never removed, so a single
entry larger than the cap still serves its run. Removal renames the entry aside first (atomic):
a process reading it at that moment sees a missing file, discards it and recomputes — never a
half-deleted entry.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from mineral_briefs.errors import CacheConfigError as CacheConfigError

ENV_MAX_MB = "MINERAL_BRIEFS_ENGINE_CACHE_MAX_MB"
"""Environment variable: the cap in megabytes [MB]."""

DEFAULT_MAX_MB = 1000.0
"""Default cap [MB]. An entry is 0.1–0.2 MB (a brief's full Monte Carlo result), so about
5,000–10,000 results: every brief of many code versions, or several 1,000-point sweeps."""

STALE_TEMP_S = 3600.0
"""A temporary or discarded folder (``.<key>.….tmp`` / ``.bad``) older than this [s] is left
over from a killed process and is removed too."""


@dataclass(frozen=True)
class _Entry:
    key: str
    path: Path
    size: int
    """Bytes of the entry's files."""
    used: float
    """Last use: ``entry.json``'s modification time [s since the epoch]."""


def max_bytes() -> int:
    """The cap in bytes from :data:`ENV_MAX_MB` (unset or empty: :data:`DEFAULT_MAX_MB`).

    Raises
    ------
    CacheConfigError
        If the variable is set to anything but a positive finite number of megabytes.
    """
    raw = os.environ.get(ENV_MAX_MB, "").strip()
    if not raw:
        return int(DEFAULT_MAX_MB * 1e6)
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not math.isfinite(mb) or mb <= 0:
        raise CacheConfigError(
            f"{ENV_MAX_MB}={raw[:40]!r}: allowed: a positive number of megabytes "
            f"(e.g. 500; unset for the default {DEFAULT_MAX_MB:g})"
        )
    return max(1, int(mb * 1e6))


def touch(entry: Path) -> None:
    """Mark ``entry`` as used now (its ``entry.json`` modification time)."""
    with contextlib.suppress(OSError):  # removed meanwhile: nothing to mark
        os.utime(entry / "entry.json")


def _is_key(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _measure(path: Path) -> _Entry | None:
    """Size and last use of the entry folder ``path`` (None when it vanished meanwhile)."""
    size = 0
    used = 0.0  # NOTE: no entry.json (damaged): oldest of all, removed first
    try:
        with os.scandir(path) as files:
            for f in files:
                st = f.stat(follow_symlinks=False)
                size += st.st_size
                if f.name == "entry.json":
                    used = st.st_mtime
    except OSError:
        return None
    return _Entry(path.name, path, size, used)


def entries(folder: Path) -> list[_Entry]:
    """Every entry in ``folder``, least recently used first."""
    found: list[_Entry] = []
    try:
        with os.scandir(folder) as items:
            names = [d.name for d in items if d.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    for name in names:
        if _is_key(name):
            entry = _measure(folder / name)
            if entry is not None:
                found.append(entry)
        elif name.startswith(".") and name.endswith((".tmp", ".bad")):
            _remove_if_stale(folder / name)
    return sorted(found, key=lambda e: (e.used, e.key))


def _remove_if_stale(path: Path) -> None:
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > STALE_TEMP_S:
            shutil.rmtree(path, ignore_errors=True)


def remove(folder: Path, key: str) -> bool:
    """Remove the entry ``key`` (renamed aside, then deleted) and its idle lock file."""
    entry = folder / key
    trash = folder / f".{key}.{uuid.uuid4().hex[:8]}.bad"
    try:
        os.rename(entry, trash)
    except OSError:
        return False  # another process removed it first
    shutil.rmtree(trash, ignore_errors=True)
    _remove_idle_lock(folder / f"{key}.lock")
    return True


def _remove_idle_lock(path: Path) -> None:
    """Delete a key's lock file unless a process holds it (then it stays: tiny, harmless)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: lock files are not used there
        return
    try:
        fh = open(path, "a+b")  # noqa: SIM115 - closed below, after the unlink
    except OSError:
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return
    # NOTE: a process that opened the file just before the unlink may lock the orphaned inode
    # while another creates a new one: at worst both compute the key once, and the atomic
    # rename keeps one whole entry.
    with contextlib.suppress(OSError):
        path.unlink()
    fh.close()


RESCAN_SHARE = 0.05
"""A process measures the folder again after writing this share of the cap since its last
measurement, even when its running estimate stays below the cap (other processes write too)."""

_ESTIMATES: dict[str, tuple[int, int]] = {}
"""Per folder, in this process: bytes found by the last measurement, bytes written since."""


def prune_after_write(folder: Path, cap: int, written: int, *, keep: str) -> list[str]:
    """:func:`prune` after an entry of ``written`` bytes was stored, when it may be needed.

    Measuring the folder reads every entry's files: about 40 µs an entry, so 0.2-0.4 s with
    a full cache (5,000-10,000 entries) after *every* engine run computed. The folder is
    measured on this process's first write, then again when the running estimate (the last
    measurement plus what this process wrote since) passes 90 % of the cap, or when this
    process wrote :data:`RESCAN_SHARE` of the cap since the last measurement (other processes
    write too: the folder may overshoot the cap by about that much per writing process).
    """
    name = str(folder)
    last = _ESTIMATES.get(name)
    if last is not None:
        measured, since = last[0], last[1] + written
        if measured + since <= 0.9 * cap and since <= RESCAN_SHARE * cap:
            _ESTIMATES[name] = (measured, since)
            return []
    removed, total = _prune(folder, cap, keep=keep)
    _ESTIMATES[name] = (total, 0)
    return removed


def prune(folder: Path, limit: int | None = None, *, keep: str = "") -> list[str]:
    """Remove least recently used entries of ``folder`` until it holds at most ``limit`` bytes.

    Parameters
    ----------
    folder
        The engine cache folder (``<cache_dir>/engine``).
    limit
        Cap [bytes] (default :func:`max_bytes`).
    keep
        A key never removed (the entry just written).

    Returns
    -------
    list of str
        The removed keys, oldest use first.
    """
    cap = max_bytes() if limit is None else int(limit)
    return _prune(folder, cap, keep=keep)[0]


def _prune(folder: Path, cap: int, *, keep: str) -> tuple[list[str], int]:
    """:func:`prune`, and the bytes left in the folder."""
    found = entries(folder)
    total = sum(e.size for e in found)
    removed: list[str] = []
    for entry in found:
        if total <= cap:
            break
        if entry.key == keep:
            continue
        if remove(folder, entry.key):
            removed.append(entry.key)
        total -= entry.size  # gone either way: removed here or by another process
    return removed, total
