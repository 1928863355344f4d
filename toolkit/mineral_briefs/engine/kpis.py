"""KPIs: their ids, units and flags, the inputs read from the data, per-row values from the
model's totals and the ``kpis`` frame (central value, P10/P90 of the draws, note, flags)."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineral_briefs.engine.base import UNATTRIBUTED_OTHER_SHARE
from mineral_briefs.engine.kpi_flags import (
    FLAT_TOLERANCE,
    MONEY_PAYERS,
    PEAK_ZONE,
    _floor_guard_flags,
    _money_note,
    _outside_band,
    _peak_flags,
    _project_notes,
    _recovery_flags,
    _rising_at_end,
)
from mineral_briefs.engine.params import _demand_share_of, _Params
from mineral_briefs.model import metrics
from mineral_briefs.model.cost_curve import MIN_COVERAGE, curve_coverage, quartile_cost
from mineral_briefs.model.simulate import KpiSpec

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.engine.build import _Built
    from mineral_briefs.engine.markets import _GroupFacts

KPI_UNITS: dict[str, str] = {
    "peak_price_multiple_outside": "x base price",
    "peak_price_multiple_alliance": "x base price",
    "peak_price_multiple_inside": "x base price",
    "min_price_multiple_inside": "x base price",
    "base_price_usd_per_kg": "USD/kg",
    "peak_month_outside": "months after start",
    "months_at_twice_base_outside": "months",
    "months_to_recovery": "months",
    "cumulative_shortfall_t": "t",
    "cumulative_shortfall_pct": "%",
    "peak_shortfall_t_per_year": "t/yr",
    "shortfall_end_pct": "%",
    "substituted_end_pct": "%",
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
    "curve_capacity_offline_t_per_year": "t/yr",
    "min_price_to_low_cost": "x cash cost",
    "floor_capacity_kept_t_per_year": "t/yr",
    "china_absorbed_t": "t",
}
"""KPI id -> unit, in the order of the shared KPI contract (docs/methodology.md, KPIs)."""
CURVE_KPIS: tuple[str, ...] = (
    "curve_capacity_offline_t_per_year",
    "min_price_to_low_cost",
    "floor_capacity_kept_t_per_year",
)
"""KPIs read off the cost curve (NaN with a note where a market has none)."""
FLOOR_MONEY: tuple[str, ...] = ("tariff_revenue_usd", "consumer_cost_usd", "fiscal_cost_usd")
"""A price floor's money KPIs (flagged ``floor_inert`` where the floor has nothing to act on)."""
KPI_FLAGS: tuple[str, ...] = (
    "outside_band",
    "at_guard",
    "rising_at_end",
    "open_at_horizon",
    "no_net_exports",
    "floor_inert",
)
"""Codes of the ``flags`` column (``;``-joined): the central value lies outside its P10–P90;
it sits on a model guard (the choke price); the peak is in the last modelled month; the
disruption has not ended by the end of the horizon; China's export control on the market
withholds nothing (China is a net importer there in the base year); the market's price floor
has nothing to act on (members import nothing under a levy, or have no output under a CfD or
an offtake) and its money KPI is zero."""
KPI_COLUMNS: tuple[str, ...] = (
    "mineral",
    "stage",
    "kpi",
    "value",
    "unit",
    "p10",
    "p90",
    "note",
    "flags",
)
"""Columns of ``Results.kpis`` (the shared KPI contract)."""


# --------------------------------------------------------------------------------------------
# inputs read from the data (at build time)
# --------------------------------------------------------------------------------------------


def _self_sufficiency_inputs(
    params: _Params,
    alliance: tuple[str, ...],
    keys: list[tuple[str, str]],
    facts: dict[tuple[str, str], _GroupFacts],
) -> tuple[np.ndarray, dict[tuple[int, str], str]]:
    """(M,) the alliance's share of each mineral's end-use demand [0–1], and a note per market
    where alliance self-sufficiency cannot be attributed."""
    # alliance self-sufficiency: own production at a stage ÷ the alliance's own needs of that
    # stage's product, needs = its share of the mineral's END-USE demand (demand_share_<ISO3>,
    # assumptions) × world demand; NaN where member production cannot be attributed.
    ally_end = np.array([_demand_share_of(params, alliance, mi) for mi, _st in keys])
    notes: dict[tuple[int, str], str] = {}
    for i, (mi, st) in enumerate(keys):
        g = facts[(mi, st)]
        reported = set(g.country)
        other = g.share_of(("Other",))
        if not (reported & set(alliance)) and other >= UNATTRIBUTED_OTHER_SHARE:
            # NOTE: no member has its own row, so members' output (e.g. Japan's magnets) may
            # hide in `Other`: reporting 0 % would claim a fact the data do not support. Below
            # 5 % of world output the residual is immaterial and members count as 0.
            # NOTE: the note reaches the brief's readers: it names the sources, not a file.
            notes[(i, "alliance_self_sufficiency")] = (
                "not attributable: the production data ("
                + ", ".join(sorted(set(g.source_ids) - {"scenario"}))
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
    return ally_end, notes


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
    first: dict[tuple[str, str], tuple[str, str]] = {}
    cols = [table[c].to_numpy(dtype=object) for c in ("mineral", "parameter")]
    cols += [table[c].to_numpy(dtype=object) for c in ("source_id", "confidence")]
    for mi_, par, sid, conf in zip(*cols, strict=True):
        first.setdefault((mi_, par), (sid, conf))
    for i, (mi, st) in enumerate(keys):
        name = f"project_size_t_per_year_{st}"
        hit = first.get((mi, name))
        if hit is None:
            # NOTE: no share-of-world stand-in: a project count without a sourced project size
            # would be a number nobody can check (issue 9).
            src.append("")
            notes[(i, "project_size_t_per_year")] = (
                f"no sourced typical project size for {_market_words(mi, st)} in the model "
                "parameters"
            )
            continue
        size[i] = params.value(name, mi)
        src.append(f"{hit[0]} ({hit[1]})")
        sources.add(str(hit[0]))
    sources.add("ASSUMPTION")  # the recovery tolerances
    return spec, size, src


# --------------------------------------------------------------------------------------------
# KPI values per row (from the model's totals)
# --------------------------------------------------------------------------------------------


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
        "months_at_twice_base_outside": tot["months_at_twice_base_outside"][sl],
        "months_to_recovery": metrics.months_to_recovery(
            tot["first_disrupted"][sl], tot["last_disrupted"][sl], t_n
        ),
        "cumulative_shortfall_t": tot["cum_shortfall_t"][sl],
        "cumulative_shortfall_pct": 100.0 * tot["cum_shortfall_t"][sl] / ref,
        "peak_shortfall_t_per_year": peak_short,
        "shortfall_end_pct": 100.0 * tot["end_shortfall_share"][sl],
        # NOTE: a share of the same reference demand, never more than the shortfall itself
        # (a price below base lifts demand above the reference, see methodology §12)
        "substituted_end_pct": 100.0
        * np.minimum(tot["end_substituted_share"][sl], tot["end_shortfall_share"][sl]),
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
    out.update(_curve_kpis(b, tot, sl))
    return out


def _curve_kpis(b: _Built, tot: dict[str, np.ndarray], sl: slice) -> dict[str, np.ndarray]:
    """Cost-curve and China-market KPIs (methodology §19–20): NaN where a market has no
    curve (a note says so); 0 where it has one and nothing happens."""
    m = b.markets.size
    q1 = quartile_cost(b.curves, m)
    has = np.isin(np.arange(m), b.curves.market[b.curves.surge == 0])
    n = tot["peak_price_outside"][sl].shape[0]
    zeros = np.zeros((n, m))
    return {
        "curve_capacity_offline_t_per_year": np.where(
            has, tot.get("curve_offline_peak", zeros)[sl], np.nan
        ),
        # NOTE: the lowest outside price over the horizon against the cash cost below which
        # the cheapest quarter of base-year capacity produces: < 1 means the price fell below
        # the low-cost producers' cash cost at some point.
        "min_price_to_low_cost": tot["min_price_outside"][sl] / q1,
        # NOTE: no member on the curve (graphite: only Mozambique's Balama is sourced) says
        # nothing about what a floor keeps alive; a brief read "keeps no members' capacity".
        "floor_capacity_kept_t_per_year": np.where(
            np.isin(np.arange(m), b.curves.market[b.curves.zone == 1]),
            tot.get("floor_kept_peak", zeros)[sl],
            np.nan,
        ),
        "china_absorbed_t": tot.get("china_absorbed_t", zeros)[sl],
    }


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


def _quantiles(kpi: str, v: np.ndarray) -> np.ndarray:
    """P10/P90 over the draws, ``(2, M)``; NaN where the quantile cannot be stated.

    # NOTE: an open disruption (NaN recovery) ranks above every finite recovery time, so a
    # P90 that falls among open draws is NaN ("not within the horizon"), never a number
    # computed from the draws that happened to recover.
    """
    if kpi == "months_to_recovery":
        q = np.quantile(np.where(np.isnan(v), np.inf, v), (0.1, 0.9), axis=0, method="lower")
        return np.where(np.isfinite(q), q, np.nan)
    v = v.astype(float)
    nan = np.isnan(v).any(axis=0)
    # NOTE: columns without NaN take the vectorised quantile (numpy's nanquantile loops over
    # columns in Python); on NaN-free data both give the same numbers.
    out = np.quantile(v, (0.1, 0.9), axis=0)
    if nan.any():
        # NOTE: a KPI that is NaN in every draw (not attributable) stays NaN without a warning
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[:, nan] = np.nanquantile(v[:, nan], (0.1, 0.9), axis=0)
    return out


# --------------------------------------------------------------------------------------------
# the kpis frame: value, band, note and flags
# --------------------------------------------------------------------------------------------


@dataclass
class _KpiContext:
    """What every KPI record of one run reads."""

    b: _Built
    central: dict[str, np.ndarray]
    """KPIs of the central run, ``(1, M)`` each."""
    mc: dict[str, np.ndarray] | None
    """KPIs of the Monte Carlo draws, ``(N, M)`` each (None without draws)."""
    mc_q: dict[str, np.ndarray]
    """P10/P90 of the draws per KPI, ``(2, M)`` (empty without draws)."""
    tot: dict[str, np.ndarray]
    """The model's totals (row 0 = the central run)."""
    horizon: str
    """``YYYY-MM to YYYY-MM``."""
    end_label: str
    """``YYYY-MM`` of the last modelled month."""
    year0: int
    """Calendar year of the first modelled month."""
    curve_cover: np.ndarray
    """(M,) base-year output share held by each market's cost-curve groups (the NaN notes)."""


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
    ctx = _KpiContext(
        b=b,
        central=central,
        mc=mc,
        mc_q={k: _quantiles(k, v) for k, v in mc.items() if k in KPI_UNITS} if mc else {},
        tot=tot,
        horizon=f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}",
        end_label=f"{months[-1]:%Y-%m}",
        year0=months[0].year,
        curve_cover=curve_coverage(b.curves, b.markets.size),
    )
    conc = {
        (r["mineral"], r["stage"]): r
        for r in metrics.concentration_table(b.base).to_dict("records")
    }
    share = b.base["share"].to_numpy(float)
    share_of = {
        key: share[rows] for key, rows in b.base.groupby(["mineral", "stage"]).indices.items()
    }
    recs = []
    for j in range(mk.size):
        conc_j = _concentration(b, conc, share_of, j)
        for kpi in KPI_UNITS:
            recs.append(_kpi_record(ctx, j, kpi, conc_j))
    return pd.DataFrame(recs, columns=list(KPI_COLUMNS))


def _concentration(
    b: _Built,
    conc: dict[tuple[str, str], dict[str, Any]],
    share_of: dict[tuple[str, str], np.ndarray],
    j: int,
) -> dict[str, float] | None:
    """Concentration KPIs of market ``j`` from its base-year shares (None without data;
    ``conc``: :func:`metrics.concentration_table` rows by market)."""
    mk = b.markets
    mi, st = mk.mineral[j], mk.stage[j]
    c = conc.get((mi, st))
    if c is None:
        return None
    dshare = mk.demand_share[0, j] if str(c["largest_country"]) == "CHN" else 0.0
    return {
        "hhi": float(c["hhi"]),
        "top1_share": 100 * float(c["top1_share"]),
        "top3_share": 100 * float(c["top3_share"]),
        "coverage_without_largest": 100
        * metrics.coverage_without_largest(share_of[(mi, st)], dshare),
    }


def _kpi_record(
    ctx: _KpiContext, j: int, kpi: str, conc_j: dict[str, float] | None
) -> dict[str, object]:
    """One row of the ``kpis`` frame: market ``j``, KPI ``kpi``."""
    b = ctx.b
    flags: list[str] = []
    notes: list[str] = []
    if b.kpi_notes.get((j, kpi)):
        notes.append(b.kpi_notes[(j, kpi)])
    if kpi in ctx.central:
        val = float(ctx.central[kpi][0, j])
        if kpi in ctx.mc_q:
            p10, p90 = float(ctx.mc_q[kpi][0, j]), float(ctx.mc_q[kpi][1, j])
        else:
            p10 = p90 = val
    else:
        val = conc_j[kpi] if conc_j is not None else float("nan")
        p10 = p90 = val
    if _outside_band(kpi, val, p10, p90, ctx.mc_q):
        flags.append("outside_band")
    if kpi in PEAK_ZONE:
        _peak_flags(ctx, j, kpi, p90, flags, notes)
    if kpi in FLOOR_MONEY and j in b.inert_floors and val == 0:
        flags.append("floor_inert")
        notes.append(b.inert_floors[j])
    if kpi == "peak_price_multiple_outside" and j in b.inert_controls:
        flags.append("no_net_exports")
        notes.append(b.inert_controls[j])
    _floor_guard_flags(ctx, j, kpi, val, p10, flags, notes)
    if kpi == "peak_shortfall_t_per_year":
        pk = float(ctx.tot["max_shortfall_t_per_year"][0, j])
        end = float(ctx.tot["end_shortfall_t_per_year"][0, j])
        before = float(ctx.tot["pre_end_shortfall_t_per_year"][0, j])
        if pk > 0 and _rising_at_end(pk, end, before):
            flags.append("rising_at_end")
    _recovery_flags(ctx, j, kpi, flags, notes)
    if kpi == "peak_month_outside" and not np.isfinite(val):
        notes.append("the outside price path is flat: no peak month")
    _money_note(ctx, j, kpi, notes)
    _project_notes(b, j, kpi, val, notes)
    if kpi == "base_price_usd_per_kg" and not np.isfinite(val):
        notes.append("no sourced base price for this market")
    if kpi in CURVE_KPIS and not np.isfinite(val):
        cover = float(ctx.curve_cover[j])
        if cover <= 0:
            notes.append("no sourced cost curve for this market (data/cost_curves.csv)")
        elif kpi == "floor_capacity_kept_t_per_year":
            notes.append("no alliance producer on the market's cost curve (data/cost_curves.csv)")
        elif cover < MIN_COVERAGE:
            notes.append(
                f"the sourced cost curve covers {100 * cover:.0f} % of base-year output, too "
                "little to tell the cash cost of the cheapest quarter (data/cost_curves.csv)"
            )
    return {
        "mineral": b.markets.mineral[j],
        "stage": b.markets.stage[j],
        "kpi": kpi,
        "value": val,
        "unit": KPI_UNITS[kpi],
        "p10": p10,
        "p90": p90,
        "note": "; ".join(dict.fromkeys(x for x in notes if x)),
        "flags": ";".join(flags),
    }


def _market_words(mineral: str, stage: str) -> str:
    """A market as a reader names it in a note ("cobalt refining", "NdPr oxide refining"):
    the catalogue's English names, the id where the catalogue has none."""
    from mineral_briefs import i18n

    def word(name: str) -> str:
        head, _, rest = name.partition(" ")
        lower = head[:1].lower() + head[1:] if head[1:].islower() else head
        return f"{lower} {rest}".strip()

    try:
        return f"{word(i18n.mineral_name(mineral, 'en'))} {word(i18n.stage_name(stage, 'en'))}"
    except LookupError:
        return f"{mineral} {stage}"
