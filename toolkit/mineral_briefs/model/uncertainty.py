"""Monte Carlo draws of parameters, quantiles, and one-at-a-time sensitivity designs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

QUANTILES: tuple[float, float, float] = (0.1, 0.5, 0.9)


def draw_uniform(rng: np.random.Generator, low: F, high: F, n: int) -> F:
    """``n`` independent uniform draws between ``low`` and ``high`` (broadcast shape) [units]."""
    low = np.asarray(low, float)
    high = np.asarray(high, float)
    u = rng.random((n, *np.broadcast(low, high).shape))
    return low + (high - low) * u


def draw_bernoulli(rng: np.random.Generator, p: F, n: int) -> F:
    """``n`` Bernoulli(p) draws as floats 0/1."""
    p = np.asarray(p, float)
    return (rng.random((n, *p.shape)) < p).astype(float)


def quantiles(values: F, axis: int = 0) -> F:
    """P10 / P50 / P90 along ``axis``; result has the quantile axis first."""
    return np.quantile(values, QUANTILES, axis=axis)
