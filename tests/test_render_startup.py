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
