"""The output-folder lock: one run writes a folder at a time; others fail or wait."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from mineral_briefs.errors import RenderError
from mineral_briefs.render.layout import LOCK_FILE, PID_FILE
from mineral_briefs.render.safefs import check_plain_file, open_nofollow


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

    check_plain_file(out / LOCK_FILE)
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
        with contextlib.suppress(OSError, RenderError), open_nofollow(out / PID_FILE) as fh:
            fh.write(str(os.getpid()))
        yield
    finally:
        with contextlib.suppress(OSError):
            (out / PID_FILE).unlink()
        lock.release()
