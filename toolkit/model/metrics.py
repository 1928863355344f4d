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
    for (m, s), g in named.groupby(["mineral", "stage"], sort=True):
        sh = g["share"].to_numpy(float)
        i = int(np.argmax(sh)) if sh.size else 0
        rows.append(
            {
                "mineral": m,
                "stage": s,
                "hhi": hhi(sh),
                "top1_share": top_k_share(sh, 1),
                "top3_share": top_k_share(sh, 3),
                "largest_country": str(g["country"].iloc[i]) if sh.size else "",
                "largest_share": float(sh[i]) if sh.size else 0.0,
            }
        )
    return pd.DataFrame(rows)


def months_to_recovery(first_above: F, last_above: F, n_months: int) -> F:
    """Months from the first through the last month above the threshold [months].

    Parameters
    ----------
    first_above, last_above : array
        Month index of the first and the last month above the threshold; −1 if never.
    n_months : int
        Horizon length; still above at the end → censored at the horizon end.
    """
    never = first_above < 0
    return np.where(never, 0.0, (last_above + 1 - first_above).astype(float))
