"""Partial adjustment at the end of the month: capacity (K) and demand-substitution (X)
states move toward their long-run targets; capacity reacts to the price of L months ago."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.clearing import side_elasticity
from mineral_briefs.model.inputs import F
from mineral_briefs.model.state import Month, State, Static


def build_price(lag: F, now: F) -> F:
    """Log price that capacity expands on: the decision price of ``L`` months ago, but no
    more than today's price above the base (``min(ln P(t−L), max(ln P(t), 0))`` where
    ``ln P(t−L) > 0``; the lagged price where it is at or below the base) [-].

    NOTE: with time to build, a project decided on a high price is finished only while the
    price still pays for it; developers defer or suspend construction when it falls (Majd &
    Pindyck 1987, "Time to build, option value, and investment decisions"). Capacity that
    kept growing on the price of 18 months ago after a one-year outage had ended doubled
    gallium's capacity and crashed its price to 0.07x the base for half a year (methodology
    §3).
    """
    return np.where(lag > 0.0, np.minimum(lag, np.maximum(now, 0.0)), lag)


def adjust_step(s: Static, st: State, mo: Month) -> None:
    """Update ``st.lk_o``, ``st.lk_c``, ``st.lx_o``, ``st.lx_c`` (log states), the lag ring
    and last month's outside price ``st.prev_po``.

    Methodology §3 (Nerlove partial adjustment; idle capacity restarts at today's price).
    """
    i, n_ring, lp_o, lp_c = mo.i, s.n_ring, mo.lp_o, mo.lp_c
    st.prev_po = mo.p_o
    # NOTE: lagged supply response: capacity reacts to the price of L months ago (projects
    # take `capacity_lag_months` to build), demand substitution (X) to today's price.
    st.ring_o[i % n_ring], st.ring_c[i % n_ring] = lp_o, lp_c
    back = i - s.markets.capacity_lag_months  # (M,)
    if s.uniform_lag:  # one lag for every market: a view of the ring, no gather
        lag_o = st.ring_o[back[0] % n_ring] if back[0] >= 0 else s.zeros
        lag_c = st.ring_c[back[0] % n_ring] if back[0] >= 0 else s.zeros
    else:
        slot = back % n_ring
        lag_o = np.where(back >= 0, st.ring_o[slot, :, s.cols].T, 0.0)
        lag_c = np.where(back >= 0, st.ring_c[slot, :, s.cols].T, 0.0)
    # NOTE: capacity below trend is idle (mothballed), not destroyed: it restarts as soon
    # as today's price covers it, K ≥ min(P_t, 1)^{Δε_s}. Closures decided on the low price
    # of L months ago no longer land after the price has recovered (they made China's price
    # jump above the no-control path after a control, and the whole world's after a glut).
    alpha, d_eps_s, d_eps_d, lk_max = s.alpha, s.d_eps_s, s.d_eps_d, s.lk_max
    # NOTE: below the base price, capacity on a cost curve is not idled by the elasticity:
    # the curve's exits idle it, high-cost first (s.d_eps_s_down is 0 there; §19).
    dn = s.d_eps_s_down
    lag_o, lag_c = build_price(lag_o, lp_o), build_price(lag_c, lp_c)
    tgt_o = side_elasticity(lag_o, d_eps_s, dn) * lag_o
    tgt_c = side_elasticity(lag_c, d_eps_s, dn) * lag_c
    d_low = d_eps_s if dn is None else dn
    lk_o = np.minimum(st.lk_o + alpha * (tgt_o - st.lk_o), lk_max)
    st.lk_o = np.maximum(lk_o, d_low * np.minimum(lp_o, 0.0))
    lk_c = np.minimum(st.lk_c + alpha * (tgt_c - st.lk_c), lk_max)
    st.lk_c = np.maximum(lk_c, d_low * np.minimum(lp_c, 0.0))
    # NOTE: substitution X keeps the memory of the full price, also above the demand-
    # destruction threshold P* (methodology §4a): substitution forced by an extreme price
    # persists after it falls (thrifting is not undone). Above P* the long-run response is
    # therefore ε_dd + Δε (steeper than ε_LR) — a stated limitation. Stopping X at P* instead
    # let outside demand rebound after a control and lifted China's later price.
    st.lx_o = st.lx_o + alpha * (d_eps_d * lp_o - st.lx_o)
    st.lx_c = st.lx_c + alpha * (d_eps_d * lp_c - st.lx_c)
