"""Entry point of the render kernels: ipykernel's launcher, without the debugger.

The render pipeline and the preview start their kernels with ``python -m
mineral_briefs.render_kernel`` in place of ``-m ipykernel_launcher``
(:func:`mineral_briefs.render.kernel.headless_spec`). They run notebooks headless: nobody
attaches a debugger, yet ipykernel imports debugpy at start when it is installed, about
0.15–0.2 s of every kernel's boot on the path of a cold brief (issue 16, measured 2026-12-02).
With :data:`PRELOAD_ENV` set (the render pipeline sets it), the kernel also imports the brief's
modules and reads the data before it answers its first request (:func:`preload_modules`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading

from mineral_briefs.startup import imports_then_freeze, lower_thread_priority

PRELOAD_ENV = "MINERAL_BRIEFS_KERNEL_PRELOAD"
"""Set to ``1`` in a render kernel's environment: the kernel runs :func:`preload_modules` after
its start-up and before it answers any request (it leaves the variable out of its own
environment, so nothing the notebook starts inherits it)."""


def preload_modules() -> None:
    """Import what a brief's first cells import, read the data tables, and freeze the heap.

    The brief's imports (pandas, altair, the toolkit: about 1 s) and the data would otherwise
    wait for its first cell. Errors are swallowed: the brief's own load reports them, naming
    the file. No garbage collection runs meanwhile and the heap is frozen afterwards
    (:func:`mineral_briefs.startup.imports_then_freeze`, see
    ``mineral_briefs.render.worker.RESET_SOURCE``): the imports and data are never garbage.
    """
    with imports_then_freeze(), contextlib.suppress(Exception):
        # NOTE: any error here is swallowed: the brief reports the problem itself
        import mineral_briefs.backtest_cache  # noqa: F401
        import mineral_briefs.brief  # noqa: F401
        import mineral_briefs.engine.cache  # noqa: F401
        import mineral_briefs.scenarios  # noqa: F401 - the first cell reads the scenario
        from mineral_briefs.data import load_dataset

        load_dataset()


PRELOAD_NICENESS: int = 5
"""Nice levels the preload thread drops (Linux; elsewhere it runs at normal priority)."""


def _preload_at_low_priority() -> None:
    """:func:`preload_modules` in a thread :data:`PRELOAD_NICENESS` levels down (Linux, where
    a thread has its own nice value); the kernel's main thread, which runs the cells, keeps
    its priority.

    # NOTE (issue 16, 2026-12-02): a cold brief's kernel boots while the render process
    # imports the engine and computes the central run, which the kernel's first cell waits
    # for anyway: the boot yields to that run (a cold controls_oct2025 brief 2.19 -> 2.13 s,
    # medians of eight alternating runs; ten levels down it starved the boot: 2.19 s).
    """
    lower_thread_priority(PRELOAD_NICENESS)
    preload_modules()


def main() -> None:
    """Start an IPython kernel (arguments as for ``ipykernel_launcher``) without debugpy; with
    :data:`PRELOAD_ENV` set, preloaded before it serves its first request."""
    # NOTE: as ipykernel_launcher: the cwd leaves sys.path while ipykernel loads (its shell
    # application puts it back), so a file in the notebook's folder cannot shadow a module.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    # NOTE: no automatic garbage collections while ipykernel and the preload import (see
    # preload_modules); on again before the kernel serves its first request.
    gc.disable()
    # NOTE: None in sys.modules makes ``import debugpy`` raise ImportError, which ipykernel
    # takes for "debugpy not installed": the kernel runs, and says it has no debugger.
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    from ipykernel.kernelapp import IPKernelApp
    from traitlets.config import Config

    config = Config()
    # NOTE: no input history: nobody recalls a render kernel's cells, and its SQLite writes
    # (a thread, a file shared by every kernel of the user) cost about 1 ms per cell.
    config.HistoryManager.enabled = False
    app = IPKernelApp.instance(config=config)
    app.initialize()
    # NOTE (issue 16, 2026-12-02): preloaded here, between the kernel's start-up (the shell
    # exists, its sockets are bound) and its event loop, the preload needs no message from the
    # worker: sent as a request, it waited for the kernel to answer kernel_info and for
    # jupyter_client's 0.2 s IOPub flush first. The kernel's first reply now means "preloaded".
    if os.environ.pop(PRELOAD_ENV, "") == "1":
        preload = threading.Thread(target=_preload_at_low_priority, name="kernel-preload")
        preload.start()
        preload.join()
    else:
        gc.freeze()
    gc.enable()
    app.start()


if __name__ == "__main__":
    main()
