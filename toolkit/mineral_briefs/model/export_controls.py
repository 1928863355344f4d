"""Export controls in the month: the volume each control withholds and which markets it
segments (China's zone cleared apart from the outside)."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.licence_ramp import RampState, restored_share
from mineral_briefs.model.quota import QuotaState, quota_share
from mineral_briefs.model.state import Month, Static
from mineral_briefs.model.timeline import front_running, regime_share


def controls_step(
    s: Static, mo: Month, qs: QuotaState | None = None, rs: RampState | None = None
) -> None:
    """Withheld volumes ``v_exp``, ``v_world``, ``v_ccut``, front-running pull ``pull_m`` and
    the segmentation masks ``seg_exp``, ``seg_cut`` of the month [fraction of Q0 per year].

    Methodology §5 (regime, licensing delay and ramp, front-running, leakage, targets),
    §5b (quotas, licence book ``qs``) and §5c (licences restored over a ramp, memory ``rs``).
    """
    if not s.k:
        mo.v_exp = mo.v_world = mo.v_ccut = mo.pull_m = s.zeros
        mo.seg_exp = mo.seg_cut = s.no_seg
        return
    c, lc, coef, e_link, h_tr, t = s.controls, s.lc, s.coef, s.e_link, mo.h_tr, mo.t
    w = regime_share(
        t,
        s.rows.share,
        s.rows.delay_months,
        s.rows.ramp_months,
        c.effective,
        c.suspended,
        c.snap_back,
        c.ends,
    )
    pull = front_running(
        t, c.front_months, c.announced, c.effective, c.suspended, c.snap_back, c.ends
    )[None, :]
    w_link = w[:, lc]
    if qs is not None:
        w_link = quota_share(qs, c, t, w_link, (h_tr @ e_link.T) * coef)
    if rs is not None:
        w_link = restored_share(rs, c, t, w_link)
    wl = w_link * coef
    v_exp = ((wl * s.is_exp) @ e_link) * h_tr
    # a link separates China only while it withholds some volume (w·coef > 0)
    mo.seg_exp = (((wl > 0) * s.is_exp) @ e_link) > 0
    if s.has_world:
        mo.v_world = np.minimum(((wl * s.is_world) @ e_link) * h_tr, 0.99 * h_tr)
    else:
        mo.v_world = s.zeros
    if s.has_ccut:
        mo.v_ccut = ((wl * s.is_ccut) @ e_link) * h_tr
        mo.seg_cut = (((wl > 0) * s.is_ccut) @ e_link) > 0
    else:
        mo.v_ccut, mo.seg_cut = s.zeros, s.no_seg
    mo.pull_m = ((pull[:, lc] * coef * (s.is_exp + s.is_world)) @ e_link) * h_tr
    mo.v_exp = np.minimum(v_exp, np.maximum(s.net_c, 0.0) * h_tr)
