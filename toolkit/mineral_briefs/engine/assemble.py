"""Assembling :class:`Results` from the model's output: IAMC timeseries and bands, the kpis
frame, the tornado (sensitivity), the what-if grid and stockpile use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineral_briefs.engine.kpis import _kpi_frame, _kpi_rows
from mineral_briefs.engine.markets import _months_of
from mineral_briefs.engine.results import MODEL_NAME, Results
from mineral_briefs.model import codelist as cl
from mineral_briefs.model.contracts import volume_weighted_price
from mineral_briefs.model.simulate import SimResult

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.engine.build import _Built
    from mineral_briefs.model.simulate import Markets
    from mineral_briefs.scenarios import Scenario

HEADLINE_KPIS: tuple[str, ...] = ("peak_price_multiple_outside", "cumulative_shortfall_pct")
"""KPIs of the tornado (``Results.sensitivity``)."""
IAMC_COLUMNS: list[str] = ["model", "scenario", "region", "variable", "unit", "time", "value"]
SENSITIVITY_COLUMNS: list[str] = [
    "parameter",
    "mineral",
    "stage",
    "kpi",
    "base",
    "low",
    "high",
    "low_input",
    "high_input",
]
WHATIF_COLUMNS: list[str] = ["lever", "lever_value", "mineral", "stage", "kpi", "value"]
WHATIF_SHARE_KPIS: tuple[str, ...] = (
    "peak_price_multiple_outside",
    "peak_price_multiple_inside",
    "cumulative_shortfall_t",
    "cumulative_shortfall_pct",
    "months_to_recovery",
)
"""KPIs of the share-withheld what-if grid."""
WHATIF_FLOOR_KPIS: tuple[str, ...] = (
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
"""KPIs of each floor's what-if grid."""
STOCKPILE_USE_COLUMNS: list[str] = [
    "holder",
    "mineral",
    "stage",
    "days_of_cover",
    "value",
    "p10",
    "p90",
]


def _assemble(
    scenario: Scenario,
    ds: Dataset,
    b: _Built,
    sim: SimResult,
    labels: list[tuple[str, ...]],
    n_draws: int,
    tornado: list[str],
    main_ctrl: int | None,
    timeseries: bool = True,
) -> Results:
    """The run's :class:`Results` (``labels``: the deterministic rows, in row order; without
    ``timeseries``, empty monthly tables)."""
    n_path = len(labels)
    months = _months_of(scenario)
    if timeseries:
        ts, bands = _iamc_frames(scenario, b, sim, [d.strftime("%Y-%m-01") for d in months])
    else:
        ts = _empty_frame(IAMC_COLUMNS)
        bands = _empty_frame([*IAMC_COLUMNS[:-1], "quantile", "value"])
    tot = sim.totals
    # NOTE: the KPIs of every row once; the central run, the draws, the tornado and the
    # what-if grid are slices of it (each KPI is computed row by row).
    per_row = _kpi_rows(b, tot, -1)
    central = {k: v[0:1] for k, v in per_row.items()}
    mc = {k: v[n_path:] for k, v in per_row.items()} if n_draws > 0 else None
    kpis = _kpi_frame(b, central, mc, tot, months)
    return Results(
        scenario=scenario,
        stockpile_use=_stockpile_use(b, tot, n_path, n_draws),
        timeseries=ts,
        bands=bands,
        kpis=kpis,
        sensitivity=_sensitivity(b, per_row, labels, tornado),
        whatif=_whatif(b, per_row, labels, main_ctrl),
        sources=tuple(sorted(set(b.sources) | set(scenario.source_ids))),
        data_vintage=str(ds.vintage),
        price_basis=b.price_basis.copy(),
    )


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    """A monthly table with its columns and no rows (numbers float, labels object)."""
    numeric = ("value", "quantile")
    return pd.DataFrame({c: pd.Series(dtype=float if c in numeric else object) for c in columns})


def _iamc_frames(
    scenario: Scenario, b: _Built, sim: SimResult, times: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(timeseries: the central path, bands: P10/P50/P90 of the draws) in IAMC long format."""
    mk = b.markets
    var_names = {
        q: [cl.variable(q, mk.mineral[j], mk.stage[j]) for j in range(mk.size)]
        for q in cl.QUANTITIES
    }
    t = np.array(times)
    p0 = b.p0_product_usd_per_kg
    contract = (b.contract_share, b.contract_lag)
    items = _series(mk, p0, sim.paths, lambda a: a[:, 0, :], contract=contract)
    ts = _long_frame(items, t, var_names, scenario.id)
    ts = ts[IAMC_COLUMNS]
    band_parts = []
    for qi, qv in enumerate((0.1, 0.5, 0.9)):
        items = _series(mk, p0, sim.bands, lambda a, qi=qi: a[:, qi, :], bands=True)
        bf = _long_frame(items, t, var_names, scenario.id)
        bf["quantile"] = qv
        band_parts.append(bf)
    bands = pd.concat(band_parts, ignore_index=True)[
        ["model", "scenario", "region", "variable", "unit", "time", "quantile", "value"]
    ]
    return ts, bands


def _series(
    mk: Markets,
    p0: np.ndarray,
    store: dict[str, np.ndarray],
    pick: Any,
    bands: bool = False,
    contract: tuple[np.ndarray, int] | None = None,
) -> list[tuple[str, str, str, np.ndarray]]:
    """(quantity, region, unit, (T, M) array in output units).

    Bands carry prices, world supply and demand, shortfalls, exports and stocks (a
    quantile of a sum is not the sum of quantiles, so regional supply/demand have none).
    ``contract`` = (contract share per market, lag in months) adds each region's
    volume-weighted price where the share is above 0 (methodology §22; central path only).
    """
    # NOTE: prices are reported per kg of the quoted product (USD/kg Li₂CO₃, NdPr oxide),
    # as the data and scenario prices are written (``p0``); money uses the quantity basis.
    q0 = mk.q0_t
    out = []
    for reg, key in (("China", "china"), ("Alliance", "alliance"), ("Rest of World", "row")):
        out.append(("Price", reg, pick(store[f"price_{key}"]) * p0))
        if contract is not None and not bands and bool((contract[0] > 0).any()):
            spot = pick(store[f"price_{key}"]) * p0
            vw = volume_weighted_price(spot, contract[0], contract[1], p0)
            out.append(("Price Volume-Weighted", reg, vw))
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


def _long_frame(
    items: list[tuple[str, str, str, np.ndarray]],
    times: np.ndarray,
    var_names: dict[str, list[str]],
    scenario_id: str,
) -> pd.DataFrame:
    """IAMC long frame of the series in ``items``: a market's series is left out where it is
    not finite (e.g. no base price -> no Price) or, for stocks and money, zero throughout."""
    t_n = len(times)
    values = np.stack([arr for _q, _r, _u, arr in items])  # (S, T, M)
    keep = np.all(np.isfinite(values), axis=1)  # (S, M)
    sparse = np.array(
        [q in ("Stockpile", "Tariff Revenue", "Fiscal Cost") for q, _r, _u, _a in items]
    )
    keep &= ~(sparse[:, None] & ~np.any(values != 0, axis=1))
    s_idx, m_idx = np.nonzero(keep)
    n_ser = s_idx.size
    region = [items[si][1] for si in s_idx]
    unit = [items[si][2] for si in s_idx]
    var = [var_names[items[si][0]][mj] for si, mj in zip(s_idx, m_idx, strict=True)]
    vals = values[s_idx, :, m_idx]  # (n_ser, T)
    return pd.DataFrame(
        {
            "model": repeated_strings([MODEL_NAME], n_ser * t_n),
            "scenario": repeated_strings([scenario_id], n_ser * t_n),
            "region": repeated_strings(region, t_n),
            "variable": repeated_strings(var, t_n),
            "unit": repeated_strings(unit, t_n),
            "time": _strings(list(times), np.tile(np.arange(t_n, dtype=np.int32), n_ser)),
            "value": vals.reshape(-1),
        }
    )


def repeated_strings(labels: list[str], times: int) -> pd.api.extensions.ExtensionArray:
    """``np.repeat(labels, times)`` as pandas' ``str`` column, built by Arrow from the distinct
    labels and their codes: the same column as pandas would infer from the object array, five
    times faster (a run's IAMC frames have up to a hundred thousand rows of a few hundred labels).
    """
    uniq, codes = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return _strings(uniq.tolist(), np.repeat(codes.astype(np.int32), times))


def _strings(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as pandas' ``str`` column: Arrow decodes the codes where pandas keeps
    its strings in Arrow; without pyarrow (an optional extra) pandas converts the objects."""
    dtype = pd.api.types.pandas_dtype("str")
    if getattr(dtype, "storage", None) != "pyarrow":
        return pd.array(np.asarray(labels, dtype=object)[codes], dtype=dtype)
    import pyarrow as pa

    decoded = pa.DictionaryArray.from_arrays(
        pa.array(codes), pa.array(labels, pa.large_string())
    ).dictionary_decode()
    return pd.array(decoded, dtype=dtype)


def _sensitivity(
    b: _Built,
    per_row: dict[str, np.ndarray],
    labels: list[tuple[str, ...]],
    tornado: list[str],
) -> pd.DataFrame:
    """One-at-a-time sensitivity of the headline KPIs (the tornado)."""
    mk = b.markets
    sens = []
    for p in tornado:
        lo = labels.index(("tornado", p, "low"))
        hi = labels.index(("tornado", p, "high"))
        lo_in, hi_in = b.low[p], b.high[p]
        if p == "elasticity_demand_lr":  # the rows use it no weaker than the short-run value
            sr = b.central["elasticity_demand_sr"]
            lo_in, hi_in = np.minimum(lo_in, sr), np.minimum(hi_in, sr)
        for j in range(mk.size):
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
    return pd.DataFrame(sens, columns=SENSITIVITY_COLUMNS)


def _whatif(
    b: _Built,
    per_row: dict[str, np.ndarray],
    labels: list[tuple[str, ...]],
    main_ctrl: int | None,
) -> pd.DataFrame:
    """The what-if grid of the in-page slider: one row per lever level, market and KPI."""
    mk = b.markets
    wi = []
    for r, lab in enumerate(labels):
        if lab[0] != "whatif":
            continue
        lever, value = lab[1], float(lab[2])
        if lever == "share_withheld":
            cols = b.ctrl_markets[main_ctrl] if main_ctrl is not None else []
            kpis_w = WHATIF_SHARE_KPIS
        else:
            cols = [int(b.floors.market[int(lab[3])])]
            kpis_w = WHATIF_FLOOR_KPIS
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
    return pd.DataFrame(wi, columns=WHATIF_COLUMNS)


def _stockpile_use(
    b: _Built, tot: dict[str, np.ndarray], n_path: int, n_draws: int
) -> pd.DataFrame:
    """Days of its own demand each stockpile used: central run, P10/P90 over the draws."""
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
    return pd.DataFrame(st_recs, columns=STOCKPILE_USE_COLUMNS)
