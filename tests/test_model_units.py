"""Unit tests of the pure model functions: clearing, regimes, growth, metrics, policy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from mineral_briefs.model import codelist
from mineral_briefs.model.clearing import clear_market
from mineral_briefs.model.demand import growth_multiple, interpolate_series
from mineral_briefs.model.metrics import coverage_without_largest, hhi, top_k_share
from mineral_briefs.model.policy import (
    cfd_fiscal_cost,
    levy_consumer_cost,
    offtake_fiscal_cost,
    stockpile_release,
    tariff_revenue,
    variable_levy,
)
from mineral_briefs.model.timeline import front_running, month_offset, ramp_share, regime_share


def test_clearing_matches_closed_form_and_solves_the_market() -> None:
    a, b = np.array([0.8]), np.array([1.0])
    ed, es = np.array([-0.2]), np.array([0.1])
    res = clear_market(a, b, ed, es, np.array([10.0]), np.array([100.0]))
    expected = (1.0 / 0.8) ** (1.0 / 0.3)  # methods.md §8.1: (1 − φ)^(−1/(ε_s − ε_d))
    assert res.price[0] == pytest.approx(expected, rel=1e-12)
    assert a[0] * res.price[0] ** 0.1 == pytest.approx(b[0] * res.price[0] ** -0.2, rel=1e-12)
    assert res.ration[0] == pytest.approx(1.0)


def test_clearing_respects_capacity_and_choke() -> None:
    capped = clear_market(
        np.array([0.5]),
        np.array([1.0]),
        np.array([-0.5]),
        np.array([1.0]),
        np.array([1.1]),
        np.array([100.0]),
    )
    # supply multiplier capped at 1.1: 0.5·1.1 = P^-0.5 -> P = (0.55)^-2
    assert capped.price[0] == pytest.approx(0.55**-2, rel=1e-12)
    assert capped.supply_multiplier[0] == pytest.approx(1.1)
    choked = clear_market(
        np.array([0.1]),
        np.array([1.0]),
        np.array([-0.05]),
        np.array([0.05]),
        np.array([1.1]),
        np.array([6.0]),
    )
    assert choked.price[0] == pytest.approx(6.0)
    assert 0 < choked.ration[0] < 1
    empty = clear_market(
        np.array([0.0]),
        np.array([1.0]),
        np.array([-0.1]),
        np.array([0.1]),
        np.array([1.1]),
        np.array([6.0]),
    )
    assert empty.price[0] == pytest.approx(6.0) and empty.ration[0] == 0.0


def test_licensing_delay_ramp_suspension_and_snap_back() -> None:
    one = np.ones((1, 1))
    nan = np.array([np.nan])

    def w(t: float, susp: float = np.nan, snap: float = np.nan, ends: float = np.nan) -> float:
        return float(
            regime_share(
                t,
                0.5 * one,
                2.0 * one,
                2.0 * one,
                np.array([3.0]),
                np.array([susp]),
                np.array([snap]),
                np.array([ends]),
            )[0, 0]
        )

    assert w(2.5) == 0.0  # before the effective date
    assert w(3.5) == 1.0  # licences pending: nothing moves
    assert w(6.0) == pytest.approx(1 - 0.5 * 0.5)  # halfway through the ramp
    assert w(20.0) == pytest.approx(0.5)  # steady state: the share withheld
    assert w(10.0, susp=8.0) == 0.0  # suspended
    assert w(12.5, susp=8.0, snap=12.0) == 1.0  # snap-back restarts licensing
    assert w(30.0, susp=8.0, snap=12.0, ends=25.0) == 0.0
    fr = front_running(2.5, np.array([1.0]), np.array([1.0]), np.array([3.0]), nan, nan, nan)
    assert fr[0] == 1.0
    assert (
        front_running(1.5, np.array([1.0]), np.array([1.0]), np.array([3.0]), nan, nan, nan)[0]
        == 0.0
    )


def test_month_offset_and_ramp() -> None:
    start = dt.date(2025, 10, 1)
    assert month_offset(dt.date(2025, 12, 1), start) == 2.0
    assert month_offset(None, start) != month_offset(None, start)  # NaN
    assert ramp_share(5.0, np.array([4.0]), np.array([4.0]))[0] == pytest.approx(0.25)
    assert ramp_share(5.0, np.array([4.0]), np.array([0.0]))[0] == 1.0


def test_growth_shapes_hit_the_target_multiple() -> None:
    for shape in ("log_linear", "linear", "s_curve"):
        g = growth_multiple(np.array([2020.0, 2040.0]), 42.0, 2020, 2040, shape)
        assert g[0] == pytest.approx(1.0, abs=1e-9)
        assert g[1] == pytest.approx(42.0, rel=1e-9)
    mid = growth_multiple(np.array([2030.0]), 4.0, 2020, 2040, "log_linear")
    assert mid[0] == pytest.approx(2.0)
    with pytest.raises(ValueError):
        growth_multiple(np.array([2030.0]), 2.0, 2020, 2040, "cubic")
    s = interpolate_series(
        np.array([2027.0, 2060.0]), np.array([2024.0, 2030.0]), np.array([1.0, 4.0])
    )
    assert s[0] == pytest.approx(2.0) and s[1] == pytest.approx(4.0)


def test_concentration_metrics() -> None:
    assert hhi(np.array([1.0])) == 10_000
    assert hhi(np.array([0.5, 0.5])) == 5_000
    assert top_k_share(np.array([0.2, 0.5, 0.1, 0.2]), 3) == pytest.approx(0.9)
    # IEA style: supply 0.3 outside the top (0.7), top's own demand 0.6 -> 0.3 / 0.4
    assert coverage_without_largest(np.array([0.7, 0.2, 0.1]), 0.6) == pytest.approx(0.75)


def test_policy_arithmetic() -> None:
    # BT-12: $110/kg floor, benchmark $63/kg, 1,300 t -> 47 USD/kg x 1.3e6 kg
    assert cfd_fiscal_cost(110.0, 63.0, 1300.0) == pytest.approx(61_100_000.0)
    assert cfd_fiscal_cost(110.0, 88.0, 1300.0) == pytest.approx(28_600_000.0)
    assert cfd_fiscal_cost(110.0, 120.0, 1300.0) == 0.0  # no payment above the floor
    assert offtake_fiscal_cost(110.0, 120.0, 10.0) == pytest.approx(-100_000.0)
    # variable levy: 0.5 USD/kg on 4 t of imports, a quarter of them leaking in levy-free
    levy = variable_levy(np.array([2.0, 2.0]), np.array([1.5, 2.5]))
    np.testing.assert_allclose(levy, [0.5, 0.0])
    np.testing.assert_allclose(
        tariff_revenue(levy, np.array([4.0, 4.0]), np.array([0.25, 0.0])), [1_500.0, 0.0]
    )
    np.testing.assert_allclose(tariff_revenue(0.5, 4.0, 1.0), 0.0)  # all imports leak
    np.testing.assert_allclose(tariff_revenue(0.5, -4.0, 0.0), 0.0)  # exports pay no levy
    # consumers pay the levy on every tonne they consume (imported, leaked or made at home)
    np.testing.assert_allclose(levy_consumer_cost(levy, np.array([10.0, 10.0])), [5_000.0, 0.0])
    rel = stockpile_release(
        np.array([1.0, 1.0, 0.2]),
        np.array([0.5, -1.0, 0.5]),
        np.array([1.0, 1.0, 1.0]),
        np.array([True, True, True]),
    )
    np.testing.assert_allclose(rel, [0.5, 0.0, 0.2])


def test_codelist_names_and_units() -> None:
    assert codelist.variable("Price", "magnet_rees", "refining") == "Price|Magnet REEs|Refining"
    assert codelist.unit("Price") == "USD/kg"
    rows = codelist.codelist()
    assert len({r["variable"] for r in rows}) == len(rows)
    assert not any("Magnets" in r["variable"] and r["mineral"] != "magnet_rees" for r in rows)
    with pytest.raises(KeyError):
        codelist.variable("Happiness", "lithium", "mining")
