"""Engine fuzzing (issue 17): scenarios that are valid by construction, derived from the
built-in ones (share withheld, delays, dates, floors, stockpiles, demand growth, markets,
horizon), run through the whole engine with a few draws. Every run must keep the KPI contract
and the model's accounting:

- every KPI is finite, or NaN with a note; P10/P90 are never infinite;
- the central value lies in [P10, P90] or is flagged ``outside_band``;
- flags are known codes; ``open_at_horizon`` on recovery exactly when it is NaN;
- tonnes are conserved across regions (World = China + Alliance + Rest of World);
- prices are at least the clearing floor ``MIN_PRICE_MULTIPLE``·P0 and positive;
- no recovery is claimed while the last month's shortfall is above its tolerance;
- a money KPI per peak year is at most its cumulative total and at least total ÷ years.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.model.clearing import MIN_PRICE_MULTIPLE
from mineral_briefs.model.codelist import variable
from mineral_briefs.scenarios import Scenario, load_scenario

# NOTE: each example is one engine run (with its no-shock reference run) of about 0.3–1 s on
# one core; 30 examples keep this file well under a minute on the 2-core CI runner.
ENGINE_FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BASES = (
    "controls_oct2025",
    "ndpr_withhold_60",
    "alliance_floor",
    "stockpile_response",
    "suspension_snapback",
    "demand_4000",
)
DRAWS = 8


@functools.cache
def _dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


@functools.cache
def _keys(base: str) -> tuple[tuple[str, str], ...]:
    """Every (mineral, stage) with base data in the base scenario."""
    b = engine._build(load_scenario(base), _dataset())
    return tuple(b.keys)


def _shift(d: dt.date | None, months: int) -> dt.date | None:
    if d is None:
        return None
    k = d.year * 12 + d.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, 1)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    base = draw(st.sampled_from(BASES))
    d: dict[str, Any] = load_scenario(base).model_dump()
    d["horizon"]["months"] = draw(st.integers(12, 48))
    shift = draw(st.integers(-2, 8))
    for c in d["export_controls"]:
        for key in ("announced", "effective", "suspended", "snap_back", "ends"):
            c[key] = _shift(c[key], shift)
        c["share_withheld"] = draw(st.floats(0.0, 1.0))
        c["licensing_delay_days"] = draw(st.integers(0, 120))
        c["ramp_months"] = draw(st.integers(0, 6))
        c["leakage"] = draw(st.floats(0.0, 0.5))
        if c["suspended"] is None and draw(st.booleans()):
            c["ends"] = _shift(c["effective"], draw(st.integers(1, 30)))
    for f in d["price_floors"]:
        f["start"] = _shift(f["start"], shift)
        f["end"] = _shift(f["end"], shift)
        f["floor"]["value"] = round(f["floor"]["value"] * draw(st.floats(0.5, 3.0)), 4)
        f["instrument"] = draw(st.sampled_from(["variable_tariff", "cfd", "offtake"]))
        f["offtake_volume_t_per_year"] = (
            draw(st.floats(10.0, 5000.0)) if f["instrument"] == "offtake" else None
        )
    for s in d["stockpiles"]:
        s["days_of_cover"] = draw(st.floats(1.0, 180.0))
    if draw(st.booleans()):
        mineral = draw(st.sampled_from(sorted({m for m, _s in _keys(base)})))
        d["demand"] = [
            {
                "mineral": mineral,
                "growth": {"percent": draw(st.floats(-30.0, 300.0))},
                "base_year": 2024,
                "target_year": draw(st.integers(2028, 2040)),
                "shape": draw(st.sampled_from(["log_linear", "s_curve"])),
            }
        ]
    if draw(st.booleans()):
        # a narrower run: every stage of the minerals the levers act on (always valid)
        lever = {m for c in d["export_controls"] for m in c["minerals"]}
        lever |= {f["mineral"] for f in d["price_floors"]}
        lever |= {m for s in d["stockpiles"] for m in s["minerals"]}
        lever |= {x["mineral"] for x in d["demand"]}
        keep = [{"mineral": m, "stage": s} for m, s in _keys(base) if m in lever]
        if keep:
            d["markets"] = keep
    return Scenario.model_validate(d)


def _check(r: engine.Results) -> None:
    k = r.kpis
    sid = r.scenario.id
    # --- finite or NaN with a note
    assert not np.isinf(k[["value", "p10", "p90"]].to_numpy(float)).any(), sid
    unexplained = k["value"].isna() & (k["note"] == "")
    assert not unexplained.any(), k.loc[unexplained, ["mineral", "stage", "kpi"]]
    # --- central value within its band or flagged
    both = k.dropna(subset=["value", "p10", "p90"])
    assert (both["p10"] <= both["p90"]).all(), sid
    slack = engine.BAND_TOLERANCE * np.maximum(both["p10"].abs(), both["p90"].abs())
    inside = (both["value"] >= both["p10"] - slack) & (both["value"] <= both["p90"] + slack)
    assert (inside | both["flags"].str.contains("outside_band")).all(), sid
    # --- flags
    codes = {c for f in k["flags"] for c in f.split(";") if c}
    assert codes <= set(engine.KPI_FLAGS), codes
    rec = k.loc[k["kpi"] == "months_to_recovery"].set_index(["mineral", "stage"])
    assert (rec["value"].isna() == rec["flags"].str.contains("open_at_horizon")).all(), sid
    assert ((rec["value"] >= 0) | rec["value"].isna()).all(), sid
    # recovery band: an open disruption (NaN) ranks above every number of months
    open_ = rec[["value", "p10", "p90"]].fillna(np.inf)
    out_rec = (open_["value"] < open_["p10"]) | (open_["value"] > open_["p90"])
    assert (out_rec == rec["flags"].str.contains("outside_band")).all(), sid
    # --- conservation of tonnes across regions
    ts = r.timeseries
    for q in ("Supply", "Demand"):
        sel = ts.loc[ts["variable"].str.startswith(f"{q}|")]
        wide = sel.pivot_table(index=["variable", "time"], columns="region", values="value")
        parts = wide[["China", "Alliance", "Rest of World"]].sum(axis=1)
        np.testing.assert_allclose(wide["World"], parts, rtol=1e-9, atol=1e-6)
    # --- prices at least the clearing floor, positive
    base = k.loc[k["kpi"] == "base_price_usd_per_kg"].set_index(["mineral", "stage"])["value"]
    price = ts.loc[ts["variable"].str.startswith("Price|")]
    assert (price["value"] > 0).all(), sid
    lowest = price.groupby("variable")["value"].min()
    for (mi, st_), p0 in base.dropna().items():
        v = variable("Price", mi, st_)
        if v in lowest.index:
            assert lowest[v] >= MIN_PRICE_MULTIPLE * p0 * (1 - 1e-9), (sid, v)
    band_price = r.bands.loc[r.bands["variable"].str.startswith("Price|"), "value"]
    assert (band_price > 0).all(), sid
    # --- no recovery claimed while the last month is short beyond tolerance
    # Rest of World: its reference demand at the base price is exactly shortfall + demand
    # (same price and rationing for the whole outside zone), so u = S_R / (S_R + D_R).
    params = _dataset().model_parameters.set_index(["mineral", "parameter"])["value"]
    tol = float(params[("all", "recovery_shortfall_tolerance")])
    last = ts.loc[ts["time"] == ts["time"].max()]
    for (mi, st_), row in rec.iterrows():
        s_r = last.loc[
            (last["variable"] == variable("Shortfall", mi, st_))
            & (last["region"] == "Rest of World"),
            "value",
        ].sum()
        d_r = last.loc[
            (last["variable"] == variable("Demand", mi, st_)) & (last["region"] == "Rest of World"),
            "value",
        ].sum()
        if s_r + d_r > 0 and s_r / (s_r + d_r) > tol * (1 + 1e-6):
            assert np.isnan(row["value"]), (sid, mi, st_, s_r / (s_r + d_r))
    # --- money: the peak year is at most the total and at least the total / years
    n_years = len({t[:4] for t in ts["time"].unique()})
    kv = k.set_index(["mineral", "stage", "kpi"])["value"]
    for mi, st_ in rec.index:
        for money in engine.MONEY_PAYERS:
            total, peak = kv[(mi, st_, money)], kv[(mi, st_, f"{money}_per_year")]
            assert peak <= total * (1 + 1e-9) + 1e-6, (sid, mi, st_, money)
            assert peak >= total / n_years * (1 - 1e-9) - 1e-6, (sid, mi, st_, money)


@ENGINE_FUZZ
@given(scenarios())
def test_engine_keeps_its_contract_on_fuzzed_scenarios(sc: Scenario) -> None:
    _check(engine.run(sc, _dataset(), draws=DRAWS, seed=11))


def test_fuzz_checks_see_the_built_in_scenarios() -> None:
    """The same checks on two unmodified built-ins (shared checker, real inputs)."""
    for sid in ("ndpr_withhold_60", "alliance_floor"):
        _check(engine.run(load_scenario(sid), _dataset(), draws=DRAWS, seed=11))
