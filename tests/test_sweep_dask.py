"""Sweeps on a real local Dask cluster: same results as the process pool; a worker with other
data is refused with a clear error before any point runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import RenderError
from mineral_briefs.locations import data_dir
from mineral_briefs.scenarios import load_scenario
from mineral_briefs.scenarios.sweep import grid, parse_vary
from mineral_briefs.sweep.run import execute, minerals_of, plan

distributed = pytest.importorskip("distributed")

SHARE = "export_controls[0].share_withheld"


def _tasks() -> list:
    points = grid(load_scenario("ndpr_withhold_60"), [parse_vary(f"{SHARE}=0.3,0.6")])
    return plan(
        points, dict(load_dataset().checksums), draws=5, seed=3, minerals=minerals_of(points)
    )


def test_dask_cluster_gives_the_pool_results(tmp_path: Path) -> None:
    tasks = _tasks()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask, reused = execute(tasks, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert reused == 0 and len(on_dask) == 2
    local, _ = execute(tasks, tmp_path / "local", workers=1)
    for a, b in zip(on_dask, local, strict=True):
        assert a.index == b.index and a.kpis == b.kpis and a.iamc == b.iamc


def test_a_worker_with_other_data_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "data"
    shutil.copytree(data_dir(), other)
    prices = other / "prices.csv"
    prices.write_text(prices.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"MINERAL_BRIEFS_DATA": str(other)},
    ) as cluster:
        with pytest.raises(RenderError, match=r"Dask worker .* differs from this client in: data"):
            execute(_tasks(), tmp_path / "pts", scheduler=cluster.scheduler_address)
    assert not (tmp_path / "pts").exists() or not list((tmp_path / "pts").glob("*.json"))
