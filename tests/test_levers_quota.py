"""Export quota and licence-ramp levers through the real engine (issue 12 build 6): metamorphic
tests in the style of tests/test_levers.py, plus validation of the new keys."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError
from mineral_briefs.model.codelist import variable
from mineral_briefs.scenarios import parse_scenario


@cache
def _run(extra: str, share: float = 0.0) -> engine.Results:
    sc = parse_scenario(
        f"""
id: lever_quota
extends: baseline
horizon: {{start: 2025-01, months: 30}}
export_controls:
  - exporter: CHN
    minerals: [gallium]
    stages: [refining]
    share_withheld: {share}
    announced: 2025-03-01
    effective: 2025-03-01
{extra}
""",
        source="<test_levers_quota>",
    )
    return engine.run(sc, load_dataset(), draws=0)


def _series(r: engine.Results, quantity: str, region: str) -> pd.Series:
    ts = r.timeseries
    sel = ts.loc[
        (ts["variable"] == variable(quantity, "gallium", "refining")) & (ts["region"] == region)
    ]
    return sel.set_index("time")["value"].sort_index()


def _quota(t: float, carry: float = 0.0, use: float = 1.0) -> str:
    return (
        f"    quota: {{tonnes_per_period: {t}, period_months: 6, carry_over: {carry}, "
        f"use_rate: {use}}}"
    )


def test_tighter_quota_means_lower_exports_and_a_higher_outside_price() -> None:
    # NOTE: China's free exports are about 160 t/yr (80 t per 6-month period): both quotas bind
    loose, tight = _run(_quota(70)), _run(_quota(45))
    free = _run("")
    ex = {
        k: _series(r, "Exports", "China").iloc[3:12].sum()
        for k, r in (("free", free), ("loose", loose), ("tight", tight))
    }
    assert ex["tight"] < ex["loose"] < ex["free"]
    p_loose = _series(loose, "Price", "Alliance").iloc[3:12]
    p_tight = _series(tight, "Price", "Alliance").iloc[3:12]
    assert (p_tight >= p_loose - 1e-9).all() and p_tight.mean() > p_loose.mean()


def test_slack_quota_changes_nothing() -> None:
    free, slack = _run(""), _run(_quota(100_000))
    pd.testing.assert_series_equal(
        _series(free, "Price", "Alliance"), _series(slack, "Price", "Alliance")
    )


def test_carried_licences_raise_exports_in_the_next_period() -> None:
    keep, lapse = _run(_quota(60, carry=1.0, use=0.5)), _run(_quota(60, carry=0.0, use=0.5))
    e_keep, e_lapse = _series(keep, "Exports", "China"), _series(lapse, "Exports", "China")
    # first period (Mar–Aug 2025) identical, the next one higher with carried licences
    assert e_keep.iloc[2:8].to_numpy() == pytest.approx(e_lapse.iloc[2:8].to_numpy())
    assert e_keep.iloc[8:14].sum() > e_lapse.iloc[8:14].sum() * 1.2


def test_faster_licence_ramp_restores_exports_sooner() -> None:
    susp = "    suspended: 2025-09-01\n"
    fast = _run(susp + "    restore_months: 2", share=0.8)
    slow = _run(susp + "    restore_months: 9", share=0.8)
    at_once = _run(susp + "    restore_months: 0", share=0.8)
    after = slice(8, 18)  # Sep 2025 – Jun 2026
    e = {
        k: _series(r, "Exports", "China").iloc[after].sum()
        for k, r in (("fast", fast), ("slow", slow), ("once", at_once))
    }
    assert e["slow"] < e["fast"] < e["once"]
    p_fast = _series(fast, "Price", "Alliance").iloc[after].mean()
    p_slow = _series(slow, "Price", "Alliance").iloc[after].mean()
    assert p_slow > p_fast


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        ("    quota: {tonnes_per_period: -5}", ["export_controls[0].quota.tonnes_per_period"]),
        (
            "    quota: {tonnes_per_period: 50, use_rate: 1.5}",
            ["export_controls[0].quota.use_rate", "1"],
        ),
        (
            "    quota: {tonnes_per_period: 50, period_months: 0}",
            ["export_controls[0].quota.period_months"],
        ),
        (
            "    quota: {tonnes_per_period: 50, carry: 1}",
            ["export_controls[0].quota.carry", "carry_over"],
        ),
        ("    restore_months: -1", ["export_controls[0].restore_months"]),
    ],
)
def test_bad_quota_and_ramp_keys_name_the_key_path(extra: str, fragments: list[str]) -> None:
    text = f"""
id: bad_quota
extends: baseline
export_controls:
  - exporter: CHN
    minerals: [gallium]
    stages: [refining]
    share_withheld: 0.0
    announced: 2025-03-01
    effective: 2025-03-01
{extra}
"""
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, source="bad_quota.yaml")
    msg = str(e.value)
    assert "bad_quota.yaml" in msg
    for f in fragments:
        assert f in msg, (f, msg)


def test_quota_on_two_markets_is_rejected() -> None:
    text = """
id: bad_quota
extends: baseline
export_controls:
  - exporter: CHN
    minerals: [gallium, graphite]
    stages: [refining]
    share_withheld: 0.0
    announced: 2025-03-01
    effective: 2025-03-01
    quota: {tonnes_per_period: 50}
"""
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, source="bad_quota.yaml")
    assert "export_controls[0]" in str(e.value) and "one mineral and one stage" in str(e.value)
