"""The scenario's levers as the model's static inputs: export controls, price floors,
stockpiles and projects (after checking every lever targets a simulated market)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineral_briefs.engine.base import UNATTRIBUTED_OTHER_SHARE, ScenarioInputError, _is_next
from mineral_briefs.engine.cost import _check_surge_markets
from mineral_briefs.engine.markets import _BaseYear
from mineral_briefs.engine.outages import _check_outage_markets
from mineral_briefs.engine.params import _demand_share_of, _Params
from mineral_briefs.model.simulate import (
    MODE_CHINA_CUT,
    MODE_CHINA_EXPORT,
    MODE_WORLD_CUT,
    Controls,
    Floors,
    Projects,
    Stockpiles,
)
from mineral_briefs.model.timeline import DAYS_PER_MONTH, month_offset

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.scenarios import Scenario

logger = logging.getLogger(__name__)


def _check_lever_markets(
    scenario: Scenario, keys: Sequence[tuple[str, str]], keys_all: Sequence[tuple[str, str]]
) -> None:
    """Raise ScenarioError when a lever targets a market that is not simulated.

    A lever that is silently skipped changes the story of a brief; every such lever is listed
    with its key path. Only combinations that do not exist physically (``technology``, and
    ``magnets`` for minerals other than magnet REEs in an export-control cross product) are
    skipped, with a log line.
    """
    sim = set(keys)
    allowed = ", ".join(f"{m}/{s}" for m, s in keys)
    problems: list[str] = []

    def why(mi: str, st: str) -> str:
        if (mi, st) in keys_all:
            return "left out by the scenario's `markets` list"
        return "no base data in data/production.csv"

    for c, ec in enumerate(scenario.export_controls):
        for mi in ec.minerals:
            for st in ec.stages:
                if st == "technology" or (mi, st) in sim:
                    continue
                if st == "magnets" and mi != "magnet_rees":
                    logger.info("export_controls[%d]: %s has no magnets stage", c, mi)
                    continue
                problems.append(
                    f"export_controls[{c}]: market {mi}/{st} is not simulated ({why(mi, st)})"
                )
    for j, pf in enumerate(scenario.price_floors):
        if (pf.mineral, pf.stage) not in sim:
            problems.append(
                f"price_floors[{j}]: market {pf.mineral}/{pf.stage} is not simulated "
                f"({why(pf.mineral, pf.stage)})"
            )
    for j, sp in enumerate(scenario.stockpiles):
        for mi in sp.minerals:
            if (mi, sp.stage) not in sim:
                problems.append(
                    f"stockpiles[{j}].minerals: market {mi}/{sp.stage} is not simulated "
                    f"({why(mi, sp.stage)})"
                )
    for j, pr in enumerate(scenario.projects):
        if (pr.mineral, pr.stage) not in sim:
            problems.append(
                f"projects[{j}] ({pr.name}): market {pr.mineral}/{pr.stage} is not simulated "
                f"({why(pr.mineral, pr.stage)})"
            )
    problems += _check_surge_markets(scenario, list(keys))
    problems += _check_outage_markets(scenario, list(keys))
    ov = scenario.base_overrides
    problems += [f"{p} ({why(*k)})" for p, k in (ov.outside(sim) if ov else [])]
    if problems:
        raise ScenarioInputError(
            scenario.id, [f"{p}; allowed: the simulated markets {allowed}" for p in problems]
        )


def _controls(
    scenario: Scenario, params: _Params, base: pd.DataFrame, by: _BaseYear
) -> tuple[Controls, np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """Export controls as the model's :class:`Controls` and their links to markets.

    Returns
    -------
    (Controls, licensing delay [months], ramp [months], share withheld [0–1], each
    control's market indices); the three (K,) arrays are what the rows vary.
    """
    start = scenario.horizon.start
    idx = by.idx
    k_n = len(scenario.export_controls)
    cdates = {
        n: np.full(k_n, np.nan)
        for n in ("announced", "effective", "suspended", "snap_back", "ends")
    }
    front = np.zeros(k_n)
    leak = np.zeros(k_n)
    delay = np.zeros(k_n)
    ramp = np.zeros(k_n)
    share = np.zeros(k_n)
    quota = {n: np.zeros(k_n) for n in ("t", "period", "carry", "use", "restore")}
    quota["t"][:] = np.inf
    l_m, l_c, l_coef, l_mode = [], [], [], []
    ctrl_markets: list[list[int]] = []
    for c, ec in enumerate(scenario.export_controls):
        for n in cdates:
            cdates[n][c] = month_offset(getattr(ec, n), start)
        front[c] = ec.front_running_months
        leak[c] = ec.leakage
        delay[c] = ec.licensing_delay_days / DAYS_PER_MONTH
        ramp[c] = ec.ramp_months
        share[c] = ec.share_withheld
        quota["restore"][c] = ec.restore_months
        if ec.quota is not None:
            quota["t"][c] = ec.quota.tonnes_per_period
            quota["period"][c] = ec.quota.period_months
            quota["carry"][c] = ec.quota.carry_over
            quota["use"][c] = ec.quota.use_rate
        targets = scenario.members_of(ec.targets) if ec.targets != "all" else ()
        hit: list[int] = []
        for mi in ec.minerals:
            for st in ec.stages:
                if st == "technology":
                    logger.info("technology controls have no physical flow: %s", mi)
                    continue
                if (mi, st) not in idx:  # non-physical combination (checked and logged)
                    continue
                i = idx[(mi, st)]
                hit.append(i)
                coef, mode = _control_link(ec, targets, params, base, by, i)
                l_m.append(i)
                l_c.append(c)
                l_coef.append(coef)
                l_mode.append(mode)
        ctrl_markets.append(hit)
    controls = Controls(
        announced=cdates["announced"],
        effective=cdates["effective"],
        suspended=cdates["suspended"],
        snap_back=cdates["snap_back"],
        ends=cdates["ends"],
        front_months=front,
        leakage=leak,
        link_market=np.array(l_m, dtype=np.int64),
        link_control=np.array(l_c, dtype=np.int64),
        link_coef=np.array(l_coef, float),
        link_mode=np.array(l_mode, dtype=np.int64),
        quota_t=quota["t"],
        quota_period=np.maximum(quota["period"], 1.0),
        quota_carry=quota["carry"],
        quota_use=quota["use"],
        restore_months=quota["restore"],
    )
    return controls, delay, ramp, share, ctrl_markets


def _control_link(
    ec: Any,
    targets: Sequence[str],
    params: _Params,
    base: pd.DataFrame,
    by: _BaseYear,
    i: int,
) -> tuple[float, int]:
    """(coefficient [share of world demand], mode) of one control on market ``i``; ``targets``
    are the control's target countries (empty for ``all``)."""
    mi, st = by.keys[i]
    dc, da, dr = by.d_share[:, i]
    d_out = max(da + dr, 1e-9)
    if ec.exporter == "CHN":
        if ec.targets == "all":
            frac = 1.0
        elif ec.targets == "alliance":
            frac = da / d_out
        else:
            frac = min(_named_share(params, by, targets, i) / d_out, 1.0)
        return max(by.s_share[0, i] - dc, 0.0) * frac, MODE_CHINA_EXPORT
    g = base.loc[(base["mineral"] == mi) & (base["stage"] == st) & (base["country"] == ec.exporter)]
    s_x = float(g["share"].sum())
    if ec.targets == "all":
        return s_x, MODE_WORLD_CUT
    if "CHN" in targets:
        return s_x * dc / max(dc + da + dr, 1e-9), MODE_CHINA_CUT
    dt_ = da if ec.targets == "alliance" else _named_share(params, by, targets, i)
    return s_x * dt_, MODE_WORLD_CUT


def _inert_controls(controls: Controls, by: _BaseYear) -> dict[int, str]:
    """Markets where every link of China's export controls withholds nothing, with the reason.

    NOTE: China's control acts on its base net exports (output share − demand share, §5); at a
    stage where China uses more than it makes (lithium refining: 70 % of output, 75 % of demand)
    a 100 % ban withholds nothing and the price does not move. Said in the KPI note and the
    brief's lever table instead of a silent ×1.0 (2026-12-03 audit).
    """
    out: dict[int, str] = {}
    links = zip(controls.link_market, controls.link_coef, controls.link_mode, strict=True)
    by_market: dict[int, list[tuple[float, int]]] = {}
    for i, coef, mode in links:
        by_market.setdefault(int(i), []).append((float(coef), int(mode)))
    for i, lk in by_market.items():
        # NOTE: only where China is a net importer; a control on a net-exporting stage can
        # also withhold nothing when its targets buy none of it, and says nothing here
        importer = by.s_share[0, i] <= by.d_share[0, i]
        if importer and all(mode == MODE_CHINA_EXPORT and coef <= 1e-12 for coef, mode in lk):
            out[i] = (
                "China's export control withholds nothing here: in the base year China makes "
                f"{100 * by.s_share[0, i]:.0f} % of world output at this stage and uses "
                f"{100 * by.d_share[0, i]:.0f} % of world demand (a net importer)"
            )
    return out


def _named_share(params: _Params, by: _BaseYear, countries: Sequence[str], i: int) -> float:
    """Demand share of named countries in market ``i``: their end-use weights, capped like
    the alliance's where the members' weights were capped (``_BaseYear.named_scale``, §1)."""
    return by.named_scale(i) * _demand_share_of(params, countries, by.keys[i][0])


def _floors(
    scenario: Scenario, params: _Params, by: _BaseYear
) -> tuple[Floors, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Price floors as the model's :class:`Floors`.

    Returns
    -------
    (Floors, floor [USD/kg product], floor [x base price], one dict per floor with its
    ``market`` and ``members``: the projects' floor look-up)
    """
    start = scenario.horizon.start
    idx = by.idx
    f_rows: dict[int, dict[str, Any]] = {}
    for j, pf in enumerate(scenario.price_floors):
        i = idx[(pf.mineral, pf.stage)]  # checked by _check_lever_markets
        if not np.isfinite(by.p0[i]):
            raise ScenarioInputError(
                scenario.id,
                [
                    f"price_floors[{j}]: market {pf.mineral}/{pf.stage} has no base price in "
                    "data/price_defaults.csv; set base_overrides.prices for it"
                ],
            )
        members = scenario.members_of(pf.members)
        gs = by.facts[(pf.mineral, pf.stage)].share_of(members)
        gd = _floor_member_demand(pf, members, params, by, i)
        usd = pf.floor.usd_per_kg()
        covered = 1.0
        if pf.instrument == "offtake":
            covered = min(
                1.0, float(pf.offtake_volume_t_per_year or 0.0) / max(gs * by.q0[i], 1e-9)
            )
        if i in f_rows:
            logger.warning("several floors on %s/%s: the last one is used", pf.mineral, pf.stage)
        f_rows[i] = {
            "market": i,
            "instrument": {"variable_tariff": 0, "cfd": 1, "offtake": 2}[pf.instrument],
            "start": month_offset(pf.start, start),
            "end": month_offset(pf.end, start),
            "leakage": pf.leakage,
            "group_supply": gs,
            "group_demand": gd,
            "covered": covered,
            "usd": usd,
            "members": set(members),
        }
    fl = list(f_rows.values())
    floors = Floors(
        market=np.array([f["market"] for f in fl], dtype=np.int64),
        instrument=np.array([f["instrument"] for f in fl], dtype=np.int64),
        start=np.array([f["start"] for f in fl], float),
        end=np.array([f["end"] for f in fl], float),
        leakage=np.array([f["leakage"] for f in fl], float),
        group_supply=np.array([f["group_supply"] for f in fl], float),
        group_demand=np.array([f["group_demand"] for f in fl], float),
        covered=np.array([f["covered"] for f in fl], float),
    )
    floor_usd = np.array([f["usd"] for f in fl], float)
    floor_mult = floor_usd / by.p0[floors.market] if fl else np.zeros(0)
    return floors, floor_usd, floor_mult, fl


def _inert_floors(fl: list[dict[str, Any]]) -> dict[int, str]:
    """Markets whose price floor has nothing to act on in the base year, with the reason.

    NOTE: a variable levy acts on the members' imports (§8): where the members make at least
    what they use there is no import to levy and the members' price cannot rise above their
    autarky price. A CfD or an offtake pays the members' producers: with none, it pays
    nothing. The floor then changes nothing and costs nothing; the KPI note and the brief say
    why instead of a silent "USD 0" (2026-12-03 audit: 1.5x floors on eight mining markets).
    """
    out: dict[int, str] = {}
    for f in fl:
        gs, gd = float(f["group_supply"]), float(f["group_demand"])
        if f["instrument"] == 0 and gd <= gs + 1e-12:
            out[int(f["market"])] = (
                f"the levy has nothing to act on: the floor's members make {100 * gs:.0f} % of "
                f"world output at this stage and use {100 * gd:.0f} % of world demand in the "
                "base year, so they import nothing"
            )
        elif f["instrument"] != 0 and gs <= 1e-12:
            out[int(f["market"])] = (
                "the floor has nothing to act on: the floor's members have no output at this "
                "stage in the base year, so there is no production to support"
            )
    return out


def _floor_member_demand(
    pf: Any, members: Sequence[str], params: _Params, by: _BaseYear, i: int
) -> float:
    """Floor members' share of world demand for the floored product [0–1]."""
    gd = (
        by.d_share[1, i]
        if pf.members == "alliance"
        else _demand_share_of(params, members, pf.mineral)
    )
    # NOTE: members' demand for the floored product is where they consume it: the
    # alliance's share of the next stage's output (oxide is bought by magnet plants).
    # Where the data hide members' output of that stage in `Other` (magnets: CHN 90 %,
    # Other 10 %), the zero is missing data, not a fact; the stated assumption
    # `floor_member_demand_share` (model_parameters.csv) is used instead, capped at the
    # outside zone's demand. Without it a levy on NdPr oxide had no base at all.
    down = next((k for k in by.keys_all if k[0] == pf.mineral and _is_next(pf.stage, k[1])), None)
    if pf.members == "alliance" and down is not None:
        gdown = by.facts[down]
        hidden = (
            not (set(gdown.country) & set(members))
            and gdown.share_of(("Other",)) >= UNATTRIBUTED_OTHER_SHARE
        )
        if hidden and params.has(f"floor_member_demand_share_{pf.stage}", pf.mineral):
            gd = min(
                params.value("floor_member_demand_share", pf.mineral, pf.stage),
                by.d_share[1, i] + by.d_share[2, i],
            )
    return gd


def _stockpiles(
    scenario: Scenario, params: _Params, by: _BaseYear, upstream: np.ndarray
) -> tuple[Stockpiles, list[tuple[str, str, str, float]]]:
    """Stockpiles as the model's :class:`Stockpiles`, with (holder, mineral, stage, days of
    cover) of each entry in simulation order."""
    idx = by.idx
    st_rows: list[dict[str, Any]] = []
    for sp in scenario.stockpiles:
        holder = sp.holder
        for mi in sp.minerals:
            i = idx[(mi, sp.stage)]  # checked by _check_lever_markets
            hs = (
                by.d_share[1, i] if holder == "alliance" else _demand_share_of(params, [holder], mi)
            )
            if hs <= 0:
                hs = params.value(f"demand_share_{holder}", mi, default=0.02)
            chain, yields = _served_chain(params, by, upstream, i, mi)
            st_rows.append(
                {
                    "label": (holder, mi, sp.stage, float(sp.days_of_cover)),
                    "market": i,
                    "serve": chain,
                    "serve_yield": yields,
                    "holder_share": hs,
                    "level0": sp.days_of_cover / 365.0 * hs,
                    "price_trigger": sp.release.trigger == "price",
                    "price_multiple": sp.release.price_multiple or np.inf,
                    "max_share": sp.release.max_share_of_shortfall,
                    "refill_below": sp.refill.below_price_multiple if sp.refill else 0.0,
                    "refill_months": float(sp.refill.months) if sp.refill else 0.0,
                }
            )
    depth = max((len(r["serve"]) for r in st_rows), default=1)
    stockpiles = Stockpiles(
        market=np.array([r["market"] for r in st_rows], dtype=np.int64),
        holder_share=np.array([r["holder_share"] for r in st_rows], float),
        level0=np.array([r["level0"] for r in st_rows], float),
        price_trigger=np.array([r["price_trigger"] for r in st_rows], bool),
        price_multiple=np.array([r["price_multiple"] for r in st_rows], float),
        max_share=np.array([r["max_share"] for r in st_rows], float),
        refill_below=np.array([r["refill_below"] for r in st_rows], float),
        refill_months=np.array([r["refill_months"] for r in st_rows], float),
        serve_market=np.array(
            [r["serve"] + [-1] * (depth - len(r["serve"])) for r in st_rows], dtype=np.int64
        ).reshape(len(st_rows), depth),
        serve_yield=np.array(
            [r["serve_yield"] + [0.0] * (depth - len(r["serve"])) for r in st_rows], float
        ).reshape(len(st_rows), depth),
    )
    return stockpiles, [r["label"] for r in st_rows]


def _served_chain(
    params: _Params, by: _BaseYear, upstream: np.ndarray, i: int, mi: str
) -> tuple[list[int], list[float]]:
    """Markets a stock of market ``i`` serves and the tonnes each gets per tonne of stock."""
    # NOTE: stocks serve the stage chain: the own market, then every downstream stage
    # of the same mineral along the model's upstream links (oxide stocks relieve a
    # magnet shortfall through the refining→magnet link). A tonne of stock relieves
    # `stockpile_conversion_yield` tonnes of the downstream product in that stage's
    # units (material-equivalent tonnes, e.g. REO-equivalent for magnets: 1.0).
    m = len(by.keys)
    chain, yields = [i], [1.0]
    while True:
        nxt = [j for j in range(m) if upstream[j] == chain[-1]]
        if not nxt:
            break
        chain.append(nxt[0])
        yields.append(params.value("stockpile_conversion_yield", mi, by.keys[nxt[0]][1]))
    return chain, yields


def _projects(
    scenario: Scenario, by: _BaseYear, floor_rows: list[dict[str, Any]]
) -> tuple[Projects, np.ndarray]:
    """Projects as the model's :class:`Projects`, with each one's probability [0–1]."""
    start = scenario.horizon.start
    alliance = scenario.alliance_members
    idx = by.idx
    pj = []
    for pr in scenario.projects:
        i = idx[(pr.mineral, pr.stage)]  # checked by _check_lever_markets
        zone = 0 if pr.country == "CHN" else (1 if pr.country in alliance else 2)
        inc = (
            pr.incentive_price.usd_per_kg() / by.p0[i]
            if pr.incentive_price is not None and np.isfinite(by.p0[i])
            else np.nan
        )
        f_idx = next(
            (
                j
                for j, f in enumerate(floor_rows)
                if f["market"] == i and pr.country in f["members"]
            ),
            -1,
        )
        pj.append(
            {
                "market": i,
                "zone": zone,
                "capacity": pr.capacity_t_per_year / by.q0[i],
                "start": month_offset(pr.start, start),
                "ramp": float(pr.ramp_months),
                "incentive": inc,
                "floor": f_idx,
                "prob": pr.probability,
            }
        )
    projects = Projects(
        market=np.array([p["market"] for p in pj], dtype=np.int64),
        zone=np.array([p["zone"] for p in pj], dtype=np.int64),
        capacity=np.array([p["capacity"] for p in pj], float),
        start=np.array([p["start"] for p in pj], float),
        ramp=np.array([p["ramp"] for p in pj], float),
        incentive=np.array([p["incentive"] for p in pj], float),
        floor=np.array([p["floor"] for p in pj], dtype=np.int64),
    )
    return projects, np.array([p["prob"] for p in pj], float)
