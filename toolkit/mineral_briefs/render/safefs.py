"""Files a render writes in a shared output folder: never through a symlink, never into a folder.

An output folder may be shared (a team's ``reports/``). A ``render.log`` or ``.render.pid``
planted there as a symlink would make the render append to, or overwrite, any file the render
user can write; a ``render.log`` that is a directory used to crash every run. So every fixed
name the render writes is checked with ``lstat`` before the run (a clear error naming the file),
and opened with ``O_NOFOLLOW`` (closing the gap between check and use). Briefs, manifest and
index are written by rename (:mod:`~mineral_briefs.render.atomic`), which replaces a symlink
itself rather than following it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from mineral_briefs.errors import RenderError
from mineral_briefs.render.layout import INDEX, LOCK_FILE, LOG_FILE, MANIFEST, METHODOLOGY, PID_FILE

FIXED_NAMES = (LOCK_FILE, PID_FILE, LOG_FILE, MANIFEST, INDEX, METHODOLOGY)
"""Names the render writes in every output folder."""

_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def check_plain_file(path: Path) -> None:
    """Raise :class:`RenderError` when ``path`` exists and is not a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise RenderError(f"cannot check {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise RenderError(
            f"refusing to write {path}: it is {kind}; allowed: a regular file or nothing. "
            "Remove it and run again"
        )


def check_output_folder(out: Path) -> None:
    """Check every fixed name the render writes in ``out`` (see :data:`FIXED_NAMES`)."""
    for name in FIXED_NAMES:
        check_plain_file(out / name)


def open_nofollow(path: Path, *, append: bool = False) -> IO[str]:
    """Open ``path`` for writing text (UTF-8), refusing a symlink at the last component."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    flags |= os.O_APPEND if append else os.O_TRUNC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        check_plain_file(path)  # names a symlink or a directory clearly
        raise RenderError(f"cannot write {path}: {exc.strerror or exc}") from None
    return os.fdopen(fd, "a" if append else "w", encoding="utf-8")
