"""What a render kernel does at start and between briefs (issue 15: the suite's overhead over
its unique work): the heap frozen after the preload and after each reset.

Each check runs in a fresh interpreter (``sys.modules`` and the collector are process state).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mineral_briefs.render.kernel import PRELOAD_SOURCE
from mineral_briefs.render.worker import RESET_SOURCE

REPO = Path(__file__).resolve().parents[1]


def _python(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON line, returned here."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_the_kernel_preload_freezes_the_heap_and_charts_still_validate() -> None:
    code = (
        PRELOAD_SOURCE
        + """
import gc, json, sys
import altair as alt, pandas as pd
spec = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_line().encode(x="x:Q").to_dict()
try:
    alt.Chart(pd.DataFrame({"x": [1]})).mark_line().encode(x="x:Nonsense").to_dict()
    bad = "accepted"
except Exception as exc:
    bad = type(exc).__name__
print(json.dumps({"frozen": gc.get_freeze_count(), "mark": spec["mark"]["type"], "bad": bad,
                  "brief": "mineral_briefs.brief" in sys.modules}))
"""
    )
    out = _python(code)
    assert out["brief"] is True
    assert int(str(out["frozen"])) > 10_000  # the toolkit's imports and the data tables
    assert out["mark"] == "line"
    assert out["bad"] != "accepted"  # chart validation still runs


def test_the_reset_cell_clears_collects_then_freezes() -> None:
    """The previous brief's names are gone, its garbage cycles collected (not frozen alive),
    and what survives is frozen."""
    code = f"""
import gc, json, weakref
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
sh.run_cell('''
class Node:
    pass
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
import weakref
ref = weakref.ref(a)
''')
ref = sh.user_ns["ref"]
gc.disable()  # no automatic collection: only the reset cell's own may free the cycle
result = sh.run_cell({RESET_SOURCE!r})
print(json.dumps({{"ok": result.success, "left": sorted(k for k in sh.user_ns
                   if k in ("a", "b", "Node", "ref")), "cycle_freed": ref() is None,
                   "frozen": gc.get_freeze_count()}}))
"""
    out = _python(code)
    assert out["ok"] is True
    assert out["left"] == []
    assert out["cycle_freed"] is True
    assert int(str(out["frozen"])) > 1_000


def test_the_preload_waits_for_a_kernel_that_boots_slowly(tmp_path: Path) -> None:
    """A kernel that takes seconds to answer (a loaded machine) still gets its preload.

    The kernel spec starts a real ipykernel after a 3 s pause, so its first replies (and its
    heartbeat) come late; the preload used to give up after 1 s and skip silently.
    """
    spec = tmp_path / "jupyter" / "kernels" / "slowboot"
    spec.mkdir(parents=True)
    argv = [
        "sh",
        "-c",
        f"sleep 3; exec {sys.executable} -m ipykernel_launcher -f $0",
        "{connection_file}",
    ]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "slow boot", "language": "python"})
    )
    code = f"""
import json, os, sys
os.environ["JUPYTER_PATH"] = {str(tmp_path / "jupyter")!r}
from jupyter_client.blocking import BlockingKernelClient
from mineral_briefs.render.kernel import _state, preload
st = _state()
km = st.kernel({str(REPO / "notebooks")!r}, "slowboot", 60.0)
try:
    preload(km)
    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels(hb=False)
    kc.wait_for_ready(timeout=60)
    seen = []
    kc.execute_interactive(
        "import sys, gc; print('mineral_briefs.brief' in sys.modules, gc.get_freeze_count() > 0)",
        timeout=60,
        output_hook=lambda m: seen.append(m["content"].get("text", "")),
    )
    kc.stop_channels()
finally:
    st.shutdown()
print(json.dumps({{"seen": "".join(seen).strip()}}))
"""
    assert _python(code) == {"seen": "True True"}
