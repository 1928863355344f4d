"""The stock holders inside the monthly loop (methodology §6a): hoarding lifts the price at
once, catch-up restocking makes exports overshoot after a control, levers stay monotone."""

from __future__ import annotations

import dataclasses

import numpy as np
from mineral_briefs.model.holder_rules import HolderRules
from mineral_briefs.model.simulate import (
    MODE_CHINA_EXPORT,
    Controls,
    Floors,
    Markets,
    Projects,
    Rows,
    Stockpiles,
    simulate,
)
from model_fixtures import one_market

T = 36


def _rules(prec: float = 1.0, spec: float = 0.0, cu: float = 1.0) -> HolderRules:
    one = np.ones(1)
    return HolderRules(
        commercial_on=cu * one,
        restock_months=12.0 * one,
        restock_below=1.05 * one,
        precautionary_on=prec * one,
        precaution_months=1.5 * one,
        precaution_build_months=12.0 * one,
        speculative_on=spec * one,
        speculative_months=2.0 * one,
        speculative_trend=0.02 * one,
        speculative_months_smoothing=12.0 * one,
    )


def _markets(rules: HolderRules | None, taper: float | None = None) -> Markets:
    return one_market(
        T,
        inventory_taper=None if taper is None else np.array([taper]),
        mineral="gallium",
        q0_t=1e3,
        p0_usd_per_kg=300.0,
        choke=50.0,
        downstream_dependence=1.0,
        holders=rules,
    )


def _rows(shares: list[float]) -> Rows:
    n = len(shares)
    full = np.ones((n, 1))
    return Rows(
        eps_d_sr=-0.1 * full,
        eps_d_lr=-0.5 * full,
        eps_s_sr=0.1 * full,
        eps_s_lr=0.8 * full,
        tau_months=24.0 * full,
        growth_exponent=full,
        inventory_months=2.0 * full,
        delay_months=np.full((n, 1), 1.5),
        ramp_months=np.full((n, 1), 2.0),
        share=np.array(shares).reshape(n, 1),
        floor_multiple=np.zeros((n, 0)),
        project_on=np.ones((n, 0)),
    )


def _control(ends: float = 12.0) -> Controls:
    return Controls(
        announced=np.array([1.0]),
        effective=np.array([3.0]),
        suspended=np.array([np.nan]),
        snap_back=np.array([np.nan]),
        ends=np.array([ends]),
        front_months=np.array([1.0]),
        leakage=np.array([0.0]),
        link_market=np.array([0]),
        link_control=np.array([0]),
        link_coef=np.array([0.5]),
        link_mode=np.array([MODE_CHINA_EXPORT]),
    )


def _run(
    rules: HolderRules | None, shares: list[float], ends: float = 12.0, taper: float | None = None
) -> dict:
    res = simulate(
        _markets(rules, taper),
        _rows(shares),
        _control(ends),
        Floors(),
        Stockpiles(),
        Projects(),
        n_path=len(shares),
    )
    return res.paths


def test_hoarding_lifts_the_price_in_the_first_months_of_the_control() -> None:
    on = _run(_rules(prec=1.0, cu=0.0), [0.5])["price_row"][:, 0, 0]
    off = _run(_rules(prec=0.0, cu=0.0), [0.5])["price_row"][:, 0, 0]
    assert on[3] > off[3] * 1.05  # first month in force: the hoard is extra demand
    assert on.max() > off.max()


def test_switched_off_holders_reproduce_the_commercial_rule_alone() -> None:
    off = _run(_rules(prec=0.0, spec=0.0, cu=0.0), [0.5])
    none = _run(None, [0.5])
    for k in ("price_row", "exports_china", "inventory"):
        np.testing.assert_allclose(off[k], none[k], rtol=1e-12)


def test_restocking_lifts_exports_after_the_control_ends_at_a_calm_price() -> None:
    # NOTE: China's home stocks return to the world pool in one lump when a control ends
    # (stocks.home_stocks_return, not counted as exports), so in this one-market case the
    # catch-up shows in the first month after the end, as exports above the no-catch-up run
    on = _run(_rules(prec=0.0, cu=1.0), [0.5])
    off = _run(_rules(prec=0.0, cu=0.0), [0.5])
    end = 12
    assert on["exports_china"][end, 0, 0] > off["exports_china"][end, 0, 0] + 0.005
    # the restocked tonnes are bought once: over the following year exports sum higher
    assert (
        on["exports_china"][end : end + 12, 0, 0].sum()
        > off["exports_china"][end : end + 12, 0, 0].sum()
    )
    assert on["price_row"][end:24, 0, 0].max() <= 1.05 + 1e-6  # restocking at calm prices
    assert off["price_row"][end, 0, 0] < on["price_row"][end, 0, 0]


def test_more_withholding_never_lowers_the_peak_with_every_holder_on() -> None:
    shares = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9]
    for rules in (_rules(), _rules(spec=1.0)):
        peak = _run(rules, shares)["price_row"][:, :, 0].max(axis=0)
        assert np.all(np.diff(peak) >= -1e-9), peak


def test_no_negative_stocks_with_every_holder_on() -> None:
    p = _run(_rules(spec=1.0), [0.2, 0.9, 1.0], ends=8.0)
    assert (p["inventory"] >= -1e-12).all()
    assert np.isfinite(p["price_row"]).all()


def test_a_lasting_control_lifts_the_price_step_by_step_not_in_one_month() -> None:
    """Working stock and the hoard taper below half full (methodology §6): a control that
    outlasts the stocks raises the price as they thin. Without the taper the stocks met their
    share of the gap in full until the month they ran out, and the price jumped then (×1.5 to
    ×4.6 in one month at these cuts)."""
    shares = [0.2, 0.3, 0.4]
    tapered = _run(_rules(), shares, ends=np.inf, taper=0.5)["price_row"][:, :, 0]
    cliff = _run(_rules(), shares, ends=np.inf, taper=None)["price_row"][:, :, 0]
    after = slice(6, T)  # from three months after the control takes effect
    rise = tapered[after][1:] / tapered[after][:-1]
    old_rise = cliff[after][1:] / cliff[after][:-1]
    assert rise.max() < 1.5, rise.max(axis=0)
    assert old_rise.max() > 2.0  # the stock cliff the taper removes
    # the peak is no higher than with the cliff: the stock is spread, not lost
    assert np.all(tapered.max(axis=0) <= cliff.max(axis=0) + 1e-9)


def test_rules_cast_to_the_working_precision() -> None:
    r = _rules().cast(np.float32)
    assert all(getattr(r, f.name).dtype == np.float32 for f in dataclasses.fields(r))
