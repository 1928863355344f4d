"""The order a run hands its briefs to the workers: each engine result computed once, by a busy
worker (issue 15)."""

from __future__ import annotations

import json
from typing import Any

from mineral_briefs.render.plan import BriefJob

Todo = tuple[BriefJob, str, dict[str, str]]
"""A brief to render: its job, cache key and labelled input checksums."""


def schedule(todo: list[Todo], entries: dict[str, Any], *, grouped: bool = False) -> None:
    """Order ``todo`` in place so that each engine result is computed once, by a busy worker.

    ``grouped`` (a local pool with at least one group per worker, :func:`groups_pay`): the
    briefs sharing an engine result (the languages of a scenario, the comparison briefs) stand
    together, one group after another, longest group first and the comparison last; the pool
    hands each group to one worker, whose kernel then holds the results for the later
    languages (the second language of a scenario took 0.7–1.8 s reading them back from the
    disk cache in another kernel, 0.7 s on the same one).

    Otherwise three waves, each longest first (previous run's execute time; unknown keeps plan
    order):

    1. one brief per engine result (scenario, parameters but the language): these compute it;
    2. the other languages' briefs: their results are in the engine cache by the time they
       start (a wave-1 brief of another scenario runs beside them, never their own);
    3. the comparison briefs, which read every scenario's result: last, so they wait for none.

    # NOTE: the old plain longest-first order started ``baseline-en`` and ``baseline-de`` (and
    # both comparison briefs) together: one worker computed while the other waited on the
    # engine cache's key lock, idle — the largest gap between the suite and its floor.
    """

    def known_s(item: Todo) -> float:
        prev_s = (entries.get(item[0].name) or {}).get("seconds") or {}
        known = prev_s.get("execute")
        return float(known) if known else 0.0

    # NOTE: a first run (no times on record: a new output folder, the benchmark) orders by the
    # engine work instead, months × draws: plan (alphabetical) order left the two long-horizon
    # scenarios (192 and 312 months, 5.9 s each) in the middle and one worker alone at the end.
    history = any(known_s(item) > 0 for item in todo)
    expected_s = known_s if history else engine_work

    if grouped:
        groups: dict[str, list[Todo]] = {}
        for item in todo:
            groups.setdefault(result_identity(item[0]), []).append(item)

        def group_key(items: list[Todo]) -> tuple[bool, float]:
            return (items[0][0].kind != "compare", sum(expected_s(i) for i in items))

        ordered = sorted(groups.values(), key=group_key, reverse=True)
        todo[:] = [item for items in ordered for item in items]
        return
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


def engine_work(item: Todo) -> float:
    """A brief's engine work in relative units for ordering a first run: its scenario's horizon
    months × (Monte Carlo draws + 1); 0 for the comparison briefs and unreadable scenarios."""
    job = item[0]
    if job.kind != "brief":
        return 0.0
    try:
        from mineral_briefs.scenarios import load_scenario

        sc = load_scenario(str(job.parameters.get("scenario", job.scenario)))
    except Exception:  # noqa: BLE001 - ordering only; the brief itself reports the problem
        return 0.0
    draws = int(job.parameters.get("draws", -1))
    n = int(sc.uncertainty.draws) if draws < 0 else draws
    return float(sc.horizon.months * (n + 1))


def group_of(job: BriefJob, grouped: bool) -> str:
    """The pool group of ``job`` (``""``: on its own). The comparison briefs stay apart: they
    end the run, and side by side on two workers they finish sooner than one after the other
    on one (each reads every scenario's result from the disk cache; 2.4 s each side by side,
    2.8 + 1.9 s in a row)."""
    return result_identity(job) if grouped and job.kind != "compare" else ""


def groups_pay(todo: list[Todo], workers: int) -> bool:
    """Whether a local pool should get the briefs in groups: at least one group per worker (with
    fewer, a group on one worker would leave another idle; the languages then run side by
    side and the later ones read the results from the disk cache)."""
    return len({result_identity(item[0]) for item in todo}) >= workers


def result_identity(job: BriefJob) -> str:
    """What a brief's engine result depends on among its job's fields (not its language)."""
    params = {k: v for k, v in job.parameters.items() if k != "language"}
    return json.dumps([str(job.notebook), job.scenario, params], sort_keys=True, default=str)
