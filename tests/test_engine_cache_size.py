"""The engine cache's size cap: least recently used entries go, hits count as use (issue 15).

Real engine runs (two Monte Carlo draws, about half a second each) into a temporary cache; the
computations are counted through the cache's ``misses.jsonl``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from mineral_briefs.data import Dataset, load_dataset
from mineral_briefs.engine import cache, cache_misses, cache_size
from mineral_briefs.scenarios import Scenario, load_scenario


@pytest.fixture()
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    monkeypatch.delenv(cache_size.ENV_MAX_MB, raising=False)
    return tmp_path / "cache" / "engine"


def _keys(folder: Path) -> set[str]:
    return {e.key for e in cache_size.entries(folder)}


def _run(sc: Scenario, ds: Dataset, seed: int) -> str:
    cache.forget_memo()  # each run stands for a new process: it sees only the disk cache
    cache.cached_run(sc, ds, draws=2, seed=seed)
    return cache.result_key(sc, ds.checksums, draws=2, seed=seed, central_only=False)


def test_over_the_cap_the_least_recently_used_entry_goes(
    disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds, sc = load_dataset(), load_scenario("baseline")
    a, b = _run(sc, ds, 1), _run(sc, ds, 2)
    sizes = {e.key: e.size for e in cache_size.entries(disk)}
    _run(sc, ds, 1)  # a hit: A is now used more recently than B
    assert len(cache.count_misses(disk)) == 2
    # room for the two entries and a little more, not for a third of about their size
    monkeypatch.setenv(cache_size.ENV_MAX_MB, str((sizes[a] + sizes[b] + 5_000) / 1e6))
    c = _run(sc, ds, 3)
    assert _keys(disk) == {a, c}
    assert not (disk / f"{b}.lock").exists()
    assert sum(e.size for e in cache_size.entries(disk)) <= sizes[a] + sizes[b] + 5_000
    _run(sc, ds, 1)  # still there: no computation
    assert len(cache.count_misses(disk)) == 3
    _run(sc, ds, 2)  # removed: computed again
    assert [m["seed"] for m in cache.count_misses(disk)] == [1, 2, 3, 2]


def test_the_entry_just_written_stays_even_above_the_cap(
    disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds, sc = load_dataset(), load_scenario("baseline")
    monkeypatch.setenv(cache_size.ENV_MAX_MB, "0.000001")  # one byte
    a = _run(sc, ds, 1)
    assert _keys(disk) == {a}
    b = _run(sc, ds, 2)
    assert _keys(disk) == {b}
    _run(sc, ds, 2)
    assert len(cache.count_misses(disk)) == 2


@pytest.mark.parametrize("value", ["0", "-5", "lots", "nan", "inf"])
def test_a_bad_cap_is_a_clear_error_before_any_work(
    disk: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(cache_size.ENV_MAX_MB, value)
    with pytest.raises(cache_size.CacheConfigError) as err:
        cache.cached_run(load_scenario("baseline"), load_dataset(), draws=2, seed=1)
    assert cache_size.ENV_MAX_MB in str(err.value)
    assert "positive number of megabytes" in str(err.value)
    assert cache.count_misses(disk) == []


def test_the_default_cap_and_a_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache_size.ENV_MAX_MB, raising=False)
    assert cache_size.max_bytes() == int(cache_size.DEFAULT_MAX_MB * 1e6)
    monkeypatch.setenv(cache_size.ENV_MAX_MB, " 2.5 ")
    assert cache_size.max_bytes() == 2_500_000


def test_prune_clears_stale_temp_folders_of_killed_writers(tmp_path: Path) -> None:
    old, fresh = tmp_path / f".{'a' * 64}.1.x.tmp", tmp_path / f".{'b' * 64}.2.y.tmp"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "kpis.parquet").write_bytes(b"x" * 10)
    past = time.time() - 2 * cache_size.STALE_TEMP_S
    os.utime(old, (past, past))
    assert cache_size.prune(tmp_path, 10**9) == []
    assert not old.exists()
    assert fresh.exists()  # may belong to a writer still at work


def _fake_entry(folder: Path, n: int, size: int) -> str:
    key = f"{n:064x}"
    (folder / key).mkdir(parents=True)
    (folder / key / "entry.json").write_text("{}", encoding="utf-8")
    (folder / key / "central.parquet").write_bytes(b"x" * (size - 2))
    return key


def test_the_folder_is_measured_when_the_estimate_nears_the_cap_not_after_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans: list[Path] = []
    real = cache_size.entries

    def counted(folder: Path) -> list:  # type: ignore[type-arg]
        scans.append(folder)
        return real(folder)

    monkeypatch.setattr(cache_size, "entries", counted)
    cap, size = 1_000_000, 10_000  # re-scan share: 50 kB

    def write(n: int) -> list[str]:
        key = _fake_entry(tmp_path, n, size)
        return cache_size.prune_after_write(tmp_path, cap, size, keep=key)

    assert write(0) == []
    assert len(scans) == 1  # the first write of a process measures the folder
    for n in range(1, 6):  # 50 kB written since: the estimate is far below the cap
        assert write(n) == []
    assert len(scans) == 1
    # another process fills the folder past the cap: this one's estimate does not see it ...
    for n in range(100, 196):
        _fake_entry(tmp_path, n, size)
    # ... until its own writes since the last measurement pass the re-scan share of the cap
    removed = write(6)
    assert len(scans) == 2
    # 103 entries of 10 kB against a 1 MB cap: the three least recently used go
    assert removed == [f"{n:064x}" for n in range(3)]
    assert sum(e.size for e in real(tmp_path)) <= cap


def test_a_small_cap_is_measured_after_every_write(tmp_path: Path) -> None:
    cap = 15_000
    a = _fake_entry(tmp_path, 0, 10_000)
    assert cache_size.prune_after_write(tmp_path, cap, 10_000, keep=a) == []
    b = _fake_entry(tmp_path, 1, 10_000)
    assert cache_size.prune_after_write(tmp_path, cap, 10_000, keep=b) == [a]


def test_the_misses_log_is_rotated_past_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_misses, "MISSES_MAX_BYTES", 1000)
    for i in range(12):
        cache_misses.record_miss(tmp_path, f"{i:064x}", "baseline", 0, 1, True, 0.1)
    current = cache.count_misses(tmp_path)
    older = (tmp_path / "misses.jsonl.1").read_text(encoding="utf-8").splitlines()
    assert (tmp_path / "misses.jsonl").stat().st_size <= 1000 + 200  # one line past it at most
    assert current and older
    # nothing lost in one rotation; the newest run is in the current file
    assert len(current) + len(older) == 12
    assert current[-1]["key"] == f"{11:064x}"
    assert not list(tmp_path.glob("misses.jsonl.2"))


@pytest.mark.parametrize("value", ["0", "off", "False"])
def test_a_switch_word_for_the_cache_folder_is_a_clear_error(tmp_path: Path, value: str) -> None:
    """MINERAL_BRIEFS_CACHE names a folder: "0" made a cache folder named 0 in the working
    directory; it is refused with the variable, what is allowed and the real switch."""
    import subprocess
    import sys

    env = {**os.environ, "MINERAL_BRIEFS_CACHE": value}
    out = subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "simulate", "baseline", "--out", "x.csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2, out.stderr
    assert f"MINERAL_BRIEFS_CACHE={value!r}" in out.stderr
    assert "folder" in out.stderr and "MINERAL_BRIEFS_ENGINE_CACHE=0" in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []  # no folder "0", no half-written x.csv
