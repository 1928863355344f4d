"""Contract vs spot: a volume-weighted price beside the clearing (spot) price (methodology §22).

A share ``c`` of a market's volume moves under contracts whose price follows the spot price
with a lag of ``L`` months (index-linked contracts priced on an earlier month's assessment);
the rest moves at spot::

    P_contract(t) = P_spot(t − L)              (the base price P0 for t < L)
    P_vw(t)       = c · P_contract(t) + (1 − c) · P_spot(t)

It is **reported only**: the clearing price of §4 stays the spot price and nothing in the
month loop reads ``P_vw``. Markets with ``c = 0`` get NaN (no volume-weighted series).
"""

from __future__ import annotations

import numpy as np

from mineral_briefs.model.inputs import F


def volume_weighted_price(spot: F, share: F, lag_months: int, base: F) -> F:
    """(T, M) volume-weighted price [unit of ``spot``]; NaN where ``share`` is 0.

    Parameters
    ----------
    spot : array
        (T, M) monthly spot (clearing) price [any price unit].
    share : array
        (M,) contract share of the volume ``c`` [0–1].
    lag_months : int
        Months ``L`` by which contract prices follow spot [months], ≥ 0.
    base : array
        (M,) price before the horizon (the base price) in the unit of ``spot``.
    """
    if lag_months < 0:
        raise ValueError(f"contract lag must be >= 0 months, got {lag_months}")
    t = spot.shape[0]
    contract = np.empty_like(spot)
    k = min(lag_months, t)
    contract[:k] = base[None, :]
    contract[k:] = spot[: t - k]
    vw = share[None, :] * contract + (1.0 - share[None, :]) * spot
    return np.where(share[None, :] > 0, vw, np.nan)
