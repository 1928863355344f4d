"""The monthly market simulation: every market and every row (draw/variant) at once.

Units: quantities are *fractions of the market's base-year world flow* ``Q0`` [t/yr] expressed
as annual rates; stocks are in years of ``Q0``; prices are multiples of the base price ``P0``.
The caller (:mod:`toolkit.engine`) converts to tonnes and USD. Regions: China (C), Alliance (A)
and Rest of World (R); A and R share the outside price unless a variable-tariff floor binds.

Clearing mode per market and month: *unified* (one world price; trade arbitrages) unless an
export control that separates China from the outside is in force, then *segmented* (China's
net exports are fixed by the control and each zone clears on its own: the price wedge).
Equations: ``docs/methodology.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from toolkit.model.clearing import clear_market
from toolkit.model.policy import (
    cfd_fiscal_cost,
    levy_consumer_cost,
    offtake_fiscal_cost,
    stockpile_refill,
    stockpile_release,
    tariff_revenue,
    variable_levy,
)
from toolkit.model.timeline import front_running, ramp_share, regime_share
from toolkit.model.uncertainty import QUANTILES

logger = logging.getLogger(__name__)

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741

MODE_CHINA_EXPORT = 0
"""China withholds exports: volume stays in China (segmented clearing)."""
MODE_WORLD_CUT = 1
"""A non-China exporter withholds from everyone: volume leaves the market (unified clearing)."""
MODE_CHINA_CUT = 2
"""A non-China exporter withholds from China: China's zone loses it (segmented clearing)."""


@dataclass(frozen=True)
class KpiSpec:
    """How the month loop books the KPI accumulators (recovery tests, calendar years).

    The engine fills it from ``data/model_parameters.csv``; the defaults are the values of that
    file (kept here so that :func:`simulate` also runs stand-alone in unit tests).
    """

    price_tolerance: float = 0.10
    """A month is disrupted while the outside price exceeds ``(1 + tol)`` × its no-shock
    level (``recovery_price_tolerance``) [-]; ``inf`` switches the price test off."""
    shortfall_tolerance: float = 0.01
    """… or while the outside shortfall exceeds this share of outside demand at the base price
    (``recovery_shortfall_tolerance``) [0–1]."""
    start_month: int = 1
    """Calendar month of the horizon start (1 = January): months are booked to calendar years
    ``(start_month − 1 + i) // 12`` after the start year."""
    keep_price_outside: bool = False
    """Keep the monthly outside price of every row in ``totals["price_outside_path"]``
    ``(N, T, M)`` (the engine's no-shock reference run)."""

    def n_years(self, t_months: int) -> int:
        """Number of calendar years the horizon touches [-]."""
        return (self.start_month - 1 + max(t_months, 1) - 1) // 12 + 1


PATH_VARIABLES: tuple[str, ...] = (
    "price_china",
    "price_alliance",
    "price_row",
    "supply_china",
    "supply_alliance",
    "supply_row",
    "demand_china",
    "demand_alliance",
    "demand_row",
    "shortfall",
    "shortfall_alliance",
    "shortfall_row",
    "exports_china",
    "inventory",
    "inventory_china",
    "stockpile",
    "stockpile_release",
    "floor_member_demand",
    "floor_imports",
    "tariff_revenue_usd",
    "consumer_cost_usd",
    "fiscal_cost_usd",
)
"""Variables kept per month for path rows.

``stockpile_release`` is the strategic release *received* by each market (fraction of that
market's Q0 per year; a stock held upstream shows up at the stage it serves);
``floor_member_demand`` and ``floor_imports`` are the floor members' consumption of the
floored product and their imports of it at the members' price (before leakage), both in
fractions of Q0 per year (zero where no floor binds); the three money flows are USD/month."""

BAND_VARIABLES: tuple[str, ...] = (
    "price_china",
    "price_alliance",
    "price_row",
    "supply_world",
    "demand_world",
    "shortfall_alliance",
    "shortfall_row",
    "exports_china",
    "inventory",
    "stockpile",
)
"""Variables summarised by monthly P10/P50/P90 over the Monte Carlo rows."""

BAND_DRAWS_MAX: int = 2_048
"""Largest number of Monte Carlo rows used for the monthly bands (KPIs use every row)."""


def _empty(n: int = 0) -> F:
    return np.zeros(n, dtype=float)


def _empty_i(n: int = 0) -> I:
    return np.zeros(n, dtype=np.int64)


@dataclass(frozen=True)
class Markets:
    """Static description of M markets over T months."""

    mineral: tuple[str, ...]
    stage: tuple[str, ...]
    q0_t: F
    """Base world flow Q0 [t/yr], (M,)."""
    p0_usd_per_kg: F
    """Base price P0 [USD/kg] (NaN when unknown), (M,)."""
    supply_share: F
    """(3, M): China, Alliance, RoW shares of base production [0–1]."""
    demand_share: F
    """(3, M): China, Alliance, RoW shares of base demand [0–1]."""
    log_growth: F
    """(T, M): ln G(t), central demand multiple vs the base year."""
    upstream: I
    """(M,): index of the upstream market of the same mineral, −1 if none."""
    capacity_lag_months: I
    """(M,): supply trend follows demand with this lag L [months]."""
    choke: F
    """(M,): choke price multiple [-]."""
    headroom_sr: F
    """(M,): short-run capacity limit on the supply multiplier [-]."""
    headroom_lr: F
    """(M,): long-run limit on the capacity-adjustment state K [-]."""
    inventory_release: F
    """(M,): share θ of the base-price gap met from commercial stocks [0–1]."""
    downstream_dependence: F
    """(M,): share β of an upstream shortfall passed to this stage's supply [0–1]."""

    @property
    def size(self) -> int:
        """Number of markets M."""
        return len(self.mineral)


@dataclass(frozen=True)
class Controls:
    """K export controls (dates in months since horizon start) and their L market links."""

    announced: F = field(default_factory=_empty)
    effective: F = field(default_factory=_empty)
    suspended: F = field(default_factory=_empty)
    snap_back: F = field(default_factory=_empty)
    ends: F = field(default_factory=_empty)
    front_months: F = field(default_factory=_empty)
    leakage: F = field(default_factory=_empty)
    link_market: I = field(default_factory=_empty_i)
    link_control: I = field(default_factory=_empty_i)
    link_coef: F = field(default_factory=_empty)
    """Base flow affected by the link [fraction of Q0]."""
    link_mode: I = field(default_factory=_empty_i)


@dataclass(frozen=True)
class Floors:
    """Price floors, at most one per market."""

    market: I = field(default_factory=_empty_i)
    instrument: I = field(default_factory=_empty_i)
    """0 variable tariff, 1 CfD, 2 offtake."""
    start: F = field(default_factory=_empty)
    end: F = field(default_factory=_empty)
    leakage: F = field(default_factory=_empty)
    group_supply: F = field(default_factory=_empty)
    """Members' share of base production [0–1]."""
    group_demand: F = field(default_factory=_empty)
    """Members' share of base demand [0–1]."""
    covered: F = field(default_factory=_empty)
    """Share of members' production covered (CfD 1; offtake volume / production) [0–1]."""


@dataclass(frozen=True)
class Stockpiles:
    """Strategic stockpiles (one entry per market)."""

    market: I = field(default_factory=_empty_i)
    holder_share: F = field(default_factory=_empty)
    """Holder's share of world demand [0–1]."""
    level0: F = field(default_factory=_empty)
    """Initial (= target) level [years of Q0]."""
    price_trigger: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    price_multiple: F = field(default_factory=_empty)
    max_share: F = field(default_factory=_empty)
    refill_below: F = field(default_factory=_empty)
    """Refill while the outside price multiple is below this (0 = never) [-]."""
    refill_months: F = field(default_factory=_empty)
    serve_market: I = field(default_factory=lambda: np.zeros((0, 1), np.int64))
    """(S, D): markets a stockpile can serve, in priority order: its own market first, then
    the downstream stages of the same mineral (−1 pads). Empty: only its own market."""
    serve_yield: F = field(default_factory=lambda: np.zeros((0, 1)))
    """(S, D): tonnes of the served market's product relieved per tonne of stock [t/t]
    (1 for the own market; material-equivalent tonnes downstream, see methodology §7)."""


@dataclass(frozen=True)
class Projects:
    """Capacity additions."""

    market: I = field(default_factory=_empty_i)
    zone: I = field(default_factory=_empty_i)
    """0 China, 1 Alliance, 2 RoW."""
    capacity: F = field(default_factory=_empty)
    """[fraction of Q0 per year]."""
    start: F = field(default_factory=_empty)
    ramp: F = field(default_factory=_empty)
    incentive: F = field(default_factory=_empty)
    """Incentive price multiple (NaN = always viable) [-]."""
    floor: I = field(default_factory=_empty_i)
    """Index of a floor that guarantees the project's price, −1 if none."""


@dataclass(frozen=True)
class Rows:
    """Per-row parameters: N rows (draws or variants)."""

    eps_d_sr: F
    eps_d_lr: F
    eps_s_sr: F
    eps_s_lr: F
    tau_months: F
    growth_exponent: F
    """Exponent f on the demand multiple, G_row = G^f, (N, M) [-]."""
    inventory_months: F
    """(N, M) initial commercial stocks [months of world demand]."""
    delay_months: F
    """(N, K) licensing delay [months]."""
    ramp_months: F
    """(N, K) licensing ramp [months]."""
    share: F
    """(N, K) share withheld [0–1]."""
    floor_multiple: F
    """(N, F) floor price / P0 [-]."""
    project_on: F
    """(N, J) 1 if the project happens (or its probability on central rows) [0–1]."""

    @property
    def n(self) -> int:
        """Number of rows N."""
        return int(self.eps_d_sr.shape[0])


@dataclass(frozen=True)
class SimResult:
    """Monthly paths of the path rows, bands of the Monte Carlo rows, per-row KPI inputs."""

    paths: dict[str, F]
    """name -> (T, n_path, M)."""
    bands: dict[str, F]
    """name -> (T, 3, M): P10/P50/P90 over the Monte Carlo rows."""
    totals: dict[str, F]
    """name -> (N, M) per-row accumulators (peaks, sums, recovery, end values)."""


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


def simulate(
    markets: Markets,
    rows: Rows,
    controls: Controls,
    floors: Floors,
    stockpiles: Stockpiles,
    projects: Projects,
    *,
    n_path: int,
    band_variables: tuple[str, ...] = BAND_VARIABLES,
    kpi: KpiSpec | None = None,
    reference_price: F | None = None,
) -> SimResult:
    """Step every market month by month for all rows at once.

    Parameters
    ----------
    markets, controls, floors, stockpiles, projects
        Static inputs (see the dataclasses).
    rows : Rows
        Per-row parameters. Rows ``[0, n_path)`` keep full monthly paths; rows
        ``[n_path, N)`` are Monte Carlo draws summarised by monthly P10/P50/P90.
    n_path : int
        Number of leading rows whose paths are kept.
    band_variables : tuple of str
        Variables for which bands are computed (from :data:`PATH_VARIABLES` plus
        ``supply_world`` and ``demand_world``).
    kpi : KpiSpec, optional
        Recovery tolerances and the calendar month of the horizon start (default
        :class:`KpiSpec`).
    reference_price : array, optional
        ``(N, T, M)`` no-shock outside price of each row [x P0] (the same rows run without the
        scenario's export controls); default 1.0 (the base price).

    Returns
    -------
    SimResult
    """
    n, m = rows.n, markets.size
    # NOTE: the row dtype decides the working precision (float32 halves memory traffic for
    # large Monte Carlo chunks); static inputs are cast to it so nothing promotes back.
    fdt = rows.eps_d_sr.dtype
    markets, controls, floors, stockpiles, projects = (
        _cast(x, fdt) for x in (markets, controls, floors, stockpiles, projects)
    )
    t_months = markets.log_growth.shape[0]
    q0 = markets.q0_t
    p0 = np.nan_to_num(markets.p0_usd_per_kg, nan=0.0)
    s_c, s_a, s_r = markets.supply_share
    d_c, d_a, d_r = markets.demand_share
    # outside shortfall is shared pro rata to base demand (same price and rationing outside)
    alliance_part = d_a / np.maximum(d_a + d_r, 1e-12)
    net_c = s_c - d_c  # China's base net exports (< 0: net importer)
    cols = np.arange(m)
    lag_idx = np.maximum(np.arange(t_months)[:, None] - markets.capacity_lag_months[None, :], 0)
    log_h = markets.log_growth[lag_idx, cols[None, :]]
    up = markets.upstream
    has_up = up >= 0
    up_safe = np.where(has_up, up, 0)
    beta = np.where(has_up, markets.downstream_dependence, 0.0)
    theta = markets.inventory_release
    choke = np.broadcast_to(markets.choke, (n, m))
    # static logs handed to every clearing call (not recomputed per month and row)
    log_head = np.log(markets.headroom_sr)
    log_choke = np.log(markets.choke)

    # controls
    k = controls.effective.size
    e_link = _onehot(controls.link_market, m, fdt)
    mode = controls.link_mode
    is_exp = (mode == MODE_CHINA_EXPORT).astype(fdt)
    is_world = (mode == MODE_WORLD_CUT).astype(fdt)
    is_ccut = (mode == MODE_CHINA_CUT).astype(fdt)
    has_world = bool(is_world.any())
    has_ccut = bool(is_ccut.any())
    link_cols = np.unique(controls.link_market)
    zeros = np.zeros((n, m), fdt)  # read-only stand-in for absent flows
    zeros.flags.writeable = False
    no_seg = np.zeros((n, m), dtype=bool)
    no_seg.flags.writeable = False
    lc = controls.link_control
    link_leak = controls.leakage[lc] if k else _empty()
    coef = controls.link_coef * (1.0 - link_leak)
    # floors
    nf = floors.market.size
    if nf and np.unique(floors.market).size != nf:
        raise ValueError("at most one price floor per market")
    fm_idx = floors.market
    # stockpiles
    ns = stockpiles.market.size
    e_stock = _onehot(stockpiles.market, m, fdt)
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
    serve_list = [[(j, c) for j, c in row if j >= 0 and c > 0] for row in serve_list]
    level = np.broadcast_to(stockpiles.level0, (n, ns)).copy()
    stock_min = level.copy()
    releasing = np.zeros((n, ns), dtype=bool)  # a price-triggered release episode is open
    refill_rate = np.where(
        stockpiles.refill_months > 0,
        stockpiles.level0 / np.maximum(stockpiles.refill_months, 1.0),
        0.0,
    )
    # projects
    nj = projects.market.size
    viable = np.full((n, nj), np.nan, fdt)
    e_proj = [_onehot(projects.market[projects.zone == z], m, fdt) for z in range(3)]
    zone_sel = [projects.zone == z for z in range(3)]

    # partial adjustment (Nerlove): log capacity / demand states move toward their long-run
    # targets Δε·ln P with time constant τ; for a price step this is exactly
    # ε(t) = ε_SR + (ε_LR − ε_SR)(1 − e^{−t/τ}).
    eps_d = rows.eps_d_sr
    eps_s = rows.eps_s_sr
    d_eps_d = rows.eps_d_lr - rows.eps_d_sr
    d_eps_s = rows.eps_s_lr - rows.eps_s_sr
    alpha = 1.0 - np.exp(-1.0 / rows.tau_months)
    head = np.broadcast_to(markets.headroom_sr, (n, m))
    lk_max = np.log(markets.headroom_lr)
    lk_o = np.zeros((n, m), fdt)
    lk_c = np.zeros((n, m), fdt)
    lx_o = np.zeros((n, m), fdt)
    lx_c = np.zeros((n, m), fdt)
    inv = rows.inventory_months / 12.0
    inv_max = inv.copy()
    # China's home stocks (used while a control segments the market): start at the same months
    # of China's demand, with room to double ("stocks built up at home", backtests.md BT-02)
    # plus room for every tonne withheld: unlicensed export volume waits in the exporters'
    # warehouses (the licence queue) instead of being dumped on China's home market.
    inv_c = inv * d_c
    inv_c0 = inv_c.copy()
    inv_c_max = 2.0 * inv_c
    prev_po = np.ones((n, m), fdt)
    u_o = np.zeros((n, m), fdt)
    u_c = np.zeros((n, m), fdt)

    # log prices of the last L months (ring buffer) for the lagged capacity response
    n_ring = int(markets.capacity_lag_months.max(initial=0)) + 1
    ring_o = np.zeros((n_ring, n, m), fdt)
    uniform_lag = m > 0 and bool(
        (markets.capacity_lag_months == markets.capacity_lag_months[0]).all()
    )
    ring_c = np.zeros((n_ring, n, m), fdt)
    paths = {v: np.zeros((t_months, n_path, m)) for v in PATH_VARIABLES}
    n_mc = n - n_path
    # NOTE: monthly bands use the first BAND_DRAWS_MAX Monte Carlo rows: draws are i.i.d., so
    # this is an unbiased subsample; the partition per month is the costliest step at 10^4
    # draws. KPI quantiles always use every draw.
    band_rows = slice(n_path, n_path + min(n_mc, BAND_DRAWS_MAX))
    bands = {v: np.zeros((t_months, 3, m)) for v in band_variables}
    # NOTE: band quantiles by one in-place partition of a reused (series, B) buffer at the
    # order statistics that linear interpolation needs (numpy's default "linear" method),
    # instead of np.quantile on a freshly stacked copy every month. Series that are equal by
    # construction are partitioned once: China's price differs from the outside price only
    # in markets a control can separate, the alliance's only under a floor, stockpiles are
    # zero without one, and the two shortfall shares are fixed fractions of the shortfall.
    n_band = band_rows.stop - band_rows.start
    all_cols = np.arange(m)
    seg_links = (mode == MODE_CHINA_EXPORT) | (mode == MODE_CHINA_CUT)
    own_cols = {
        "price_china": np.unique(controls.link_market[seg_links]),
        "price_alliance": np.unique(floors.market),
        "stockpile": np.unique(stockpiles.market),
    }
    alias = {"price_china": "price_row", "price_alliance": "price_row"}
    scaled = {"shortfall_alliance": alliance_part, "shortfall_row": 1.0 - alliance_part}
    plan: list[tuple[str, I]] = []
    for v in band_variables:
        if v in scaled:
            plan.append(("shortfall", all_cols))
        else:
            plan.append((v, own_cols.get(v, all_cols)))
            if v in alias:
                plan.append((alias[v], all_cols))
    plan = list(dict((name, bc) for name, bc in plan).items())
    plan_off = np.cumsum([0] + [c.size for _, c in plan])
    plan_at = {name: (int(plan_off[j]), bc) for j, (name, bc) in enumerate(plan)}
    band_buf = np.empty((int(plan_off[-1]), max(n_band, 1)), fdt)
    q_pos = np.asarray(QUANTILES) * (n_band - 1)
    q_lo = np.floor(q_pos).astype(np.int64)
    q_hi = np.minimum(q_lo + 1, max(n_band - 1, 0))
    q_frac = (q_pos - q_lo).astype(fdt)
    q_kth = np.unique(np.concatenate([q_lo, q_hi]))
    spec = kpi if kpi is not None else KpiSpec()
    n_years = spec.n_years(t_months)
    tot = {
        "peak_price_outside": np.zeros((n, m)),
        "peak_price_alliance": np.zeros((n, m)),
        "peak_price_inside": np.zeros((n, m)),
        "min_price_outside": np.full((n, m), np.inf),
        "min_price_alliance": np.full((n, m), np.inf),
        "min_price_inside": np.full((n, m), np.inf),
        "end_price_outside": np.zeros((n, m)),
        "end_price_alliance": np.zeros((n, m)),
        "end_price_inside": np.zeros((n, m)),
        "pre_end_price_outside": np.zeros((n, m)),
        "pre_end_price_alliance": np.zeros((n, m)),
        "pre_end_price_inside": np.zeros((n, m)),
        "pre_end_shortfall_t_per_year": np.zeros((n, m)),
        "peak_month_outside": np.zeros((n, m)),
        "first_disrupted": np.full((n, m), -1.0),
        "last_disrupted": np.full((n, m), -1.0),
        "cum_shortfall_t": np.zeros((n, m)),
        "cum_reference_t": np.zeros((n, m)),
        "max_shortfall_t_per_year": np.zeros((n, m)),
        "end_shortfall_t_per_year": np.zeros((n, m)),
        "tariff_revenue_usd": np.zeros((n, m)),
        "consumer_cost_usd": np.zeros((n, m)),
        "fiscal_cost_usd": np.zeros((n, m)),
        "tariff_revenue_usd_by_year": np.zeros((n, n_years, m)),
        "consumer_cost_usd_by_year": np.zeros((n, n_years, m)),
        "fiscal_cost_usd_by_year": np.zeros((n, n_years, m)),
        "stockpile_days_used": np.zeros((n, m)),
        "end_supply_alliance": np.zeros((n, m)),
        "end_demand_alliance": np.zeros((n, m)),
        "end_demand_world": np.zeros((n, m)),
    }
    if spec.keep_price_outside:
        tot["price_outside_path"] = np.zeros((n, t_months, m), fdt)

    for i in range(t_months):
        t = i + 0.5
        g = np.exp(rows.growth_exponent * markets.log_growth[i])
        h_tr = np.exp(rows.growth_exponent * log_h[i])
        k_o, k_c = np.exp(lk_o), np.exp(lk_c)
        x_o, x_c = np.exp(lx_o), np.exp(lx_c)

        # --- export controls ------------------------------------------------------------
        if k:
            w = regime_share(
                t,
                rows.share,
                rows.delay_months,
                rows.ramp_months,
                controls.effective,
                controls.suspended,
                controls.snap_back,
                controls.ends,
            )
            pull = front_running(
                t,
                controls.front_months,
                controls.announced,
                controls.effective,
                controls.suspended,
                controls.snap_back,
                controls.ends,
            )[None, :]
            wl = w[:, lc] * coef
            v_exp = ((wl * is_exp) @ e_link) * h_tr
            # a link separates China only while it withholds some volume (w·coef > 0)
            seg_exp = (((wl > 0) * is_exp) @ e_link) > 0
            if has_world:
                v_world = np.minimum(((wl * is_world) @ e_link) * h_tr, 0.99 * h_tr)
            else:
                v_world = zeros
            if has_ccut:
                v_ccut = ((wl * is_ccut) @ e_link) * h_tr
                seg_cut = (((wl > 0) * is_ccut) @ e_link) > 0
            else:
                v_ccut, seg_cut = zeros, no_seg
            pull_m = ((pull[:, lc] * coef * (is_exp + is_world)) @ e_link) * h_tr
            v_exp = np.minimum(v_exp, np.maximum(net_c, 0.0) * h_tr)
        else:
            v_exp = v_world = v_ccut = pull_m = zeros
            seg_exp = seg_cut = no_seg

        # --- supply side: trend, upstream pass-through, projects -------------------------
        cut_o = beta * u_o[:, up_safe]
        cut_c = beta * u_c[:, up_safe]
        a_c = s_c * h_tr * (1.0 - cut_c) * k_c
        a_a = s_a * h_tr * (1.0 - cut_o) * k_o
        a_r = s_r * h_tr * (1.0 - cut_o) * k_o
        proj = [np.zeros((n, m), fdt) for _ in range(3)]
        if nj:
            decide = np.isnan(viable[0]) & (t + 0.5 > projects.start)
            if decide.any():
                expected = prev_po[:, projects.market]
                if nf:
                    fl = projects.floor
                    fl_ok = fl >= 0
                    fl_safe = np.where(fl_ok, fl, 0)
                    f_active = (
                        fl_ok
                        & (projects.start >= floors.start[fl_safe] - 0.5)
                        & ~(
                            projects.start
                            >= np.where(np.isnan(floors.end[fl_safe]), np.inf, floors.end[fl_safe])
                        )
                    )
                    f_level = rows.floor_multiple[:, fl_safe] if nf else 0.0
                    expected = np.where(f_active, np.maximum(expected, f_level), expected)
                ok = np.where(
                    np.isnan(projects.incentive),
                    1.0,
                    (expected >= projects.incentive).astype(fdt),
                )
                viable = np.where(decide, ok, viable)
            online = (
                projects.capacity
                * ramp_share(t, projects.start, projects.ramp)
                * rows.project_on
                * np.nan_to_num(viable, nan=0.0)
            )
            for z in range(3):
                if zone_sel[z].any():
                    proj[z] = online[:, zone_sel[z]] @ e_proj[z]
        p_c_, p_a_, p_r_ = proj

        b_c = d_c * g * x_c
        b_a = d_a * g * x_o
        b_r = d_r * g * x_o
        ref_o = (d_a + d_r) * g  # reference: outside demand at the base price, no substitution

        a_world = a_c + a_a + a_r + p_c_ + p_a_ + p_r_ - v_world
        b_world = b_c + b_a + b_r
        # China's exports while segmented: the licensed quota (1 − w)·X0 under its own control
        # (X0 = base net exports, 0 for a net importer), base net trade under a cut by others.
        x_seg = np.where(seg_exp, np.maximum(net_c, 0.0) * h_tr, net_c * h_tr) - v_exp
        # candidate zones: every market a control withholds from; China's own controls are
        # re-checked after clearing (the quota must bind)
        seg = seg_cut | seg_exp
        any_seg = bool(seg.any())
        a_out = a_a + a_r + p_a_ + p_r_ - v_world + x_seg
        a_chn = a_c + p_c_ - x_seg - v_ccut
        b_out = b_a + b_r
        gap = np.where(seg, b_out - a_out, b_world - a_world) if any_seg else b_world - a_world

        # --- commercial inventories (drawn before prices spike) ----------------------------
        draw = np.where(gap > 0, np.minimum(inv * 12.0, theta * gap), 0.0)
        restock = np.where(gap < 0, np.minimum((inv_max - inv) * 12.0, theta * -gap), 0.0)
        restock = np.maximum(restock, 0.0)
        inv = inv + (restock - draw + pull_m) / 12.0

        # --- strategic stockpiles -----------------------------------------------------------
        # NOTE: a stockpile serves the stage chain: its own market first, then the downstream
        # stages of the same mineral (oxide stocks relieve a magnet shortfall through the
        # refining→magnet link). Each served market triggers on its own gap (or its own
        # price), and stockpiles act in the order listed on the gap the earlier ones left.
        if ns:
            resid = np.maximum(gap - draw, 0.0)
            short_any = resid > 0  # served markets short before any release this month
            rel_m = np.zeros((n, m), fdt)
            buy_m = np.zeros((n, m), fdt)
            for s_, targets in enumerate(serve_list):
                avail = level[:, s_] * 12.0  # annual rate of the stock's own Q0
                fired = np.zeros(n, dtype=bool)
                short_s = np.zeros(n, dtype=bool)
                p_served = np.zeros(n, fdt)
                for j, conv in targets:
                    # NOTE: a price trigger opens a release episode that lasts while the served
                    # market is short (hysteresis); re-testing the lagged price every month
                    # made the stock release and buy back in alternate months.
                    trig = (
                        (prev_po[:, j] > stockpiles.price_multiple[s_])
                        | (releasing[:, s_] & (resid[:, j] > 0))
                        if stockpiles.price_trigger[s_]
                        else resid[:, j] > 0
                    )
                    r_ = stockpile_release(
                        avail, resid[:, j] / conv, stockpiles.max_share[s_], trig
                    )
                    avail = avail - r_
                    resid[:, j] -= r_ * conv
                    rel_m[:, j] += r_ * conv
                    fired |= trig
                    short_s |= short_any[:, j]
                    p_served = np.maximum(p_served, prev_po[:, j])
                releasing[:, s_] = fired
                # refill only while every served market is calm: no gap and a low price
                buy = stockpile_refill(
                    level[:, s_],
                    stockpiles.level0[s_],
                    refill_rate[s_],
                    p_served,
                    stockpiles.refill_below[s_],
                ) * np.logical_not(fired | short_s)
                level[:, s_] = avail / 12.0 + buy
                buy_m[:, stockpiles.market[s_]] += buy * 12.0
            stock_min = np.minimum(stock_min, level)
        else:
            rel_m = buy_m = np.zeros((n, m), fdt)

        # --- clearing -----------------------------------------------------------------------
        a_u = a_world + draw + rel_m
        b_u = b_world + restock + buy_m
        cu = clear_market(
            a_u, b_u, eps_d, eps_s, head, choke, log_headroom=log_head, log_choke=log_choke
        )
        p_o, mult_o, ration_o = cu.price, cu.supply_multiplier, cu.ration
        p_c, mult_c, ration_c = p_o, mult_o, ration_o
        a_eff, b_eff = a_u, b_u
        if any_seg:
            # only the markets with a separating control in some row are cleared twice
            sc = np.flatnonzero(seg.any(axis=0))
            sg = seg[:, sc]
            a_so = (a_out + draw + rel_m)[:, sc]
            b_so = (b_out + restock + buy_m)[:, sc]
            ed_, es_, hd_, ch_ = eps_d[:, sc], eps_s[:, sc], head[:, sc], choke[:, sc]
            logs = {"log_headroom": log_head[sc], "log_choke": log_choke[sc]}
            co = clear_market(a_so, b_so, ed_, es_, hd_, ch_, **logs)
            gap_c = b_c[:, sc] - a_chn[:, sc]
            ic = inv_c[:, sc]
            draw_c = np.where(gap_c > 0, np.minimum(ic * 12.0, theta[sc] * gap_c), 0.0)
            stock_c = np.where(
                gap_c < 0, np.minimum((inv_c_max[:, sc] - ic) * 12.0, theta[sc] * -gap_c), 0.0
            )
            stock_c = np.maximum(stock_c, 0.0)
            cc = clear_market(
                a_chn[:, sc] + draw_c, b_c[:, sc] + stock_c, ed_, es_, hd_, ch_, **logs
            )
            # NOTE: China's own control is a cap on exports, not a fixed export volume. It binds
            # (complementarity) only where the segmented outside price is at least the inside
            # price, i.e. China would export more than the quota at a unified price; otherwise
            # the zones stay unified. Fixing exports at (1 − w)·X0 regardless pushed volume out
            # of China when the world wanted less and kept China's price above the no-control
            # path (a control that withheld nothing froze China at P0).
            sg = sg & (seg_cut[:, sc] | (co.price >= cc.price))
            seg[:, sc] = sg
            inv_c[:, sc] = np.where(sg, ic + (stock_c - draw_c) / 12.0, ic)
            # the unified results are this month's own arrays: overwrite the outside zone in
            # place, copy only China's
            p_c, mult_c, ration_c = p_o.copy(), mult_o.copy(), ration_o.copy()
            p_o[:, sc] = np.where(sg, co.price, p_o[:, sc])
            mult_o[:, sc] = np.where(sg, co.supply_multiplier, mult_o[:, sc])
            ration_o[:, sc] = np.where(sg, co.ration, ration_o[:, sc])
            p_c[:, sc] = np.where(sg, cc.price, p_c[:, sc])
            mult_c[:, sc] = np.where(sg, cc.supply_multiplier, mult_c[:, sc])
            ration_c[:, sc] = np.where(sg, cc.ration, ration_c[:, sc])
            a_eff[:, sc] = np.where(sg, a_so, a_u[:, sc])
            b_eff[:, sc] = np.where(sg, b_so, b_u[:, sc])
        # NOTE: stocks China built at home while segmented (above its base level) are export
        # stock: once the control lifts (or is suspended) they rejoin the world's commercial
        # stocks instead of staying stranded. Before this, the world market reopened with empty
        # outside stocks and China's inside price spiked above the no-control path afterwards.
        if k:
            lk_ = link_cols
            sl = seg[:, lk_]
            ic, ic0 = inv_c[:, lk_], inv_c0[:, lk_]
            back_home = np.where(sl, 0.0, np.maximum(ic - ic0, 0.0))
            inv[:, lk_] += back_home  # inv is this month's fresh array
            inv_c[:, lk_] = ic - back_home
            inv_c_max[:, lk_] = np.where(
                sl, inv_c_max[:, lk_] + v_exp[:, lk_] / 12.0, np.maximum(2.0 * ic0, ic - back_home)
            )
        p_a = p_o
        mult_a = mult_o
        rev_m = np.zeros((n, m), fdt)
        cons_m = np.zeros((n, m), fdt)
        fisc_m = np.zeros((n, m), fdt)
        fdem_m = np.zeros((n, m), fdt)
        fimp_m = np.zeros((n, m), fdt)

        # --- price floors -------------------------------------------------------------------
        # Money flows go through the functions of toolkit.model.policy (one implementation):
        # prices in USD/kg, quantities in t per month, results in USD per month.
        if nf:
            active = (t >= floors.start) & (t < np.where(np.isnan(floors.end), np.inf, floors.end))
            fmul = rows.floor_multiple
            po_f = p_o[:, fm_idx]
            tariff = floors.instrument == 0
            ed_f, es_f, hd_f = eps_d[:, fm_idx], eps_s[:, fm_idx], head[:, fm_idx]
            ch_f = choke[:, fm_idx]
            logs_f = {"log_headroom": log_head[fm_idx], "log_choke": log_choke[fm_idx]}
            a_grp = (
                floors.group_supply * h_tr[:, fm_idx] * (1.0 - cut_o[:, fm_idx]) * k_o[:, fm_idx]
            )
            b_grp = floors.group_demand * g[:, fm_idx] * x_o[:, fm_idx]
            # NOTE: a variable levy can lift the members' price only up to their own autarky
            # price P* (members' supply = members' demand): above it members would have to
            # export a surplus, and a levy buys nothing. Members' price P_A = min(P_f, P*); it
            # binds only where that is above the outside price. No state purchases: a levy
            # has no fiscal cost (the old surplus branch booked every member tonne as one).
            p_star = clear_market(a_grp, b_grp, ed_f, es_f, hd_f, ch_f, **logs_f).price
            p_star = np.where(b_grp > 0, p_star, 0.0)  # no members' demand: nothing to lift
            p_in = np.where(tariff, np.minimum(fmul, p_star), fmul)
            bind = active & (p_in > po_f)
            if bind.any():
                s_grp = a_grp * np.minimum(p_in**es_f, hd_f)
                d_grp = np.where(tariff, b_grp * p_in**ed_f, 0.0)
                imports = np.maximum(d_grp - s_grp, 0.0)
                m_floor = np.minimum(fmul**es_f, hd_f)
                delta_s = np.maximum(a_grp * floors.covered * (m_floor - mult_o[:, fm_idx]), 0.0)
                a_rest = np.where(
                    tariff, a_eff[:, fm_idx] - a_grp - imports, a_eff[:, fm_idx] + delta_s
                )
                b_rest = np.where(tariff, b_eff[:, fm_idx] - b_grp, b_eff[:, fm_idx])
                cr = clear_market(a_rest, b_rest, ed_f, es_f, hd_f, ch_f, **logs_f)
                p_rest = np.where(bind, cr.price, po_f)
                if any_seg:
                    # NOTE: China's own control caps its exports; it does not force them. Where
                    # the floor's demand cut pushes the rest of a segmented outside zone below
                    # China's inside price, China's exporters sell at home instead, so the
                    # outside price cannot fall below the inside price (arbitrage bound).
                    own = seg[:, fm_idx] & ~seg_cut[:, fm_idx] & bind
                    p_rest = np.where(own, np.maximum(p_rest, p_c[:, fm_idx]), p_rest)
                bind_t = bind & tariff
                bind_s = bind & ~tariff
                p_cons = np.where(bind_t, np.maximum(p_rest, p_in), p_rest)
                p_prod = np.where(bind_t, p_cons, np.where(bind, np.maximum(p_rest, fmul), p_rest))
                p0_f = p0[fm_idx]
                t_month = q0[fm_idx] / 12.0  # t per month per unit of (fraction of Q0 per yr)
                levy = variable_levy(p_cons * p0_f, p_rest * p0_f)  # USD/kg
                dem_m = np.where(bind_t, d_grp, 0.0)
                imp_m = np.where(bind_t, imports, 0.0)
                rev = tariff_revenue(levy, imp_m * t_month, floors.leakage)
                cons = levy_consumer_cost(levy, dem_m * t_month)
                covered_t = floors.covered * a_grp * m_floor * t_month
                fisc = np.where(
                    bind_s & (floors.instrument == 1),
                    cfd_fiscal_cost(fmul * p0_f, p_rest * p0_f, covered_t),
                    np.where(
                        bind_s & (floors.instrument == 2),
                        offtake_fiscal_cost(fmul * p0_f, p_rest * p0_f, covered_t),
                        0.0,
                    ),
                )
                p_o[:, fm_idx] = p_rest
                p_c = p_c.copy() if p_c is p_o else p_c
                if any_seg:
                    p_c[:, fm_idx] = np.where(seg[:, fm_idx], p_c[:, fm_idx], p_rest)
                else:
                    p_c[:, fm_idx] = p_rest
                p_a = p_o.copy()
                p_a[:, fm_idx] = p_cons
                mult_a = mult_o.copy()
                mult_o[:, fm_idx] = np.minimum(p_rest**es_f, hd_f)
                mult_a[:, fm_idx] = np.minimum(p_prod**es_f, hd_f)
                rev_m[:, fm_idx] = rev
                cons_m[:, fm_idx] = cons
                fisc_m[:, fm_idx] = fisc
                fdem_m[:, fm_idx] = dem_m
                fimp_m[:, fm_idx] = imp_m
                mult_c = np.where(seg, mult_c, mult_o) if any_seg else mult_o

        # --- regional quantities ---------------------------------------------------------
        # NOTE: Monte Carlo chunks that keep neither paths nor bands need only the shortfall
        # and the pass-through state each month; the regional flows only in the last month.
        full = n_path > 0 or bool(band_variables) or i == t_months - 1
        # log prices once: demand multipliers P^ε_d = exp(ε_d·ln P), and the lag ring below
        lp_o = np.log(p_o)
        lp_c = lp_o if p_c is p_o else np.log(p_c)
        served_o = np.exp(eps_d * lp_o) * ration_o  # demand multiplier at the outside price
        dem_c = b_c * (
            served_o if p_c is p_o and ration_c is ration_o else np.exp(eps_d * lp_c) * ration_c
        )
        # NOTE: shortfall is scarcity on the outside market: demand at the base price minus
        # demand at the outside (RoW) price, rationed. Demand given up because a levy lifts the
        # members' price is a consumer cost of the floor, not a shortfall.
        short = ref_o - b_out * served_o
        short = np.where(short > 1e-9 * np.maximum(ref_o, 1e-12), short, 0.0)
        u_o = short / np.maximum(ref_o, 1e-12)
        u_c = np.maximum(b_c - dem_c, 0.0) / np.maximum(b_c, 1e-12)
        u_c = np.where(u_c > 1e-9, u_c, 0.0)
        if full:
            sup_c = (a_c + p_c_) * mult_c
            sup_a = (a_a + p_a_) * mult_a
            sup_r = (a_r + p_r_) * mult_o
            dem_r = b_r * served_o
            dem_a = b_a * served_o
            if p_a is not p_o:
                dem_a[:, fm_idx] = (
                    b_a[:, fm_idx] * p_a[:, fm_idx] ** eps_d[:, fm_idx] * ration_o[:, fm_idx]
                )
            exports = sup_c - dem_c
            if any_seg:
                exports = np.where(seg, x_seg, exports)
            exports = exports + pull_m
            stock_m = (level @ e_stock) if ns else np.zeros((n, m), fdt)

        # --- accumulate -----------------------------------------------------------------------
        # in place: no new (N, M) arrays per month
        # NOTE: the peak month is the first month of the highest price; a rise smaller than
        # 1e-6 (float32 rounding of the draws) does not move it, so a flat top keeps its first
        # month.
        tot["peak_month_outside"][p_o > tot["peak_price_outside"] * (1.0 + 1e-6)] = i
        np.maximum(tot["peak_price_outside"], p_o, out=tot["peak_price_outside"])
        np.maximum(tot["peak_price_alliance"], p_a, out=tot["peak_price_alliance"])
        np.maximum(tot["peak_price_inside"], p_c, out=tot["peak_price_inside"])
        np.minimum(tot["min_price_outside"], p_o, out=tot["min_price_outside"])
        np.minimum(tot["min_price_alliance"], p_a, out=tot["min_price_alliance"])
        np.minimum(tot["min_price_inside"], p_c, out=tot["min_price_inside"])
        if spec.keep_price_outside:
            tot["price_outside_path"][:, i, :] = p_o
        # NOTE: disrupted = scarcity: the outside price above (1 + tol) × its no-shock level
        # (the same row without the export controls; a market with rising demand has a rising
        # no-shock price) or the outside shortfall above tol × outside demand at the base price.
        # A price below its no-shock level is a glut, not a supply disruption.
        ref_p = 1.0 if reference_price is None else reference_price[:, i, :]
        dis = (p_o > (1.0 + spec.price_tolerance) * ref_p) | (u_o > spec.shortfall_tolerance)
        tot["first_disrupted"][(tot["first_disrupted"] < 0) & dis] = i
        tot["last_disrupted"][dis] = i
        short_t = short * q0
        tot["cum_shortfall_t"] += short_t / 12.0
        tot["cum_reference_t"] += ref_o * (q0 / 12.0)
        np.maximum(tot["max_shortfall_t_per_year"], short_t, out=tot["max_shortfall_t_per_year"])
        if nf:
            yr = (spec.start_month - 1 + i) // 12
            tot["tariff_revenue_usd"] += rev_m
            tot["consumer_cost_usd"] += cons_m
            tot["fiscal_cost_usd"] += fisc_m
            tot["tariff_revenue_usd_by_year"][:, yr, :] += rev_m
            tot["consumer_cost_usd_by_year"][:, yr, :] += cons_m
            tot["fiscal_cost_usd_by_year"][:, yr, :] += fisc_m
        if i == t_months - 2:
            tot["pre_end_price_outside"] = p_o.astype(float)
            tot["pre_end_price_alliance"] = p_a.astype(float)
            tot["pre_end_price_inside"] = p_c.astype(float)
            tot["pre_end_shortfall_t_per_year"] = short_t.astype(float)
        if i == t_months - 1:
            tot["end_price_outside"] = p_o.astype(float)
            tot["end_price_alliance"] = p_a.astype(float)
            tot["end_price_inside"] = p_c.astype(float)
            tot["end_shortfall_t_per_year"] = short_t.astype(float)
            tot["end_supply_alliance"] = sup_a * q0
            tot["end_demand_alliance"] = dem_a * q0
            tot["end_demand_world"] = (dem_c + dem_a + dem_r) * q0

        if full:
            step = {
                "price_china": p_c,
                "price_alliance": p_a,
                "price_row": p_o,
                "supply_china": sup_c,
                "supply_alliance": sup_a,
                "supply_row": sup_r,
                "demand_china": dem_c,
                "demand_alliance": dem_a,
                "demand_row": dem_r,
                "shortfall": short,
                "shortfall_alliance": short * alliance_part,
                "shortfall_row": short * (1.0 - alliance_part),
                "exports_china": exports,
                "inventory": inv,
                "inventory_china": inv_c,
                "stockpile": stock_m,
                "stockpile_release": rel_m,
                "floor_member_demand": fdem_m,
                "floor_imports": fimp_m,
                "tariff_revenue_usd": rev_m,
                "consumer_cost_usd": cons_m,
                "fiscal_cost_usd": fisc_m,
                "supply_world": sup_c + sup_a + sup_r,
                "demand_world": dem_c + dem_a + dem_r,
            }
            for v in PATH_VARIABLES:
                paths[v][i] = step[v][:n_path]
            if not band_variables:
                pass
            elif n_mc > 0:
                for name, (off, bcols) in plan_at.items():
                    src = step[name][band_rows]
                    band_buf[off : off + bcols.size] = (src if bcols.size == m else src[:, bcols]).T
                band_buf.partition(q_kth, axis=-1)
                lo, hi = band_buf[:, q_lo], band_buf[:, q_hi]  # (series, 3)
                q = (lo + q_frac * (hi - lo)).T  # (3, series)
                for v in band_variables:
                    out = bands[v][i]
                    if v in scaled:
                        off = plan_at["shortfall"][0]
                        out[:] = q[:, off : off + m] * scaled[v]
                        continue
                    off, bcols = plan_at[v]
                    if bcols.size == m:
                        out[:] = q[:, off : off + m]
                        continue
                    if v in alias:
                        off_a = plan_at[alias[v]][0]
                        out[:] = q[:, off_a : off_a + m]
                    else:
                        out[:] = 0.0
                    out[:, bcols] = q[:, off : off + bcols.size]
            else:
                for v in band_variables:
                    bands[v][i] = np.broadcast_to(step[v][:1], (3, m))
        prev_po = p_o
        # NOTE: lagged supply response: capacity reacts to the price of L months ago (projects
        # take `capacity_lag_months` to build), demand substitution (X) to today's price.
        ring_o[i % n_ring], ring_c[i % n_ring] = lp_o, lp_c
        back = i - markets.capacity_lag_months  # (M,)
        if uniform_lag:  # one lag for every market: a view of the ring, no gather
            lag_o = ring_o[back[0] % n_ring] if back[0] >= 0 else zeros
            lag_c = ring_c[back[0] % n_ring] if back[0] >= 0 else zeros
        else:
            slot = back % n_ring
            lag_o = np.where(back >= 0, ring_o[slot, :, cols].T, 0.0)
            lag_c = np.where(back >= 0, ring_c[slot, :, cols].T, 0.0)
        # NOTE: capacity below trend is idle (mothballed), not destroyed: it restarts as soon
        # as today's price covers it, K ≥ min(P_t, 1)^{Δε_s}. Closures decided on the low price
        # of L months ago no longer land after the price has recovered (they made China's price
        # jump above the no-control path after a control, and the whole world's after a glut).
        lk_o = np.minimum(lk_o + alpha * (d_eps_s * lag_o - lk_o), lk_max)
        lk_o = np.maximum(lk_o, d_eps_s * np.minimum(lp_o, 0.0))
        lk_c = np.minimum(lk_c + alpha * (d_eps_s * lag_c - lk_c), lk_max)
        lk_c = np.maximum(lk_c, d_eps_s * np.minimum(lp_c, 0.0))
        lx_o = lx_o + alpha * (d_eps_d * lp_o - lx_o)
        lx_c = lx_c + alpha * (d_eps_d * lp_c - lx_c)

    if ns:
        # NOTE: per stockpile, days of its holder's own demand; per market, days of the
        # holders' combined demand (a volume ratio: two 60-day stocks used up are 60 days,
        # not 120).
        used_vol = stockpiles.level0 - stock_min  # [years of Q0]
        tot["stockpile_days_used_each"] = (
            used_vol * 365.0 / np.maximum(stockpiles.holder_share, 1e-12)
        )
        holders = np.maximum(stockpiles.holder_share @ e_stock, 1e-12)
        tot["stockpile_days_used"] = (used_vol @ e_stock) * 365.0 / holders
    return SimResult(paths=paths, bands=bands, totals=tot)
