"""Commercial holders: working stock cover outside China (methodology §6, §6a).

Working stocks start at ``inventory_months`` of world demand (``I_max``). They meet a share θ
of a base-price gap while they last and are rebuilt from a base-price surplus (the rule of
methodology §6); with catch-up switched on, buyers also rebuild a depleted working stock over
their procurement cycle ``τ_r`` once the disruption is over (no control segments the market,
no gap, a calm price). That rebuilding is extra demand: China's exports overshoot their prior
level after a control lifts (issue 12, "no catch-up after a disruption ends").
"""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.holder_rules import F


def commercial_flows(
    gap: F, inv: F, inv_max: F, theta: F, taper: F | None = None, share: F | None = None
) -> tuple[F, F]:
    """Draw and restock of working stock against the zone's base-price gap [fraction of Q0/yr].

    ``r = min(12·I, θ'·τ(φ)·g)`` if ``g > 0``; ``q = min(12·(I_max − I), θ·(−g))`` if ``g < 0``,
    with the fill ratio ``φ = I/I_max``, the taper ``τ(φ) = min(1, φ/φ_c)`` and the share
    ``θ'`` of a gap holders meet (:func:`draw_share`; θ when not given).

    NOTE: holders part with the last of their stock only at a rising price (the supply of
    storage: Working 1949; Deaton & Laroque 1992, stock-outs are rare because the price rises
    as stocks fall). Below the fill ratio ``φ_c`` they release in proportion to what is left,
    so a lasting shortage lifts the price step by step as the stock thins. Without the taper a
    60 % magnet control kept the outside price at ×1.3 for two and a half years while working
    stock met 80 % of the gap, and the price jumped ×2.4 in the one month the stock ran out
    (``controls_oct2025``, methodology §6).

    Parameters
    ----------
    gap : array (N, M)
        Demand minus supply at the base price [fraction of Q0 per year].
    inv, inv_max : array (N, M)
        Working stock and its normal level [years of Q0].
    theta : array (M,)
        Share θ of the gap met from (or put into) working stock [0–1].
    taper : array (M,), optional
        ``φ_c``, the fill ratio below which the release tapers; 0 or None: no taper [0–1].
    share : array (N, M), optional
        ``θ'`` of a positive gap [0–1]; a surplus is stocked at θ.
    """
    th = theta if share is None else share
    meet = th if taper is None else th * fill_taper(inv, inv_max, taper)
    draw = np.where(gap > 0, np.minimum(inv * 12.0, meet * gap), 0.0)
    restock = np.where(gap < 0, np.minimum((inv_max - inv) * 12.0, theta * -gap), 0.0)
    return draw, np.maximum(restock, 0.0)


def draw_share(gap: F, demand: F, theta: F, kept: F) -> F:
    """``θ' = θ·(1 − exp(−σ/σ_k))`` with ``σ = max(g, 0)/D``: the share of a gap holders meet
    when a gap of ``σ_k`` of their zone's demand ``D`` gets 63 % of their full share θ, and a
    few per cent of demand almost none of it [0–1]; θ where ``σ_k`` is 0.

    The gap left to the price, ``u = g − θ'·g``, rises with the gap as long as
    ``θ ≤ 1/(1 + e^{−2}) ≈ 0.88`` (``du/dg ≥ 1 − 1.135·θ``), so a bigger cut never lowers the
    price; for large gaps it tends to ``(1 − θ)·g``, the rule without ``σ_k``.

    NOTE: working stock is held against material that cannot be had, not against a dearer
    price (stock-out avoidance): a gap of a few per cent of demand is bought at a higher price.
    With θ at any gap, stocks met 80 % of a 5 % lithium outage (CATL's mine halt, 2025) and of
    the loss of MP's feed to China (8 %, 2025): +3 % and +1 % against +40 % observed
    (backtests.md BT-08, BT-12; methodology §6). Two drafts failed: θ scaled by ``σ/σ_f`` left
    less gap to the price as the gap grew past ``σ_f/(2θ)`` (a bigger outage gave a lower
    price); ``min(θ·g, g − σ_k·D)`` held the price flat while the gap grew from 5 % to 25 % of
    demand (BT-07's lithium price did not move from January to September 2021).

    Parameters
    ----------
    gap, demand : array (N, M)
        The zone's gap and its demand at the base price [fraction of Q0 per year].
    theta, kept : array (M,)
        θ and ``σ_k`` (0: θ at any gap) [0–1].
    """
    x = np.maximum(gap, 0.0) / np.maximum(kept * demand, 1e-30)
    share = theta * -np.expm1(-x)
    return np.where(kept > 0, share, theta).astype(gap.dtype, copy=False)


def fill_taper(level: F, normal: F, taper: F) -> F:
    """``τ(φ) = min(1, φ/φ_c)`` with ``φ = level/normal``; 1 where ``φ_c`` is 0 (no taper) or
    nothing is normally held [0–1].

    Parameters
    ----------
    level, normal : array (N, M)
        Stock held and its normal (or peak) level [years of Q0].
    taper : array (M,)
        ``φ_c`` [0–1].
    """
    room = taper * normal
    return np.where(room > 0.0, np.minimum(1.0, level / np.maximum(room, 1e-30)), 1.0)


def catch_up(gap: F, inv: F, inv_max: F, calm: F, months: F, on: F, room_at_cap: F) -> F:
    """Catch-up restocking after a disruption [fraction of Q0 per year].

    ``q_cu = on·calm·min(12·max(I_max − I, 0)/τ_r, max(q_cap, 0))`` where the market is not
    short (``g ≤ 0``), zero otherwise; ``q_cap`` is the extra demand the market can take before
    its price reaches ``restock_below`` (:func:`restock_room`).

    NOTE: buyers restock at normal prices only. A restocking rate set by the stock gap alone
    (a sixth of annual demand for two months of stock over a year) lifted the price above
    ``restock_below``, stopped, and restarted the month after: a cobweb. Capping the purchase
    at what the market supplies at ``restock_below`` keeps the restocking price-calm.

    Parameters
    ----------
    gap : array (N, M)
        Base-price gap [fraction of Q0 per year].
    inv, inv_max : array (N, M)
        Working stock and its normal level [years of Q0].
    calm : array (N, M)
        1 where buyers restock at all this month (no control segments the market) [0/1].
    months : array (M,)
        τ_r, months over which the stock is rebuilt [months].
    on : array (M,)
        Switch ``holders_commercial_catchup`` [0/1].
    room_at_cap : array (N, M)
        ``q_cap`` [fraction of Q0 per year].
    """
    rate = np.maximum(inv_max - inv, 0.0) * 12.0 / np.maximum(months, 1.0)
    q = np.minimum(rate, np.maximum(room_at_cap, 0.0))
    return np.where(gap <= 0, q * calm * on, 0.0)


def cap_factor(eps_s: F, eps_d: F, cap: F) -> F:
    """``c^{ε_s − ε_d}``: the supply/demand ratio at which clearing gives the price ``c``
    (static per row and market, computed once) [-].

    Parameters
    ----------
    eps_s, eps_d : array (N, M)
        Short-run elasticities [-].
    cap : array (M,)
        ``restock_below`` [x P0].
    """
    return np.exp((eps_s - eps_d) * np.log(cap))


def restock_room(supply: F, demand: F, factor: F) -> F:
    """Extra demand that leaves the cleared price at ``cap``: ``q_cap = A·c^{ε_s − ε_d} − B``
    [fraction of Q0 per year]. Clearing scales every demand flow, stock purchases included, by
    ``P^{ε_d}`` (methodology §4: ``A·P^{ε_s} = (B + q)·P^{ε_d}``); headroom and demand
    destruction do not bind near the base price.

    Parameters
    ----------
    supply, demand : array (N, M)
        Supply ``A`` and demand ``B`` at the base price, stock flows included
        [fraction of Q0 per year].
    factor : array (N, M)
        :func:`cap_factor` [-].
    """
    return supply * factor - demand
