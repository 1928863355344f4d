"""Supply and demand before clearing: the supply trend, upstream pass-through, projects coming
online, demand at the base price, and each zone's gap (what clearing must close)."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.inputs import F
from mineral_briefs.model.state import Month, State, Static
from mineral_briefs.model.timeline import ramp_share


def supply_step(s: Static, st: State, mo: Month) -> None:
    """Zone supply at the base price ``a_c``, ``a_a``, ``a_r`` and project output ``p_c_``,
    ``p_a_``, ``p_r_`` [fraction of Q0 per year].

    Methodology §2 (trend), §3 and §5 (upstream shortfall passed on: ``cut = β·u_up``),
    §9 (projects).
    """
    cut_o = s.beta * st.u_o[:, s.up_safe]
    cut_c = s.beta * st.u_c[:, s.up_safe]
    mo.cut_o = cut_o
    mo.a_c = s.s_c * mo.h_tr * (1.0 - cut_c) * mo.k_c
    mo.a_a = s.s_a * mo.h_tr * (1.0 - cut_o) * mo.k_o
    mo.a_r = s.s_r * mo.h_tr * (1.0 - cut_o) * mo.k_o
    proj = [np.zeros((s.n, s.m), s.fdt) for _ in range(3)]
    if s.nj:
        online = _projects_online(s, st, mo.t)
        for z in range(3):
            if s.zone_sel[z].any():
                proj[z] = online[:, s.zone_sel[z]] @ s.e_proj[z]
    mo.p_c_, mo.p_a_, mo.p_r_ = proj


def _projects_online(s: Static, st: State, t: float) -> F:
    """(N, J) capacity each project adds this month; decides viability at its start.

    Methodology §9: a project goes ahead if last month's outside price (or the floor that
    guarantees it) reaches its incentive price when its start month arrives.
    """
    projects, floors, nf = s.projects, s.floors, s.nf
    decide = np.isnan(st.viable[0]) & (t + 0.5 > projects.start)
    if decide.any():
        expected = st.prev_po[:, projects.market]
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
            f_level = s.rows.floor_multiple[:, fl_safe]
            expected = np.where(f_active, np.maximum(expected, f_level), expected)
        ok = np.where(
            np.isnan(projects.incentive),
            1.0,
            (expected >= projects.incentive).astype(s.fdt),
        )
        st.viable = np.where(decide, ok, st.viable)
    return (
        projects.capacity
        * ramp_share(t, projects.start, projects.ramp)
        * s.rows.project_on
        * np.nan_to_num(st.viable, nan=0.0)
    )


def balance_step(s: Static, mo: Month) -> None:
    """Demand at the base price ``b_*``, the zones' net supply and the gap to close.

    Methodology §2–3 (demand with substitution X), §5 (China's licensed exports while
    segmented), §10 (the outside reference demand ``ref_o`` of the shortfall).
    """
    g = mo.g
    mo.b_c = s.d_c * g * mo.x_c
    mo.b_a = s.d_a * g * mo.x_o
    mo.b_r = s.d_r * g * mo.x_o
    mo.ref_o = (s.d_a + s.d_r) * g  # reference: outside demand at the base price, no substitution

    mo.a_world = mo.a_c + mo.a_a + mo.a_r + mo.p_c_ + mo.p_a_ + mo.p_r_ - mo.v_world
    mo.b_world = mo.b_c + mo.b_a + mo.b_r
    # China's exports while segmented: the licensed quota (1 − w)·X0 under its own control
    # (X0 = base net exports, 0 for a net importer), base net trade under a cut by others.
    h_tr, net_c = mo.h_tr, s.net_c
    mo.x_seg = np.where(mo.seg_exp, np.maximum(net_c, 0.0) * h_tr, net_c * h_tr) - mo.v_exp
    # candidate zones: every market a control withholds from; China's own controls are
    # re-checked after clearing (the quota must bind)
    mo.seg = mo.seg_cut | mo.seg_exp
    mo.any_seg = bool(mo.seg.any())
    mo.a_out = mo.a_a + mo.a_r + mo.p_a_ + mo.p_r_ - mo.v_world + mo.x_seg
    mo.a_chn = mo.a_c + mo.p_c_ - mo.x_seg - mo.v_ccut
    mo.b_out = mo.b_a + mo.b_r
    if mo.any_seg:
        mo.gap = np.where(mo.seg, mo.b_out - mo.a_out, mo.b_world - mo.a_world)
    else:
        mo.gap = mo.b_world - mo.a_world
