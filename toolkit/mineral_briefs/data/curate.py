"""Refresh: build the curated tables of ``data/`` from official releases and hand-written records.

Run once per data refresh (not at brief time)::

    python -m mineral_briefs.data.curate --reference ../shared/reference --out data

Inputs: the IEA Critical Minerals Dataset workbook (read with
:func:`mineral_briefs.data.readers.read_iea_cmd_workbook`) and the transcribed USGS MCS 2026 world
tables, prices and US net import reliance, all found in the reference folder given by path; and
the hand-written records of ``data/curated/`` (sources, Japan, policy timeline, seed claims,
demand multiples, price defaults, production shares; read by :mod:`mineral_briefs.data.records`).
Every output row carries a source id and a confidence label; the tables are then validated
with :func:`mineral_briefs.data.load_dataset`, so this script cannot write a folder that does not
load.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from mineral_briefs.data.countries import to_country_id
from mineral_briefs.data.readers import USGS_BASIS, complete_other_rows, read_iea_cmd_workbook
from mineral_briefs.data.records import CURATED_DIR, read_records
from mineral_briefs.data.schemas import PRICE_UNITS, TABLES
from mineral_briefs.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_REFERENCE: Final[Path] = Path("../shared/reference")
"""Reference folder the refresh command reads when ``--reference`` is not given."""

IEA_WORKBOOK: Final[str] = "iea_critical_minerals_dataset_gcmo2025.xlsx"

MINERAL_IDS: Final[dict[str, str]] = {
    "graphite_natural": "graphite",
    "magnet_rare_earths_NdPrDyTb": "magnet_rees",
}

# --- sources -------------------------------------------------------------------------------


def _conf(text: str) -> str:
    low = str(text).lower()
    if "unconfirmed" in low:
        return "unconfirmed"
    if (
        low.startswith("confirmed (stored")
        or low.startswith("confirmed (iea")
        or low in ("confirmed", "primary dataset")
    ):
        return "confirmed"
    return "secondary"


def _country(name: str, where: str) -> str:
    cid = to_country_id(name)
    if cid is None:
        raise DataError(f"{where}: unknown country {name!r}")
    return cid


def _unit(text: str) -> str:
    head = str(text).split()[0]
    return {"t": "t", "kt": "kt", "kg": "kg", "share": "%"}[head]


# --- production ----------------------------------------------------------------------------


def build_production(ref: Path, iea: pd.DataFrame, curated: Path = CURATED_DIR) -> pd.DataFrame:
    """USGS mine/refinery tables (MCS 2026, older vintages apart) + IEA supply + shares."""
    src = pd.read_csv(ref / "data" / "mine_production.csv", dtype=str, keep_default_na=False)
    src = src.loc[src["source_id"].str.startswith("USGS") & (src["value"] != "")]
    recs = []
    for i, r in enumerate(src.itertuples(index=False), start=2):
        mineral = MINERAL_IDS.get(r.mineral, r.mineral)
        stage = "mining" if r.stage.startswith("mine") else "refining"
        sid = r.source_id
        status = "estimate" if r.status.startswith("estimate") else "reported"
        note = r.note.strip()
        if mineral in ("lithium", "antimony") and "World" in r.country:
            note = "; ".join(x for x in ("world total excludes US output (withheld)", note) if x)
        recs.append(
            dict(
                mineral=mineral,
                stage=stage,
                country=_country(r.country, f"mine_production:{i}"),
                year=int(r.year),
                source_id=sid,
                value=float(r.value),
                unit=_unit(r.unit),
                basis=USGS_BASIS[mineral],
                status=status,
                confidence=_conf(r.confidence),
                note=note,
            )
        )
    usgs = pd.DataFrame(recs)
    if (usgs["stage"] == "refining").any():
        usgs.loc[(usgs["mineral"] == "copper") & (usgs["stage"] == "refining"), "basis"] = (
            "refined copper (primary + secondary)"
        )
    # NOTE: groups without a World row cannot be checked (countries + Other = World) and are
    # dropped: US copper mine output of the MCS 2026 salient statistics, MCS 2025 REE 2023.
    has_world = usgs.groupby(["mineral", "stage", "year", "source_id"])["country"].transform(
        lambda c: (c == "World").any()
    )
    dropped = usgs.loc[~has_world]
    if len(dropped):
        logger.info("dropped %d USGS rows without a World total", len(dropped))
    usgs = usgs.loc[has_world]

    out = pd.concat([usgs, iea, *_curated_rows("production", curated)], ignore_index=True)
    out = complete_other_rows(out)
    _note_unbalanced_worlds(out)
    return out[TABLES["production"].column_names]


def _curated_rows(table: str, curated: Path = CURATED_DIR) -> list[pd.DataFrame]:
    """The hand-written records the refresh adds to ``table`` (beside the official releases)."""
    if table == "demand":
        return [read_records("demand", curated)]
    if table != "production":
        return []
    shares = read_records("production_shares", curated)
    # A share table is complete by definition: each block gets its 100 % World row.
    worlds = shares.drop_duplicates(["mineral", "stage", "year", "source_id"]).copy()
    worlds["country"], worlds["value"], worlds["note"] = "World", 100.0, "100% by definition"
    shares = pd.concat([shares, worlds], ignore_index=True)
    # NOTE: element-level rare earths (NdPr, Dy, Tb, other M/HREE, La/Ce, NdPr metal) are
    # derived tonnes written by hand with the formula in each note (production_elements.csv).
    return [shares, read_records("production_elements", curated)]


def _note_unbalanced_worlds(out: pd.DataFrame) -> None:
    """Say on each World row whose listed parts miss it by over 2 % what they add up to."""
    # NOTE: the IEA nickel blocks do not add up as published (countries + Rest of world exceed
    # "Total" by 2.6-3.2 % in 2024/2030). Values stay as published; the World rows say so.
    world = out["country"] == "World"
    parts = out.loc[~world].groupby(["mineral", "stage", "year", "source_id", "unit"])["value"]
    sums = parts.sum()
    for idx in out.index[world]:
        r = out.loc[idx]
        total = sums.get((r["mineral"], r["stage"], r["year"], r["source_id"], r["unit"]))
        if total is not None and r["value"] > 0 and abs(total / r["value"] - 1) > 0.02:
            gap = 100 * (total / r["value"] - 1)
            out.loc[idx, "note"] = "; ".join(
                x
                for x in (
                    f"as published: listed countries + Other = {total:,.1f} {r['unit']} "
                    f"({gap:+.1f}% vs this total)",
                    str(r["note"] or ""),
                )
                if x
            )


def release_rows(
    table: str, rows: pd.DataFrame, source_id: str, curated: Path = CURATED_DIR
) -> pd.DataFrame:
    """The rows of ``source_id`` in ``table`` as the refresh writes them, from a release's rows.

    ``mineral-briefs data import`` replaces a source's rows with these: the release's rows plus
    the hand-written records that carry the same source id (e.g. IEA refining shares applied to
    NdPr oxide), with the refresh's derived ``Other`` rows and computed notes ("as published: …"
    on World rows whose parts do not add up). So importing the release the folder was built
    from changes no byte, and drops no curated row or note.
    """
    extra = [df.loc[df["source_id"] == source_id] for df in _curated_rows(table, curated)]
    out = pd.concat([rows, *[df for df in extra if len(df)]], ignore_index=True)
    if table == "production" and len(out):
        out = complete_other_rows(out)
        _note_unbalanced_worlds(out)
    return out.loc[out["source_id"] == source_id].reset_index(drop=True)


def build_reserves(ref: Path) -> pd.DataFrame:
    """USGS reserves by country (rows without a figure are left out)."""
    src = pd.read_csv(ref / "data" / "reserves.csv", dtype=str, keep_default_na=False)
    recs = []
    for i, r in enumerate(src.itertuples(index=False), start=2):
        if r.value == "":
            continue  # NOTE: "NA" / "included in world total" rows carry no figure
        mineral = MINERAL_IDS.get(r.mineral, r.mineral)
        recs.append(
            dict(
                mineral=mineral,
                country=_country(r.country, f"reserves:{i}"),
                source_id=r.source_id,
                value=float(r.value),
                unit=_unit(r.unit),
                qualifier=">" if r.qualifier == ">" else "",
                confidence=_conf(r.confidence),
                note="; ".join(x for x in (USGS_BASIS[mineral], "as of 2025", r.note.strip()) if x),
            )
        )
    return pd.DataFrame(recs)[TABLES["reserves"].column_names]


# --- prices --------------------------------------------------------------------------------

PRICE_MINERAL: Final[dict[str, str]] = {
    "ndpr": "magnet_rees",
    "neodymium": "magnet_rees",
    "praseodymium": "magnet_rees",
    "dysprosium": "magnet_rees",
    "terbium": "magnet_rees",
    "lanthanum": "rare_earths",
    "cerium": "rare_earths",
    "gadolinium": "rare_earths",
    "europium": "rare_earths",
}
W_PER_MTU_WO3_KG: Final[float] = 7.93
"""kg of contained W in one metric ton unit (10 kg) of WO3 [kg]."""


def _usd_per_kg(value: float, unit: str) -> float:
    factor = PRICE_UNITS[unit]
    if factor is None:  # USD/mtu WO3 -> USD per kg contained W
        return value / W_PER_MTU_WO3_KG
    return value * factor


def build_prices(ref: Path) -> pd.DataFrame:
    """Price points and annual averages with their period and a USD/kg value."""
    src = pd.read_csv(ref / "data" / "prices.csv", dtype=str, keep_default_na=False)
    recs = []
    for r in src.itertuples(index=False):
        if r.source_id == "MEMORY":
            continue  # NOTE: Dy/Tb 2024 'annual averages' from memory; dated points kept
        mineral = MINERAL_IDS.get(r.commodity, r.commodity)
        if mineral == "rare_earths":
            first = r.form.split()[0].lower()
            mineral = PRICE_MINERAL.get(first, "rare_earths")
        text = r.value.replace(",", "")
        note = r.note.strip()
        if "-" in text:
            lo, hi = (float(x) for x in text.split("-"))
            value = (lo + hi) / 2
            note = "; ".join(
                x for x in (f"assessed range {lo:g}-{hi:g} {r.unit}; value = midpoint", note) if x
            )
        else:
            value = float(text)
        period = r.period
        if period.startswith("annual average") or re.fullmatch(r"\d{4}", period):
            ptype = "annual"
            start, end, label = f"{r.year}-01-01", f"{r.year}-12-31", str(r.year)
            if "estimate" in period:
                note = "; ".join(x for x in ("annual average, estimate", note) if x)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", period):
            ptype, start, end, label = "assessment", period, period, period
        elif period.startswith("2025-04"):
            ptype, start, end, label = "assessment", "2025-04-01", "2025-04-10", "2025-04-early"
            note = "; ".join(x for x in ("early April 2025", note) if x)
        else:
            raise DataError(f"prices: unknown period {period!r}")
        product = r.form
        market = r.basis
        if r.source_id == "DOD_MP_2025":
            product, market = "NdPr oxide (price floor)", "US DoD-MP Materials agreement"
            note = (
                "price floor, not a market price: DoD pays MP the gap to 110 USD/kg for 10 "
                "years from Q4 2025"
            )
        usd = _usd_per_kg(value, r.unit)
        if r.unit == "USD/mtu WO3":
            note = "; ".join(
                x
                for x in (
                    "usd_per_kg = per kg contained W (1 mtu WO3 = 7.93 kg W)",
                    note.replace(
                        "USD/kg column = USD per kg contained W (1 mtu WO3 = 7.93 kg W). ", ""
                    ),
                )
                if x
            )
        recs.append(
            dict(
                mineral=mineral,
                product=product,
                market=market,
                period=label,
                source_id=r.source_id,
                period_start=start,
                period_end=end,
                period_type=ptype,
                value=value,
                unit=r.unit,
                usd_per_kg=round(usd, 4),
                confidence=_conf(r.confidence),
                note=note,
            )
        )
    out = pd.concat(
        [pd.DataFrame(recs), read_records("prices_elements", CURATED_DIR)], ignore_index=True
    )
    return out[TABLES["prices"].column_names]


def build_price_defaults(curated: Path = CURATED_DIR) -> pd.DataFrame:
    """The price series each (mineral, stage) uses by default (hand-written records)."""
    return read_records("price_defaults", curated)


# --- demand and multiples ------------------------------------------------------------------


def build_demand(iea_demand: pd.DataFrame, curated: Path = CURATED_DIR) -> pd.DataFrame:
    """IEA CMD 2025 demand plus the hand-written rows of other outlooks (GCMO 2024 nickel)."""
    return pd.concat([iea_demand, read_records("demand", curated)], ignore_index=True)


def build_demand_multiples(iea_demand: pd.DataFrame, curated: Path = CURATED_DIR) -> pd.DataFrame:
    """Published demand multiples (hand-written) plus the 2040/2024 IEA ratios computed here."""
    cols = TABLES["demand_multiples"].column_names
    rows = read_records("demand_multiples", curated)
    base = iea_demand.loc[iea_demand["year"] == 2024].set_index(["mineral", "scenario"])["value"]
    tgt = iea_demand.loc[iea_demand["year"] == 2040].set_index(["mineral", "scenario"])["value"]
    ratio = (tgt / base).dropna()
    computed = [
        (
            m,
            "IEA_CMD2025",
            s,
            2024,
            2040,
            round(float(v), 3),
            round(float(v), 3),
            "confirmed",
            "total demand 2040 / 2024 (computed from demand.csv)",
        )
        for (m, s), v in ratio.items()
    ]
    return pd.concat([rows, pd.DataFrame(computed, columns=cols)], ignore_index=True)


# --- US import reliance, Japan ------------------------------------------------------------


def build_import_reliance(ref: Path) -> pd.DataFrame:
    """US net import reliance [%] per mineral and year (USGS salient statistics)."""
    src = pd.read_csv(ref / "data" / "net_import_reliance.csv", dtype=str, keep_default_na=False)
    recs = []
    for r in src.itertuples(index=False):
        mineral = MINERAL_IDS.get(r.mineral, r.mineral)
        note = f"{r.basis}; {r.denominator}"
        if r.status == "estimate":
            note += "; estimate"
        if r.note.strip():
            note += "; " + r.note.strip()
        recs.append(
            dict(
                country="USA",
                mineral=mineral,
                year=int(r.year),
                source_id=r.source_id,
                value_pct=float(r.value_pct),
                qualifier=r.qualifier.strip(),
                confidence=_conf(r.confidence),
                note=note,
            )
        )
    return pd.DataFrame(recs)[TABLES["import_reliance"].column_names]


def build_dependence(curated: Path = CURATED_DIR) -> pd.DataFrame:
    """Other countries' dependence indicators (Japan; hand-written records)."""
    return read_records("dependence", curated)


# --- policy timeline, seed claims -----------------------------------------------------------


def build_policy_events(curated: Path = CURATED_DIR) -> pd.DataFrame:
    """The policy timeline in date order (hand-written records)."""
    df = read_records("policy_events", curated)
    return df.sort_values(["date", "event_id"]).reset_index(drop=True)


def build_seed_claims(curated: Path = CURATED_DIR) -> pd.DataFrame:
    """The seed articles' claims with the verdict the primary data give (hand-written)."""
    return read_records("seed_claims", curated)


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() else format(f, ".10g")
    return str(v)


def build_all(reference: Path, curated: Path = CURATED_DIR) -> dict[str, pd.DataFrame]:
    """Every curated table (not model_parameters/observations, which the engine owns).

    Parameters
    ----------
    reference : Path
        Folder of the official release files (``data/`` inside it holds the IEA workbook and
        the transcribed USGS tables).
    curated : Path
        Folder of the hand-written records (default ``data/curated/`` of this checkout).
    """
    iea = read_iea_cmd_workbook(reference / "data" / IEA_WORKBOOK)
    return {
        "sources": read_records("sources", curated),
        "production": build_production(reference, iea["production"], curated),
        "reserves": build_reserves(reference),
        "prices": build_prices(reference),
        "demand": build_demand(iea["demand"], curated),
        "demand_multiples": build_demand_multiples(iea["demand"], curated),
        "import_reliance": build_import_reliance(reference),
        "dependence": build_dependence(curated),
        "policy_events": build_policy_events(curated),
        "seed_claims": build_seed_claims(curated),
        "price_defaults": build_price_defaults(curated),
        "cost_curves": read_records("cost_curves", curated),
    }


def write_tables(tables: dict[str, pd.DataFrame], out: Path) -> None:
    """Write tables as UTF-8 CSV with ``\\n`` line ends, sorted by key for stable diffs."""
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        spec = TABLES[name]
        df = df.sort_values(list(spec.key), kind="stable") if name != "policy_events" else df
        df[spec.column_names].map(_fmt).to_csv(out / spec.file, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    """Command line: build ``data/`` from the reference folder and validate it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help="folder of the official release files (default: %(default)s)",
    )
    parser.add_argument(
        "--curated",
        type=Path,
        default=CURATED_DIR,
        help="folder of the hand-written records (default: data/curated of this checkout)",
    )
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    tables = build_all(args.reference, args.curated)
    existing = args.out / "sources.csv"
    if existing.is_file():
        # NOTE: keep source rows other layers added (e.g. the engine's ASSUMPTION id).
        old = pd.read_csv(existing, dtype=str, keep_default_na=False)
        extra = old.loc[~old["source_id"].isin(tables["sources"]["source_id"])]
        tables["sources"] = pd.concat([tables["sources"], extra], ignore_index=True)
    write_tables(tables, args.out)
    from mineral_briefs.data import load_dataset

    ds = load_dataset(args.out)
    for name in TABLES:
        logger.info("%-18s %5d rows", name, len(ds.table(name)))
    return 0


_LEGACY_RECORDS: Final[dict[str, str]] = {
    "SOURCES": "sources",
    "PRICE_DEFAULTS": "price_defaults",
    "DEPENDENCE": "dependence",
    "EVENTS": "policy_events",
    "SEED_CLAIMS": "seed_claims",
}


def __getattr__(name: str) -> object:
    # NOTE: these records were Python literals here before they became files of data/curated/;
    # the old names still answer, read from the files on first use (never at import).
    if name in _LEGACY_RECORDS:
        df = read_records(_LEGACY_RECORDS[name])
        if name == "SOURCES":
            return df.to_dict("records")
        return list(df.itertuples(index=False, name=None))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
