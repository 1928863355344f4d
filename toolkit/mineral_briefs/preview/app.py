"""``mineral-briefs preview``: serve, watch, re-render; stop cleanly on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from mineral_briefs.preview.session import PreviewSession, Snapshot

logger = logging.getLogger("mineral_briefs.preview")

IGNORED_SUFFIXES = (".swp", ".swx", ".tmp", "~", ".part", ".lock")
"""Editor swap files and partial writes: saving them is not a save of the watched file."""


def cmd_preview(args: argparse.Namespace) -> int:
    """Render ``args.scenario`` on one warm kernel and serve it until Ctrl-C (exit 0)."""
    from mineral_briefs.extras import require

    require("watchfiles", "mineral-briefs preview")
    require("tornado", "mineral-briefs preview")
    for noisy in ("traitlets", "nbclient", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # NOTE: a failing brief is shown in the page (and printed); papermill's own log line would
    # repeat it, and on Ctrl-C it reports the kernel we end on purpose as "died".
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    session = PreviewSession(args.scenario, language=args.language)
    try:
        asyncio.run(_serve(session, args.host, args.port))
    finally:
        session.close()
    return 0


def _relevant(session_files: set[Path], data_dir: Path):  # type: ignore[no-untyped-def]
    """A watchfiles filter: the scenario files themselves and anything in the data folder."""

    def accept(_change: object, path: str) -> bool:
        p = Path(path)
        if p.name.startswith((".", "#")) or p.name.endswith(IGNORED_SUFFIXES):
            return False
        return p in session_files or p.is_relative_to(data_dir)

    return accept


async def _watch(session: PreviewSession, stopping: asyncio.Event) -> None:
    """Re-render after each save; re-read the watched set after every render (``extends``)."""
    import watchfiles

    while not stopping.is_set():
        paths = session.watched_paths()
        data_dir = paths[-1]
        files = set(paths[:-1])
        # NOTE: the folders are watched, not the files: editors that save by writing a new
        # file and renaming it over the old one would otherwise end the watch.
        roots = sorted({str(p.parent) for p in files} | {str(data_dir)})
        async for changes in watchfiles.awatch(
            *roots,
            watch_filter=_relevant(files, data_dir),
            stop_event=stopping,
            step=50,
            recursive=True,
        ):
            names = sorted({Path(p).name for _, p in changes})
            logger.info("changed: %s — re-rendering", ", ".join(names))
            snap = await asyncio.wrap_future(session.render_async())
            _say(session, snap.state, snap.seconds, snap.error)
            if set(session.watched_paths()) != set(paths):
                break  # the extends chain changed: watch the new set


def _say(session: PreviewSession, state: str, seconds: float, error: str | None) -> None:
    line = f"{session.scenario}: {state} in {seconds:.1f} s"
    if error:
        line += f" — {error.splitlines()[0][:200]}"
    print(line, flush=True)


async def _serve(session: PreviewSession, host: str, port: int) -> None:
    import tornado.httpserver
    import tornado.netutil

    from mineral_briefs.preview.server import make_app

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server = tornado.httpserver.HTTPServer(make_app(session, stopping))
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    print(
        f"preview of {session.scenario} ({session.language}) at http://{host}:{bound}/ "
        "— Ctrl-C stops",
        flush=True,
    )
    watcher = asyncio.create_task(_watch(session, stopping))
    first = asyncio.wrap_future(session.render_async())
    first.add_done_callback(lambda f: _said(session, f))
    try:
        await stopping.wait()
    finally:
        print("stopping the preview …", file=sys.stderr, flush=True)
        server.stop()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher
        await server.close_all_connections()


def _said(session: PreviewSession, fut: asyncio.Future[Snapshot]) -> None:
    """Print the first render's outcome line (the later ones are printed by the watcher)."""
    if not fut.cancelled() and fut.exception() is None:
        snap = fut.result()
        _say(session, snap.state, snap.seconds, snap.error)
