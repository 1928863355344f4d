"""The engine's per-Dataset memo of data look-ups: reused for one Dataset, never shared."""

from __future__ import annotations

import dataclasses
import gc

import pandas as pd
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.scenarios import load_scenario


def test_memo_reuses_lookups_but_not_across_datasets() -> None:
    ds = load_dataset()
    sc = load_scenario("baseline")
    first = engine.run(sc, ds, draws=0)
    memo = engine._memo(ds)
    assert any(k[0] == "market_base" for k in memo)
    again = engine.run(sc, ds, draws=0)
    pd.testing.assert_frame_equal(first.kpis, again.kpis)

    # same files (same checksums), edited frame: must not see the first dataset's values
    prod = ds.production.copy()
    prod.loc[prod["unit"] != "%", "value"] = prod.loc[prod["unit"] != "%", "value"] * 2.0
    edited = dataclasses.replace(ds, production=prod)
    assert dict(edited.checksums) == dict(ds.checksums)
    assert engine._memo(edited) is not memo
    b0, b1 = engine._build(sc, ds), engine._build(sc, edited)
    assert (b1.markets.q0_t > b0.markets.q0_t * 1.5).any()

    key = (id(edited), tuple(sorted(edited.checksums.items())))
    assert key in engine._DATA_CACHE
    del edited, b1
    gc.collect()
    assert key not in engine._DATA_CACHE
