"""Pure, vectorised model functions (no I/O): market clearing, regimes, policy levers, metrics.

Arrays are shaped ``(rows, markets)`` where a *row* is one Monte Carlo draw or one
deterministic variant (central path, what-if level, tornado end point). The only loop is over
months (:func:`toolkit.model.simulate.simulate`). Equations: ``docs/methodology.md``.
"""

from __future__ import annotations

__all__ = [
    "clearing",
    "codelist",
    "demand",
    "metrics",
    "policy",
    "simulate",
    "timeline",
    "uncertainty",
]
