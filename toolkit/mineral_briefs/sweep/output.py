"""The sweep's one IAMC file (a scenario per grid point) and its ``meta`` table of levers.

``sweep.csv`` (or ``.parquet``): IAMC long, calendar years (``model, scenario, region,
variable, unit, year, value``; :func:`mineral_briefs.iamc.annual`), one ``scenario`` per grid
point (``<base>__p0000`` …) for the markets of the swept levers. ``sweep-meta.csv``: pyam's
``meta`` layout, one row per point: the lever values (one column per key path), the focal
market's KPIs (central value and ``<kpi>_p10``/``<kpi>_p90``), ``cost_usd`` (consumer plus
fiscal cost over every market, as the levers compared count it) and the run indicators.
``sweep.json`` records the sweep (base, axes, focal market, target) for the sweep brief.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mineral_briefs import __version__
from mineral_briefs.engine.results import MODEL_NAME, meta_path, neutralise_formulas
from mineral_briefs.render.atomic import atomic_write
from mineral_briefs.scenarios.sweep import Axis, point_id
from mineral_briefs.sweep.points import PointResult, read_iamc, read_kpis

SWEEP_KPIS: tuple[str, ...] = (
    "cumulative_shortfall_pct",
    "cumulative_shortfall_t",
    "peak_price_multiple_outside",
    "peak_price_multiple_alliance",
    "months_to_recovery",
    "alliance_self_sufficiency",
    "stockpile_days_used",
    "consumer_cost_usd",
    "fiscal_cost_usd",
)
"""KPIs of the focal market carried into ``meta`` (central, P10, P90)."""


def meta_table(
    results: Sequence[PointResult],
    base_id: str,
    axes: Sequence[Axis],
    market: tuple[str, str],
    run: dict[str, Any],
) -> pd.DataFrame:
    """One ``meta`` row per point (see the module docstring)."""
    mineral, stage = market
    rows = []
    for res in results:
        k = read_kpis(res)
        focal = k.loc[(k["mineral"] == mineral) & (k["stage"] == stage)].set_index("kpi")
        row: dict[str, Any] = {"model": MODEL_NAME, "scenario": point_id(base_id, res.index)}
        row["point"] = res.index
        for axis in axes:
            row[axis.path] = res.values[axis.path]
        for kpi in SWEEP_KPIS:
            hit = focal.loc[kpi] if kpi in focal.index else None
            row[kpi] = float(hit["value"]) if hit is not None else float("nan")
            row[f"{kpi}_p10"] = float(hit["p10"]) if hit is not None else float("nan")
            row[f"{kpi}_p90"] = float(hit["p90"]) if hit is not None else float("nan")
        money = k.loc[k["kpi"].isin(("consumer_cost_usd", "fiscal_cost_usd")), "value"]
        row["cost_usd"] = float(money.fillna(0.0).sum())
        row.update(
            base_scenario=base_id,
            mineral=mineral,
            stage=stage,
            data_checksum=res.data_checksum,
            toolkit_version=__version__,
            **run,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def data_table(results: Sequence[PointResult]) -> pd.DataFrame:
    """The IAMC long table of every point (annual), in grid order."""
    parts = [read_iamc(r) for r in results]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["model", "scenario", "region", "variable", "unit", "year"])
    return pd.concat(parts, ignore_index=True)


def write(
    folder: Path,
    data: pd.DataFrame,
    meta: pd.DataFrame,
    spec: dict[str, Any],
    *,
    fmt: str = "csv",
) -> Path:
    """Write ``sweep.<fmt>``, ``sweep-meta.<fmt>`` and ``sweep.json`` atomically."""
    import io

    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"sweep.{fmt}"
    for frame, path in ((data, out), (meta, meta_path(out))):
        clean = neutralise_formulas(frame)
        if fmt == "parquet":
            buf = io.BytesIO()
            clean.to_parquet(buf, index=False)
            atomic_write(path, buf.getvalue())
        else:
            atomic_write(path, clean.to_csv(index=False))
    atomic_write(folder / "sweep.json", json.dumps(spec, indent=1, sort_keys=True))
    return out


def read_meta(folder: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The sweep's ``meta`` table and ``sweep.json`` (for the sweep brief)."""
    spec = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    path = meta_path(folder / f"sweep.{spec.get('format', 'csv')}")
    meta = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return meta, spec
