"""Demand growth paths: a multiple by a target year with a shape, or an IEA scenario series."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

S_CURVE_STEEPNESS: float = 10.0
"""Logistic steepness k of the s-curve over the normalised interval [0, 1] [-]."""


def growth_multiple(
    years: F, factor: float, base_year: float, target_year: float, shape: str = "log_linear"
) -> F:
    """Demand relative to ``base_year`` at fractional ``years`` [-].

    ``log_linear``: ``M^x``; ``linear``: ``1 + (M − 1)·x``; ``s_curve``:
    ``1 + (M − 1)·(σ(k(x − ½)) − σ(−k/2))/(σ(k/2) − σ(−k/2))`` with ``x = (y − y0)/(y1 − y0)``.
    Log-linear and linear paths extrapolate beyond the target year; the s-curve saturates.

    Parameters
    ----------
    years : array
        Fractional calendar years [a].
    factor : float
        Demand in ``target_year`` relative to ``base_year``, M > 0 [-].
    base_year, target_year : float
        [a].
    shape : {"log_linear", "linear", "s_curve"}

    References
    ----------
    methods.md §7.3 (World Bank 2020, IEA 2021 multiples; log-linear interpolation).
    """
    x = (np.asarray(years, dtype=float) - base_year) / (target_year - base_year)
    if shape == "log_linear":
        return np.exp(np.log(factor) * x)
    if shape == "linear":
        return np.maximum(1.0 + (factor - 1.0) * x, 1e-3)
    if shape == "s_curve":
        k = S_CURVE_STEEPNESS
        sig = 1.0 / (1.0 + np.exp(-k * (np.clip(x, 0.0, 1.0) - 0.5)))
        lo, hi = 1.0 / (1.0 + np.exp(k / 2)), 1.0 / (1.0 + np.exp(-k / 2))
        return 1.0 + (factor - 1.0) * (sig - lo) / (hi - lo)
    raise ValueError(f"unknown shape {shape!r}; allowed: log_linear, linear, s_curve")


def interpolate_series(years: F, points_year: F, points_value: F) -> F:
    """Log-linear interpolation of a projected series (IEA STEPS/APS/NZE) [units of values].

    Flat beyond the first and last points.
    """
    order = np.argsort(points_year)
    py, pv = np.asarray(points_year, float)[order], np.asarray(points_value, float)[order]
    return np.exp(np.interp(years, py, np.log(np.maximum(pv, 1e-12))))


def lagged_index(n_months: int, lag_months: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index ``max(i − L, 0)`` per (month, market) for capacity that follows demand with a lag."""
    i = np.arange(n_months)[:, None]
    return np.maximum(i - lag_months[None, :], 0)
