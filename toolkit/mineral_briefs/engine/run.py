"""The single wiring point: scenario + dataset -> model inputs -> :class:`Results`.

:func:`run` lists the steps of a run in order (like pvlib's ModelChain): build the static
inputs, lay out the deterministic rows and the Monte Carlo draws, simulate, assemble.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mineral_briefs.engine.assemble import _assemble
from mineral_briefs.engine.build import _build
from mineral_briefs.engine.results import Results
from mineral_briefs.engine.rows import _monte_carlo, _rows_from, _Variants, _variants
from mineral_briefs.engine.simulation import _simulate_chunked
from mineral_briefs.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.scenarios import Scenario

logger = logging.getLogger(__name__)


def run(
    scenario: Scenario,
    dataset: Dataset | None = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    central_only: bool = False,
    variants: bool = True,
    timeseries: bool = True,
) -> Results:
    """Simulate one scenario: deterministic path, Monte Carlo bands, KPIs, tornado, what-ifs.

    Parameters
    ----------
    scenario : Scenario
        A resolved scenario (:func:`mineral_briefs.scenarios.load_scenario`).
    dataset : Dataset, optional
        Default: :func:`mineral_briefs.data.load_dataset`.
    draws : int, optional
        Monte Carlo draws (default ``scenario.uncertainty.draws``; 0 = deterministic only).
    seed : int, optional
        Random seed (default ``scenario.uncertainty.seed``).
    central_only : bool
        Only the central deterministic row: no what-if or tornado rows, no draws (``draws``
        is ignored). For comparisons that read the central KPIs only (levers compared); the
        central row is the same simulation as in a full run.
    variants : bool
        False: the central row and the Monte Carlo draws only, without the what-if and tornado
        rows (``whatif``/``sensitivity`` come back empty). For sweeps, which read the KPIs and
        their bands; the central row and the draws are the same as in a full run.
    timeseries : bool
        False: no monthly paths and bands (``timeseries``/``bands`` come back empty, with their
        columns); the KPIs and every other table are those of a full run. For comparisons
        that read the KPIs only (levers compared): the monthly tables were most of the time
        to assemble, store and read such a run.

    Returns
    -------
    Results
    """
    from mineral_briefs.data import load_dataset

    ds = dataset if dataset is not None else load_dataset()
    n_draws = int(scenario.uncertainty.draws if draws is None else draws)
    if n_draws < 0:
        raise ScenarioError(f"draws must be >= 0, got {n_draws}")
    rng_seed = int(scenario.uncertainty.seed if seed is None else seed)
    b = _build(scenario, ds)
    if central_only or not variants:
        n_draws = 0 if central_only else n_draws
        var = _Variants([{}], [("central",)], [], None)
    else:
        var = _variants(b)
    mc = _monte_carlo(b, n_draws, rng_seed) if n_draws > 0 else None
    rows = _rows_from(b, var.overrides, mc)
    sim = _simulate_chunked(b, rows, len(var.overrides))
    results = _assemble(
        scenario, ds, b, sim, var.labels, n_draws, var.tornado, var.main_ctrl, timeseries
    )
    results = dataclasses.replace(
        results, draws=n_draws, seed=rng_seed, data_checksum=_data_checksum(ds.checksums)
    )
    logger.debug(
        "ran %s: %d markets, %d months, %d draws",
        scenario.id,
        b.markets.size,
        b.markets.log_growth.shape[0],
        n_draws,
    )
    return results


def _data_checksum(checksums: Mapping[str, str]) -> str:
    """SHA-256 over ``file=checksum`` lines in file order: one id for the data that ran."""
    text = "\n".join(f"{k}={v}" for k, v in sorted(checksums.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
