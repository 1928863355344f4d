"""Flags and notes of one KPI value: the central value outside its band, a peak on the numerical
guard or still rising at the horizon, an open disruption, who bears a money KPI, and the
project size behind a project count (the ``flags`` and ``note`` columns of ``Results.kpis``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mineral_briefs.model.clearing import MIN_PRICE_MULTIPLE

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.engine.build import _Built
    from mineral_briefs.engine.kpis import _KpiContext

MONEY_PAYERS: dict[str, str] = {
    "tariff_revenue_usd": "collected by alliance governments on imports, paid by alliance buyers",
    "consumer_cost_usd": "borne by alliance consumers (the levy on what they buy)",
    "fiscal_cost_usd": "borne by alliance taxpayers",
}
"""Who bears each money KPI (stated in its note)."""
BAND_TOLERANCE: float = 1e-4
"""Relative slack of the ``outside_band`` test [-]: the draws run in float32, so a central
value equal to every draw can differ from them by rounding (~1e-6 relative)."""
FLAT_TOLERANCE: float = 1e-6
"""Relative price rise below which a path counts as flat (no peak month) [-]; above the
float32 rounding of the draws (~1e-7), far below any price move a brief reports."""
GUARD_TOLERANCE: float = 1e-6
"""Relative distance to the choke price under which a price counts as on the guard [-]."""
PEAK_ZONE: dict[str, str] = {
    "peak_price_multiple_outside": "outside",
    "peak_price_multiple_alliance": "alliance",
    "peak_price_multiple_inside": "inside",
    "peak_month_outside": "outside",
}
"""Peak KPIs -> the price zone whose central path the guard and end-of-horizon tests read."""
TROUGH_KPIS: tuple[str, ...] = ("min_price_multiple_inside",)
"""Lowest-price KPIs: flagged ``at_guard`` on the solver's lowest price."""


def _outside_band(
    kpi: str, val: float, p10: float, p90: float, mc_q: dict[str, np.ndarray]
) -> bool:
    """The central run is not inside the spread of the draws (recovery: "not within the
    horizon" ranks above every number of months)."""
    if kpi == "months_to_recovery" and kpi in mc_q:
        v, lo, hi = (np.inf if np.isnan(x) else x for x in (val, p10, p90))
        return bool(v < lo or v > hi)
    if kpi in mc_q and np.isfinite(p10) and np.isfinite(p90) and np.isfinite(val):
        slack = BAND_TOLERANCE * max(abs(p10), abs(p90), 1e-12)
        return bool(val < p10 - slack or val > p90 + slack)
    return False


def _rising_at_end(peak: float, end: float, before: float) -> bool:
    """The highest value is reached in the last month, and that month is still above the
    one before (a level held flat to the end, e.g. a floor or the choke, is not rising)."""
    return end >= peak * (1.0 - FLAT_TOLERANCE) and end > before * (1.0 + FLAT_TOLERANCE)


def _peak_flags(
    ctx: _KpiContext, j: int, kpi: str, p90: float, flags: list[str], notes: list[str]
) -> None:
    """``at_guard`` (with a note) and ``rising_at_end`` of a peak KPI, from the central path."""
    zone = PEAK_ZONE[kpi]
    choke = ctx.b.markets.choke
    peak = float(ctx.tot[f"peak_price_{zone}"][0, j])
    on_cap = peak >= choke[j] * (1.0 - GUARD_TOLERANCE)
    share_cap = (
        float(np.mean(ctx.mc[f"peak_price_multiple_{zone}"][:, j] >= choke[j] * (1 - 1e-6)))
        if ctx.mc
        else 0.0
    )
    band_cap = kpi != "peak_month_outside" and p90 >= choke[j] * (1 - GUARD_TOLERANCE)
    if on_cap or band_cap:
        flags.append("at_guard")
        where = "the central run" if on_cap else "the upper band"
        notes.append(
            f"{where} sits on the choke price ({choke[j]:.1f}x base price, the model's "
            f"numerical guard, not a finding: demand destruction alone did not clear the "
            f"market below it); {100 * share_cap:.0f} % of draws reach it"
        )
    end = float(ctx.tot[f"end_price_{zone}"][0, j])
    before = float(ctx.tot[f"pre_end_price_{zone}"][0, j])
    if _rising_at_end(peak, end, before):
        flags.append("rising_at_end")


def _floor_guard_flags(
    ctx: _KpiContext, j: int, kpi: str, val: float, p10: float, flags: list[str], notes: list[str]
) -> None:
    """``at_guard`` of a lowest-price KPI on the solver's lowest price (``MIN_PRICE_MULTIPLE``).

    NOTE: the clearing never returns a price below 0.05x base (methodology §4); a trough on it
    is the guard, not a finding, like a peak on the choke price. A 60 % gallium outage's glut
    sat on it for four months with no flag (2026-12-03 audit).
    """
    if kpi not in TROUGH_KPIS:
        return
    lowest = MIN_PRICE_MULTIPLE * (1.0 + GUARD_TOLERANCE)
    on_floor, band_floor = val <= lowest, p10 <= lowest
    if on_floor or band_floor:
        flags.append("at_guard")
        share = float(np.mean(ctx.mc[kpi][:, j] <= lowest)) if ctx.mc and kpi in ctx.mc else 0.0
        where = "the central run" if on_floor else "the lower band"
        notes.append(
            f"{where} sits on the lowest price the model returns ({MIN_PRICE_MULTIPLE:.2f}x base "
            f"price, a numerical guard, not a finding); {100 * share:.0f} % of draws reach it"
        )


def _recovery_flags(ctx: _KpiContext, j: int, kpi: str, flags: list[str], notes: list[str]) -> None:
    """``open_at_horizon``: the disruption has not ended by the end of the horizon (with the
    recovery KPI's notes: not within the horizon, share of draws still disrupted)."""
    rec_open = not np.isfinite(ctx.central["months_to_recovery"][0, j])
    if rec_open and kpi in (
        "months_to_recovery",
        "cumulative_shortfall_t",
        "cumulative_shortfall_pct",
    ):
        flags.append("open_at_horizon")
    if kpi == "months_to_recovery" and rec_open:
        notes.insert(0, f"not within the horizon (ends {ctx.end_label})")
    if kpi == "months_to_recovery" and ctx.mc is not None:
        open_share = float(np.mean(np.isnan(ctx.mc["months_to_recovery"][:, j])))
        if open_share > 0:
            notes.append(f"still disrupted at the horizon end in {100 * open_share:.0f} % of draws")


def _money_note(ctx: _KpiContext, j: int, kpi: str, notes: list[str]) -> None:
    """A money KPI's period and who bears it."""
    base = kpi.removesuffix("_per_year")
    if base not in MONEY_PAYERS:
        return
    if kpi.endswith("_per_year"):
        by_year = ctx.tot[f"{base}_by_year"][0, :, j]
        if np.any(by_year != 0):
            yr = ctx.year0 + int(np.argmax(by_year))
            period = f"peak calendar year {yr} (in the horizon {ctx.horizon})"
        else:
            period = f"per calendar year, none in the horizon {ctx.horizon}"
    else:
        period = f"cumulative {ctx.horizon}"
    notes.append(f"{period}; {MONEY_PAYERS[base]}")


def _project_notes(b: _Built, j: int, kpi: str, val: float, notes: list[str]) -> None:
    """Why a project count is NaN, and the sourced project size it uses."""
    if kpi == "projects_needed" and not np.isfinite(val):
        notes.append(b.kpi_notes.get((j, "project_size_t_per_year"), ""))
    if kpi in ("projects_needed", "project_size_t_per_year") and b.project_size_src:
        if b.project_size_src[j]:
            size = float(b.project_size_t[j])
            notes.append(f"typical project {size:,.0f} t/yr, source {b.project_size_src[j]}")
