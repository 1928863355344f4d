"""The backtest suite: sign tests must pass, CfD arithmetic is exact; scores are reported."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mineral_briefs.backtest import (
    EPISODES,
    run_backtests,
    score_band,
    score_multiple,
    score_timing,
    summarise,
)
from mineral_briefs.backtest_loo import (
    FITTED,
    in_sample,
    leave_one_out,
    loo_lines,
    with_parameters,
)
from mineral_briefs.cli import main
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError


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
    # issue 12: BT-04, BT-06, BT-08 and the BT-10 negative control ship with the earlier four
    assert {
        "bt04_us_ban_2024",
        "bt06_oct2025_suspension",
        "bt08_lithium_2023",
        "bt10_nickel_squeeze_2022",
    } <= set(EPISODES)
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
    scored = scores.loc[scores["role"] == "scored"]
    assert s["criteria"] == len(scored) < len(scores)
    assert s["passed"] == int(scored["passed"].sum())
    records = int((scores["role"] == "record").sum())  # BT-08's recorded elasticity
    assert s["checks"] == len(scores) - len(scored) - records and s["checks_hold"] is True
    assert s["sign_tests_passed"] is True
    quant = scored.loc[~scored["kind"].isin(["sign", "exact"])]
    assert s["quantitative"] == len(quant)
    assert s["quantitative_pass_share"] == pytest.approx(quant["passed"].mean())


CHECKS = {
    "export_trough_month1",
    "front_running_spike",
    "exporter_code_path",
    "cfd_cost_per_kg_at_63",
    "cfd_cost_per_kg_at_88",
    "cfd_consumer_price_unchanged",
    # issue 12 episodes: a construction property (one outside price) and the BT-10 negative
    # control (never scored). BT-06's export effect was an input echo until the precautionary
    # holders (methodology §6a) made it move with their parameters: now scored.
    "us_price_at_least_eu",
    "squeeze_not_reproduced",
}


def test_identities_and_input_echoes_are_checks_not_scores(scores: pd.DataFrame) -> None:
    assert set(scores["role"]) == {"scored", "check", "record"}
    checks = scores.loc[scores["role"] == "check"]
    assert set(checks["metric"]) == CHECKS
    assert (checks["note"].str.len() > 20).all()  # every check says why it cannot fail
    # the CfD arithmetic is a check; sign tests that rest on the market model stay scored
    scored = scores.loc[scores["role"] == "scored"].set_index("metric")
    for m in ("inside_price_change_month1", "hydroxide_minus_metal_rise_month1", "inventory_first"):
        assert scored.loc[m, "kind"] == "sign"


def test_bt08_scores_the_collapse_and_the_mini_shock_and_records_the_elasticity(
    scores: pd.DataFrame,
) -> None:
    """BT-08: four scored criteria from the market model (trough, 80 % decline timing,
    mini-shock peak and its reversal), the implied elasticity recorded with no pass line and
    kept out of the summary; the mini-shock is the outage's own effect (a run without it)."""
    bt = scores.loc[scores["episode"] == "bt08_lithium_2023"].set_index("metric")
    assert set(bt.index) == {
        "trough_price_multiple",
        "decline_80pct_month",
        "mini_shock_peak_change",
        "mini_shock_reversal_share",
        "implied_short_run_elasticity_sum",
    }
    rec = bt.loc["implied_short_run_elasticity_sum"]
    assert rec["role"] == "record" and rec["observed"] == pytest.approx(0.15)
    assert (bt.drop(index="implied_short_run_elasticity_sum")["role"] == "scored").all()
    # the recorded value is phi / ln(1 + peak): a larger response implies a smaller sum
    peak = bt.loc["mini_shock_peak_change", "predicted"]
    assert peak > 0 and rec["predicted"] > 0
    assert rec["predicted"] * np.log1p(peak) == pytest.approx(0.04, abs=0.02)  # phi ≈ 4 %
    without = summarise(scores.loc[scores["role"] != "record"])
    assert summarise(scores) == without


def test_a_failing_check_is_not_in_the_pass_rate_but_fails_the_suite(
    scores: pd.DataFrame,
) -> None:
    broken = scores.copy()
    broken.loc[broken["metric"] == "cfd_cost_per_kg_at_63", "passed"] = False
    before, after = summarise(scores), summarise(broken)
    assert after["criteria"] == before["criteria"] and after["passed"] == before["passed"]
    assert after["quantitative_pass_share"] == before["quantitative_pass_share"]
    assert after["checks_hold"] is False and after["suite_accepted"] is False


def test_yes_no_measures_read_as_booleans_without_a_band(scores: pd.DataFrame) -> None:
    yes_no = scores.loc[scores["measure"] == "boolean"]
    assert set(yes_no["metric"]) == {
        "inventory_first",
        "exporter_code_path",
        "cfd_consumer_price_unchanged",
        "us_price_at_least_eu",
        "squeeze_not_reproduced",
    }
    assert yes_no["predicted"].isin([0.0, 1.0]).all()
    assert (yes_no["observed"] == 1.0).all()
    assert yes_no["low"].isna().all() and yes_no["high"].isna().all()
    assert (yes_no["predicted"].astype(bool) == yes_no["passed"]).all()


def test_checks_do_not_move_with_the_model_parameters(scores: pd.DataFrame) -> None:
    """A check is an identity or an input echo: the parameter range cannot move it, while
    every scored quantitative criterion moves at the low or the high parameter set."""
    ds = load_dataset()
    base = scores.set_index(["episode", "metric"])
    moved = pd.Series(False, index=base.index)
    for col in ("low", "high"):
        mp = ds.model_parameters.copy()
        ok = mp[col].notna()
        mp.loc[ok, "value"] = mp.loc[ok, col]
        other = run_backtests(dataset=dataclasses.replace(ds, model_parameters=mp))
        other = other.set_index(["episode", "metric"])
        moved |= ~np.isclose(other["predicted"], base["predicted"], rtol=1e-9)
    checks = base["role"] == "check"
    assert not moved[checks].any(), moved[checks]
    quant = (base["role"] == "scored") & ~base["kind"].isin(["sign", "exact"])
    assert moved[quant].all(), moved[quant]


def test_no_episode_sits_on_the_guard_and_the_flag_still_works(scores: pd.DataFrame) -> None:
    """Issue 12: BT-07's peak used to be the 6x cap itself. With demand destruction it is the
    market's own number, far below the numerical guard; a guard low enough to bind is still
    flagged ``at_guard``."""
    assert (scores["flags"] == "").all()
    bt07 = scores.loc[scores["episode"] == "bt07_lithium_2021"].set_index("metric")
    assert bt07.loc["peak_price_multiple", "predicted"] != pytest.approx(6.0)
    ds = load_dataset()
    mp = ds.model_parameters.copy()
    mp.loc[mp["parameter"] == "choke_price_multiple", "value"] = 2.0
    low = run_backtests(["bt07_lithium_2021"], dataclasses.replace(ds, model_parameters=mp))
    low = low.set_index("metric")
    assert low.loc["peak_price_multiple", "predicted"] == pytest.approx(2.0)
    assert low.loc["peak_price_multiple", "flags"] == "at_guard"


def test_leave_one_out_fits_each_episode_on_the_others_only() -> None:
    """A real fit over a two-value grid: each held-out episode gets the value that passes most
    criteria on the other episodes (ties: the prior, listed first), and its scores are those
    of a plain run with that value."""
    eps = ["bt02_gallium_2023", "bt11_drc_cobalt_2025", "bt12_ndpr_floor_2025"]
    grid = {"inventory_months": (2.0, 0.25)}
    ds = load_dataset()
    loo = leave_one_out(eps, ds, grid)
    runs = {
        v: run_backtests(eps, with_parameters(ds, {"inventory_months": v}))
        for v in grid["inventory_months"]
    }
    for ep in eps:

        def train(v: float, ep: str = ep) -> int:
            r = runs[v]
            return int(r.loc[(r["episode"] != ep) & (r["role"] == "scored"), "passed"].sum())

        best = 2.0 if train(2.0) >= train(0.25) else 0.25
        got = loo.loc[loo["episode"] == ep]
        assert (got["fit"] == f"inventory_months={best:g}").all()
        ref = runs[best].loc[runs[best]["episode"] == ep]
        np.testing.assert_allclose(got["predicted"].to_numpy(), ref["predicted"].to_numpy())


def test_the_fitted_parameter_is_the_documented_one_and_both_columns_are_printed(
    scores: pd.DataFrame,
) -> None:
    """θ, τ, σ_k and the factor on the assumed long-run demand elasticities are the fitted
    values (issue 12); the in-sample column uses the all-episode fit, and the printed table
    names each fold's values."""
    names = (
        "inventory_release_share",
        "adjustment_months",
        "inventory_kept_gap",
        "elasticity_demand_lr_assumed_scale",
    )
    assert set(FITTED) == set(names)
    eps = list(scores["episode"].unique())
    ins = in_sample(eps)
    ds = load_dataset()
    combos = list(itertools.product(*(FITTED[n] for n in names)))
    by_value = {
        c: run_backtests(eps, with_parameters(ds, dict(zip(names, c, strict=True)))) for c in combos
    }
    passes = {c: int(r.loc[r["role"] == "scored", "passed"].sum()) for c, r in by_value.items()}
    best = max(combos, key=lambda c: passes[c])  # ties: the first (the priors' order)
    assert (ins["fit"] == ", ".join(f"{n}={v:g}" for n, v in zip(names, best, strict=True))).all()
    np.testing.assert_allclose(ins["predicted"].to_numpy(), by_value[best]["predicted"].to_numpy())
    text = "\n".join(loo_lines(ins, leave_one_out(eps)))
    assert "Leave-one-episode-out" in text and "fitted on every episode" in text
    for ep in eps:
        assert ep in text


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
    scored_part, checks_part = text.split("Checks (")
    assert "cfd_cost_per_kg_at_63" in checks_part and "cfd_cost_per_kg_at_63" not in scored_part
    assert "china_price_change" in scored_part
    assert "1/1 scored criteria pass" in text and "checks 3/3 hold" in text
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
