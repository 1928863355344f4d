"""Unit algebra: every price × quantity goes through data/conversions.csv (issue 9, item 4).

A tonne in the model is a tonne of the market's quantity basis (Li content, NdPr content …);
prices are quoted per kg of a product (Li₂CO₃, NdPr oxide …). The conversion table links the
two; money is priced per kg of the quantity basis, charts keep the quoted product price.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mineral_briefs.data import (
    Dataset,
    base_price,
    conversion_factor,
    load_dataset,
    price_basis,
)
from mineral_briefs.data.curate import W_PER_MTU_WO3_KG
from mineral_briefs.engine import PRICE_BASIS_COLUMNS, _build, run
from mineral_briefs.errors import DataError
from mineral_briefs.model import codelist as cl
from mineral_briefs.scenarios import load_scenario, scenarios_dir

# IUPAC 1995 standard atomic weights (IUPAC_ATW_1995), to recompute the stoichiometric rows
LI, C, OX, H, ND, PR, W = 6.940, 12.0107, 15.9994, 1.00794, 144.24, 140.90765, 183.84
BUILTIN = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
MONEY = {"Tariff Revenue": "tariff_revenue_usd", "Fiscal Cost": "fiscal_cost_usd"}


@pytest.fixture(scope="module")
def ds(repo_root: Path) -> Dataset:
    return load_dataset(repo_root / "data")


def _row(ds: Dataset, mineral: str, frm: str, to: str) -> pd.Series:
    c = ds.conversions
    hit = c[(c.mineral == mineral) & (c.from_basis == frm) & (c.to_basis == to)]
    assert len(hit) == 1, (mineral, frm, to)
    return hit.iloc[0]


def test_conversion_table_loads_with_sources_and_confidence(ds: Dataset) -> None:
    conv = ds.conversions
    assert len(conv) >= 20
    known = set(ds.sources.source_id)
    for cell in conv.source_id:
        assert cell and set(cell.split(";")) <= known, cell
    assert conv.confidence.isin(["confirmed", "secondary", "assumption"]).all()
    assert (conv.factor > 0).all()
    li = _row(ds, "lithium", "Li content", "LCE")
    assert li.factor == 5.323
    assert "IUPAC_ATW_1995" in li.source_id
    # the flake-for-battery-grade proxy is flagged, not passed off as a conversion
    gr = _row(ds, "graphite", "battery-grade (refined)", "flake graphite")
    assert gr.confidence == "assumption"
    assert "NOT a unit conversion" in gr.note


@pytest.mark.parametrize(
    ("mineral", "frm", "to", "expected"),
    [
        ("lithium", "Li content", "LCE", (2 * LI + C + 3 * OX) / (2 * LI)),
        ("lithium", "Li content", "LiOH·H2O", (LI + 2 * OX + 3 * H) / LI),
        ("magnet_rees", "Nd2O3", "Nd content", 2 * ND / (2 * ND + 3 * OX)),
        ("magnet_rees", "Pr6O11", "Pr content", 6 * PR / (6 * PR + 11 * OX)),
        ("tungsten", "WO3", "W content", W / (W + 3 * OX)),
        ("all", "kg", "lb", 1 / 0.45359237),
    ],
)
def test_stoichiometric_rows_match_atomic_weights(
    ds: Dataset, mineral: str, frm: str, to: str, expected: float
) -> None:
    assert _row(ds, mineral, frm, to).factor == pytest.approx(expected, rel=2e-4)


def test_price_units_in_prices_csv_agree_with_the_table(ds: Dataset) -> None:
    lb_per_kg = _row(ds, "all", "kg", "lb").factor
    p = ds.prices
    lb = p[p.unit == "USD/lb"]
    assert len(lb) > 5
    np.testing.assert_allclose(lb.usd_per_kg, lb.value * lb_per_kg, rtol=1e-4)
    w_per_mtu = 10 * _row(ds, "tungsten", "WO3", "W content").factor
    assert w_per_mtu == pytest.approx(W_PER_MTU_WO3_KG, rel=1e-3)


def test_li_content_times_lce_price_by_hand(ds: Dataset) -> None:
    factor, src, conf, path = conversion_factor(
        ds, "lithium", "Li content", "lithium carbonate, battery grade"
    )
    assert path == ("Li content", "LCE", "lithium carbonate, battery grade")
    assert factor == pytest.approx(5.323)
    assert conf == "confirmed" and "IUPAC_ATW_1995" in src
    # 2,000 t of Li content at 11,800 USD/t Li2CO3 (USGS 2024) is worth
    # 2,000 t × 5.323 t LCE/t Li × 11,800 USD/t LCE = 125.6228 m USD (not 23.6 m)
    usd_per_kg_lce, _, _ = base_price(ds, "lithium", "refining", 2024)
    assert usd_per_kg_lce == pytest.approx(11.8)
    assert 2_000 * 1_000 * usd_per_kg_lce * factor == pytest.approx(125_622_800.0)


def test_engine_prices_tonnes_per_kg_of_their_basis(ds: Dataset) -> None:
    b = _build(load_scenario("alliance_floor"), ds)
    pb = b.price_basis.set_index(["mineral", "stage"])
    assert list(b.price_basis.columns) == list(PRICE_BASIS_COLUMNS)
    li = pb.loc[("lithium", "refining")]
    assert (li.content_label, li.price_label) == ("Li content", "LCE")
    # the latest sourced annual price up to the horizon start (2025): USGS 2025e, USD/kg Li2CO3
    assert (li.p0_product_usd_per_kg, li.p0_year) == (pytest.approx(9.0), 2025)
    assert li.p0_content_usd_per_kg == pytest.approx(9.0 * 5.323)  # 47.91 USD/kg Li
    ndpr = pb.loc[("magnet_rees", "refining")]
    assert ndpr.content_per_product_factor == pytest.approx(1 / 0.8499, rel=1e-3)
    assert ndpr.confidence == "assumption"  # IEA basis read as element content: flagged
    i = b.keys.index(("lithium", "refining"))
    assert b.markets.p0_usd_per_kg[i] == pytest.approx(9.0 * 5.323)
    assert b.p0_product_usd_per_kg[i] == pytest.approx(9.0)
    # ratios against scenario prices stay on the product basis: 15 USD/kg floor on 9.0 → 1.67
    j = int(np.flatnonzero(b.floors.market == i)[0])
    assert b.floor_mult[j] == pytest.approx(15.0 / 9.0)


def test_every_market_of_every_builtin_scenario_has_a_sourced_price_basis(ds: Dataset) -> None:
    for sid in BUILTIN:
        b = _build(load_scenario(sid), ds)
        priced = b.price_basis[np.isfinite(b.price_basis.p0_product_usd_per_kg)]
        assert len(priced) == len(b.keys), sid
        assert (priced.source_id.str.len() > 0).all(), sid
        np.testing.assert_allclose(
            priced.p0_content_usd_per_kg,
            priced.p0_product_usd_per_kg * priced.content_per_product_factor,
        )


def test_money_scales_with_the_conversion_factor(ds: Dataset) -> None:
    """Doubling the Li→LCE factor doubles lithium money and leaves every price unchanged."""
    conv = ds.conversions.copy()
    hit = (conv.mineral == "lithium") & (conv.from_basis == "Li content") & (conv.to_basis == "LCE")
    conv.loc[hit, "factor"] = 2 * 5.323
    doubled = dataclasses.replace(ds, conversions=conv)
    sc = load_scenario("alliance_floor")
    base, test = run(sc, ds, draws=0), run(sc, doubled, draws=0)
    for kpi in ("tariff_revenue_usd", "consumer_cost_usd"):
        v0 = base.kpi("lithium", "refining", kpi)
        assert v0 > 0
        assert test.kpi("lithium", "refining", kpi) == pytest.approx(2 * v0, rel=1e-9)
    assert test.kpi("cobalt", "refining", "tariff_revenue_usd") == pytest.approx(
        base.kpi("cobalt", "refining", "tariff_revenue_usd"), rel=1e-12
    )
    price = base.timeseries.variable.str.startswith("Price|")
    np.testing.assert_array_equal(
        base.timeseries[price].value.to_numpy(), test.timeseries[price].value.to_numpy()
    )


def test_missing_conversion_raises_naming_file_market_and_bases(ds: Dataset) -> None:
    conv = ds.conversions
    keep = ~((conv.mineral == "lithium") & (conv.to_basis == "LCE"))
    broken = dataclasses.replace(ds, conversions=conv[keep].reset_index(drop=True))
    with pytest.raises(DataError) as err:
        run(load_scenario("baseline"), broken, draws=0)
    msg = str(err.value)
    assert "conversions.csv" in msg
    assert "lithium/mining" in msg or "lithium/refining" in msg
    assert "'lithium carbonate, battery grade'" in msg
    assert "never assumed" in msg
    with pytest.raises(DataError, match="conversions.csv.*market lithium/mining.*'Li content'"):
        price_basis(broken, "lithium", "mining")
    with pytest.raises(DataError, match="market lithium/refining"):
        conversion_factor(broken, "lithium", "Li content", "LCE", market="lithium/refining")


@pytest.mark.parametrize("sid", BUILTIN)
def test_cumulative_money_kpis_equal_the_sum_of_the_monthly_iamc_series(sid: str) -> None:
    """Every money KPI multiplied back from the IAMC table (central run = timeseries).

    ``consumer_cost_usd`` has no monthly IAMC series on this branch, so it is not covered here.
    """
    res = run(load_scenario(sid), draws=0)
    ts = res.timeseries
    k = res.kpis
    checked = 0
    for quantity, kpi in MONEY.items():
        rows = k[k.kpi == kpi]
        for r in rows.itertuples():
            var = cl.variable(quantity, r.mineral, r.stage)
            monthly = ts[(ts.variable == var) & (ts.region == "Alliance")].value
            total = float(monthly.sum())  # an all-zero series is left out of the table
            assert r.value == pytest.approx(total, rel=1e-9, abs=1e-6), (sid, var)
            checked += int(r.value != 0)
    has_floor = bool(load_scenario(sid).price_floors)
    assert (checked > 0) == has_floor, (sid, checked)


def test_money_series_units_are_usd_per_month() -> None:
    res = run(load_scenario("alliance_floor"), draws=0)
    ts = res.timeseries
    money = ts[ts.variable.str.startswith(("Tariff Revenue|", "Fiscal Cost|"))]
    assert not money.empty
    assert set(money.unit) == {"USD/month"}
    assert (
        res.price_basis.set_index(["mineral", "stage"]).loc[("lithium", "refining"), "price_label"]
        == "LCE"
    )
    assert math.isfinite(res.kpi("lithium", "refining", "tariff_revenue_usd"))
