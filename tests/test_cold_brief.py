"""Issue 16, cold single brief: no engine run is computed twice, and the parent stays light.

* the backtest record every brief shows is stored once (its engine runs through the engine
  cache, the scored record beside them), and never for a dataset edited in memory;
* :func:`mineral_briefs.brief_runs.prefetch.prefetch` asks for exactly the runs a brief asks for,
  so a brief after it computes nothing (counted in the engine cache's ``misses.jsonl``);
* a real cold render (new process, new kernel, papermill, nbconvert) on a primed cache
  computes no engine run at all;
* the render parent with a stamped data check does not import pandas.

Nothing is mocked and nothing is timed: the counts come from the cache's own log.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.engine.cache import count_misses

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "controls_oct2025"
AS_OF = "2026-12-01"
"""After the end of the suspension (10 Nov 2026) with its outcome unrecorded: the brief shows
both branches, so the counterpart's run is part of the brief."""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(folder))
    monkeypatch.delenv("MINERAL_BRIEFS_ENGINE_CACHE", raising=False)
    return folder


def _forget_in_process_results() -> None:
    """Drop the per-process memos, so that only the disk cache can spare a computation."""
    from mineral_briefs.brief import compared, methods
    from mineral_briefs.engine.cache import forget_memo

    compared._CACHE.clear()
    methods._BACKTESTS.clear()
    forget_memo()


def test_backtest_record_is_stored_once_and_read_back_unchanged(cache: Path) -> None:
    import shutil

    from mineral_briefs.backtest import run_backtests
    from mineral_briefs.backtest_cache import cached_backtests, record_path

    ds = load_dataset()
    first = cached_backtests(ds)
    computed = len(count_misses())
    assert computed >= 7  # every episode ran the engine once (some also a variant)
    path = record_path(ds)
    assert path is not None and path.is_file()
    # without the engine entries, only the stored record can spare the ten runs
    for entry in (cache / "engine").iterdir():
        if entry.is_dir() and entry.name != "backtests":
            shutil.rmtree(entry)
    _forget_in_process_results()  # a new process: the engine results are in no memory either
    again = cached_backtests(ds)
    assert len(count_misses()) == computed  # read, not scored again
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    # scoring itself goes through the engine cache: once to store the runs, then read
    rescored = run_backtests(dataset=ds)
    assert len(count_misses()) == 2 * computed
    pd.testing.assert_frame_equal(rescored, first, check_exact=True)
    run_backtests(dataset=ds)
    assert len(count_misses()) == 2 * computed


def test_backtests_of_an_edited_dataset_are_never_cached(cache: Path) -> None:
    from mineral_briefs.backtest import run_backtests
    from mineral_briefs.backtest_cache import cached_backtests, record_path
    from mineral_briefs.data.dataset import read_from_files

    ds = load_dataset()
    mp = ds.model_parameters.copy()
    sel = (mp["parameter"] == "inventory_months") & (mp["mineral"] == "all")
    assert sel.any()
    mp.loc[sel, "value"] = mp.loc[sel, "value"].astype(float) * 3
    edited = dataclasses.replace(ds, model_parameters=mp)  # same file checksums, other values
    assert read_from_files(ds) and not read_from_files(edited)
    assert record_path(edited) is None
    plain = cached_backtests(ds)
    assert (
        not (cache / "engine" / "backtests").exists()
        or len(list((cache / "engine" / "backtests").glob("*.parquet"))) == 1
    )
    before = len(count_misses())
    changed = cached_backtests(edited)
    assert len(count_misses()) == before  # run_backtests went to engine.run, not the cache
    assert not changed["predicted"].equals(plain["predicted"])
    pd.testing.assert_frame_equal(changed, run_backtests(dataset=edited), check_exact=True)


def test_a_brief_after_its_prefetch_computes_no_engine_run(cache: Path) -> None:
    from mineral_briefs.brief import prepare
    from mineral_briefs.brief_runs.prefetch import prefetch

    params = {"scenario": SCENARIO, "language": "en", "as_of": AS_OF}
    assert prefetch(params) >= 8  # record, branch, central, six levers
    fetched = count_misses()
    assert {m["scenario"] for m in fetched} >= {
        SCENARIO,
        f"{SCENARIO}_stockpile",
        f"{SCENARIO}_alliance_reference",
        "suspension_snapback_extended",
    }
    _forget_in_process_results()
    brief = prepare(SCENARIO, language="en", as_of=AS_OF)
    brief.meta()
    brief.summary()
    html = str(brief.situation())
    brief.backtest()
    assert "mb-branches" in html  # the branches table (and its engine run) is in this brief
    assert count_misses() == fetched  # every run the brief asked for was read


@pytest.mark.parametrize("scenario", [p.stem for p in sorted((REPO / "scenarios").glob("*.yaml"))])
def test_levers_planned_from_the_deterministic_run_are_the_briefs_levers(
    cache: Path, scenario: str
) -> None:
    """The warm-kernel prefetch (the preview) plans the levers compared from the deterministic
    run, before the kernel's run with Monte Carlo draws exists: same focal market, same
    variants, for every built-in scenario."""
    from mineral_briefs.brief_runs.plan import focal, resolve_run
    from mineral_briefs.brief_runs.variants import planned_runs
    from mineral_briefs.engine.cache import cached_run

    ds = load_dataset()
    sc, _, seed = resolve_run(scenario)
    full = cached_run(sc, ds, draws=20, seed=seed)
    central = cached_run(sc, ds, central_only=True)
    assert focal(sc, central) == focal(sc, full)
    assert [v.digest() for v in planned_runs(sc, central, *focal(sc, central))] == [
        v.digest() for v in planned_runs(sc, full, *focal(sc, full))
    ]


def test_prefetch_without_the_disk_cache_does_nothing(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mineral_briefs.brief_runs.prefetch import prefetch

    monkeypatch.setenv("MINERAL_BRIEFS_ENGINE_CACHE", "0")
    assert prefetch({"scenario": SCENARIO, "as_of": AS_OF}) == 0
    assert not (cache / "engine").exists()


@pytest.mark.slow
def test_a_cold_render_on_a_primed_cache_computes_no_engine_run(cache: Path) -> None:
    from mineral_briefs.brief_runs.prefetch import prefetch

    _forget_in_process_results()
    prefetch({"scenario": SCENARIO, "language": "en", "as_of": AS_OF})
    fetched = count_misses()
    assert fetched
    out = cache.parent / "reports"
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    proc = subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "render", SCENARIO, "--language", "en"]
        + ["--as-of", AS_OF, "--force", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (out / f"{SCENARIO}-en.html").read_text(encoding="utf-8")
    assert "mb-branches" in page and "mb-backtest" in page
    # the kernel's runs (central, record, levers, branch) and the worker's prefetch all read
    assert count_misses() == fetched


def test_a_stamped_data_check_does_not_import_pandas(cache: Path) -> None:
    code = (
        "import sys\n"
        "from mineral_briefs.render.checks import _check_data\n"
        "from mineral_briefs.render.keys import key_context\n"
        "ctx = key_context()\n"
        "_check_data(None, ctx)\n"  # validates and stamps (imports pandas here)
        "print('pandas' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}

    def run() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return proc.stdout.strip()

    assert run() == "True"  # the first check reads the tables
    assert run() == "False"  # the stamped one does not even import the data layer


def test_no_prefetch_helper_when_every_core_has_a_brief() -> None:
    from mineral_briefs.render.pool import spare_cores

    cores = os.cpu_count() or 1
    assert not spare_cores(cores)  # a worker per core: a helper would only compete
    assert not spare_cores(cores + 3)


def test_the_helper_runs_only_on_an_idle_core() -> None:
    from mineral_briefs.render.pool import spare_rule

    assert spare_rule(1, 2, busy_cores=0.0)  # one brief, an idle 2-core box: help
    assert spare_rule(1, 2, busy_cores=0.4)
    assert not spare_rule(1, 2, busy_cores=1.0)  # another job holds a core: do not compete
    assert not spare_rule(2, 2, busy_cores=0.0)  # a kernel per core
    assert spare_rule(3, 8, busy_cores=3.0)
    assert not spare_rule(3, 8, busy_cores=5.0)


def test_the_spare_core_is_judged_on_other_processes_since_the_mark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No 50 ms wait on the path of a brief: the render judges the span since its run began,
    the preview the span since its last render, each less its own CPU time."""
    from mineral_briefs.render import pool

    monkeypatch.setattr(pool.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pool.time, "monotonic", lambda: 101.0)
    sampler = pool.IdleSampler()

    def span(idle_after: float, own_after: float) -> bool:
        # 1 s on 2 cores: 2 CPU-s in all, of which `idle` idle and `own` this process's
        clock = iter([(100.0, 1000.0, 600.0, 5.0), (101.0, 1002.0, idle_after, own_after)])
        monkeypatch.setattr(sampler, "_times", lambda: next(clock))
        sampler.mark()
        return sampler.spare(1)

    assert span(601.0, 5.0) is False  # another process held a core the whole time
    assert span(601.9, 5.0) is True  # 0.1 core busy: a helper fits
    assert span(601.0, 6.0) is True  # the busy core was this process's own start-up
    # the span is used once: without a new mark the next 50 ms are sampled
    called: list[int] = []
    monkeypatch.setattr(pool, "spare_cores", lambda briefs: called.append(briefs) or False)
    assert sampler.spare(1) is False and called == [1]


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="threads have their own nice value on Linux only"
)
def test_the_workers_warm_up_runs_at_low_priority_and_the_rest_does_not() -> None:
    """The worker's exporter warm-up yields to the kernel's boot and the prefetch: its own
    thread runs 10 nice levels lower; the thread that starts kernels and relays the brief keeps
    its priority (a kernel would inherit a lowered one)."""
    import threading

    from mineral_briefs.render.pool import WARM_UP_NICENESS
    from mineral_briefs.startup import lower_thread_priority

    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: dict[str, int] = {}

    def body() -> None:
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        lower_thread_priority(WARM_UP_NICENESS)
        seen["delta"] = os.getpriority(os.PRIO_PROCESS, tid) - before

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen["delta"] == min(WARM_UP_NICENESS, 19 - main)  # capped at the lowest priority
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main


def test_a_warm_prefetch_after_an_edit_plans_from_the_last_run(cache: Path, tmp_path: Path) -> None:
    """The preview's prefetch, asked again after a save, plans the levers compared from the
    last full run of the same scenario id: no deterministic planning run, the same lever runs
    as a plan from the edited scenario's own run."""
    from mineral_briefs.brief_runs import prefetch as pf
    from mineral_briefs.brief_runs.plan import focal, resolve_run
    from mineral_briefs.brief_runs.variants import planned_runs
    from mineral_briefs.engine.cache import cached_run

    pf._LAST_RUN.clear()
    text = (REPO / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    path = tmp_path / "edited.yaml"
    params = {"scenario": str(path), "draws": 20, "as_of": AS_OF}

    def planning_runs(misses: list[dict[str, object]]) -> list[dict[str, object]]:
        return [m for m in misses if m["scenario"] == SCENARIO and m["central_only"]]

    path.write_text(text, encoding="utf-8")
    pf.prefetch(params)
    first = count_misses()
    assert len(planning_runs(first)) == 1  # nothing to plan from yet
    assert SCENARIO in pf._LAST_RUN

    path.write_text(text.replace("share_withheld: 0.6\n", "share_withheld: 0.65\n", 1), "utf-8")
    pf.prefetch(params)
    second = count_misses()[len(first) :]
    assert planning_runs(second) == []
    sc, draws, seed = resolve_run(str(path), 20)
    own = cached_run(sc, load_dataset(), draws=draws, seed=seed)
    wanted = {v.id for v in planned_runs(sc, own, *focal(sc, own))}
    assert wanted and wanted <= {str(m["scenario"]) for m in second}
