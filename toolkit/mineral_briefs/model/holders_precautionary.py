"""Precautionary holders: buyers exposed to an export control hoard (methodology §6a).

From the announcement of a control until it ends (also while it is suspended with a snap-back
date) buyers want ``ΔT_p`` extra months of the supply the control threatens and build that
cover over ``τ_p`` months. The purchases are extra demand at clearing, so the price moves at
once (front-running: exporters' early shipments meet the hoarding first). Once the outside
price has risen and its smoothed trend turns down (the peak), or once the control ends, the
target is zero and the hoard is sold over ``τ_p`` months. Korea raised its rare-metal stock
target from 54 to 100 days (IEA_POLICY_KR): about 1.5 months more cover.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.holder_rules import F

B = NDArray[np.bool_]


def control_live(
    t: float, announced: F, effective: F, suspended: F, snap_back: F, ends: F
) -> NDArray[np.bool_]:
    """(K,) True while a control threatens supply: announced (or in force) and not ended, and
    not suspended without a snap-back date (a scheduled snap-back keeps buyers on alert).

    Parameters
    ----------
    t : float
        Time [months since horizon start].
    announced, effective, suspended, snap_back, ends : array (K,)
        Regime dates [months since horizon start]; NaN when absent.
    """
    start = np.fmin(announced, effective)  # fmin: a missing announcement is the effective date
    inf = np.inf
    end = np.where(np.isnan(ends), inf, ends)
    off = np.where(np.isnan(snap_back) & ~np.isnan(suspended), suspended, inf)
    return (t >= start) & (t < np.minimum(end, off))


def threatened_supply(live: B, share: F, lc: NDArray[np.int64], coef_mode: F, e_link: F) -> F:
    """Supply the live controls threaten ``V = Σ_l live·w·c_l`` per market [fraction of Q0].

    Parameters
    ----------
    live : array (K,)
        :func:`control_live`.
    share : array (N, K)
        Nominal share withheld w of each control [0–1].
    lc : array (L,)
        Control of each link.
    coef_mode : array (L,)
        Base flow of each link net of leakage, zero for links that do not withhold from the
        outside (a cut of supply to China) [fraction of Q0].
    e_link : array (L, M)
        One-hot market of each link.
    """
    return ((share[:, lc] * live[lc]) * coef_mode) @ e_link


def peak_flags(
    rose: B, peaked: B, lp_max: F, live: B, trend: F, lp: F, rising: F
) -> tuple[B, B, F]:
    """Update the episode state: ``rose`` once the smoothed price trend exceeded ``rising``
    during the alert (a run-up, not noise), ``peaked`` once after that last month's outside
    price fell below its highest level since the alert began; all reset when the alert ends.

    NOTE: the peak is read from the price against its running maximum, so the hoard is sold
    right after the price turns; reading it from the smoothed trend turning negative came
    up to 20 months late (the trend stays positive long after a spike), and the switch from
    buying to selling then dropped a thin outside price by a quarter in one month. Once sold,
    the hoard is not rebuilt within the same alert, so the latch cannot cycle.

    Parameters
    ----------
    rose, peaked : array (N, M)
        Flags of the running episode.
    lp_max : array (N, M)
        Highest ln outside price since the alert began [-].
    live : array (N, M)
        A control threatens the market this month.
    trend : array (N, M)
        Smoothed monthly log price change m [-].
    lp : array (N, M)
        ln of last month's outside price [-].
    rising : array (M,)
        Trend g that counts as a run-up [-].

    Returns
    -------
    rose, peaked, lp_max
    """
    rose = live & (rose | (trend > rising))
    peaked = live & (peaked | (rose & (lp < lp_max)))
    lp_max = np.where(live, np.maximum(lp_max, lp), -np.inf)
    return rose, peaked, lp_max


def precautionary_flows(level: F, target: F, months: F) -> tuple[F, F]:
    """Sale and purchase ``Δ = 12·(T_p − H_p)/τ_p`` [fraction of Q0 per year].

    Parameters
    ----------
    level, target : array (N, M)
        Hoard H_p and target T_p [years of Q0].
    months : array (M,)
        τ_p [months].
    """
    move = (target - level) * 12.0 / np.maximum(months, 1.0)
    return np.maximum(-move, 0.0), np.maximum(move, 0.0)
