"""Private stockholders outside China: commercial, precautionary and speculative stocks.

Three holders with their own rules replace the single "commercial stocks meet θ of any gap"
rule (methodology §6):

- **commercial** (working stocks, ``inventory_months`` of world demand): drawn when the zone
  is short, but no faster than ``1/τ_c`` of the stock per month, and rebuilt to their normal
  level at the same speed whenever the zone is not short (restocking after a disruption is
  extra demand: China's exports overshoot their prior level once a control lifts);
- **precautionary** (buyers exposed to a control): from the announcement of a control until it
  is lifted (also while it is suspended with a snap-back date) they want ``ΔT_p`` more months
  of cover and build it over ``τ_p`` months — extra demand, so the price moves at once; they
  draw it like working stock while the zone is short, and sell what is above target once the
  alert ends;
- **speculative** (funds and traders): hold ``S_max`` months of demand while last month's price
  rose by more than ``g`` and nothing otherwise, adjusting over ``τ_s`` months — they buy into a
  rising market and sell when the price stops rising, i.e. at the peak.

Units: stocks in years of Q0, flows in fractions of Q0 per year (× 12 per month).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineral_briefs.model.inputs import F, HolderRules


@dataclass
class HolderFlows:
    """This month's stock flows [fraction of Q0 per year]; ``release`` adds to supply and
    ``absorb`` to demand at clearing."""

    release: F
    absorb: F


TREND_TOL: float = 1e-9
"""Smoothed log price change below which speculators see no trend [-]."""
GAP_TOL: float = 1e-12
"""Gap below which a zone counts as balanced [fraction of Q0 per year]."""


def commercial_flow(
    gap: F, inv: F, inv0: F, tau: float, calm: F | bool = True, tau_restock: float | None = None
) -> tuple[F, F]:
    """Commercial draw and restock [fraction of Q0 per year].

    Short (``gap > 0``): ``draw = clip(gap, 0, 12·I/τ_c)``. Otherwise, where prices are calm
    (last month's outside price at most ``restock_below`` × base), the stock is rebuilt to
    its normal level ``I0`` over ``τ_r`` months (``tau_restock``, default ``τ_c``),
    ``restock = 12·max(I0 − I, 0)/τ_r`` (the restocking after a disruption). Stock above ``I0`` (returned from China's warehouses
    after a control) is kept and drawn first in the next shortage, not sold.
    """
    short = gap > 0.0
    draw = np.where(short, np.clip(gap, 0.0, inv * 12.0 / tau), 0.0)
    t_r = tau if tau_restock is None else tau_restock
    restock = np.where(short | ~np.asarray(calm), 0.0, np.maximum(inv0 - inv, 0.0) * 12.0 / t_r)
    return draw, restock


def precautionary_flow(
    gap: F, resid: F, level: F, target: F, tau_draw: float, tau_build: float
) -> tuple[F, F]:
    """Precautionary release and purchase [fraction of Q0 per year].

    While the zone is short (``gap > 0``) the stock is drawn like working stock for what the
    commercial draw left (``resid``) and never built; otherwise it moves toward ``target``
    over ``τ_p`` months (buying below it, selling the excess above it).
    """
    short = gap > 0.0
    draw = np.where(short, np.clip(resid, 0.0, level * 12.0 / tau_draw), 0.0)
    move = (target - level) * 12.0 / tau_build
    buy = np.where(short, 0.0, np.maximum(move, 0.0))
    sell = np.where(short, 0.0, np.maximum(-move, 0.0))
    return draw + sell, buy


def speculative_flow(level: F, target_full: F, trend: F, rules: HolderRules) -> tuple[F, F]:
    """Speculative sale and purchase [fraction of Q0 per year].

    Target ``S = S_max·clip(m/g, 0, 1)`` with ``m`` the smoothed monthly log price change
    (:func:`price_trend`): full holdings while the price rises by ``g`` a month or more, none
    once it stops rising; the holding moves toward the target over ``τ_s`` months.
    """
    # a trend below TREND_TOL is rounding noise of a flat price, not a signal
    target = target_full * np.clip(
        np.where(trend > TREND_TOL, trend, 0.0) / rules.speculative_trend, 0.0, 1.0
    )
    move = (target - level) * 12.0 / rules.speculative_build_months
    return np.maximum(-move, 0.0), np.maximum(move, 0.0)


def price_trend(trend: F, change: F, months: float) -> F:
    """Exponentially smoothed monthly log price change ``m ← m + (Δln P − m)/τ_s`` [-].

    NOTE: speculators follow the trend, not last month's move: reacting to one month's
    change made them buy and dump in alternate months (a cobweb) in markets whose
    short-run elasticities sum to about 0.1.
    """
    return trend + (change - trend) / max(months, 1.0)


def alert_share(t: float, announced: F, suspended: F, snap_back: F, ends: F) -> F:
    """1 for each control whose threat is live at ``t``: announced, not lifted, and not
    suspended without a snap-back date (a scheduled snap-back keeps buyers on alert) [0/1]."""
    inf = np.inf
    end = np.where(np.isnan(ends), inf, ends)
    susp_forever = np.where(np.isnan(snap_back) & ~np.isnan(suspended), suspended, inf)
    live = (t >= announced) & (t < np.minimum(end, susp_forever))
    return live.astype(announced.dtype)


def holders_month(
    gap: F,
    stocks: tuple[F, F, F],
    inv0: F,
    cover: F,
    alert: F,
    momentum: F,
    rules: HolderRules,
    pull: F | None = None,
    in_force: F | None = None,
    last_log_price: F | None = None,
) -> tuple[HolderFlows, tuple[F, F, F]]:
    """All three holders for one month, in order commercial → precautionary → speculative.

    Parameters
    ----------
    gap : array
        The zone's gap at the base price (demand − supply) [fraction of Q0 per year].
    stocks : (commercial, precautionary, speculative)
        Levels at the start of the month [years of Q0].
    inv0 : array
        Normal commercial level [years of Q0].
    cover : array
        One month of the exposed buyers' demand [years of Q0].
    alert : array
        1 where a control threatens the market this month [0/1].
    momentum : array
        Smoothed monthly log change of the outside price (:func:`price_trend`) [-].
    rules : HolderRules
    pull : array, optional
        Front-running exports of the month [fraction of Q0 per year]: they meet the
        precautionary purchases first (exporters ship early because buyers hoard); the rest
        lands in commercial stocks.
    in_force : array, optional
        True where a control withholds volume this month: commercial and precautionary
        holders do not rebuild then (they restock once licences flow again; rebuilding
        against a world market that a control splits put the restocking demand on the
        unified price in alternate months).
    last_log_price : array, optional
        ln of last month's outside price [-]: commercial holders restock only at or below
        ``restock_below`` × base (default: always).

    Returns
    -------
    flows : HolderFlows
    levels : (commercial, precautionary, speculative) at the end of the month [years of Q0].
    """
    inv, prec, spec = stocks
    tau = rules.draw_months
    gap = np.where(np.abs(gap) < GAP_TOL, 0.0, gap)
    calm = True if last_log_price is None else np.exp(last_log_price) <= rules.restock_below
    # NOTE: buyers rebuild working stock through their procurement cycle (τ_p), not at the
    # speed they can draw it (τ_c): a 3-month rebuild was itself a price shock in markets
    # whose short-run elasticities sum to about 0.1.
    draw_c, restock_c = commercial_flow(
        gap, inv, inv0, tau, calm, tau_restock=rules.precaution_build_months
    )
    target_p = alert * rules.precaution_months * cover
    out_p, in_p = precautionary_flow(
        gap, gap - draw_c, prec, target_p, tau, rules.precaution_build_months
    )
    if in_force is not None:
        restock_c = np.where(in_force, 0.0, restock_c)
        in_p = np.where(in_force, 0.0, in_p)
    out_s, in_s = speculative_flow(spec, rules.speculative_months * cover, momentum, rules)
    pulled = np.zeros_like(gap) if pull is None else pull
    met = np.minimum(in_p, pulled)  # hoarding met by front-running exports
    levels = (
        inv + (restock_c - draw_c + pulled - met) / 12.0,
        np.maximum(prec + (in_p - out_p) / 12.0, 0.0),
        np.maximum(spec + (in_s - out_s) / 12.0, 0.0),
    )
    return HolderFlows(draw_c + out_p + out_s, restock_c + in_p - met + in_s), levels
