"""Stocks in the month: commercial inventories, China's home stocks while a control segments
the market, and strategic stockpiles serving their stage chain."""

from __future__ import annotations

from typing import Any

import numpy as np

from mineral_briefs.model.clearing import clear_columns
from mineral_briefs.model.holders_commercial import (
    cap_factor,
    commercial_flows,
    draw_share,
    fill_taper,
    restock_room,
)
from mineral_briefs.model.inputs import F, I
from mineral_briefs.model.policy import stockpile_refill, stockpile_release
from mineral_briefs.model.state import Month, State, Static


def stocks_step(s: Static, st: State, mo: Month) -> None:
    """Commercial draw/restock ``draw``, ``restock`` and strategic release/purchase ``rel_m``,
    ``buy_m`` against the zone gap, before prices move [fraction of Q0 per year].

    Methodology §6 (commercial inventories, drawn before prices spike) and §7 (strategic
    stockpiles).
    """
    gap = mo.gap
    # holders leave the first σ_k of their zone's demand to the price (§6): the outside's
    # demand while a control segments the market, the world's otherwise
    share = None
    if s.kept_gap.any():
        dem = np.where(mo.seg, mo.b_out, mo.b_world) if mo.any_seg else mo.b_world
        share = draw_share(gap, dem, s.theta, s.kept_gap)
    mo.theta_eff = s.theta if share is None else share
    draw, restock = commercial_flows(gap, st.inv, st.inv_max, s.theta, s.taper, share)
    st.inv = st.inv + (restock - draw + mo.pull_m) / 12.0
    mo.draw, mo.restock = draw, restock
    if s.ns:
        mo.rel_m, mo.buy_m = _stockpiles(s, st, mo, np.maximum(gap - draw, 0.0))
    else:
        mo.rel_m = mo.buy_m = np.zeros((s.n, s.m), s.fdt)


def _stockpiles(s: Static, st: State, mo: Month, resid: F) -> tuple[F, F]:
    """Release received by and purchases of each market [fraction of Q0 per year].

    NOTE: a stockpile serves the stage chain: its own market first, then the downstream
    stages of the same mineral (oxide stocks relieve a magnet shortfall through the
    refining→magnet link). Each served market triggers on its own gap (or its own price), and
    stockpiles act in the order listed on the gap the earlier ones left.
    """
    n, sp, level, prev_po = s.n, s.stockpiles, st.level, st.prev_po
    short_any = resid > 0  # served markets short before any release this month
    rel_m = np.zeros((n, s.m), s.fdt)
    buy_m = np.zeros((n, s.m), s.fdt)
    for s_, targets in enumerate(s.serve_list):
        avail = level[:, s_] * 12.0  # annual rate of the stock's own Q0
        fired = np.zeros(n, dtype=bool)
        short_s = np.zeros(n, dtype=bool)
        p_served = np.zeros(n, s.fdt)
        for j, conv in targets:
            # NOTE: a price trigger opens a release episode that lasts while the served
            # market is short (hysteresis); re-testing the lagged price every month
            # made the stock release and buy back in alternate months.
            trig: Any = (
                (prev_po[:, j] > sp.price_multiple[s_]) | (st.releasing[:, s_] & (resid[:, j] > 0))
                if sp.price_trigger[s_]
                else resid[:, j] > 0
            )
            share, want = sp.max_share[s_], resid[:, j]
            if sp.price_trigger[s_]:  # a price-band stock: down to its trigger, no further
                room = _release_room(s, mo, j, sp.price_multiple[s_], rel_m[:, j], buy_m[:, j])
                share, want = 1.0, np.minimum(share * want, room)
            r_ = stockpile_release(avail, want / conv, share, trig)
            avail = avail - r_
            resid[:, j] -= r_ * conv
            rel_m[:, j] += r_ * conv
            if sp.price_trigger[s_]:
                mo.rel_band[(s_, j)] = r_ * conv
            fired |= trig
            short_s |= short_any[:, j]
            p_served = np.maximum(p_served, prev_po[:, j])
        st.releasing[:, s_] = fired
        # refill only while every served market is calm: no gap and a low price
        buy = stockpile_refill(
            level[:, s_], sp.level0[s_], s.refill_rate[s_], p_served, sp.refill_below[s_]
        ) * np.logical_not(fired | short_s)
        if s.refill_rate[s_] > 0:
            j0 = int(sp.market[s_])
            room = _refill_room(s, mo, j0, float(sp.refill_below[s_]), buy_m[:, j0])
            buy = np.minimum(buy, np.maximum(room, 0.0) / 12.0)
        level[:, s_] = avail / 12.0 + buy
        buy_m[:, sp.market[s_]] += buy * 12.0
    mo.stock_min_before = st.stock_min
    st.stock_min = np.minimum(st.stock_min, level)
    return rel_m, buy_m


def _release_room(
    s: Static, mo: Month, j: int, trigger: float, released: F | float, bought: F
) -> F:
    """Release that brings market ``j``'s price down to a price-band stock's ``trigger``
    [fraction of Q0 per year]: ``r = B·c^{ε_d − ε_s} − A`` at the zone's supply ``A`` and
    demand ``B`` at the base price, working-stock flows, ``released`` and the stockpile
    purchases ``bought`` included (0 where the price would clear below the trigger anyway).

    NOTE: a stock held for a price spike defends a ceiling (methods.md §8.6: release when
    ``P > P_trigger``; a buffer stock). Releasing the whole base-price gap instead pushed the
    price far below the trigger: in ``stockpile_response`` the US stock (trigger ×2) took the
    magnet price from ×2.0 to ×1.0 in a month, ran dry in four, and the price then stood at
    ×2.9, above the peak of the same controls without any stockpile.

    NOTE: the room assumes that neither the capacity headroom nor the demand-destruction kink
    (§4a, ×3 by default) binds at the trigger; for a trigger above the kink the release is
    larger than needed (the price then clears below the trigger).
    """
    seg = mo.seg[:, j] if mo.any_seg else np.zeros(s.n, dtype=bool)
    a = np.where(seg, mo.a_out[:, j], mo.a_world[:, j]) + mo.draw[:, j] + released
    b = np.where(seg, mo.b_out[:, j], mo.b_world[:, j]) + mo.restock[:, j] + bought
    return _supply_to_clear_at(s, j, trigger, a, b)


def _supply_to_clear_at(s: Static, j: int, price: float, a: F, b: F) -> F:
    """Supply to add to market ``j``'s base-price supply ``a`` (demand ``b``) so that it
    clears at ``price``, ``b·c^{ε_d − ε_s} − a``, at least 0 [fraction of Q0 per year]."""
    factor = cap_factor(s.eps_s[:, j], s.eps_d[:, j], np.asarray(price))
    return np.maximum(b / factor - a, 0.0)


def _refill_room(s: Static, mo: Month, j: int, below: float, bought: F) -> F:
    """Purchases market ``j`` takes this month before its price reaches the refill price
    ``below`` [fraction of Q0 per year], after the working-stock flows and the purchases
    ``bought`` of stockpiles refilled before this one.

    NOTE: a refill buys ``S*/months`` a month only as far as the market supplies it at the
    refill price (the catch-up rule of §6a). Buying the full rate whatever the gap lifted the
    price, which stopped the refill the next month and restarted it the month after: after a
    20 % antimony outage the price jumped from ×1.0 to ×2.2 for a month (above the outage's
    own peak of ×1.1), and after a magnet ban it alternated ×1.05 / ×2.1 month by month.
    """
    seg = mo.seg[:, j] if mo.any_seg else np.zeros(s.n, dtype=bool)
    a = np.where(seg, mo.a_out[:, j], mo.a_world[:, j]) + mo.draw[:, j]
    b = np.where(seg, mo.b_out[:, j], mo.b_world[:, j]) + mo.restock[:, j] + bought
    return restock_room(a, b, cap_factor(s.eps_s[:, j], s.eps_d[:, j], np.asarray(below)))


def late_release_step(s: Static, st: State, mo: Month) -> None:
    """Price-triggered stockpiles whose served market cleared above the trigger this month,
    without a release open, release now, and that market is cleared again with it.

    Methodology §7. NOTE: the trigger in :func:`stocks_step` reads last month's price (the
    release must be known before the market clears), so a stock held back for a price
    spike opened a month late: in ``stockpile_response`` the US stock (trigger 2x) released
    the month after Japan's ran out, and the magnet price stood at 3.2x for that month, above
    the 2.2x of the same controls without any stockpile.
    """
    sp = s.stockpiles
    if not s.ns or not sp.price_trigger.any():
        return
    _trim_to_trigger(s, st, mo)
    resid = np.maximum(mo.gap - mo.draw - mo.rel_m, 0.0)  # gap the releases left open
    for s_, targets in enumerate(s.serve_list):
        if not sp.price_trigger[s_]:
            continue
        avail = st.level[:, s_] * 12.0
        fired = np.zeros(s.n, dtype=bool)
        for j, conv in targets:
            late = ~st.releasing[:, s_] & (mo.p_o[:, j] > sp.price_multiple[s_]) & (resid[:, j] > 0)
            if not late.any():
                continue
            room = _release_room(s, mo, j, sp.price_multiple[s_], mo.rel_m[:, j], mo.buy_m[:, j])
            want = np.minimum(sp.max_share[s_] * resid[:, j], room)
            r_ = stockpile_release(avail, want / conv, 1.0, late)
            avail = avail - r_
            resid[:, j] -= r_ * conv
            mo.rel_m[:, j] += r_ * conv
            _clear_again(s, mo, j, r_ * conv, late)
            fired |= late
        st.level[:, s_] = np.where(fired, avail / 12.0, st.level[:, s_])
        st.releasing[:, s_] |= fired
    st.stock_min = np.minimum(st.stock_min, st.level)


def _trim_to_trigger(s: Static, st: State, mo: Month) -> None:
    """Take back the part of a price-triggered stockpile's release that cleared its market
    below the trigger, or add what keeps it from clearing above it, and clear that market
    again [fraction of Q0 per year].

    NOTE: the release of an open episode is sized before the market clears, from last
    month's flows; the holders' flows of this month (§6a: the precautionary hoard drawn as
    working stock thins) then add supply too, and the price fell below the trigger the stock
    defends: in ``stockpile_response`` the US stock (trigger ×2) took the magnet price from
    ×2.0 to ×1.87 the month after it opened. With all of the month's flows known, the stock
    releases ``r' = min(r, B·c^{ε_d−ε_s} − (A − r))`` at the cleared zone's base-price supply
    ``A`` and demand ``B`` (the same room as :func:`_release_room`), and keeps the rest.
    Where the month's flows left the price above the trigger instead (working stock leaves a
    small gap to the price, §6), the open episode releases up to that room more, within its
    share of the gap and the stock it holds.
    """
    sp = s.stockpiles
    for (s_, j), r_ in mo.rel_band.items():
        trigger = sp.price_multiple[s_]
        below = (r_ > 0) & (mo.p_o[:, j] < trigger)
        above = (r_ > 0) & (mo.p_o[:, j] > trigger) & (st.level[:, s_] > 0)
        if not (below.any() or above.any()):
            continue
        need = _supply_to_clear_at(s, j, trigger, mo.a_eff[:, j] - r_, mo.b_eff[:, j])
        conv = dict(s.serve_list[s_])[j]
        # NOTE: the same month's flows can also leave the price above the trigger (working
        # stock leaving a small gap to the price, §6, draws the hoard less): the open episode
        # then releases more, up to its share of the gap still open and the stock left.
        resid = np.maximum(mo.gap[:, j] - mo.draw[:, j] - mo.rel_m[:, j], 0.0)
        # the episode's whole release stays within its share of the gap it met (r_ + resid)
        cap = np.maximum(sp.max_share[s_] * (resid + r_) - r_, 0.0)
        more = np.minimum(np.maximum(need - r_, 0.0), cap)
        more = np.where(above, np.minimum(more, st.level[:, s_] * 12.0 * conv), 0.0)
        back = np.where(below, np.maximum(r_ - need, 0.0), 0.0) - more
        if not (back != 0).any():
            continue
        st.level[:, s_] += back / conv / 12.0
        mo.rel_m[:, j] -= back
        _clear_again(s, mo, j, -back, back != 0)
        if mo.stock_min_before is not None:
            st.stock_min = np.minimum(mo.stock_min_before, st.level)


def _clear_again(s: Static, mo: Month, j: int, add: F, rows: Any) -> None:
    """Clear market ``j`` again in ``rows`` with ``add`` more supply in the zone it cleared in
    (the outside where segmented, else the world)."""
    a = mo.a_eff[:, j] + add
    cl = clear_columns(s, j, a, mo.b_eff[:, j])
    unified = rows & ~mo.seg[:, j] if mo.any_seg else rows
    for out, new, where in (
        (mo.p_o, cl.price, rows),
        (mo.mult_o, cl.supply_multiplier, rows),
        (mo.ration_o, cl.ration, rows),
        (mo.p_c, cl.price, unified),
        (mo.mult_c, cl.supply_multiplier, unified),
        (mo.ration_c, cl.ration, unified),
    ):
        out[:, j] = np.where(where, new, out[:, j])
    mo.a_eff[:, j] = np.where(rows, a, mo.a_eff[:, j])


def home_draw(s: Static, st: State, mo: Month, sc: I) -> tuple[F, F]:
    """China's home-stock draw and build-up in the segmented markets ``sc`` against China's
    own gap [fraction of Q0 per year] (methodology §6)."""
    gap_c = mo.b_c[:, sc] - mo.a_chn[:, sc]
    ic = st.inv_c[:, sc]
    # the supply-of-storage taper of working stock (§6), against China's normal stock
    theta = s.theta[sc]
    if s.kept_gap[sc].any():
        theta = draw_share(gap_c, mo.b_c[:, sc], theta, s.kept_gap[sc])
    share = theta * fill_taper(ic, st.inv_c0[:, sc], s.taper[sc])
    draw_c = np.where(gap_c > 0, np.minimum(ic * 12.0, share * gap_c), 0.0)
    stock_c = np.where(
        gap_c < 0, np.minimum((st.inv_c_max[:, sc] - ic) * 12.0, s.theta[sc] * -gap_c), 0.0
    )
    return draw_c, np.maximum(stock_c, 0.0)


def home_stocks_return(s: Static, st: State, mo: Month) -> None:
    """Return China's home stocks above base to the world's stocks where no control segments.

    NOTE: stocks China built at home while segmented (above its base level) are export stock:
    once the control lifts (or is suspended) they rejoin the world's commercial stocks instead
    of staying stranded. Before this, the world market reopened with empty outside stocks and
    China's inside price spiked above the no-control path afterwards (methodology §6).
    """
    if not s.k:
        return
    lk_ = s.link_cols
    sl = mo.seg[:, lk_]
    # NOTE: only a control that has ended (or is suspended) releases the stock: in a month
    # where a control in force does not bind (the outside price fell to China's), the
    # exporters keep what waits for a licence. Returning it then dumped months of withheld
    # volume on the world in one month (magnets in stockpile_response: both prices at ×0.5
    # in November 2027 when a US stockpile release had lowered the outside price, then the
    # control bound again).
    live = (mo.seg_cut | mo.seg_exp)[:, lk_] if mo.any_seg else sl
    ic, ic0 = st.inv_c[:, lk_], st.inv_c0[:, lk_]
    back_home = np.where(live, 0.0, np.maximum(ic - ic0, 0.0))
    st.inv[:, lk_] += back_home  # inv is this month's fresh array
    st.inv_c[:, lk_] = ic - back_home
    st.inv_c_max[:, lk_] = np.where(
        sl,
        st.inv_c_max[:, lk_] + mo.v_exp[:, lk_] / 12.0,
        np.where(live, st.inv_c_max[:, lk_], np.maximum(2.0 * ic0, ic - back_home)),
    )
