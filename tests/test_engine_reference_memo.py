"""The no-shock reference run is shared by runs that differ only in their export controls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.engine import simulation
from mineral_briefs.engine.kpis import _quantiles
from mineral_briefs.scenarios import Scenario, load_scenario


@pytest.fixture(scope="module")
def dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


def _share(sc: Scenario, share: float) -> Scenario:
    first = sc.export_controls[0].model_copy(update={"share_withheld": share})
    return sc.model_copy(update={"export_controls": (first, *sc.export_controls[1:])})


def _run(sc: Scenario, dataset) -> engine.Results:  # type: ignore[no-untyped-def]
    return engine.run(sc, dataset, draws=60, seed=3, variants=False)


def test_runs_differing_in_controls_share_one_reference(dataset) -> None:  # type: ignore[no-untyped-def]
    simulation._REFERENCE_MEMO.clear()
    base = load_scenario("ndpr_withhold_60")
    _run(_share(base, 0.6), dataset)
    keys = set(simulation._REFERENCE_MEMO)
    memo_b = _run(_share(base, 0.3), dataset)
    assert set(simulation._REFERENCE_MEMO) == keys  # no new reference computed
    simulation._REFERENCE_MEMO.clear()
    fresh_b = _run(_share(base, 0.3), dataset)
    pd.testing.assert_frame_equal(memo_b.kpis, fresh_b.kpis)
    pd.testing.assert_frame_equal(memo_b.timeseries, fresh_b.timeseries)


def test_a_change_outside_the_controls_computes_a_new_reference(dataset) -> None:  # type: ignore[no-untyped-def]
    simulation._REFERENCE_MEMO.clear()
    base = load_scenario("ndpr_withhold_60")
    _run(base, dataset)
    keys = set(simulation._REFERENCE_MEMO)
    _run(base, dataset)  # same inputs again
    assert set(simulation._REFERENCE_MEMO) == keys
    engine.run(base, dataset, draws=60, seed=4, variants=False)  # other draws: other rows
    assert len(set(simulation._REFERENCE_MEMO) - keys) >= 1
    assert all(not a.flags.writeable for a in simulation._REFERENCE_MEMO.values())


def test_memo_is_bounded(dataset) -> None:  # type: ignore[no-untyped-def]
    simulation._REFERENCE_MEMO.clear()
    base = load_scenario("ndpr_withhold_60")
    for seed in range(simulation.REFERENCE_MEMO_SIZE + 2):
        engine.run(base, dataset, draws=20, seed=seed, variants=False)
    assert len(simulation._REFERENCE_MEMO) == simulation.REFERENCE_MEMO_SIZE


def test_quantiles_match_nanquantile_with_and_without_missing_draws() -> None:
    rng = np.random.default_rng(0)
    v = rng.lognormal(size=(301, 6))
    v[::7, 2] = np.nan
    v[:, 4] = np.nan
    got = _quantiles("peak_price_multiple", v)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(v, (0.1, 0.9), axis=0)
    np.testing.assert_array_equal(got, want)
