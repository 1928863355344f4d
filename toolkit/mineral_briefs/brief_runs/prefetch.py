"""Engine runs of a brief computed beside its kernel, so that the kernel reads them (issue 16).

A cold brief spends most of its cells in engine runs it cannot start before the previous one
returns: the central run, the backtest record, the levers compared and, while the end of the
suspension is unrecorded, the other branch. :func:`prefetch` asks the engine for the same runs
through the disk cache (:func:`mineral_briefs.engine.cache.cached_run`) from the render worker,
which otherwise only waits for the kernel, in the kernel's order. The runs after the central
one are claimed at once (their key locks taken): a kernel that asks for one of them waits and
reads the stored entry instead of computing it too; a run another process holds is left to it.
The brief itself is unchanged: its kernel still asks for every run and gets the very results it
would have computed.

# NOTE: a run prefetched in vain (a different scenario, a notebook that asks for other runs)
# costs CPU time, never a wrong number: every entry is keyed by its full inputs.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("mineral_briefs.brief")


def prefetch(
    parameters: Mapping[str, Any], *, central_first: bool = False, split: bool = False
) -> int:
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
    split
        With ``central_first``: compute the runs after the central one (levers compared,
        branch) in a forked copy of this process while this one computes the central run
        (:func:`_split`). Only where ``os.fork`` exists and this process runs one thread;
        otherwise the runs are computed one after the other here.

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
    from mineral_briefs.engine.cache import cached_run, enabled

    if not enabled():
        return 0
    from mineral_briefs.brief_runs.plan import (
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
    n = 0
    # NOTE: the kernel's order is central run, backtest record (the header's flags), levers
    # compared, branches. The backtest record and the central run come first here; then every
    # later run is claimed at once and computed in the kernel's order, so the kernel reads each
    # as it comes instead of computing one with its engine still cold
    # (:func:`mineral_briefs.engine.cache.claimed_runs`).
    later: list[tuple[Any, dict[str, Any]]] = []
    if shows_branches(str(sc.id), ds.policy_events, day):
        later.append((suspension_extended_variant(ds), {"draws": draws, "seed": seed}))
    if central_first and split and can_fork():
        n += _split(sc, ds, draws, seed, later) + len(later) + 2
        log.debug("prefetched %d engine runs for %s in two processes", n, sc.id)
        return n
    n += _record(ds)
    if not central_first:
        # NOTE (warm kernel, the preview): the kernel starts on the central run at once, with
        # its engine warm; this process takes the branch, then the levers last to first, and
        # the two meet in the middle. Claiming them all (as for a cold kernel) left the warm
        # kernel waiting for levers it computes as fast (save-to-page 1.69x simulate instead
        # of 1.33x, measured 2026-12-02).
        for variant, kwargs in later:
            cached_run(variant, ds, **kwargs)
        return n + _levers(sc, ds, None, draws, seed, []) + len(later) + 1
    # NOTE (cold brief without a fork, 2026-12-02): the kernel is ready about 1.1 s after this
    # helper starts (kernel boot + imports), so the central run comes first: it is done
    # before the kernel asks for it; then the rest is claimed in the kernel's order.
    results = cached_run(sc, ds, draws=draws, seed=seed)
    n += _levers(sc, ds, results, draws, seed, later) + len(later) + 1
    log.debug("prefetched %d engine runs for %s", n, sc.id)
    return n


def _levers(
    sc: Any, ds: Any, results: Any, draws: int, seed: int, later: list[tuple[Any, dict[str, Any]]]
) -> int:
    """Compute the levers compared; the number of lever runs.

    With ``results`` (a cold kernel: the central run is stored) the levers are planned from it
    and computed in the kernel's order, then the runs in ``later``, all claimed at once. Without
    (a warm kernel computing the central run itself) they are planned from the deterministic
    run and computed last to first, each waiting for the kernel if it got there first.

    # NOTE (warm kernel, the preview): the kernel starts on the central run with its Monte
    # Carlo draws at once (0.9 s for controls_oct2025); waiting for it only to plan the levers
    # left this process idle that long. The deterministic run (0.15 s) has the same central
    # KPIs, so the same focal market and variants (all nine built-in scenarios checked); the
    # plan is checked against the full run at the end.
    """
    from mineral_briefs.brief_runs.plan import focal
    from mineral_briefs.brief_runs.variants import planned_runs
    from mineral_briefs.engine.cache import cached_run, claimed_runs

    plan_from = results if results is not None else cached_run(sc, ds, central_only=True)
    planned = planned_runs(sc, plan_from, *focal(sc, plan_from))
    if results is not None:
        claimed_runs([(v, {"central_only": True}) for v in planned] + later, ds)
    else:
        for variant in reversed(planned):
            cached_run(variant, ds, central_only=True)
    n = len(planned)
    if results is None:
        full = cached_run(sc, ds, draws=draws, seed=seed)
        done = {v.digest() for v in planned}
        for variant in planned_runs(sc, full, *focal(sc, full)):
            if variant.digest() not in done:
                cached_run(variant, ds, central_only=True)
                n += 1
    return n


def _record(ds: Any) -> int:
    """Store the backtest record every brief shows (1), or leave it to the kernel (0)."""
    from mineral_briefs.backtest_cache import cached_backtests

    try:
        # NOTE: the stored record, not the brief's per-process memo: a long-lived process (the
        # preview) must still find it on disk for the next kernel.
        cached_backtests(ds)
    except Exception as exc:  # noqa: BLE001 - the brief reports a failing backtest itself
        log.debug("backtest record not prefetched: %s", exc)
        return 0
    return 1


def can_fork() -> bool:
    """Whether this process may fork a copy of itself that computes engine runs: ``os.fork``
    exists (POSIX), the platform is Linux (macOS forks without exec are unsafe for some system
    libraries), and no other thread runs (a forked copy holds only the calling thread, and a
    lock another thread held at the fork would never be released in it)."""
    import sys
    import threading

    return (
        hasattr(os, "fork") and sys.platform.startswith("linux") and threading.active_count() == 1
    )


def _split(sc: Any, ds: Any, draws: int, seed: int, later: list[tuple[Any, dict[str, Any]]]) -> int:
    """The cold brief's runs in two processes: the central run here, the levers compared and
    ``later`` shared with a forked copy (:func:`_shares`); the number of lever runs.

    The levers are planned from the deterministic central run (as for a warm kernel, see
    :func:`_levers`), which also builds the engine's base year for the data once, before the
    fork, so both processes start warm. The copy claims its runs at once
    (:func:`mineral_briefs.engine.cache.claimed_runs`) and leaves with ``os._exit`` (none of
    this process's exit handlers run twice); the plan is checked against the full run at the
    end.

    # NOTE (issue 16, 2026-12-02): one after the other, the six levers and the branch
    # (about 1.3 s on a busy 2-core machine) came after the central run, and the kernel's first
    # cells waited for them; the kernel itself only waits then.
    """
    from mineral_briefs.brief_runs.plan import focal
    from mineral_briefs.brief_runs.variants import planned_runs
    from mineral_briefs.engine import run as engine_run
    from mineral_briefs.engine.cache import cached_run, claimed, claimed_runs

    # NOTE: the central run is claimed before the base year is built: the kernel may be ready
    # to ask for it by the time the plan is made (measured: it then computed it too). Its lock
    # is released as soon as it is stored, not after the copy's runs.
    pid, status = 0, 0
    try:
        with claimed(sc, ds, draws=draws, seed=seed) as mine:
            central = engine_run(sc, ds, central_only=True)
            planned = planned_runs(sc, central, *focal(sc, central))
            theirs, ours = _shares([(v, {"central_only": True}) for v in planned] + later, draws)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the forked copy (its work is checked by the cache)
                code = 1
                try:
                    die_with_parent()
                    _record(ds)  # the kernel reads it after the central run: not before it
                    claimed_runs(theirs, ds)
                    code = 0
                finally:
                    os._exit(code)
            full = cached_run(sc, ds, draws=draws, seed=seed, lock_held=mine)
        # NOTE: claimed only now: the kernel asks for none of these before the central run
        claimed_runs(ours, ds)
    finally:
        if pid:
            _, status = os.waitpid(pid, 0)
    if status != 0:
        log.debug(
            "the forked prefetch ended with status %d; its runs are left to the kernel", status
        )
    n = len(planned)
    done = {v.digest() for v in planned}
    for variant in planned_runs(sc, full, *focal(sc, full)):
        if variant.digest() not in done:
            cached_run(variant, ds, central_only=True)
            n += 1
    return n


RECORD_COST: float = 0.7
"""Cost of reading the stored backtest record, in deterministic runs (see :func:`_shares`)."""

DRAWS_PER_RUN: float = 150.0
"""Monte Carlo draws that cost as much as one deterministic run (measured on
``controls_oct2025``, 2026-12-02: a run with 300 draws about three deterministic ones)."""


def _shares(
    runs: list[tuple[Any, dict[str, Any]]], draws: int
) -> tuple[list[tuple[Any, dict[str, Any]]], list[tuple[Any, dict[str, Any]]]]:
    """Split ``runs`` (in the kernel's order) between the forked copy (the first ones, after the
    backtest record) and this process (the rest, after the central run), so that both finish
    at about the same time.

    Costs are in deterministic runs: a run with ``d`` draws costs ``1 + d / DRAWS_PER_RUN``,
    the record :data:`RECORD_COST`.
    """

    def cost(kwargs: dict[str, Any]) -> float:
        n = 0 if kwargs.get("central_only") else int(kwargs.get("draws") or 0)
        return 1.0 + max(n, 0) / DRAWS_PER_RUN

    costs = [cost(kw) for _, kw in runs]
    central = 1.0 + max(draws, 0) / DRAWS_PER_RUN
    best = min(
        range(len(runs) + 1),
        key=lambda k: (max(RECORD_COST + sum(costs[:k]), central + sum(costs[k:])), -k),
    )
    return runs[:best], runs[best:]


def die_with_parent() -> None:
    """Ask Linux to end this process when its parent ends (``PR_SET_PDEATHSIG``), so a forked
    prefetch never outlives the process that forked it; nothing elsewhere."""
    import ctypes
    import signal

    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
