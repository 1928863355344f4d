"""Supply along the producers' cost curve: groups exit when the price they receive falls below
their cash cost (high-cost first) and restart when it recovers; supply surges enter the curve
with their own cost and ramp.

Each curve group ``g`` (a country or asset class in one market and zone) has a capacity
``κ_g`` [fraction of the market's base world flow Q0 per year], a cash cost ``c_g`` [x P0] and an
operating share ``o_g ∈ [0, 1]`` (state). Each month, with ``P_z`` the price the group's zone
receives (China's inside price, the alliance producers' price, the outside price)::

    target_g = clip((P_z − ĉ_lo) / (ĉ_hi − ĉ_lo), 0, 1)     (a step at ĉ_hi for a point range)
    o_g ← o_g + (target_g − o_g) / λ          λ = exit_months if target < o else restart_months

The group's producers are spread evenly over its cash-cost range ``[c_lo, c_hi]``; for groups
in the base-year output the range is scaled by ``1 / max(c_hi, 1)`` (they produced at the base
price whatever the data say their cost was), surges keep theirs. Existing groups scale their
zone's supply at the base price by ``1 − Σ_g κ_g (1 − o_g) / s_z``; surges add
``κ_g · ramp(t) · o_g`` to the zone's new capacity. Equations: ``docs/methodology.md`` §19.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mineral_briefs.model.inputs import F, I, _empty, _empty_i
from mineral_briefs.model.state import Month, Static
from mineral_briefs.model.timeline import ramp_share


@dataclass(frozen=True)
class CostCurves:
    """G curve groups (existing producers and supply surges) of any markets."""

    market: I = field(default_factory=_empty_i)
    zone: I = field(default_factory=_empty_i)
    """0 China, 1 Alliance, 2 Rest of World."""
    capacity: F = field(default_factory=_empty)
    """κ_g [fraction of Q0 per year]."""
    cost: F = field(default_factory=_empty)
    """Cash cost c_g [x P0] (the range's midpoint: what floors and prices are judged by)."""
    cost_low: F = field(default_factory=_empty)
    cost_high: F = field(default_factory=_empty)
    """Cash-cost range of the group's producers [x P0]; empty: ``cost`` for both."""
    surge: F = field(default_factory=_empty)
    """1 for a supply surge (capacity added to the base year's), 0 for an existing group."""
    start: F = field(default_factory=_empty)
    """Surge start [months since the horizon start] (existing groups: −inf)."""
    ramp: F = field(default_factory=_empty)
    """Surge ramp-up [months]."""
    exit_months: float = 3.0
    """Time constant λ of an exit [months]."""
    restart_months: float = 6.0
    """Time constant λ of a restart [months]."""

    @property
    def size(self) -> int:
        """Number of groups G."""
        return int(self.market.size)


@dataclass
class CurveState:
    """The month loop's view of the curve: one-hot matrices and the operating shares."""

    curves: CostCurves
    cols: I
    """(C,) markets with existing groups on the curve (the only columns the curve touches)."""
    e_zone: list[F]
    """Per zone: (G, C) one-hot market of the zone's existing groups times κ_g / s_z."""
    e_surge: list[F]
    """Per zone: (G, M) one-hot market of the zone's surges."""
    lo: F
    hi: F
    """(G,) the exit range [ĉ_lo, ĉ_hi] [x P0]: the group's producers are spread evenly over it."""
    on: F
    """(N, G) operating share o_g [0–1]."""
    e_off: F
    """(G, C) one-hot market of the existing groups times κ_g (capacity offline)."""
    zone_cols: list[tuple[I, I]] = field(default_factory=list)
    """Per zone: (its groups, their markets), to gather the prices they receive."""
    all_on: bool = True
    """Every group of every row operates fully (the month steps then skip their work)."""
    p_avg: F | None = None
    """(N, G) the price each group received, smoothed over ``exit_months`` [x P0]."""


def init_curve(curves: CostCurves | None, shares: F, n: int, m: int, fdt: object) -> CurveState:
    """The curve's static matrices and its state at the horizon start (everything operating).

    Parameters
    ----------
    curves : CostCurves or None
        The groups (None: no curve).
    shares : array
        (3, M) supply shares of China, the alliance and the rest of the world [0–1].
    n, m : int
        Rows and markets.
    fdt : dtype
        Working float dtype.
    """
    cv = curves if curves is not None else CostCurves()
    g = cv.size
    onehot = np.zeros((g, m), dtype=fdt)  # type: ignore[call-overload]
    if g:
        onehot[np.arange(g), cv.market] = 1.0
    e_zone, e_surge = [], []
    for z in range(3):
        in_z = (cv.zone == z).astype(fdt)  # type: ignore[call-overload]
        s_z = np.maximum(shares[z], 1e-12)
        e_zone.append(onehot * (in_z * (1.0 - cv.surge) * cv.capacity)[:, None] / s_z[None, :])
        e_surge.append(onehot * (in_z * cv.surge)[:, None])
    lo = cv.cost_low if cv.cost_low.size == g else cv.cost
    hi = cv.cost_high if cv.cost_high.size == g else cv.cost
    # NOTE: base-year output was produced at the base price whatever the data say the cost
    # was (contracts, hedges, state support): an existing group whose range reaches above P0
    # has it scaled so that its top is P0, keeping its shape. Surges keep their stated cost.
    scale = np.where(cv.surge > 0, 1.0, 1.0 / np.maximum(hi, 1.0))
    on = np.ones((n, g), fdt)  # type: ignore[call-overload]
    e_off = onehot * ((1.0 - cv.surge) * cv.capacity)[:, None]
    # NOTE: everything the month steps multiply with the rows' arrays is cast to the working
    # precision, so float32 Monte Carlo chunks are not promoted to float64 (2x slower).
    cols = np.unique(cv.market[cv.surge == 0])
    return CurveState(
        cv,
        cols,
        [e[:, cols].astype(fdt) for e in e_zone],  # type: ignore[call-overload]
        [e.astype(fdt) for e in e_surge],  # type: ignore[call-overload]
        (lo * scale).astype(fdt),  # type: ignore[call-overload]
        (hi * scale).astype(fdt),  # type: ignore[call-overload]
        on,
        e_off[:, cols].astype(fdt),  # type: ignore[call-overload]
        [(np.flatnonzero(cv.zone == z), cv.market[cv.zone == z]) for z in range(3)],
    )


def existing_multiplier(cs: CurveState, zone: int) -> F:
    """(N, C) share of the zone's base-year capacity still operating in the curve's markets
    ``cs.cols`` [0–1]."""
    off = (1.0 - cs.on) @ cs.e_zone[zone]
    return np.maximum(1.0 - off, 0.0)


def surge_output(cs: CurveState, zone: int, t: float) -> F:
    """(N, M) the zone's surge capacity online this month [fraction of Q0 per year]."""
    cv = cs.curves
    cap = (cv.capacity * cv.surge * ramp_share(t, cv.start, cv.ramp)).astype(cs.on.dtype)
    return (cs.on * cap) @ cs.e_surge[zone]


def update_operating(cs: CurveState, zone_price: list[F]) -> None:
    """Move every group's operating share toward 1 (price ≥ threshold) or 0 (below).

    Parameters
    ----------
    zone_price : list of array
        (N, M) price each zone's producers receive this month [x P0], China, Alliance, RoW.
    """
    cv = cs.curves
    if not cv.size:
        return
    price = np.empty_like(cs.on)
    for z, (grp, mk) in enumerate(cs.zone_cols):
        if grp.size:
            price[:, grp] = zone_price[z][:, mk]
    # NOTE: a producer closes when the price has stayed below its cash cost (the price
    # smoothed over exit_months), not on a one-month dip, and restarts as soon as today's
    # price covers it: the group judges max(smoothed, today's) price.
    lam = max(cv.exit_months, 1.0)
    cs.p_avg = price.copy() if cs.p_avg is None else cs.p_avg + (price - cs.p_avg) / lam
    price = np.maximum(price, cs.p_avg)
    if cs.all_on and bool((price >= cs.hi).all()):
        return  # everything runs and every price covers its group's whole range
    width = cs.hi - cs.lo
    step = (price >= cs.hi).astype(cs.on.dtype)
    spread = np.clip((price - cs.lo) / np.where(width > 0, width, 1.0), 0.0, 1.0)
    target = np.where(width > 0, spread, step)
    rate = np.where(target < cs.on, 1.0 / cv.exit_months, 1.0 / cv.restart_months)
    cs.on = (cs.on + (target - cs.on) * np.minimum(rate, 1.0)).astype(cs.on.dtype)
    cs.all_on = bool((cs.on >= 1.0).all())


def offline_capacity(cs: CurveState) -> F:
    """(N, C) capacity of existing groups offline in the curve's markets ``cs.cols``
    [fraction of Q0 per year]."""
    return (1.0 - cs.on) @ cs.e_off


def kept_by_floor(cs: CurveState, p_outside: F, p_alliance: F, m: int) -> F:
    """(N, M) alliance capacity whose cash cost lies above the outside price but within the
    price alliance producers receive: what a floor keeps operating [fraction of Q0 per year].
    """
    cv = cs.curves
    sel = cv.zone == 1
    if not sel.any():
        return np.zeros_like(p_outside)
    mk = cv.market[sel]
    cost = cv.cost[sel]
    inside = (p_outside[:, mk] < cost) & (cost <= p_alliance[:, mk])
    onehot = np.zeros((int(sel.sum()), m))
    onehot[np.arange(mk.size), mk] = cv.capacity[sel]
    return inside.astype(float) @ onehot


MIN_COVERAGE: float = 0.5
"""Share of a market's base-year output the curve's groups must hold before the cash cost of
its cheapest quarter is read off it [0–1]."""


def curve_coverage(curves: CostCurves, m: int) -> F:
    """(M,) base-year capacity of the existing groups, share of the market's output [0–1]."""
    sel = curves.surge == 0
    w = np.bincount(curves.market[sel], weights=curves.capacity[sel], minlength=m)[:m]
    return np.asarray(w, dtype=float)


def quartile_cost(curves: CostCurves, m: int, q: float = 0.25) -> F:
    """(M,) capacity-weighted ``q``-quantile of the existing groups' cash cost [x P0]; NaN where
    a market has no curve or its groups hold less than :data:`MIN_COVERAGE` of its output
    (q = 0.25: the cash cost below which the cheapest quarter lies).

    NOTE: graphite mining's only sourced group is Mozambique's Balama, about 3 % of world
    output; its cost is no "cheapest quarter" of the market, and a brief said the lowest price
    was 1.9× it.
    """
    out = np.full(m, np.nan)
    cover = curve_coverage(curves, m)
    for j in range(m):
        sel = (curves.market == j) & (curves.surge == 0)
        if not sel.any() or cover[j] < MIN_COVERAGE:
            continue
        order = np.argsort(curves.cost[sel], kind="stable")
        cost, cap = curves.cost[sel][order], curves.capacity[sel][order]
        cum = np.cumsum(cap) / cap.sum()
        out[j] = float(cost[np.searchsorted(cum, q - 1e-12)])
    return out


# -- month steps ----------------------------------------------------------------------------


def curve_supply_step(s: Static, cs: CurveState, mo: Month) -> None:
    """Scale the zones' supply at the base price by the operating share of their base-year
    capacity and add the surges online (methodology §19)."""
    if not cs.curves.size:
        return
    if not cs.all_on:
        c = cs.cols
        # supply_step made fresh arrays this month: scaled in place, curve columns only
        mo.a_c[:, c] *= existing_multiplier(cs, 0)
        mo.a_a[:, c] *= existing_multiplier(cs, 1)
        mo.a_r[:, c] *= existing_multiplier(cs, 2)
    if cs.curves.surge.any():
        mo.p_c_ = mo.p_c_ + surge_output(cs, 0, mo.t)
        mo.p_a_ = mo.p_a_ + surge_output(cs, 1, mo.t)
        mo.p_r_ = mo.p_r_ + surge_output(cs, 2, mo.t)


def curve_adjust_step(s: Static, cs: CurveState, mo: Month, tot: dict[str, F]) -> None:
    """Exits and restarts at this month's prices; book the curve KPIs (methodology §19).

    The alliance's producers receive ``p_prod_a`` (the floor where a CfD or offtake binds,
    the members' price under a levy); China's the inside price; the rest the outside price.
    """
    if "curve_offline_peak" not in tot:
        tot["curve_offline_peak"] = np.zeros((s.n, s.m))
        tot["floor_kept_peak"] = np.zeros((s.n, s.m))
        tot["curve_exit_month"] = np.full((s.n, cs.curves.size), -1.0)
    if not cs.curves.size:
        return
    p_prod_a = mo.p_prod_a
    if s.nf and p_prod_a is not mo.p_o:  # only a binding floor can keep capacity alive
        np.maximum(
            tot["floor_kept_peak"],
            kept_by_floor(cs, mo.p_o, p_prod_a, s.m) * s.q0,
            out=tot["floor_kept_peak"],
        )
    update_operating(cs, [mo.p_c, p_prod_a, mo.p_o])
    if cs.all_on:
        return
    # first month a group is more than half idle (−1: never); (N, G)
    ex = tot["curve_exit_month"]
    ex[(ex < 0) & (cs.on < 0.5)] = mo.i
    c = cs.cols
    peak = tot["curve_offline_peak"]
    peak[:, c] = np.maximum(peak[:, c], offline_capacity(cs) * s.q0[c])
