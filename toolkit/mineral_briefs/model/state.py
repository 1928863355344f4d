"""What the month loop carries: the static set-up, the state that persists across months, and
one month's intermediate arrays.

:func:`init_static` derives once what every month reads (shares, lags, link matrices, the
stockpile service chain, per-row elasticities); :func:`init_state` creates the arrays that each
step updates and the next month reads (capacity and demand states, stocks, the lag ring);
:func:`start_month` opens a :class:`Month` with this month's demand and trend multiples.
Equations: ``docs/methodology.md`` §1–3.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.demand_destruction import NO_KINK_LOG
from mineral_briefs.model.inputs import (
    MODE_CHINA_CUT,
    MODE_CHINA_EXPORT,
    MODE_WORLD_CUT,
    Controls,
    F,
    Floors,
    I,
    KpiSpec,
    Markets,
    Projects,
    Rows,
    Stockpiles,
    _empty,
)

B = NDArray[np.bool_]


def _cast(obj: Any, dtype: np.dtype[Any]) -> Any:
    """Copy of a static-input dataclass with every float array cast to ``dtype``."""
    changes = {
        f.name: getattr(obj, f.name).astype(dtype)
        for f in fields(obj)
        if isinstance(getattr(obj, f.name), np.ndarray)
        and getattr(obj, f.name).dtype.kind == "f"
        and getattr(obj, f.name).dtype != dtype
    }
    return replace(obj, **changes) if changes else obj


def _onehot(index: I, m: int, dtype: Any = np.float64) -> F:
    out = np.zeros((index.size, m), dtype)
    if index.size:
        out[np.arange(index.size), index] = 1.0
    return out


@dataclass
class Static:
    """Inputs cast to the working precision and what is derived from them once.

    Shapes: N rows, M markets, K controls, L control links, F floors, S stockpiles,
    J projects, T months.
    """

    markets: Markets
    rows: Rows
    controls: Controls
    floors: Floors
    stockpiles: Stockpiles
    projects: Projects
    spec: KpiSpec
    reference_price: F | None
    n_path: int
    """Leading rows whose monthly paths are kept."""
    band_variables: tuple[str, ...]
    """Variables summarised by monthly bands (empty: none)."""
    n: int
    m: int
    fdt: Any
    """Working float dtype (the rows' dtype)."""
    t_months: int
    q0: F
    """(M,) base world flow Q0 [t/yr]."""
    p0: F
    """(M,) base price P0 [USD/kg], 0 where unknown."""
    s_c: F
    s_a: F
    s_r: F
    """(M,) China, Alliance, RoW shares of base production [0–1]."""
    d_c: F
    d_a: F
    d_r: F
    """(M,) China, Alliance, RoW shares of base demand [0–1]."""
    alliance_part: F
    """(M,) Alliance share of the outside shortfall (pro rata to base demand) [0–1]."""
    net_c: F
    """(M,) China's base net exports (< 0: net importer) [fraction of Q0]."""
    cols: I
    log_h: F
    """(T, M): ln of the central demand multiple L months back (the supply trend)."""
    up_safe: I
    """(M,) upstream market index (0 where none; then ``beta`` is 0)."""
    beta: F
    """(M,) share β of an upstream shortfall passed to this stage's supply [0–1]."""
    theta: F
    """(M,) share θ of the base-price gap met from commercial stocks [0–1]."""
    choke: F
    log_head: F
    log_choke: F
    """(M,) ln of the short-run headroom and of the numerical price guard, for clearing."""
    log_kink: F
    """(M,) ln of the demand-destruction threshold P* (methodology §4a)."""
    eps_dd: F
    """(N, M) demand elasticity above P*: the long-run elasticity [-]."""
    k: int
    """Number of export controls K."""
    e_link: F
    """(L, M) one-hot market of each control link."""
    is_exp: F
    is_world: F
    is_ccut: F
    """(L,) 1 where the link's mode is China export / world cut / China cut."""
    has_world: bool
    has_ccut: bool
    link_cols: I
    """Markets some control link touches."""
    zeros: F
    """Read-only (N, M) zeros: the stand-in for absent flows."""
    no_seg: B
    lc: I
    """(L,) control of each link."""
    coef: F
    """(L,) base flow the link affects, net of leakage [fraction of Q0]."""
    nf: int
    fm_idx: I
    """(F,) market of each floor."""
    ns: int
    e_stock: F
    """(S, M) one-hot market of each stockpile."""
    serve_list: list[list[tuple[int, float]]]
    """Per stockpile: (served market, served-market units per stock unit), in order."""
    refill_rate: F
    """(S,) refill rate [years of Q0 per month]."""
    nj: int
    e_proj: list[F]
    zone_sel: list[B]
    """Per zone (China, Alliance, RoW): one-hot markets and mask of its projects."""
    eps_d: F
    eps_s: F
    d_eps_d: F
    d_eps_s: F
    """(N, M) short-run elasticities and the long-run minus short-run gaps [-]."""
    alpha: F
    """(N, M) monthly adjustment rate 1 − e^{−1/τ} [-]."""
    head: F
    """(N, M) short-run capacity limit on the supply multiplier [-]."""
    lk_max: F
    """(M,) ln of the long-run limit on K."""
    n_ring: int
    """Slots of the lag ring (largest capacity lag + 1) [months]."""
    uniform_lag: bool
    """Every market has the same capacity lag (the ring is read without a gather)."""


def init_static(
    markets: Markets,
    rows: Rows,
    controls: Controls,
    floors: Floors,
    stockpiles: Stockpiles,
    projects: Projects,
    spec: KpiSpec,
    reference_price: F | None,
    n_path: int,
    band_variables: tuple[str, ...],
) -> Static:
    """Cast the static inputs to the rows' dtype and derive the month-invariant arrays."""
    n, m = rows.n, markets.size
    # NOTE: the row dtype decides the working precision (float32 halves memory traffic for
    # large Monte Carlo chunks); static inputs are cast to it so nothing promotes back.
    fdt = rows.eps_d_sr.dtype
    markets, controls, floors, stockpiles, projects = (
        _cast(x, fdt) for x in (markets, controls, floors, stockpiles, projects)
    )
    t_months = markets.log_growth.shape[0]
    d_c, d_a, d_r = markets.demand_share
    cols = np.arange(m)
    lag_idx = np.maximum(np.arange(t_months)[:, None] - markets.capacity_lag_months[None, :], 0)
    has_up = markets.upstream >= 0
    zeros = np.zeros((n, m), fdt)
    zeros.flags.writeable = False
    no_seg = np.zeros((n, m), dtype=bool)
    no_seg.flags.writeable = False
    nf = floors.market.size
    if nf and np.unique(floors.market).size != nf:
        raise ValueError("at most one price floor per market")
    return Static(
        markets=markets,
        rows=rows,
        controls=controls,
        floors=floors,
        stockpiles=stockpiles,
        projects=projects,
        spec=spec,
        reference_price=reference_price,
        n_path=n_path,
        band_variables=band_variables,
        n=n,
        m=m,
        fdt=fdt,
        t_months=t_months,
        q0=markets.q0_t,
        p0=np.nan_to_num(markets.p0_usd_per_kg, nan=0.0),
        s_c=markets.supply_share[0],
        s_a=markets.supply_share[1],
        s_r=markets.supply_share[2],
        d_c=d_c,
        d_a=d_a,
        d_r=d_r,
        # outside shortfall is shared pro rata to base demand (same price and rationing outside)
        alliance_part=d_a / np.maximum(d_a + d_r, 1e-12),
        net_c=markets.supply_share[0] - d_c,  # China's base net exports (< 0: net importer)
        cols=cols,
        log_h=markets.log_growth[lag_idx, cols[None, :]],
        up_safe=np.where(has_up, markets.upstream, 0),
        beta=np.where(has_up, markets.downstream_dependence, 0.0),
        theta=markets.inventory_release,
        choke=np.broadcast_to(markets.choke, (n, m)),
        # static logs handed to every clearing call (not recomputed per month and row)
        log_head=np.log(markets.headroom_sr),
        log_choke=np.log(markets.choke),
        log_kink=(
            np.full(m, NO_KINK_LOG, fdt)
            if markets.destruction_multiple is None
            else np.log(markets.destruction_multiple).astype(fdt)
        ),
        eps_dd=np.minimum(rows.eps_d_lr, rows.eps_d_sr),
        **_controls_static(controls, m, fdt),
        zeros=zeros,
        no_seg=no_seg,
        nf=nf,
        fm_idx=floors.market,
        **_stockpile_static(stockpiles, markets.q0_t, m, fdt),
        nj=projects.market.size,
        e_proj=[_onehot(projects.market[projects.zone == z], m, fdt) for z in range(3)],
        zone_sel=[projects.zone == z for z in range(3)],
        **_adjustment_static(markets, rows),
    )


def _controls_static(controls: Controls, m: int, fdt: Any) -> dict[str, Any]:
    """The control links' one-hot market matrix, mode masks and leakage-net coefficients
    (methodology §5)."""
    mode = controls.link_mode
    k = controls.effective.size
    link_leak = controls.leakage[controls.link_control] if k else _empty()
    is_world = (mode == MODE_WORLD_CUT).astype(fdt)
    is_ccut = (mode == MODE_CHINA_CUT).astype(fdt)
    return {
        "k": k,
        "e_link": _onehot(controls.link_market, m, fdt),
        "is_exp": (mode == MODE_CHINA_EXPORT).astype(fdt),
        "is_world": is_world,
        "is_ccut": is_ccut,
        "has_world": bool(is_world.any()),
        "has_ccut": bool(is_ccut.any()),
        "link_cols": np.unique(controls.link_market),
        "lc": controls.link_control,
        "coef": controls.link_coef * (1.0 - link_leak),
    }


def _stockpile_static(stockpiles: Stockpiles, q0: F, m: int, fdt: Any) -> dict[str, Any]:
    """The stockpiles' one-hot market matrix, service chain and refill rate (methodology §7)."""
    ns = stockpiles.market.size
    if stockpiles.serve_market.shape[0] == ns and ns:
        serve = stockpiles.serve_market
        serve_yield = stockpiles.serve_yield
    else:  # no chain given: a stockpile serves its own market only
        serve = stockpiles.market[:, None].astype(np.int64)
        serve_yield = np.ones((ns, 1), fdt)
    # served-market units (fraction of the served market's Q0) per stock unit (fraction of
    # the stock's own Q0): tonnes convert through the two base flows and the yield
    serve_conv = np.where(
        serve >= 0,
        serve_yield
        * q0[stockpiles.market][:, None]
        / q0[np.where(serve >= 0, serve, 0)].reshape(serve.shape),
        0.0,
    )
    serve_list = [
        [(int(serve[s_, d_]), float(serve_conv[s_, d_])) for d_ in range(serve.shape[1])]
        for s_ in range(ns)
    ]
    return {
        "ns": ns,
        "e_stock": _onehot(stockpiles.market, m, fdt),
        "serve_list": [[(j, c) for j, c in row if j >= 0 and c > 0] for row in serve_list],
        "refill_rate": np.where(
            stockpiles.refill_months > 0,
            stockpiles.level0 / np.maximum(stockpiles.refill_months, 1.0),
            0.0,
        ),
    }


def _adjustment_static(markets: Markets, rows: Rows) -> dict[str, Any]:
    """Per-row elasticities and the partial-adjustment rate (methodology §3).

    Partial adjustment (Nerlove): log capacity / demand states move toward their long-run
    targets Δε·ln P with time constant τ; for a price step this is exactly
    ε(t) = ε_SR + (ε_LR − ε_SR)(1 − e^{−t/τ}).
    """
    m = markets.size
    return {
        "eps_d": rows.eps_d_sr,
        "eps_s": rows.eps_s_sr,
        "d_eps_d": rows.eps_d_lr - rows.eps_d_sr,
        "d_eps_s": rows.eps_s_lr - rows.eps_s_sr,
        "alpha": 1.0 - np.exp(-1.0 / rows.tau_months),
        "head": np.broadcast_to(markets.headroom_sr, (rows.n, m)),
        "lk_max": np.log(markets.headroom_lr),
        "n_ring": int(markets.capacity_lag_months.max(initial=0)) + 1,
        "uniform_lag": m > 0
        and bool((markets.capacity_lag_months == markets.capacity_lag_months[0]).all()),
    }


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
    inv = s.rows.inventory_months / 12.0
    # China's home stocks (used while a control segments the market): start at the same months
    # of China's demand, with room to double ("stocks built up at home", backtests.md BT-02)
    # plus room for every tonne withheld: unlicensed export volume waits in the exporters'
    # warehouses (the licence queue) instead of being dumped on China's home market.
    inv_c = inv * s.d_c
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
        inv_max=inv.copy(),
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
    draw: F = field(init=False)
    restock: F = field(init=False)
    rel_m: F = field(init=False)
    buy_m: F = field(init=False)
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
