"""Convention tests: every model parameter is sourced and documented; observations are sourced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mineral_briefs.backtest import EPISODES
from mineral_briefs.data import load_dataset
from mineral_briefs.engine.params import ASSUMED_LR_DEMAND_SCALE, _Params
from mineral_briefs.errors import DataError


def test_parameters_are_sourced_and_documented(repo_root: Path) -> None:
    ds = load_dataset()
    params = ds.model_parameters
    assert len(params) > 50
    sources = set(ds.sources["source_id"])
    assert set(params["source_id"]) <= sources
    # an elasticity without a published source is labelled an assumption; one with a source
    # carries that source's confidence (copper and nickel: GLOMBO_ELAS, secondary)
    el = params.loc[params["parameter"].str.startswith("elasticity")]
    unsourced = el["source_id"] == "ASSUMPTION"
    assert (el.loc[unsourced, "confidence"] == "assumption").all()
    conf = ds.sources.set_index("source_id")["confidence"]
    sourced = el.loc[~unsourced]
    assert (sourced["confidence"] != "assumption").all()
    assert (sourced["confidence"].to_numpy() == conf[sourced["source_id"]].to_numpy()).all()
    doc = (repo_root / "docs" / "methodology.md").read_text(encoding="utf-8")
    missing = sorted({p for p in params["parameter"] if f"`{p}`" not in doc})
    assert not missing, f"parameters missing from docs/methodology.md: {missing}"


def test_observations_are_sourced_and_belong_to_shipped_episodes(repo_root: Path) -> None:
    ds = load_dataset()
    obs = ds.observations
    assert set(obs["source_id"]) <= set(ds.sources["source_id"])
    assert set(obs["episode"]) == set(EPISODES)
    for ep in EPISODES:
        assert (repo_root / "scenarios" / "backtests" / f"{ep}.yaml").exists()


def test_assumed_long_run_demand_elasticities_are_scaled_and_sourced_ones_are_not() -> None:
    """``elasticity_demand_lr_assumed_scale`` multiplies value, low and high of every
    long-run demand elasticity labelled ASSUMPTION; literature rows are read as written; the
    factor itself is not scaled (methodology §14)."""
    ds = load_dataset()
    mp = ds.model_parameters
    scale = float(mp.loc[mp["parameter"] == ASSUMED_LR_DEMAND_SCALE, "value"].iloc[0])
    assert scale != 1.0
    lr = mp.loc[mp["parameter"] == "elasticity_demand_lr"]
    read = _Params(mp)
    as_is = mp.copy()
    as_is.loc[as_is["parameter"] == ASSUMED_LR_DEMAND_SCALE, "value"] = 1.0
    raw = _Params(as_is)
    assert (lr["source_id"] == "ASSUMPTION").any() and (lr["source_id"] != "ASSUMPTION").any()
    for r in lr.itertuples(index=False):
        got = read.get("elasticity_demand_lr", str(r.mineral))
        as_written = raw.get("elasticity_demand_lr", str(r.mineral))
        assert as_written == (float(r.value), float(r.low), float(r.high))
        f = scale if r.source_id == "ASSUMPTION" else 1.0
        np.testing.assert_allclose(got, np.asarray(as_written) * f)
        # the short-run elasticities are never scaled
        assert read.get("elasticity_demand_sr", str(r.mineral)) == raw.get(
            "elasticity_demand_sr", str(r.mineral)
        )
    assert read.get(ASSUMED_LR_DEMAND_SCALE) == (scale, scale, scale)


def test_the_factor_is_one_global_row_and_required() -> None:
    """A mineral's own factor row, or no factor at all, is refused with the row and the fix."""
    mp = load_dataset().model_parameters
    own = pd.concat(
        [mp, mp.loc[mp["parameter"] == ASSUMED_LR_DEMAND_SCALE].assign(mineral="lithium")],
        ignore_index=True,
    )
    with pytest.raises(DataError, match=r"row \d+ \(line \d+\).*for mineral 'lithium'.*allowed"):
        _Params(own)
    with pytest.raises(DataError, match="add one with value"):
        _Params(mp.loc[mp["parameter"] != ASSUMED_LR_DEMAND_SCALE])
