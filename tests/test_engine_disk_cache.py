"""The on-disk engine cache: computed once, shared by processes, invalidated per key part."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.engine import cache
from mineral_briefs.scenarios import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    return tmp_path / "cache" / "engine"


def _with(sc: Scenario, **control: object) -> Scenario:
    data = sc.model_dump(mode="json")
    data["export_controls"][0].update(control)
    return Scenario.model_validate(data)


def _key(sc: Scenario, checksums: dict[str, str], **kw: object) -> str:
    args: dict[str, object] = {"draws": 10, "seed": 1, "central_only": False, **kw}
    return cache.result_key(sc, checksums, **args)  # type: ignore[arg-type]


def test_hit_returns_the_same_results_as_the_engine(disk: Path) -> None:
    ds = load_dataset()
    sc = load_scenario("ndpr_withhold_60")
    direct = engine.run(sc, ds, draws=20, seed=3)
    first = cache.cached_run(sc, ds, draws=20, seed=3)
    second = cache.cached_run(sc, ds, draws=20, seed=3)
    assert len(cache.count_misses(disk)) == 1
    assert len([p for p in disk.iterdir() if p.is_dir()]) == 1
    for name in cache.TABLES:
        pd.testing.assert_frame_equal(getattr(direct, name), getattr(second, name))
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert second.sources == direct.sources
    assert (second.draws, second.seed, second.data_checksum) == (20, 3, direct.data_checksum)
    assert second.data_vintage == direct.data_vintage


def test_an_entry_read_from_disk_is_the_frame_pandas_reads_and_the_engine_computed(
    disk: Path,
) -> None:
    ds = load_dataset()
    sc = load_scenario("controls_oct2025")
    direct = engine.run(sc, ds, draws=0, seed=3, central_only=True)
    cache.cached_run(sc, ds, central_only=True, seed=3)
    (entry,) = [p for p in disk.iterdir() if p.is_dir()]
    read = cache._read_entry(entry, sc)  # from the files, not the process's memo
    assert read is not None
    for name in cache.TABLES:
        got = getattr(read, name)
        pd.testing.assert_frame_equal(got, pd.read_parquet(entry / f"{name}.parquet"))
        pd.testing.assert_frame_equal(got, getattr(direct, name))


def test_each_key_part_changes_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    sc = load_scenario("ndpr_withhold_60")
    sums = dict(load_dataset().checksums)
    base = _key(sc, sums)
    assert _key(load_scenario("ndpr_withhold_60"), dict(sums)) == base  # stable
    assert _key(_with(sc, share_withheld=0.61), sums) != base  # scenario content
    assert _key(_with(sc, licensing_delay_days=46), sums) != base
    first = sorted(sums)[0]
    assert _key(sc, {**sums, first: "0" * 64}) != base  # one data file's checksum
    assert _key(sc, {**sums, "extra.csv": "0" * 64}) != base  # a data file added
    assert _key(sc, sums, draws=11) != base
    assert _key(sc, sums, seed=2) != base
    assert _key(sc, sums, central_only=True) != base
    assert _key(sc, sums, variants=False) != base
    # the package version
    cache._code_identity.cache_clear()
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    assert _key(sc, sums) != base
    monkeypatch.undo()
    cache._code_identity.cache_clear()
    assert _key(sc, sums) == base
    # the toolkit source: a real copy of the toolkit with one file edited, hashed for real
    from mineral_briefs import fingerprint

    def forget() -> None:
        cache._code_identity.cache_clear()
        fingerprint.process_source_hash.cache_clear()

    copy = tmp_path / "toolkit"
    shutil.copytree(
        fingerprint.TOOLKIT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "assets")
    )
    monkeypatch.setattr(fingerprint, "TOOLKIT_DIR", copy)
    forget()
    assert _key(sc, sums) == base  # an identical copy hashes the same
    with open(copy / "engine" / "run.py", "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    forget()
    assert _key(sc, sums) != base
    monkeypatch.undo()
    forget()


def test_a_changed_input_recomputes_and_an_unchanged_one_does_not(disk: Path) -> None:
    ds = load_dataset()
    sc = load_scenario("ndpr_withhold_60")
    cache.cached_run(sc, ds, central_only=True)
    cache.cached_run(sc, ds, central_only=True)
    other = cache.cached_run(_with(sc, share_withheld=0.9), ds, central_only=True)
    cache.cached_run(sc, ds, draws=0, seed=5)
    assert [m["central_only"] for m in cache.count_misses(disk)] == [True, True, False]
    assert other.scenario.export_controls[0].share_withheld == 0.9


def test_a_truncated_entry_is_recomputed_not_trusted(disk: Path) -> None:
    ds = load_dataset()
    sc = load_scenario("baseline")
    good = cache.cached_run(sc, ds, central_only=True)
    (entry,) = [p for p in disk.iterdir() if p.is_dir()]
    target = entry / "kpis.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    cache.forget_memo()  # as another process would: only the disk copy is left
    again = cache.cached_run(sc, ds, central_only=True)
    assert len(cache.count_misses(disk)) == 2
    pd.testing.assert_frame_equal(again.kpis, good.kpis)
    # the rewritten entry is whole again: a third call is a hit
    cache.cached_run(sc, ds, central_only=True)
    assert len(cache.count_misses(disk)) == 2


def test_switched_off_writes_nothing(disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_SWITCH, "0")
    assert not cache.enabled()
    cache.cached_run(load_scenario("baseline"), central_only=True)
    assert not disk.exists()


_WORKER = """
import sys
from mineral_briefs.engine.cache import cached_run
from mineral_briefs.scenarios import load_scenario
r = cached_run(load_scenario("ndpr_withhold_60"), central_only=True)
sys.stdout.write(r.kpis.to_csv(index=False))
"""


def test_two_processes_on_one_key_compute_once_and_agree(disk: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert outs[0][0] == outs[1][0]
    assert len(cache.count_misses(disk)) == 1
    entries = [p for p in disk.iterdir() if p.is_dir()]
    assert len(entries) == 1
    assert not [p for p in disk.iterdir() if p.name.endswith(".tmp")]


def test_cached_runs_passes_over_a_run_another_process_is_computing(disk: Path) -> None:
    """Two kernels asking for the same list (the backtest record) share it: a run whose key
    lock is held elsewhere is read after the others, not waited for first."""
    import threading
    import time

    from mineral_briefs.cachefiles import exclusive_lock

    ds = load_dataset()
    busy, free = load_scenario("ndpr_withhold_60"), load_scenario("controls_oct2025")
    busy_key = cache.result_key(
        busy, ds.checksums, draws=0, seed=busy.uncertainty.seed, central_only=True
    )
    free_key = cache.result_key(
        free, ds.checksums, draws=0, seed=free.uncertainty.seed, central_only=True
    )
    got: list[object] = []
    with exclusive_lock(disk / f"{busy_key}.lock") as held:  # "another process" computes it
        assert held
        worker = threading.Thread(
            target=lambda: got.extend(cache.cached_runs([busy, free], ds, central_only=True))
        )
        worker.start()
        deadline = time.monotonic() + 120
        while not (disk / free_key).is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)
        # the second run was computed while the first one's lock was held elsewhere
        assert (disk / free_key).is_dir()
        assert not (disk / busy_key).exists() and not got
        with exclusive_lock(disk / f"{busy_key}.lock", wait=False) as again:
            assert not again  # a second holder is refused at once, not made to wait
    worker.join(timeout=120)
    assert [r.scenario.id for r in got] == [busy.id, free.id]  # type: ignore[attr-defined]
    assert (disk / busy_key).is_dir()
    assert len(cache.count_misses(disk)) == 2


def test_claimed_runs_holds_every_claim_until_its_run_is_stored(
    disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prefetch claims all its runs at once: while it computes the first, a reader of the
    second waits for it (and reads it) instead of computing it too; a run held elsewhere is
    left alone; nothing is computed twice."""
    import threading

    from mineral_briefs.cachefiles import exclusive_lock

    ds = load_dataset()
    first, second, held_elsewhere = (
        load_scenario("ndpr_withhold_60"),
        load_scenario("controls_oct2025"),
        load_scenario("baseline"),
    )

    def key(sc: Scenario) -> str:
        seed = sc.uncertainty.seed
        return cache.result_key(sc, ds.checksums, draws=0, seed=seed, central_only=True)

    started, go_on = threading.Event(), threading.Event()
    run_module = sys.modules["mineral_briefs.engine.run"]
    real_run = run_module.run

    def slow_first(sc: Scenario, *a: object, **k: object) -> object:
        if sc.id == first.id:
            started.set()
            assert go_on.wait(120)
        return real_run(sc, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "run", slow_first)
    runs = [(sc, {"central_only": True}) for sc in (first, second, held_elsewhere)]
    counted: list[int] = []
    with exclusive_lock(disk / f"{key(held_elsewhere)}.lock") as held:
        assert held
        helper = threading.Thread(target=lambda: counted.append(cache.claimed_runs(runs, ds)))
        helper.start()
        assert started.wait(120)
        # the second run is claimed while the first is still being computed
        with exclusive_lock(disk / f"{key(second)}.lock", wait=False) as free:
            assert not free
        go_on.set()
        helper.join(timeout=300)
    assert counted == [2]
    assert (disk / key(first)).is_dir() and (disk / key(second)).is_dir()
    assert not (disk / key(held_elsewhere)).exists()  # left to the process holding it
    assert cache.cached_run(second, ds, central_only=True).scenario.id == second.id
    assert len(cache.count_misses(disk)) == 2
    assert cache.claimed_runs(runs[:2], ds) == 0  # stored runs are not claimed again


def test_a_result_read_twice_in_one_process_comes_from_memory_as_an_own_copy(disk: Path) -> None:
    """A kernel rendering both languages reads each result from the disk once; each caller
    gets its own frames (editing one never changes what the next caller gets)."""
    ds = load_dataset()
    sc = load_scenario("baseline")
    first = cache.cached_run(sc, ds, central_only=True)
    (entry,) = [p for p in disk.iterdir() if p.is_dir()]
    shutil.rmtree(entry)  # the disk copy is gone: only the memory copy can answer
    second = cache.cached_run(sc, ds, central_only=True)
    assert len(cache.count_misses(disk)) == 1
    pd.testing.assert_frame_equal(first.kpis, second.kpis)
    first.kpis.loc[:, "value"] = -1.0
    third = cache.cached_run(sc, ds, central_only=True)
    pd.testing.assert_frame_equal(third.kpis, second.kpis)
    assert (third.kpis["value"] != -1.0).any()
    assert second.scenario is sc
    cache.forget_memo()
    cache.cached_run(sc, ds, central_only=True)  # a new process computes it again
    assert len(cache.count_misses(disk)) == 2
