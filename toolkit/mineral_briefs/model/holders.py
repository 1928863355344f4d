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

from mineral_briefs.model.holder_rules import F, HolderRules
from mineral_briefs.model.holders_commercial import catch_up, restock_room
from mineral_briefs.model.holders_precautionary import (
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
    """Precautionary hoard [years of Q0]."""
    spec: F
    """Speculative position [years of Q0]."""
    trend: F
    """Smoothed monthly log change of the outside price [-]."""
    lp_prev: F
    """ln of the outside price the trend last saw [-]."""
    coef_mode: F
    """(L,) link base flow net of leakage where the link withholds from the outside."""


def init_holders(s: Static) -> HolderState | None:
    """The holders' state, or None when the markets carry no rules or all are switched off."""
    rules = s.markets.holders
    if rules is None or not rules.any_on:
        return None
    z = np.zeros((s.n, s.m), s.fdt)
    return HolderState(
        rules=rules.cast(s.fdt),
        prec=z.copy(),
        spec=z.copy(),
        trend=z.copy(),
        lp_prev=z.copy(),
        coef_mode=(s.coef * (s.is_exp + s.is_world)).astype(s.fdt),
    )


def holders_step(s: Static, hs: HolderState | None, st: State, mo: Month) -> None:
    """Add the holders' purchases to ``mo.restock`` and their sales to ``mo.draw``
    [fraction of Q0 per year]; update their stocks and the commercial catch-up (``st.inv``).

    Methodology §6a.
    """
    if hs is None:
        return
    r = hs.rules
    lp = np.log(st.prev_po)
    hs.trend = price_trend(hs.trend, lp - hs.lp_prev, r.speculative_months_smoothing)
    hs.lp_prev = lp
    cover = (s.d_a + s.d_r) * mo.g * mo.x_o / 12.0  # one month of outside demand [yr of Q0]
    buy = np.zeros_like(cover)
    sell = np.zeros_like(cover)
    if (r.precautionary_on > 0).any() and s.k:
        c = s.controls
        live_k = control_live(mo.t, c.announced, c.effective, c.suspended, c.snap_back, c.ends)
        v = threatened_supply(live_k, s.rows.share, s.lc, hs.coef_mode, s.e_link) * mo.h_tr
        v = np.minimum(v, 12.0 * cover)  # never more than the outside's own demand
        target = r.precautionary_on * r.precaution_months / 12.0 * v
        # the part of θ·g working stock could not meet (it ran out this month)
        unmet = np.maximum(s.theta * mo.gap - mo.draw, 0.0)
        out_p, in_p = precautionary_flows(hs.prec, target, r.precaution_build_months, unmet)
        # NOTE: front-running exports (pull) are shipped because buyers hoard: they meet the
        # precautionary purchases first, moving from working stock into the hoard
        met = np.minimum(in_p, mo.pull_m)
        st.inv = st.inv - met / 12.0
        hs.prec = np.maximum(hs.prec + (in_p - out_p) / 12.0, 0.0)
        buy, sell = buy + in_p - met, sell + out_p
    if (r.speculative_on > 0).any():
        tgt = speculative_target(
            hs.trend, cover, r.speculative_months, r.speculative_trend, r.speculative_on
        )
        out_s, in_s = speculative_flows(hs.spec, tgt, r.speculative_months_smoothing)
        hs.spec = np.maximum(hs.spec + (in_s - out_s) / 12.0, 0.0)
        buy, sell = buy + in_s, sell + out_s
    if (r.commercial_on > 0).any():
        _catch_up(s, hs, st, mo, buy, sell)
    else:
        mo.restock = mo.restock + buy
        mo.draw = mo.draw + sell


def _catch_up(s: Static, hs: HolderState, st: State, mo: Month, buy: F, sell: F) -> None:
    """Commercial catch-up restocking (capped at the ``restock_below`` price) and the month's
    holder flows into ``mo.restock``/``mo.draw``."""
    r = hs.rules
    mo.restock = mo.restock + buy
    mo.draw = mo.draw + sell
    room = restock_room(
        mo.a_world + mo.draw + mo.rel_m,
        mo.b_world + mo.restock + mo.buy_m,
        s.eps_s,
        s.eps_d,
        r.restock_below,
    )
    calm = (~mo.seg).astype(s.fdt)
    q = catch_up(mo.gap, st.inv, st.inv_max, calm, r.restock_months, r.commercial_on, room)
    st.inv = st.inv + q / 12.0
    mo.restock = mo.restock + q
