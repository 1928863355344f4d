"""Stocks at the horizon start (``base_overrides.inventory``, methodology §6): a replay whose
inventories were depleted starts with less working stock than its normal cover; buyers rebuild
toward the normal cover, and a shock meets less cushion."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs.data import load_dataset
from mineral_briefs.engine import run
from mineral_briefs.scenarios import parse_scenario

BODY = """id: start_stocks
extends: baseline
horizon: {start: 2026-01, months: 24}
markets:
  - {mineral: lithium, stage: refining}
"""
EMPTY = "base_overrides:\n  inventory:\n    - {mineral: lithium, stage: refining, months: 0}\n"
OUTAGE = (
    "supply_outages:\n"
    "  - {country: CHN, mineral: lithium, stage: refining, share: 0.3, start: 2026-03-01}\n"
)


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    return load_dataset()


def _series(ds, extra: str, variable: str, region: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    r = run(parse_scenario(BODY + extra, source="start_stocks.yaml"), ds, draws=0)
    ts = r.timeseries
    sel = (ts["variable"] == f"{variable}|Lithium|Refining") & (ts["region"] == region)
    return ts.loc[sel, "value"].to_numpy()


def test_empty_start_stocks_are_rebuilt_toward_the_normal_cover(ds) -> None:  # type: ignore[no-untyped-def]
    normal = _series(ds, "", "Inventory", "World")
    empty = _series(ds, EMPTY, "Inventory", "World")
    assert np.allclose(normal, normal[0])  # a calm market keeps its normal cover
    assert empty[0] < 0.02 * normal[0]  # starts (nearly) empty: one month's rebuilding
    assert np.all(np.diff(empty) > 0) and empty[-1] < normal[0]  # rebuilt, never past normal
    # the rebuilding is extra demand, bought only at calm prices (catch-up cap, §6a)
    price = _series(ds, EMPTY, "Price", "Alliance")
    base = _series(ds, "", "Price", "Alliance")
    assert np.all(price >= base) and np.all(price <= 1.05 * base * (1 + 1e-6))


def test_a_shock_on_empty_stocks_moves_the_price_more(ds) -> None:  # type: ignore[no-untyped-def]
    cushioned = _series(ds, OUTAGE, "Price", "Alliance")
    bare = _series(ds, OUTAGE + EMPTY, "Price", "Alliance")
    assert bare.max() > 1.5 * cushioned.max()
    # before the outage only the rebuilding moves the price
    assert bare[:2] == pytest.approx(1.05 * cushioned[:2], rel=1e-6)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_brief_says_the_replays_stocks_start_thin(language: str) -> None:
    """BT-07 starts its stocks empty: the brief says so once, and does not report them
    "falling below" half of a normal level they never had (the first month's level)."""
    from mineral_briefs.brief.prepare import prepare

    b = prepare("scenarios/backtests/bt07_lithium_2021.yaml", language=language, draws=0)
    assert b.stocks_start_thin() == [("lithium", "refining", 0.0, 2.0)]
    assert b.stocks_thin() == []
    text = str(b.shock())
    start = {"en": "Commercial stocks outside China start thin", "de": "beginnen knapp"}
    assert start[language] in text
    assert "fall below" not in text and "fallen unter" not in text
