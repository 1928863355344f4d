"""The rows the model runs: the deterministic variants (central run, what-if grid, tornado
end points) and the seeded Monte Carlo draws, stacked into the model's :class:`Rows`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from mineral_briefs.model.simulate import Rows
from mineral_briefs.model.uncertainty import draw_bernoulli, draw_uniform

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.engine.build import _Built

WHATIF_SHARES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
WHATIF_FLOOR_FACTORS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
TORNADO_PARAMETERS: tuple[str, ...] = (
    "elasticity_demand_sr",
    "elasticity_supply_sr",
    "elasticity_demand_lr",
    "elasticity_supply_lr",
    "adjustment_months",
    "inventory_months",
    "demand_growth_exponent",
    "licensing_delay_factor",
    "licensing_ramp_factor",
)


class _Variants(NamedTuple):
    """The deterministic rows of a run, in row order (row 0 is the central run)."""

    overrides: list[dict[str, Any]]
    """Per row, the inputs that differ from the central values."""
    labels: list[tuple[str, ...]]
    """Per row: ``("central",)``, ``("whatif", lever, value[, floor index])`` or
    ``("tornado", parameter, "low" | "high")``."""
    tornado: list[str]
    """Tornado parameters of this scenario (licensing ones only with export controls)."""
    main_ctrl: int | None
    """Index of the export control the share what-if varies (the first that hits a market)."""


def _variants(b: _Built) -> _Variants:
    """Deterministic variants: central, what-if levels, tornado end points."""
    variants: list[dict[str, Any]] = [{}]
    labels: list[tuple[str, ...]] = [("central",)]
    main_ctrl = next((c for c, hit in enumerate(b.ctrl_markets) if hit), None)
    if main_ctrl is not None:
        # NOTE: the scenario's own share is a grid point, so the slider at its starting
        # position shows exactly the central estimate of the summary.
        own = float(b.ctrl_share[main_ctrl])
        for s in sorted({*WHATIF_SHARES, round(own, 6)}):
            variants.append({"share": (main_ctrl, s)})
            labels.append(("whatif", "share_withheld", str(s)))
    # NOTE: every floor gets its own what-if line (the others held), so the slider of a brief
    # can show the floor of whichever market heads it.
    for fi in range(b.floor_usd.size):
        for f in WHATIF_FLOOR_FACTORS:
            variants.append({"floor": (fi, b.floor_mult[fi] * f)})
            labels.append(("whatif", "floor_usd_per_kg", str(b.floor_usd[fi] * f), str(fi)))
    tornado = [p for p in TORNADO_PARAMETERS if not p.startswith("licensing") or b.ctrl_share.size]
    for p in tornado:
        for end in ("low", "high"):
            val = getattr(b, end)[p]
            variants.append({p: float(val[0]) if p.startswith("licensing") else val})
            labels.append(("tornado", p, end))
    return _Variants(variants, labels, tornado, main_ctrl)


def _rows_from(
    b: _Built,
    overrides: list[dict[str, Any]],
    mc: dict[str, np.ndarray] | None,
) -> Rows:
    """Stack deterministic variant rows (central values + overrides) and Monte Carlo rows."""
    m = b.markets.size

    def col(name: str, ov: dict[str, Any]) -> np.ndarray:
        if name in ov:
            return np.broadcast_to(np.asarray(ov[name], float), (m,))
        return b.central[name]

    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "eps_d_sr",
            "eps_d_lr",
            "eps_s_sr",
            "eps_s_lr",
            "tau",
            "growth",
            "inv",
            "delay",
            "ramp",
            "share",
            "floor",
            "proj",
        )
    }
    for ov in overrides:
        parts["eps_d_sr"].append(col("elasticity_demand_sr", ov)[None])
        # NOTE: the long-run demand response is never weaker than the short-run one, as in
        # the draws (_monte_carlo): a tornado end point or a small factor on the assumed
        # long-run elasticities (§14) could otherwise put it above the short-run value
        eds_row = col("elasticity_demand_sr", ov)
        parts["eps_d_lr"].append(np.minimum(col("elasticity_demand_lr", ov), eds_row)[None])
        parts["eps_s_sr"].append(col("elasticity_supply_sr", ov)[None])
        parts["eps_s_lr"].append(col("elasticity_supply_lr", ov)[None])
        parts["tau"].append(col("adjustment_months", ov)[None])
        parts["growth"].append(col("demand_growth_exponent", ov)[None])
        parts["inv"].append(col("inventory_months", ov)[None])
        dfac = float(ov.get("licensing_delay_factor", b.central["licensing_delay_factor"][0]))
        rfac = float(ov.get("licensing_ramp_factor", b.central["licensing_ramp_factor"][0]))
        parts["delay"].append((b.ctrl_delay * dfac)[None])
        parts["ramp"].append((b.ctrl_ramp * rfac)[None])
        sh = b.ctrl_share.copy()
        if "share" in ov:
            sh[ov["share"][0]] = ov["share"][1]
        parts["share"].append(sh[None])
        fm = b.floor_mult.copy()
        if "floor" in ov:
            fm[ov["floor"][0]] = ov["floor"][1]
        parts["floor"].append(fm[None])
        parts["proj"].append(b.proj_prob[None])
    if mc is not None:
        for key, arr in mc.items():
            parts[key].append(arr)
    cat = {k: np.concatenate(v, axis=0) for k, v in parts.items()}
    return Rows(
        eps_d_sr=cat["eps_d_sr"],
        eps_d_lr=cat["eps_d_lr"],
        eps_s_sr=cat["eps_s_sr"],
        eps_s_lr=cat["eps_s_lr"],
        tau_months=cat["tau"],
        growth_exponent=cat["growth"],
        inventory_months=cat["inv"],
        delay_months=cat["delay"],
        ramp_months=cat["ramp"],
        share=cat["share"],
        floor_multiple=cat["floor"],
        project_on=cat["proj"],
    )


def _monte_carlo(b: _Built, n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded draws: uniform between each parameter's low and high (model_parameters.csv)."""
    rng = np.random.default_rng(seed)

    def u(name: str, shape_to: tuple[int, ...] | None = None) -> np.ndarray:
        out = draw_uniform(rng, b.low[name], b.high[name], n)
        return out if shape_to is None else np.broadcast_to(out, shape_to)

    k = b.ctrl_share.size
    # NOTE: demand-growth uncertainty is one draw per mineral (shared by its stages).
    minerals = sorted(set(b.markets.mineral))
    g_draw = draw_uniform(rng, np.zeros(len(minerals)), np.ones(len(minerals)), n)
    gi = np.array([minerals.index(x) for x in b.markets.mineral])
    growth = b.low["demand_growth_exponent"] + g_draw[:, gi] * (
        b.high["demand_growth_exponent"] - b.low["demand_growth_exponent"]
    )
    dfac = u("licensing_delay_factor")[:, :1]
    rfac = u("licensing_ramp_factor")[:, :1]
    eds = u("elasticity_demand_sr")
    ess = u("elasticity_supply_sr")
    # NOTE: long-run responses are never weaker than short-run ones within a draw
    esl = np.maximum(u("elasticity_supply_lr"), ess)
    return {
        "eps_d_sr": eds,
        "eps_d_lr": np.minimum(u("elasticity_demand_lr"), eds),
        "eps_s_sr": ess,
        "eps_s_lr": esl,
        "tau": u("adjustment_months"),
        "growth": growth,
        "inv": u("inventory_months"),
        "delay": np.broadcast_to(b.ctrl_delay, (n, k)) * dfac,
        "ramp": np.broadcast_to(b.ctrl_ramp, (n, k)) * rfac,
        "share": np.broadcast_to(b.ctrl_share, (n, k)).copy(),
        "floor": np.broadcast_to(b.floor_mult, (n, b.floor_mult.size)).copy(),
        "proj": draw_bernoulli(rng, b.proj_prob, n),
    }
