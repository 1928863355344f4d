"""Contract vs spot (methodology §22): the volume-weighted price is the contract share at the
spot price of the lag earlier plus the rest at spot; reported only, never fed back."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from mineral_briefs import engine
from mineral_briefs.data import load_dataset
from mineral_briefs.model.contracts import volume_weighted_price
from mineral_briefs.scenarios import load_backtest

SPOT = np.array([[10.0, 1.0], [8.0, 2.0], [6.0, 3.0], [4.0, 4.0], [2.0, 5.0]])
BASE = np.array([12.0, 1.0])


def test_contract_prices_follow_spot_with_the_lag() -> None:
    vw = volume_weighted_price(SPOT, np.array([1.0, 0.5]), 2, BASE)
    # share 1: the contract price alone: the base price for two months, then spot two back
    np.testing.assert_allclose(vw[:, 0], [12.0, 12.0, 10.0, 8.0, 6.0])
    # share 0.5: half at spot, half at the lagged price
    np.testing.assert_allclose(vw[:, 1], [1.0, 1.5, 2.0, 3.0, 4.0])


def test_no_lag_is_spot_and_no_share_reports_nothing() -> None:
    vw = volume_weighted_price(SPOT, np.array([0.7, 0.0]), 0, BASE)
    np.testing.assert_allclose(vw[:, 0], SPOT[:, 0])
    assert np.isnan(vw[:, 1]).all()
    with pytest.raises(ValueError, match="lag"):
        volume_weighted_price(SPOT, np.array([0.5, 0.5]), -1, BASE)


def test_a_lag_longer_than_the_horizon_keeps_the_base_price() -> None:
    vw = volume_weighted_price(SPOT, np.array([1.0, 1.0]), 9, BASE)
    np.testing.assert_allclose(vw, np.broadcast_to(BASE, SPOT.shape))


def _prices(ds):  # type: ignore[no-untyped-def]
    r = engine.run(load_backtest("bt08_lithium_2023"), ds, draws=0)
    ts = r.timeseries.loc[r.timeseries["region"] == "China"]
    spot = ts.loc[ts["variable"] == "Price|Lithium|Refining"].set_index("time")["value"]
    vw = ts.loc[ts["variable"] == "Price Volume-Weighted|Lithium|Refining"]
    return spot, vw.set_index("time")["value"]


def test_the_engine_reports_the_volume_weighted_price_of_a_market_with_a_share() -> None:
    ds = load_dataset()
    spot, vw = _prices(ds)
    mp = ds.model_parameters
    share = float(
        mp.loc[(mp["mineral"] == "lithium") & (mp["parameter"] == "contract_share"), "value"].iloc[
            0
        ]
    )
    lag = int(mp.loc[mp["parameter"] == "contract_lag_months", "value"].iloc[0])
    assert 0 < share <= 1 and lag >= 1
    expect = share * spot.shift(lag).fillna(spot.iloc[0]) + (1 - share) * spot
    np.testing.assert_allclose(vw.to_numpy(), expect.to_numpy(), rtol=1e-9)
    # while the price falls (Jun–Dec 2024 in this run) the volume-weighted price lags above
    # spot; switching the split off changes no clearing price (it never feeds back)
    falling = spot.loc["2024-06-01":"2024-12-01"]
    assert (falling.diff().dropna() < 0).all()
    assert (vw.loc[falling.index] > falling).all()
    off = mp.copy()
    off.loc[off["parameter"] == "contract_share", "value"] = 0.0
    spot0, vw0 = _prices(dataclasses.replace(ds, model_parameters=off))
    assert vw0.empty
    np.testing.assert_allclose(spot0.to_numpy(), spot.to_numpy(), rtol=1e-12)
