"""Concentration and dependency metrics: HHI, top-k shares, IEA-style coverage, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

F = NDArray[np.float64]


def hhi(shares: F) -> float:
    """Herfindahl-Hirschman index ``Σ (100·s_i)²`` on 0–10,000 [-]. methods.md §1.1.

    ``Other`` (an aggregate of small producers) should be excluded by the caller, or it is
    counted as one producer (an upper bound).
    """
    s = np.asarray(shares, float)
    return float(np.sum((100.0 * s) ** 2))


def top_k_share(shares: F, k: int) -> float:
    """``CR_k``: sum of the k largest shares [0–1]. methods.md §1.2."""
    s = np.sort(np.asarray(shares, float))[::-1]
    return float(np.sum(s[:k]))


def coverage_without_largest(supply_shares: F, demand_share_of_largest: float) -> float:
    """Share of demand met if the largest supplier is cut off [0–1+].

    ``Σ_{c≠top} S_c / Σ_{c≠top} D_c``: the largest supplier's own demand is removed from the
    denominator (methods.md §7.2, IEA GCMO 2025 stress test).
    """
    s = np.asarray(supply_shares, float)
    top = float(np.max(s)) if s.size else 0.0
    rest_demand = max(1.0 - demand_share_of_largest, 1e-9)
    return (float(np.sum(s)) - top) / rest_demand


def concentration_table(base: pd.DataFrame) -> pd.DataFrame:
    """HHI and top-1/top-3 shares per (mineral, stage) from a ``market_base`` frame.

    Parameters
    ----------
    base : DataFrame
        ``mineral, stage, country, share`` (``Other`` rows are excluded from the metrics).

    Returns
    -------
    DataFrame
        ``mineral, stage, hhi, top1_share, top3_share, largest_country, largest_share``.
    """
    rows = []
    named = base.loc[base["country"] != "Other"]
    share = named["share"].to_numpy(float)
    country = named["country"].to_numpy(dtype=object)
    for (m, s), at in sorted(named.groupby(["mineral", "stage"]).indices.items()):
        sh = share[at]
        i = int(np.argmax(sh)) if sh.size else 0
        rows.append(
            {
                "mineral": m,
                "stage": s,
                "hhi": hhi(sh),
                "top1_share": top_k_share(sh, 1),
                "top3_share": top_k_share(sh, 3),
                "largest_country": str(country[at][i]) if sh.size else "",
                "largest_share": float(sh[i]) if sh.size else 0.0,
            }
        )
    return pd.DataFrame(rows)


def months_to_recovery(first_disrupted: F, last_disrupted: F, n_months: int) -> F:
    """Months from the first disrupted month until the market is back to normal for good
    [months]; NaN while the disruption is still open at the end of the horizon.

    Recovery is the month after the last disrupted month, provided that month lies inside the
    horizon, so the market stays within tolerance for the rest of the horizon. A dip and a
    relapse count as one disruption.

    Parameters
    ----------
    first_disrupted, last_disrupted : array
        Month index (0-based, from the horizon start) of the first and the last disrupted
        month; −1 if the market is never disrupted.
    n_months : int
        Horizon length T [months]. A market disrupted in month ``T − 1`` has not recovered
        within the horizon: NaN (the caller notes "not within the horizon" and flags
        ``open_at_horizon``).

    Returns
    -------
    array
        ``last − first + 1`` [months]; 0 if never disrupted; NaN if still disrupted in the last
        month.
    """
    first = np.asarray(first_disrupted, float)
    last = np.asarray(last_disrupted, float)
    if n_months < 1:
        raise ValueError(f"n_months must be >= 1, got {n_months}")
    if np.any(last > n_months - 1):
        raise ValueError(f"last_disrupted beyond the horizon of {n_months} months")
    never = first < 0
    open_end = ~never & (last >= n_months - 1)
    out = np.where(never, 0.0, last + 1.0 - first)
    return np.where(open_end, np.nan, out)
