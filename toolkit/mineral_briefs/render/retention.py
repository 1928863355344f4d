"""Dated runs: ``{date}`` output folders, the ``latest`` pointer and retention of old runs."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
from pathlib import Path

from mineral_briefs.errors import RenderError, UsageError
from mineral_briefs.render.atomic import atomic_write
from mineral_briefs.render.layout import TMP_MARK

# NOTE: every module logs to the one "mineral_briefs.render" logger: run.py attaches render.log
# and the console forwarding to it, so a move between modules never changes the log.
logger = logging.getLogger("mineral_briefs.render")

_DATE_DIR_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


PLACEHOLDERS = ("{date}",)
"""What an output folder template may contain (``--out 'reports/{date}'``)."""

_PLACEHOLDER_RE = re.compile(r"\{[^{}/]*\}")


def check_out_template(out: str | Path) -> None:
    """Refuse ``{…}`` placeholders other than :data:`PLACEHOLDERS` (UsageError, exit 2): an
    unknown one would otherwise become a literal ``{foo}`` folder."""
    unknown = sorted({m for m in _PLACEHOLDER_RE.findall(str(out)) if m not in PLACEHOLDERS})
    if unknown:
        raise UsageError(
            f"--out {str(out)!r}: unknown placeholder {', '.join(unknown)}; allowed: "
            f"{', '.join(PLACEHOLDERS)} (today's date, UTC YYYY-MM-DD)"
        )


def expand_out(out: str | Path, now: dt.datetime | None = None) -> Path:
    """Expand ``{date}`` (YYYY-MM-DD, UTC) in an output folder template (after
    :func:`check_out_template`)."""
    check_out_template(out)
    now = now or dt.datetime.now(dt.UTC)
    return Path(str(out).replace("{date}", now.strftime("%Y-%m-%d")))


def update_latest(out: Path) -> None:
    """Point ``<parent>/latest`` at ``out`` (symlink, or a pointer file where symlinks fail)."""
    parent = out.parent
    link = parent / "latest"
    if link.is_symlink() or not link.exists():
        tmp = parent / f"{TMP_MARK}latest"
        with contextlib.suppress(OSError):
            tmp.unlink()
        try:
            os.symlink(out.name, tmp, target_is_directory=True)
            os.replace(tmp, link)
            return
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
    if link.is_dir() and not link.is_symlink():
        logger.warning("%s is a real folder; not replacing it with a pointer", link)
        return
    atomic_write(parent / "latest.txt" if link.is_dir() else link, out.name + "\n")


def previous_run(out: Path) -> Path | None:
    """The dated folder ``<parent>/latest`` points at, when it is another folder than ``out``."""
    parent = out.parent
    link = parent / "latest"
    target: Path | None = None
    try:
        if link.is_symlink():
            target = link.resolve()
        else:
            pointer = link if link.is_file() else parent / "latest.txt"
            if pointer.is_file():
                name = pointer.read_text(encoding="utf-8").strip()
                target = parent / name if _DATE_DIR_RE.match(name) else None
    except OSError:
        return None
    if target is None or not target.is_dir() or target.resolve() == out.resolve():
        return None
    return target


def reuse_files(previous: Path, out: Path, files: dict[str, str]) -> bool:
    """Hard-link (else copy) a brief's files from the ``previous`` run into ``out``.

    Returns False, leaving ``out`` without any of them, when a file is missing, is a symlink
    or is not a plain file name.

    # NOTE: a hard link is safe because every write of a brief is temp file + rename: a later
    # run replacing the file in either folder gets a new inode and never edits the shared one.
    """
    import shutil

    names = list(dict.fromkeys(files.values()))
    # NOTE: only plain file names of regular files (never a symlink, never a path out of the
    # folder), whatever a hand-edited manifest in the previous folder says.
    if not names or not all(
        isinstance(n, str)
        and n == Path(n).name
        and n not in ("", ".", "..")
        and (previous / n).is_file()
        and not (previous / n).is_symlink()
        for n in names
    ):
        return False
    done: list[Path] = []
    try:
        for name in names:
            tmp = out / f"{TMP_MARK}{name}"
            with contextlib.suppress(OSError):
                tmp.unlink()
            try:
                os.link(previous / name, tmp)
            except OSError:
                shutil.copy2(previous / name, tmp)
            os.replace(tmp, out / name)
            done.append(out / name)
    except OSError as exc:
        logger.warning("could not reuse %s from %s: %s", names, previous.name, exc)
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        return False
    return True


def run_succeeded(folder: Path) -> bool:
    """Whether ``folder`` holds a complete good run: a manifest whose every brief is ``ok``."""
    import json

    from mineral_briefs.render.layout import MANIFEST

    try:
        briefs = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("briefs")
    except (OSError, ValueError, AttributeError):
        return False
    if not isinstance(briefs, dict):
        return False
    return all(isinstance(e, dict) and e.get("status") == "ok" for e in briefs.values())


FAILED_SUFFIX = ".failed"
"""A dated run in which nothing rendered is kept as ``<date>.failed`` (never a run)."""


def set_aside_failed_run(out: Path, *, attempted: bool) -> Path | None:
    """Take a dated folder this run made, in which nothing rendered, out of the runs.

    With ``attempted`` (a kernel ran: there are failed notebooks and a log to read) the folder
    becomes ``<date>.failed`` (replacing that of an earlier failure of the day); otherwise (the
    run stopped before any brief, its error already printed) it is removed. Either way no
    ``YYYY-MM-DD`` folder is left that a reader, ``latest`` or retention could take for a run.
    Returns the folder kept, or None.

    # NOTE: skipped while another run holds the folder (its pid file is there): that run made
    # briefs of its own there, or will.
    """
    import shutil

    from mineral_briefs.render.layout import PID_FILE

    if not out.is_dir() or out.is_symlink() or os.path.lexists(out / PID_FILE):
        return None
    target = out.with_name(out.name + FAILED_SUFFIX)
    try:
        if not attempted:
            shutil.rmtree(out)
            return None
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(out, target)
    except OSError as exc:
        logger.warning("could not set aside the failed run %s: %s", out, exc)
        return None
    logger.warning("nothing rendered: %s kept as %s (not a run)", out.name, target.name)
    return target


def apply_retention(out: Path, keep: int) -> list[Path]:
    """Delete dated sibling folders (``YYYY-MM-DD``) older than the newest ``keep`` good runs.

    Only successful runs (:func:`run_succeeded`) count towards ``keep``: a string of failed weekly
    runs can never push the last good briefs out. Failed runs newer than the oldest kept good
    run stay (they are the evidence of what went wrong); the folder ``latest`` points to and the
    current run are never removed. Nothing else in the parent folder is touched.
    """
    import shutil

    if keep < 1:
        raise RenderError("--keep must be at least 1")
    parent = out.parent
    dated = sorted(
        (
            p
            for p in parent.iterdir()
            if p.is_dir() and not p.is_symlink() and _DATE_DIR_RE.match(p.name)
        ),
        reverse=True,
    )
    protected = {out.resolve()}
    latest = parent / "latest"
    with contextlib.suppress(OSError):
        if latest.is_symlink():
            protected.add(latest.resolve())
    good = 0
    doomed: list[Path] = []
    for p in dated:
        if good >= keep and p.resolve() not in protected:
            doomed.append(p)
        elif run_succeeded(p):
            good += 1
    # NOTE: the folders of failed runs set aside (<date>.failed) go with the runs of their time
    kept = [p.name for p in dated if p not in doomed]
    oldest = min(kept) if kept else ""
    doomed += [
        p
        for p in parent.iterdir()
        if p.name.endswith(FAILED_SUFFIX)
        and _DATE_DIR_RE.match(p.name.removesuffix(FAILED_SUFFIX))
        and p.name.removesuffix(FAILED_SUFFIX) < oldest
        and p.is_dir()
        and not p.is_symlink()
    ]
    for p in doomed:
        shutil.rmtree(p)
        logger.info("retention: removed %s", p.name)
    return doomed
