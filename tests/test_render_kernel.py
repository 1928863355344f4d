"""Render kernels start with :mod:`mineral_briefs.render_kernel` (ipykernel without its
debugger, issue 16) where the kernel spec runs ``ipykernel_launcher`` on this interpreter, and
with the spec unchanged otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mineral_briefs.render import kernel as rk


def _km(argv: list[str]) -> Any:
    return SimpleNamespace(kernel_spec=SimpleNamespace(argv=list(argv)))


def _printed(kc: Any, code: str) -> list[str]:
    """The words ``code`` prints on the kernel of client ``kc`` (it must run without error)."""
    out: list[dict[str, Any]] = []
    reply = rk._sync(kc.execute_interactive, code, timeout=60, output_hook=out.append)
    assert reply["content"]["status"] == "ok"
    return "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream").split()


def test_the_spec_of_this_interpreter_gets_the_headless_launcher() -> None:
    km = _km([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{c}"])
    assert rk.headless_spec(km)
    assert km.kernel_spec.argv == [sys.executable, "-m", rk.LAUNCHER, "-f", "{c}"]


def test_a_bare_python_is_this_interpreter() -> None:
    # jupyter_client runs a spec's bare "python", "python3", "python3.11" with sys.executable
    major, minor = sys.version_info[:2]
    for bare in ("python", f"python{major}", f"python{major}.{minor}"):
        km = _km([bare, "-m", "ipykernel_launcher", "-f", "{c}"])
        assert rk.headless_spec(km)
        assert km.kernel_spec.argv[1:3] == ["-m", rk.LAUNCHER]


def test_other_interpreters_and_kernels_are_left_alone(tmp_path: Path) -> None:
    other = str(tmp_path / "other-env" / "bin" / "python")
    for argv in (
        [other, "-m", "ipykernel_launcher", "-f", "{c}"],  # another environment
        [sys.executable, "-m", "some_other_kernel", "-f", "{c}"],
        ["/usr/bin/R", "--slave", "-e", "IRkernel::main()", "--args", "{c}"],
    ):
        km = _km(argv)
        assert not rk.headless_spec(km)
        assert km.kernel_spec.argv == argv


def test_a_render_kernel_runs_code_and_has_no_debugger(tmp_path: Path) -> None:
    st = rk._WorkerState()
    try:
        km = st.kernel(str(tmp_path), rk.KERNEL_NAME, 60.0)
        assert rk.LAUNCHER in km.kernel_spec.argv
        kc = km.client()
        kc.start_channels()
        try:
            rk._sync(kc.wait_for_ready, timeout=60)
            words = _printed(
                kc,
                "import os, sys\n"
                "print(os.getcwd(), 'debugpy' in sys.modules and sys.modules['debugpy'] is None)",
            )
        finally:
            kc.stop_channels()
    finally:
        st.shutdown()
    assert words == [str(tmp_path), "True"]


def test_a_render_kernel_is_preloaded_before_its_first_reply(tmp_path: Path) -> None:
    """No preload request is sent: the launcher imports the brief's modules and freezes the heap
    before the kernel answers, and ``wait_warm`` makes the worker's client ready for it."""
    st = rk._WorkerState()
    try:
        st.kernel(str(tmp_path), rk.KERNEL_NAME, 60.0)
        assert st.preloads and st.fresh and st.warming is None
        st.wait_warm(timeout=120)
        assert not st.fresh
        kc = st.kc
        assert kc is not None  # made ready here, kept for the first brief
        words = _printed(
            kc,
            "import gc, os, sys, threading\n"
            "print('mineral_briefs.brief' in sys.modules, gc.get_freeze_count() > 10_000,\n"
            "      'MINERAL_BRIEFS_KERNEL_PRELOAD' in os.environ, gc.isenabled(),\n"
            "      os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))",
        )
    finally:
        st.shutdown()
    # NOTE: preloaded in a low-priority thread; the cells run at the process's priority, with
    # the garbage collector on again
    assert words == ["True", "True", "False", "True", str(os.getpriority(os.PRIO_PROCESS, 0))]


def test_a_client_of_a_dead_kernel_is_not_made_ready(tmp_path: Path) -> None:
    """``wait_warm`` gives up at once on a kernel whose process is gone (nbclient then
    reports the dead kernel) instead of waiting out its timeout."""
    import os
    import signal
    import time

    st = rk._WorkerState()
    try:
        km = st.kernel(str(tmp_path), rk.KERNEL_NAME, 60.0)
        pid = rk._kernel_pid(km)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()
        st.wait_warm(timeout=60)
        assert time.monotonic() - t0 < 30
        assert st.kc is None
    finally:
        st.shutdown()
