"""The brief's run: its scenario, draws and seed, the day it speaks from, its focal market,
and whether it shows both branches of the end of China's suspension."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Final

import pandas as pd

from mineral_briefs.narrative.situation import suspension_state

BRANCH_SCENARIOS: Final[dict[str, str]] = {
    "suspension_snapback": "back",
    "controls_oct2025": "in_force",
}
"""Scenarios that model the end of China's suspension on 10 Nov 2026, and the branch each
follows. Their counterpart is ``suspension_snapback`` with the snap-back removed (the
suspension extended beyond the horizon).

# NOTE: named, not inferred: scenarios that extend these (stockpile_response,
# combined_stress) add other levers, so a counterpart without them would not be like for like.
"""
COUNTERPART_BASE: Final[str] = "suspension_snapback"


BRANCH_RUN: Final[dict[str, bool]] = {"variants": False, "timeseries": False}
"""How the other branch is run (:func:`mineral_briefs.engine.cache.cached_run` keywords, with
the brief's draws and seed): the branches table reads its KPIs only (central row and bands
as in a full run), without what-if and tornado rows or monthly tables. The kernel and the
render process's prefetch ask alike, so they share one cache entry."""


def suspension_extended_variant(dataset: Any) -> Any:
    """``suspension_snapback`` with the snap-back removed: the controls stay suspended."""
    from mineral_briefs.scenarios import load_scenario

    base = load_scenario(COUNTERPART_BASE)
    controls = tuple(c.model_copy(update={"snap_back": None}) for c in base.export_controls)
    return base.model_copy(
        update={"id": f"{COUNTERPART_BASE}_extended", "export_controls": controls}
    )


def shows_branches(scenario_id: str, events: Any, as_of: Any) -> bool:
    """Whether a brief of ``scenario_id`` dated ``as_of`` shows both branches (and so runs the
    engine on :func:`suspension_extended_variant`): the scenario models the end of the
    suspension and, on ``as_of``, its outcome is unknown."""
    return scenario_id in BRANCH_SCENARIOS and suspension_state(events, as_of) == "unknown"


def _market_values(results: Any) -> dict[tuple[str, str], float]:
    """Base-year value of each market [USD/yr]: world demand in the first month × its price."""
    ts = results.timeseries
    if ts is None or ts.empty:
        return {}
    first = ts[ts["time"] == ts["time"].min()]
    out: dict[tuple[str, str], float] = {}
    from mineral_briefs.model.codelist import variable

    # NOTE: one pass over the first month's rows (a few hundred) instead of two frame filters
    # per market: world demand (first row) and the highest price outside China (NaN skipped,
    # NaN when every price is NaN) of each variable.
    world: dict[str, float] = {}
    outside: dict[str, list[float]] = {}
    for var, reg, val in zip(
        first["variable"].to_numpy(dtype=object),
        first["region"].to_numpy(dtype=object),
        first["value"].to_numpy(dtype=float),
        strict=True,
    ):
        if reg == "World":
            world.setdefault(var, val)
        if reg != "China":
            outside.setdefault(var, []).append(val)
    kp = results.kpis
    for mi, st in dict.fromkeys(zip(kp["mineral"], kp["stage"], strict=True)):
        dem = world.get(variable("Demand", mi, st))
        prices = outside.get(variable("Price", mi, st))
        if dem is not None and prices:
            top = max((p for p in prices if p == p), default=float("nan"))
            out[(str(mi), str(st))] = float(dem) * 1e3 * float(top)
    return out


def _lever_markets(scenario: Any) -> set[tuple[str, str | None]]:
    """(mineral, stage) pairs the scenario's levers act on; stage ``None`` = every stage."""
    out: set[tuple[str, str | None]] = set()
    for ctrl in getattr(scenario, "export_controls", ()):
        out |= {(m, s) for m in ctrl.minerals for s in ctrl.stages if s != "technology"}
    for item in (*getattr(scenario, "price_floors", ()), *getattr(scenario, "projects", ())):
        out.add((item.mineral, item.stage))
    for stock in getattr(scenario, "stockpiles", ()):
        out |= {(m, None) for m in stock.minerals}  # stocks serve the downstream chain
    for dem in getattr(scenario, "demand", ()):
        out.add((dem.mineral, None))
    return out


SUMMARY_VIEWS: tuple[str, ...] = ("rare_earths",)
"""Minerals that sum other markets of the run (the rare-earth basket over its elements): a
brief is headed by one of them only when no other market is a candidate."""


DEFAULT_FOCAL: tuple[str, str] = ("magnet_rees", "refining")
"""The focal market of a brief whose levers act on no simulated market (the baseline)."""


def focal(scenario: Any, results: Any) -> tuple[str, str]:
    """Focal market (mineral, stage) of a brief: among the markets the scenario's levers act
    on, the one with the most at stake, weighted by the market's value.

    # NOTE: stake [USD] = base value [USD/yr] × (peak outside price multiple − 1 + shortfall
    # share) + the money the levers move (consumer and fiscal cost). Weighting by value keeps
    # a cheap stand-in (the rare-earth basket priced as cerium, a few USD/kg) from heading a
    # brief about NdPr and magnets because its multiple is larger; counting the money makes a
    # floor scenario lead with the floor that costs most. A scenario without levers (the
    # baseline) is headed by magnet rare-earth refining, or, where the run does not simulate
    # it (a one-market replay), by its most valuable market.
    """
    kpis = results.kpis if results is not None else None
    if kpis is None or not len(kpis):
        return DEFAULT_FOCAL
    levers = _lever_markets(scenario)
    value = _market_values(results)
    wide = kpis.pivot_table(index=["mineral", "stage"], columns="kpi", values="value")
    keep = [(m, s) in levers or (m, None) in levers for m, s in wide.index]
    cand = wide[keep]
    if cand.empty:
        # NOTE: a brief is about a market the run simulated: a nickel-only replay headed by
        # magnet rare-earth refining showed no key figures at all
        if DEFAULT_FOCAL in wide.index:
            return DEFAULT_FOCAL
        markets = [(str(m), str(s)) for m, s in wide.index]
        detail_only = [k for k in markets if k[0] not in SUMMARY_VIEWS] or markets

        def worth_of(k: tuple[str, str]) -> float:
            v = value.get(k, 0.0)
            return v if math.isfinite(v) else 0.0  # a market with no price has no value

        return max(detail_only, key=worth_of)
    # NOTE: the all-rare-earths basket is a summary view of the element and magnet markets
    # (it holds their NdPr, Dy and Tb by value): it heads a brief only where none of them is
    # a candidate. After the demand split of 2026-12-03 it outweighed the magnets by 6 % in
    # controls_oct2025 and headed a brief on the magnet and Dy/Tb controls with a basket that
    # cannot say which element is short.
    detail = [m not in SUMMARY_VIEWS for m, _ in cand.index]
    if any(detail):
        cand = cand[detail]

    def col(name: str, default: float) -> pd.Series:
        return cand[name].fillna(default) if name in cand else pd.Series(default, cand.index)

    worth = pd.Series([value.get((str(m), str(s)), 0.0) for m, s in cand.index], index=cand.index)
    stake = worth * (
        (col("peak_price_multiple_outside", 1.0) - 1.0).clip(lower=0.0)
        + col("cumulative_shortfall_pct", 0.0) / 100.0
    )
    stake = stake + col("consumer_cost_usd", 0.0) + col("fiscal_cost_usd", 0.0)
    best = stake if float(stake.max()) > 0 else worth
    mi, st = best.idxmax()
    return str(mi), str(st)


def as_of_date(as_of: str | dt.date | None) -> dt.date:
    """The date a brief speaks from: ``as_of`` as a date; ``None`` or ``""`` is today.

    Raises
    ------
    ScenarioError
        If ``as_of`` is not an ISO date ``YYYY-MM-DD``.
    """
    from mineral_briefs.asof import parse_as_of
    from mineral_briefs.errors import ScenarioError

    try:
        return parse_as_of(as_of)
    except ValueError as err:
        raise ScenarioError(f"as_of {as_of!r}: {err}") from None


def resolve_run(
    scenario: str,
    draws: int | None = -1,
    seed: int | None = -1,
    scenario_text: str = "",
    overrides: str | None = None,
) -> tuple[Any, int, int]:
    """The brief's scenario (``extends`` and ``overrides`` applied), draws and seed.

    Parameters as in :func:`mineral_briefs.brief.prepare`; shared with
    :mod:`mineral_briefs.brief_runs.prefetch`, which
    must ask the engine for exactly the runs the brief will.

    Returns
    -------
    tuple
        ``(scenario, draws, seed)``: the validated :class:`~mineral_briefs.scenarios.Scenario`,
        the number of Monte Carlo draws [-] and the random seed [-].
    """
    from mineral_briefs.scenarios import load_scenario, parse_scenario
    from mineral_briefs.scenarios.patch import apply_overrides

    sc = (
        parse_scenario(scenario_text, source=scenario) if scenario_text else load_scenario(scenario)
    )
    if overrides:
        sc = apply_overrides(sc, overrides)
    n_draws = int(sc.uncertainty.draws) if draws is None or draws < 0 else int(draws)
    n_seed = int(sc.uncertainty.seed) if seed is None or seed < 0 else int(seed)
    return sc, n_draws, n_seed
