"""The order a run hands briefs to its workers (issue 15): engine results computed first.

Plain planning, no kernels: the real plan of every built-in scenario in both languages plus the
comparison briefs, ordered by ``mineral_briefs.render.order.schedule``.
"""

from __future__ import annotations

from typing import Any

from mineral_briefs.render import plan_briefs
from mineral_briefs.render.order import schedule


def _ordered(entries: dict[str, Any] | None = None) -> list[Any]:
    todo = [(job, "key", {}) for job in plan_briefs(all_scenarios=True, language="all")]
    schedule(todo, entries or {})
    return [job for job, _, _ in todo]


def test_each_scenario_computes_first_then_its_other_language_then_the_comparison() -> None:
    jobs = _ordered()
    names = [j.name for j in jobs]
    assert len(names) == len(set(names)) == len(plan_briefs(all_scenarios=True, language="all"))
    scenarios = [j.scenario for j in jobs if j.kind == "brief"]
    n = len(set(scenarios))
    # wave 1: one brief per scenario; wave 2: the other language; then both comparison briefs
    assert len(set(scenarios[:n])) == n
    assert sorted(scenarios[n:]) == sorted(scenarios[:n])
    assert [j.kind for j in jobs[-2:]] == ["compare", "compare"]
    # no two briefs sharing an engine result start side by side on two workers
    for a, b in zip(jobs, jobs[1:], strict=False):
        assert a.kind == "compare" or a.scenario != b.scenario, (a.name, b.name)


def test_within_a_wave_the_longest_goes_first() -> None:
    plain = _ordered()
    n = len({j.scenario for j in plain if j.kind == "brief"})
    slow = plain[n - 1].name  # the last of wave 1 in plan order
    entries = {j.name: {"seconds": {"execute": 5.0}} for j in plain}
    entries[slow] = {"seconds": {"execute": 50.0}}
    entries[plain[-1].name] = {"seconds": {"execute": 500.0}}  # a comparison brief
    jobs = _ordered(entries)
    assert jobs[0].name == slow
    assert [j.name for j in jobs[:n]].count(slow) == 1
    assert [j.kind for j in jobs[-2:]] == ["compare", "compare"]  # still last
    assert jobs[-2].name == plain[-1].name


def test_grouped_keeps_each_scenario_together_longest_first_comparison_apart() -> None:
    from mineral_briefs.render.order import group_of, groups_pay
    from mineral_briefs.render.pool import _units
    from mineral_briefs.render.worker import RenderTask

    todo = [(job, "key", {}) for job in plan_briefs(all_scenarios=True, language="all")]
    assert groups_pay(todo, 2) and not groups_pay(todo[:2], 2)  # baseline en + de: one group
    plain = [j for j, _, _ in todo]
    slow = next(j for j in plain if j.kind == "brief" and j.scenario == "baseline")
    entries = {j.name: {"seconds": {"execute": 1.0}} for j in plain}
    entries[slow.name] = {"seconds": {"execute": 60.0}}
    schedule(todo, entries, grouped=True)
    jobs = [j for j, _, _ in todo]
    assert {jobs[0].scenario, jobs[1].scenario} == {"baseline"}  # the longest group first
    briefs = [j for j in jobs if j.kind == "brief"]
    for a, b in zip(briefs[::2], briefs[1::2], strict=True):
        assert a.scenario == b.scenario and a.language != b.language
    assert [j.kind for j in jobs[-2:]] == ["compare", "compare"]
    tasks = [RenderTask(j.name, "nb", {}, "", None, "now", group=group_of(j, True)) for j in jobs]
    units = _units(tasks)
    assert [len(u) for u in units] == [2] * len(briefs[::2]) + [1, 1]  # comparison apart
    ungrouped = [
        RenderTask(j.name, "nb", {}, "", None, "now", group=group_of(j, False)) for j in jobs
    ]
    assert all(len(u) == 1 for u in _units(ungrouped))


def test_a_first_run_starts_with_the_most_engine_work() -> None:
    from mineral_briefs.render.order import engine_work

    jobs = _ordered()  # no times on record
    n = len({j.scenario for j in jobs if j.kind == "brief"})
    work = [engine_work((j, "key", {})) for j in jobs[:n]]
    assert work == sorted(work, reverse=True) and work[0] > work[-1] > 0
