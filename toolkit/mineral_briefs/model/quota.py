"""Export quotas: a volume cap per period with licences carried over and used at a stated rate.

Methodology §5b. Per control link ``l`` (a quota caps one market) and quota period ``p``
(counted from the start of the in-force spell), licences issued are

    B_p = q + c · U_{p−1},     q = quota_t / Q0   [years of Q0]

with ``U_{p−1}`` the licences left unused at the end of the previous period and ``c`` the
carry-over share. Exporters may ship at most ``u · B_p`` in the period (``u`` the use rate),
paced evenly over the months left: the month's cap is ``(u·B_p − shipped_p) / n_left``.
The link's withheld share becomes ``w_q = max(w, 1 − 12·x / (coef·h))`` with ``x`` the month's
shipments ``min((1 − w)·coef·h/12, cap)`` [years of Q0].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mineral_briefs.model.inputs import Controls
from mineral_briefs.model.timeline import F, in_force


@dataclass
class QuotaState:
    """Per link: quota [years of Q0 per period], period [months], carry-over and use rate, and
    the running licence book of every row."""

    q: F
    period: F
    carry: F
    use: F
    issued: F
    """(N, L) licences of the current period [years of Q0]."""
    shipped: F
    """(N, L) shipped so far in the current period [years of Q0]."""
    p_idx: F
    """(L,) index of the current period (−1 before the first)."""
    t0: F
    """(L,) start of the spell the book belongs to [months]."""


def init_quota(controls: Controls, q0_t: F, n: int, fdt: type) -> QuotaState | None:
    """The licence book, or ``None`` when no control has a quota."""
    if controls.quota_t.size == 0 or not np.isfinite(controls.quota_t).any():
        return None
    lc, lm = controls.link_control, controls.link_market
    n_l = lc.size
    return QuotaState(
        q=(controls.quota_t[lc] / q0_t[lm]).astype(fdt),
        period=controls.quota_period[lc].astype(fdt),
        carry=controls.quota_carry[lc].astype(fdt),
        use=controls.quota_use[lc].astype(fdt),
        issued=np.zeros((n, n_l), fdt),
        shipped=np.zeros((n, n_l), fdt),
        p_idx=np.full(n_l, -1.0),
        t0=np.full(n_l, np.nan),
    )


def _open_periods(qs: QuotaState, active: NDArray[np.bool_], t0: F, elapsed: F) -> None:
    """Issue licences where a new quota period (or a new spell) begins."""
    p_now = np.floor(np.maximum(elapsed, 0.0) / qs.period)
    new_spell = active & (t0 != qs.t0)
    new_period = active & ((p_now != qs.p_idx) | new_spell)
    unused = np.maximum(qs.issued - qs.shipped, 0.0)
    carried = np.where(new_spell, 0.0, qs.carry * unused)
    qs.issued = np.where(new_period, qs.q + carried, qs.issued)
    qs.shipped = np.where(new_period, 0.0, qs.shipped)
    qs.p_idx = np.where(new_period, p_now, qs.p_idx)
    qs.t0 = np.where(active, t0, qs.t0)


def quota_share(qs: QuotaState, c: Controls, t: float, w_link: F, base: F) -> F:
    """The links' withheld share under their quotas, updating the licence book.

    Parameters
    ----------
    qs : QuotaState
    c : Controls
    t : float
        Month midpoint [months since horizon start].
    w_link : array (N, L)
        Withheld share without the quota [0–1].
    base : array (N, L)
        Flow the link covers this month, ``coef·h`` [fraction of Q0 per year].

    Returns
    -------
    array (N, L)
        ``max(w, w_q)`` on links with a quota in force, ``w`` elsewhere [0–1].
    """
    lc = c.link_control
    active, t0 = in_force(t, c.effective[lc], c.suspended[lc], c.snap_back[lc], c.ends[lc])
    active = active & np.isfinite(qs.q)
    elapsed = np.where(active, t - t0, 0.0)
    _open_periods(qs, active, t0, elapsed)
    left = np.maximum(qs.period - np.floor(np.mod(elapsed, qs.period)), 1.0)
    cap = np.maximum(qs.use * qs.issued - qs.shipped, 0.0) / left
    wanted = (1.0 - w_link) * base / 12.0
    ship = np.minimum(wanted, cap)
    qs.shipped = np.where(active, qs.shipped + ship, qs.shipped)
    w_q = 1.0 - 12.0 * ship / np.maximum(base, 1e-12)
    # NOTE: a quota that does not bind must leave the link unsegmented (w exactly 0), not
    # separated by a rounding residue
    w_q = np.where(w_q < 1e-9, 0.0, w_q)
    return np.where(active, np.clip(np.maximum(w_link, w_q), 0.0, 1.0), w_link)
