"""Clearing the month: one world price (unified), or China's zone and the outside cleared
apart where an export control separates them (segmented: the price wedge)."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.clearing import clear_columns
from mineral_briefs.model.state import Month, State, Static
from mineral_briefs.model.stocks import home_draw, home_stocks_return


def clearing_step(s: Static, st: State, mo: Month) -> None:
    """Prices ``p_o``, ``p_c`` [x P0], supply multipliers ``mult_o``, ``mult_c``, rationing
    ``ration_o``, ``ration_c`` and the supply/demand the outside cleared at (``a_eff``,
    ``b_eff``); refines the segmentation mask ``seg`` and China's home stocks.

    Methodology §4 (closed-form clearing) and §5 (unified vs segmented clearing).
    """
    a_u = mo.a_world + mo.draw + mo.rel_m
    b_u = mo.b_world + mo.restock + mo.buy_m
    cu = clear_columns(s, slice(None), a_u, b_u)
    mo.p_o, mo.mult_o, mo.ration_o = cu.price, cu.supply_multiplier, cu.ration
    mo.p_c, mo.mult_c, mo.ration_c = mo.p_o, mo.mult_o, mo.ration_o
    mo.a_eff, mo.b_eff = a_u, b_u
    if mo.any_seg:
        _segmented(s, st, mo, a_u, b_u)
    home_stocks_return(s, st, mo)


def _segmented(s: Static, st: State, mo: Month, a_u: np.ndarray, b_u: np.ndarray) -> None:
    """Clear the outside and China's zone apart where a control separates them."""
    seg = mo.seg
    # only the markets with a separating control in some row are cleared twice
    sc = np.flatnonzero(seg.any(axis=0))
    sg = seg[:, sc]
    a_so = (mo.a_out + mo.draw + mo.rel_m)[:, sc]
    b_so = (mo.b_out + mo.restock + mo.buy_m)[:, sc]
    co = clear_columns(s, sc, a_so, b_so)
    ic = st.inv_c[:, sc]
    draw_c, stock_c = home_draw(s, st, mo, sc)
    cc = clear_columns(s, sc, mo.a_chn[:, sc] + draw_c, mo.b_c[:, sc] + stock_c)
    # NOTE: China's own control is a cap on exports, not a fixed export volume. It binds
    # (complementarity) only where the segmented outside price is at least the inside
    # price, i.e. China would export more than the quota at a unified price; otherwise
    # the zones stay unified. Fixing exports at (1 − w)·X0 regardless pushed volume out
    # of China when the world wanted less and kept China's price above the no-control
    # path (a control that withheld nothing froze China at P0).
    sg = sg & (mo.seg_cut[:, sc] | (co.price >= cc.price))
    seg[:, sc] = sg
    st.inv_c[:, sc] = np.where(sg, ic + (stock_c - draw_c) / 12.0, ic)
    # the unified results are this month's own arrays: overwrite the outside zone in
    # place, copy only China's
    p_o, mult_o, ration_o = mo.p_o, mo.mult_o, mo.ration_o
    p_c, mult_c, ration_c = p_o.copy(), mult_o.copy(), ration_o.copy()
    p_o[:, sc] = np.where(sg, co.price, p_o[:, sc])
    mult_o[:, sc] = np.where(sg, co.supply_multiplier, mult_o[:, sc])
    ration_o[:, sc] = np.where(sg, co.ration, ration_o[:, sc])
    p_c[:, sc] = np.where(sg, cc.price, p_c[:, sc])
    mult_c[:, sc] = np.where(sg, cc.supply_multiplier, mult_c[:, sc])
    ration_c[:, sc] = np.where(sg, cc.ration, ration_c[:, sc])
    mo.p_c, mo.mult_c, mo.ration_c = p_c, mult_c, ration_c
    mo.a_eff[:, sc] = np.where(sg, a_so, a_u[:, sc])
    mo.b_eff[:, sc] = np.where(sg, b_so, b_u[:, sc])
