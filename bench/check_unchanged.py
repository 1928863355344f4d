"""Check by hand that a change to the model loop leaves the engine's results unchanged.

Usage (from a checkout, with its ``toolkit`` on ``PYTHONPATH``)::

    python -m bench.check_unchanged record DIR   # on the reference commit (e.g. main)
    python -m bench.check_unchanged compare DIR  # on the changed commit

``record`` runs several built-in scenarios with Monte Carlo draws (every market) and pickles
KPIs, timeseries, bands, sensitivity, what-if and stockpile use; ``compare`` re-runs them and
reports the largest relative difference per table, failing (exit 1) above ``RTOL``.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SCENARIOS: tuple[str, ...] = (
    "combined_stress",
    "baseline",
    "alliance_floor",
    "stockpile_response",
    "ndpr_withhold_60",
    "suspension_snapback",
)
DRAWS = 3000
SEED = 7
RTOL = 1e-4
ATOL = 1e-9
TABLES = ("kpis", "timeseries", "bands", "sensitivity", "whatif", "stockpile_use")


def _run() -> dict[str, dict[str, pd.DataFrame]]:
    from mineral_briefs.data import load_dataset
    from mineral_briefs.engine import run
    from mineral_briefs.scenarios import load_scenario

    ds = load_dataset()
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for sid in SCENARIOS:
        sc = load_scenario(sid).model_copy(update={"markets": None})
        res = run(sc, ds, draws=DRAWS, seed=SEED)
        out[sid] = {t: getattr(res, t).reset_index(drop=True) for t in TABLES}
    return out


def _compare(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, str]:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return float("inf"), f"shape/columns differ: {a.shape} vs {b.shape}"
    worst, where = 0.0, ""
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xv, yv = x.to_numpy(float), y.to_numpy(float)
            if not np.array_equal(np.isnan(xv), np.isnan(yv)):
                return float("inf"), f"NaN pattern differs in {col}"
            ok = ~np.isnan(xv)
            err = np.abs(xv[ok] - yv[ok]) / (ATOL + RTOL * np.abs(xv[ok]))
            e = float(err.max()) if err.size else 0.0
            if e > worst:
                i = int(np.argmax(err))
                worst, where = e, f"{col}: {xv[ok][i]!r} vs {yv[ok][i]!r}"
        elif not x.astype(str).equals(y.astype(str)):
            n = int((x.astype(str) != y.astype(str)).sum())
            return float("inf"), f"{col}: {n} non-numeric cells differ"
    return worst, where


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("record", "compare"):
        sys.stderr.write(__doc__ or "")
        return 2
    path = Path(argv[1]) / "reference.pkl"
    if argv[0] == "record":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(_run()))
        sys.stdout.write(f"recorded {path}\n")
        return 0
    ref = pickle.loads(path.read_bytes())
    new = _run()
    bad = 0
    for sid in SCENARIOS:
        for t in TABLES:
            e, where = _compare(ref[sid][t], new[sid][t])
            status = "ok" if e <= 1.0 else "DIFFERS"
            bad += status != "ok"
            sys.stdout.write(f"{sid:22s} {t:14s} {status:8s} err/tol={e:.3g} {where}\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
