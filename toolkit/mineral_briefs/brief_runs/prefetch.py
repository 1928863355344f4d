"""Engine runs of a brief computed beside its kernel, so that the kernel reads them (issue 16).

A cold brief spends most of its cells in engine runs it cannot start before the previous one
returns: the central run, the backtest record, the levers compared and, while the end of the
suspension is unrecorded, the other branch. :func:`prefetch` asks the engine for the same runs
through the disk cache (:func:`mineral_briefs.engine.cache.cached_run`) from the render worker,
which otherwise only waits for the kernel. For a cold kernel the central run comes first and
the runs after it are claimed at once (their key locks taken) and computed in the kernel's
order: a kernel that asks for one of them waits and reads the stored entry instead of computing
it too. A warm kernel (the preview) computes as fast as this process: the two meet in the
middle, whichever reaches a run first computes it and the other reads it.
The brief itself is unchanged: its kernel still asks for every run and gets the very results it
would have computed.

# NOTE: a run prefetched in vain (a different scenario, a notebook that asks for other runs)
# costs CPU time, never a wrong number: every entry is keyed by its full inputs.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from mineral_briefs.startup import imports_then_freeze

log = logging.getLogger("mineral_briefs.brief")

LAST_RUNS_KEPT: int = 4
"""Scenario ids whose last full run this process keeps to plan the next prefetch (the preview
watches one scenario; a few MB of frames each)."""
_LAST_RUN: OrderedDict[str, Any] = OrderedDict()


def _remember(scenario_id: str, results: Any) -> None:
    """Keep ``results`` as the last full run of ``scenario_id`` (the oldest id goes first)."""
    _LAST_RUN[scenario_id] = results
    _LAST_RUN.move_to_end(scenario_id)
    while len(_LAST_RUN) > LAST_RUNS_KEPT:
        _LAST_RUN.popitem(last=False)


_LOADED: list[bool] = []
"""Non-empty once the first prefetch in this process has frozen its heap."""


@contextlib.contextmanager
def _first_load() -> Iterator[None]:
    """The first prefetch's imports and data read in :func:`~mineral_briefs.startup.
    imports_then_freeze`, once per process (the render process imports the engine here, on
    the cold brief's critical path; its collections 0.094 -> 0.016 s, issue 16)."""
    if _LOADED:
        yield
        return
    _LOADED.append(True)
    with imports_then_freeze():
        yield


def prefetch(parameters: Mapping[str, Any], *, central_first: bool = False) -> int:
    """Compute the engine runs of a brief with these notebook ``parameters`` into the cache.

    Parameters
    ----------
    parameters
        The brief notebook's parameters (``scenario``, ``draws``, ``seed``, ``as_of``,
        ``scenario_text``, ``overrides``; ``language`` does not change any run).
    central_first
        Compute the central run before the branch: for a kernel that is still starting (a
        cold brief), which would otherwise find the central run unstarted and compute it
        itself while this process computes a run the kernel needs last. False for a kernel
        that is already warm (the preview), which starts on the central run at once.

    Returns
    -------
    int
        How many engine results were asked for (each computed here or read from the cache;
        the backtest record counts once); 0 when the disk cache is off (nothing could be
        shared with the kernel).

    Raises
    ------
    ScenarioError, DataError
        For a scenario or data folder the brief itself would refuse (the caller ignores them:
        the kernel reports the problem, naming the file).
    """
    with _first_load():
        from mineral_briefs.engine.cache import cached_run, enabled

        if not enabled():
            return 0
        from mineral_briefs.brief_runs.plan import (
            BRANCH_RUN,
            as_of_date,
            resolve_run,
            shows_branches,
            suspension_extended_variant,
        )
        from mineral_briefs.data import load_dataset

        sc, draws, seed = resolve_run(
            str(parameters.get("scenario", "baseline")),
            int(parameters.get("draws", -1)),
            int(parameters.get("seed", -1)),
            str(parameters.get("scenario_text", "") or ""),
            str(parameters.get("overrides", "") or "") or None,
        )
        day = as_of_date(str(parameters.get("as_of", "") or "") or None)
        ds = load_dataset()
    # NOTE: the kernel's order is central run, levers compared, backtest record (the header's
    # flags), branches. The record is read last here (issue 16, 2026-12-02): it is stored once
    # per data and toolkit version, so this process almost always only reads it, and reading
    # it first (with the backtest modules' imports, about 0.15 s) put off the central run the
    # kernel waits for. A record not yet stored is computed by the kernel when it gets there.
    # NOTE (cold brief, 2026-12-02): the kernel is ready about 1.1 s after this helper
    # starts (kernel boot + imports), so the central run comes first there: it is done
    # before the kernel asks for it. A warm kernel (the preview) starts on it at once.
    later: list[tuple[Any, dict[str, Any]]] = []
    if shows_branches(str(sc.id), ds.policy_events, day):
        # NOTE: as the brief asks for it (situation.branches: KPIs only, no what-if rows)
        later.append(
            (suspension_extended_variant(ds), {"draws": draws, "seed": seed, **BRANCH_RUN})
        )
    if not central_first:
        # NOTE (warm kernel, the preview): the kernel starts on the central run at once, with
        # its engine warm; this process takes the branch, then the levers last to first, and
        # the two meet in the middle. Claiming them all (as for a cold kernel) left the warm
        # kernel waiting for levers it computes as fast (save-to-page 1.69x simulate with the
        # claims, 1.46x without, one make-bench run each, 2026-12-02).
        for variant, kwargs in later:
            cached_run(variant, ds, **kwargs)
        n = _levers(sc, ds, None, draws, seed, [])
    else:
        results = cached_run(sc, ds, draws=draws, seed=seed)
        n = _levers(sc, ds, results, draws, seed, later)
    n += len(later) + 1 + _backtest_record(ds)
    log.debug("prefetched %d engine runs for %s", n, sc.id)
    return n


def _backtest_record(ds: Any) -> int:
    """Read (or compute and store) the backtest record; 1, or 0 if it failed."""
    from mineral_briefs.backtest_cache import cached_backtests

    try:
        # NOTE: the stored record, not the brief's per-process memo: a long-lived process (the
        # preview) must still find it on disk for the next kernel.
        cached_backtests(ds)
    except Exception as exc:  # noqa: BLE001 - the brief reports a failing backtest itself
        log.debug("backtest record not prefetched: %s", exc)
        return 0
    return 1


def _levers(
    sc: Any, ds: Any, results: Any, draws: int, seed: int, later: list[tuple[Any, dict[str, Any]]]
) -> int:
    """Compute the levers compared; the number of lever runs.

    With ``results`` (a cold kernel: the central run is stored) the levers are planned from it
    and computed in the kernel's order, then the runs in ``later``, all claimed at once. Without
    (a warm kernel computing the central run itself) they are planned from the last full run
    of the same scenario id (the preview's previous save), else from the deterministic run,
    and computed last to first, each waiting for the kernel if it got there first.

    # NOTE (warm kernel, the preview): the kernel starts on the central run with its Monte
    # Carlo draws at once (0.9 s for controls_oct2025); waiting for it only to plan the levers
    # left this process idle that long. The deterministic run (0.15 s) has the same central
    # KPIs, so the same focal market and variants (all nine built-in scenarios checked); the
    # plan is checked against the full run at the end.
    """
    from mineral_briefs.brief_runs.plan import focal
    from mineral_briefs.brief_runs.variants import LEVER_RUN, planned_runs
    from mineral_briefs.engine.cache import cached_run, claimed_runs

    # NOTE (warm kernel, 2026-12-02): the preview asks again after every save; the last run
    # of the same scenario id plans the levers at once instead of a deterministic run
    # (0.12-0.22 s in which the kernel, already on its first lever, computed a run this
    # process would have). An edit that changes the plan costs runs in vain, never a wrong
    # number: the check against the full run below computes what the stale plan missed.
    plan_from = results if results is not None else _LAST_RUN.get(str(sc.id))
    if plan_from is None:
        plan_from = cached_run(sc, ds, central_only=True)
    planned = planned_runs(sc, plan_from, *focal(sc, plan_from))
    if results is not None:
        claimed_runs([(v, dict(LEVER_RUN)) for v in planned] + later, ds)
    else:
        for variant in reversed(planned):
            cached_run(variant, ds, **LEVER_RUN)
    n = len(planned)
    if results is None:
        full = cached_run(sc, ds, draws=draws, seed=seed)
        _remember(str(sc.id), full)
        done = {v.digest() for v in planned}
        for variant in planned_runs(sc, full, *focal(sc, full)):
            if variant.digest() not in done:
                cached_run(variant, ds, **LEVER_RUN)
                n += 1
    return n
