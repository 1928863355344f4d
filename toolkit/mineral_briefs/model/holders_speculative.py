"""Speculative holders: trend followers with a position limit (methodology §6a).

Funds and traders hold physical metal while the outside price trends up and sell once the
trend fades: time-series momentum (Moskowitz, Ooi & Pedersen 2012, MOP_TSMOM_2012: a
12-month look-back predicts commodity futures returns; position sized to the signal). Their
position is limited to ``S_max`` months of outside demand (the cobalt funds of 2017 held about
two months, FT_COFUNDS_2017).
"""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.holder_rules import F


def price_trend(trend: F, change: F, months: F) -> F:
    """Exponentially smoothed monthly log price change ``m ← m + (Δln P − m)/τ_s`` [-].

    NOTE: speculators follow the smoothed trend, not last month's move: reacting to a single
    month made them buy and dump in alternate months (a cobweb) in markets whose short-run
    elasticities sum to about 0.1 (found while the holders were built, methodology §6a).

    Parameters
    ----------
    trend : array (N, M)
        Last month's smoothed trend m [-].
    change : array (N, M)
        This month's change of the log outside price Δln P [-].
    months : array (M,)
        Smoothing τ_s [months].
    """
    return trend + (change - trend) / np.maximum(months, 1.0)


def speculative_target(trend: F, cover: F, limit_months: F, full_trend: F, on: F) -> F:
    """Position the speculators want ``S* = on·S_max·c·clip(m/g, 0, 1)`` [years of Q0].

    Parameters
    ----------
    trend : array (N, M)
        Smoothed monthly log price change m [-].
    cover : array (N, M)
        One month of outside demand c [years of Q0].
    limit_months : array (M,)
        Position limit S_max [months of outside demand].
    full_trend : array (M,)
        Trend g at which the full position is held [-].
    on : array (M,)
        Switch ``holders_speculative`` [0/1].
    """
    signal = np.clip(trend / np.maximum(full_trend, 1e-9), 0.0, 1.0)
    return on * limit_months * cover * signal


def speculative_flows(level: F, target: F, months: F) -> tuple[F, F]:
    """Sale and purchase moving the position toward its target over ``τ_s`` months
    [fraction of Q0 per year]: ``Δ = 12·(S* − S)/τ_s``; purchases add to demand, sales to
    supply at clearing.

    Parameters
    ----------
    level, target : array (N, M)
        Position S and target S* [years of Q0].
    months : array (M,)
        τ_s [months].
    """
    move = (target - level) * 12.0 / np.maximum(months, 1.0)
    return np.maximum(-move, 0.0), np.maximum(move, 0.0)
