"""The model's inputs and outputs: markets, levers, per-row parameters, KPI spec, results.

Static inputs are frozen dataclasses of arrays built by :mod:`mineral_briefs.engine.build`; the
month loop (:func:`mineral_briefs.model.simulate.simulate`) never changes them. Units as in
:mod:`mineral_briefs.model.simulate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.holder_rules import HolderRules
from mineral_briefs.model.magnets import Recipe

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
    price_path_only: bool = False
    """Book nothing but ``price_outside_path`` (the no-shock reference run, whose other
    accumulators nobody reads); the other totals stay at their initial values."""

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
    destruction_multiple: F | None = None
    """(M,): demand-destruction threshold P* [x P0]; above it demand follows the long-run
    elasticity at once (methodology §4a). None: no threshold (constant elasticity)."""
    recipe: Recipe | None = None
    """The magnet recipe linking element markets and the magnet stage (§17), None if absent."""
    holders: HolderRules | None = None
    """Rules of the commercial, precautionary and speculative holders (§6a); None: the §6
    commercial rule only."""
    inventory_taper: F | None = None
    """(M,): fill ratio φ_c below which holders release their share of a gap only in
    proportion to the stock left, ``θ·min(1, φ/φ_c)`` (§6); None or 0: no taper."""
    inventory_kept_gap: F | None = None
    """(M,): σ_k, the gap (share of the zone's demand) at which holders meet 63 % of their
    share θ; they meet ``θ·(1 − exp(−σ/σ_k))`` of a gap ``σ`` (§6); None or 0: θ of any gap."""
    inventory_start_months: F | None = None
    """(M,): commercial stocks outside China at the horizon start [months of world demand];
    NaN or None: the normal cover (each row's ``inventory_months``, §6)."""

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
    quota_t: F = field(default_factory=_empty)
    """(K,) licences issued per quota period [t]; inf without a quota (empty: no quotas)."""
    quota_period: F = field(default_factory=_empty)
    """(K,) quota period [months]."""
    quota_carry: F = field(default_factory=_empty)
    """(K,) share of unused licences carried into the next period [0–1]."""
    quota_use: F = field(default_factory=_empty)
    """(K,) share of available licences exporters use [0–1]."""
    restore_months: F = field(default_factory=_empty)
    """(K,) months over which licences are restored after a suspension or end (0 at once)."""


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
