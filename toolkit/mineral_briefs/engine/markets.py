"""The simulated markets: which ones, their base-year size, price, supply and demand shares,
demand growth and per-market parameters, gathered into the model's :class:`Markets`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineral_briefs.engine.base import (
    DEFAULT_BASE_YEAR,
    STAGE_ORDER,
    ScenarioInputError,
    _base_price,
    _latest_price_years,
    _price_year,
    own_price_basis,
)
from mineral_briefs.engine.params import _demand_share_of, _Params
from mineral_briefs.errors import DataError
from mineral_briefs.model.demand import growth_multiple, interpolate_series
from mineral_briefs.model.holder_rules import RULE_PARAMETERS, HolderRules
from mineral_briefs.model.magnets import Recipe
from mineral_briefs.model.simulate import Markets

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset, PriceBasis
    from mineral_briefs.scenarios import Scenario

PARAMETER_NAMES: tuple[str, ...] = (
    "elasticity_demand_sr",
    "elasticity_demand_lr",
    "elasticity_supply_sr",
    "elasticity_supply_lr",
    "adjustment_months",
    "inventory_months",
    "demand_growth_exponent",
)
"""Per-market parameters with a low/high range (the rows and draws vary them)."""


@dataclass
class _BaseYear:
    """Each simulated market in the base year, shared by the market and lever steps."""

    keys: list[tuple[str, str]]
    """(mineral, stage) of the simulated markets, in simulation order."""
    keys_all: list[tuple[str, str]]
    """Every market with base data (a scenario's `markets` list may keep fewer)."""
    facts: dict[tuple[str, str], _GroupFacts]
    """Base-frame rows (one per country) of every market in ``keys_all``, as arrays."""
    q0: np.ndarray
    """(M,) base quantity [t/yr of the quantity basis]."""
    p0: np.ndarray
    """(M,) base price per kg of the quoted product [USD/kg product]."""
    to_content: np.ndarray
    """(M,) USD/kg content per USD/kg product [-]."""
    s_share: np.ndarray
    """(3, M) supply shares of China, the alliance and the rest of the world [0–1]."""
    d_share: np.ndarray
    """(3, M) demand shares of China, the alliance and the rest of the world [0–1]."""
    basis_rows: list[dict[str, Any]]
    """One :data:`PRICE_BASIS_COLUMNS` row per market."""
    alliance_weights: np.ndarray
    """(M,) the members' summed end-use weights (``demand_share_<ISO3>``) where they located
    the alliance's demand (the last stage with data), else 0 [0–1]."""

    def named_scale(self, i: int) -> float:
        """Factor on a named country's end-use weight in market ``i``: the alliance's located
        share over its members' weights (below 1 where they were capped to what China leaves,
        :func:`_demand_location`, or moved by ``china.consumption_share``); 1 where the
        shares come from the downstream stage's production."""
        w = float(self.alliance_weights[i])
        return float(self.d_share[1, i]) / w if w > 0 else 1.0

    @property
    def idx(self) -> dict[tuple[str, str], int]:
        """(mineral, stage) -> market index."""
        return {k: i for i, k in enumerate(self.keys)}


def _months_of(scenario: Scenario) -> list[dt.date]:
    return list(scenario.horizon.month_starts())


def _market_keys(
    scenario: Scenario, base: pd.DataFrame
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(simulated markets, every market with base data), in stage order per mineral.

    Raises
    ------
    ScenarioError
        When the scenario's `markets` list names a market without base data.
    """
    keys_all = sorted(
        set(zip(base["mineral"], base["stage"], strict=True)),
        key=lambda k: (k[0], STAGE_ORDER.index(k[1]) if k[1] in STAGE_ORDER else 9),
    )
    if scenario.markets:
        wanted = [(mk.mineral, mk.stage) for mk in scenario.markets]
        allowed = ", ".join(f"{m}/{s}" for m, s in keys_all)
        missing = [
            f"markets[{n}]: market {m}/{s} has no base data in data/production.csv; "
            f"allowed: {allowed}"
            for n, (m, s) in enumerate(wanted)
            if (m, s) not in keys_all
        ]
        if missing:
            raise ScenarioInputError(scenario.id, missing)
        keys = [k for k in keys_all if k in wanted]
    else:
        keys = keys_all
    return keys, keys_all


def _base_year_markets(
    scenario: Scenario,
    dataset: Dataset,
    params: _Params,
    base: pd.DataFrame,
    keys: list[tuple[str, str]],
    keys_all: list[tuple[str, str]],
    base_year: int,
    sources: set[str],
) -> _BaseYear:
    """Size, price and regional shares of every simulated market (source ids into ``sources``)."""
    m = len(keys)
    ov = scenario.base_overrides
    alliance = scenario.alliance_members
    q0 = np.zeros(m)
    # NOTE: p0 here is per kg of the *quoted product* (as prices.csv and every scenario price
    # — overrides, floors, incentive prices — are written), so every ratio below stays as it
    # was; the model's Markets get p0 × to_content, per kg of the market's quantity basis.
    p0 = np.full(m, np.nan)
    to_content = np.full(m, np.nan)
    basis_rows: list[dict[str, Any]] = []
    s_share = np.zeros((3, m))
    d_share = np.zeros((3, m))
    weights = np.zeros(m)
    rows_of = base.groupby(["mineral", "stage"], sort=False).indices
    facts = _group_facts(base, rows_of)
    ally = {k: f.share_of(alliance) for k, f in facts.items()}
    price_over = {(p.mineral, p.stage): p.price().usd_per_kg() for p in (ov.prices if ov else ())}
    demand_over = {(d.mineral, d.stage): float(d.quantity_t) for d in (ov.demand if ov else ())}
    fixed = _price_year(scenario)

    def price_years(mi: str, st: str) -> list[int]:
        if fixed is not None:
            return [fixed]
        return _latest_price_years(dataset, mi, st, scenario.horizon.start.year)

    for i, (mi, st) in enumerate(keys):
        f = facts[(mi, st)]
        q0[i] = f.quantity_t
        s_share[0, i] = f.share_of(("CHN",))
        s_share[1, i] = float(ally.get((mi, st), 0.0))
        s_share[2, i] = max(1.0 - s_share[0, i] - s_share[1, i], 0.0)
        pb = own_price_basis(scenario, dataset, f.source_ids, mi, st, (mi, st) in price_over)
        if pb is not None:
            to_content[i] = pb.factor
            sources.update(x for x in pb.source_id.split(";") if x)
        year: int | None = None
        if (mi, st) in price_over:
            p0[i] = price_over[(mi, st)]
        else:
            p0[i], year = _data_price(dataset, mi, st, price_years(mi, st), sources)
        basis_rows.append(_basis_row(mi, st, pb, p0[i], to_content[i], year))
        d_share[:, i], weights[i] = _demand_location(
            params, keys_all, facts, ally, alliance, mi, st
        )
        if (mi, st) in demand_over:
            # NOTE: a demand override sizes the market (Q0); production gives only the country
            # shares, so the base year is balanced (stock changes absorb the difference).
            q0[i] = demand_over[(mi, st)]
    if np.any(q0 <= 0):
        bad = [f"{keys[i][0]}/{keys[i][1]}" for i in np.flatnonzero(q0 <= 0)]
        raise DataError("markets with zero base quantity: " + ", ".join(bad))
    return _BaseYear(
        keys, keys_all, facts, q0, p0, to_content, s_share, d_share, basis_rows, weights
    )


@dataclass(frozen=True)
class _GroupFacts:
    """One market's base-frame rows as plain arrays (read per market and run by the market,
    lever, cost-curve and outage steps: pandas' own filtering of a few rows cost more than the
    model's month loop for a short scenario)."""

    country: np.ndarray
    """ISO3 codes and ``Other`` (object array)."""
    share: np.ndarray
    """Share of the market's base quantity per row [0–1]."""
    quantity_t: float
    """The market's base quantity, summed over its rows [t/yr]."""
    source_ids: tuple[str, ...]
    """Distinct source ids of the rows, in row order."""

    def share_of(self, countries: Sequence[str]) -> float:
        """Summed share of the rows of ``countries`` [0–1]."""
        return float(self.share[np.isin(self.country, list(countries))].sum())

    def producers(self) -> list[str]:
        """Countries with a positive share, sorted."""
        return sorted(str(c) for c, sh in zip(self.country, self.share, strict=True) if sh > 0)


def _group_facts(
    base: pd.DataFrame, rows_of: Mapping[Any, np.ndarray]
) -> dict[tuple[str, str], _GroupFacts]:
    """:class:`_GroupFacts` of every (mineral, stage) in the base frame (``rows_of``: the
    positions of each market's rows, from ``groupby(...).indices``)."""
    country = base["country"].to_numpy(dtype=object)
    source = base["source_id"].to_numpy(dtype=object)
    share = base["share"].to_numpy(dtype=float)
    qty = base["quantity_t"].to_numpy(dtype=float)
    out = {}
    for key, rows in rows_of.items():
        out[key] = _GroupFacts(
            country=country[rows],
            share=share[rows],
            quantity_t=float(qty[rows].sum()),
            source_ids=tuple(dict.fromkeys(source[rows])),
        )
    return out


def _data_price(
    dataset: Dataset, mi: str, st: str, years: Sequence[int], sources: set[str]
) -> tuple[float, int | None]:
    """Base price [USD/kg product] and its year: the first of ``years`` with an annual value,
    else :data:`DEFAULT_BASE_YEAR`; (NaN, None) when none has one."""
    for year in dict.fromkeys((*years, DEFAULT_BASE_YEAR)):
        try:
            usd, src, _conf = _base_price(dataset, mi, st, year)
        except DataError:
            continue
        sources.add(src)
        return usd, year
    return np.nan, None


def _basis_row(
    mi: str, st: str, pb: PriceBasis | None, p0: float, to_content: float, year: int | None
) -> dict[str, Any]:
    """One row of ``Results.price_basis`` (:data:`PRICE_BASIS_COLUMNS`)."""
    return {
        "mineral": mi,
        "stage": st,
        "quantity_basis": pb.quantity_basis if pb else "",
        "content_label": pb.content_label if pb else "",
        "price_product": pb.product if pb else "",
        "price_label": pb.product_label if pb else "",
        "content_per_product_factor": to_content,
        "p0_product_usd_per_kg": p0,
        "p0_content_usd_per_kg": p0 * to_content,
        "source_id": pb.source_id if pb else "",
        "confidence": pb.confidence if pb else "",
        "p0_year": year,
    }


CHINA_ALLIANCE_MAX_SHARE: float = 0.98
"""China's and the alliance's demand shares together at most this [0–1]: the Rest of the
World keeps at least 2 % of every market's demand."""


def _demand_location(
    params: _Params,
    keys_all: list[tuple[str, str]],
    facts: dict[tuple[str, str], _GroupFacts],
    ally: dict[tuple[str, str], float],
    alliance: tuple[str, ...],
    mi: str,
    st: str,
) -> tuple[np.ndarray, float]:
    """((3,) demand shares of China, the alliance and the rest of the world [0–1], the
    members' summed end-use weights behind the alliance's share, 0 where it comes from the
    downstream stage's production shares)."""
    down = next(
        (
            k
            for k in keys_all
            if k[0] == mi
            and k[1] in STAGE_ORDER
            and STAGE_ORDER.index(k[1]) == STAGE_ORDER.index(st) + 1
        ),
        None,
    )
    if down is not None:
        dc = facts[down].share_of(("CHN",))
        da = float(ally.get(down, 0.0))
        weights = 0.0
    else:
        dc = params.value("china_demand_share", mi, st)
        da = weights = _demand_share_of(params, alliance, mi)
    # NOTE: China's share is the market's own figure (production shares downstream, else a
    # per-stage parameter); the alliance's end-use shares are generic country weights. Where
    # the two add up to more than the whole, China's share stands and the alliance gets what
    # is left, less a small Rest of World (every region keeps some demand). Scaling both down
    # instead moved demand from China to the alliance as members joined (NdPr oxide: China
    # 0.76 instead of its 0.90 of magnet making).
    dc = min(dc, CHINA_ALLIANCE_MAX_SHARE)
    da = min(da, CHINA_ALLIANCE_MAX_SHARE - dc)
    # NOTE: a control aimed at named countries is sized by their end-use weights; where the
    # members' weights were capped, each member's is capped alike (_BaseYear.named_scale;
    # gallium: the US 0.10 of 0.26 -> 0.069 of 0.18), else one member could stand for more
    # than the whole alliance.
    return np.array([dc, da, 1.0 - dc - da]), weights


def _log_growth(
    scenario: Scenario,
    dataset: Dataset,
    keys: list[tuple[str, str]],
    months: list[dt.date],
    sources: set[str],
) -> np.ndarray:
    """(T, M) log demand growth G(t) relative to the horizon start [-]."""
    start = scenario.horizon.start
    years = np.array([d.year + (d.month - 0.5) / 12.0 for d in months])
    year0 = start.year + (start.month - 1) / 12.0
    log_g = np.zeros((len(months), len(keys)))
    for n, spec in enumerate(scenario.demand):
        cols = [i for i, k in enumerate(keys) if k[0] == spec.mineral]
        if not cols:
            continue
        if spec.growth is not None:
            assert spec.base_year is not None and spec.target_year is not None
            path = growth_multiple(
                np.append(years, year0),
                spec.growth.factor,
                spec.base_year,
                spec.target_year,
                spec.shape,
            )
        else:
            dem = dataset.demand
            sel = dem.loc[(dem["mineral"] == spec.mineral) & (dem["scenario"] == spec.iea_scenario)]
            if sel.empty:
                raise ScenarioInputError(
                    scenario.id,
                    [
                        f"demand[{n}].iea_scenario: no IEA "
                        f"{spec.iea_scenario} demand for {spec.mineral} in data/demand.csv; "
                        "allowed: growth (with base_year and target_year)"
                    ],
                )
            sel = sel.groupby("year")["value"].mean()
            path = interpolate_series(
                np.append(years, year0), sel.index.to_numpy(float), sel.to_numpy(float)
            )
            sources.update(
                dataset.demand.loc[dataset.demand["mineral"] == spec.mineral, "source_id"].unique()
            )
        step = np.log(path[:-1]) - np.log(path[-1])
        _check_demand_range(scenario.id, n, spec, float(np.max(np.abs(step))))
        log_g[:, cols] = step[:, None]
    return log_g


DEMAND_RANGE_MAX: float = 1000.0
"""Largest demand multiple (or its inverse) over a horizon, relative to its start [-]: the
schema's own bound on ``growth.multiple``; a steep step extrapolated over a long horizon went
past it (×10 from 2039 to 2040 over 2030–2049 gave ×10^19 and a shortfall of 10^18 Mt)."""


def _check_demand_range(scenario_id: str, n: int, spec: Any, peak_log: float) -> None:
    """Refuse a demand path that moves more than :data:`DEMAND_RANGE_MAX` times over the
    horizon (it is extrapolated outside ``base_year``–``target_year``)."""
    if peak_log <= np.log(DEMAND_RANGE_MAX):
        return
    raise ScenarioInputError(
        scenario_id,
        [
            f"demand[{n}]: the {spec.mineral} demand path moves ×{np.exp(peak_log):.3g} within "
            "the horizon (the growth between base_year and target_year is extrapolated to the "
            f"whole horizon); allowed: at most ×{DEMAND_RANGE_MAX:g} over the horizon (spread "
            "the growth over more years, or shorten the horizon)"
        ],
    )


def _parameters(
    params: _Params, keys: list[tuple[str, str]]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Central, low and high values of the varied parameters: (M,) per market for
    :data:`PARAMETER_NAMES`, (1,) for the licensing factors (shared by every control)."""
    m = len(keys)
    central = {n: np.zeros(m) for n in PARAMETER_NAMES}
    low = {n: np.zeros(m) for n in PARAMETER_NAMES}
    high = {n: np.zeros(m) for n in PARAMETER_NAMES}
    for i, (mi, st) in enumerate(keys):
        for n in PARAMETER_NAMES:
            v, lo, hi = params.get(n, mi, st)
            central[n][i], low[n][i], high[n][i] = v, lo, hi
    for n in ("licensing_delay_factor", "licensing_ramp_factor"):
        v, lo, hi = params.get(n)
        central[n], low[n], high[n] = np.array([v]), np.array([lo]), np.array([hi])
    return central, low, high


FEEDS: dict[tuple[str, str], tuple[str, str]] = {("ndpr_metal", "refining"): ("ndpr", "refining")}
"""Upstream markets across mineral ids: NdPr metal is reduced from separated NdPr oxide.

# NOTE: NdPr metal is its own mineral id (stage ``refining``), not a new stage: the stage list
# is shared by every mineral (scenario schema, charts, briefs), and only NdPr has a metal step."""

RECIPE_INPUTS: tuple[tuple[str, str, str], ...] = (
    ("ndpr_metal", "refining", "ndpr"),
    ("dy", "refining", "dy"),
    ("tb", "refining", "tb"),
)
"""(mineral, stage, recipe parameter stem) of the magnet recipe's inputs (methodology §17)."""
RECIPE_MAGNET: tuple[str, str] = ("magnet_rees", "magnets")


def input_minerals(mineral: str) -> set[str]:
    """The mineral ids whose markets feed ``mineral``'s chain across ids: the magnet recipe's
    inputs for ``magnet_rees`` (NdPr metal, Dy, Tb) and, through :data:`FEEDS`, what those are
    made from (NdPr oxide); empty for every other mineral."""
    found: set[str] = set()
    todo = [mineral]
    while todo:
        mi = todo.pop()
        made_from = [up for (down, _), (up, _) in FEEDS.items() if down == mi]
        if mi == RECIPE_MAGNET[0]:
            made_from += [m for m, _, _ in RECIPE_INPUTS]
        new = set(made_from) - found - {mineral}
        found |= new
        todo += sorted(new)
    return found


def _upstream(keys: list[tuple[str, str]]) -> np.ndarray:
    """(M,) index of each market's upstream stage of the same mineral (or its :data:`FEEDS`
    market), −1 where none."""
    idx = {k: i for i, k in enumerate(keys)}
    upstream = np.full(len(keys), -1, dtype=np.int64)
    for i, (mi, st) in enumerate(keys):
        if (mi, st) in FEEDS and FEEDS[(mi, st)] in idx:
            upstream[i] = idx[FEEDS[(mi, st)]]
        elif st in STAGE_ORDER and STAGE_ORDER.index(st) > 0:
            prev = (mi, STAGE_ORDER[STAGE_ORDER.index(st) - 1])
            if prev in idx:
                upstream[i] = idx[prev]
    return upstream


def _recipe(params: _Params, keys: list[tuple[str, str]]) -> Recipe | None:
    """The magnet recipe when the magnet market and all its inputs are simulated, else None."""
    idx = {k: i for i, k in enumerate(keys)}
    if RECIPE_MAGNET not in idx or any((m, s) not in idx for m, s, _ in RECIPE_INPUTS):
        return None
    return Recipe(
        magnet=idx[RECIPE_MAGNET],
        inputs=np.array([idx[(m, s)] for m, s, _ in RECIPE_INPUTS], dtype=np.int64),
        kg_per_t=np.array(
            [params.value(f"recipe_{p}_kg_per_t_magnet", "magnet_rees") for *_, p in RECIPE_INPUTS]
        ),
        thrift=np.array([params.value("recipe_thrift_share", m) for m, _, _ in RECIPE_INPUTS]),
        magnet_use=np.array(
            [params.value("recipe_magnet_use_share", m) for m, _, _ in RECIPE_INPUTS]
        ),
    )


def _markets(by: _BaseYear, params: _Params, log_g: np.ndarray, upstream: np.ndarray) -> Markets:
    """The model's :class:`Markets` (prices per kg of the quantity basis)."""
    keys = by.keys

    def per_market(name: str) -> np.ndarray:
        return np.array([params.value(name, mi, st) for mi, st in keys])

    return Markets(
        mineral=tuple(k[0] for k in keys),
        stage=tuple(k[1] for k in keys),
        q0_t=by.q0,
        p0_usd_per_kg=by.p0 * by.to_content,  # per kg of the quantity basis (Li content …)
        supply_share=by.s_share,
        demand_share=by.d_share,
        log_growth=log_g,
        upstream=upstream,
        capacity_lag_months=np.round(per_market("capacity_lag_months")).astype(np.int64),
        choke=per_market("choke_price_multiple"),
        headroom_sr=per_market("capacity_headroom_sr"),
        headroom_lr=per_market("capacity_headroom_lr"),
        inventory_release=per_market("inventory_release_share"),
        inventory_taper=per_market("inventory_taper_share"),
        inventory_kept_gap=per_market("inventory_kept_gap"),
        downstream_dependence=per_market("downstream_dependence"),
        destruction_multiple=per_market("demand_destruction_multiple"),
        recipe=_recipe(params, keys),
        holders=HolderRules(**{f: per_market(p) for f, p in RULE_PARAMETERS.items()}),
    )
