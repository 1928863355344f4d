"""Pure, vectorised model functions (no I/O): market clearing, regimes, policy levers, metrics.

Arrays are shaped ``(rows, markets)`` where a *row* is one Monte Carlo draw or one
deterministic variant (central path, what-if level, tornado end point). The only loop is over
months (:func:`mineral_briefs.model.simulate.simulate`), a short sequence of named step functions,
one
module per mechanism. Equations: ``docs/methodology.md``.
"""

from __future__ import annotations

__all__ = [
    "accumulate",
    "adjust",
    "bands",
    "clearing",
    "codelist",
    "demand",
    "export_controls",
    "floors",
    "flows",
    "inputs",
    "metrics",
    "policy",
    "simulate",
    "state",
    "stocks",
    "supply",
    "timeline",
    "uncertainty",
    "zones",
]
