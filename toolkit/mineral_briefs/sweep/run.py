"""Run a sweep grid: plan the points, reuse the stored ones, compute the rest in parallel.

Executors: a local process pool (default; ``workers`` processes) or a Dask cluster
(``scheduler``), whose workers are first checked for the client's package version, toolkit
source and data checksums. Each finished point is stored atomically as it arrives
(:mod:`mineral_briefs.sweep.points`), so an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from mineral_briefs.engine.cache import result_key
from mineral_briefs.errors import RenderError
from mineral_briefs.scenarios.sweep import Point
from mineral_briefs.sweep.points import PointResult, PointTask, compute, load, store

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (points done, points in total) after each point."""


def plan(
    points: Sequence[Point],
    checksums: dict[str, str],
    *,
    draws: int,
    seed: int,
    minerals: Sequence[str],
) -> list[PointTask]:
    """One :class:`PointTask` per grid point, keyed like the engine cache (``variants=False``)."""
    out = []
    for p in points:
        key = result_key(
            p.scenario, checksums, draws=draws, seed=seed, central_only=False, variants=False
        )
        out.append(
            PointTask(
                index=p.index,
                key=key,
                scenario_json=p.scenario.model_dump_json(),
                values=dict(p.values),
                draws=draws,
                seed=seed,
                minerals=tuple(minerals),
            )
        )
    return out


def execute(
    tasks: Sequence[PointTask],
    folder: Path,
    *,
    workers: int | None = None,
    scheduler: str = "",
    progress: Progress | None = None,
) -> tuple[list[PointResult], int]:
    """Compute every task not stored yet in ``folder``; return (results in grid order, reused).

    Raises
    ------
    RenderError
        A point failed (its error), or the Dask cluster is unreachable or mismatched.
    """
    done: dict[int, PointResult] = {}
    todo: list[PointTask] = []
    for t in tasks:
        hit = load(folder, t.key)
        if hit is not None:
            done[t.index] = hit
        else:
            todo.append(t)
    reused = len(done)
    total = len(tasks)
    if progress:
        progress(reused, total)
    source = _dask(todo, scheduler) if scheduler else _pool(todo, workers)
    for res in source:
        store(folder, res)
        done[res.index] = res
        if progress:
            progress(len(done), total)
    return [done[t.index] for t in tasks], reused


def _pool(tasks: Sequence[PointTask], workers: int | None) -> Iterator[PointResult]:
    """Local process pool; yields results as they finish (at most 2 × workers in flight)."""
    if not tasks:
        return
    n = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if n == 1:
        for t in tasks:
            yield compute(t)
        return
    # NOTE: a bounded window of submitted points keeps memory flat for 100,000-point grids and
    # lets Ctrl-C stop after the points in flight (the finished ones are already stored).
    with ProcessPoolExecutor(max_workers=n) as pool:
        it = iter(tasks)
        running: set[Future[PointResult]] = set()
        try:
            _fill(pool, it, running, 2 * n)
            while running:
                finished, running_left = wait(running, return_when=FIRST_COMPLETED)
                running = set(running_left)
                for fut in finished:
                    yield fut.result()
                _fill(pool, it, running, 2 * n)
        except BaseException:
            for fut in running:
                fut.cancel()
            raise


def _fill(
    pool: ProcessPoolExecutor,
    it: Iterator[PointTask],
    running: set[Future[PointResult]],
    limit: int,
) -> None:
    while len(running) < limit:
        task = next(it, None)
        if task is None:
            return
        running.add(pool.submit(compute, task))


def worker_identity() -> dict[str, str]:
    """What must match between the client and every worker: version, source, data."""
    from mineral_briefs.data import load_dataset
    from mineral_briefs.engine.cache import _code_identity
    from mineral_briefs.engine.run import _data_checksum

    version, source = _code_identity()
    return {
        "version": version,
        "source": source,
        "data": _data_checksum(load_dataset().checksums),
    }


def check_workers(client: Any) -> int:
    """Refuse a cluster whose workers differ from the client (returns the worker count).

    Raises
    ------
    RenderError
        No workers, a worker without the toolkit, or a mismatch (which worker, which part).
    """
    mine = worker_identity()
    try:
        theirs = client.run(worker_identity)
    except Exception as exc:  # noqa: BLE001 - ModuleNotFoundError on a bare worker, …
        raise RenderError(
            f"a Dask worker cannot run the toolkit ({type(exc).__name__}: {exc}); install the "
            "same mineral-briefs wheel and data on every worker (docs/sweeps.md)"
        ) from None
    if not theirs:
        raise RenderError("the Dask cluster has no workers")
    for addr, ident in sorted(theirs.items()):
        bad = [k for k in ("version", "source", "data") if ident.get(k) != mine[k]]
        if bad:
            raise RenderError(
                f"Dask worker {addr} differs from this client in: {', '.join(bad)} "
                f"(client {', '.join(f'{k}={mine[k][:12]}' for k in bad)}; worker "
                f"{', '.join(f'{k}={str(ident.get(k))[:12]}' for k in bad)})"
            )
    return len(theirs)


def _dask(tasks: Sequence[PointTask], scheduler: str) -> Iterator[PointResult]:
    """Fan points out to a dask.distributed cluster (scenario text travels, not paths)."""
    from mineral_briefs.extras import require

    require("distributed", "--executor dask")
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout="20s")
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    try:
        check_workers(client)
        if not tasks:
            return
        futures = client.map(compute, list(tasks), key=[f"sweep-{t.key}" for t in tasks])
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()


def minerals_of(points: Iterable[Point]) -> list[str]:
    """Minerals the points' export controls, floors and stockpiles name (IAMC rows kept)."""
    out: set[str] = set()
    for p in points:
        sc = p.scenario
        for c in sc.export_controls:
            out.update(c.minerals)
        for f in getattr(sc, "price_floors", ()):
            out.add(f.mineral)
        break  # NOTE: every point shares the base's lever lists; the first one is enough
    return sorted(out)
