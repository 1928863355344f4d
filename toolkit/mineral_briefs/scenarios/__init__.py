"""Scenario files: the lever schemas, loading with ``extends``, and error wording (public API).

A scenario is one YAML file in ``scenarios/`` (file stem == scenario id) or anywhere on disk.
Every problem found is reported at once as a :class:`mineral_briefs.errors.ScenarioError` whose
message holds one line per problem: the file, the key path (``export_controls[0].share_withheld``)
and what is allowed, with a did-you-mean for misspelled keys and unknown ids.

Public API
----------
- :func:`load_scenario` — built-in id or path -> resolved, validated :class:`Scenario`
- :func:`parse_scenario` — YAML text -> :class:`Scenario` (no ``extends`` to files)
- :func:`scenario_files` — the file and every file it extends (render cache keys)
- :func:`list_scenarios`, :func:`list_backtests`, :func:`load_backtest`
- :func:`scenarios_dir`, :func:`backtests_dir`, :func:`is_valid_id`, :func:`known_source_ids`

Where things are
----------------
- ``base`` — shared types: strict base model, ids, countries, dates, numbers, text, ``Price``
- ``alliance``, ``controls``, ``floors``, ``demand``, ``stockpiles``, ``projects``,
  ``overrides`` — one schema module per lever family
- ``scenario`` — the top-level :class:`Scenario` (horizon, uncertainty, markets, assumptions)
- ``files`` — ids to paths, safe reading (size limit, YAML without aliases)
- ``load`` — ``extends`` merging, validation, listing built-ins and backtests
- ``sources`` — source ids checked against ``data/sources.csv``
- ``errors`` — error wording: did-you-mean, key paths, one line per problem
"""

from __future__ import annotations

from mineral_briefs.scenarios.alliance import ALLIANCE_PRESETS, AllianceSpec
from mineral_briefs.scenarios.base import (
    CURRENCIES,
    DEFAULT_USD_PER_CURRENCY,
    HORIZON_END,
    MASS_UNITS_KG,
    LocalizedText,
    Price,
)
from mineral_briefs.scenarios.controls import ExportControl
from mineral_briefs.scenarios.demand import SHAPES, DemandSpec, Growth
from mineral_briefs.scenarios.files import MAX_FILE_BYTES, backtests_dir, is_valid_id, scenarios_dir
from mineral_briefs.scenarios.floors import INSTRUMENTS, PriceFloor
from mineral_briefs.scenarios.load import (
    ScenarioInfo,
    list_backtests,
    list_scenarios,
    load_backtest,
    load_scenario,
    parse_scenario,
    scenario_files,
)
from mineral_briefs.scenarios.overrides import (
    BaseOverrides,
    DemandOverride,
    PriceOverride,
    ProductionOverride,
)
from mineral_briefs.scenarios.projects import Project
from mineral_briefs.scenarios.scenario import Assumption, Horizon, Market, Scenario, Uncertainty
from mineral_briefs.scenarios.sources import known_source_ids
from mineral_briefs.scenarios.stockpiles import (
    TRIGGERS,
    Stockpile,
    StockpileRefill,
    StockpileRelease,
)

__all__ = [
    "ALLIANCE_PRESETS",
    "MAX_FILE_BYTES",
    "HORIZON_END",
    "CURRENCIES",
    "MASS_UNITS_KG",
    "DEFAULT_USD_PER_CURRENCY",
    "INSTRUMENTS",
    "SHAPES",
    "TRIGGERS",
    "Scenario",
    "ScenarioInfo",
    "Price",
    "LocalizedText",
    "AllianceSpec",
    "ExportControl",
    "PriceFloor",
    "DemandSpec",
    "Growth",
    "Stockpile",
    "StockpileRelease",
    "StockpileRefill",
    "Project",
    "BaseOverrides",
    "PriceOverride",
    "ProductionOverride",
    "DemandOverride",
    "Horizon",
    "Uncertainty",
    "Market",
    "Assumption",
    "load_scenario",
    "parse_scenario",
    "scenario_files",
    "list_scenarios",
    "list_backtests",
    "load_backtest",
    "scenarios_dir",
    "backtests_dir",
    "is_valid_id",
    "known_source_ids",
]
