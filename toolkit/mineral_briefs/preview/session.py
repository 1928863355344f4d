"""The preview's state: the warm kernel, the last good brief and the current error."""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mineral_briefs.errors import MineralBriefsError
from mineral_briefs.render.pool import IdleSampler
from mineral_briefs.render.worker import RenderOutcome, RenderTask


@dataclass
class Snapshot:
    """What the server shows: a brief (``ok``), an error, or a first render in progress."""

    version: int = 0
    state: str = "starting"  # starting | ok | error
    brief: bytes | None = None
    error: str | None = None
    seconds: float = 0.0
    renders: int = 0


@dataclass
class PreviewSession:
    """Render one scenario on one warm kernel, again whenever :meth:`render` is called.

    Parameters
    ----------
    scenario
        Built-in id or path to a scenario YAML file.
    language
        ``en`` or ``de``.
    timeout
        Per-cell timeout [s].
    """

    scenario: str
    language: str = "en"
    timeout: float | None = 300.0
    snapshot: Snapshot = field(default_factory=Snapshot)
    listeners: list[Callable[[], None]] = field(default_factory=list)
    # NOTE: one thread for every render: the render pipeline keeps one warm kernel per thread
    # (mineral_briefs.render.kernel._state), so a single worker thread means a single kernel.
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="preview-kernel")
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: threading.Event = field(default_factory=threading.Event)
    _futures: list[Future[Snapshot]] = field(default_factory=list)
    _idle: IdleSampler = field(default_factory=IdleSampler)

    def watched_paths(self) -> list[Path]:
        """The scenario file, every file it extends, and the data folder (for the watcher).

        Falls back to the scenario path alone while it cannot be parsed (its ``extends`` chain
        is unknown then); the next good save widens the set again.
        """
        from mineral_briefs.locations import data_dir
        from mineral_briefs.scenarios import scenario_files
        from mineral_briefs.scenarios.files import resolve_ref

        try:
            files = scenario_files(self.scenario)
        except MineralBriefsError:
            files = [resolve_ref(self.scenario).resolve()]
        return [*files, data_dir().resolve()]

    def render_async(self) -> Future[Snapshot]:
        """Queue a render on the kernel thread; the future gives the new snapshot."""
        fut = self._pool.submit(self._render)
        self._futures.append(fut)
        self._futures[:] = [f for f in self._futures if not f.done()]
        return fut

    def _render(self) -> Snapshot:
        t0 = time.perf_counter()
        if self._closing.is_set():
            return self.snapshot
        try:
            task = self._task()
        except MineralBriefsError as exc:
            return self._publish(None, f"{type(exc).__name__}: {exc}", t0)
        from mineral_briefs.render.worker import render_one

        try:
            outcome = render_one(task)
        finally:
            self._idle.mark()
        if outcome.status == "ok" and outcome.html is not None:
            return self._publish(outcome.html, None, t0)
        return self._publish(None, _outcome_error(outcome), t0)

    def _task(self) -> RenderTask:
        """Validate the scenario (raises with file, key path and what is allowed) and plan."""
        from mineral_briefs.render.plan import plan_briefs

        (job,) = plan_briefs([self.scenario], language=self.language)
        nb = job.notebook.resolve()
        return RenderTask(
            name=job.name,
            notebook=str(nb),
            parameters=dict(job.parameters),
            cwd=str(nb.parent),
            timeout=self.timeout,
            rendered_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            # NOTE: the preview process idles while its kernel renders; with a core to spare
            # it computes the brief's other engine runs meanwhile (render.worker.start_prefetch).
            # The spare core is judged by the CPU use since the last render ended (while the
            # analyst edited), not by a 50 ms sample taken after the save.
            prefetch=self._idle.spare(1),
        )

    def _publish(self, brief: bytes | None, error: str | None, t0: float) -> Snapshot:
        with self._lock:
            old = self.snapshot
            new = Snapshot(
                version=old.version + 1,
                state="ok" if brief is not None else "error",
                # NOTE: the last good brief is kept while the file is broken; the page shows
                # the error, and the brief comes back with the next good render.
                brief=brief if brief is not None else old.brief,
                error=error,
                seconds=time.perf_counter() - t0,
                renders=old.renders + 1,
            )
            self.snapshot = new
            listeners = list(self.listeners)
        for notify in listeners:
            notify()
        return new

    def close(self, grace: float = 60.0) -> None:
        """End a render in progress, shut the kernel down and stop the render thread.

        The kernel runs in its own session (Ctrl-C in the terminal does not reach it): its
        process group is terminated until the render in progress returns (a kernel may still
        be starting when the first attempt is made), at most ``grace`` seconds.
        """
        from concurrent.futures import wait

        from mineral_briefs.render.kernel import _shutdown_all_kernels

        self._closing.set()
        end = time.monotonic() + grace
        for fut in list(self._futures):
            fut.cancel()
            while not fut.done() and time.monotonic() < end:
                _terminate_kernels()
                wait([fut], timeout=0.5)
        self._pool.submit(_shutdown_all_kernels)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _terminate_kernels() -> None:
    import contextlib
    import os
    import signal

    from mineral_briefs.render.kernel import kernel_pids

    for pid in kernel_pids():
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGTERM)


def _outcome_error(outcome: RenderOutcome) -> str:
    from mineral_briefs.render.report import describe_error

    return f"the brief did not render: {describe_error(outcome.error)}"


def error_page(message: str, *, has_brief: bool) -> str:
    """The page shown instead of the brief while the scenario or the brief fails (escaped)."""
    note = (
        "The last good brief comes back as soon as the file is fixed and saved."
        if has_brief
        else "The brief appears as soon as the file is fixed and saved."
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>mineral-briefs preview: error</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;"
        "padding:0 1rem}pre{white-space:pre-wrap;background:#fdf0f0;border-left:4px solid "
        "#b00020;padding:1rem}</style></head><body>"
        '<h1 id="preview-error">The brief cannot be rendered</h1>'
        f"<pre>{html.escape(message)}</pre><p>{note}</p></body></html>"
    )


WAITING_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>mineral-briefs preview</title></head><body>"
    '<p id="preview-starting">Rendering the first brief (the kernel is starting)…</p>'
    "</body></html>"
)
