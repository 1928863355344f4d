"""Per-row KPI accumulators: peaks, minima, end values, disrupted months, cumulative
shortfall, floor money by calendar year, stockpile days used."""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.inputs import F
from mineral_briefs.model.state import Month, State, Static

TWICE_BASE: float = 2.0
"""Price multiple counted by ``months_at_twice_base_outside`` [x P0]."""

_AT_TWICE: float = TWICE_BASE * (1.0 - 1e-4)
"""The count's threshold, a rounding margin below ×2: a price a stockpile holds at its ×2
trigger (methodology §7) clears at ×1.99998–×2.00002 month by month, and a strict test counted
one month of a year the chart shows at ×2.0 (``stockpile_response``)."""


def init_totals(s: Static) -> dict[str, F]:
    """The accumulators at the horizon start, (N, M) unless named ``*_by_year``."""
    n, m = s.n, s.m
    n_years = s.spec.n_years(s.t_months)
    tot = {
        "peak_price_outside": np.zeros((n, m)),
        "peak_price_alliance": np.zeros((n, m)),
        "peak_price_inside": np.zeros((n, m)),
        "min_price_outside": np.full((n, m), np.inf),
        "min_price_alliance": np.full((n, m), np.inf),
        "min_price_inside": np.full((n, m), np.inf),
        "end_price_outside": np.zeros((n, m)),
        "end_price_alliance": np.zeros((n, m)),
        "end_price_inside": np.zeros((n, m)),
        "pre_end_price_outside": np.zeros((n, m)),
        "pre_end_price_alliance": np.zeros((n, m)),
        "pre_end_price_inside": np.zeros((n, m)),
        "pre_end_shortfall_t_per_year": np.zeros((n, m)),
        "peak_month_outside": np.zeros((n, m)),
        "months_at_twice_base_outside": np.zeros((n, m)),
        "first_disrupted": np.full((n, m), -1.0),
        "last_disrupted": np.full((n, m), -1.0),
        "cum_shortfall_t": np.zeros((n, m)),
        "cum_reference_t": np.zeros((n, m)),
        "max_shortfall_t_per_year": np.zeros((n, m)),
        "end_shortfall_t_per_year": np.zeros((n, m)),
        "tariff_revenue_usd": np.zeros((n, m)),
        "consumer_cost_usd": np.zeros((n, m)),
        "fiscal_cost_usd": np.zeros((n, m)),
        "tariff_revenue_usd_by_year": np.zeros((n, n_years, m)),
        "consumer_cost_usd_by_year": np.zeros((n, n_years, m)),
        "fiscal_cost_usd_by_year": np.zeros((n, n_years, m)),
        "stockpile_days_used": np.zeros((n, m)),
        "end_supply_alliance": np.zeros((n, m)),
        "end_demand_alliance": np.zeros((n, m)),
        "end_demand_world": np.zeros((n, m)),
    }
    if s.spec.keep_price_outside:
        # NOTE: stored month-major (T, N, M) so that each month writes (and the reference
        # run's reader reads) one contiguous block; the (N, T, M) view is what callers see.
        tot["price_outside_path"] = np.zeros((s.t_months, n, m), s.fdt).transpose(1, 0, 2)
    if s.nf:
        # running sums of the current calendar year, flushed into ``*_by_year`` at the year's
        # end: the same additions in the same order as adding into the (N, Y, M) slice
        # directly, without the strided read-modify-write of that slice every month
        for name in _MONEY:
            tot[name + "_this_year"] = np.zeros((n, m))
    return tot


_MONEY: tuple[str, ...] = ("tariff_revenue_usd", "consumer_cost_usd", "fiscal_cost_usd")


def accumulate_step(s: Static, mo: Month, tot: dict[str, F]) -> None:
    """Book the month into the accumulators, in place (no new (N, M) arrays per month).

    Methodology §12 (KPIs: peak, recovery, cumulative shortfall, floor money flows).
    """
    i, p_o, p_a, p_c, spec = mo.i, mo.p_o, mo.p_a, mo.p_c, s.spec
    if spec.keep_price_outside:
        tot["price_outside_path"][:, i, :] = p_o
    if spec.price_path_only:
        return
    # NOTE: the peak month is the first month of the highest price; a rise smaller than
    # 1e-6 (float32 rounding of the draws) does not move it, so a flat top keeps its first
    # month.
    np.putmask(tot["peak_month_outside"], p_o > tot["peak_price_outside"] * (1.0 + 1e-6), i)
    np.maximum(tot["peak_price_outside"], p_o, out=tot["peak_price_outside"])
    # NOTE: how long the price stays high, beside how high it peaks: a one-month spike and a
    # year at the same peak read alike from the peak alone (the answer box quotes both)
    tot["months_at_twice_base_outside"] += p_o >= _AT_TWICE
    np.maximum(tot["peak_price_alliance"], p_a, out=tot["peak_price_alliance"])
    np.maximum(tot["peak_price_inside"], p_c, out=tot["peak_price_inside"])
    np.minimum(tot["min_price_outside"], p_o, out=tot["min_price_outside"])
    np.minimum(tot["min_price_alliance"], p_a, out=tot["min_price_alliance"])
    np.minimum(tot["min_price_inside"], p_c, out=tot["min_price_inside"])
    # NOTE: disrupted = scarcity: the outside price above (1 + tol) × its no-shock level
    # (the same row without the export controls; a market with rising demand has a rising
    # no-shock price) or the outside shortfall above tol × outside demand at the base price.
    # A price below its no-shock level is a glut, not a supply disruption.
    ref_p = 1.0 if s.reference_price is None else s.reference_price[:, i, :]
    dis = (p_o > (1.0 + spec.price_tolerance) * ref_p) | (mo.u_o > spec.shortfall_tolerance)
    np.putmask(tot["first_disrupted"], (tot["first_disrupted"] < 0) & dis, i)
    np.putmask(tot["last_disrupted"], dis, i)
    short_t = mo.short * s.q0
    tot["cum_shortfall_t"] += short_t / 12.0
    tot["cum_reference_t"] += mo.ref_o * (s.q0 / 12.0)
    np.maximum(tot["max_shortfall_t_per_year"], short_t, out=tot["max_shortfall_t_per_year"])
    if s.nf:
        yr = (spec.start_month - 1 + i) // 12
        year_ends = i == s.t_months - 1 or (spec.start_month + i) % 12 == 0
        for name, flow in zip(_MONEY, (mo.rev_m, mo.cons_m, mo.fisc_m), strict=True):
            tot[name] += flow
            this_year = tot[name + "_this_year"]
            this_year += flow
            if year_ends:
                tot[name + "_by_year"][:, yr, :] += this_year
                this_year[...] = 0.0
    _end_values(s, mo, tot, short_t)


def _end_values(s: Static, mo: Month, tot: dict[str, F], short_t: F) -> None:
    """Keep the last two months' prices and shortfall, and the end-of-horizon flows [t/yr]."""
    if mo.i == s.t_months - 2:
        tot["pre_end_price_outside"] = mo.p_o.astype(float)
        tot["pre_end_price_alliance"] = mo.p_a.astype(float)
        tot["pre_end_price_inside"] = mo.p_c.astype(float)
        tot["pre_end_shortfall_t_per_year"] = short_t.astype(float)
    if mo.i == s.t_months - 1:
        q0 = s.q0
        tot["end_price_outside"] = mo.p_o.astype(float)
        tot["end_price_alliance"] = mo.p_a.astype(float)
        tot["end_price_inside"] = mo.p_c.astype(float)
        tot["end_shortfall_t_per_year"] = short_t.astype(float)
        # NOTE: the last month's shortfall share of outside demand at the base price, and the
        # share that has moved to substitutes (X < 1, methodology §4a, §10): what is left of a
        # shortfall once the price is back is mostly the latter, which returns only gradually.
        tot["end_shortfall_share"] = mo.u_o.astype(float)
        tot["end_substituted_share"] = np.maximum(1.0 - mo.x_o, 0.0).astype(float)
        tot["end_supply_alliance"] = mo.sup_a * q0
        tot["end_demand_alliance"] = mo.dem_a * q0
        tot["end_demand_world"] = (mo.dem_c + mo.dem_a + mo.dem_r) * q0


def finish_totals(s: Static, st: State, tot: dict[str, F]) -> None:
    """Stockpile days used, per stockpile and per market (methodology §7, §12).

    NOTE: per stockpile, days of its holder's own demand; per market, days of the holders'
    combined demand (a volume ratio: two 60-day stocks used up are 60 days, not 120).
    """
    for name in _MONEY:
        tot.pop(name + "_this_year", None)  # flushed into ``*_by_year`` already
    if not s.ns:
        return
    sp = s.stockpiles
    used_vol = sp.level0 - st.stock_min  # [years of Q0]
    tot["stockpile_days_used_each"] = used_vol * 365.0 / np.maximum(sp.holder_share, 1e-12)
    holders = np.maximum(sp.holder_share @ s.e_stock, 1e-12)
    tot["stockpile_days_used"] = (used_vol @ s.e_stock) * 365.0 / holders
