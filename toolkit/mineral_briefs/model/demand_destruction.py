"""Demand destruction and substitution above a threshold price: the kinked demand curve.

Up to the threshold ``P*`` demand follows the short-run elasticity (``D = B·P^{ε_d}``); above
it buyers switch, thrift or give up use as fast as the long-run elasticity allows
(``D = B·P*^{ε_d}·(P/P*)^{ε_dd}`` with ``ε_dd ≤ ε_d``). This replaces the single choke price
that used to cap every mineral at the same multiple: how far a price can rise now depends on
the mineral's own elasticities (methodology §4a). The numerical guard that remains in
:func:`mineral_briefs.model.clearing.clear_market` only keeps the solver finite; a result on
it is flagged ``at_guard``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

NO_KINK_LOG: float = 50.0
"""ln of a threshold so high that the kink never binds (stand-alone callers) [-]."""


def log_demand(x: F, eps_d: F, log_kink: F, eps_dd: F) -> F:
    """``ln(D/B)`` at log price ``x`` on the kinked curve [-].

    Parameters
    ----------
    x : array
        ln P, price as a multiple of the base price [-].
    eps_d : array
        Elasticity below the threshold (< 0) [-].
    log_kink : array
        ln P*, the demand-destruction threshold [-].
    eps_dd : array
        Elasticity above the threshold (≤ ε_d) [-].
    """
    return eps_d * x + (eps_dd - eps_d) * np.maximum(x - log_kink, 0.0)


def solve_log_price(la: F, lb: F, eps_d: F, eps_s: F, lh: F, log_kink: F, eps_dd: F) -> F:
    """Root ``x`` of ``lb + ln D(x) = la + min(ε_s·x, ln h)`` [-].

    The excess demand ``f(x)`` is piecewise linear and strictly decreasing in ``x`` (demand
    slopes ε_d then ε_dd < 0, supply ε_s ≥ 0 then 0 once capacity binds), with at most two
    breakpoints: the kink ``k = ln P*`` and the capacity point ``c = ln h/ε_s``. The sign of
    ``f`` at the breakpoints says which linear piece holds the root, and each piece has a
    closed form (methodology §4a):

    - below both: ``x = (lb − la)/(ε_s − ε_d)`` (the constant-elasticity solution);
    - capacity binds, below the kink: ``x = (la + ln h − lb)/ε_d``;
    - above the kink, capacity slack: ``x = (lb − la + (ε_d − ε_dd)·k)/(ε_s − ε_dd)``;
    - above both: ``x = k + (la + ln h − lb − ε_d·k)/ε_dd``.
    """
    big = np.asarray(1e3, dtype=la.dtype)
    xh = np.minimum(lh / np.maximum(eps_s, 1e-12), big)  # ε_s = 0: no capacity point
    b1, b2 = np.minimum(xh, log_kink), np.maximum(xh, log_kink)

    def f(x: F) -> F:
        return lb + log_demand(x, eps_d, log_kink, eps_dd) - la - np.minimum(eps_s * x, lh)

    below = (lb - la) / (eps_s - eps_d)
    capped = (la + lh - lb) / eps_d
    kinked = (lb - la + (eps_d - eps_dd) * log_kink) / (eps_s - eps_dd)
    both = log_kink + (la + lh - lb - eps_d * log_kink) / eps_dd
    middle = np.where(xh <= log_kink, capped, kinked)
    return np.where(f(b1) <= 0.0, below, np.where(f(b2) <= 0.0, middle, both))
