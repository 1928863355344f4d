"""The backtest suite: sign tests must pass, CfD arithmetic is exact; scores are reported."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from toolkit.backtest import (
    EPISODES,
    run_backtests,
    score_band,
    score_multiple,
    score_timing,
    summarise,
)
from toolkit.cli import main
from toolkit.data import load_dataset
from toolkit.errors import ScenarioError


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return run_backtests(dataset=load_dataset())


def test_scoring_rules() -> None:
    ok, err = score_multiple(4.0, 2.0)
    assert ok and err == pytest.approx(math.log(2))
    assert not score_multiple(4.01, 2.0)[0]
    assert score_multiple(1.5, 1.6, 1.3, 2.2)[0]
    assert not score_multiple(2.3, 1.6, 1.3, 2.2)[0]  # a stated band overrides factor 2
    assert score_band(0.5, 0.1, 0.6) and not score_band(0.7, 0.1, 0.6)
    assert score_band(-1.0, None, 0.0)
    assert score_timing(20, 28) and not score_timing(10, 28)
    assert score_timing(2, 1) and not score_timing(3, 1)  # at least ±1 month


def test_every_shipped_episode_is_scored(scores: pd.DataFrame) -> None:
    assert set(scores["episode"]) == set(EPISODES)
    assert scores["observed"].notna().all()
    assert (scores["source_id"] != "").all()


def test_all_sign_tests_pass(scores: pd.DataFrame) -> None:
    signs = scores.loc[scores["kind"] == "sign"]
    assert len(signs) >= 6
    failed = signs.loc[~signs["passed"], ["episode", "metric", "predicted"]]
    assert failed.empty, failed.to_string()


def test_cfd_fiscal_cost_arithmetic_is_exact(scores: pd.DataFrame) -> None:
    exact = scores.loc[scores["kind"] == "exact"].set_index("metric")
    assert exact.loc["cfd_cost_per_kg_at_63", "predicted"] == 47.0
    assert exact.loc["cfd_cost_per_kg_at_88", "predicted"] == 22.0
    assert exact["passed"].all()


def test_bt02_wedge_and_front_running(scores: pd.DataFrame) -> None:
    bt = scores.loc[scores["episode"] == "bt02_gallium_2023"].set_index("metric")
    assert bt.loc["inside_price_change_month1", "predicted"] <= 0
    assert bt.loc["wedge_month4_5", "predicted"] > 1
    assert bt.loc["front_running_spike", "predicted"] > 1


def test_summary_reports_the_suite_honestly(scores: pd.DataFrame) -> None:
    s = summarise(scores)
    assert s["criteria"] == len(scores)
    assert s["sign_tests_passed"] is True
    quant = scores.loc[~scores["kind"].isin(["sign", "exact"])]
    assert s["quantitative_pass_share"] == pytest.approx(quant["passed"].mean())


def test_unknown_episode_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="unknown backtest"):
        run_backtests(["bt99_nothing"])


def test_cli_backtest_exits_zero_and_writes_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.md"
    assert main(["backtest", "bt12_ndpr_floor_2025", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cfd_cost_per_kg_at_63" in text and "criteria pass" in text
    assert out.read_text().startswith("| episode |")


def test_cli_simulate_writes_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], repo_root: Path
) -> None:
    out = tmp_path / "res.csv"
    path = str(repo_root / "scenarios" / "controls_oct2025.yaml")
    assert main(["simulate", path, "--out", str(out), "--draws", "10"]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["model", "scenario", "region", "variable", "unit", "time", "value"]
    assert main(["simulate", "baseline", "--out", str(tmp_path / "x.json")]) == 2
    assert "extension" in capsys.readouterr().err
