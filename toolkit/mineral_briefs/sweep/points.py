"""One grid point: computed in a worker, stored atomically, read back for resumes.

A point's result is two small Parquet tables: its KPIs (all markets, central value and P10/P90)
and its annual IAMC rows for the sweep's markets. They sit in ``<out>/points/<key>.parquet``
and ``<key>-iamc.parquet`` with ``<key>.json`` (lever values, sha256 of both files), written
last: a point counts as done only when its ``.json`` exists and both files match it. ``key`` is
the engine-cache key of the point (:func:`mineral_briefs.engine.cache.result_key`: scenario,
data, draws, seed, version + source), so a changed input never reuses a stored point.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mineral_briefs.render.atomic import atomic_write, atomic_write_many

POINT_KPI_COLUMNS = ("mineral", "stage", "kpi", "value", "unit", "p10", "p90", "flags")


@dataclass(frozen=True)
class PointTask:
    """What a worker needs for one point (plain data: it travels to Dask workers)."""

    index: int
    key: str
    scenario_json: str
    values: dict[str, Any]
    draws: int
    seed: int
    minerals: tuple[str, ...]
    """IAMC rows are kept for these minerals only (all markets when empty)."""


@dataclass(frozen=True)
class PointResult:
    """A computed point: its tables as Parquet bytes (cheap to ship back from a worker)."""

    index: int
    key: str
    values: dict[str, Any]
    kpis: bytes
    iamc: bytes
    data_checksum: str


_DATASET: list[Any] = []


def _dataset() -> Any:
    """The dataset, loaded once per worker process."""
    if not _DATASET:
        from mineral_briefs.data import load_dataset

        _DATASET.append(load_dataset())
    return _DATASET[0]


def compute(task: PointTask) -> PointResult:
    """Run one point (central run + draws, no what-if/tornado rows) in this process."""
    from mineral_briefs import iamc
    from mineral_briefs.engine.run import run
    from mineral_briefs.scenarios.scenario import Scenario

    sc = Scenario.model_validate_json(task.scenario_json)
    res = run(sc, _dataset(), draws=task.draws, seed=task.seed, variants=False)
    kpis = res.kpis.loc[:, list(POINT_KPI_COLUMNS)]
    ts = res.timeseries
    if task.minerals:
        from mineral_briefs.model.codelist import MINERAL_LABELS

        labels = [MINERAL_LABELS.get(m, m) for m in task.minerals]
        names = pd.unique(ts["variable"])
        # NOTE: World rows and `Months Covered` carry no mineral; keep those of every mineral.
        # Decided once per distinct variable name, not per row.
        kept = [v for v in names if _keeps(v.split("|"), labels)]
        ts = ts.loc[ts["variable"].isin(kept)]
    annual = iamc.annual(ts) if len(ts) else ts
    return PointResult(
        index=task.index,
        key=task.key,
        values=task.values,
        kpis=_parquet(kpis),
        iamc=_parquet(annual),
        data_checksum=res.data_checksum,
    )


def _keeps(parts: list[str], labels: list[str]) -> bool:
    """Whether an IAMC variable (split at ``|``) belongs to the sweep's minerals."""
    return len(parts) < 2 or parts[1] in labels or parts[0] == "Months Covered"


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(folder: Path, res: PointResult) -> None:
    """Write a point atomically: both tables first, then the ``.json`` that marks it done."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_many(
        [
            (folder / f"{res.key}.parquet", res.kpis),
            (folder / f"{res.key}-iamc.parquet", res.iamc),
        ]
    )
    meta = {
        "index": res.index,
        "values": res.values,
        "kpis": _sha(res.kpis),
        "iamc": _sha(res.iamc),
        "data_checksum": res.data_checksum,
    }
    atomic_write(folder / f"{res.key}.json", json.dumps(meta, sort_keys=True))


def load(folder: Path, key: str) -> PointResult | None:
    """A stored point, or None when absent, incomplete or failing its sha256 check."""
    marker = folder / f"{key}.json"
    if not marker.exists():
        return None
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
        kpis = (folder / f"{key}.parquet").read_bytes()
        table = (folder / f"{key}-iamc.parquet").read_bytes()
    except (OSError, ValueError):
        return None
    if _sha(kpis) != meta.get("kpis") or _sha(table) != meta.get("iamc"):
        # NOTE: a damaged point is recomputed; remove the marker so it is never trusted.
        with contextlib.suppress(OSError):
            os.unlink(marker)
        return None
    return PointResult(
        index=int(meta["index"]),
        key=key,
        values=dict(meta["values"]),
        kpis=kpis,
        iamc=table,
        data_checksum=str(meta.get("data_checksum", "")),
    )


def read_kpis(res: PointResult) -> pd.DataFrame:
    """The point's KPI table."""
    return pd.read_parquet(io.BytesIO(res.kpis))


def read_iamc(res: PointResult) -> pd.DataFrame:
    """The point's annual IAMC rows."""
    return pd.read_parquet(io.BytesIO(res.iamc))
