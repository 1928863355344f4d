"""What the month loop carries: the state that persists across months and one month's
intermediate arrays (the static set-up lives in :mod:`mineral_briefs.model.static`).

:func:`init_static` (re-exported here) derives once what every month reads (shares, lags, link
matrices, the stockpile service chain, per-row elasticities); :func:`init_state` creates the
arrays that each step updates and the next month reads (capacity and demand states, stocks, the
lag ring); :func:`start_month` opens a :class:`Month` with this month's demand and trend
multiples. Equations: ``docs/methodology.md`` §1–3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mineral_briefs.model.inputs import F
from mineral_briefs.model.static import B, Static, init_static

__all__ = ["B", "Month", "State", "Static", "init_state", "init_static", "start_month"]


@dataclass
class State:
    """Per-row arrays that persist from one month to the next (updated by the steps)."""

    level: F
    """(N, S) strategic stockpile levels [years of the stock's Q0]."""
    stock_min: F
    """(N, S) lowest level so far [years of Q0]."""
    releasing: B
    """(N, S) a price-triggered release episode is open."""
    viable: F
    """(N, J) project decision: NaN undecided, 1 go, 0 no-go."""
    lk_o: F
    """(N, M) log capacity-adjustment state K outside China."""
    lk_c: F
    """(N, M) log capacity-adjustment state K in China."""
    lx_o: F
    """(N, M) log demand-substitution state X outside China."""
    lx_c: F
    """(N, M) log demand-substitution state X in China."""
    inv: F
    """(N, M) commercial stocks [years of Q0]."""
    inv_max: F
    inv_c: F
    """(N, M) China's home stocks [years of Q0]."""
    inv_c0: F
    inv_c_max: F
    prev_po: F
    """(N, M) last month's outside price [x P0]."""
    u_o: F
    """(N, M) last month's outside shortfall share (passed downstream) [0–1]."""
    u_c: F
    """(N, M) last month's China shortfall share [0–1]."""
    ring_o: F
    """(L+1, N, M) log outside prices of the last L months (lagged capacity response)."""
    ring_c: F
    """(L+1, N, M) log China prices of the last L months."""
    mag_r_o: F | None = None
    """(N, 1) last month's outside magnet output over its base share on trend (§17)."""
    mag_r_c: F | None = None
    """(N, 1) last month's China magnet output over its base share on trend (§17)."""


def init_state(s: Static) -> State:
    """The persistent arrays at the horizon start (base prices, initial stocks)."""
    n, m, fdt = s.n, s.m, s.fdt
    level = np.broadcast_to(s.stockpiles.level0, (n, s.ns)).copy()
    inv_norm = s.rows.inventory_months / 12.0
    # a replay may start with other stocks than their normal cover (base_overrides.inventory)
    start = s.markets.inventory_start_months
    inv = (
        inv_norm
        if start is None
        else np.where(np.isnan(start), inv_norm, start / 12.0).astype(inv_norm.dtype)
    )
    # China's home stocks (used while a control segments the market): start at the same months
    # of China's demand, with room to double ("stocks built up at home", backtests.md BT-02)
    # plus room for every tonne withheld: unlicensed export volume waits in the exporters'
    # warehouses (the licence queue) instead of being dumped on China's home market.
    inv_c = inv_norm * s.d_c
    return State(
        level=level,
        stock_min=level.copy(),
        releasing=np.zeros((n, s.ns), dtype=bool),
        viable=np.full((n, s.nj), np.nan, fdt),
        lk_o=np.zeros((n, m), fdt),
        lk_c=np.zeros((n, m), fdt),
        lx_o=np.zeros((n, m), fdt),
        lx_c=np.zeros((n, m), fdt),
        inv=inv,
        inv_max=inv_norm.copy(),
        inv_c=inv_c,
        inv_c0=inv_c.copy(),
        inv_c_max=2.0 * inv_c,
        prev_po=np.ones((n, m), fdt),
        u_o=np.zeros((n, m), fdt),
        u_c=np.zeros((n, m), fdt),
        ring_o=np.zeros((s.n_ring, n, m), fdt),
        ring_c=np.zeros((s.n_ring, n, m), fdt),
    )


@dataclass
class Month:
    """One month's intermediate (N, M) arrays, filled step by step.

    Fields without a default are set by the step named in their comment; identity matters
    (``p_c is p_o`` means China's zone is unified with the outside in every row).
    """

    i: int
    t: float
    """Mid-month time since the horizon start [months]."""
    g: F
    """Demand multiple G^f [-]."""
    h_tr: F
    """Supply trend multiple (demand multiple L months back) [-]."""
    k_o: F
    k_c: F
    x_o: F
    x_c: F
    # controls_step
    v_exp: F = field(init=False)
    v_world: F = field(init=False)
    v_ccut: F = field(init=False)
    pull_m: F = field(init=False)
    seg_exp: B = field(init=False)
    seg_cut: B = field(init=False)
    # supply_step
    cut_o: F = field(init=False)
    a_c: F = field(init=False)
    a_a: F = field(init=False)
    a_r: F = field(init=False)
    p_c_: F = field(init=False)
    p_a_: F = field(init=False)
    p_r_: F = field(init=False)
    # balance_step
    b_c: F = field(init=False)
    b_a: F = field(init=False)
    b_r: F = field(init=False)
    ref_o: F = field(init=False)
    a_world: F = field(init=False)
    b_world: F = field(init=False)
    x_seg: F = field(init=False)
    seg: B = field(init=False)
    any_seg: bool = field(init=False)
    a_out: F = field(init=False)
    a_chn: F = field(init=False)
    b_out: F = field(init=False)
    gap: F = field(init=False)
    # stocks_step
    theta_eff: F = field(init=False)
    """``θ'``, the share of this month's gap working stock meets before its taper
    ((M,) or (N, M); θ without ``σ_k``) [0–1]."""
    draw: F = field(init=False)
    restock: F = field(init=False)
    rel_m: F = field(init=False)
    buy_m: F = field(init=False)
    rel_band: dict[tuple[int, int], F] = field(default_factory=dict)
    """This month's release of each price-triggered stockpile ``s`` into market ``j`` before
    clearing, keyed ``(s, j)`` [fraction of Q0 per year] (trimmed to the trigger after it)."""
    stock_min_before: F | None = None
    """(N, S) lowest stockpile levels before this month (a trimmed release lifts the month's
    level again)."""
    # clearing_step
    p_o: F = field(init=False)
    mult_o: F = field(init=False)
    ration_o: F = field(init=False)
    p_c: F = field(init=False)
    mult_c: F = field(init=False)
    ration_c: F = field(init=False)
    a_eff: F = field(init=False)
    b_eff: F = field(init=False)
    # floors_step
    p_a: F = field(init=False)
    p_prod_a: F = field(init=False)
    """Price the alliance's producers receive (the floor under a CfD or offtake) [x P0]."""
    mult_a: F = field(init=False)
    rev_m: F = field(init=False)
    cons_m: F = field(init=False)
    fisc_m: F = field(init=False)
    fdem_m: F = field(init=False)
    fimp_m: F = field(init=False)
    # flows_step
    full: bool = field(init=False)
    lp_o: F = field(init=False)
    lp_c: F = field(init=False)
    dem_c: F = field(init=False)
    short: F = field(init=False)
    u_o: F = field(init=False)
    sup_c: F = field(init=False)
    sup_a: F = field(init=False)
    sup_r: F = field(init=False)
    dem_a: F = field(init=False)
    dem_r: F = field(init=False)
    exports: F = field(init=False)
    stock_m: F = field(init=False)


def start_month(s: Static, st: State, i: int) -> Month:
    """Open month ``i``: demand and trend multiples, capacity and substitution multipliers.

    Methodology §2 (demand growth, the lagged supply trend) and §3 (K, X states).
    """
    return Month(
        i=i,
        t=i + 0.5,
        g=np.exp(s.rows.growth_exponent * s.markets.log_growth[i]),
        h_tr=np.exp(s.rows.growth_exponent * s.log_h[i]),
        k_o=np.exp(st.lk_o),
        k_c=np.exp(st.lk_c),
        x_o=np.exp(st.lx_o),
        x_c=np.exp(st.lx_c),
    )
