"""One warm Jupyter kernel per worker thread, and the papermill engine that runs briefs on it."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from typing import Any

from mineral_briefs.export import CHARTS_ENV
from mineral_briefs.render_kernel import PRELOAD_ENV

RESTART_AFTER = 25
"""A worker restarts its kernel after this many briefs (bounds memory growth in the kernel)."""
KERNEL_NAME = "python3"

_UNIX_SOCKET_PATH_MAX = 104
"""Longest Unix socket path every POSIX system accepts (macOS 104, Linux 108 bytes)."""


def kernel_transport() -> dict[str, str]:
    """Transport settings of a new kernel: IPC sockets at a unique absolute path where one
    fits a Unix socket path, else TCP.

    # NOTE: jupyter_client's IPC default is the relative path ``kernel-ipc`` (resolved in
    # each process's own cwd, and shared by every kernel started there); an absolute path
    # with a fresh uuid gives every kernel its own socket files, whatever its cwd.
    """
    if os.name != "posix":
        return {"transport": "tcp"}
    base = os.path.join(tempfile.gettempdir(), f"mb-kernel-{uuid.uuid4().hex}")
    if len(base) + len("-99999") >= _UNIX_SOCKET_PATH_MAX:
        return {"transport": "tcp"}
    return {"transport": "ipc", "ip": base}


LAUNCHER = "mineral_briefs.render_kernel"
"""Module that starts the render kernels (:mod:`mineral_briefs.render_kernel`)."""


def headless_spec(km: Any) -> bool:
    """Start ``km``'s kernel with :data:`LAUNCHER` instead of ``ipykernel_launcher`` (no
    debugger: nobody attaches one to a render kernel); True if the spec was changed.

    Only a spec that runs ``-m ipykernel_launcher`` on this very interpreter is changed, so the
    launcher is importable; any other spec (another environment, another kernel) is left as it
    is. ``-Xfrozen_modules=off`` goes too: the spec asks for it for the debugger only.
    """
    import shutil
    import sys

    try:
        spec = km.kernel_spec
    except Exception:  # noqa: BLE001 - no such kernel: jupyter_client reports it at start
        return False
    argv = list(getattr(spec, "argv", None) or [])
    try:
        i = argv.index("-m")
    except ValueError:
        return False
    if argv[i + 1 : i + 2] != ["ipykernel_launcher"]:
        return False
    exe = argv[0]
    # NOTE: the bare names jupyter_client itself runs with sys.executable (format_kernel_cmd)
    major, minor = sys.version_info[:2]
    bare = ("python", f"python{major}", f"python{major}.{minor}")
    if exe not in bare:
        # NOTE: paths compared as written, not resolved: two virtual environments on one
        # base interpreter resolve to the same file, yet only this one has the toolkit.
        found = shutil.which(exe) or exe
        if os.path.abspath(found) != os.path.abspath(sys.executable):
            return False
    head = [a for a in argv[1:i] if a != "-Xfrozen_modules=off"]
    spec.argv = [exe, *head, "-m", LAUNCHER, *argv[i + 2 :]]
    return True


def _kernel_process(km: Any) -> tuple[Any, Any]:
    """(provisioner, its kernel process) of ``km``; either may be None."""
    prov = getattr(km, "provisioner", None)
    return prov, getattr(prov, "process", None)


def _kernel_pid(km: Any) -> int | None:
    return getattr(_kernel_process(km)[1], "pid", None)


class _WorkerState:
    """One warm kernel (``KernelManager``) reused across briefs, restarted when needed."""

    def __init__(self) -> None:
        self.km: Any = None
        self.kc: Any = None
        self.cwd: str | None = None
        self.runs = 0
        self.restarts = 0
        self.lock = threading.Lock()
        self.warming: threading.Thread | None = None
        """The preload of a just-started kernel (:func:`preload`), while it runs."""
        self.fresh = False
        """A kernel was started and no client of this state has been made ready for it."""
        self.preloads = False
        """The current kernel preloads itself at start (:data:`PRELOAD_ENV`)."""
        self.exporter: threading.Thread | None = None
        """The worker's exporter warm-up (``pool._load_exporter``), while it runs."""

    def wait_warm(self, timeout: float = 120.0) -> None:
        """Wait for a just-started kernel's preload, so a brief's cell times hold none of it,
        and make the client the notebook will use ready for it (:meth:`_ready`).

        The kernel of this interpreter preloads itself before its first reply
        (:mod:`mineral_briefs.render_kernel`); another kernel gets :func:`preload` from a
        thread (:attr:`warming`), and the client is connected before that wait so that its
        IOPub subscription has the whole preload to settle. On any failure the client is
        dropped and nbclient makes its own, as before.
        """
        warm, self.warming = self.warming, None
        fresh, self.fresh = self.fresh, False
        if warm is None and not fresh:
            return
        kc = None
        if self.kc is None and self.km is not None:
            with contextlib.suppress(Exception):
                kc = self.km.client()
                # NOTE: no heartbeat channel (as in preload): the kernel's process is watched
                # instead (_ready, and the client's is_alive asks its manager). On a kernel
                # that died at start the heartbeat thread reopened its socket so fast that the
                # process ran out of file descriptors ("Too many open files", seen in tests).
                kc.start_channels(hb=False)
        if warm is not None:
            warm.join(timeout)
        if kc is None:
            return
        if not self._ready(kc, timeout):
            # NOTE: nbclient starts its own client then, and reports a dead kernel itself
            with contextlib.suppress(Exception):
                kc.stop_channels()
            return
        kc.allow_stdin = False
        self.kc = kc

    def _ready(self, kc: Any, timeout: float) -> bool:
        """Whether the kernel answers ``kernel_info`` on ``kc`` and ``kc``'s IOPub subscription
        delivers (the kernel's idle status for that request), within ``timeout`` while its
        process lives.

        # NOTE (issue 16, 2026-12-02): jupyter_client's ``wait_for_ready`` ends by draining
        # IOPub until it has been silent for 0.2 s: 0.2 s before every cold brief's first cell.
        # Older IOPub messages left in the queue are harmless: nbclient reads only the
        # messages of the request it sent.
        """
        import queue
        import time

        deadline = time.monotonic() + timeout
        msg_id = kc.kernel_info()
        replied = False
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            try:
                if not replied:
                    msg = _sync(kc.get_shell_msg, timeout=1.0)
                    replied = msg.get("parent_header", {}).get("msg_id") == msg_id
                    continue
                msg = _sync(kc.get_iopub_msg, timeout=1.0)
            except queue.Empty:
                continue
            if (
                msg.get("parent_header", {}).get("msg_id") == msg_id
                and msg.get("msg_type") == "status"
                and msg.get("content", {}).get("execution_state") == "idle"
            ):
                return True
        return False

    def kernel(self, cwd: str, kernel_name: str, startup_timeout: float) -> Any:
        from jupyter_client.manager import AsyncKernelManager

        alive = self.alive()
        if alive and (self.cwd != cwd or self.runs >= RESTART_AFTER):
            self.shutdown()
            alive = False
        if not alive:
            if self.km is not None:
                self.restarts += 1
                self.shutdown()
            # NOTE: an *async* manager: with a blocking KernelManager, nbclient polls IOPub with a
            # blocking get_msg(timeout=None) and never notices a dead or hung kernel.
            # NOTE: IPC transport (Unix sockets at a unique path, see kernel_transport): TCP
            # ports are picked free and released before the kernel binds them, so kernels
            # started at once by parallel workers (or other programs) can collide ("Address
            # already in use"); socket files cannot. No TCP also means no unencrypted port.
            km = AsyncKernelManager(kernel_name=kernel_name, **kernel_transport())
            preloads = headless_spec(km)
            # NOTE: the kernel's cwd is fixed at start (papermill's cwd= chdir()s the whole
            # process, which is not thread-safe under Dask threads).
            # NOTE: charts as specs only: the exporter embeds them offline (no SVG drawn in
            # the kernel for nothing; see mineral_briefs.export.chart_mode).
            env = {**os.environ, CHARTS_ENV: "spec"}
            if preloads:
                # the launcher preloads the brief's imports and data before it answers
                env[PRELOAD_ENV] = "1"
            _sync(
                km.start_kernel,
                cwd=cwd,
                env=env,
                # silences ipykernel's per-start "running over TCP without encryption" warning
                # (tooling.md §6.9); errors still reach the worker's stderr.
                extra_arguments=["--HistoryManager.enabled=False", "--IPKernelApp.log_level=40"],
            )
            self.km, self.cwd, self.runs = km, cwd, 0
            self.fresh, self.preloads = True, preloads
        return self.km

    def alive(self) -> bool:
        if self.km is None:
            return False
        try:
            return bool(_sync(self.km.is_alive))
        except Exception:  # noqa: BLE001
            return False

    def drop_client(self) -> None:
        kc, self.kc = self.kc, None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()

    def shutdown(self) -> None:
        self.drop_client()
        km, self.km = self.km, None
        if km is None:
            return
        # NOTE (issue 16, 2026-12-02): jupyter_client's kill polls the process every 0.1 s
        # and the first poll comes before the signal has landed: 0.1 s per kernel, waited
        # for by the render process at the end of every run (it joins its workers). Killed
        # and reaped here first, the same shutdown finds the process gone at once.
        _kill_and_reap(km)
        with contextlib.suppress(Exception):
            _sync(km.shutdown_kernel, now=True)
        with contextlib.suppress(Exception):
            _sync(km.cleanup_resources)


KILL_WAIT_S: float = 5.0
"""Longest wait for a killed kernel process to be reaped (jupyter_client waits as long)."""


def _kill_and_reap(km: Any) -> None:
    """Kill ``km``'s kernel process (as ``shutdown_kernel(now=True)`` does) and wait until it
    is reaped; nothing if it has none or is gone."""
    prov, proc = _kernel_process(km)
    if prov is None or proc is None:
        return
    with contextlib.suppress(Exception):
        _sync(prov.kill)
        proc.wait(timeout=KILL_WAIT_S)


def _sync(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a possibly-async jupyter_client method from sync code (nbclient's event loop)."""
    import inspect

    from jupyter_core.utils import run_sync

    if inspect.iscoroutinefunction(fn):
        return run_sync(fn)(*args, **kwargs)
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):

        async def _await() -> Any:
            return await result

        return run_sync(_await)()
    return result


_STATES: dict[int, _WorkerState] = {}
_STATES_LOCK = threading.Lock()


def _state() -> _WorkerState:
    tid = threading.get_ident()
    with _STATES_LOCK:
        st = _STATES.get(tid)
        if st is None:
            st = _STATES[tid] = _WorkerState()
            if len(_STATES) == 1:
                import atexit
                from multiprocessing import util

                # NOTE: multiprocessing children leave through os._exit (atexit does not run);
                # Finalize does. Register both so kernels never outlive their worker.
                util.Finalize(None, _shutdown_all_kernels, exitpriority=100)
                atexit.register(_shutdown_all_kernels)
        return st


def kernel_pids() -> list[int]:
    """Pids of the kernels this process's worker states hold (for an emergency kill)."""
    with _STATES_LOCK:
        states = list(_STATES.values())
    pids = [_kernel_pid(st.km) for st in states if st.km is not None]
    return [pid for pid in pids if pid]


def _shutdown_all_kernels() -> None:
    with _STATES_LOCK:
        states = list(_STATES.values())
    for st in states:
        st.shutdown()


def _register_engine() -> str:
    """Register (once) the papermill engine that runs on the worker's warm kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    name = "mineral-briefs-warm"
    if name in papermill_engines._engines:
        return name

    class WarmKernelEngine(NBClientEngine):  # type: ignore[misc]
        """nbclient engine on an existing kernel; stops its client channels after every run."""

        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            km: Any = None,
            **kwargs: Any,
        ) -> Any:
            kwargs.pop("input_path", None)
            kwargs.pop("timeout", None)
            kwargs.pop("startup_timeout", None)
            _LAST.data["nb"] = nb_man.nb

            def on_cell_start(cell: Any = None, cell_index: int | None = None, **_: Any) -> None:
                _LAST.data["cell"] = cell_index

            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                on_cell_start=on_cell_start,
                **kwargs,
            )
            st = _state()
            # NOTE: keep one kernel client per warm kernel: a new client per brief costs a
            # wait_for_ready round trip (≈0.2 s); it is dropped whenever the kernel is.
            if st.kc is not None and st.km is km:
                client.kc = st.kc
            ok = False
            try:
                nb = client.execute()
                ok = True
                return nb
            finally:
                kc = getattr(client, "kc", None)
                if ok and kc is not None and st.km is km:
                    st.kc = kc
                else:
                    if kc is not None and kc is not st.kc:
                        with contextlib.suppress(Exception):
                            kc.stop_channels()
                    st.drop_client()

    papermill_engines.register(name, WarmKernelEngine)
    return name


class _Last(threading.local):
    """Per-thread record of the notebook being executed and its running cell (Dask threads)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}


_LAST = _Last()


PRELOAD_SOURCE = """\
from mineral_briefs.render_kernel import preload_modules as _mb_preload
_mb_preload()
del _mb_preload
"""
"""Queued on a just-started kernel whose launcher does not preload it (a kernel spec other than
this interpreter's ipykernel): :func:`mineral_briefs.render_kernel.preload_modules`, the brief's
imports and data tables, then the heap frozen. Leaves nothing in the namespace."""


def preload(km: Any, timeout: float = 120.0) -> None:
    """Run :data:`PRELOAD_SOURCE` on ``km``'s kernel and wait for it (call it in a thread).

    While the kernel imports and reads the data, the worker imports papermill and loads the
    exporter and the Vega bundle: on a 2-core machine the two overlap instead of queueing.
    Errors are swallowed: the brief itself reports any problem.
    """
    from jupyter_client.blocking import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    # NOTE: no heartbeat channel: with it, wait_for_ready gives up ("Kernel died before
    # replying") when a kernel still booting on a loaded machine has not answered within 1 s,
    # and the preload was then silently skipped. The kernel's process is watched instead.
    kc.start_channels(hb=False)
    try:
        _wait_ready(kc, _kernel_pid(km), timeout)
        msg_id = kc.execute(PRELOAD_SOURCE, silent=True, store_history=False)
        while True:
            reply = kc.get_shell_msg(timeout=timeout)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
    except Exception:  # noqa: BLE001, S110 - a warm-up only
        pass
    finally:
        kc.stop_channels()


def _wait_ready(kc: Any, pid: int | None, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` while its process lives (else raise)."""
    import time

    import psutil

    deadline = time.monotonic() + timeout
    while True:
        try:
            kc.wait_for_ready(timeout=2.0)
            return
        except RuntimeError:
            try:
                gone = pid is not None and psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
            except psutil.Error:
                gone = True
            if gone or time.monotonic() > deadline:
                raise
