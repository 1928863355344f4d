"""Month grid and export-control regime paths (licensing delay, ramp, front-running, snap-back).

Time is measured in months since the first day of the horizon's first month; month ``i``
covers ``[i, i + 1)`` and is evaluated at its midpoint ``i + 0.5``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

DAYS_PER_MONTH: float = 365.25 / 12.0
"""Mean month length [d]."""

F = NDArray[np.float64]


def month_offset(day: dt.date | None, start: dt.date) -> float:
    """Months from ``start`` (a first of month) to ``day`` [months]; NaN for ``None``.

    Parameters
    ----------
    day : date or None
    start : date
        First day of the horizon.
    """
    if day is None:
        return float("nan")
    months = (day.year - start.year) * 12 + (day.month - start.month)
    return months + (day.day - 1) / DAYS_PER_MONTH


def regime_share(
    t: float,
    share: F,
    delay_months: F,
    ramp_months: F,
    effective: F,
    suspended: F,
    snap_back: F,
    ends: F,
) -> F:
    """Effective share of exports withheld at time ``t`` [0–1].

    ``w_eff = 1 − (1 − w)·L(t)`` while the regime is in force, with licence availability
    ``L = clip((t − t0 − d)/ρ, 0, 1)`` (a step at ``t0 + d`` when ``ρ = 0``), ``t0`` the start of
    the current in-force spell (``effective``, or ``snap_back`` after a suspension).

    Parameters
    ----------
    t : float
        Time [months since horizon start].
    share : array (rows, controls)
        Share withheld once licences flow, w [0–1].
    delay_months, ramp_months : array (rows, controls)
        Licensing delay d and ramp ρ [months].
    effective, suspended, snap_back, ends : array (controls,)
        Regime dates [months since horizon start]; NaN when absent.

    Returns
    -------
    array (rows, controls)
    """
    active, t0 = in_force(t, effective, suspended, snap_back, ends)
    elapsed = t - t0 - delay_months
    ramp = np.maximum(ramp_months, 1e-9)
    avail = np.clip(elapsed / ramp, 0.0, 1.0)
    avail = np.where(ramp_months <= 0, (elapsed >= 0).astype(share.dtype), avail)
    return np.where(active, 1.0 - (1.0 - share) * avail, 0.0)


def in_force(
    t: float | F, effective: F, suspended: F, snap_back: F, ends: F
) -> tuple[NDArray[np.bool_], F]:
    """Whether each regime is in force at ``t`` and the start ``t0`` of its current spell
    (``effective``, or ``snap_back`` after a suspension) [months since horizon start]."""
    inf = np.inf
    stop1 = np.fmin(
        np.where(np.isnan(suspended), inf, suspended), np.where(np.isnan(ends), inf, ends)
    )
    in1 = (t >= effective) & (t < stop1)
    end2 = np.where(np.isnan(ends), inf, ends)
    in2 = (t >= snap_back) & (t < end2)  # NaN snap_back compares False
    return in1 | in2, np.where(in2, snap_back, effective)


def last_stop(t: float, suspended: F, ends: F) -> F:
    """The latest time ≤ ``t`` at which a regime stopped (a suspension or its end), NaN when
    none has [months since horizon start]."""
    cand = np.stack([suspended, ends])
    cand = np.where(cand <= t, cand, np.nan)
    with np.errstate(all="ignore"):
        out = np.nanmax(np.where(np.isnan(cand), -np.inf, cand), axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def front_running(
    t: float,
    months: F,
    announced: F,
    effective: F,
    suspended: F,
    snap_back: F,
    ends: F,
) -> F:
    """Export pull-forward before a regime takes (or retakes) effect [share of base exports].

    In each of the ``months`` months before ``effective`` (and before ``snap_back``), exporters
    ship one extra month of base exports from their stocks (methods.md §8.4: "+1 month of
    volume in the month before"), provided the regime has been announced and is not suspended.
    The pull-forward does not depend on the share withheld, so more withholding can never buy
    more pre-stocking (and a lower outside price).

    Returns
    -------
    array (controls,)
        Extra exports as a share of base exports [0 or 1].
    """
    inf = np.inf
    susp = np.where(np.isnan(suspended), inf, suspended)
    end = np.where(np.isnan(ends), inf, ends)
    pre1 = (t >= effective - months) & (t < effective) & (t >= announced) & (t < susp)
    pre2 = (t >= snap_back - months) & (t < snap_back) & (t < end)
    return np.where((pre1 | pre2) & (months > 0), 1.0, 0.0).astype(months.dtype)


def ramp_share(t: float, start: F, ramp_months: F) -> F:
    """Share of capacity online for a project starting at ``start`` with a linear ramp [0–1]."""
    ramp = np.maximum(ramp_months, 1e-9)
    on = np.clip((t - start) / ramp, 0.0, 1.0)
    return np.where(ramp_months <= 0, (t >= start).astype(on.dtype), on)
