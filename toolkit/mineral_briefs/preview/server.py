"""The preview's web server (tornado): the page, a server-sent-events stream and a status."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import tornado.iostream
import tornado.web

from mineral_briefs.preview.session import WAITING_PAGE, PreviewSession, error_page

RELOAD_SCRIPT = """<script data-mineral-briefs-preview>
(function () {
  var shown = %d;
  var key = "mineral-briefs-preview-scroll";
  var y = sessionStorage.getItem(key);
  if (y !== null) { sessionStorage.removeItem(key); window.scrollTo(0, +y); }
  var es = new EventSource("/events");
  es.onmessage = function (e) {
    if (+e.data !== shown) { sessionStorage.setItem(key, window.scrollY); location.reload(); }
  };
})();
</script>"""
"""Added to the served page only (never to a brief on disk): reload when a new version is out,
keeping the scroll position."""


def served_page(session: PreviewSession) -> tuple[int, bytes]:
    """The page for the current snapshot, with :data:`RELOAD_SCRIPT`: (version, bytes)."""
    snap = session.snapshot
    if snap.state == "error":
        body = error_page(snap.error or "unknown error", has_brief=snap.brief is not None)
        page = body.encode("utf-8")
    elif snap.brief is not None:
        page = snap.brief
    else:
        page = WAITING_PAGE.encode("utf-8")
    script = (RELOAD_SCRIPT % snap.version).encode("utf-8")
    head, sep, tail = page.rpartition(b"</body>")
    return snap.version, (head + script + sep + tail) if sep else page + script


class _Page(tornado.web.RequestHandler):
    def initialize(self, session: PreviewSession) -> None:
        self.session = session

    def get(self) -> None:
        version, page = served_page(self.session)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Preview-Version", str(version))
        self.write(page)


class _Status(tornado.web.RequestHandler):
    def initialize(self, session: PreviewSession) -> None:
        self.session = session

    def get(self) -> None:
        snap = self.session.snapshot
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        info = {
            "version": snap.version,
            "state": snap.state,
            "error": snap.error,
            "seconds": round(snap.seconds, 3),
            "renders": snap.renders,
        }
        self.write(json.dumps(info))


class _Events(tornado.web.RequestHandler):
    """``text/event-stream``: the current version now, then each new one as it is published."""

    def initialize(self, session: PreviewSession, stopping: asyncio.Event) -> None:
        self.session = session
        self.stopping = stopping
        self.closed = False

    def on_connection_close(self) -> None:
        self.closed = True

    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-store")
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def notify() -> None:  # called from the kernel thread when a render is published
            loop.call_soon_threadsafe(changed.set)

        self.session.listeners.append(notify)
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            sent = -1
            while not self.closed and not self.stopping.is_set():
                version = self.session.snapshot.version
                if version != sent:
                    self.write(f"data: {version}\n\n")
                    await self.flush()
                    sent = version
                change = asyncio.ensure_future(changed.wait())
                await asyncio.wait({change, stop}, return_when=asyncio.FIRST_COMPLETED)
                change.cancel()
                changed.clear()
        except tornado.iostream.StreamClosedError:
            pass
        finally:
            stop.cancel()
            self.session.listeners.remove(notify)


def make_app(session: PreviewSession, stopping: asyncio.Event) -> tornado.web.Application:
    """The tornado application serving ``session``."""
    args: dict[str, Any] = {"session": session}
    return tornado.web.Application(
        [
            (r"/", _Page, args),
            (r"/status", _Status, args),
            (r"/events", _Events, {**args, "stopping": stopping}),
        ]
    )
