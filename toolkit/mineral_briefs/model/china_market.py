"""China's managed domestic market: when China's own export control keeps volume at home,
output quotas and state reserve buying absorb it so the inside price stays within a band.

While a China export control segments market ``m`` (and no cut by others does), with China's
zone supply ``A`` and demand ``B`` at the base price, elasticities ``ε_s``, ``ε_d``, headroom
``h`` and the band's lower edge ``P_t = b_low · P_ref`` (``P_ref`` the same row's no-control
price, else 1), the volume that must leave China's market for its price to clear at ``P_t``
is (closed form of :func:`mineral_briefs.model.clearing.clear_market`)::

    x* = A − B · P_t^{ε_d} / min(P_t^{ε_s}, h)

The state absorbs ``x = clip(x*, 0, R + q · s_c · H)``: reserve buying first (rate ``R``
[fraction of Q0 per year]), then output quota cuts (share ``q`` of China's base output at
trend ``s_c·H``). Reserve purchases accumulate in the state reserve. Equations:
``docs/methodology.md`` §20.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mineral_briefs.model.clearing import supply_multiplier
from mineral_briefs.model.inputs import F, _empty
from mineral_briefs.model.state import Month, Static


@dataclass(frozen=True)
class ChinaMarket:
    """Per-market settings of China's market management (all zero: not managed)."""

    band_low: F = field(default_factory=_empty)
    """(M,) lowest inside price the state defends, as a share of the no-control price [-]."""
    reserve_rate: F = field(default_factory=_empty)
    """(M,) most the state reserve buys [fraction of Q0 per year]."""
    quota_cut: F = field(default_factory=_empty)
    """(M,) largest output quota cut [share of China's base output, 0–1]."""


@dataclass
class ChinaState:
    """What the month loop carries for China's market management, (N, M) each."""

    managed: bool
    """Some market has a band (otherwise the step does nothing)."""
    reserve: F
    """State reserve bought so far [years of Q0]."""
    absorbed: F
    """This month's absorbed volume [fraction of Q0 per year]."""


def init_china(cm: ChinaMarket | None, n: int, m: int, fdt: object) -> ChinaState:
    """Empty reserve; ``managed`` where some market has a band and room to absorb."""
    managed = (
        cm is not None
        and cm.band_low.size == m
        and bool(((cm.band_low > 0) & ((cm.reserve_rate > 0) | (cm.quota_cut > 0))).any())
    )
    zeros = np.zeros((n, m), dtype=fdt)  # type: ignore[call-overload]
    return ChinaState(managed, zeros.copy(), zeros.copy())


def absorb_needed(
    a: F, b: F, p_target: F, eps_d: F, eps_s: F, head: F, eps_s_down: F | None = None
) -> F:
    """Volume ``x*`` to take off China's zone so it clears at ``p_target`` (≥ 0)
    [fraction of Q0 per year]; ``eps_s_down`` is the supply elasticity below the base price
    (:func:`mineral_briefs.model.clearing.supply_multiplier`)."""
    mult = supply_multiplier(p_target, eps_s, head, eps_s_down)
    return np.maximum(a - b * np.exp(eps_d * np.log(p_target)) / mult, 0.0)


def absorb(
    cm: ChinaMarket,
    cs: ChinaState,
    own_control: np.ndarray,
    a_chn: F,
    b_c: F,
    base_supply_c: F,
    reference: F | float,
    elasticities: tuple[F, F, F],
    eps_s_down: F | None = None,
) -> F:
    """China's zone supply after quotas and reserve buying, (N, M) [fraction of Q0 per year].

    Parameters
    ----------
    own_control : bool array
        (N, M) a China export control segments the market this month.
    a_chn, b_c : array
        China's zone supply and demand at the base price [fraction of Q0 per year].
    base_supply_c : array
        China's base output at trend ``s_c·H`` [fraction of Q0 per year].
    reference : array or float
        No-control price of each row [x P0].
    elasticities : tuple of array
        ``ε_d``, ``ε_s`` and the headroom ``h`` [-].
    eps_s_down : array, optional
        ``ε_s`` below the base price (0 for producers on a cost curve) [-].
    """
    eps_d, eps_s, head = elasticities
    p_t = np.maximum(cm.band_low * reference, 1e-6)
    need = absorb_needed(a_chn, b_c, p_t, eps_d, eps_s, head, eps_s_down)
    reserve = np.minimum(need, cm.reserve_rate)
    quota = np.minimum(need - reserve, cm.quota_cut * base_supply_c)
    on = own_control & (cm.band_low > 0)
    reserve = np.where(on, reserve, 0.0)
    cs.absorbed = np.where(on, reserve + quota, 0.0)
    cs.reserve = cs.reserve + reserve / 12.0
    return a_chn - cs.absorbed


def china_market_step(
    s: Static, cm: ChinaMarket | None, cs: ChinaState, mo: Month, tot: dict[str, F]
) -> None:
    """Take the absorbed volume off China's zone supply ``mo.a_chn`` before clearing and book
    it (``china_absorbed_t`` [t], ``china_reserve_t`` [t]); methodology §20.

    NOTE: only where China's own export control segments the market (``seg_exp`` and no cut
    by others): that is when withheld volume stays at home. Rows the clearing later finds
    unified (the control does not bind) clear on the world balance, which this step leaves
    alone.
    """
    if "china_absorbed_t" not in tot:
        tot["china_absorbed_t"] = np.zeros((s.n, s.m))
        tot["china_reserve_t"] = np.zeros((s.n, s.m))
    if cm is None or not cs.managed or not mo.any_seg:
        return
    own = mo.seg_exp & ~mo.seg_cut
    # only the managed markets a China control segments in some row are worked on
    sc = np.flatnonzero(own.any(axis=0) & (cm.band_low > 0))
    if not sc.size:
        return
    ref = 1.0 if s.reference_price is None else s.reference_price[:, mo.i, sc]
    fdt = mo.a_chn.dtype  # NOTE: keep float32 chunks in float32 (no promotion)
    sub = ChinaMarket(
        cm.band_low[sc].astype(fdt), cm.reserve_rate[sc].astype(fdt), cm.quota_cut[sc].astype(fdt)
    )
    part = ChinaState(True, cs.reserve[:, sc], cs.absorbed[:, sc])
    base_c = s.s_c[sc] * mo.h_tr[:, sc] * mo.k_c[:, sc]
    el = (s.eps_d[:, sc], s.eps_s[:, sc], s.head[:, sc])
    a_chn = mo.a_chn.copy()
    down = None if s.eps_s_down is None else s.eps_s_down[:, sc]
    a_chn[:, sc] = absorb(sub, part, own[:, sc], a_chn[:, sc], mo.b_c[:, sc], base_c, ref, el, down)
    mo.a_chn = a_chn
    cs.reserve[:, sc] = part.reserve
    tot["china_absorbed_t"][:, sc] += part.absorbed * s.q0[sc] / 12.0
    tot["china_reserve_t"][:, sc] = part.reserve * s.q0[sc]
