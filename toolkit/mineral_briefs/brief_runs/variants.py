"""The levers a brief compares, as scenario variants: a stockpile, a price floor (variable
tariff or offtake), a typical project, a wider alliance (:mod:`mineral_briefs.brief.compared`
runs and ranks them)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Final

import pandas as pd

LEVERS: Final[tuple[str, ...]] = ("stockpile", "floor", "offtake", "projects", "alliance")
"""The alternatives every brief compares, in table order before ranking."""

STOCKPILE_DAYS: Final[float] = 60.0
"""Days of the alliance's demand held by the compared stockpile [days] (IEA_POLICY_JP)."""
NDPR_FLOOR_USD_PER_KG: Final[float] = 110.0
"""NdPr floor of the DoD–MP Materials agreement [USD/kg NdPr oxide] (DOD_MP_2025)."""
FLOOR_MULTIPLE: Final[float] = 1.5
"""Floor for markets without a sourced floor [× base price] (assumption)."""
PROJECT_LEAD_MONTHS: Final[int] = 12
"""Months from the first control's effective date to the compared project's start [months]."""
PROJECT_RAMP_MONTHS: Final[int] = 12
"""Ramp-up of the compared project [months]."""
LEVER_RUN: Final[dict[str, bool]] = {"central_only": True, "timeseries": False}
"""How each lever variant is run (:func:`mineral_briefs.engine.cache.cached_run` keywords):
its central row, KPIs without monthly tables. The brief's kernel and the render process's
prefetch ask alike, so they share one cache entry."""
TINY_SHORTFALL_PCT: Final[float] = 0.5
"""Below this cumulative shortfall [% of demand] no lever is compared: shares of it mean
nothing (assumption; the built-in briefs' shortfalls are 9 % or more). The answer box words it
(``answer.helps.tiny``, ``answer.shortfall_negligible``) as "half a per cent": change both."""
WIDER_ALLIANCE: Final[str] = "wider_partnership"
"""Alliance preset of the ``alliance`` lever."""


def _first_effective(scenario: Any) -> dt.date:
    """Effective date of the first material export control, else the horizon start."""
    dates = [
        c.effective
        for c in getattr(scenario, "export_controls", ())
        if any(s != "technology" for s in c.stages)
    ]
    return min(dates) if dates else scenario.horizon.start


def _add_months(day: dt.date, months: int) -> str:
    total = day.year * 12 + day.month - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _after_horizon(scenario: Any, day: dt.date, months: int = 0) -> bool:
    """True when ``months`` after ``day`` falls after the horizon's last month (a lever that
    starts then has no month to act in, and the scenario check refuses it)."""
    from mineral_briefs.scenarios.base import add_months

    # the scenario check's own rule: a lever may start up to the horizon's last month
    return add_months(day, months) > scenario.horizon.end


def _stock_stage(results: Any, mineral: str, stage: str) -> str:
    """Refining when the mineral has a simulated refining market (oxide stocks) and the focal
    stage is refining or downstream of it, else ``stage``.

    NOTE: a stock serves its own market and the stages downstream (methodology §7), never
    upstream: for a brief headed by cobalt mining a refined-cobalt stock and a refining floor
    avoided exactly 0 t of the mining shortfall, and the table read as if they did nothing.
    """
    if stage == "mining":
        return stage
    kp = results.kpis
    has = ((kp["mineral"] == mineral) & (kp["stage"] == "refining")).any()
    return "refining" if has else stage


def _floor_usd(mineral: str, base_usd_per_kg: float) -> float:
    if mineral == "magnet_rees":
        return NDPR_FLOOR_USD_PER_KG
    return round(FLOOR_MULTIPLE * base_usd_per_kg, 2)


def variants(
    scenario: Any, results: Any, mineral: str, stage: str
) -> dict[str, tuple[Any | None, str, str]]:
    """Each lever's modified scenario, what it changes, and why it was skipped.

    Parameters
    ----------
    scenario : Scenario
        The brief's resolved scenario.
    results : Results
        Its engine results (base price, project size, markets).
    mineral, stage : str
        The focal market.

    Returns
    -------
    dict
        lever id -> (scenario or None, detail text, skip reason key or ``""``).
    """
    kp = results.kpis
    focal = kp[(kp["mineral"] == mineral) & (kp["stage"] == stage)].set_index("kpi")["value"]
    stock_stage = _stock_stage(results, mineral, stage)
    floor_stage = stock_stage
    fkp = kp[(kp["mineral"] == mineral) & (kp["stage"] == floor_stage)].set_index("kpi")["value"]
    base = float(fkp.get("base_price_usd_per_kg", float("nan")))
    size = float(focal.get("project_size_t_per_year", float("nan")))
    start = _first_effective(scenario)
    out: dict[str, tuple[Any | None, str, str]] = {
        "stockpile": _stockpile_variant(scenario, mineral, stock_stage)
    }
    for lever, instrument in (("floor", "variable_tariff"), ("offtake", "offtake")):
        out[lever] = _floor_variant(
            scenario, lever, instrument, mineral, floor_stage, base, size, start
        )
    out["projects"] = _project_variant(scenario, mineral, stage, size, start)
    out["alliance"] = _wider(scenario)
    return out


def _stockpile_variant(
    scenario: Any, mineral: str, stock_stage: str
) -> tuple[Any | None, str, str]:
    """An alliance stockpile of :data:`STOCKPILE_DAYS` of cover, released against shortfall."""
    from mineral_briefs.scenarios.stockpiles import Stockpile

    # NOTE: the scenario's own alliance stockpile on this market is the lever already (a
    # second entry for the same holder and market is refused by the scenario check)
    if any(
        sp.holder == "alliance" and mineral in sp.minerals and sp.stage == stock_stage
        for sp in scenario.stockpiles
    ):
        return (None, "", "compared.skip.in_scenario")

    stock = Stockpile.model_validate(
        {
            "holder": "alliance",
            "minerals": [mineral],
            "stage": stock_stage,
            "days_of_cover": STOCKPILE_DAYS,
            "release": {"trigger": "shortfall", "max_share_of_shortfall": 1.0},
            "refill": {"below_price_multiple": 1.1, "months": 12},
        }
    )
    return (
        _with(scenario, "stockpile", stockpiles=(*scenario.stockpiles, stock)),
        f"{STOCKPILE_DAYS:.0f}|{stock_stage}",
        "",
    )


def _floor_variant(
    scenario: Any,
    lever: str,
    instrument: str,
    mineral: str,
    floor_stage: str,
    base: float,
    size: float,
    start: dt.date,
) -> tuple[Any | None, str, str]:
    """An alliance price floor (``instrument`` variable tariff or offtake), or why not.

    ``base`` is the market's base price [USD/kg]; ``size`` the typical project [t/yr], which
    an offtake buys.
    """
    from mineral_briefs.engine.markets import input_minerals
    from mineral_briefs.scenarios.floors import PriceFloor

    own = [f.instrument for f in scenario.price_floors if f.mineral == mineral]
    if instrument in own:
        return (None, "", "compared.skip.in_scenario")
    # NOTE: a second floor on the same mineral, or on what it is made from (a magnet brief
    # whose scenario holds NdPr oxide), would overlap the scenario's own; a floor on the
    # basket beside one on its input read as a lever that does nothing (ndpr_withhold_60)
    related = {mineral} | input_minerals(mineral)
    if any(f.mineral in related for f in scenario.price_floors):
        return (None, "", "compared.skip.floor_in_scenario")
    if not math.isfinite(base):
        return (None, "", "compared.skip.no_price")
    if instrument == "offtake" and not math.isfinite(size):
        return (None, "", "compared.skip.no_size")
    if _after_horizon(scenario, start):  # the first control takes effect after the run ends
        return (None, "", "compared.skip.floor_after_horizon")
    floor_usd = _floor_usd(mineral, base)
    spec: dict[str, Any] = {
        "mineral": mineral,
        "stage": floor_stage,
        "floor": {"value": floor_usd, "unit": "USD/kg"},
        "instrument": instrument,
        "members": "alliance",
        "start": start.isoformat(),
    }
    if instrument == "offtake":
        spec["offtake_volume_t_per_year"] = size
    floor = PriceFloor.model_validate(spec)
    return (
        _with(scenario, lever, price_floors=(*scenario.price_floors, floor)),
        f"{floor_usd:g}|{floor_stage}|{size:g}",
        "",
    )


def _project_variant(
    scenario: Any, mineral: str, stage: str, size: float, start: dt.date
) -> tuple[Any | None, str, str]:
    """One typical project of ``size`` [t/yr] in the USA, online after the usual lead time."""
    from mineral_briefs.scenarios.projects import Project

    if not (math.isfinite(size) and size > 0):
        return (None, "", "compared.skip.no_size")
    online = _add_months(start, PROJECT_LEAD_MONTHS)
    # NOTE: the typical project comes online a lead time after the first control; a run that
    # ends before then (a short historical replay, a control late in the horizon) has no
    # month for it to act in, and the scenario check would reject the derived scenario
    if _after_horizon(scenario, start, PROJECT_LEAD_MONTHS):
        return (None, "", "compared.skip.after_horizon")
    project = Project.model_validate(
        {
            "name": "typical project (levers compared)",
            "country": "USA",
            "mineral": mineral,
            "stage": stage,
            "capacity_t_per_year": size,
            "start": online,
            "ramp_months": PROJECT_RAMP_MONTHS,
            "probability": 1.0,
        }
    )
    return (
        _with(scenario, "projects", projects=(*scenario.projects, project)),
        f"{size:g}|{online}",
        "",
    )


ID_MAX: Final[int] = 64
"""Longest scenario id (``scenarios.base.ID_RE``)."""


def derived_id(scenario_id: str, lever: str) -> str:
    """``<id>_<lever>``, within :data:`ID_MAX` characters: a long id is cut and keeps an
    8-character digest of the whole, so two long ids never share a derived id.

    NOTE: a 55-character scenario id made ``<id>_stockpile`` too long for the scenario check,
    and the brief stopped in its summary cell.
    """
    full = f"{scenario_id}_{lever}"
    if len(full) <= ID_MAX:
        return full
    import hashlib

    digest = hashlib.blake2b(scenario_id.encode(), digest_size=4).hexdigest()
    keep = ID_MAX - len(lever) - len(digest) - 2
    return f"{scenario_id[:keep]}_{digest}_{lever}"


def _with(scenario: Any, lever: str, **update: Any) -> Any:
    """The scenario with ``update`` applied, re-validated as a scenario file would be."""
    from mineral_briefs.scenarios import Scenario

    data = scenario.model_copy(update={"id": derived_id(scenario.id, lever), **update})
    return Scenario.model_validate(data.model_dump())


def _pinned(scenario: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Export controls and floors with ``alliance`` written out as the scenario's members."""
    own = list(scenario.alliance_members)
    controls = [
        c.model_copy(update={"targets": tuple(own)}) if c.targets == "alliance" else c
        for c in scenario.export_controls
    ]
    floors = [
        f.model_copy(update={"members": tuple(own)}) if f.members == "alliance" else f
        for f in scenario.price_floors
    ]
    return tuple(controls), tuple(floors)


def _wider(scenario: Any) -> tuple[Any | None, str, str]:
    """The ``alliance`` lever: the wider partnership, controls and floors pinned to the
    scenario's own members (a wider alliance must not widen China's targets)."""
    from mineral_briefs.scenarios.alliance import ALLIANCE_PRESETS

    name = scenario.alliance if isinstance(scenario.alliance, str) else None
    if name is None or name == WIDER_ALLIANCE or name not in ALLIANCE_PRESETS:
        return None, "", "compared.skip.alliance"
    if not (scenario.export_controls or scenario.price_floors or scenario.stockpiles):
        # NOTE: membership acts only through what names the alliance (controls aimed at it,
        # its floors and stockpiles). Without any, a wider alliance only relabels demand
        # between the alliance and the Rest of the World (one outside price): no run needed.
        # (Until 2026-12-03 the zone split also moved demand from China to the alliance,
        # which in the demand briefs "added" 25 % to the shortfall outside China.)
        return None, "", "compared.skip.alliance_moot"
    controls, floors = _pinned(scenario)
    sc = _with(
        scenario,
        "alliance",
        alliance=WIDER_ALLIANCE,
        export_controls=controls,
        price_floors=floors,
    )
    return sc, WIDER_ALLIANCE, ""


def wider_reference(scenario: Any) -> Any:
    """The scenario with its own alliance and the targets written out as its members: what
    the ``alliance`` lever is measured against (the same control sizing as the lever run)."""
    controls, floors = _pinned(scenario)
    return _with(scenario, "alliance_reference", export_controls=controls, price_floors=floors)


def focal_value(kpis: pd.DataFrame, mineral: str, stage: str, kpi: str) -> float:
    """``kpi`` of the market (``mineral``, ``stage``) in a KPI frame; NaN when absent."""
    hit = kpis[(kpis["mineral"] == mineral) & (kpis["stage"] == stage) & (kpis["kpi"] == kpi)]
    return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def nothing_to_compare(kpis: pd.DataFrame, mineral: str, stage: str) -> str:
    """Why no lever is compared for the market (a skip-reason key), or ``""``: no shortfall,
    or one under :data:`TINY_SHORTFALL_PCT` of demand. Read by the brief and by the render
    process's prefetch, so both run the same variants."""
    own_short = focal_value(kpis, mineral, stage, "cumulative_shortfall_t")
    if not (math.isfinite(own_short) and own_short > 0):
        return "compared.skip.no_shortfall"
    own_pct = focal_value(kpis, mineral, stage, "cumulative_shortfall_pct")
    if math.isfinite(own_pct) and own_pct < TINY_SHORTFALL_PCT:
        # NOTE: shares of a sliver: a 4 t shortfall made a stockpile read "−11,494 % avoided"
        return "compared.skip.tiny_shortfall"
    return ""


def planned_runs(scenario: Any, results: Any, mineral: str, stage: str) -> list[Any]:
    """The scenarios :func:`compare` runs (central only), in its order: each lever's variant,
    and after ``alliance`` its reference. Read by :mod:`mineral_briefs.brief_runs.prefetch`."""
    if nothing_to_compare(results.kpis, mineral, stage):
        return []
    out = []
    for lever, (sc, _, _) in variants(scenario, results, mineral, stage).items():
        if sc is not None:
            out.extend([sc, wider_reference(scenario)] if lever == "alliance" else [sc])
    return out
