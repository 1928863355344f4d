"""The single wiring point: scenario + dataset -> model inputs -> :class:`Results`.

``run(scenario, dataset=None, *, draws=None, seed=None) -> Results`` (docs/architecture.md).
Everything numeric lives in :mod:`toolkit.model`; this module reads nothing from disk itself
(the dataset comes from :func:`toolkit.data.load_dataset`). Between runs it keeps only a memo
of scenario-independent data look-ups per Dataset object (:func:`_memo`).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from toolkit import __version__
from toolkit.errors import DataError, ScenarioError
from toolkit.model import codelist as cl
from toolkit.model import metrics
from toolkit.model.demand import growth_multiple, interpolate_series
from toolkit.model.simulate import (
    BAND_DRAWS_MAX,
    BAND_VARIABLES,
    MODE_CHINA_CUT,
    MODE_CHINA_EXPORT,
    MODE_WORLD_CUT,
    Controls,
    Floors,
    KpiSpec,
    Markets,
    Projects,
    Rows,
    SimResult,
    Stockpiles,
    simulate,
)
from toolkit.model.timeline import DAYS_PER_MONTH, month_offset
from toolkit.model.uncertainty import draw_bernoulli, draw_uniform
from toolkit.vocab import EU27

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.data import Dataset, PriceBasis
    from toolkit.scenarios import Scenario

logger = logging.getLogger(__name__)

MODEL_NAME = f"mineral-briefs {__version__}"
DEFAULT_BASE_YEAR = 2024
UNATTRIBUTED_OTHER_SHARE = 0.05
"""`Other` share of world output [0–1] from which an alliance without its own production rows
makes alliance self-sufficiency unattributable (NaN with a note)."""
STAGE_ORDER = ("mining", "refining", "magnets", "battery_materials")
WHATIF_SHARES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
WHATIF_FLOOR_FACTORS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
TORNADO_PARAMETERS: tuple[str, ...] = (
    "elasticity_demand_sr",
    "elasticity_supply_sr",
    "elasticity_demand_lr",
    "elasticity_supply_lr",
    "adjustment_months",
    "inventory_months",
    "demand_growth_exponent",
    "licensing_delay_factor",
    "licensing_ramp_factor",
)
HEADLINE_KPIS: tuple[str, ...] = ("peak_price_multiple_outside", "cumulative_shortfall_pct")
KPI_UNITS: dict[str, str] = {
    "peak_price_multiple_outside": "x base price",
    "peak_price_multiple_alliance": "x base price",
    "peak_price_multiple_inside": "x base price",
    "min_price_multiple_inside": "x base price",
    "base_price_usd_per_kg": "USD/kg",
    "peak_month_outside": "months after start",
    "months_to_recovery": "months",
    "cumulative_shortfall_t": "t",
    "cumulative_shortfall_pct": "%",
    "peak_shortfall_t_per_year": "t/yr",
    "alliance_self_sufficiency": "%",
    "hhi": "0-10000",
    "top1_share": "%",
    "top3_share": "%",
    "coverage_without_largest": "%",
    "stockpile_days_used": "days",
    "tariff_revenue_usd": "USD",
    "consumer_cost_usd": "USD",
    "fiscal_cost_usd": "USD",
    "tariff_revenue_usd_per_year": "USD/yr",
    "consumer_cost_usd_per_year": "USD/yr",
    "fiscal_cost_usd_per_year": "USD/yr",
    "projects_needed": "projects",
    "project_size_t_per_year": "t/yr",
}
"""KPI id -> unit, in the order of the shared KPI contract (docs/methodology.md, KPIs)."""
KPI_FLAGS: tuple[str, ...] = ("outside_band", "at_guard", "rising_at_end", "open_at_horizon")
"""Codes of the ``flags`` column (``;``-joined): the central value lies outside its P10–P90;
it sits on a model guard (the choke price); the peak is in the last modelled month; the
disruption has not ended by the end of the horizon."""
MONEY_PAYERS: dict[str, str] = {
    "tariff_revenue_usd": "collected by alliance governments on imports, paid by alliance buyers",
    "consumer_cost_usd": "borne by alliance consumers (the levy on what they buy)",
    "fiscal_cost_usd": "borne by alliance taxpayers",
}
"""Who bears each money KPI (stated in its note)."""
BAND_TOLERANCE: float = 1e-4
"""Relative slack of the ``outside_band`` test [-]: the draws run in float32, so a central
value equal to every draw can differ from them by rounding (~1e-6 relative)."""
FLAT_TOLERANCE: float = 1e-6
"""Relative price rise below which a path counts as flat (no peak month) [-]; above the
float32 rounding of the draws (~1e-7), far below any price move a brief reports."""
GUARD_TOLERANCE: float = 1e-6
"""Relative distance to the choke price under which a price counts as on the guard [-]."""


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """Everything one run produces (docs/architecture.md, Engine)."""

    scenario: Scenario
    timeseries: pd.DataFrame
    bands: pd.DataFrame
    kpis: pd.DataFrame
    sensitivity: pd.DataFrame
    whatif: pd.DataFrame
    sources: tuple[str, ...]
    data_vintage: str
    stockpile_use: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per stockpile and mineral: ``holder, mineral, stage, days_of_cover, value, p10,
    p90`` — days of the holder's own demand used (central run; P10/P90 over the draws)."""
    price_basis: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per market (:data:`PRICE_BASIS_COLUMNS`): what a tonne is (``content_label``,
    e.g. ``Li content``), what the price is quoted on (``price_label``, e.g. ``LCE``), the
    factor between them (``content_per_product_factor``: USD/kg content = USD/kg product ×
    factor) and the base price both ways. ``Price|…`` series are per kg of the product; the
    money series and KPIs are priced per kg of the quantity basis."""

    def to_iamc(self) -> pd.DataFrame:
        """The timeseries in IAMC long format (``model, scenario, region, variable, unit,
        time, value``), readable by ``pyam.IamDataFrame`` unchanged."""
        return self.timeseries.copy()

    def kpi(self, mineral: str, stage: str, kpi: str) -> float:
        """Central value of one KPI (NaN if absent)."""
        k = self.kpis
        hit = k.loc[(k["mineral"] == mineral) & (k["stage"] == stage) & (k["kpi"] == kpi), "value"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def write(self, path: str | Path) -> Path:
        """Write the results to ``.csv`` (IAMC long table), ``.parquet`` (IAMC long table) or
        ``.xlsx`` (sheets ``data`` = IAMC, ``bands``, ``kpis``, ``sensitivity``, ``whatif``,
        ``meta`` = one row per model/scenario, as pyam reads it).

        Raises
        ------
        ScenarioError
            For any other extension.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        if suffix == ".csv":
            self.timeseries.to_csv(tmp, index=False)
        elif suffix == ".parquet":
            self.timeseries.to_parquet(tmp, index=False)
        elif suffix == ".xlsx":
            # NOTE: the meta sheet uses pyam's layout (one row per model/scenario, one column per
            # indicator), so ``pyam.IamDataFrame("results.xlsx")`` reads the workbook unchanged.
            meta = pd.DataFrame(
                [
                    {
                        "model": MODEL_NAME,
                        "scenario": self.scenario.id,
                        "title": self.scenario.text("title"),
                        "data_vintage": self.data_vintage,
                        "sources": ", ".join(self.sources),
                        "digest": self.scenario.digest(),
                    }
                ]
            )
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                self.timeseries.to_excel(xw, sheet_name="data", index=False)
                self.bands.to_excel(xw, sheet_name="bands", index=False)
                self.kpis.to_excel(xw, sheet_name="kpis", index=False)
                self.sensitivity.to_excel(xw, sheet_name="sensitivity", index=False)
                self.whatif.to_excel(xw, sheet_name="whatif", index=False)
                meta.to_excel(xw, sheet_name="meta", index=False)
        else:
            raise ScenarioError(
                f"cannot write results to {out.name!r}: the extension must be .csv, .parquet "
                "or .xlsx"
            )
        tmp.replace(out)
        return out


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


class _Params:
    """Lookup in ``model_parameters`` with fallbacks: (mineral, p_stage) → (mineral, p) →
    (all, p_stage) → (all, p)."""

    def __init__(self, table: pd.DataFrame) -> None:
        self._rows: dict[tuple[str, str], tuple[float, float, float, str]] = {}
        for r in table.itertuples(index=False):
            val = float(r.value)
            low = float(r.low) if pd.notna(r.low) else val
            high = float(r.high) if pd.notna(r.high) else val
            self._rows[(str(r.mineral), str(r.parameter))] = (val, low, high, str(r.source_id))
        self.used: set[str] = set()

    def get(
        self,
        name: str,
        mineral: str = "all",
        stage: str | None = None,
        default: float | None = None,
    ) -> tuple[float, float, float]:
        keys = []
        if stage:
            keys.append((mineral, f"{name}_{stage}"))
        keys.append((mineral, name))
        if stage:
            keys.append(("all", f"{name}_{stage}"))
        keys.append(("all", name))
        for key in keys:
            if key in self._rows:
                v, lo, hi, src = self._rows[key]
                self.used.add(src)
                return v, lo, hi
        if default is not None:
            return default, default, default
        raise DataError(
            f"model_parameters.csv has no row for parameter {name!r} (mineral {mineral!r} or "
            "'all'): add one with value, low, high, unit, source_id, confidence"
        )

    def value(
        self,
        name: str,
        mineral: str = "all",
        stage: str | None = None,
        default: float | None = None,
    ) -> float:
        return self.get(name, mineral, stage, default)[0]

    def has(self, name: str, mineral: str = "all") -> bool:
        return (mineral, name) in self._rows or ("all", name) in self._rows


# --------------------------------------------------------------------------------------------
# Base market
# --------------------------------------------------------------------------------------------


_DATA_CACHE: dict[tuple[int, tuple[tuple[str, str], ...]], dict[tuple[Any, ...], Any]] = {}
"""Per-Dataset memo of pure data look-ups (market base, base prices), keyed by the object's
id *and* its file checksums, evicted when the Dataset is garbage-collected."""


def _memo(dataset: Dataset) -> dict[tuple[Any, ...], Any]:
    """The look-up memo of one Dataset object.

    NOTE: keyed per object (plus checksums), not globally by checksum: a Dataset built from
    the same files but with edited frames (tests, what-if data) never sees another's values,
    and nothing leaks between scenarios because only scenario-independent look-ups are kept.
    """
    key = (id(dataset), tuple(sorted(dataset.checksums.items())))
    memo = _DATA_CACHE.get(key)
    if memo is None:
        memo = _DATA_CACHE[key] = {}
        weakref.finalize(dataset, _DATA_CACHE.pop, key, None)
    return memo


def _market_base(dataset: Dataset, year: int) -> pd.DataFrame:
    """:func:`toolkit.data.market_base` memoised per Dataset (a copy is returned)."""
    from toolkit.data import market_base

    memo = _memo(dataset)
    key = ("market_base", year)
    if key not in memo:
        try:
            memo[key] = market_base(dataset, year)
        except DataError as exc:
            memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit.copy()


def _base_price(dataset: Dataset, mineral: str, stage: str, year: int) -> tuple[float, str, str]:
    """:func:`toolkit.data.base_price` memoised per Dataset."""
    from toolkit.data import base_price

    memo = _memo(dataset)
    key = ("base_price", mineral, stage, year)
    if key not in memo:
        try:
            memo[key] = base_price(dataset, mineral, stage, year)
        except DataError as exc:
            memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit


def _price_basis(
    dataset: Dataset, mineral: str, stage: str, source_id: str | None
) -> PriceBasis | None:
    """:func:`toolkit.data.price_basis` memoised per Dataset; None when the market has no
    default price (a missing *conversion* raises :class:`DataError`)."""
    from toolkit.data import price_basis

    memo = _memo(dataset)
    key = ("price_basis", mineral, stage, source_id)
    if key not in memo:
        d = dataset.price_defaults
        if not ((d["mineral"] == mineral) & (d["stage"] == stage)).any():
            memo[key] = None
        else:
            try:
                memo[key] = price_basis(dataset, mineral, stage, source_id)
            except DataError as exc:
                memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit  # type: ignore[no-any-return]


PRICE_BASIS_COLUMNS: tuple[str, ...] = (
    "mineral",
    "stage",
    "quantity_basis",
    "content_label",
    "price_product",
    "price_label",
    "content_per_product_factor",
    "p0_product_usd_per_kg",
    "p0_content_usd_per_kg",
    "source_id",
    "confidence",
)
"""Columns of ``Results.price_basis`` / ``_Built.price_basis`` (docs/architecture.md)."""


def _base_frame(scenario: Scenario, dataset: Dataset, base_year: int) -> pd.DataFrame:
    from toolkit.data import MARKET_BASE_COLUMNS

    market_base = _market_base

    frames = []
    try:
        frames.append(market_base(dataset, DEFAULT_BASE_YEAR))
    except DataError:
        logger.warning("no %s market base", DEFAULT_BASE_YEAR)
    if base_year != DEFAULT_BASE_YEAR:
        try:
            other = market_base(dataset, base_year)
            keys = set(zip(other["mineral"], other["stage"], strict=True))
            if frames:
                f0 = frames[0]
                keep = [(m, s) not in keys for m, s in zip(f0["mineral"], f0["stage"], strict=True)]
                frames[0] = f0.loc[keep]
            frames.append(other)
        except DataError:
            logger.info("no market base for %s: using %s shares", base_year, DEFAULT_BASE_YEAR)
    cols = list(MARKET_BASE_COLUMNS)
    base = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    # NOTE: some stages have share data only (magnets: China ≈ 90 %; rare-earth refining:
    # China 91 %, FAS_2025). Such a market is sized by its upstream stage's world flow
    # (material-equivalent tonnes: one tonne of feed gives one tonne of product) and split by
    # the reported output shares.
    prod = dataset.production
    pct = prod.loc[(prod["unit"] == "%") & (prod["country"] != "World")]
    have = set(zip(base["mineral"], base["stage"], strict=True))
    extra = []
    for (mi, st), rows_ in pct.groupby(["mineral", "stage"], sort=True):
        if (mi, st) in have or st not in STAGE_ORDER or STAGE_ORDER.index(st) == 0:
            continue
        up = base.loc[
            (base["mineral"] == mi) & (base["stage"] == STAGE_ORDER[STAGE_ORDER.index(st) - 1])
        ]
        if up.empty:
            continue
        latest = rows_.loc[rows_["year"] == int(rows_["year"].max())]
        world = float(up["quantity_t"].sum())
        shares = latest["value"].astype(float) / 100.0
        extra.append(
            pd.DataFrame(
                {
                    "mineral": mi,
                    "stage": st,
                    "country": latest["country"].to_numpy(),
                    "quantity_t": (shares * world).to_numpy(),
                    "share": shares.to_numpy(),
                    "source_id": latest["source_id"].to_numpy(),
                    "confidence": latest["confidence"].to_numpy(),
                }
            )
        )
    if extra:
        base = pd.concat([base, *extra], ignore_index=True)
    # production overrides (historical replays)
    ov = scenario.base_overrides
    if ov is not None and ov.production:
        for p in ov.production:
            sel = (base["mineral"] == p.mineral) & (base["stage"] == p.stage)
            hit = sel & (base["country"] == p.country)
            if hit.any():
                base.loc[hit, "quantity_t"] = float(p.quantity_t)
                base.loc[hit, "source_id"] = "scenario"
            else:
                base = pd.concat(
                    [
                        base,
                        pd.DataFrame(
                            [
                                {
                                    "mineral": p.mineral,
                                    "stage": p.stage,
                                    "country": p.country,
                                    "quantity_t": float(p.quantity_t),
                                    "share": 0.0,
                                    "source_id": "scenario",
                                    "confidence": "assumption",
                                }
                            ]
                        ),
                    ],
                    ignore_index=True,
                )
        totals = base.groupby(["mineral", "stage"])["quantity_t"].transform("sum")
        base["share"] = np.where(totals > 0, base["quantity_t"] / totals, 0.0)
    return base.reset_index(drop=True)


def _group_shares(base: pd.DataFrame, members: Sequence[str]) -> pd.Series:
    sel = base.loc[base["country"].isin(set(members))]
    return sel.groupby(["mineral", "stage"])["share"].sum()


def _demand_share_of(params: _Params, countries: Sequence[str], mineral: str) -> float:
    """End-use demand share of a set of countries (EU27 counted when all members are in)."""
    cs = set(countries)
    total = 0.0
    if set(EU27) <= cs:
        total += params.value("demand_share_EU27", mineral, default=0.0)
        cs -= set(EU27)
    for c in sorted(cs):
        total += params.value(f"demand_share_{c}", mineral, default=0.0)
    return total


def _is_next(stage: str, other: str) -> bool:
    """True when ``other`` is the stage right after ``stage`` in :data:`STAGE_ORDER`."""
    return (
        stage in STAGE_ORDER
        and other in STAGE_ORDER
        and STAGE_ORDER.index(other) == STAGE_ORDER.index(stage) + 1
    )


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
    if problems:
        raise ScenarioError(
            "\n".join(
                f"scenario {scenario.id} (file {scenario.id}.yaml or a file it extends): {p}; "
                f"simulated markets: {allowed}"
                for p in problems
            )
        )


# --------------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------------


@dataclass
class _Built:
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


def _months_of(scenario: Scenario) -> list[dt.date]:
    return list(scenario.horizon.month_starts())


def _build(scenario: Scenario, dataset: Dataset) -> _Built:
    params = _Params(dataset.model_parameters)
    ov = scenario.base_overrides
    base_year = int(ov.base_year) if ov is not None and ov.base_year else DEFAULT_BASE_YEAR
    base = _base_frame(scenario, dataset, base_year)
    sources: set[str] = set(base["source_id"]) - {"scenario"}

    keys_all = sorted(
        set(zip(base["mineral"], base["stage"], strict=True)),
        key=lambda k: (k[0], STAGE_ORDER.index(k[1]) if k[1] in STAGE_ORDER else 9),
    )
    if scenario.markets:
        wanted = [(mk.mineral, mk.stage) for mk in scenario.markets]
        missing = [w for w in wanted if w not in keys_all]
        if missing:
            raise ScenarioError(
                f"scenario {scenario.id}: markets without base data: "
                + ", ".join(f"{m}/{s}" for m, s in missing)
                + "; allowed: "
                + ", ".join(f"{m}/{s}" for m, s in keys_all)
            )
        keys = [k for k in keys_all if k in wanted]
    else:
        keys = keys_all
    if not keys:
        raise DataError("no market has base data")
    _check_lever_markets(scenario, keys, keys_all)
    m = len(keys)
    idx = {k: i for i, k in enumerate(keys)}
    start = scenario.horizon.start
    months = _months_of(scenario)
    t_n = len(months)
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
    ally = _group_shares(base, alliance)
    price_over = {(p.mineral, p.stage): p.price().usd_per_kg() for p in (ov.prices if ov else ())}
    demand_over = {(d.mineral, d.stage): float(d.quantity_t) for d in (ov.demand if ov else ())}
    groups = {k: g for k, g in base.groupby(["mineral", "stage"], sort=False)}
    for i, (mi, st) in enumerate(keys):
        g = groups[(mi, st)]
        q0[i] = float(g["quantity_t"].sum())
        s_share[0, i] = float(g.loc[g["country"] == "CHN", "share"].sum())
        s_share[1, i] = float(ally.get((mi, st), 0.0))
        s_share[2, i] = max(1.0 - s_share[0, i] - s_share[1, i], 0.0)
        own_src = [x for x in dict.fromkeys(g["source_id"]) if x != "scenario"]
        pb = _price_basis(dataset, mi, st, own_src[0] if own_src else None)
        if pb is None and (mi, st) in price_over:
            raise DataError(
                f"scenario {scenario.id}: base_overrides.prices sets {mi}/{st} but "
                f"{dataset.data_dir.name}/price_defaults.csv names no product for it, so the "
                "price basis (per kg of what) is unknown; add a price_defaults row"
            )
        if pb is not None:
            to_content[i] = pb.factor
            sources.update(x for x in pb.source_id.split(";") if x)
        if (mi, st) in price_over:
            p0[i] = price_over[(mi, st)]
        else:
            for year in dict.fromkeys((base_year, DEFAULT_BASE_YEAR)):
                try:
                    usd, src, _conf = _base_price(dataset, mi, st, year)
                except DataError:
                    continue
                p0[i] = usd
                sources.add(src)
                break
        basis_rows.append(
            {
                "mineral": mi,
                "stage": st,
                "quantity_basis": pb.quantity_basis if pb else "",
                "content_label": pb.content_label if pb else "",
                "price_product": pb.product if pb else "",
                "price_label": pb.product_label if pb else "",
                "content_per_product_factor": to_content[i],
                "p0_product_usd_per_kg": p0[i],
                "p0_content_usd_per_kg": p0[i] * to_content[i],
                "source_id": pb.source_id if pb else "",
                "confidence": pb.confidence if pb else "",
            }
        )
        # demand location: the downstream stage's production shares, else end-use parameters
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
            gd = groups[down]
            dc = float(gd.loc[gd["country"] == "CHN", "share"].sum())
            da = float(ally.get(down, 0.0))
        else:
            dc = params.value("china_demand_share", mi, st)
            da = _demand_share_of(params, alliance, mi)
        tot = dc + da
        if tot > 0.98:  # NOTE: keep a small Rest of World so every region has demand
            dc, da = dc * 0.98 / tot, da * 0.98 / tot
        d_share[:, i] = np.array([dc, da, 1.0 - dc - da])
        if (mi, st) in demand_over:
            # NOTE: a demand override sizes the market (Q0); production gives only the country
            # shares, so the base year is balanced (stock changes absorb the difference).
            q0[i] = demand_over[(mi, st)]
    if np.any(q0 <= 0):
        bad = [f"{keys[i][0]}/{keys[i][1]}" for i in np.flatnonzero(q0 <= 0)]
        raise DataError("markets with zero base quantity: " + ", ".join(bad))

    # demand growth: G(t) relative to the horizon start
    years = np.array([d.year + (d.month - 0.5) / 12.0 for d in months])
    year0 = start.year + (start.month - 1) / 12.0
    log_g = np.zeros((t_n, m))
    for spec in scenario.demand:
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
                raise ScenarioError(
                    f"scenario {scenario.id}: no IEA {spec.iea_scenario} demand for "
                    f"{spec.mineral} in data/demand.csv"
                )
            sel = sel.groupby("year")["value"].mean()
            path = interpolate_series(
                np.append(years, year0), sel.index.to_numpy(float), sel.to_numpy(float)
            )
            sources.update(
                dataset.demand.loc[dataset.demand["mineral"] == spec.mineral, "source_id"].unique()
            )
        log_g[:, cols] = (np.log(path[:-1]) - np.log(path[-1]))[:, None]

    # parameters per market
    names = (
        "elasticity_demand_sr",
        "elasticity_demand_lr",
        "elasticity_supply_sr",
        "elasticity_supply_lr",
        "adjustment_months",
        "inventory_months",
        "demand_growth_exponent",
    )
    central = {n: np.zeros(m) for n in names}
    low = {n: np.zeros(m) for n in names}
    high = {n: np.zeros(m) for n in names}
    for i, (mi, st) in enumerate(keys):
        for n in names:
            v, lo, hi = params.get(n, mi, st)
            central[n][i], low[n][i], high[n][i] = v, lo, hi
    for n in ("licensing_delay_factor", "licensing_ramp_factor"):
        v, lo, hi = params.get(n)
        central[n], low[n], high[n] = np.array([v]), np.array([lo]), np.array([hi])

    def per_market(name: str) -> np.ndarray:
        return np.array([params.value(name, mi, st) for mi, st in keys])

    upstream = np.full(m, -1, dtype=np.int64)
    for i, (mi, st) in enumerate(keys):
        if st in STAGE_ORDER and STAGE_ORDER.index(st) > 0:
            prev = (mi, STAGE_ORDER[STAGE_ORDER.index(st) - 1])
            if prev in idx:
                upstream[i] = idx[prev]

    # export controls -> links
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
                dc, da, dr = d_share[:, i]
                d_out = max(da + dr, 1e-9)
                if ec.exporter == "CHN":
                    if ec.targets == "all":
                        frac = 1.0
                    elif ec.targets == "alliance":
                        frac = da / d_out
                    else:
                        frac = min(_demand_share_of(params, targets, mi) / d_out, 1.0)
                    coef, mode = max(s_share[0, i] - dc, 0.0) * frac, MODE_CHINA_EXPORT
                else:
                    g = base.loc[
                        (base["mineral"] == mi)
                        & (base["stage"] == st)
                        & (base["country"] == ec.exporter)
                    ]
                    s_x = float(g["share"].sum())
                    if ec.targets == "all":
                        coef, mode = s_x, MODE_WORLD_CUT
                    elif "CHN" in targets:
                        coef, mode = s_x * dc / max(dc + da + dr, 1e-9), MODE_CHINA_CUT
                    else:
                        dt_ = (
                            da
                            if ec.targets == "alliance"
                            else _demand_share_of(params, targets, mi)
                        )
                        coef, mode = s_x * dt_, MODE_WORLD_CUT
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
    )

    # floors
    f_rows: dict[int, dict[str, Any]] = {}
    for j, pf in enumerate(scenario.price_floors):
        i = idx[(pf.mineral, pf.stage)]  # checked by _check_lever_markets
        if not np.isfinite(p0[i]):
            raise ScenarioError(
                f"scenario {scenario.id} (file {scenario.id}.yaml or a file it extends): "
                f"price_floors[{j}]: market {pf.mineral}/{pf.stage} has no base price in "
                "data/price_defaults.csv; set base_overrides.prices for it"
            )
        members = scenario.members_of(pf.members)
        gs = float(_group_shares(base, members).get((pf.mineral, pf.stage), 0.0))
        gd = (
            d_share[1, i]
            if pf.members == "alliance"
            else _demand_share_of(params, members, pf.mineral)
        )
        # NOTE: members' demand for the floored product is where they consume it: the
        # alliance's share of the next stage's output (oxide is bought by magnet plants).
        # Where the data hide members' output of that stage in `Other` (magnets: CHN 90 %,
        # Other 10 %), the zero is missing data, not a fact; the stated assumption
        # `floor_member_demand_share` (model_parameters.csv) is used instead, capped at the
        # outside zone's demand. Without it a levy on NdPr oxide had no base at all.
        down = next((k for k in keys_all if k[0] == pf.mineral and _is_next(pf.stage, k[1])), None)
        if pf.members == "alliance" and down is not None:
            gdown = groups[down]
            hidden = (
                not (set(gdown["country"]) & set(members))
                and float(gdown.loc[gdown["country"] == "Other", "share"].sum())
                >= UNATTRIBUTED_OTHER_SHARE
            )
            if hidden and params.has(f"floor_member_demand_share_{pf.stage}", pf.mineral):
                gd = min(
                    params.value("floor_member_demand_share", pf.mineral, pf.stage),
                    d_share[1, i] + d_share[2, i],
                )
        usd = pf.floor.usd_per_kg()
        covered = 1.0
        if pf.instrument == "offtake":
            covered = min(1.0, float(pf.offtake_volume_t_per_year or 0.0) / max(gs * q0[i], 1e-9))
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
    floor_mult = floor_usd / p0[floors.market] if fl else np.zeros(0)

    # stockpiles
    st_rows = []
    for sp in scenario.stockpiles:
        holder = sp.holder
        for mi in sp.minerals:
            i = idx[(mi, sp.stage)]  # checked by _check_lever_markets
            hs = d_share[1, i] if holder == "alliance" else _demand_share_of(params, [holder], mi)
            if hs <= 0:
                hs = params.value(f"demand_share_{holder}", mi, default=0.02)
            # NOTE: stocks serve the stage chain: the own market, then every downstream stage
            # of the same mineral along the model's upstream links (oxide stocks relieve a
            # magnet shortfall through the refining→magnet link). A tonne of stock relieves
            # `stockpile_conversion_yield` tonnes of the downstream product in that stage's
            # units (material-equivalent tonnes, e.g. REO-equivalent for magnets: 1.0).
            chain, yields = [i], [1.0]
            while True:
                nxt = [j for j in range(m) if upstream[j] == chain[-1]]
                if not nxt:
                    break
                chain.append(nxt[0])
                yields.append(params.value("stockpile_conversion_yield", mi, keys[nxt[0]][1]))
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

    # projects
    pj = []
    for pr in scenario.projects:
        i = idx[(pr.mineral, pr.stage)]  # checked by _check_lever_markets
        zone = 0 if pr.country == "CHN" else (1 if pr.country in alliance else 2)
        inc = (
            pr.incentive_price.usd_per_kg() / p0[i]
            if pr.incentive_price is not None and np.isfinite(p0[i])
            else np.nan
        )
        f_idx = next(
            (j for j, f in enumerate(fl) if f["market"] == i and pr.country in f["members"]), -1
        )
        pj.append(
            {
                "market": i,
                "zone": zone,
                "capacity": pr.capacity_t_per_year / q0[i],
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

    # alliance self-sufficiency: own production at a stage ÷ the alliance's own needs of that
    # stage's product, needs = its share of the mineral's END-USE demand (demand_share_<ISO3>,
    # assumptions) × world demand; NaN where member production cannot be attributed.
    ally_end = np.array([_demand_share_of(params, alliance, mi) for mi, _st in keys])
    notes: dict[tuple[int, str], str] = {}
    for i, (mi, st) in enumerate(keys):
        g = groups[(mi, st)]
        reported = set(g["country"])
        other = float(g.loc[g["country"] == "Other", "share"].sum())
        if not (reported & set(alliance)) and other >= UNATTRIBUTED_OTHER_SHARE:
            # NOTE: no member has its own row, so members' output (e.g. Japan's magnets) may
            # hide in `Other`: reporting 0 % would claim a fact the data do not support. Below
            # 5 % of world output the residual is immaterial and members count as 0.
            # NOTE: the note reaches the brief's readers: it names the sources, not a file.
            notes[(i, "alliance_self_sufficiency")] = (
                "not attributable: the production data ("
                + ", ".join(sorted(set(g["source_id"]) - {"scenario"}))
                + ") name "
                + ", ".join(sorted(reported - {"Other"}))
                + f" and an unattributed rest ({100 * other:.0f} %) only; "
                "alliance members' output is unknown"
            )
        elif ally_end[i] <= 0:
            notes[(i, "alliance_self_sufficiency")] = (
                "not attributable: model_parameters.csv has no demand_share_<ISO3> for the "
                "alliance members"
            )

    markets = Markets(
        mineral=tuple(k[0] for k in keys),
        stage=tuple(k[1] for k in keys),
        q0_t=q0,
        p0_usd_per_kg=p0 * to_content,  # per kg of the quantity basis (Li content …)
        supply_share=s_share,
        demand_share=d_share,
        log_growth=log_g,
        upstream=upstream,
        capacity_lag_months=np.round(per_market("capacity_lag_months")).astype(np.int64),
        choke=per_market("choke_price_multiple"),
        headroom_sr=per_market("capacity_headroom_sr"),
        headroom_lr=per_market("capacity_headroom_lr"),
        inventory_release=per_market("inventory_release_share"),
        downstream_dependence=per_market("downstream_dependence"),
    )
    sources |= params.used
    return _Built(
        markets,
        controls,
        floors,
        stockpiles,
        projects,
        keys,
        base,
        central,
        low,
        high,
        delay,
        ramp,
        share,
        floor_mult,
        floor_usd,
        np.array([p["prob"] for p in pj], float),
        ctrl_markets,
        sources,
        ally_end,
        notes,
        *_kpi_inputs(dataset.model_parameters, params, keys, start, notes, sources),
        stockpile_labels=[r["label"] for r in st_rows],
        p0_product_usd_per_kg=p0,
        price_basis=pd.DataFrame(basis_rows, columns=list(PRICE_BASIS_COLUMNS)),
    )


def _rows_from(
    b: _Built,
    overrides: list[dict[str, Any]],
    mc: dict[str, np.ndarray] | None,
) -> Rows:
    """Stack deterministic variant rows (central values + overrides) and Monte Carlo rows."""
    m = b.markets.size

    def col(name: str, ov: dict[str, Any]) -> np.ndarray:
        if name in ov:
            return np.broadcast_to(np.asarray(ov[name], float), (m,))
        return b.central[name]

    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "eps_d_sr",
            "eps_d_lr",
            "eps_s_sr",
            "eps_s_lr",
            "tau",
            "growth",
            "inv",
            "delay",
            "ramp",
            "share",
            "floor",
            "proj",
        )
    }
    for ov in overrides:
        parts["eps_d_sr"].append(col("elasticity_demand_sr", ov)[None])
        parts["eps_d_lr"].append(col("elasticity_demand_lr", ov)[None])
        parts["eps_s_sr"].append(col("elasticity_supply_sr", ov)[None])
        parts["eps_s_lr"].append(col("elasticity_supply_lr", ov)[None])
        parts["tau"].append(col("adjustment_months", ov)[None])
        parts["growth"].append(col("demand_growth_exponent", ov)[None])
        parts["inv"].append(col("inventory_months", ov)[None])
        dfac = float(ov.get("licensing_delay_factor", b.central["licensing_delay_factor"][0]))
        rfac = float(ov.get("licensing_ramp_factor", b.central["licensing_ramp_factor"][0]))
        parts["delay"].append((b.ctrl_delay * dfac)[None])
        parts["ramp"].append((b.ctrl_ramp * rfac)[None])
        sh = b.ctrl_share.copy()
        if "share" in ov:
            sh[ov["share"][0]] = ov["share"][1]
        parts["share"].append(sh[None])
        fm = b.floor_mult.copy()
        if "floor" in ov:
            fm[ov["floor"][0]] = ov["floor"][1]
        parts["floor"].append(fm[None])
        parts["proj"].append(b.proj_prob[None])
    if mc is not None:
        for key, arr in mc.items():
            parts[key].append(arr)
    cat = {k: np.concatenate(v, axis=0) for k, v in parts.items()}
    return Rows(
        eps_d_sr=cat["eps_d_sr"],
        eps_d_lr=cat["eps_d_lr"],
        eps_s_sr=cat["eps_s_sr"],
        eps_s_lr=cat["eps_s_lr"],
        tau_months=cat["tau"],
        growth_exponent=cat["growth"],
        inventory_months=cat["inv"],
        delay_months=cat["delay"],
        ramp_months=cat["ramp"],
        share=cat["share"],
        floor_multiple=cat["floor"],
        project_on=cat["proj"],
    )


def _monte_carlo(b: _Built, n: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded draws: uniform between each parameter's low and high (model_parameters.csv)."""
    rng = np.random.default_rng(seed)

    def u(name: str, shape_to: tuple[int, ...] | None = None) -> np.ndarray:
        out = draw_uniform(rng, b.low[name], b.high[name], n)
        return out if shape_to is None else np.broadcast_to(out, shape_to)

    k = b.ctrl_share.size
    # NOTE: demand-growth uncertainty is one draw per mineral (shared by its stages).
    minerals = sorted(set(b.markets.mineral))
    g_draw = draw_uniform(rng, np.zeros(len(minerals)), np.ones(len(minerals)), n)
    gi = np.array([minerals.index(x) for x in b.markets.mineral])
    growth = b.low["demand_growth_exponent"] + g_draw[:, gi] * (
        b.high["demand_growth_exponent"] - b.low["demand_growth_exponent"]
    )
    dfac = u("licensing_delay_factor")[:, :1]
    rfac = u("licensing_ramp_factor")[:, :1]
    eds = u("elasticity_demand_sr")
    ess = u("elasticity_supply_sr")
    # NOTE: long-run responses are never weaker than short-run ones within a draw
    esl = np.maximum(u("elasticity_supply_lr"), ess)
    return {
        "eps_d_sr": eds,
        "eps_d_lr": np.minimum(u("elasticity_demand_lr"), eds),
        "eps_s_sr": ess,
        "eps_s_lr": esl,
        "tau": u("adjustment_months"),
        "growth": growth,
        "inv": u("inventory_months"),
        "delay": np.broadcast_to(b.ctrl_delay, (n, k)) * dfac,
        "ramp": np.broadcast_to(b.ctrl_ramp, (n, k)) * rfac,
        "share": np.broadcast_to(b.ctrl_share, (n, k)).copy(),
        "floor": np.broadcast_to(b.floor_mult, (n, b.floor_mult.size)).copy(),
        "proj": draw_bernoulli(rng, b.proj_prob, n),
    }


def _kpi_inputs(
    table: pd.DataFrame,
    params: _Params,
    keys: list[tuple[str, str]],
    start: dt.date,
    notes: dict[tuple[int, str], str],
    sources: set[str],
) -> tuple[KpiSpec, np.ndarray, list[str]]:
    """Recovery tolerances and sourced project sizes from ``model_parameters.csv``.

    Returns
    -------
    (KpiSpec, project size per market [t/yr] (NaN where none is sourced), its
    ``source_id (confidence)``). Markets without a size get a note on ``projects_needed`` and
    ``project_size_t_per_year``. The source ids used are added to ``sources``.
    """
    spec = KpiSpec(
        price_tolerance=params.value("recovery_price_tolerance"),
        shortfall_tolerance=params.value("recovery_shortfall_tolerance"),
        start_month=start.month,
    )
    size = np.full(len(keys), np.nan)
    src: list[str] = []
    for i, (mi, st) in enumerate(keys):
        name = f"project_size_t_per_year_{st}"
        hit = table.loc[(table["mineral"] == mi) & (table["parameter"] == name)]
        if hit.empty:
            # NOTE: no share-of-world stand-in: a project count without a sourced project size
            # would be a number nobody can check (issue 9).
            src.append("")
            notes[(i, "project_size_t_per_year")] = (
                f"no sourced typical project size for {mi}/{st} in the model parameters"
            )
            continue
        size[i] = params.value(name, mi)
        row = hit.iloc[0]
        src.append(f"{row['source_id']} ({row['confidence']})")
        sources.add(str(row["source_id"]))
    sources.add("ASSUMPTION")  # the recovery tolerances
    return spec, size, src


def _simulate_kpi(b: _Built, rows: Rows, **kw: Any) -> SimResult:
    """:func:`simulate` with the KPI spec and, where the scenario has export controls, each
    row's no-shock outside price (the same rows without the controls) as the recovery
    reference.

    # NOTE: without export controls the scenario is its own no-shock path (a demand scenario's
    # rising price is the scenario, not a disruption of it): the price test is switched off and
    # the shortfall alone decides whether a month is disrupted.
    """
    stat = (b.controls, b.floors, b.stockpiles, b.projects)
    if b.controls.effective.size == 0:
        spec = replace(b.kpi_spec, price_tolerance=float("inf"))
        return simulate(b.markets, rows, *stat, kpi=spec, **kw)
    ref = simulate(
        b.markets,
        rows,
        Controls(),
        *stat[1:],
        n_path=0,
        band_variables=(),
        kpi=replace(b.kpi_spec, keep_price_outside=True),
    ).totals["price_outside_path"]
    return simulate(b.markets, rows, *stat, kpi=b.kpi_spec, reference_price=ref, **kw)


def _kpi_rows(b: _Built, tot: dict[str, np.ndarray], r: int) -> dict[str, np.ndarray]:
    """KPIs of row ``r`` (or of every row when ``r`` is −1), per market.

    Money KPIs: cumulative over the horizon [USD] and the peak calendar year [USD/yr] (a
    horizon that starts or ends mid-year counts only its modelled months in that year).
    """
    sl = slice(None) if r < 0 else slice(r, r + 1)
    mk = b.markets
    t_n = mk.log_growth.shape[0]
    n = tot["peak_price_outside"][sl].shape[0]
    ref = np.maximum(tot["cum_reference_t"][sl], 1e-12)
    peak_o = tot["peak_price_outside"][sl]
    flat = peak_o <= tot["min_price_outside"][sl] * (1.0 + FLAT_TOLERANCE)
    size = b.project_size_t if b.project_size_t.size else np.full(mk.size, np.nan)
    peak_short = tot["max_shortfall_t_per_year"][sl]
    out = {
        "peak_price_multiple_outside": peak_o,
        "peak_price_multiple_alliance": tot["peak_price_alliance"][sl],
        "peak_price_multiple_inside": tot["peak_price_inside"][sl],
        "min_price_multiple_inside": tot["min_price_inside"][sl],
        # NOTE: the price a reader knows is per kg of the quoted product (NdPr oxide, Li2CO3),
        # the basis of the Price series and charts; money uses the content basis (units merge).
        "base_price_usd_per_kg": np.broadcast_to(
            b.p0_product_usd_per_kg if b.p0_product_usd_per_kg.size else mk.p0_usd_per_kg,
            (n, mk.size),
        ),
        # NOTE: a flat path has no peak month (any month would do): NaN with a note
        "peak_month_outside": np.where(flat, np.nan, tot["peak_month_outside"][sl]),
        "months_to_recovery": metrics.months_to_recovery(
            tot["first_disrupted"][sl], tot["last_disrupted"][sl], t_n
        ),
        "cumulative_shortfall_t": tot["cum_shortfall_t"][sl],
        "cumulative_shortfall_pct": 100.0 * tot["cum_shortfall_t"][sl] / ref,
        "peak_shortfall_t_per_year": peak_short,
        "alliance_self_sufficiency": _self_sufficiency(b, tot, sl),
        "stockpile_days_used": tot["stockpile_days_used"][sl],
        # + 0.0: no "-0" where nothing is short
        # NOTE: nothing short -> 0 projects whatever the size; a shortfall without a sourced
        # project size -> NaN (with the note from _kpi_inputs)
        "projects_needed": np.where(
            peak_short > 0, np.maximum(np.ceil(peak_short / size - 1e-9), 0.0), 0.0
        )
        + 0.0,
        "project_size_t_per_year": np.broadcast_to(size, (n, mk.size)),
    }
    for money in MONEY_PAYERS:
        out[money] = tot[money][sl]
        out[f"{money}_per_year"] = tot[f"{money}_by_year"][sl].max(axis=1)
    return out


def _self_sufficiency(b: _Built, tot: dict[str, np.ndarray], sl: slice) -> np.ndarray:
    """Alliance self-sufficiency [%] at the end of the horizon, per row and market.

    ``100 · alliance production ÷ (alliance end-use share · world demand)`` of the stage's
    product: the alliance's needs follow its share of the mineral's END-USE demand, not where
    the next stage happens to sit. > 100 % means the alliance is a net producer at the stage.
    NaN where the KPI cannot be attributed (``_Built.kpi_notes``).
    """
    need = b.ally_end_share * tot["end_demand_world"][sl]
    out = 100.0 * tot["end_supply_alliance"][sl] / np.where(need > 0, need, np.nan)
    bad = [j for (j, kpi) in b.kpi_notes if kpi == "alliance_self_sufficiency"]
    if bad:
        out[:, bad] = np.nan
    return out


ROW_CHUNK: int = BAND_DRAWS_MAX
"""Monte Carlo rows simulated per call: keeps the (rows, markets) work arrays cache-sized;
the first chunk feeds the monthly bands."""
MC_DTYPE = np.float32
"""Working precision of the Monte Carlo draws (bands and KPI quantiles)."""


def _simulate_chunked(b: _Built, rows: Rows, n_path: int) -> SimResult:
    """Simulate in row chunks (rows are independent).

    The deterministic rows (central path, what-ifs, tornado) run in float64 and keep their
    monthly paths; the Monte Carlo draws run in ``MC_DTYPE`` chunks of ``ROW_CHUNK`` rows, the
    first of which also yields the monthly bands. KPI totals are concatenated in row order.
    """
    n = rows.n

    def part(lo: int, hi: int, dtype: Any = np.float64) -> Rows:
        return Rows(**{f.name: getattr(rows, f.name)[lo:hi].astype(dtype) for f in fields(Rows)})

    if n == n_path:  # deterministic only: bands collapse onto the central path
        return _simulate_kpi(b, part(0, n), n_path=n_path)
    head = _simulate_kpi(b, part(0, n_path), n_path=n_path, band_variables=())
    totals = {k: [v] for k, v in head.totals.items()}
    bands: dict[str, np.ndarray] = {}
    first = True
    for lo in range(n_path, n, ROW_CHUNK):
        # NOTE: Monte Carlo draws run in float32: half the memory traffic; relative KPI
        # differences (~1e-5) are far below the Monte Carlo error (tested against float64).
        chunk = _simulate_kpi(
            b,
            part(lo, min(n, lo + ROW_CHUNK), MC_DTYPE),
            n_path=0,
            band_variables=BAND_VARIABLES if first else (),
        )
        if first:
            bands = chunk.bands
            first = False
        for k, v in chunk.totals.items():
            totals[k].append(v)
    return SimResult(
        paths=head.paths,
        bands=bands,
        totals={k: np.concatenate(v, axis=0) for k, v in totals.items()},
    )


def run(
    scenario: Scenario,
    dataset: Dataset | None = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
) -> Results:
    """Simulate one scenario: deterministic path, Monte Carlo bands, KPIs, tornado, what-ifs.

    Parameters
    ----------
    scenario : Scenario
        A resolved scenario (:func:`toolkit.scenarios.load_scenario`).
    dataset : Dataset, optional
        Default: :func:`toolkit.data.load_dataset`.
    draws : int, optional
        Monte Carlo draws (default ``scenario.uncertainty.draws``; 0 = deterministic only).
    seed : int, optional
        Random seed (default ``scenario.uncertainty.seed``).

    Returns
    -------
    Results
    """
    from toolkit.data import load_dataset

    ds = dataset if dataset is not None else load_dataset()
    n_draws = int(scenario.uncertainty.draws if draws is None else draws)
    if n_draws < 0:
        raise ScenarioError(f"draws must be >= 0, got {n_draws}")
    rng_seed = int(scenario.uncertainty.seed if seed is None else seed)
    b = _build(scenario, ds)
    m = b.markets.size

    # deterministic variants: central, what-if levels, tornado end points
    variants: list[dict[str, Any]] = [{}]
    labels: list[tuple[str, ...]] = [("central",)]
    main_ctrl = next((c for c, hit in enumerate(b.ctrl_markets) if hit), None)
    if main_ctrl is not None:
        # NOTE: the scenario's own share is a grid point, so the slider at its starting
        # position shows exactly the central estimate of the summary.
        own = float(b.ctrl_share[main_ctrl])
        for s in sorted({*WHATIF_SHARES, round(own, 6)}):
            variants.append({"share": (main_ctrl, s)})
            labels.append(("whatif", "share_withheld", str(s)))
    # NOTE: every floor gets its own what-if line (the others held), so the slider of a brief
    # can show the floor of whichever market heads it.
    for fi in range(b.floor_usd.size):
        for f in WHATIF_FLOOR_FACTORS:
            variants.append({"floor": (fi, b.floor_mult[fi] * f)})
            labels.append(("whatif", "floor_usd_per_kg", str(b.floor_usd[fi] * f), str(fi)))
    tornado = [p for p in TORNADO_PARAMETERS if not p.startswith("licensing") or b.ctrl_share.size]
    for p in tornado:
        for end in ("low", "high"):
            val = getattr(b, end)[p]
            variants.append({p: float(val[0]) if p.startswith("licensing") else val})
            labels.append(("tornado", p, end))
    mc = _monte_carlo(b, n_draws, rng_seed) if n_draws > 0 else None
    rows = _rows_from(b, variants, mc)
    sim = _simulate_chunked(b, rows, len(variants))
    results = _assemble(scenario, ds, b, sim, labels, n_draws, tornado, main_ctrl)
    logger.debug(
        "ran %s: %d markets, %d months, %d draws",
        scenario.id,
        m,
        b.markets.log_growth.shape[0],
        n_draws,
    )
    return results


def _quantiles(kpi: str, v: np.ndarray) -> np.ndarray:
    """P10/P90 over the draws, ``(2, M)``; NaN where the quantile cannot be stated.

    # NOTE: an open disruption (NaN recovery) ranks above every finite recovery time, so a
    # P90 that falls among open draws is NaN ("not within the horizon"), never a number
    # computed from the draws that happened to recover.
    """
    if kpi == "months_to_recovery":
        q = np.quantile(np.where(np.isnan(v), np.inf, v), (0.1, 0.9), axis=0, method="lower")
        return np.where(np.isfinite(q), q, np.nan)
    # NOTE: a KPI that is NaN in every draw (not attributable) stays NaN without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(v.astype(float), (0.1, 0.9), axis=0)


def _kpi_frame(
    b: _Built,
    central: dict[str, np.ndarray],
    mc: dict[str, np.ndarray] | None,
    tot: dict[str, np.ndarray],
    months: list[dt.date],
) -> pd.DataFrame:
    """The ``kpis`` frame: central value, P10/P90 of the draws, note and flags per KPI.

    ``value`` is the central run (row 0, the path of ``Results.timeseries``); ``p10``/``p90``
    are over the Monte Carlo draws (equal to ``value`` without draws). Flags
    (:data:`KPI_FLAGS`) are set, never hidden by clipping the value into its band.
    """
    mk = b.markets
    m = mk.size
    horizon = f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}"
    end_label = f"{months[-1]:%Y-%m}"
    year0 = months[0].year
    conc = metrics.concentration_table(b.base).set_index(["mineral", "stage"])
    mc_q = {k: _quantiles(k, v) for k, v in mc.items() if k in KPI_UNITS} if mc else {}
    share_of = {key: g["share"].to_numpy(float) for key, g in b.base.groupby(["mineral", "stage"])}
    choke = mk.choke
    # central-row paths for the end-of-horizon and guard tests
    peak_key = {
        "peak_price_multiple_outside": "outside",
        "peak_price_multiple_alliance": "alliance",
        "peak_price_multiple_inside": "inside",
        "peak_month_outside": "outside",
    }

    def rising_at_end(peak: float, end: float, before: float) -> bool:
        """The highest value is reached in the last month, and that month is still above the
        one before (a level held flat to the end, e.g. a floor or the choke, is not rising)."""
        return end >= peak * (1.0 - FLAT_TOLERANCE) and end > before * (1.0 + FLAT_TOLERANCE)

    recs = []
    for j in range(m):
        mi, st = mk.mineral[j], mk.stage[j]
        conc_j: dict[str, float] | None = None
        if (mi, st) in conc.index:
            c = conc.loc[(mi, st)]
            dshare = mk.demand_share[0, j] if str(c["largest_country"]) == "CHN" else 0.0
            conc_j = {
                "hhi": float(c["hhi"]),
                "top1_share": 100 * float(c["top1_share"]),
                "top3_share": 100 * float(c["top3_share"]),
                "coverage_without_largest": 100
                * metrics.coverage_without_largest(share_of[(mi, st)], dshare),
            }
        rec_open = not np.isfinite(central["months_to_recovery"][0, j])
        for kpi in KPI_UNITS:
            flags: list[str] = []
            notes: list[str] = []
            if b.kpi_notes.get((j, kpi)):
                notes.append(b.kpi_notes[(j, kpi)])
            if kpi in central:
                val = float(central[kpi][0, j])
                if kpi in mc_q:
                    p10, p90 = float(mc_q[kpi][0, j]), float(mc_q[kpi][1, j])
                else:
                    p10 = p90 = val
            else:
                val = conc_j[kpi] if conc_j is not None else float("nan")
                p10 = p90 = val
            # --- outside_band: the central run is not inside the spread of the draws
            # (recovery: "not within the horizon" ranks above every number of months)
            if kpi == "months_to_recovery" and kpi in mc_q:
                v, lo, hi = (np.inf if np.isnan(x) else x for x in (val, p10, p90))
                if v < lo or v > hi:
                    flags.append("outside_band")
            elif kpi in mc_q and np.isfinite(p10) and np.isfinite(p90) and np.isfinite(val):
                slack = BAND_TOLERANCE * max(abs(p10), abs(p90), 1e-12)
                if val < p10 - slack or val > p90 + slack:
                    flags.append("outside_band")
            # --- at_guard / rising_at_end for peaks
            if kpi in peak_key:
                zone = peak_key[kpi]
                peak = float(tot[f"peak_price_{zone}"][0, j])
                on_cap = peak >= choke[j] * (1.0 - GUARD_TOLERANCE)
                share_cap = (
                    float(np.mean(mc[f"peak_price_multiple_{zone}"][:, j] >= choke[j] * (1 - 1e-6)))
                    if mc
                    else 0.0
                )
                band_cap = kpi != "peak_month_outside" and p90 >= choke[j] * (1 - GUARD_TOLERANCE)
                if on_cap or band_cap:
                    flags.append("at_guard")
                    where = "the central run" if on_cap else "the upper band"
                    notes.append(
                        f"{where} sits on the choke price ({choke[j]:.1f}x base price, a model "
                        f"guard, not a finding); {100 * share_cap:.0f} % of draws reach it"
                    )
                end = float(tot[f"end_price_{zone}"][0, j])
                before = float(tot[f"pre_end_price_{zone}"][0, j])
                if rising_at_end(peak, end, before):
                    flags.append("rising_at_end")
            if kpi == "peak_shortfall_t_per_year":
                pk = float(tot["max_shortfall_t_per_year"][0, j])
                end = float(tot["end_shortfall_t_per_year"][0, j])
                before = float(tot["pre_end_shortfall_t_per_year"][0, j])
                if pk > 0 and rising_at_end(pk, end, before):
                    flags.append("rising_at_end")
            # --- open_at_horizon: the disruption has not ended by the end of the horizon
            if rec_open and kpi in (
                "months_to_recovery",
                "cumulative_shortfall_t",
                "cumulative_shortfall_pct",
            ):
                flags.append("open_at_horizon")
            if kpi == "months_to_recovery" and rec_open:
                notes.insert(0, f"not within the horizon (ends {end_label})")
            if kpi == "months_to_recovery" and mc is not None:
                open_share = float(np.mean(np.isnan(mc["months_to_recovery"][:, j])))
                if open_share > 0:
                    notes.append(
                        f"still disrupted at the horizon end in {100 * open_share:.0f} % of draws"
                    )
            if kpi == "peak_month_outside" and not np.isfinite(val):
                notes.append("the outside price path is flat: no peak month")
            # --- money: period and who bears it
            base = kpi.removesuffix("_per_year")
            if base in MONEY_PAYERS:
                if kpi.endswith("_per_year"):
                    by_year = tot[f"{base}_by_year"][0, :, j]
                    if np.any(by_year != 0):
                        yr = year0 + int(np.argmax(by_year))
                        period = f"peak calendar year {yr} (in the horizon {horizon})"
                    else:
                        period = f"per calendar year, none in the horizon {horizon}"
                else:
                    period = f"cumulative {horizon}"
                notes.append(f"{period}; {MONEY_PAYERS[base]}")
            if kpi == "projects_needed" and not np.isfinite(val):
                notes.append(b.kpi_notes.get((j, "project_size_t_per_year"), ""))
            if kpi in ("projects_needed", "project_size_t_per_year") and b.project_size_src:
                if b.project_size_src[j]:
                    size = float(b.project_size_t[j])
                    notes.append(
                        f"typical project {size:,.0f} t/yr, source {b.project_size_src[j]}"
                    )
            if kpi == "base_price_usd_per_kg" and not np.isfinite(val):
                notes.append("no sourced base price for this market")
            recs.append(
                {
                    "mineral": mi,
                    "stage": st,
                    "kpi": kpi,
                    "value": val,
                    "unit": KPI_UNITS[kpi],
                    "p10": p10,
                    "p90": p90,
                    "note": "; ".join(dict.fromkeys(x for x in notes if x)),
                    "flags": ";".join(flags),
                }
            )
    return pd.DataFrame(
        recs, columns=["mineral", "stage", "kpi", "value", "unit", "p10", "p90", "note", "flags"]
    )


def _assemble(
    scenario: Scenario,
    ds: Dataset,
    b: _Built,
    sim: SimResult,
    labels: list[tuple[str, ...]],
    n_draws: int,
    tornado: list[str],
    main_ctrl: int | None,
) -> Results:
    mk = b.markets
    m = mk.size
    n_path = len(labels)
    months = _months_of(scenario)
    times = np.array([d.strftime("%Y-%m-01") for d in months])

    def series(
        store: dict[str, np.ndarray], pick: Any, bands: bool = False
    ) -> list[tuple[str, str, str, np.ndarray]]:
        """(quantity, region, unit, (T, M) array in output units).

        Bands carry prices, world supply and demand, shortfalls, exports and stocks (a
        quantile of a sum is not the sum of quantiles, so regional supply/demand have none).
        """
        # NOTE: prices are reported per kg of the quoted product (USD/kg Li₂CO₃, NdPr oxide),
        # as the data and scenario prices are written; money uses the quantity basis.
        q0, p0 = mk.q0_t, b.p0_product_usd_per_kg
        out = []
        for reg, key in (("China", "china"), ("Alliance", "alliance"), ("Rest of World", "row")):
            out.append(("Price", reg, pick(store[f"price_{key}"]) * p0))
        if not bands:
            for reg, k in (("China", "china"), ("Alliance", "alliance"), ("Rest of World", "row")):
                out.append(("Supply", reg, pick(store[f"supply_{k}"]) * q0))
                out.append(("Demand", reg, pick(store[f"demand_{k}"]) * q0))
            sup_w = sum(pick(store[f"supply_{k}"]) for k in ("china", "alliance", "row"))
            dem_w = sum(pick(store[f"demand_{k}"]) for k in ("china", "alliance", "row"))
        else:
            sup_w, dem_w = pick(store["supply_world"]), pick(store["demand_world"])
        out.append(("Supply", "World", sup_w * q0))
        out.append(("Demand", "World", dem_w * q0))
        out.append(("Shortfall", "Alliance", pick(store["shortfall_alliance"]) * q0))
        out.append(("Shortfall", "Rest of World", pick(store["shortfall_row"]) * q0))
        out.append(("Exports", "China", pick(store["exports_china"]) * q0))
        out.append(("Inventory", "World", pick(store["inventory"]) * q0))
        if not bands:
            out.append(("Inventory", "China", pick(store["inventory_china"]) * q0))
        out.append(("Stockpile", "Alliance", pick(store["stockpile"]) * q0))
        if not bands:
            out.append(("Tariff Revenue", "Alliance", pick(store["tariff_revenue_usd"])))
            out.append(("Fiscal Cost", "Alliance", pick(store["fiscal_cost_usd"])))
        return [(q, reg, cl.unit(q), arr) for q, reg, arr in out]

    var_names = {
        q: [cl.variable(q, mk.mineral[j], mk.stage[j]) for j in range(m)] for q in cl.QUANTITIES
    }

    def long_frame(items: list[tuple[str, str, str, np.ndarray]]) -> pd.DataFrame:
        t_n = len(times)
        values = np.stack([arr for _q, _r, _u, arr in items])  # (S, T, M)
        keep = np.all(np.isfinite(values), axis=1)  # (S, M): e.g. no base price -> no Price
        sparse = np.array(
            [q in ("Stockpile", "Tariff Revenue", "Fiscal Cost") for q, _r, _u, _a in items]
        )
        keep &= ~(sparse[:, None] & ~np.any(values != 0, axis=1))
        s_idx, m_idx = np.nonzero(keep)
        n_ser = s_idx.size
        region = np.array([r for _q, r, _u, _a in items], dtype=object)[s_idx]
        unit = np.array([u for _q, _r, u, _a in items], dtype=object)[s_idx]
        var = np.array(
            [var_names[items[si][0]][mj] for si, mj in zip(s_idx, m_idx, strict=True)], dtype=object
        )
        vals = values[s_idx, :, m_idx]  # (n_ser, T)
        return pd.DataFrame(
            {
                "model": MODEL_NAME,
                "scenario": scenario.id,
                "region": np.repeat(region, t_n),
                "variable": np.repeat(var, t_n),
                "unit": np.repeat(unit, t_n),
                "time": np.tile(times, n_ser),
                "value": vals.reshape(-1),
            }
        )

    ts = long_frame(series(sim.paths, lambda a: a[:, 0, :]))
    ts = ts[["model", "scenario", "region", "variable", "unit", "time", "value"]]
    band_parts = []
    for qi, qv in enumerate((0.1, 0.5, 0.9)):
        bf = long_frame(series(sim.bands, lambda a, qi=qi: a[:, qi, :], bands=True))
        bf["quantile"] = qv
        band_parts.append(bf)
    bands = pd.concat(band_parts, ignore_index=True)[
        ["model", "scenario", "region", "variable", "unit", "time", "quantile", "value"]
    ]

    # KPIs
    tot = sim.totals
    central = _kpi_rows(b, tot, 0)
    mc = None
    if n_draws > 0:
        all_rows = _kpi_rows(b, tot, -1)
        mc = {k: v[n_path:] for k, v in all_rows.items()}
    kpis = _kpi_frame(b, central, mc, tot, months)

    # sensitivity (tornado) and what-ifs
    per_row = _kpi_rows(b, tot, -1)
    sens = []
    for p in tornado:
        lo = labels.index(("tornado", p, "low"))
        hi = labels.index(("tornado", p, "high"))
        lo_in, hi_in = b.low[p], b.high[p]
        for j in range(m):
            for kpi in HEADLINE_KPIS:
                sens.append(
                    {
                        "parameter": p,
                        "mineral": mk.mineral[j],
                        "stage": mk.stage[j],
                        "kpi": kpi,
                        "base": float(per_row[kpi][0, j]),
                        "low": float(per_row[kpi][lo, j]),
                        "high": float(per_row[kpi][hi, j]),
                        "low_input": float(lo_in[0] if p.startswith("licensing") else lo_in[j]),
                        "high_input": float(hi_in[0] if p.startswith("licensing") else hi_in[j]),
                    }
                )
    sensitivity = pd.DataFrame(
        sens,
        columns=[
            "parameter",
            "mineral",
            "stage",
            "kpi",
            "base",
            "low",
            "high",
            "low_input",
            "high_input",
        ],
    )
    wi = []
    for r, lab in enumerate(labels):
        if lab[0] != "whatif":
            continue
        lever, value = lab[1], float(lab[2])
        if lever == "share_withheld":
            cols = b.ctrl_markets[main_ctrl] if main_ctrl is not None else []
            kpis_w = (
                "peak_price_multiple_outside",
                "peak_price_multiple_inside",
                "cumulative_shortfall_t",
                "cumulative_shortfall_pct",
                "months_to_recovery",
            )
        else:
            cols = [int(b.floors.market[int(lab[3])])]
            kpis_w = (
                "peak_price_multiple_alliance",
                "peak_price_multiple_outside",
                "consumer_cost_usd_per_year",
                "tariff_revenue_usd_per_year",
                "fiscal_cost_usd_per_year",
                "fiscal_cost_usd",
                "tariff_revenue_usd",
                "consumer_cost_usd",
                "cumulative_shortfall_pct",
            )
        for j in dict.fromkeys(cols):
            for kpi in kpis_w:
                wi.append(
                    {
                        "lever": lever,
                        "lever_value": value,
                        "mineral": mk.mineral[j],
                        "stage": mk.stage[j],
                        "kpi": kpi,
                        "value": float(per_row[kpi][r, j]),
                    }
                )
    whatif = pd.DataFrame(wi, columns=["lever", "lever_value", "mineral", "stage", "kpi", "value"])

    sources = tuple(sorted(set(b.sources) | set(scenario.source_ids)))
    each = tot.get("stockpile_days_used_each")
    st_recs = []
    for e, (holder, mi, st, days) in enumerate(b.stockpile_labels):
        col = each[:, e] if each is not None else np.zeros(1)
        mc_e = col[n_path:] if n_draws > 0 and col.size > n_path else col[:1]
        st_recs.append(
            {
                "holder": holder,
                "mineral": mi,
                "stage": st,
                "days_of_cover": days,
                "value": float(col[0]),
                "p10": float(np.quantile(mc_e, 0.1)),
                "p90": float(np.quantile(mc_e, 0.9)),
            }
        )
    stockpile_use = pd.DataFrame(
        st_recs, columns=["holder", "mineral", "stage", "days_of_cover", "value", "p10", "p90"]
    )
    return Results(
        scenario=scenario,
        stockpile_use=stockpile_use,
        timeseries=ts,
        bands=bands,
        kpis=kpis,
        sensitivity=sensitivity,
        whatif=whatif,
        sources=sources,
        data_vintage=str(ds.vintage),
        price_basis=b.price_basis.copy(),
    )


__all__ = ["MODEL_NAME", "KPI_UNITS", "PRICE_BASIS_COLUMNS", "Results", "run"]
