"""The magnet recipe: sintered NdFeB needs NdPr and Dy/Tb in stated proportions.

Two couplings between the element markets and the magnet stage (methodology §17):

* **Inputs limit output** (Leontief with thrift). Magnet makers in a zone can make only as
  much as their scarcest input allows. With last month's shortfall share ``u_i`` of input
  ``i`` in the zone and ``σ_i`` the share of its need that can be designed out at short
  notice (grain-boundary diffusion for Dy/Tb), the input caps output at
  ``(1 − u_i)/(1 − σ_i)``; the magnet supply cut is ``c = β · max_i max(0, (u_i − σ_i)/(1 − σ_i))``.
  It is combined with the stage's own upstream cut as ``max`` (one binding constraint, never
  counted twice).
* **Magnet output drives element demand.** The element demand of a zone follows its magnet
  makers' output: ``D_i ∝ 1 + φ_i (r − 1)`` where ``r`` is last month's magnet output of the
  zone relative to its base share on trend and ``φ_i`` the share of the element's demand used
  to make magnets. An embargo on China's magnets lifts outside magnet output (``r > 1``) and so
  the outside demand for NdPr metal, Dy and Tb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.model.state import Month, State, Static

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class Recipe:
    """Static description of the magnet recipe (R inputs of one magnet market)."""

    magnet: int
    """Index of the magnet market (``magnet_rees``/``magnets``)."""
    inputs: I
    """(R,) market index of each input (NdPr metal, Dy, Tb refining)."""
    kg_per_t: F
    """(R,) kg of input per tonne of magnet [kg/t] (documentation and value shares)."""
    thrift: F
    """(R,) share σ of the input's need that can be designed out at short notice [0–1)."""
    magnet_use: F
    """(R,) share φ of the input's demand that goes into magnets [0–1]."""


def recipe_cut(u: F, thrift: F) -> F:
    """Share of magnet output lost to the scarcest input, ``max_i max(0, (u_i − σ_i)/(1 − σ_i))``.

    Parameters
    ----------
    u : array, (..., R)
        Shortfall share of each input in the zone [0–1].
    thrift : array, (R,)
        Share σ of each input's need that can be designed out [0–1).

    Returns
    -------
    array, (...)
        Output share lost [0–1].
    """
    lost = np.maximum(u - thrift, 0.0) / np.maximum(1.0 - thrift, 1e-9)
    return np.clip(lost.max(axis=-1), 0.0, 1.0)


def demand_factor(ratio: F, magnet_use: F) -> F:
    """Element demand multiple ``1 + φ (r − 1)`` (floored at 0) [-].

    Parameters
    ----------
    ratio : array, (N, 1)
        Magnet output of the zone relative to its base share on trend [-].
    magnet_use : array, (R,)
        Share φ of each element's demand used in magnets [0–1].
    """
    return np.maximum(1.0 + magnet_use * (ratio - 1.0), 0.0)


def recipe_supply_step(
    rc: Recipe, beta: float, mo: Month, u_o: F, u_c: F, own_o: F, own_c: F
) -> None:
    """Cut the magnet market's zone supplies ``a_a``, ``a_r`` (outside) and ``a_c`` (China) by
    the recipe cut where it binds harder than the stage's own upstream cut [fraction of Q0].

    ``mo`` is the month (:class:`mineral_briefs.model.state.Month`); ``u_o``/``u_c`` are last
    month's shortfall shares (N, M); ``own_o``/``own_c`` the magnet market's upstream cut
    already in ``a_*`` (N,).
    """
    j = rc.magnet
    for names, u, own in ((("a_a", "a_r"), u_o, own_o), (("a_c",), u_c, own_c)):
        new = beta * recipe_cut(u[:, rc.inputs], rc.thrift)
        # NOTE: the upstream cut is already in a_* (1 − own); only the harder of the two binds
        keep = (1.0 - np.maximum(new, own)) / np.maximum(1.0 - own, 1e-9)
        for name in names:
            arr = getattr(mo, name)
            arr[:, j] = arr[:, j] * keep


def magnet_ratios(rc: Recipe, mo: Month, s_out: float, s_chn: float) -> tuple[F, F]:
    """Magnet output of the outside and of China this month relative to their base shares on
    trend, ``(N, 1)`` each [-]."""
    j = rc.magnet
    h = mo.h_tr[:, j]
    out = (mo.a_a[:, j] + mo.a_r[:, j] + mo.p_a_[:, j] + mo.p_r_[:, j]) * mo.mult_o[:, j]
    chn = (mo.a_c[:, j] + mo.p_c_[:, j]) * mo.mult_c[:, j]
    r_o = out / np.maximum(s_out * h, 1e-12)
    r_c = chn / np.maximum(s_chn * h, 1e-12)
    return r_o[:, None], r_c[:, None]


def recipe_demand_step(rc: Recipe, mo: Month, r_o: F, r_c: F) -> None:
    """Scale the recipe inputs' demand at the base price (``b_a``, ``b_r``, ``b_c``) and the
    outside reference demand ``ref_o`` by the demand factors of last month's magnet output,
    then refresh the totals and the gap that clearing closes (after ``balance_step``).

    # NOTE: ``ref_o`` moves with demand: magnets not made for want of Dy do not need NdPr, and
    # that NdPr is not a shortfall.
    """
    cols = rc.inputs
    f_o = demand_factor(r_o, rc.magnet_use)
    f_c = demand_factor(r_c, rc.magnet_use)
    # NOTE: balance_step made these arrays fresh this month: scale the R input columns in
    # place and refresh only those columns of the totals and the gap (no (N, M) copies).
    for name, f in (("b_a", f_o), ("b_r", f_o), ("ref_o", f_o), ("b_c", f_c)):
        getattr(mo, name)[:, cols] *= f
    b_a, b_r, b_c = mo.b_a[:, cols], mo.b_r[:, cols], mo.b_c[:, cols]
    mo.b_world[:, cols] = b_world = b_c + b_a + b_r
    mo.b_out[:, cols] = b_out = b_a + b_r
    unified = b_world - mo.a_world[:, cols]
    if mo.any_seg:
        seg = mo.seg[:, cols]
        mo.gap[:, cols] = np.where(seg, b_out - mo.a_out[:, cols], unified)
    else:
        mo.gap[:, cols] = unified


def recipe_step(s: Static, st: State, mo: Month) -> None:
    """The magnet supply cut by the scarcest input, between supply and balance (methodology
    §17). No-op without a recipe."""
    rc = s.markets.recipe
    if rc is None:
        return
    j = rc.magnet
    up = s.up_safe[j]
    own_o = s.beta[j] * st.u_o[:, up]
    own_c = s.beta[j] * st.u_c[:, up]
    recipe_supply_step(rc, float(s.beta[j]), mo, st.u_o, st.u_c, own_o, own_c)


def recipe_balance_step(s: Static, st: State, mo: Month) -> None:
    """The inputs' demand follows last month's magnet output, after balance (§17)."""
    rc = s.markets.recipe
    if rc is None or st.mag_r_o is None or st.mag_r_c is None:
        return
    recipe_demand_step(rc, mo, st.mag_r_o, st.mag_r_c)


def recipe_record_step(s: Static, st: State, mo: Month) -> None:
    """Keep this month's magnet output ratios (outside, China) for next month's demand."""
    rc = s.markets.recipe
    if rc is None:
        return
    j = rc.magnet
    st.mag_r_o, st.mag_r_c = magnet_ratios(rc, mo, float(s.s_a[j] + s.s_r[j]), float(s.s_c[j]))
