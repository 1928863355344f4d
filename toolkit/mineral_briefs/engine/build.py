"""Building a run's static inputs: scenario + dataset -> :class:`_Built` (markets, levers,
parameter ranges, KPI inputs), as a short list of named steps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mineral_briefs.engine.base import PRICE_BASIS_COLUMNS, _base_frame, _base_year
from mineral_briefs.engine.cost import _china_consumption, _china_market, _cost_curves
from mineral_briefs.engine.kpis import _kpi_inputs, _self_sufficiency_inputs
from mineral_briefs.engine.levers import (
    _check_lever_markets,
    _controls,
    _floors,
    _inert_controls,
    _inert_floors,
    _projects,
    _stockpiles,
)
from mineral_briefs.engine.markets import (
    _base_year_markets,
    _log_growth,
    _market_keys,
    _markets,
    _months_of,
    _parameters,
    _upstream,
)
from mineral_briefs.engine.outages import _outages
from mineral_briefs.engine.params import _Params
from mineral_briefs.model.simulate import (
    ChinaMarket,
    Controls,
    CostCurves,
    Floors,
    KpiSpec,
    Markets,
    Outages,
    Projects,
    Stockpiles,
)

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.scenarios import Scenario


@dataclass
class _Built:
    """A run's static inputs: the model's markets and levers, the parameter ranges the rows
    vary (``central``/``low``/``high``, per lever ``ctrl_*``/``floor_*``/``proj_prob``) and
    what the KPIs and the result tables need."""

    markets: Markets
    controls: Controls
    floors: Floors
    stockpiles: Stockpiles
    projects: Projects
    keys: list[tuple[str, str]]
    base: pd.DataFrame
    central: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    ctrl_delay: np.ndarray
    ctrl_ramp: np.ndarray
    ctrl_share: np.ndarray
    floor_mult: np.ndarray
    floor_usd: np.ndarray
    proj_prob: np.ndarray
    ctrl_markets: list[list[int]]
    sources: set[str]
    ally_end_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(M,) the alliance's share of the mineral's END-USE demand [0–1] (self-sufficiency)."""
    kpi_notes: dict[tuple[int, str], str] = field(default_factory=dict)
    """(market index, kpi) -> why the KPI is NaN (cannot be attributed)."""
    kpi_spec: KpiSpec = field(default_factory=KpiSpec)
    """Recovery tolerances and the calendar month of the horizon start."""
    project_size_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(M,) sourced typical project size [t/yr], NaN where none is sourced."""
    project_size_src: list[str] = field(default_factory=list)
    """(M,) ``source_id (confidence)`` of each project size, empty where none."""
    p0_product_usd_per_kg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(M,) base price per kg of the quoted product (Li₂CO₃, NdPr oxide …) [USD/kg product];
    what charts and the brief show. ``markets.p0_usd_per_kg`` is per kg of the market's
    quantity basis (Li content …) and is what money is computed with."""
    price_basis: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    """One row per market, columns :data:`PRICE_BASIS_COLUMNS`."""
    stockpile_labels: list[tuple[str, str, str, float]] = field(default_factory=list)
    """(holder, mineral, stage, days of cover) of each stockpile entry, in simulation order."""
    curves: CostCurves = field(default_factory=CostCurves)
    """Producer groups on the cost curve and the scenario's supply surges."""
    china: ChinaMarket | None = None
    """China's market management per market (None: not managed)."""
    outages: Outages = field(default_factory=Outages)
    """The scenario's supply outages (methodology §21)."""
    contract_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(M,) share of volume under contracts priced on lagged spot [0–1] (reported only, §22)."""
    contract_lag: int = 0
    """Months by which contract prices follow spot (§22) [months]."""
    inert_controls: dict[int, str] = field(default_factory=dict)
    """Market index -> why China's export control on it withholds nothing (a net importer)."""
    inert_floors: dict[int, str] = field(default_factory=dict)
    """Market index -> why its price floor has nothing to act on (no imports, no producers)."""


def _build(scenario: Scenario, dataset: Dataset) -> _Built:
    """Every static input of the model for one scenario (source ids used in ``sources``)."""
    params = _Params(dataset.model_parameters)
    base_year = _base_year(scenario)
    base = _base_frame(scenario, dataset, base_year)
    sources: set[str] = set(base["source_id"]) - {"scenario"}
    keys, keys_all = _market_keys(scenario, base)
    _check_lever_markets(scenario, keys, keys_all)
    by = _base_year_markets(scenario, dataset, params, base, keys, keys_all, base_year, sources)
    _china_consumption(scenario, by)  # before any lever reads the demand shares
    log_g = _log_growth(scenario, dataset, keys, _months_of(scenario), sources)
    central, low, high = _parameters(params, keys)
    upstream = _upstream(keys)
    controls, delay, ramp, share, ctrl_markets = _controls(scenario, params, base, by)
    floors, floor_usd, floor_mult, floor_rows = _floors(scenario, params, by)
    stockpiles, stockpile_labels = _stockpiles(scenario, params, by, upstream)
    projects, proj_prob = _projects(scenario, by, floor_rows)
    ally_end, notes = _self_sufficiency_inputs(params, scenario.alliance_members, keys, by.facts)
    markets = _start_stocks(scenario, keys, _markets(by, params, log_g, upstream))
    curves = _cost_curves(dataset, scenario, params, by, sources)
    china = _china_market(scenario, params, by)
    outages = _outages(scenario, by)
    contract = np.array([params.value("contract_share", mi, st, default=0.0) for mi, st in keys])
    contract_lag = int(params.value("contract_lag_months", default=0.0))
    # NOTE: the parameters read so far are the run's sources; the KPI inputs name theirs
    # themselves (the recovery tolerances count as one ASSUMPTION).
    sources |= params.used
    spec, size, size_src = _kpi_inputs(
        dataset.model_parameters, params, keys, scenario.horizon.start, notes, sources
    )
    return _Built(
        markets=markets,
        controls=controls,
        floors=floors,
        stockpiles=stockpiles,
        projects=projects,
        keys=keys,
        base=base,
        central=central,
        low=low,
        high=high,
        ctrl_delay=delay,
        ctrl_ramp=ramp,
        ctrl_share=share,
        floor_mult=floor_mult,
        floor_usd=floor_usd,
        proj_prob=proj_prob,
        ctrl_markets=ctrl_markets,
        sources=sources,
        ally_end_share=ally_end,
        kpi_notes=notes,
        kpi_spec=spec,
        project_size_t=size,
        project_size_src=size_src,
        p0_product_usd_per_kg=by.p0,
        price_basis=pd.DataFrame(by.basis_rows, columns=list(PRICE_BASIS_COLUMNS)),
        stockpile_labels=stockpile_labels,
        curves=curves,
        china=china,
        outages=outages,
        contract_share=contract,
        contract_lag=contract_lag,
        inert_controls=_inert_controls(controls, by),
        inert_floors=_inert_floors(floor_rows),
    )


def _start_stocks(scenario: Scenario, keys: list[tuple[str, str]], markets: Markets) -> Markets:
    """``markets`` with the commercial stocks at the horizon start that
    ``base_overrides.inventory`` sets [months of world demand] (NaN elsewhere)."""
    ov = scenario.base_overrides
    if ov is None or not ov.inventory:
        return markets
    idx = {k: i for i, k in enumerate(keys)}
    start = np.full(len(keys), np.nan)
    for r in ov.inventory:  # rows for markets not simulated were refused (levers check)
        start[idx[(r.mineral, r.stage)]] = float(r.months)
    return dataclasses.replace(markets, inventory_start_months=start)
