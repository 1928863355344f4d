"""Output paths named on the command line, checked before any work starts.

Every command that writes where the user says (``simulate --out``, ``backtest --out``,
``schema --out``, ``codelist DIR``, ``sweep --out``, ``render --out``) checks the path here
first, so a path that cannot be written is refused with one clear line naming the option, the
path, the reason and what is allowed (:class:`~mineral_briefs.errors.OutputPathError`, exit 2)
instead of a traceback after minutes of work. Nothing is left behind by a check: the probe
file or folder it makes is removed at once, and a missing folder is only created with
``create=True`` (by the render, which takes its lock there).

Kept light (standard library only): ``simulate`` and ``schema`` import it before any work.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mineral_briefs.errors import OutputPathError

_PROBE = ".mb-write-check-"
"""Prefix of the probe a check writes and removes at once."""

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFREG: "a file",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (a dangling symlink counts as existing)."""
    current = path
    while not os.path.lexists(current) and current.parent != current:
        current = current.parent
    return current


def _probe(folder: Path, *, new_folder: bool) -> None:
    """Create and remove a file (or, with ``new_folder``, a folder) in ``folder``."""
    if new_folder:
        os.rmdir(tempfile.mkdtemp(prefix=_PROBE, dir=folder))
        return
    fd, name = tempfile.mkstemp(prefix=_PROBE, dir=folder)
    os.close(fd)
    os.unlink(name)


def _check_folder(folder: Path, option: str, shown: Path, allowed: str, *, create: bool) -> None:
    """Raise :class:`OutputPathError` (about ``shown``) unless files can be written in
    ``folder`` (created first with ``create``)."""
    base = _nearest_existing(folder)
    try:
        mode = os.stat(base).st_mode
    except OSError as exc:  # a dangling symlink, or a component we may not search
        raise OutputPathError(
            f"{option} {shown}: cannot use {base}: {exc.strerror or exc}; allowed: {allowed}"
        ) from None
    if not stat.S_ISDIR(mode):
        raise OutputPathError(
            f"{option} {shown}: {base} is {_kind(mode)}, not a folder; allowed: {allowed}"
        )
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
            _probe(folder, new_folder=False)
        else:
            _probe(base, new_folder=base != folder)
    except OSError as exc:
        where = folder if create or base == folder else base
        raise OutputPathError(
            f"{option} {shown}: {where} is not writable: {exc.strerror or exc}; allowed: {allowed}"
        ) from None


def writable_folder(path: str | Path, *, option: str = "--out", create: bool = False) -> Path:
    """Check that ``path`` is (or can become) a folder this process can write files in.

    Parameters
    ----------
    path
        The output folder as given; it may not exist yet.
    option
        How the user named it, for the message (``--out``, ``codelist DIR``).
    create
        Create the folder (and its parents) now; otherwise only its nearest existing ancestor
        is probed and nothing is created.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputPathError
        ``path`` or an ancestor is a file (or another non-folder), or the folder it would be
        made in cannot be written.
    """
    folder = Path(path)
    _check_folder(
        folder, option, folder, "a folder this user can write (new or existing)", create=create
    )
    return folder


def writable_file(path: str | Path, *, option: str = "--out", suffixes: Sequence[str] = ()) -> Path:
    """Check that ``path`` can be written as a file (its folder is created when it is written).

    Parameters
    ----------
    path
        The output file as given; it may exist (it is replaced) or not.
    option
        How the user named it, for the message.
    suffixes
        Allowed extensions, lower case with the dot (``(".csv", ".md")``); empty: any.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputPathError
        A wrong extension; ``path`` is a folder, device or pipe; an ancestor is a file; or its
        folder cannot be written.
    """
    out = Path(path)
    if suffixes and out.suffix.lower() not in suffixes:
        allowed = ", ".join(suffixes[:-1]) + (" or " if len(suffixes) > 1 else "") + suffixes[-1]
        raise OutputPathError(f"{option} {str(path)!r}: the extension must be {allowed}")
    try:
        mode: int | None = os.stat(out).st_mode
    except OSError:
        mode = None  # not there yet (or a dangling symlink, which the rename replaces)
    if mode is not None and not stat.S_ISREG(mode):
        # NOTE: written by temp file + rename: a folder would fail late, and a device node
        # (/dev/null) would be replaced by a regular file when running as root.
        raise OutputPathError(
            f"{option} {out}: it is {_kind(mode)}; allowed: a new or existing regular file"
        )
    _check_folder(out.parent, option, out, "a file in a folder this user can write", create=False)
    return out
