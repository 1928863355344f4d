"""The run's log: ``<out>/render.log`` attached to the render logger while a run lasts.

:func:`run_log` is entered by :func:`mineral_briefs.render.run.render` around the whole run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from mineral_briefs.render.layout import LOG_BACKUPS, LOG_FILE, LOG_MAX_BYTES

# NOTE: every module logs to the one "mineral_briefs.render" logger: run.py attaches render.log
# (through run_log here) and the console forwarding to it, so a move between modules never
# changes the log.
logger = logging.getLogger("mineral_briefs.render")


class _ForwardHandler(logging.Handler):
    """Pass records at or above ``level`` on to the parent loggers' handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        parent = logger.parent
        if record.levelno >= self.level and parent is not None:
            parent.handle(record)


class _NoFollowFileHandler(RotatingFileHandler):
    """``render.log`` appended through ``O_NOFOLLOW`` (see :mod:`.safefs`), rotated by size.

    The log is rotated past :data:`LOG_MAX_BYTES` with :data:`LOG_BACKUPS` kept, so a folder
    rendered by cron for years does not grow a log without bound.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")

    def _open(self) -> Any:
        from mineral_briefs.render.safefs import open_nofollow

        return open_nofollow(Path(self.baseFilename), append=True)


@contextlib.contextmanager
def run_log(out_dir: Path) -> Iterator[None]:
    """Log the run's INFO lines to ``<out>/render.log`` while it lasts; restore the logger after."""
    log_handler = _NoFollowFileHandler(out_dir / LOG_FILE)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log_handler.setLevel(logging.INFO)
    logger.addHandler(log_handler)
    old_level, old_propagate = logger.level, logger.propagate
    effective = logger.getEffectiveLevel()
    forward: logging.Handler | None = None
    if effective > logging.INFO:
        # NOTE: render.log always gets INFO lines; the console keeps the caller's level, so the
        # INFO records are not propagated, only what the caller would have seen anyway.
        logger.setLevel(logging.INFO)
        logger.propagate = False
        forward = _ForwardHandler(effective)
        logger.addHandler(forward)
    try:
        yield
    finally:
        logger.removeHandler(log_handler)
        log_handler.close()
        if forward is not None:
            logger.removeHandler(forward)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
