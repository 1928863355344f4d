"""Precautionary holders: buyers exposed to an export control hoard (methodology §6a).

From the announcement of a control until it ends (also while it is suspended with a snap-back
date) buyers want ``ΔT_p`` extra months of the supply the control threatens and build that
cover over ``τ_p`` months. The purchases are extra demand at clearing, so the price moves at
once (front-running: exporters' early shipments meet the hoarding first). Once working stock
can no longer meet its share of the shortage (it thins and the price climbs), the hoard is
drawn for it while purchases shrink with working stock's fill; once the control ends it is sold
over ``τ_p`` months. Korea raised its rare-metal
stock target from 54 to 100 days (IEA_POLICY_KR): about 1.5 months more cover.
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


def alert_peak(peak: F, level: F, target: F) -> F:
    """The largest hoard of the current alert, the taper's normal level [years of Q0].

    ``max(H_peak, H_p)`` while a control threatens the market (``T_p > 0``); ``H_p`` otherwise,
    so the peak follows the hoard down between alerts and a later control's hoard is not
    tapered against an earlier, larger one.
    """
    return np.where(target > 0.0, np.maximum(peak, level), level)


def precautionary_flows(
    level: F, target: F, months: F, unmet: F, taper: F | float = 1.0, buy_scale: F | None = None
) -> tuple[F, F]:
    """Release and purchase of the hoard, netted [fraction of Q0 per year].

    The hoard moves toward its target, ``Δ = 12·(T_p − H_p)/τ_p`` (purchases Δ > 0, sales
    −Δ). Where working stock falls short of its share of the gap (``unmet > 0``) the hoard is
    drawn for it, ``r = min(τ·unmet, 12·H_p)`` with the fill taper τ of §6, and purchases
    shrink with working stock's own fill taper ``τ_I`` (``buy_scale``): ``b = τ_I·max(Δ, 0)``. The
    flows are netted, so the hand-over from buying to drawing is continuous.

    NOTE: ``τ_I`` is 1 until working stock thins below its fill ratio φ_c and 0 when it is
    empty. Stopping every purchase in the first month with ``unmet > 0`` (the earlier rule)
    cut demand by the whole purchase rate at once: the outside magnet price of
    ``controls_oct2025`` fell 6 % in February 2027 for no reason a reader could see, while the
    hoard was still 27 % short of its target.

    NOTE: the market is short whatever the taper: a hoard that has tapered to nothing does not
    buy back in full (with the tapered amount as the test it bought in the months it held
    nothing and sold in the next, and the price alternated ×35 / ×5).

    NOTE: the release is tied to the shortage, not to a price pattern: in this model the
    price spikes when working stock runs out, so the hoard is drawn as prices peak. A first
    draft sold it once the price fell below its alert high; a one-month dip before the real
    peak then released it early at some cuts and not at others, so a bigger cut could show a
    lower peak (magnets in ndpr_withhold_60: ×2.24 at 40 %, ×1.85 at 50 %).

    Parameters
    ----------
    level, target : array (N, M)
        Hoard H_p and target T_p [years of Q0].
    months : array (M,)
        τ_p [months].
    unmet : array (N, M)
        The part of ``θ·g`` that working stock could not meet this month
        [fraction of Q0 per year].
    taper : array (N, M) or float
        ``min(1, H_p/(φ_c·H_peak))``, 1: no taper [0–1].
    buy_scale : array (N, M), optional
        ``τ_I``, working stock's fill taper ``min(1, I/(φ_c·I_max))`` [0–1]; default: no
        purchase while short (the rule without a taper).
    """
    short = unmet > 0.0
    draw = np.where(short, np.minimum(unmet * taper, 12.0 * level), 0.0)
    move = (target - level) * 12.0 / np.maximum(months, 1.0)
    scale = np.zeros_like(level) if buy_scale is None else buy_scale
    w = np.where(short, scale, 1.0).astype(level.dtype, copy=False)
    buy = w * np.maximum(move, 0.0)
    sell = np.where(short, 0.0, np.maximum(-move, 0.0))
    net = buy - draw - sell
    return np.maximum(-net, 0.0), np.maximum(net, 0.0)
