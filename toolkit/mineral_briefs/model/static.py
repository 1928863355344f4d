"""The static set-up of the month loop: inputs cast to the working precision and what every
month reads, derived once.

:func:`init_static` casts the inputs to the rows' dtype and derives the base shares, lags,
link matrices, the stockpile service chain and the per-row elasticities into a :class:`Static`
(one helper per job below). Equations: ``docs/methodology.md`` §1–3, §5, §7.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
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
    taper: F
    """(M,) fill ratio φ_c below which stocks are released in proportion to what is left
    (0: no taper) [0–1]."""
    kept_gap: F
    """(M,) σ_k: the gap (share of the zone's demand) at which holders meet 63 % of their
    share θ, ``θ' = θ·(1 − exp(−σ/σ_k))`` (0: θ of any gap) [0–1]."""
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
    eps_s_down: F | None
    d_eps_s_down: F | None
    """(N, M) the same supply elasticities below the base price: 0 in a market whose
    producers are on a cost curve (the curve's exits carry its downward response, §19); None
    when no market has a curve (the elasticities hold both ways)."""
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
    curve_markets: I | None = None,
) -> Static:
    """Cast the static inputs to the rows' dtype and derive the month-invariant arrays.

    ``curve_markets`` lists the markets whose base-year producers are on a cost curve; below
    the base price their supply follows the curve instead of the elasticities (§19).
    """
    n, m = rows.n, markets.size
    # NOTE: the row dtype decides the working precision (float32 halves memory traffic for
    # large Monte Carlo chunks); static inputs are cast to it so nothing promotes back.
    fdt = rows.eps_d_sr.dtype
    markets, controls, floors, stockpiles, projects = (
        _cast(x, fdt) for x in (markets, controls, floors, stockpiles, projects)
    )
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
        **_market_static(markets, n, fdt),
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
        **_adjustment_static(markets, rows, curve_markets),
    )


def _market_static(markets: Markets, n: int, fdt: Any) -> dict[str, Any]:
    """The markets' base shares, lagged supply trend, upstream links and static logs
    (methodology §1–2)."""
    m = markets.size
    t_months = markets.log_growth.shape[0]
    d_c, d_a, d_r = markets.demand_share
    cols = np.arange(m)
    lag_idx = np.maximum(np.arange(t_months)[:, None] - markets.capacity_lag_months[None, :], 0)
    has_up = markets.upstream >= 0
    return {
        "t_months": t_months,
        "q0": markets.q0_t,
        "p0": np.nan_to_num(markets.p0_usd_per_kg, nan=0.0),
        "s_c": markets.supply_share[0],
        "s_a": markets.supply_share[1],
        "s_r": markets.supply_share[2],
        "d_c": d_c,
        "d_a": d_a,
        "d_r": d_r,
        # outside shortfall is shared pro rata to base demand (same price and rationing outside)
        "alliance_part": d_a / np.maximum(d_a + d_r, 1e-12),
        "net_c": markets.supply_share[0] - d_c,  # China's base net exports (< 0: net importer)
        "cols": cols,
        "log_h": markets.log_growth[lag_idx, cols[None, :]],
        "up_safe": np.where(has_up, markets.upstream, 0),
        "beta": np.where(has_up, markets.downstream_dependence, 0.0),
        "theta": markets.inventory_release,
        "taper": (
            np.zeros(m, fdt)
            if markets.inventory_taper is None
            else np.asarray(markets.inventory_taper, fdt)
        ),
        "kept_gap": (
            np.zeros(m, fdt)
            if markets.inventory_kept_gap is None
            else np.asarray(markets.inventory_kept_gap, fdt)
        ),
        "choke": np.broadcast_to(markets.choke, (n, m)),
        # static logs handed to every clearing call (not recomputed per month and row)
        "log_head": np.log(markets.headroom_sr),
        "log_choke": np.log(markets.choke),
        "log_kink": (
            np.full(m, NO_KINK_LOG, fdt)
            if markets.destruction_multiple is None
            else np.log(markets.destruction_multiple).astype(fdt)
        ),
    }


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


def _adjustment_static(
    markets: Markets, rows: Rows, curve_markets: I | None = None
) -> dict[str, Any]:
    """Per-row elasticities and the partial-adjustment rate (methodology §3).

    Partial adjustment (Nerlove): log capacity / demand states move toward their long-run
    targets Δε·ln P with time constant τ; for a price step this is exactly
    ε(t) = ε_SR + (ε_LR − ε_SR)(1 − e^{−t/τ}).

    NOTE: in a market with a cost curve, supply below the base price follows the curve
    (§19): a producer whose cash cost the price still covers runs at capacity, and the
    curve's exits (high-cost first) are the only downward response. The isoelastic supply
    made every producer cut in proportion to its size at any price below the base, so a
    glut barely moved the price (issue 12). Elsewhere the elasticities hold both ways.
    """
    m = markets.size
    down: dict[str, Any] = {"eps_s_down": None, "d_eps_s_down": None}
    if curve_markets is not None and curve_markets.size:
        keep = np.ones(m, dtype=rows.eps_s_sr.dtype)
        keep[curve_markets] = 0.0
        down = {
            "eps_s_down": rows.eps_s_sr * keep,
            "d_eps_s_down": (rows.eps_s_lr - rows.eps_s_sr) * keep,
        }
    return {
        **down,
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
