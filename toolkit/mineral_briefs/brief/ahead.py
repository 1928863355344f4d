"""Sections computed ahead, in a thread of the kernel, while the first cells wait (issue 16).

A brief's first cells wait for engine runs that another process computes: ``summary()`` for
the levers compared, ``situation()`` for the other branch of the suspension. Most sections
after them need only the central run, which is read by then. :class:`Ahead` computes those
sections in one background thread while the kernel's main thread waits (a file lock releases
the GIL), then the sections that read the lever runs too; each section's cell takes the result
instead of computing it. A cell that comes first computes its section itself, and the thread
skips it.

Only sections marked :func:`computed_ahead` are computed so, and only for a brief prepared
with ``ahead=True`` (the brief notebook). Each result is handed out once: a second call (a cell
run again in JupyterLab) computes afresh, as without this module. An error raised in the
thread is raised by the cell that asks for the section, as if it had been computed there.

# NOTE: a marked section reads the prepared brief and, at most, engine runs and the backtest
# record the brief asks for anyway (through the same disk cache and its key locks, so the
# thread waits where the cell would); it displays nothing (output must belong to its own
# cell) and changes no state another section reads. Its result does not depend on which
# thread computes it or when: the rendered briefs are identical with and without the thread.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger("mineral_briefs.brief")

F = TypeVar("F", bound=Callable[..., Any])

AHEAD_ATTR = "__computed_ahead__"
"""Attribute set on a section method that :class:`Ahead` may compute in its thread."""


def computed_ahead(method: F) -> F:
    """Mark a section method (no arguments besides ``self``) as computable ahead.

    Called on a brief with an :class:`Ahead` (``brief._ahead``), the method returns the
    thread's result for it (waiting if the thread is computing it); otherwise, or called
    again, it computes as usual.
    """
    name = method.__name__

    @functools.wraps(method)
    def section(self: Any) -> Any:
        ahead: Ahead | None = getattr(self, "_ahead", None)
        if ahead is None:
            return method(self)
        return ahead.take(name, lambda: method(self))

    setattr(section, AHEAD_ATTR, True)
    return section  # type: ignore[return-value]


def _inputs(brief: Any) -> tuple[Any, ...]:
    """The brief's public inputs (its dataclass fields), compared by identity (the tuple keeps
    them alive, so no new value can take an old one's place)."""
    return tuple(
        getattr(brief, f.name) for f in dataclasses.fields(brief) if not f.name.startswith("_")
    )


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class Ahead:
    """One background thread computing ``names`` on ``brief`` in order, each result taken once.

    Parameters
    ----------
    brief
        The prepared brief.
    names
        Section methods marked :func:`computed_ahead`, in the order to compute them.

    Raises
    ------
    ValueError
        For a name whose method is not marked :func:`computed_ahead`.
    """

    def __init__(self, brief: Any, names: Iterable[str]) -> None:
        names = list(names)
        unmarked = [n for n in names if not getattr(getattr(type(brief), n, None), AHEAD_ATTR, 0)]
        if unmarked:
            raise ValueError(f"not sections marked computed_ahead: {unmarked}")
        self._brief = brief
        self._inputs = _inputs(brief)
        self._lock = threading.Lock()
        self._queue = list(dict.fromkeys(names))
        self._futures: dict[str, Future[Any]] = {}
        self.computed: list[str] = []
        """Sections this thread computed, in order (logs, tests)."""
        self._thread = threading.Thread(target=self._run, name="brief-ahead", daemon=True)

    _latest: Ahead | None = None
    """The last thread started in this process (a kernel prepares one brief at a time)."""

    def start(self) -> Ahead:
        """Start the thread, and stop the one started before it (returns ``self``).

        # NOTE: an analyst who runs the setup cell again in JupyterLab prepares a new brief;
        # the previous brief's thread would otherwise go on computing sections nobody asks
        # for, beside the new one's.
        """
        previous, Ahead._latest = Ahead._latest, self
        if previous is not None:
            previous.cancel()
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Compute nothing more (a section being computed is finished); a section asked for
        afterwards is computed by the caller."""
        with self._lock:
            self._queue.clear()

    def _next(self) -> tuple[str, Future[Any]] | None:
        with self._lock:
            if not self._queue:
                return None
            name = self._queue.pop(0)
            fut: Future[Any] = Future()
            self._futures[name] = fut
            self.computed.append(name)
            return name, fut

    def _run(self) -> None:
        while (job := self._next()) is not None:
            name, fut = job
            method = getattr(type(self._brief), name).__wrapped__
            try:
                fut.set_result(method(self._brief))
            except BaseException as exc:  # noqa: BLE001 - raised again by the cell that asks
                fut.set_exception(exc)
        log.debug("sections computed ahead: %s", ", ".join(self.computed))

    def take(self, name: str, compute: Callable[[], Any]) -> Any:
        """The thread's result for ``name`` (waiting for it if started); ``compute()`` when the
        thread has not started it (it is then left out), its result was taken already, or an
        input of the brief was set since the thread started (every result is then dropped)."""
        with self._lock:
            if not _same(_inputs(self._brief), self._inputs):
                # NOTE: an input was set on the brief after the thread started (an analyst
                # trying another mineral in JupyterLab): nothing the thread computed holds.
                self._queue.clear()
                self._futures.clear()
            fut = self._futures.pop(name, None)
            if fut is None and name in self._queue:
                self._queue.remove(name)
        if fut is None:
            return compute()
        return fut.result()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread (tests)."""
        self._thread.join(timeout)
