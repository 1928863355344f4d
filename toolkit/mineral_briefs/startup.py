"""Start-up helpers shared by the render kernel, the render worker and the prefetch (issue 16).

Standard library only: the kernel launcher (:mod:`mineral_briefs.render_kernel`) imports this
before anything else.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Iterator


def lower_thread_priority(niceness: int) -> None:
    """Lower the calling thread's scheduling priority by ``niceness`` where the OS schedules
    threads on their own (Linux: ``setpriority`` on a thread id); a no-op elsewhere, where the
    same call would lower the whole process (and every process it starts later)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)


@contextlib.contextmanager
def imports_then_freeze() -> Iterator[None]:
    """No automatic garbage collection while the body imports and loads, then the heap frozen
    (``gc.freeze``); the collector is on again afterwards if it was on before.

    # NOTE (issue 16, 2026-12-02): the collector's passes over the 150,000 objects of the
    # imports (pandas, altair, the toolkit, the data) took 80 of a kernel's 575 ms of imports
    # and 0.09 s of the render process. No last collection before the freeze either: it took
    # 60 ms to find about 2,300 unreachable objects of the imports (a few hundred kB), which
    # stay frozen with the rest.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
