"""A full ``render --all`` runs the engine once per distinct result (issue 15): both languages
of a brief, the comparison brief and the levers compared share the on-disk engine cache.

The count is real: every engine computation appends a line to the cache's ``misses.jsonl``
(``mineral_briefs.engine.cache``); nothing is mocked. ``--all`` runs over a scenario folder of
two built-ins (``MINERAL_BRIEFS_SCENARIOS``; ``MB_TEST_RENDER_ALL=1`` uses every built-in): the
same pipeline as the full suite — both languages, the comparison brief, the levers compared —
at a size the shared 2-core test machine allows.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mineral_briefs.locations import builtin_dir
from mineral_briefs.scenarios import list_scenarios, load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_render_all_runs_the_engine_once_per_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k != "MINERAL_BRIEFS_ENGINE_CACHE"}
    env.update(MINERAL_BRIEFS_CACHE=str(cache), PYTHONPATH=str(REPO / "toolkit"))
    if os.environ.get("MB_TEST_RENDER_ALL") != "1":
        folder = tmp_path / "scenarios"
        folder.mkdir()
        for sid in ("baseline", "ndpr_withhold_60"):
            shutil.copy(builtin_dir("scenarios") / f"{sid}.yaml", folder)
        env["MINERAL_BRIEFS_SCENARIOS"] = str(folder)
        monkeypatch.setenv("MINERAL_BRIEFS_SCENARIOS", str(folder))
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "render", "--all", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = (cache / "engine" / "misses.jsonl").read_text("utf-8").splitlines()
    misses = [json.loads(x) for x in lines if x.strip()]
    keys = collections.Counter(m["key"] for m in misses)
    assert [k for k, n in keys.items() if n > 1] == []  # no result computed twice
    full = collections.Counter(m["scenario"] for m in misses if not m["central_only"])
    ids = [i.id for i in list_scenarios()]
    for sid in ids:
        sc = load_scenario(sid)
        own = [
            m
            for m in misses
            if m["scenario"] == sid
            and not m["central_only"]
            and m["draws"] == sc.uncertainty.draws
            and m["seed"] == sc.uncertainty.seed
        ]
        # one full run per scenario, shared by its English and German briefs and the
        # comparison brief (the branches table may add the counterpart scenario once)
        assert len(own) == 1, (sid, full)
    briefs = sorted(
        p.name for p in out.rglob("*.html") if p.name not in ("index.html", "methodology.html")
    )
    assert len([b for b in briefs if not b.startswith("compare")]) == 2 * len(ids)
