"""The private stock holders' month (methodology §6a): commercial catch-up, precautionary and
speculative stocks outside China, as flows added to the clearing.

Runs right after :func:`mineral_briefs.model.stocks.stocks_step` (which applies the
commercial draw/restock rule of §6 and the strategic stockpiles). Purchases add to
``mo.restock`` (demand at clearing), sales to ``mo.draw`` (supply at clearing), so prices
respond in the month stocks are built, not only once they are exhausted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.holder_rules import F, HolderRules
from mineral_briefs.model.holders_commercial import cap_factor, catch_up, fill_taper, restock_room
from mineral_briefs.model.holders_precautionary import (
    alert_peak,
    control_live,
    precautionary_flows,
    threatened_supply,
)
from mineral_briefs.model.holders_speculative import (
    price_trend,
    speculative_flows,
    speculative_target,
)
from mineral_briefs.model.state import Month, State, Static


@dataclass
class HolderState:
    """What the holders carry from month to month ((N, M) arrays)."""

    rules: HolderRules
    prec: F
    """(N, C) precautionary hoard in the markets some control link touches [years of Q0]."""
    prec_peak: F
    """(N, C) the largest hoard held so far, its normal level for the release taper."""
    cols: NDArray[np.int64]
    """(C,) those markets (``Static.link_cols``): no control, no hoard."""
    e_sub: F
    """(L, C) one-hot market of each link, restricted to ``cols``."""
    spec: F
    """Speculative position [years of Q0]."""
    trend: F
    """Smoothed monthly log change of the outside price [-]."""
    lp_prev: F
    """ln of the outside price the trend last saw [-]."""
    coef_mode: F
    """(L,) link base flow net of leakage where the link withholds from the outside."""
    cap: F
    """(N, M) ``c_r^{ε_s − ε_d}`` of the catch-up cap (static)."""
    prec_on: bool
    spec_on: bool
    cu_on: bool
    """Which holders act in some market."""


def init_holders(s: Static) -> HolderState | None:
    """The holders' state, or None when the markets carry no rules or all are switched off."""
    rules = s.markets.holders
    if rules is None or not rules.any_on:
        return None
    z = np.zeros((s.n, s.m), s.fdt)
    r = rules.cast(s.fdt)
    return HolderState(
        rules=r,
        prec=np.zeros((s.n, s.link_cols.size), s.fdt),
        prec_peak=np.zeros((s.n, s.link_cols.size), s.fdt),
        cols=s.link_cols,
        e_sub=s.e_link[:, s.link_cols] if s.k else np.zeros((0, 0), s.fdt),
        spec=z.copy(),
        trend=z.copy(),
        lp_prev=z.copy(),
        coef_mode=(s.coef * (s.is_exp + s.is_world)).astype(s.fdt),
        cap=cap_factor(s.eps_s, s.eps_d, r.restock_below).astype(s.fdt),
        prec_on=bool((r.precautionary_on > 0).any()) and s.k > 0,
        spec_on=bool((r.speculative_on > 0).any()),
        cu_on=bool((r.commercial_on > 0).any()),
    )


def holders_step(s: Static, hs: HolderState | None, st: State, mo: Month) -> None:
    """Add the holders' purchases to ``mo.restock`` and their sales to ``mo.draw``
    [fraction of Q0 per year]; update their stocks and the commercial catch-up (``st.inv``).

    Methodology §6a.
    """
    if hs is None:
        return
    if hs.prec_on:
        c = s.controls
        live_k = control_live(mo.t, c.announced, c.effective, c.suspended, c.snap_back, c.ends)
        # NOTE: nothing to do while no control is live and nothing is hoarded (Monte Carlo cost)
        if live_k.any() or hs.prec.any():
            _precautionary(s, hs, st, mo, live_k)
    if hs.spec_on:
        _speculative(s, hs, st, mo)
    if hs.cu_on:
        _catch_up(s, hs, st, mo)


def _cover(s: Static, mo: Month, j: NDArray[np.int64] | slice) -> F:
    """One month of outside demand ``c = (d_A + d_R)·G·X_o/12`` in markets ``j`` [yr of Q0]."""
    return (s.d_a + s.d_r)[j] * mo.g[:, j] * mo.x_o[:, j] / 12.0


def _speculative(s: Static, hs: HolderState, st: State, mo: Month) -> None:
    """Speculators' purchases into ``mo.restock``, sales into ``mo.draw`` (§6a)."""
    r = hs.rules
    lp = np.log(st.prev_po)
    hs.trend = price_trend(hs.trend, lp - hs.lp_prev, r.speculative_months_smoothing)
    hs.lp_prev = lp
    tgt = speculative_target(
        hs.trend,
        _cover(s, mo, slice(None)),
        r.speculative_months,
        r.speculative_trend,
        r.speculative_on,
    )
    out_s, in_s = speculative_flows(hs.spec, tgt, r.speculative_months_smoothing)
    hs.spec = np.maximum(hs.spec + (in_s - out_s) / 12.0, 0.0)
    mo.restock = mo.restock + in_s
    mo.draw = mo.draw + out_s


def _precautionary(
    s: Static, hs: HolderState, st: State, mo: Month, live_k: NDArray[np.bool_]
) -> None:
    """The hoard's purchases (net of front-running exports) into ``mo.restock`` and its
    releases into ``mo.draw`` [fraction of Q0 per year], in the markets a control link touches
    (``hs.cols``); updates ``hs.prec`` and moves the pull into the hoard."""
    r, j = hs.rules, hs.cols
    v = threatened_supply(live_k, s.rows.share, s.lc, hs.coef_mode, hs.e_sub) * mo.h_tr[:, j]
    v = np.minimum(v, 12.0 * _cover(s, mo, j))  # never more than the outside's own demand
    target = r.precautionary_on[j] * r.precaution_months[j] / 12.0 * v
    # the part of θ·g working stock could not meet (it ran out or thinned this month); the
    # hoard tapers like working stock, against the largest hoard held (§6)
    hs.prec_peak = alert_peak(hs.prec_peak, hs.prec, target)
    theta = np.broadcast_to(mo.theta_eff, mo.gap.shape)[:, j]
    unmet = np.maximum(theta * mo.gap[:, j] - mo.draw[:, j], 0.0)
    taper = fill_taper(hs.prec, hs.prec_peak, s.taper[j])
    # purchases shrink as working stock thins (its own fill taper): the hand-over from
    # buying to drawing is continuous (§6a); without a taper (φ_c = 0) none while short
    inv_max = st.inv_max[:, j]
    has = (s.taper[j] > 0) & (inv_max > 0)  # no working stock held: nothing to buy from
    w = np.where(has, fill_taper(st.inv[:, j], inv_max, s.taper[j]), 0.0).astype(mo.gap.dtype)
    tau_p = r.precaution_build_months[j]
    out_p, in_p = precautionary_flows(hs.prec, target, tau_p, unmet, taper, w)
    # NOTE: front-running exports (pull) are shipped because buyers hoard: they meet the
    # precautionary purchases first, moving from working stock into the hoard
    met = np.minimum(in_p, mo.pull_m[:, j])
    hs.prec = np.maximum(hs.prec + (in_p - out_p) / 12.0, 0.0)
    # fresh arrays: the month's draw/restock/inventory may be shared with other steps' views
    st.inv, mo.restock, mo.draw = st.inv.copy(), mo.restock.copy(), mo.draw.copy()
    st.inv[:, j] -= met / 12.0
    mo.restock[:, j] += in_p - met
    mo.draw[:, j] += out_p


def _catch_up(s: Static, hs: HolderState, st: State, mo: Month) -> None:
    """Commercial catch-up restocking, capped at the ``restock_below`` price, added to
    ``mo.restock`` after the other holders' flows (§6a)."""
    r = hs.rules
    if not (st.inv < st.inv_max).any():  # working stock full everywhere: nothing to rebuild
        return
    room = restock_room(mo.a_world + mo.draw + mo.rel_m, mo.b_world + mo.restock + mo.buy_m, hs.cap)
    calm = (~mo.seg).astype(s.fdt)
    q = catch_up(mo.gap, st.inv, st.inv_max, calm, r.restock_months, r.commercial_on, room)
    st.inv = st.inv + q / 12.0
    mo.restock = mo.restock + q
