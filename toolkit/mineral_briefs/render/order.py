"""The order a run hands its briefs to the workers: each engine result computed once, by a busy
worker (issue 15)."""

from __future__ import annotations

import json
from typing import Any

from mineral_briefs.render.plan import BriefJob

Todo = tuple[BriefJob, str, dict[str, str]]
"""A brief to render: its job, cache key and labelled input checksums."""


def schedule(todo: list[Todo], entries: dict[str, Any]) -> None:
    """Order ``todo`` in place so that each engine result is computed once, by a busy worker.

    Three waves, each longest first (previous run's execute time; unknown keeps plan order):

    1. one brief per engine result (scenario, parameters but the language): these compute it;
    2. the other languages' briefs: their results are in the engine cache by the time they
       start (a wave-1 brief of another scenario runs beside them, never their own);
    3. the comparison briefs, which read every scenario's result: last, so they wait for none.

    # NOTE: the old plain longest-first order started ``baseline-en`` and ``baseline-de`` (and
    # both comparison briefs) together: one worker computed while the other waited on the
    # engine cache's key lock, idle — the largest gap between the suite and its floor.
    """

    def expected_s(item: Todo) -> float:
        prev_s = (entries.get(item[0].name) or {}).get("seconds") or {}
        known = prev_s.get("execute")
        return float(known) if known else 0.0

    seen: set[str] = set()
    waves: dict[int, list[Todo]] = {1: [], 2: [], 3: []}
    for item in todo:
        job = item[0]
        if job.kind == "compare":
            waves[3].append(item)
            continue
        result = result_identity(job)
        waves[2 if result in seen else 1].append(item)
        seen.add(result)
    todo[:] = [
        item for wave in (1, 2, 3) for item in sorted(waves[wave], key=expected_s, reverse=True)
    ]


def result_identity(job: BriefJob) -> str:
    """What a brief's engine result depends on among its job's fields (not its language)."""
    params = {k: v for k, v in job.parameters.items() if k != "language"}
    return json.dumps([str(job.notebook), job.scenario, params], sort_keys=True, default=str)
