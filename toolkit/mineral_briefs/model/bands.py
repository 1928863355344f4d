"""Monthly outputs: full paths of the path rows and P10/P50/P90 bands over the Monte Carlo
rows, computed by one in-place partition of a reused buffer per month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineral_briefs.model.inputs import (
    BAND_DRAWS_MAX,
    MODE_CHINA_CUT,
    MODE_CHINA_EXPORT,
    PATH_VARIABLES,
    F,
    I,
)
from mineral_briefs.model.state import Month, State, Static
from mineral_briefs.model.uncertainty import QUANTILES


@dataclass
class Recorder:
    """Path and band arrays and the plan of the band buffer."""

    paths: dict[str, F]
    """name -> (T, n_path, M)."""
    bands: dict[str, F]
    """name -> (T, 3, M)."""
    band_rows: slice
    n_mc: int
    plan_at: dict[str, tuple[int, I]]
    """Series name -> (first buffer row, market columns it holds)."""
    alias: dict[str, str]
    scaled: dict[str, F]
    band_buf: F
    q_lo: I
    q_hi: I
    q_frac: F
    q_kth: I


def init_recorder(s: Static) -> Recorder:
    """Allocate paths, bands and the band buffer; plan which series the buffer holds.

    NOTE: band quantiles by one in-place partition of a reused (series, B) buffer at the
    order statistics that linear interpolation needs (numpy's default "linear" method),
    instead of np.quantile on a freshly stacked copy every month. Series that are equal by
    construction are partitioned once: China's price differs from the outside price only
    in markets a control can separate, the alliance's only under a floor, stockpiles are
    zero without one, and the two shortfall shares are fixed fractions of the shortfall.
    """
    m, t_months, n_path = s.m, s.t_months, s.n_path
    n_mc = s.n - n_path
    # NOTE: monthly bands use the first BAND_DRAWS_MAX Monte Carlo rows: draws are i.i.d., so
    # this is an unbiased subsample; the partition per month is the costliest step at 10^4
    # draws. KPI quantiles always use every draw.
    band_rows = slice(n_path, n_path + min(n_mc, BAND_DRAWS_MAX))
    n_band = band_rows.stop - band_rows.start
    all_cols = np.arange(m)
    mode = s.controls.link_mode
    seg_links = (mode == MODE_CHINA_EXPORT) | (mode == MODE_CHINA_CUT)
    own_cols = {
        "price_china": np.unique(s.controls.link_market[seg_links]),
        "price_alliance": np.unique(s.floors.market),
        "stockpile": np.unique(s.stockpiles.market),
    }
    alias = {"price_china": "price_row", "price_alliance": "price_row"}
    scaled = {"shortfall_alliance": s.alliance_part, "shortfall_row": 1.0 - s.alliance_part}
    plan: list[tuple[str, I]] = []
    for v in s.band_variables:
        if v in scaled:
            plan.append(("shortfall", all_cols))
        else:
            plan.append((v, own_cols.get(v, all_cols)))
            if v in alias:
                plan.append((alias[v], all_cols))
    plan = list(dict((name, bc) for name, bc in plan).items())
    plan_off = np.cumsum([0] + [c.size for _, c in plan])
    q_pos = np.asarray(QUANTILES) * (n_band - 1)
    q_lo = np.floor(q_pos).astype(np.int64)
    q_hi = np.minimum(q_lo + 1, max(n_band - 1, 0))
    return Recorder(
        paths={v: np.zeros((t_months, n_path, m)) for v in PATH_VARIABLES},
        bands={v: np.zeros((t_months, 3, m)) for v in s.band_variables},
        band_rows=band_rows,
        n_mc=n_mc,
        plan_at={name: (int(plan_off[j]), bc) for j, (name, bc) in enumerate(plan)},
        alias=alias,
        scaled=scaled,
        band_buf=np.empty((int(plan_off[-1]), max(n_band, 1)), s.fdt),
        q_lo=q_lo,
        q_hi=q_hi,
        q_frac=(q_pos - q_lo).astype(s.fdt),
        q_kth=np.unique(np.concatenate([q_lo, q_hi])),
    )


def record_step(s: Static, st: State, mo: Month, rec: Recorder) -> None:
    """Store the month's path rows and band quantiles (methodology §11 and §13)."""
    if not mo.full:
        return
    short = mo.short
    step = {
        "price_china": mo.p_c,
        "price_alliance": mo.p_a,
        "price_row": mo.p_o,
        "supply_china": mo.sup_c,
        "supply_alliance": mo.sup_a,
        "supply_row": mo.sup_r,
        "demand_china": mo.dem_c,
        "demand_alliance": mo.dem_a,
        "demand_row": mo.dem_r,
        "shortfall": short,
        "shortfall_alliance": short * s.alliance_part,
        "shortfall_row": short * (1.0 - s.alliance_part),
        "exports_china": mo.exports,
        "inventory": st.inv,
        "inventory_china": st.inv_c,
        "stockpile": mo.stock_m,
        "stockpile_release": mo.rel_m,
        "floor_member_demand": mo.fdem_m,
        "floor_imports": mo.fimp_m,
        "tariff_revenue_usd": mo.rev_m,
        "consumer_cost_usd": mo.cons_m,
        "fiscal_cost_usd": mo.fisc_m,
        "supply_world": mo.sup_c + mo.sup_a + mo.sup_r,
        "demand_world": mo.dem_c + mo.dem_a + mo.dem_r,
    }
    for v in PATH_VARIABLES:
        rec.paths[v][mo.i] = step[v][: s.n_path]
    if s.band_variables and rec.n_mc > 0:
        _band_quantiles(s, mo.i, rec, step)
    elif s.band_variables:  # no Monte Carlo rows: the bands collapse onto the first row
        for v in s.band_variables:
            rec.bands[v][mo.i] = np.broadcast_to(step[v][:1], (3, s.m))


def _band_quantiles(s: Static, i: int, rec: Recorder, step: dict[str, F]) -> None:
    """P10/P50/P90 of month ``i`` over the band rows by one partition of the buffer."""
    m, band_buf = s.m, rec.band_buf
    for name, (off, bcols) in rec.plan_at.items():
        src = step[name][rec.band_rows]
        band_buf[off : off + bcols.size] = (src if bcols.size == m else src[:, bcols]).T
    band_buf.partition(rec.q_kth, axis=-1)
    lo, hi = band_buf[:, rec.q_lo], band_buf[:, rec.q_hi]  # (series, 3)
    q = (lo + rec.q_frac * (hi - lo)).T  # (3, series)
    for v in s.band_variables:
        out = rec.bands[v][i]
        if v in rec.scaled:
            off = rec.plan_at["shortfall"][0]
            out[:] = q[:, off : off + m] * rec.scaled[v]
            continue
        off, bcols = rec.plan_at[v]
        if bcols.size == m:
            out[:] = q[:, off : off + m]
            continue
        if v in rec.alias:
            off_a = rec.plan_at[rec.alias[v]][0]
            out[:] = q[:, off_a : off_a + m]
        else:
            out[:] = 0.0
        out[:, bcols] = q[:, off : off + bcols.size]
