"""The monthly market simulation: every market and every row (draw/variant) at once.

Units: quantities are *fractions of the market's base-year world flow* ``Q0`` [t/yr] expressed
as annual rates; stocks are in years of ``Q0``; prices are multiples of the base price ``P0``.
The caller (:mod:`mineral_briefs.engine`) converts to tonnes and USD. Regions: China (C), Alliance
(A)
and Rest of World (R); A and R share the outside price unless a variable-tariff floor binds.

Clearing mode per market and month: *unified* (one world price; trade arbitrages) unless an
export control that separates China from the outside is in force, then *segmented* (China's
net exports are fixed by the control and each zone clears on its own: the price wedge).

Each month is a fixed sequence of named steps, one module per mechanism (pvlib ModelChain
style): export controls → supply → cost curve → supply outages → zone balance → stocks →
stock holders → China's market management → clearing → same-month stockpile triggers → price
floors → flows → accumulators → cost-curve exits → paths and bands → partial adjustment. The
steps read the static set-up and update the persistent state of
:mod:`mineral_briefs.model.state`. The input and result dataclasses live in
:mod:`mineral_briefs.model.inputs` and are re-exported here. Equations: ``docs/methodology.md``.
"""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.accumulate import accumulate_step, finish_totals, init_totals
from mineral_briefs.model.adjust import adjust_step
from mineral_briefs.model.bands import init_recorder, record_step
from mineral_briefs.model.china_market import ChinaMarket, china_market_step, init_china
from mineral_briefs.model.cost_curve import (
    CostCurves,
    curve_adjust_step,
    curve_supply_step,
    init_curve,
)
from mineral_briefs.model.export_controls import controls_step
from mineral_briefs.model.floors import floors_step
from mineral_briefs.model.flows import flows_step
from mineral_briefs.model.holders import holders_step, init_holders
from mineral_briefs.model.inputs import (
    BAND_DRAWS_MAX,
    BAND_VARIABLES,
    MODE_CHINA_CUT,
    MODE_CHINA_EXPORT,
    MODE_WORLD_CUT,
    PATH_VARIABLES,
    Controls,
    F,
    Floors,
    KpiSpec,
    Markets,
    Projects,
    Rows,
    SimResult,
    Stockpiles,
)
from mineral_briefs.model.licence_ramp import init_ramp
from mineral_briefs.model.magnets import recipe_balance_step, recipe_record_step, recipe_step
from mineral_briefs.model.outages import Outages, outages_step
from mineral_briefs.model.quota import init_quota
from mineral_briefs.model.state import init_state, init_static, start_month
from mineral_briefs.model.stocks import late_release_step, stocks_step
from mineral_briefs.model.supply import balance_step, supply_step
from mineral_briefs.model.zones import clearing_step

__all__ = [
    "BAND_DRAWS_MAX",
    "BAND_VARIABLES",
    "MODE_CHINA_CUT",
    "MODE_CHINA_EXPORT",
    "MODE_WORLD_CUT",
    "PATH_VARIABLES",
    "ChinaMarket",
    "Controls",
    "CostCurves",
    "Floors",
    "KpiSpec",
    "Markets",
    "Outages",
    "Projects",
    "Rows",
    "SimResult",
    "Stockpiles",
    "simulate",
]


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
    curves: CostCurves | None = None,
    china: ChinaMarket | None = None,
    outages: Outages | None = None,
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
        Variables with bands (:data:`PATH_VARIABLES`, ``supply_world``, ``demand_world``).
    kpi : KpiSpec, optional
        Recovery tolerances and the horizon's first calendar month (default ``KpiSpec()``).
    reference_price : array, optional
        ``(N, T, M)`` no-shock outside price of each row [x P0] (the same rows run without the
        scenario's export controls); default 1.0 (the base price).
    curves : CostCurves, optional
        Producer groups on the cost curve and supply surges (default: none).
    china : ChinaMarket, optional
        China's market management per market (default: not managed).
    outages : Outages, optional
        Supply outages by country (default: none).

    Returns
    -------
    SimResult
    """
    spec = kpi if kpi is not None else KpiSpec()
    static = (markets, rows, controls, floors, stockpiles, projects)
    on_curve = None if curves is None else np.unique(curves.market[curves.surge == 0])
    s = init_static(*static, spec, reference_price, n_path, band_variables, on_curve)
    st = init_state(s)
    rec = init_recorder(s)
    tot = init_totals(s)
    cv = init_curve(curves, markets.supply_share, s.n, s.m, s.fdt)
    cn = init_china(china, s.n, s.m, s.fdt)
    qs = init_quota(controls, markets.q0_t, s.n, s.fdt)  # export quotas' licence book (§5b)
    rs = init_ramp(controls, s.n, s.fdt)  # licences restored over a ramp (§5c)
    hs = init_holders(s)  # precautionary, speculative holders, catch-up (§6a)
    for i in range(s.t_months):
        mo = start_month(s, st, i)
        controls_step(s, mo, qs, rs)  # withheld volumes, quotas, segmentation (§5)
        supply_step(s, st, mo)  # trend, upstream pass-through, projects (§2–3, §5, §9)
        curve_supply_step(s, cv, mo)  # exits along the cost curve, supply surges (§19)
        outages_step(s, outages, mo)  # output lost to supply outages (§21)
        recipe_step(s, st, mo)  # magnets limited by the scarcest element (§17)
        balance_step(s, mo)  # demand at the base price, zone gaps (§2–3, §5)
        recipe_balance_step(s, st, mo)  # element demand follows magnet output (§17)
        stocks_step(s, st, mo)  # commercial stocks, strategic stockpiles (§6–7)
        holders_step(s, hs, st, mo)  # hoarding, speculation, catch-up restocking (§6a)
        china_market_step(s, china, cn, mo, tot)  # quotas and reserve buying (§20)
        clearing_step(s, st, mo)  # unified / segmented prices, China's home stocks (§4–6)
        late_release_step(s, st, mo)  # price-triggered stockpiles in the month they trigger (§7)
        floors_step(s, mo)  # price floors and their money flows (§8)
        flows_step(s, st, mo)  # regional quantities, shortfall (§10)
        recipe_record_step(s, st, mo)  # magnet output ratios for next month (§17)
        accumulate_step(s, mo, tot)  # KPI accumulators (§12)
        curve_adjust_step(s, cv, mo, tot)  # exits and restarts at this month's prices (§19)
        record_step(s, st, mo, rec)  # paths and bands (§11, §13)
        adjust_step(s, st, mo)  # partial adjustment of capacity and demand (§3)
    finish_totals(s, st, tot)
    return SimResult(paths=rec.paths, bands=rec.bands, totals=tot)
