"""A variable-levy floor on a market China withholds: the levy never raises the price left to
the rest of the outside market, and more withheld never lowers the peak.

Regression: with the NdPr floor at 110 USD/kg on the NdPr oxide market, the residual market
outside the members (a few per cent of demand) cleared at up to 4x and the members were
charged that price, so withholding 60 % gave a higher peak than withholding 80 %.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.scenarios import Scenario, load_scenario

SHARES = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@cache
def _dataset():  # type: ignore[no-untyped-def]
    return load_dataset()


def _scenario(share: float, floors: bool = True) -> Scenario:
    sc = load_scenario("ndpr_withhold_60")
    assert [f.mineral for f in sc.price_floors] == ["ndpr"]  # the floor sits on NdPr oxide
    ctrl = sc.export_controls[0].model_copy(update={"share_withheld": share})
    update: dict[str, object] = {"export_controls": (ctrl,)}
    if not floors:
        update["price_floors"] = ()
    return sc.model_copy(update=update)


@cache
def _price(share: float, floors: bool, region: str) -> pd.Series:
    r = engine.run(_scenario(share, floors), _dataset(), draws=0)
    ts = r.timeseries
    sel = ts[(ts["variable"] == "Price|NdPr Oxide|Refining") & (ts["region"] == region)]
    return sel.set_index("time")["value"]


def test_more_withheld_never_lowers_the_members_peak_under_a_levy_floor() -> None:
    peaks = [float(_price(s, True, "Alliance").max()) for s in SHARES]
    assert peaks == sorted(peaks), dict(zip(SHARES, peaks, strict=True))


@pytest.mark.parametrize("share", [0.5, 0.6])
def test_a_levy_never_raises_the_price_outside_the_members(share: float) -> None:
    # NOTE: 2 % for dynamics: stocks and capacity built under the floor differ month by month
    # (measured: at most 0.15 USD/kg at about 100 USD/kg; since working stock leaves a small
    # gap to the price (§6, σ_k) the alliance's own stockpile runs out under the levy in
    # February 2028, and the month after it the outside price stands 1.3–1.6 % above the run
    # without floors, then within 0.4 %); the bug gave up to +180 USD/kg.
    with_floor = _price(share, True, "Rest of World")
    without = _price(share, False, "Rest of World")
    assert (with_floor <= without * 1.02).all(), (with_floor / without).max()


@pytest.mark.parametrize("share", [0.5, 0.6])
def test_members_pay_the_floor_not_a_multiple_of_it(share: float) -> None:
    floor = 110.0
    members = _price(share, True, "Alliance").loc["2026-03-01":"2026-12-01"]
    without = _price(share, False, "Alliance").loc["2026-03-01":"2026-12-01"]
    assert (members <= pd.concat([without, members * 0 + floor], axis=1).max(axis=1) + 0.5).all()
