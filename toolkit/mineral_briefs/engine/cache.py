"""Engine results computed once: an on-disk, columnar cache of :class:`Results`.

:func:`cached_run` is :func:`mineral_briefs.engine.run` behind a disk cache shared by every
process of the user (both languages of a brief, the comparison brief, the levers compared,
``simulate`` and sweeps). An entry is a folder ``<cache_dir>/engine/<key>/`` holding one
Parquet file per table of the results and ``entry.json`` (the scalars and the sha256 of each
file). The key is the sha256 over everything a result depends on (:func:`result_key`):

- the scenario digest (its validated content),
- the data checksums (``Dataset.checksums``),
- draws, seed and ``central_only``,
- the package version and the toolkit's source hash (a code change in a checkout recomputes).

Writes are atomic (a temporary folder renamed into place; a rename onto an existing entry
loses the race harmlessly); reads check every file's sha256 and recompute on any mismatch, so
a truncated or edited entry is never trusted. Two processes computing the same key take a file
lock on ``<key>.lock``: the second waits and then reads the first one's entry.

The cache needs ``pyarrow`` (the ``[parquet]`` extra): without it, or with
``MINERAL_BRIEFS_ENGINE_CACHE=0``, :func:`cached_run` simply runs the engine.
The folder is capped at ``$MINERAL_BRIEFS_ENGINE_CACHE_MAX_MB`` megabytes (default 1000):
after each new entry the least recently used entries (by their last hit or write) are removed
(:mod:`mineral_briefs.engine.cache_size`).
Every computation appends one line to ``<cache_dir>/engine/misses.jsonl`` (key, scenario,
draws, seed, seconds): the count and time of real engine runs, read by the tests and the
benchmark's unique-work floor.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineral_briefs import __version__
from mineral_briefs.cachefiles import exclusive_lock
from mineral_briefs.engine.cache_misses import MISSES_FILE as MISSES_FILE
from mineral_briefs.engine.cache_misses import count_misses as count_misses
from mineral_briefs.engine.cache_misses import record_miss
from mineral_briefs.engine.cache_size import max_bytes, prune_after_write, touch

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.engine.results import Results
    from mineral_briefs.scenarios import Scenario

logger = logging.getLogger(__name__)

ENV_SWITCH = "MINERAL_BRIEFS_ENGINE_CACHE"
"""``0``/``off``/``false`` turns the disk cache off (the engine then runs every time)."""

TABLES: tuple[str, ...] = (
    "timeseries",
    "bands",
    "kpis",
    "sensitivity",
    "whatif",
    "stockpile_use",
    "price_basis",
)
"""The :class:`Results` frames stored as Parquet files, one per table."""

FORMAT = 1
"""Layout version of an entry (part of the key: a new layout never reads an old entry)."""


def enabled() -> bool:
    """True when the disk cache is on: pyarrow importable and not switched off by env."""
    if os.environ.get(ENV_SWITCH, "").strip().lower() in {"0", "off", "false", "no"}:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def engine_cache_dir() -> Path:
    """``<cache_dir>/engine`` (:func:`mineral_briefs.locations.cache_dir`)."""
    from mineral_briefs.locations import cache_dir

    return cache_dir() / "engine"


@functools.cache
def _code_identity() -> tuple[str, str]:
    """(package version, toolkit source hash), computed once per process."""
    from mineral_briefs.fingerprint import process_source_hash

    return __version__, process_source_hash()


def result_key(
    scenario: Scenario,
    checksums: Mapping[str, str],
    *,
    draws: int,
    seed: int,
    central_only: bool,
    variants: bool = True,
    timeseries: bool = True,
) -> str:
    """sha256 hex key of one engine result (see the module docstring for the parts)."""
    version, source = _code_identity()
    material = {
        "format": FORMAT,
        "scenario": scenario.digest(),
        "data": dict(sorted(checksums.items())),
        "draws": int(draws),
        "seed": int(seed),
        "central_only": bool(central_only),
        "variants": bool(variants),
        "timeseries": bool(timeseries),
        "version": version,
        "source": source,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return hashlib.sha256(blob).hexdigest()


def cached_run(
    scenario: Scenario,
    dataset: Dataset | None = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    central_only: bool = False,
    variants: bool = True,
    timeseries: bool = True,
) -> Results:
    """:func:`mineral_briefs.engine.run` through the disk cache (same arguments, same result).

    # NOTE: the key holds the dataset's *file* checksums, so a Dataset whose frames were
    # edited in memory (tests, what-if data) must call ``engine.run`` directly.
    """
    what = {"central_only": central_only, "variants": variants, "timeseries": timeseries}
    res = _through_cache(scenario, dataset, draws=draws, seed=seed, **what)
    assert res is not None  # waiting for the key lock always ends in a result
    return res


MEMO_BYTES: int = 256 * 10**6
"""Most bytes of results (shallow frame sizes) this process keeps in memory besides the disk
cache: a kernel rendering both languages of a scenario reads each result from disk once."""

_MEMO: OrderedDict[tuple[str, str], tuple[Results, int]] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def forget_memo() -> None:
    """Drop the in-process copies (a test's stand-in for a new process)."""
    with _MEMO_LOCK:
        _MEMO.clear()


def _copied(res: Results, scenario: Scenario) -> Results:
    """``res`` for ``scenario`` with its own copies of the frames (callers may edit them)."""
    return dataclasses.replace(
        res, scenario=scenario, **{name: getattr(res, name).copy() for name in TABLES}
    )


def _memo_get(where: tuple[str, str], scenario: Scenario) -> Results | None:
    with _MEMO_LOCK:
        hit = _MEMO.get(where)
        if hit is None:
            return None
        _MEMO.move_to_end(where)
    return _copied(hit[0], scenario)


def _frame_bytes(frame: pd.DataFrame) -> int:
    """Bytes of a frame's column arrays (shallow, as ``memory_usage``; a third of its time)."""
    return int(sum(frame[col].array.nbytes for col in frame.columns))


def _memo_put(where: tuple[str, str], res: Results) -> None:
    size = sum(_frame_bytes(getattr(res, name)) for name in TABLES)
    if size > MEMO_BYTES:
        return
    kept = _copied(res, res.scenario)
    with _MEMO_LOCK:
        _MEMO[where] = (kept, size)
        _MEMO.move_to_end(where)
        total = sum(n for _, n in _MEMO.values())
        while total > MEMO_BYTES and len(_MEMO) > 1:
            _, (_, n) = _MEMO.popitem(last=False)
            total -= n


def cached_runs(
    scenarios: Sequence[Scenario], dataset: Dataset | None = None, **kwargs: Any
) -> list[Results]:
    """:func:`cached_run` of each scenario (same keyword arguments for all), in order, sharing
    the work with other processes that ask for the same runs.

    A run another process is computing right now is passed over and read after the others:
    two kernels starting at once on the same list (every brief's backtest record) each compute
    half of it instead of one computing while the other waits on the key lock.
    """
    got = [_through_cache(sc, dataset, wait=False, **kwargs) for sc in scenarios]
    return [
        res if res is not None else cached_run(sc, dataset, **kwargs)
        for sc, res in zip(scenarios, got, strict=True)
    ]


def claimed_runs(
    requests: Sequence[tuple[Scenario, Mapping[str, Any]]], dataset: Dataset | None = None
) -> int:
    """Store the runs ``requests`` asks for (each a scenario and :func:`cached_run`'s keyword
    arguments), claiming them all first; how many were computed here.

    Every run not yet stored and not being computed elsewhere has its key lock taken at once,
    before the first is computed; each lock is released as soon as its run is stored (or on any
    error, or when this process dies). A process that asks for a claimed run meanwhile (a
    brief's kernel reading the runs this process prefetches for it) waits and reads it, instead
    of computing, with its engine still cold, a run this process is about to compute. Runs that
    another process holds are left to it.

    # NOTE (issue 16, 2026-12-02): a cold kernel that took the first lever run the prefetch
    # had not reached yet spent 0.59 s on it (0.4 s of it building the base year, which the
    # prefetching process had built already) and then still read the other five.
    """
    from mineral_briefs.data import load_dataset

    ds = dataset if dataset is not None else load_dataset()
    claims: list[tuple[Scenario, Mapping[str, Any], contextlib.ExitStack]] = []
    try:
        for scenario, kwargs in requests:
            key = _key_of(scenario, ds, **kwargs)
            if key is None:
                continue
            stack = contextlib.ExitStack()
            held = stack.enter_context(exclusive_lock(_lock_path(key), wait=False))
            # NOTE: checked under the lock: a run stored meanwhile is not computed again
            if held and not (engine_cache_dir() / key / "entry.json").exists():
                claims.append((scenario, kwargs, stack))
            else:
                stack.close()
        for scenario, kwargs, stack in claims:
            with stack:
                _through_cache(scenario, ds, lock_held=True, **kwargs)
    finally:
        for _sc, _kw, stack in claims:
            stack.close()
    return len(claims)


def _key_of(scenario: Scenario, ds: Dataset, **kwargs: Any) -> str | None:
    """The cache key :func:`cached_run` would use for these arguments; None when it would not
    use the cache (cache off, or negative draws)."""
    central_only = bool(kwargs.get("central_only", False))
    n_draws, n_seed = _draws_seed(scenario, kwargs.get("draws"), kwargs.get("seed"), central_only)
    if n_draws < 0 or not enabled():
        return None
    return result_key(
        scenario,
        ds.checksums,
        draws=n_draws,
        seed=n_seed,
        central_only=central_only,
        variants=bool(kwargs.get("variants", True)),
        timeseries=bool(kwargs.get("timeseries", True)),
    )


def _draws_seed(
    scenario: Scenario, draws: int | None, seed: int | None, central_only: bool
) -> tuple[int, int]:
    """The draws and seed a run uses: the scenario's own where not given, no draws when only
    the central row is run."""
    n_draws = 0 if central_only else int(scenario.uncertainty.draws if draws is None else draws)
    return n_draws, int(scenario.uncertainty.seed if seed is None else seed)


def _lock_path(key: str) -> Path:
    """The key lock's file (:func:`mineral_briefs.cachefiles.exclusive_lock` creates its
    folder, and takes no lock where it cannot)."""
    return engine_cache_dir() / f"{key}.lock"


def _through_cache(
    scenario: Scenario,
    dataset: Dataset | None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    central_only: bool = False,
    variants: bool = True,
    timeseries: bool = True,
    wait: bool = True,
    lock_held: bool = False,
) -> Results | None:
    """The body of :func:`cached_run`; without ``wait``, None while another process holds the
    run's key lock (it is computing that run); with ``lock_held``, the caller holds that lock
    already (:func:`claimed_runs`)."""
    from mineral_briefs.data import load_dataset
    from mineral_briefs.engine.run import run

    ds = dataset if dataset is not None else load_dataset()
    n_draws, n_seed = _draws_seed(scenario, draws, seed, central_only)

    what = {"central_only": central_only, "variants": variants, "timeseries": timeseries}

    def compute() -> Results:
        return run(scenario, ds, draws=n_draws, seed=n_seed, **what)

    key = _key_of(scenario, ds, draws=draws, seed=seed, **what)
    if key is None:
        return compute()
    cap = max_bytes()  # a bad MINERAL_BRIEFS_ENGINE_CACHE_MAX_MB fails before any work
    folder = engine_cache_dir()
    entry = folder / key
    # NOTE: an entry never changes under its key (every input is in it), so a copy kept in
    # memory is the entry; a damaged file is still caught by the next process that reads it.
    where = (str(folder), key)
    hit = _memo_get(where, scenario)
    if hit is None:
        hit = _read_entry(entry, scenario)
        if hit is not None:
            _memo_put(where, hit)
    if hit is not None:
        touch(entry)
        return hit
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        logger.debug("engine cache folder %s not writable: %s", folder, exc)
        return compute()
    lock = contextlib.nullcontext(True) if lock_held else exclusive_lock(_lock_path(key), wait=wait)
    with lock as held:
        if not held:
            return None
        hit = _read_entry(entry, scenario)  # another process may have written it meanwhile
        if hit is not None:
            _memo_put(where, hit)
            touch(entry)
            return hit
        t0 = time.perf_counter()
        results = compute()
        seconds = time.perf_counter() - t0
        record_miss(folder, key, scenario.id, n_draws, n_seed, central_only, seconds)
        _memo_put(where, results)
        written = 0
        try:
            written = _write_entry(entry, results)
        except OSError as exc:
            logger.warning("could not store the engine result in %s: %s", entry, exc)
    # NOTE: outside the key lock: the scan must not hold up another process waiting for it.
    removed = prune_after_write(folder, cap, written, keep=key)
    if removed:
        logger.info(
            "engine cache over %.0f MB: removed %d least recently used", cap / 1e6, len(removed)
        )
    return results


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_entry(entry: Path, results: Results) -> int:
    """Write the entry into a temporary folder, then rename it into place (atomic); its bytes."""
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        files: dict[str, str] = {}
        blobs: list[bytes] = []
        for name in TABLES:
            buf = io.BytesIO()
            frame: pd.DataFrame = getattr(results, name)
            # NOTE: no column statistics: an entry is always read whole, and writing them was
            # a quarter of the encoding time (demand_4000: 47 → 34 ms per entry).
            frame.to_parquet(buf, index=False, write_statistics=False)
            data = buf.getvalue()
            blobs.append(data)
            (tmp / f"{name}.parquet").write_bytes(data)
            files[name] = _sha256(data)
        meta = {
            "files": files,
            "sources": list(results.sources),
            "data_vintage": results.data_vintage,
            "draws": results.draws,
            "seed": results.seed,
            "data_checksum": results.data_checksum,
        }
        meta_text = json.dumps(meta, indent=1)
        (tmp / "entry.json").write_text(meta_text, encoding="utf-8")
        size = sum(len(b) for b in blobs) + len(meta_text.encode("utf-8"))
        # NOTE (issue 16, 2026-12-02): no fsync. An entry is a cache, never the only copy: a
        # file torn by a crash fails its sha256 (or entry.json its parse) on the next read and
        # the run is computed again (_read_entry). Eight fsyncs per entry, eight entries per
        # brief, were 40 ms of a cold brief here and can be ten times that on a laptop disk.
        # The rename still makes an entry appear whole or not at all to other processes.
        try:
            os.rename(tmp, entry)
        except OSError:
            if not entry.exists():
                raise
            # NOTE: another process stored the same key first; its entry is as good as ours.
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return size


def _read_entry(entry: Path, scenario: Scenario) -> Results | None:
    """The cached results, or None when absent or failing any integrity check."""
    from mineral_briefs.engine.results import Results

    meta_file = entry / "entry.json"
    if not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        frames: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            data = (entry / f"{name}.parquet").read_bytes()
            if _sha256(data) != meta["files"][name]:
                raise ValueError(f"{name}.parquet fails its sha256 check")
            frames[name] = _parquet_frame(data)
        return dataclasses.replace(
            Results(
                scenario=scenario,
                sources=tuple(meta["sources"]),
                data_vintage=str(meta["data_vintage"]),
                **frames,
            ),
            draws=int(meta["draws"]),
            seed=meta["seed"],
            data_checksum=str(meta["data_checksum"]),
        )
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        logger.warning("engine cache entry %s is damaged (%s); recomputing it", entry.name, exc)
        _discard(entry)
        return None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own errors on bad files
        logger.warning("engine cache entry %s is unreadable (%s); recomputing it", entry.name, exc)
        _discard(entry)
        return None


def _parquet_frame(data: bytes) -> pd.DataFrame:
    """The frame stored in Parquet ``data``: the same frame as ``pd.read_parquet`` gives.

    # NOTE (issue 16): read straight from the buffer, without ``pd.read_parquet``'s
    # file-system and dataset layers: 45 % less time for a brief's small tables (42 tables of
    # six lever runs: 0.093 -> 0.050 s), read by the kernel of every cold brief. The conversion
    # to pandas is pyarrow's, which pandas' own reader calls (same dtypes; tested).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.ParquetFile(pa.BufferReader(data)).read().to_pandas()  # type: ignore[no-any-return]


def _discard(entry: Path) -> None:
    """Move a damaged entry aside (atomic) and delete it."""
    trash = entry.with_name(f".{entry.name}.{uuid.uuid4().hex[:8]}.bad")
    try:
        os.rename(entry, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)
