"""Stocks in the month: commercial inventories, China's home stocks while a control segments
the market, and strategic stockpiles serving their stage chain."""

from __future__ import annotations

from typing import Any

import numpy as np

from mineral_briefs.model.holders import holders_month, price_trend
from mineral_briefs.model.inputs import F, I
from mineral_briefs.model.policy import stockpile_refill, stockpile_release
from mineral_briefs.model.state import Month, State, Static


def stocks_step(s: Static, st: State, mo: Month) -> None:
    """Private stock release/absorption ``draw``, ``restock`` (commercial, precautionary and
    speculative holders, :mod:`mineral_briefs.model.holders`) and strategic release/purchase
    ``rel_m``, ``buy_m`` against the zone gap, before prices move [fraction of Q0 per year].

    Methodology §6 (private holders) and §7 (strategic stockpiles).
    """
    gap = mo.gap
    rules = s.holder_rules
    lp_prev = np.log(st.prev_po)
    st.trend = price_trend(st.trend, lp_prev - st.lp_prev, rules.speculative_build_months)
    st.lp_prev = lp_prev
    cover = (s.d_a + s.d_r) * mo.g * mo.x_o / 12.0  # one month of outside demand [yr of Q0]
    stocks = (st.inv, st.prec, st.spec)
    args = (stocks, st.inv_max, cover, mo.alert, st.trend, rules, mo.pull_m, mo.seg, lp_prev)
    # NOTE: where a control may segment the market, the holders' decision is computed for
    # both outcomes (against the outside gap and against the world gap); clearing keeps the
    # one that matches the regime it settles on. Deciding on the outside gap and then
    # clearing unified put the outside shortfall's stock release on the whole world market.
    flows_w, mo.levels_w = holders_month(mo.b_world - mo.a_world, *args)
    mo.draw_w, mo.restock_w = flows_w.release, flows_w.absorb
    if mo.any_seg:
        flows, mo.levels_s = holders_month(gap, *args)
    else:
        flows, mo.levels_s = flows_w, mo.levels_w
    mo.draw, mo.restock = flows.release, flows.absorb
    st.inv, st.prec, st.spec = mo.levels_s
    if s.ns:
        resid = np.maximum(gap + flows.absorb - flows.release, 0.0)  # left after private stocks
        mo.rel_m, mo.buy_m = _stockpiles(s, st, resid, gap > 0)
    else:
        mo.rel_m = mo.buy_m = np.zeros((s.n, s.m), s.fdt)


def _stockpiles(s: Static, st: State, resid: F, short_any: Any) -> tuple[F, F]:
    """Release received by and purchases of each market [fraction of Q0 per year].

    ``resid`` is the gap the private holders left; ``short_any`` marks markets short before
    any stock moved (a stockpile never refills while a market it serves is short, even when
    private stocks cover the gap that month).

    NOTE: a stockpile serves the stage chain: its own market first, then the downstream
    stages of the same mineral (oxide stocks relieve a magnet shortfall through the
    refining→magnet link). Each served market triggers on its own gap (or its own price), and
    stockpiles act in the order listed on the gap the earlier ones left.
    """
    n, sp, level, prev_po = s.n, s.stockpiles, st.level, st.prev_po
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
            r_ = stockpile_release(avail, resid[:, j] / conv, sp.max_share[s_], trig)
            avail = avail - r_
            resid[:, j] -= r_ * conv
            rel_m[:, j] += r_ * conv
            fired |= trig
            short_s |= short_any[:, j]
            p_served = np.maximum(p_served, prev_po[:, j])
        st.releasing[:, s_] = fired
        # refill only while every served market is calm: no gap and a low price
        buy = stockpile_refill(
            level[:, s_], sp.level0[s_], s.refill_rate[s_], p_served, sp.refill_below[s_]
        ) * np.logical_not(fired | short_s)
        level[:, s_] = avail / 12.0 + buy
        buy_m[:, sp.market[s_]] += buy * 12.0
    st.stock_min = np.minimum(st.stock_min, level)
    return rel_m, buy_m


def home_draw(s: Static, st: State, mo: Month, sc: I) -> tuple[F, F]:
    """China's home-stock draw and build-up in the segmented markets ``sc`` against China's
    own gap [fraction of Q0 per year] (methodology §6)."""
    gap_c = mo.b_c[:, sc] - mo.a_chn[:, sc]
    ic = st.inv_c[:, sc]
    # NOTE: China's home stocks draw like commercial stocks (at most 1/τ_c a month); the
    # build-up is the withheld volume waiting in exporters' warehouses, so it is limited
    # only by the room the control creates (no share θ: every unlicensed tonne is stored).
    draw_c = np.clip(gap_c, 0.0, ic * 12.0 / s.holder_rules.draw_months)
    stock_c = np.clip(-gap_c, 0.0, np.maximum(st.inv_c_max[:, sc] - ic, 0.0) * 12.0)
    return draw_c, stock_c


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
    ic, ic0 = st.inv_c[:, lk_], st.inv_c0[:, lk_]
    back_home = np.where(sl, 0.0, np.maximum(ic - ic0, 0.0))
    st.inv[:, lk_] += back_home  # inv is this month's fresh array
    st.inv_c[:, lk_] = ic - back_home
    st.inv_c_max[:, lk_] = np.where(
        sl,
        st.inv_c_max[:, lk_] + mo.v_exp[:, lk_] / 12.0,
        np.maximum(2.0 * ic0, ic - back_home),
    )
