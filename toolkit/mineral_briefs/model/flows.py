"""Regional quantities at the cleared prices: demand, supply, China's exports, the shortfall
and the shortfall shares passed downstream next month."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.demand_destruction import log_demand
from mineral_briefs.model.state import Month, State, Static


def flows_step(s: Static, st: State, mo: Month) -> None:
    """Shortfall ``short`` and China's demand ``dem_c`` every month; the regional supplies,
    demands, exports and stockpile levels only where paths, bands or end values need them
    [fraction of Q0 per year]. Sets next month's pass-through shares ``st.u_o``, ``st.u_c``.

    Methodology §3 (demand P^ε_d·X), §10 (shortfall), §13 (outputs).
    """
    # NOTE: Monte Carlo chunks that keep neither paths nor bands need only the shortfall
    # and the pass-through state each month; the regional flows only in the last month.
    mo.full = s.n_path > 0 or bool(s.band_variables) or mo.i == s.t_months - 1
    p_o, p_c, ration_o, ration_c, eps_d = mo.p_o, mo.p_c, mo.ration_o, mo.ration_c, s.eps_d
    # log prices once: demand multipliers P^ε_d = exp(ε_d·ln P), and the lag ring
    mo.lp_o = lp_o = np.log(p_o)
    mo.lp_c = lp_c = lp_o if p_c is p_o else np.log(p_c)
    kink, edd = s.log_kink, s.eps_dd
    # demand multiplier at the outside price (kinked above P*, methodology §4a)
    served_o = np.exp(log_demand(lp_o, eps_d, kink, edd)) * ration_o
    dem_c = mo.b_c * (
        served_o
        if p_c is p_o and ration_c is ration_o
        else np.exp(log_demand(lp_c, eps_d, kink, edd)) * ration_c
    )
    # NOTE: shortfall is scarcity on the outside market: demand at the base price minus
    # demand at the outside (RoW) price, rationed. Demand given up because a levy lifts the
    # members' price is a consumer cost of the floor, not a shortfall.
    ref_o = mo.ref_o
    short = ref_o - mo.b_out * served_o
    short = np.where(short > 1e-9 * np.maximum(ref_o, 1e-12), short, 0.0)
    mo.u_o = st.u_o = short / np.maximum(ref_o, 1e-12)
    u_c = np.maximum(mo.b_c - dem_c, 0.0) / np.maximum(mo.b_c, 1e-12)
    st.u_c = np.where(u_c > 1e-9, u_c, 0.0)
    mo.dem_c, mo.short = dem_c, short
    if not mo.full:
        return
    mo.sup_c = (mo.a_c + mo.p_c_) * mo.mult_c
    mo.sup_a = (mo.a_a + mo.p_a_) * mo.mult_a
    mo.sup_r = (mo.a_r + mo.p_r_) * mo.mult_o
    mo.dem_r = mo.b_r * served_o
    dem_a = mo.b_a * served_o
    if mo.p_a is not p_o:
        fm_idx = s.fm_idx
        dem_a[:, fm_idx] = (
            mo.b_a[:, fm_idx]
            * np.exp(
                log_demand(
                    np.log(mo.p_a[:, fm_idx]), eps_d[:, fm_idx], kink[fm_idx], edd[:, fm_idx]
                )
            )
            * ration_o[:, fm_idx]
        )
    mo.dem_a = dem_a
    exports = mo.sup_c - dem_c
    if mo.any_seg:
        exports = np.where(mo.seg, mo.x_seg, exports)
    mo.exports = exports + mo.pull_m
    mo.stock_m = (st.level @ s.e_stock) if s.ns else np.zeros((s.n, s.m), s.fdt)
