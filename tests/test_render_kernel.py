"""Render kernels start with :mod:`mineral_briefs.render_kernel` (ipykernel without its
debugger, issue 16) where the kernel spec runs ``ipykernel_launcher`` on this interpreter, and
with the spec unchanged otherwise."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mineral_briefs.render import kernel as rk


def _km(argv: list[str]) -> Any:
    return SimpleNamespace(kernel_spec=SimpleNamespace(argv=list(argv)))


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
    out: list[dict[str, Any]] = []
    st = rk._WorkerState()
    try:
        km = st.kernel(str(tmp_path), rk.KERNEL_NAME, 60.0)
        assert rk.LAUNCHER in km.kernel_spec.argv
        kc = km.client()
        kc.start_channels()
        try:
            rk._sync(kc.wait_for_ready, timeout=60)
            reply = rk._sync(
                kc.execute_interactive,
                "import os, sys\n"
                "print(os.getcwd(), 'debugpy' in sys.modules and sys.modules['debugpy'] is None)",
                timeout=60,
                output_hook=out.append,
            )
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
    finally:
        st.shutdown()
    text = "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream")
    assert text.split() == [str(tmp_path), "True"]
