"""Constant-elasticity partial-equilibrium clearing with capacity limits, demand destruction
above a threshold price (:mod:`mineral_briefs.model.demand_destruction`) and a numerical guard
(``choke``: the highest price the solver returns; a result on it is flagged ``at_guard``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.demand_destruction import NO_KINK_LOG, log_demand, solve_log_price

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.model.static import Static

F = NDArray[np.float64]

MIN_PRICE_MULTIPLE: float = 0.05
"""Lowest price the solver returns, as a multiple of the base price [-]."""

_TINY: float = 1e-12


def adjusted_elasticity(short_run: F, long_run: F, months: F, tau_months: F) -> F:
    """Partial adjustment ``ε(t) = ε_SR + (ε_LR − ε_SR)(1 − e^{−t/τ})`` [-].

    Parameters
    ----------
    short_run, long_run : array
        Elasticities [-].
    months : array
        Time since the shock began, t ≥ 0 [months].
    tau_months : array
        Adjustment time constant τ [months].

    References
    ----------
    methods.md §8.7.
    """
    return short_run + (long_run - short_run) * (
        1.0 - np.exp(-np.maximum(months, 0.0) / tau_months)
    )


def side_elasticity(x: F, eps_s: F, eps_s_down: F | None) -> F:
    """The supply elasticity on the side of the base price that log price ``x`` lies:
    ``eps_s_down`` below it (``x < 0``) where given (producers on a cost curve, §19),
    ``eps_s`` otherwise [-]."""
    return eps_s if eps_s_down is None else np.where(x < 0.0, eps_s_down, eps_s)


def supply_multiplier(price: F, eps_s: F, head: F, eps_s_down: F | None = None) -> F:
    """Own-supply response ``min(P^ε, h)`` at price multiple P, with ε from
    :func:`side_elasticity` [-]."""
    return np.minimum(price ** side_elasticity(price - 1.0, eps_s, eps_s_down), head)


class Cleared(NamedTuple):
    """Result of :func:`clear_market`, all arrays of the input shape."""

    price: F
    """Clearing price multiple P (base = 1) [-]."""
    supply_multiplier: F
    """Own-supply response min(P^ε_s, h) [-]."""
    ration: F
    """Share of demand served at P: 1 unless the choke price binds [0–1]."""
    log_price: F
    """ln P, returned so callers need not take the log again [-]."""


def clear_market(
    supply_scale: F,
    demand_scale: F,
    eps_d: F,
    eps_s: F,
    headroom: F,
    choke: F,
    *,
    log_headroom: F | None = None,
    log_choke: F | None = None,
    log_kink: F | None = None,
    eps_dd: F | None = None,
    eps_s_down: F | None = None,
) -> Cleared:
    """Solve ``A·min(P^{ε_s}, h) = B·P^{ε_d}`` for P in closed form, capped at the choke price.

    Uncapped: ``P = (B/A)^{1/(ε_s − ε_d)}``. If ``P^{ε_s} > h`` (capacity binds):
    ``P = (A·h/B)^{1/ε_d}``. Then ``P ≤ P_choke``; at the choke price demand above supply is
    rationed. A zone with no supply (``A ≤ 0``) sits at the choke price with nothing served.

    Parameters
    ----------
    supply_scale : array
        A: supply at the base price incl. exogenous net flows [fraction of base world flow].
    demand_scale : array
        B: demand at the base price [fraction of base world flow].
    eps_d : array
        Demand elasticity (< 0) [-].
    eps_s : array
        Supply elasticity (≥ 0) [-].
    headroom : array
        Capacity limit h on the own-supply multiplier (≥ 1) [-].
    choke : array
        Choke price multiple [-].
    log_headroom, log_choke : array, optional
        ``ln h`` and ``ln P_choke`` when the caller has them (static per market) [-].
    log_kink, eps_dd : array, optional
        ln P* of the demand-destruction threshold and the elasticity above it [-]; default:
        no kink (constant elasticity up to the guard).
    eps_s_down : array, optional
        Supply elasticity below the base price (P < 1) [-]; default ``eps_s``. 0 where the
        producers are on a cost curve: above their cash cost they run at capacity (§19).

    Returns
    -------
    Cleared

    References
    ----------
    methods.md §8.1 (closed form and choke price).
    """
    a = np.maximum(supply_scale, _TINY)
    b = np.maximum(demand_scale, _TINY)
    la, lb = np.log(a), np.log(b)
    lh = np.log(headroom) if log_headroom is None else log_headroom
    lc = np.log(choke) if log_choke is None else log_choke
    # NOTE: a glut (B < A) clears below the base price whatever the supply slope, so the
    # side is known before the solve and the price is computed once
    eps_s = side_elasticity(lb - la, eps_s, eps_s_down)
    x = (lb - la) / (eps_s - eps_d)
    capped = eps_s * x > lh
    x = np.where(capped, (la + lh - lb) / eps_d, x)
    if log_kink is None or eps_dd is None:
        kink, edd = np.asarray(NO_KINK_LOG, a.dtype), eps_d
    else:
        kink, edd = log_kink, np.minimum(eps_dd, eps_d)
        # NOTE: the constant-elasticity solution is exact wherever it lies below the kink
        # (the usual case); the piecewise solve runs only when some price would cross it.
        if np.any(x > kink):
            x = solve_log_price(la, lb, eps_d, eps_s, lh, kink, edd)
    empty = supply_scale <= _TINY
    x = np.minimum(np.maximum(x, math.log(MIN_PRICE_MULTIPLE)), lc)
    x = np.where(empty, lc, x)
    price = np.exp(x)
    mult = np.minimum(np.exp(eps_s * x), headroom)
    served = a * mult
    wanted = b * np.exp(log_demand(x, eps_d, kink, edd))
    ration = np.where(empty, 0.0, np.minimum(1.0, served / wanted))
    return Cleared(price, mult, ration, x)


def clear_columns(s: Static, cols: Any, supply_scale: F, demand_scale: F) -> Cleared:
    """:func:`clear_market` with the elasticities, capacity, choke price and demand kink of
    the markets ``cols`` (an index, an index array or ``slice(None)``) of the run's set-up."""
    return clear_market(
        supply_scale,
        demand_scale,
        s.eps_d[:, cols],
        s.eps_s[:, cols],
        s.head[:, cols],
        s.choke[:, cols],
        log_headroom=s.log_head[cols],
        log_choke=s.log_choke[cols],
        log_kink=s.log_kink[cols],
        eps_dd=s.eps_dd[:, cols],
        eps_s_down=None if s.eps_s_down is None else s.eps_s_down[:, cols],
    )
