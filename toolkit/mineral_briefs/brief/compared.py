"""Levers compared: the scenario's alternatives run through the engine and ranked.

Each alternative is the brief's own scenario with one small, documented modification (a
stockpile release, a price floor, an offtake, a new project, a wider alliance), validated like
a scenario file and run deterministically (the central estimate, as every figure of a brief).
The brief reports, per lever, the shortfall it avoids in the focal market and what it costs
consumers and taxpayers, and ranks the levers by shortfall avoided and by cost per tonne avoided.

The modifications (docs/methodology.md §17, "levers compared"):

* ``stockpile`` — an alliance stock of 60 days of the alliance's demand of the focal mineral
  (JOGMEC's long-standing target, IEA_POLICY_JP), held at refining, released against the
  shortfall, refilled over 12 months once the price is back below 1.1× its base;
* ``floor`` — a variable levy holding the alliance price at a floor: 110 USD/kg for magnet rare
  earths (the DoD–MP Materials NdPr floor, DOD_MP_2025), else 1.5× the base price (an
  assumption), from the first export control's effective date;
* ``offtake`` — the same floor paid by governments on an offtake of one typical project's
  output a year (project size from the model parameters);
* ``projects`` — one project of the typical size, online 12 months after the first control
  takes effect, ramping up over 12 months, certain to be built;
* ``alliance`` — the wider Minerals Security Partnership (``wider_partnership``) instead of the
  scenario's alliance; export controls and floors keep their original targets and members,
  so only who shares supply changes. Keeping the targets means writing them out as the
  original member list, and the engine sizes a control on named countries from their end-use
  demand share, on ``alliance`` from the stage's demand split: the two differ (for
  controls_oct2025 the magnet shortfall is 9.3 kt with ``alliance``, 9.9 kt with the same
  members named). The lever is therefore measured like for like, against the scenario with
  the targets named and the alliance unchanged
  (:func:`~mineral_briefs.brief_runs.variants.wider_reference`), and its effect is
  applied to the scenario's own shortfall.

Cost per tonne avoided is only quoted where a lever avoids a material share of the shortfall
(:data:`MATERIAL_SHARE_PCT`), and then against the market price (:func:`price_multiple`).

A lever the scenario already uses (a floor in a floor scenario) or that cannot apply (no sourced
project size, a custom alliance) is listed with the reason and not run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

# NOTE: the variants are built in brief_runs, beside the prefetch that plans the same runs
# without importing the brief.
from mineral_briefs.brief_runs.variants import (
    LEVER_RUN,
    focal_value,
    nothing_to_compare,
    variants,
    wider_reference,
)

NOTHING_TO_COMPARE: Final[tuple[str, ...]] = (
    "compared.skip.no_shortfall",
    "compared.skip.tiny_shortfall",
)
"""Skip reasons that apply to every lever of a brief (the section says one sentence)."""
MATERIAL_SHARE_PCT: Final[float] = 5.0
"""Share of the scenario's shortfall a lever must avoid before its cost per tonne is quoted
[%]. NOTE: judgement call; below it the cost per tonne divides by a rounding-size amount and
reads as a bargain it is not (controls_oct2025: an offtake avoiding 0.3 % at USD 3.0 m/t)."""
SOURCES: Final[dict[str, str]] = {
    "stockpile": "IEA_POLICY_JP",
    "floor": "DOD_MP_2025",
    "offtake": "DOD_MP_2025",
    "projects": "",
    "alliance": "",
}
"""Source id behind each modification's size (empty: model parameter or assumption)."""


@dataclass(frozen=True)
class LeverResult:
    """One compared lever: what it changes and what the engine says it does.

    ``skipped`` holds the catalogue key of the reason when the lever was not run; the numbers
    are then NaN.
    """

    lever: str
    detail: str
    """What was changed, in the brief's terms (raw text, escape before HTML)."""
    skipped: str
    shortfall_t: float
    """Cumulative shortfall of the focal market with the lever [t]."""
    avoided_t: float
    """Shortfall avoided against the scenario [t] (negative: the lever adds to it)."""
    avoided_pct: float
    """Share of the scenario's shortfall avoided [%]."""
    extra_cost_usd: float
    """Extra consumer and fiscal cost against the scenario, all markets, cumulative [USD]."""
    cost_usd_per_t: float
    """Extra cost per tonne avoided [USD/t]; NaN when nothing is avoided or nothing costed."""
    costed: bool
    """False when the model books no money for this lever (stockpiles, projects, alliance)."""
    peak_multiple: float
    """Peak price outside China with the lever [× base price]."""
    cost_price_multiple: float = float("nan")
    """Cost per tonne avoided over the market's base price per tonne [×]; NaN where the cost
    per tonne is not quoted."""


# --------------------------------------------------------------------------- running them

_CACHE: dict[tuple[Any, ...], list[LeverResult]] = {}
"""Compared levers per (scenario digest, data checksums, focal market): the German and
English briefs of one scenario rendered in the same kernel share the engine runs."""


def _money(kpis: pd.DataFrame) -> float:
    """Consumer plus fiscal cost over every market, cumulative [USD]."""
    sel = kpis[kpis["kpi"].isin(("consumer_cost_usd", "fiscal_cost_usd"))]
    return float(sel["value"].fillna(0.0).sum())


def compare(
    scenario: Any, results: Any, dataset: Any, mineral: str, stage: str
) -> list[LeverResult]:
    """Run every lever's variant (deterministic, central estimate) and measure it against the
    scenario's own central run.

    Returns
    -------
    list of LeverResult
        In :data:`~mineral_briefs.brief_runs.variants.LEVERS` order (rank with :func:`ranked`).
    """
    key = (
        str(scenario.digest()),
        tuple(sorted(getattr(dataset, "checksums", {}).items())),
        mineral,
        stage,
    )
    if key in _CACHE:
        return _CACHE[key]
    from mineral_briefs.engine.cache import cached_run

    own_short = focal_value(results.kpis, mineral, stage, "cumulative_shortfall_t")
    nothing = nothing_to_compare(results.kpis, mineral, stage)
    own_money = _money(results.kpis)
    base = focal_value(results.kpis, mineral, stage, "base_price_usd_per_kg")
    out = []
    for lever, (sc, detail, skipped) in variants(scenario, results, mineral, stage).items():
        if nothing:
            out.append(_skipped(lever, detail, nothing))
            continue
        if sc is None:
            out.append(_skipped(lever, detail, skipped))
            continue
        run = cached_run(sc, dataset, **LEVER_RUN)
        short = focal_value(run.kpis, mineral, stage, "cumulative_shortfall_t")
        ref_short, ref_money = own_short, own_money
        if lever == "alliance":
            ref = cached_run(wider_reference(scenario), dataset, **LEVER_RUN)
            ref_short = focal_value(ref.kpis, mineral, stage, "cumulative_shortfall_t")
            ref_money = _money(ref.kpis)
            detail = f"{detail}|{ref_short:.6g}|{short:.6g}"
            if _same_run(ref.kpis, run.kpis, mineral, stage):
                # NOTE: with China's targets and the floors pinned to the original members,
                # membership acts only through what the alliance holds (its stockpiles); where
                # nothing changes, "0 t avoided" would read as a lever that failed.
                out.append(_skipped(lever, detail, "compared.skip.alliance_same"))
                continue
        # NOTE: the effect is measured against the lever's own reference and applied to the
        # scenario's shortfall, so "shortfall with it" = scenario − avoided in every row.
        avoided = ref_short - short
        short = own_short - avoided
        extra = _money(run.kpis) - ref_money
        costed = lever in ("floor", "offtake")
        pct = 100.0 * avoided / own_short
        # NOTE: no cost per tonne over a sliver avoided (MATERIAL_SHARE_PCT): it reads as a
        # bargain it is not; table, answer box and CSV all leave it out.
        quoted = costed and avoided >= 1.0 and pct >= MATERIAL_SHARE_PCT
        per_t = extra / avoided if quoted else float("nan")
        multiple = per_t / (1000.0 * base) if quoted and base > 0 else float("nan")
        out.append(
            LeverResult(
                lever=lever,
                detail=detail,
                skipped="",
                shortfall_t=short,
                avoided_t=avoided,
                avoided_pct=pct,
                extra_cost_usd=extra if costed else float("nan"),
                cost_usd_per_t=per_t,
                costed=costed,
                peak_multiple=focal_value(run.kpis, mineral, stage, "peak_price_multiple_outside"),
                cost_price_multiple=multiple,
            )
        )
    _CACHE[key] = out
    return out


SAME_RELATIVE: float = 1e-9
"""Relative difference under which two runs' focal shortfall and peak price count as equal."""


def _same_run(a: pd.DataFrame, b: pd.DataFrame, mineral: str, stage: str) -> bool:
    """The focal market's shortfall and outside peak price are equal in two KPI frames."""
    for kpi in ("cumulative_shortfall_t", "peak_price_multiple_outside"):
        x, y = focal_value(a, mineral, stage, kpi), focal_value(b, mineral, stage, kpi)
        if not math.isclose(x, y, rel_tol=SAME_RELATIVE, abs_tol=1e-9):
            return False
    return True


def _skipped(lever: str, detail: str, reason: str) -> LeverResult:
    nan = float("nan")
    return LeverResult(lever, detail, reason, nan, nan, nan, nan, nan, False, nan)


def ranked(rows: Sequence[LeverResult]) -> list[LeverResult]:
    """Levers that ran, most shortfall avoided first (ties: cheaper per tonne first), then
    the skipped ones in table order."""
    ran = [r for r in rows if not r.skipped]

    def key(r: LeverResult) -> tuple[float, float]:
        per_t = r.cost_usd_per_t if math.isfinite(r.cost_usd_per_t) else math.inf
        return (-round(r.avoided_t, 6), per_t)

    return sorted(ran, key=key) + [r for r in rows if r.skipped]


def best(rows: Sequence[LeverResult]) -> LeverResult | None:
    """The lever that avoids the most shortfall (at least 1 t), else None."""
    order = ranked(rows)
    top = order[0] if order else None
    return top if top is not None and not top.skipped and top.avoided_t >= 1.0 else None


def material(r: LeverResult) -> bool:
    """True when the lever avoids at least :data:`MATERIAL_SHARE_PCT` of the shortfall."""
    return not r.skipped and r.avoided_t >= 1.0 and r.avoided_pct >= MATERIAL_SHARE_PCT


def material_costed(rows: Sequence[LeverResult]) -> list[LeverResult]:
    """The costed levers (a cost per tonne avoided) that avoid a material share of the
    shortfall."""
    return [r for r in rows if math.isfinite(r.cost_usd_per_t) and material(r)]


def cheapest(rows: Sequence[LeverResult]) -> LeverResult | None:
    """The costed lever with the lowest cost per tonne avoided among those that avoid a
    material share of the shortfall, else None."""
    costed = material_costed(rows)
    return min(costed, key=lambda r: r.cost_usd_per_t) if costed else None


def price_multiple(r: LeverResult, base_usd_per_kg: float) -> float:
    """Cost per tonne avoided as a multiple of the market's base price per tonne [×]."""
    if not (math.isfinite(r.cost_usd_per_t) and math.isfinite(base_usd_per_kg)):
        return float("nan")
    return r.cost_usd_per_t / (1000.0 * base_usd_per_kg) if base_usd_per_kg > 0 else math.nan
