"""The private stock holders (model/holders_*.py, methodology §6a): one test group per holder."""

from __future__ import annotations

import numpy as np
import pytest
from mineral_briefs.model.holders_commercial import (
    cap_factor,
    catch_up,
    commercial_flows,
    fill_taper,
    restock_room,
)
from mineral_briefs.model.holders_precautionary import (
    alert_peak,
    control_live,
    precautionary_flows,
    threatened_supply,
)
from mineral_briefs.model.holders_speculative import (
    price_trend,
    speculative_flows,
    speculative_target,
)

NAN = np.nan
A = np.array


# --- commercial ---------------------------------------------------------------------------


def test_commercial_draw_meets_theta_of_the_gap_until_stock_runs_out() -> None:
    draw, restock = commercial_flows(A([[0.5, 0.5]]), A([[1.0, 0.01]]), A([[1.0, 1.0]]), A([0.8]))
    assert draw[0] == pytest.approx([0.4, 0.12])  # θ·g, then 12·I
    assert restock[0] == pytest.approx([0.0, 0.0])


def test_release_tapers_below_the_fill_ratio_phi_c() -> None:
    gap, inv_max, theta, taper = A([[0.5, 0.5, 0.5]]), A([[0.2, 0.2, 0.2]]), A([0.8]), A([0.5])
    inv = A([[0.2, 0.1, 0.05]])  # full, at φ_c, a quarter full
    draw, _ = commercial_flows(gap, inv, inv_max, theta, taper)
    assert draw[0] == pytest.approx([0.4, 0.4, 0.2])  # θ·g, θ·g, θ·g·(0.25/0.5)
    untapered, _ = commercial_flows(gap, inv, inv_max, theta, A([0.0]))
    assert untapered[0] == pytest.approx([0.4, 0.4, 0.4])
    # nothing normally held (no hoard yet): no taper, no division by zero
    assert fill_taper(A([[0.0]]), A([[0.0]]), taper)[0, 0] == 1.0


def test_catch_up_rebuilds_over_tau_only_when_calm_and_not_short() -> None:
    inv, inv_max = A([[0.05, 0.05, 0.05, 0.2]]), A([[0.2, 0.2, 0.2, 0.2]])
    gap = A([[0.0, 0.1, -0.1, 0.0]])
    calm = A([[1.0, 1.0, 1.0, 1.0]])
    q = catch_up(gap, inv, inv_max, calm, A([12.0]), A([1.0]), A([[9.0, 9.0, 9.0, 9.0]]))
    # room 0.15 yr rebuilt over 12 months: 0.15 per year; none while short, none when full
    assert q[0] == pytest.approx([0.15, 0.0, 0.15, 0.0])
    off = catch_up(gap, inv, inv_max, calm, A([12.0]), A([0.0]), A([[9.0] * 4]))
    assert not off.any()
    segmented = catch_up(gap, inv, inv_max, 0.0 * calm, A([12.0]), A([1.0]), A([[9.0] * 4]))
    assert not segmented.any()


def test_catch_up_never_lifts_the_price_above_restock_below() -> None:
    supply, demand = A([[1.0]]), A([[1.0]])
    eps_s, eps_d, cap = A([[0.05]]), A([[-0.1]]), A([1.1])
    room = restock_room(supply, demand, cap_factor(eps_s, eps_d, cap))
    q = catch_up(A([[0.0]]), A([[0.0]]), A([[1.0]]), A([[1.0]]), A([1.0]), A([1.0]), room)
    assert 0.0 < q[0, 0] < 12.0  # the cap binds, not the stock gap
    # closed-form clearing with the restocking added: A·P^εs = (B + q)·P^εd
    price = np.exp(np.log((demand + q) / supply) / (eps_s - eps_d))
    assert price[0, 0] == pytest.approx(1.1)
    tight = restock_room(A([[0.9]]), demand, cap_factor(eps_s, eps_d, cap))  # already above the cap
    assert catch_up(A([[0.0]]), A([[0.0]]), A([[1.0]]), A([[1.0]]), A([1.0]), A([1.0]), tight)[
        0, 0
    ] == pytest.approx(0.0)


# --- precautionary ------------------------------------------------------------------------


def test_alert_runs_from_announcement_to_end_and_through_a_snap_back_suspension() -> None:
    ann, eff, susp = A([2.0, 2.0, 2.0]), A([4.0] * 3), A([NAN, 6.0, 6.0])
    snap, ends = A([NAN, NAN, 9.0]), A([10.0, NAN, NAN])
    live = np.array([control_live(t, ann, eff, susp, snap, ends) for t in (1.5, 2.5, 7.0, 11.0)])
    assert live.tolist() == [
        [False, False, False],
        [True, True, True],
        [True, False, True],  # suspended for good vs. with a snap-back date
        [False, False, True],
    ]
    # no announcement date: the alert starts when the control takes effect
    assert not control_live(3.0, A([NAN]), A([4.0]), A([NAN]), A([NAN]), A([NAN]))[0]
    assert control_live(4.5, A([NAN]), A([4.0]), A([NAN]), A([NAN]), A([NAN]))[0]


def test_threatened_supply_grows_with_the_share_withheld() -> None:
    e_link = A([[1.0, 0.0], [0.0, 1.0]])
    lc, coef = np.array([0, 0]), A([0.4, 0.3])
    share = A([[0.2], [0.6]])
    v = threatened_supply(np.array([True]), share, lc, coef, e_link)
    assert v[:, 0] == pytest.approx([0.08, 0.24])
    assert (v[1] > v[0]).all()
    assert not threatened_supply(np.array([False]), share, lc, coef, e_link).any()


def test_hoard_is_built_drawn_when_working_stock_runs_out_and_sold_after() -> None:
    none, tau = A([[0.0]]), A([12.0])
    sell, buy = precautionary_flows(A([[0.0]]), A([[0.125]]), tau, none)
    assert buy[0, 0] == pytest.approx(0.125) and sell[0, 0] == 0.0  # build over τ_p
    # working stock ran out: the hoard meets the unmet part, up to all of it, buys nothing
    sell, buy = precautionary_flows(A([[0.1, 0.01]]), A([[0.125, 0.125]]), tau, A([[0.3, 0.3]]))
    assert sell[0] == pytest.approx([0.3, 0.12]) and not buy.any()
    # alert over (target 0): sold over τ_p
    sell, buy = precautionary_flows(A([[0.1]]), A([[0.0]]), tau, none)
    assert sell[0, 0] == pytest.approx(0.1) and buy[0, 0] == 0.0


def test_buying_hands_over_to_drawing_continuously_as_working_stock_thins() -> None:
    """Purchases shrink with working stock's fill taper ``w``; the net flow has no step where
    working stock first falls short (controls_oct2025 used to drop 6 % in one month)."""
    level, target, tau = A([[0.05]]), A([[0.125]]), A([12.0])
    full = 12.0 * (0.125 - 0.05) / 12.0  # the purchase rate above φ_c

    def net(unmet: float, w: float) -> float:
        sell, buy = precautionary_flows(level, target, tau, A([[unmet]]), 1.0, A([[w]]))
        assert min(sell[0, 0], buy[0, 0]) == 0.0  # netted: never both at once
        return float(buy[0, 0] - sell[0, 0])

    assert net(0.0, 1.0) == pytest.approx(full)
    assert net(1e-6, 1.0) == pytest.approx(full, abs=1e-5)  # no step at the hand-over
    steps = [net(u, w) for u, w in ((0.002, 0.9), (0.01, 0.6), (0.03, 0.2), (0.05, 0.0))]
    assert steps == sorted(steps, reverse=True)  # buys less, then draws more, as stock thins
    assert steps[-1] == pytest.approx(-0.05)  # working stock empty: the hoard meets the gap
    # without a buy scale (no taper) a short market buys nothing, as before
    sell, buy = precautionary_flows(level, target, tau, A([[1e-6]]))
    assert buy[0, 0] == 0.0 and sell[0, 0] == pytest.approx(1e-6)
    # float32 Monte Carlo rows stay float32 on both paths
    f32 = {k: v.astype(np.float32) for k, v in {"l": level, "t": target, "u": A([[0.01]])}.items()}
    for scale in (None, np.full((1, 1), 0.5, np.float32)):
        tau32 = tau.astype(np.float32)
        out = precautionary_flows(f32["l"], f32["t"], tau32, f32["u"], np.float32(1.0), scale)
        assert all(o.dtype == np.float32 for o in out)


# --- speculative --------------------------------------------------------------------------


def test_trend_is_smoothed_over_tau_s() -> None:
    m = np.zeros((1, 1))
    for _ in range(12):
        m = price_trend(m, A([[0.1]]), A([12.0]))
    assert m[0, 0] == pytest.approx(0.1 * (1 - (11 / 12) ** 12))
    assert price_trend(A([[0.05]]), A([[-0.05]]), A([1.0]))[0, 0] == pytest.approx(-0.05)


def test_position_follows_the_trend_up_to_the_limit_and_is_sold_when_it_fades() -> None:
    cover, lim, g, on = A([[1 / 12]]), A([2.0]), A([0.02]), A([1.0])
    half = speculative_target(A([[0.01]]), cover, lim, g, on)
    full = speculative_target(A([[0.5]]), cover, lim, g, on)
    assert half[0, 0] == pytest.approx(1 / 12) and full[0, 0] == pytest.approx(2 / 12)
    assert speculative_target(A([[-0.1]]), cover, lim, g, on)[0, 0] == 0.0
    assert speculative_target(A([[0.5]]), cover, lim, g, A([0.0]))[0, 0] == 0.0
    sell, buy = speculative_flows(A([[2 / 12]]), A([[0.0]]), A([12.0]))
    assert sell[0, 0] == pytest.approx(2 / 12) and buy[0, 0] == 0.0


def test_the_hoards_peak_is_that_of_the_current_alert() -> None:
    peak, level = A([[0.5, 0.5, 0.5]]), A([[0.1, 0.1, 0.7]])
    target = A([[0.2, 0.0, 0.2]])
    # alert on: the largest hoard held; alert over: the peak follows the hoard down
    assert alert_peak(peak, level, target)[0] == pytest.approx([0.5, 0.1, 0.7])
