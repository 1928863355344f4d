"""Price floors in the month: the members' price under a variable levy, a CfD or an offtake,
the price left to the rest of the outside market, and the floor's money flows."""

from __future__ import annotations

from typing import Any

import numpy as np

from mineral_briefs.model.clearing import clear_market, supply_multiplier
from mineral_briefs.model.demand_destruction import log_demand
from mineral_briefs.model.inputs import F
from mineral_briefs.model.policy import (
    cfd_fiscal_cost,
    levy_consumer_cost,
    offtake_fiscal_cost,
    tariff_revenue,
    variable_levy,
)
from mineral_briefs.model.state import Month, Static


def floors_step(s: Static, mo: Month) -> None:
    """Alliance price ``p_a`` and producer multiplier ``mult_a``; where a floor binds, the
    outside price and multiplier of the floored market, and the monthly floor flows ``rev_m``,
    ``cons_m``, ``fisc_m`` [USD/month], ``fdem_m``, ``fimp_m`` [fraction of Q0 per year].

    Methodology §8. Money flows go through the functions of :mod:`mineral_briefs.model.policy` (one
    implementation): prices in USD/kg, quantities in t per month, results in USD per month.
    """
    n, m, fdt = s.n, s.m, s.fdt
    mo.p_a = mo.p_o
    mo.p_prod_a = mo.p_o
    mo.mult_a = mo.mult_o
    mo.rev_m = np.zeros((n, m), fdt)
    mo.cons_m = np.zeros((n, m), fdt)
    mo.fisc_m = np.zeros((n, m), fdt)
    mo.fdem_m = np.zeros((n, m), fdt)
    mo.fimp_m = np.zeros((n, m), fdt)
    if not s.nf:
        return
    floors, fm_idx = s.floors, s.fm_idx
    t = mo.t
    active = (t >= floors.start) & (t < np.where(np.isnan(floors.end), np.inf, floors.end))
    fmul = s.rows.floor_multiple
    po_f = mo.p_o[:, fm_idx]
    tariff = floors.instrument == 0
    ed_f, es_f, hd_f = s.eps_d[:, fm_idx], s.eps_s[:, fm_idx], s.head[:, fm_idx]
    ch_f = s.choke[:, fm_idx]
    logs_f = {
        "log_headroom": s.log_head[fm_idx],
        "log_choke": s.log_choke[fm_idx],
        "log_kink": s.log_kink[fm_idx],
        "eps_dd": s.eps_dd[:, fm_idx],
    }
    dn_f = None if s.eps_s_down is None else s.eps_s_down[:, fm_idx]
    a_grp = (
        floors.group_supply * mo.h_tr[:, fm_idx] * (1.0 - mo.cut_o[:, fm_idx]) * mo.k_o[:, fm_idx]
    )
    b_grp = floors.group_demand * mo.g[:, fm_idx] * mo.x_o[:, fm_idx]
    # NOTE: a variable levy can lift the members' price only up to their own autarky
    # price P* (members' supply = members' demand): above it members would have to
    # export a surplus, and a levy buys nothing. Members' price P_A = min(P_f, P*); it
    # binds only where that is above the outside price. No state purchases: a levy
    # has no fiscal cost (the old surplus branch booked every member tonne as one).
    p_star = clear_market(a_grp, b_grp, ed_f, es_f, hd_f, ch_f, **logs_f, eps_s_down=dn_f).price
    p_star = np.where(b_grp > 0, p_star, 0.0)  # no members' demand: nothing to lift
    p_in = np.where(tariff, np.minimum(fmul, p_star), fmul)
    bind = active & (p_in > po_f)
    if not bind.any():
        return
    s_grp = a_grp * supply_multiplier(p_in, es_f, hd_f, dn_f)
    dd = np.exp(
        log_demand(np.log(np.maximum(p_in, 1e-12)), ed_f, logs_f["log_kink"], logs_f["eps_dd"])
    )
    d_grp = np.where(tariff, b_grp * dd, 0.0)
    imports = np.maximum(d_grp - s_grp, 0.0)
    m_floor = supply_multiplier(fmul, es_f, hd_f, dn_f)
    delta_s = np.maximum(a_grp * floors.covered * (m_floor - mo.mult_o[:, fm_idx]), 0.0)
    a_rest = np.where(tariff, mo.a_eff[:, fm_idx] - a_grp - imports, mo.a_eff[:, fm_idx] + delta_s)
    b_rest = np.where(tariff, mo.b_eff[:, fm_idx] - b_grp, mo.b_eff[:, fm_idx])
    cr = clear_market(a_rest, b_rest, ed_f, es_f, hd_f, ch_f, **logs_f, eps_s_down=dn_f)
    # NOTE: a binding floor can only lower the price left to the rest of the outside market:
    # a levy cuts the members' import demand, a CfD or offtake adds supply. A cleared rest
    # price above the pre-floor outside price is an artefact of clearing a small residual
    # market (the rest of the world may hold a few per cent of demand), not an outcome.
    p_rest = np.where(bind, np.minimum(cr.price, po_f), po_f)
    if mo.any_seg:
        # NOTE: China's own control caps its exports; it does not force them. Where
        # the floor's demand cut pushes the rest of a segmented outside zone below
        # China's inside price, China's exporters sell at home instead, so the
        # outside price cannot fall below the inside price (arbitrage bound).
        own = mo.seg[:, fm_idx] & ~mo.seg_cut[:, fm_idx] & bind
        p_rest = np.where(own, np.maximum(p_rest, mo.p_c[:, fm_idx]), p_rest)
    bind_t = bind & tariff
    p_cons = np.where(bind_t, np.maximum(p_rest, p_in), p_rest)
    p_prod = np.where(bind_t, p_cons, np.where(bind, np.maximum(p_rest, fmul), p_rest))
    dem_m = np.where(bind_t, d_grp, 0.0)
    imp_m = np.where(bind_t, imports, 0.0)
    _money_flows(s, mo, p_cons, p_rest, dem_m, imp_m, a_grp, m_floor, bind & ~tariff)
    _set_floor_prices(s, mo, p_rest, p_cons, p_prod, es_f, hd_f)
    mo.fdem_m[:, fm_idx] = dem_m
    mo.fimp_m[:, fm_idx] = imp_m


def _money_flows(
    s: Static,
    mo: Month,
    p_cons: F,
    p_rest: F,
    dem_m: F,
    imp_m: F,
    a_grp: F,
    m_floor: F,
    bind_s: Any,
) -> None:
    """Tariff revenue, consumer cost and fiscal cost of the floors [USD/month] (§8)."""
    floors, fm_idx = s.floors, s.fm_idx
    fmul = s.rows.floor_multiple
    p0_f = s.p0[fm_idx]
    t_month = s.q0[fm_idx] / 12.0  # t per month per unit of (fraction of Q0 per yr)
    levy = variable_levy(p_cons * p0_f, p_rest * p0_f)  # USD/kg
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
    mo.rev_m[:, fm_idx] = rev
    mo.cons_m[:, fm_idx] = cons
    mo.fisc_m[:, fm_idx] = fisc


def _set_floor_prices(
    s: Static, mo: Month, p_rest: F, p_cons: F, p_prod: F, es_f: F, hd_f: F
) -> None:
    """Write the floored markets' prices and multipliers into the month (§8)."""
    fm_idx = s.fm_idx
    p_o, mult_o = mo.p_o, mo.mult_o
    p_o[:, fm_idx] = p_rest
    p_c = mo.p_c.copy() if mo.p_c is p_o else mo.p_c
    if mo.any_seg:
        p_c[:, fm_idx] = np.where(mo.seg[:, fm_idx], p_c[:, fm_idx], p_rest)
    else:
        p_c[:, fm_idx] = p_rest
    mo.p_c = p_c
    p_a = p_o.copy()
    p_a[:, fm_idx] = p_cons
    mo.p_a = p_a
    p_prod_a = p_o.copy()
    p_prod_a[:, fm_idx] = p_prod
    mo.p_prod_a = p_prod_a
    mult_a = mult_o.copy()
    mult_o[:, fm_idx] = np.minimum(p_rest**es_f, hd_f)
    mult_a[:, fm_idx] = np.minimum(p_prod**es_f, hd_f)
    mo.mult_a = mult_a
    mo.mult_c = np.where(mo.seg, mo.mult_c, mult_o) if mo.any_seg else mult_o
