"""Supply outages: one country's output of a market lost from a start date for a duration, or
until a restart is announced, then returned over a ramp (methodology §21).

Each outage ``o`` removes ``κ_o`` [fraction of the market's base world flow Q0 per year] from
its zone's supply at the base price, weighted by the share ``w_o,i`` of month ``i`` it covers::

    f_o(τ) = 1                         start ≤ τ < end
           = 1 − (τ − end) / R         end ≤ τ < end + R           (R = restart_months > 0)
           = 0                         otherwise
    w_o,i  = ∫_i^{i+1} f_o(τ) dτ                                  (exact: piecewise linear)
    a_z   ← max(a_z − Σ_{o∈z} κ_o · w_o,i, 0)

``end = min(start + duration, restart_news)``. The lost volume is fixed at its stated size (not
scaled by the supply trend); clearing then applies the supply response ``P^{ε_s}`` to what is
left, as to every other supply (methodology §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mineral_briefs.model.inputs import F, I, _empty, _empty_i
from mineral_briefs.model.state import Month, Static


@dataclass(frozen=True)
class Outages:
    """O supply outages of any markets (times in months since the horizon start)."""

    market: I = field(default_factory=_empty_i)
    zone: I = field(default_factory=_empty_i)
    """0 China, 1 Alliance, 2 Rest of World: the zone whose supply loses the output."""
    lost: F = field(default_factory=_empty)
    """κ_o: output lost while the outage is in full force [fraction of Q0 per year]."""
    start: F = field(default_factory=_empty)
    """Start of the outage [months since the horizon start]."""
    end: F = field(default_factory=_empty)
    """End of the full outage: ``min(start + duration, restart_news)`` (inf: none) [months]."""
    restart_months: F = field(default_factory=_empty)
    """R: months over which output returns after ``end`` (0: at once) [months]."""

    @property
    def size(self) -> int:
        """Number of outages O."""
        return int(self.market.size)


def _ramp_integral(x: F, end: F, ramp: F) -> F:
    """∫_end^x (1 − (τ − end)/R) dτ for x clipped to [end, end + R] [months]."""
    r = np.maximum(ramp, 1e-12)
    u = np.clip(x, end, end + ramp) - end
    return np.where(ramp > 0, u - u * u / (2.0 * r), 0.0)


def outage_weight(i: int, ou: Outages) -> F:
    """(O,) share ``w_o,i`` of month ``i`` (covering ``[i, i + 1)``) each outage is in force,
    the restart ramp counted pro rata [0–1]."""
    a, b = float(i), float(i + 1)
    start, end = ou.start, np.maximum(ou.end, ou.start)
    full = np.clip(np.minimum(b, end) - np.maximum(a, start), 0.0, 1.0)
    finite = np.isfinite(end)
    e = np.where(finite, end, 0.0)
    ramp = np.where(finite, ou.restart_months, 0.0)
    part = _ramp_integral(np.full_like(e, b), e, ramp) - _ramp_integral(np.full_like(e, a), e, ramp)
    return np.clip(full + np.where(finite, part, 0.0), 0.0, 1.0)


def lost_supply(i: int, ou: Outages, m: int) -> list[F]:
    """Per zone (China, Alliance, RoW): (M,) output lost in month ``i`` [fraction of Q0/yr]."""
    w = outage_weight(i, ou) * ou.lost
    out = []
    for z in range(3):
        sel = ou.zone == z
        out.append(np.bincount(ou.market[sel], weights=w[sel], minlength=m).astype(float))
    return out


def outages_step(s: Static, ou: Outages | None, mo: Month) -> None:
    """Take this month's lost output off each zone's supply at the base price (§21).

    Runs after the cost-curve step. NOTE: the outage is not attributed to a group of the
    cost curve; where a low price also idles the outage's own group, the two overlap (the
    outage removes output that would have exited anyway). That is second order while the
    outage is small beside its zone's operating capacity, and the step never takes a zone's
    supply below zero.
    """
    if ou is None or not ou.size:
        return
    lost = lost_supply(mo.i, ou, s.m)
    if not any(x.any() for x in lost):
        return
    mo.a_c = np.maximum(mo.a_c - lost[0].astype(s.fdt), 0.0)
    mo.a_a = np.maximum(mo.a_a - lost[1].astype(s.fdt), 0.0)
    mo.a_r = np.maximum(mo.a_r - lost[2].astype(s.fdt), 0.0)
