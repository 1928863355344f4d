"""Cost curves, supply surges and China's market settings as model inputs: the curated
``cost_curves`` table and the scenario's ``supply_surge`` and ``china`` levers ->
:class:`CostCurves`, :class:`ChinaMarket` and China's consumption shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mineral_briefs.engine.base import ScenarioInputError
from mineral_briefs.engine.params import _Params
from mineral_briefs.model.china_market import ChinaMarket
from mineral_briefs.model.cost_curve import CostCurves
from mineral_briefs.model.timeline import month_offset

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.engine.markets import _BaseYear
    from mineral_briefs.scenarios import Scenario


def _zone(country: str, alliance: tuple[str, ...]) -> int:
    """0 China, 1 alliance member, 2 rest of the world."""
    return 0 if country == "CHN" else (1 if country in alliance else 2)


def _curve_groups(
    dataset: Dataset, scenario: Scenario, by: _BaseYear, sources: set[str]
) -> list[dict[str, float]]:
    """Existing producer groups of the simulated markets from ``cost_curves.csv``.

    Capacity κ = share_of_country × the country's share of the market's base output (the
    production source the market uses); cost = the range's midpoint ÷ P0 (both USD/kg of the
    market's price product).
    """
    table = dataset.cost_curves
    alliance = scenario.alliance_members
    out: list[dict[str, float]] = []
    for r in table.itertuples(index=False):
        key = (str(r.mineral), str(r.stage))
        if key not in by.idx or not np.isfinite(by.p0[by.idx[key]]):
            continue
        i = by.idx[key]
        share = by.facts[key].share_of((str(r.country),))
        if share <= 0:
            continue
        sources.update(str(r.source_id).split(";"))
        out.append(
            {
                "market": i,
                "zone": _zone(str(r.country), alliance),
                "capacity": float(r.share_of_country) * share,
                "cost": 0.5 * (float(r.cash_cost_low) + float(r.cash_cost_high)) / by.p0[i],
                "cost_low": float(r.cash_cost_low) / by.p0[i],
                "cost_high": float(r.cash_cost_high) / by.p0[i],
                "surge": 0.0,
                "start": -np.inf,
                "ramp": 0.0,
            }
        )
    return out


def _cost_curves(
    dataset: Dataset, scenario: Scenario, params: _Params, by: _BaseYear, sources: set[str]
) -> CostCurves:
    """The curve groups of the data plus the scenario's supply surges (methodology §19)."""
    rows = _curve_groups(dataset, scenario, by, sources)
    alliance = scenario.alliance_members
    for j, su in enumerate(scenario.supply_surge):
        i = by.idx[(su.mineral, su.stage)]  # checked by _check_surge_markets
        if not np.isfinite(by.p0[i]):
            raise ScenarioInputError(
                scenario.id,
                [
                    f"supply_surge[{j}].cash_cost: market {su.mineral}/{su.stage} has no base "
                    "price to compare the cost with; allowed: markets with a price in "
                    "data/price_defaults.csv or base_overrides.prices"
                ],
            )
        cost = su.cash_cost.usd_per_kg() / by.p0[i]
        rows.append(
            {
                "market": i,
                "zone": _zone(su.country, alliance),
                "capacity": su.capacity_t_per_year / by.q0[i],
                "cost": cost,
                "cost_low": cost,
                "cost_high": cost,
                "surge": 1.0,
                "start": month_offset(su.start, scenario.horizon.start),
                "ramp": float(su.ramp_months),
            }
        )
    cols = ["market", "zone", "capacity", "cost", "cost_low", "cost_high", "surge", "start", "ramp"]
    frame = pd.DataFrame(rows, columns=cols)
    return CostCurves(
        market=frame["market"].to_numpy(np.int64),
        zone=frame["zone"].to_numpy(np.int64),
        capacity=frame["capacity"].to_numpy(float),
        cost=frame["cost"].to_numpy(float),
        cost_low=frame["cost_low"].to_numpy(float),
        cost_high=frame["cost_high"].to_numpy(float),
        surge=frame["surge"].to_numpy(float),
        start=frame["start"].to_numpy(float),
        ramp=frame["ramp"].to_numpy(float),
        exit_months=params.value("curve_exit_months"),
        restart_months=params.value("curve_restart_months"),
    )


def _china_market(scenario: Scenario, params: _Params, by: _BaseYear) -> ChinaMarket | None:
    """China's market management per market (None when the scenario switches it off)."""
    if not scenario.china.market_management:
        return None
    keys = by.keys
    band = np.array([params.value("china_price_band_low", mi, st) for mi, st in keys])
    rate_t = np.array([params.value("china_reserve_buy_t_per_year", mi, st) for mi, st in keys])
    quota = np.array([params.value("china_quota_cut_max", mi, st) for mi, st in keys])
    return ChinaMarket(band_low=band, reserve_rate=rate_t / by.q0, quota_cut=quota)


def _china_consumption(scenario: Scenario, by: _BaseYear) -> None:
    """Override China's demand share where the scenario sets it; the alliance and the rest
    keep their proportions of what remains (in place on ``by.d_share``)."""
    for cs in scenario.china.consumption_share:
        i = by.idx[(cs.mineral, cs.stage)]  # checked by _check_surge_markets
        rest = by.d_share[1, i] + by.d_share[2, i]
        a_part = by.d_share[1, i] / rest if rest > 0 else 0.5
        by.d_share[0, i] = cs.share
        by.d_share[1, i] = (1.0 - cs.share) * a_part
        by.d_share[2, i] = (1.0 - cs.share) * (1.0 - a_part)


def _check_surge_markets(scenario: Scenario, keys: list[tuple[str, str]]) -> list[str]:
    """Problems (key path, market) for surges and consumption shares on unsimulated markets."""
    sim = set(keys)
    problems = [
        f"supply_surge[{j}]: market {su.mineral}/{su.stage} is not simulated"
        for j, su in enumerate(scenario.supply_surge)
        if (su.mineral, su.stage) not in sim
    ]
    problems += [
        f"china.consumption_share[{j}]: market {c.mineral}/{c.stage} is not simulated"
        for j, c in enumerate(scenario.china.consumption_share)
        if (c.mineral, c.stage) not in sim
    ]
    return problems
