"""Monthly P10/P50/P90 bands of the simulation equal numpy's quantiles of the same draws."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.model.simulate import BAND_VARIABLES, simulate
from mineral_briefs.model.uncertainty import QUANTILES
from mineral_briefs.scenarios import load_scenario


@pytest.mark.parametrize("sid", ["ndpr_withhold_60", "combined_stress", "baseline"])
def test_bands_match_numpy_quantiles_of_the_paths(sid: str) -> None:
    b = engine._build(load_scenario(sid), load_dataset())
    rows = engine._rows_from(b, [], engine._monte_carlo(b, 101, seed=3))
    stat = (b.controls, b.floors, b.stockpiles, b.projects)
    banded = simulate(b.markets, rows, *stat, n_path=0)
    full = simulate(b.markets, rows, *stat, n_path=rows.n, band_variables=())
    p = full.paths
    derived = {
        "supply_world": p["supply_china"] + p["supply_alliance"] + p["supply_row"],
        "demand_world": p["demand_china"] + p["demand_alliance"] + p["demand_row"],
        "price_alliance": p["price_alliance"],
    }
    for v in BAND_VARIABLES:
        values = derived.get(v, p.get(v))
        assert values is not None, v
        want = np.quantile(values, QUANTILES, axis=1).transpose(1, 0, 2)  # (T, 3, M)
        np.testing.assert_allclose(banded.bands[v], want, rtol=1e-9, atol=1e-12, err_msg=v)
