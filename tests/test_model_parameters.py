"""Convention tests: every model parameter is sourced and documented; observations are sourced."""

from __future__ import annotations

from pathlib import Path

from mineral_briefs.backtest import EPISODES
from mineral_briefs.data import load_dataset


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
