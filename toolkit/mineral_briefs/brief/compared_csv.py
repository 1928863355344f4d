"""Levers compared as key-figure CSV rows (the brief's data download, beside the KPI rows).

Every row is a deterministic engine run of the focal market (:mod:`mineral_briefs.brief.compared`),
so its central value is also its P10 and P90.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mineral_briefs.brief.compared import MATERIAL_SHARE_PCT, SOURCES, LeverResult


def central_row(
    scenario_id: str, mineral: str, stage: str, kpi: str, value: float, unit: str, note: str
) -> dict[str, Any]:
    """One key-figure CSV row of the focal market from a deterministic (central) run.

    A single run has no spread: its value is also its P10 and P90.
    """
    return {
        "scenario": scenario_id,
        "mineral": mineral,
        "stage": stage,
        "kpi": kpi,
        "statistic": "central",
        "value": value,
        "unit": unit,
        "p10": value,
        "p90": value,
        "flags": "",
        "note": note,
        "focal": True,
    }


def csv_rows(
    rows: Sequence[LeverResult], scenario_id: str, mineral: str, stage: str
) -> list[dict[str, Any]]:
    """The compared levers as key-figure CSV rows (``kpi`` = ``lever_<measure>|<lever>``)."""
    measures: Mapping[str, tuple[str, str]] = {
        "lever_shortfall_t": ("shortfall_t", "t"),
        "lever_shortfall_avoided_t": ("avoided_t", "t"),
        "lever_shortfall_avoided_pct": ("avoided_pct", "%"),
        "lever_extra_cost_usd": ("extra_cost_usd", "USD"),
        "lever_cost_usd_per_t": ("cost_usd_per_t", "USD/t"),
        "lever_peak_price_multiple_outside": ("peak_multiple", "x base price"),
        "lever_cost_price_multiple": ("cost_price_multiple", "x base price per t"),
    }

    def row(kpi: str, value: float, unit: str, note: str) -> dict[str, Any]:
        return central_row(scenario_id, mineral, stage, kpi, value, unit, note)

    out = [
        row(
            "lever_material_share_pct",
            MATERIAL_SHARE_PCT,
            "%",
            "cost per tonne avoided is quoted only for levers that avoid at least this "
            "share of the scenario's shortfall (judgement call)",
        )
    ]
    for r in rows:
        for kpi, (attr, unit) in measures.items():
            out.append(row(f"{kpi}|{r.lever}", getattr(r, attr), unit, _note(r)))
    return out


def _note(r: LeverResult) -> str:
    if r.skipped:
        return f"not run: {r.skipped.rsplit('.', 1)[-1]}"
    src = SOURCES.get(r.lever, "")
    money = (
        "consumer + fiscal cost over every market, cumulative, against the scenario"
        if r.costed
        else "the model books no money for this lever"
    )
    detail = r.detail
    if r.lever == "alliance":
        name, ref, run = (r.detail.split("|") + ["", "", ""])[:3]
        detail = (
            f"{name}; measured against the scenario with China's targets named as the "
            f"original members ({ref} t), wider alliance {run} t; effect applied to the "
            "scenario's shortfall"
        )
    return (
        f"deterministic engine run of the scenario with lever {r.lever} ({detail})"
        + (f", size source {src}" if src else "")
        + f"; {money}"
    )
