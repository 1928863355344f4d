"""Sweep benchmark (issue 15 item 4): points per second of ``mineral-briefs sweep``.

Runs ``ndpr_withhold_60`` over ``share_withheld`` × ``licensing_delay_days`` (10 delays, the
share axis sized to the point count) with 300 draws per point, as configurations
``executor:workers:points`` from ``MB_BENCH_SWEEP`` (default
``local:1:100,local:2:100,dask:2:100,local:2:1000,dask:2:1000``): the local process pool, and a
``distributed.LocalCluster`` of that many single-threaded worker processes. Each run starts
from an empty output folder (no stored point is reused) and writes the IAMC file; the sweep
brief is rendered in the 1,000-point runs only (``--no-brief`` otherwise) and its time is
part of the wall time. Results accumulate in ``bench/out/sweep/runs.json`` so configurations
can be measured in separate sessions; the section lists every recorded run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import register

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "sweep"
DEFAULT = "local:1:100,local:2:100,dask:2:100,local:2:1000,dask:2:1000"
SCENARIO = "ndpr_withhold_60"
DRAWS = 300


def _command(executor: str, workers: int, points: int, out: Path, scheduler: str) -> list[str]:
    n_share = max(1, points // 10)
    step = 1.0 / n_share
    cmd = [
        sys.executable,
        "-m",
        "mineral_briefs",
        "sweep",
        SCENARIO,
        "--vary",
        f"export_controls[0].share_withheld=0:{(n_share - 1) * step:.6f}:{step:.6f}",
        "--vary",
        "export_controls[0].licensing_delay_days=0:90:10",
        "--draws",
        str(DRAWS),
        "--target",
        "cumulative_shortfall_pct<=5",
        "--threshold",
        "cumulative_shortfall_pct>10",
        "--out",
        str(out),
        "--no-progress",
    ]
    if points < 1000:
        cmd.append("--no-brief")
    if executor == "dask":
        cmd += ["--executor", "dask", "--scheduler", scheduler]
    else:
        cmd += ["--workers", str(workers)]
    return cmd


def run_one(executor: str, workers: int, points: int) -> dict[str, object]:
    """One configuration in a subprocess; its wall time, points/s and load averages."""
    out = OUT / f"{executor}-{workers}-{points}"
    if out.exists():
        shutil.rmtree(out)
    cluster = None
    scheduler = ""
    if executor == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        scheduler = cluster.scheduler_address
    try:
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.run(
            _command(executor, workers, points, out, scheduler),
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        load1 = os.getloadavg()[0]
    finally:
        if cluster is not None:
            cluster.close()
    m = re.search(r"(\d+) points \((\d+) reused, (\d+) computed in ([\d.]+) s", proc.stdout)
    return {
        "executor": executor,
        "workers": workers,
        "points": points,
        "exit": proc.returncode,
        "wall_s": round(wall, 1),
        "compute_s": float(m.group(4)) if m else None,
        "computed": int(m.group(3)) if m else None,
        "brief": points >= 1000,
        "load_start": round(load0, 1),
        "load_end": round(load1, 1),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "stderr": proc.stderr[-500:] if proc.returncode else "",
    }


def _table(runs: list[dict[str, object]]) -> str:
    lines = [
        "| executor | workers | points | wall [s] | sweep compute [s] | points/s | brief | "
        "load avg start→end | exit | when |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- |",
    ]
    for r in runs:
        comp = r["compute_s"]
        rate = f"{int(r['computed']) / float(comp):.2f}" if comp else "–"  # type: ignore[arg-type]
        lines.append(
            f"| {r['executor']} | {r['workers']} | {r['points']} | {r['wall_s']} | "
            f"{comp if comp is not None else '–'} | {rate} | {'en+de' if r['brief'] else 'no'} | "
            f"{r['load_start']}→{r['load_end']} | {r['exit']} | {r['when']} |"
        )
    return "\n".join(lines)


@register("sweep")
def bench_sweep() -> str:
    """Run the configurations of ``MB_BENCH_SWEEP`` and return the results section."""
    OUT.mkdir(parents=True, exist_ok=True)
    record = OUT / "runs.json"
    runs = json.loads(record.read_text()) if record.exists() else []
    for spec in os.environ.get("MB_BENCH_SWEEP", DEFAULT).split(","):
        executor, workers, points = spec.split(":")
        sys.stderr.write(f"  sweep {spec} …\n")
        runs.append(run_one(executor, int(workers), int(points)))
        record.write_text(json.dumps(runs, indent=1))
    cores = os.cpu_count()
    return f"""Workload: `mineral-briefs sweep {SCENARIO}` over
`export_controls[0].share_withheld` × `export_controls[0].licensing_delay_days` (10 delays),
{DRAWS} draws per point, central run and draws only (no what-if or tornado rows), IAMC file
and meta; machine: {cores} cores shared with other jobs (load averages in the table). Dask:
`distributed.LocalCluster` of single-threaded worker processes on the same machine. Every run
starts with no stored points.

{_table(runs)}

Reproduce: `MB_BENCH_SWEEP=local:2:1000 python -m bench sweep` (configurations
`executor:workers:points`).
"""
