"""Data layer: the only code that reads the curated tables in ``data/``.

>>> from toolkit.data import load_dataset, market_base, base_price
>>> ds = load_dataset()                       # validated, cached per folder + file stats
>>> ds.production.query("mineral == 'cobalt'")
>>> market_base(ds, year=2024)                # engine inputs in tonnes with shares
>>> base_price(ds, "magnet_rees", "refining")  # (usd_per_kg, source_id, confidence)
>>> price_basis(ds, "lithium", "refining").factor  # 5.323 kg Li2CO3 per kg Li content

Every problem in every table is reported at once as one :class:`toolkit.errors.DataError`
naming file, row, column and what is allowed. See ``data/README.md`` for the contract.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import pandas as pd

from toolkit.data.schemas import (
    MASS_UNITS_T,
    TABLES,
    Problem,
    empty_frame,
    split_multi,
    validate_table,
)
from toolkit.errors import DataError
from toolkit.vocab import CONFIDENCE

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.data.readers import ImportReport

__all__ = [
    "DATA_ENV_VAR",
    "Dataset",
    "MARKET_BASE_COLUMNS",
    "ImportReport",
    "PriceBasis",
    "base_price",
    "check_totals",
    "conversion_factor",
    "clear_cache",
    "default_data_dir",
    "import_release",
    "load_dataset",
    "market_base",
    "price_basis",
    "quantity_basis",
]

logger = logging.getLogger(__name__)

DATA_ENV_VAR: Final[str] = "MINERAL_BRIEFS_DATA"
"""Environment variable that points at an alternative data folder."""

MAX_PROBLEMS_SHOWN: Final[int] = 200

MARKET_BASE_COLUMNS: Final[tuple[str, ...]] = (
    "mineral",
    "stage",
    "country",
    "quantity_t",
    "share",
    "source_id",
    "confidence",
)
"""Columns of :func:`market_base`, the engine's input layout."""


@dataclass(frozen=True)
class Dataset:
    """Validated tables of one data folder (treat the frames as read-only; copy to edit).

    Attributes
    ----------
    data_dir : Path
        Folder the tables were read from.
    sources, production, reserves, prices, demand, demand_multiples, import_reliance,
    dependence, policy_events, model_parameters, observations, seed_claims, price_defaults,
    conversions : DataFrame
        One frame per CSV, columns as in ``docs/architecture.md`` / ``data/README.md``.
    checksums : Mapping[str, str]
        CSV file name -> sha256 hex digest (render cache keys use it).
    vintage : str
        Short label of the main data editions, e.g. ``"USGS MCS 2026 · IEA CMD 2025"``.
    """

    data_dir: Path
    sources: pd.DataFrame
    production: pd.DataFrame
    reserves: pd.DataFrame
    prices: pd.DataFrame
    demand: pd.DataFrame
    demand_multiples: pd.DataFrame
    import_reliance: pd.DataFrame
    dependence: pd.DataFrame
    policy_events: pd.DataFrame
    model_parameters: pd.DataFrame
    observations: pd.DataFrame
    seed_claims: pd.DataFrame
    price_defaults: pd.DataFrame
    conversions: pd.DataFrame
    checksums: Mapping[str, str]
    vintage: str

    def table(self, name: str) -> pd.DataFrame:
        """A table by name (``"production"`` …); raises :class:`DataError` if unknown."""
        if name not in TABLES:
            raise DataError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        return getattr(self, name)  # type: ignore[no-any-return]

    def source(self, source_id: str) -> dict[str, object]:
        """The sources-table record of one source id."""
        hit = self.sources.loc[self.sources["source_id"] == source_id]
        if hit.empty:
            raise DataError(f"source id {source_id!r} is not in sources.csv")
        return dict(hit.iloc[0])

    def sources_for(self, source_ids: list[str] | set[str] | tuple[str, ...]) -> pd.DataFrame:
        """Rows of the sources table for the given ids (``;``-lists are split), sorted."""
        wanted: set[str] = set()
        for sid in source_ids:
            wanted.update(split_multi(sid))
        out = self.sources.loc[self.sources["source_id"].isin(wanted)]
        return out.sort_values("source_id").reset_index(drop=True)


def default_data_dir() -> Path:
    """The data folder used when none is given.

    Order: the ``MINERAL_BRIEFS_DATA`` environment variable; then ``data/`` next to the
    ``toolkit`` package (source checkout or editable install); then ``./data``.
    """
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    beside = Path(__file__).resolve().parents[2] / "data"
    if (beside / "sources.csv").is_file():
        return beside
    # NOTE: a wheel install has no data/ beside the package; fall back to the working dir.
    return (Path.cwd() / "data").resolve()


_CACHE: dict[tuple[object, ...], Dataset] = {}
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached :class:`Dataset` (tests; after editing files in place)."""
    with _LOCK:
        _CACHE.clear()


def _stat_key(data_dir: Path) -> tuple[object, ...]:
    parts: list[object] = [str(data_dir)]
    for spec in TABLES.values():
        path = data_dir / spec.file
        try:
            st = path.stat()
        except FileNotFoundError:
            parts.append((spec.file, None))
            continue
        parts.append((spec.file, st.st_mtime_ns, st.st_size))
    return tuple(parts)


def load_dataset(data_dir: str | Path | None = None) -> Dataset:
    """Read and validate every table of a data folder.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the CSVs; default :func:`default_data_dir`.

    Returns
    -------
    Dataset
        Cached per folder and file (mtime, size): a second call with unchanged files is free.

    Raises
    ------
    DataError
        Listing every problem of every table (file, row, line, column, what is allowed),
        or when the folder or a required table is missing.
    """
    folder = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist; pass data_dir or set {DATA_ENV_VAR}")
    key = _stat_key(folder)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    dataset = _load_uncached(folder)
    with _LOCK:
        _CACHE[key] = dataset
    return dataset


def _label(folder: Path, file: str) -> str:
    return f"{folder.name}/{file}"


def _read_raw(path: Path) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    raw = pd.read_csv(
        io.BytesIO(data),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8",
        skipinitialspace=False,
    )
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, digest


def _load_uncached(folder: Path) -> Dataset:
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    checksums: dict[str, str] = {}
    for name, spec in TABLES.items():
        path = folder / spec.file
        label = _label(folder, spec.file)
        if not path.is_file():
            if spec.optional_file:
                logger.warning("%s is missing: %s is an empty table", label, name)
                frames[name] = empty_frame(spec)
                continue
            problems.append(Problem(label, None, None, "required table file is missing"))
            frames[name] = empty_frame(spec)
            continue
        try:
            raw, digest = _read_raw(path)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            problems.append(Problem(label, None, None, f"cannot be parsed as CSV: {exc}"))
            frames[name] = empty_frame(spec)
            continue
        checksums[spec.file] = digest
        frame, table_problems = validate_table(raw, spec, label)
        problems.extend(table_problems)
        frames[name] = frame

    known = set(frames["sources"]["source_id"].dropna())
    for name, spec in TABLES.items():
        if name == "sources" or "source_id" not in frames[name].columns:
            continue
        col = frames[name]["source_id"]
        label = _label(folder, spec.file)
        for i, cell in enumerate(col.tolist()):
            if cell is None or pd.isna(cell):
                continue
            for sid in split_multi(cell):
                if sid not in known:
                    problems.append(
                        Problem(
                            label,
                            i + 1,
                            "source_id",
                            f"source id '{sid}' is not in sources.csv (add it there first)",
                        )
                    )

    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        lines = [f"{len(problems)} problem(s) in the data folder {folder}:"]
        lines += [f"  - {p}" for p in shown]
        if more:
            lines.append(f"  … and {more} more")
        raise DataError("\n".join(lines))

    for name in TABLES:
        frames[name] = frames[name].reset_index(drop=True)
    return Dataset(
        data_dir=folder,
        checksums=MappingProxyType(dict(sorted(checksums.items()))),
        vintage=_vintage(frames["production"]),
        **frames,
    )


_VINTAGE_RE = re.compile(r"^([A-Z]+)_([A-Z]+?)(\d{4})$")


def _vintage(production: pd.DataFrame) -> str:
    """Label the two main editions by their row count in the production table."""
    counts = production["source_id"].value_counts()
    labels = []
    for sid in counts.index[:2]:
        m = _VINTAGE_RE.match(str(sid))
        labels.append(f"{m.group(1)} {m.group(2)} {m.group(3)}" if m else str(sid))
    # NOTE: reverse alphabetical puts "USGS MCS …" before "IEA CMD …", as the docs quote it.
    return " · ".join(sorted(labels, reverse=True)) if labels else "no data"


def check_totals(dataset: Dataset, rel_tol: float = 0.02) -> pd.DataFrame:
    """Groups of the production table where countries + Other differ from World.

    Parameters
    ----------
    dataset : Dataset
    rel_tol : float
        Allowed relative gap [-]; USGS rounds world totals to 2–3 significant figures.

    Returns
    -------
    DataFrame
        ``mineral, stage, year, source_id, unit, world, sum_rows, gap`` for every group that
        misses its World row or misses by more than ``rel_tol`` (empty when all add up).
    """
    prod = dataset.production
    keys = ["mineral", "stage", "year", "source_id", "unit"]
    is_world = prod["country"] == "World"
    parts = prod.loc[~is_world].groupby(keys, dropna=False)["value"].sum().rename("sum_rows")
    world = prod.loc[is_world].groupby(keys, dropna=False)["value"].sum().rename("world")
    both = pd.concat([world, parts], axis=1).reset_index()
    both["gap"] = (both["sum_rows"] - both["world"]) / both["world"]
    bad = both["world"].isna() | both["sum_rows"].isna() | (both["gap"].abs() > rel_tol)
    return both.loc[bad].reset_index(drop=True)


# --- engine inputs -------------------------------------------------------------------------

MARKET_SOURCE_PREFERENCE: Final[dict[str, tuple[str, ...]]] = {
    # NOTE: mine output defaults to USGS (country coverage, the figure briefs quote); refining
    # and magnet-REE stages default to the IEA dataset, which is the only source that covers
    # them by country. Gallium refining exists only in USGS. Sources are never mixed within a
    # (mineral, stage) group.
    "mining": ("USGS_MCS2026", "IEA_CMD2025", "USGS_MCS2025_SEC"),
    "refining": ("IEA_CMD2025", "USGS_MCS2026"),
}


def market_base(
    dataset: Dataset,
    year: int = 2024,
    source_preference: Mapping[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Production by country in tonnes and shares of World, one source per (mineral, stage).

    Parameters
    ----------
    dataset : Dataset
    year : int
        Data year [a].
    source_preference : mapping of stage -> tuple of source ids, optional
        Order in which sources are tried per stage; default
        :data:`MARKET_SOURCE_PREFERENCE`. Any other source with tonnage data for the group
        is used last, in alphabetical order.

    Returns
    -------
    DataFrame
        ``mineral, stage, country, quantity_t, share, source_id, confidence``: every country
        row and ``Other`` (``World`` is not a row; ``share`` = quantity / World [0–1], so the
        shares sum to 1 within the source's rounding). Stages with share data only
        (``magnets``) are not included.
    """
    prefs = dict(MARKET_SOURCE_PREFERENCE if source_preference is None else source_preference)
    prod = dataset.production
    rows = prod.loc[(prod["year"] == year) & prod["unit"].isin(list(MASS_UNITS_T))]
    out = []
    for (mineral, stage), grp in rows.groupby(["mineral", "stage"], sort=True):
        available = set(grp.loc[grp["country"] == "World", "source_id"])
        order = [s for s in prefs.get(str(stage), ()) if s in available]
        order += sorted(available - set(order))
        if not order:
            logger.warning("no World row for %s/%s in %s: skipped", mineral, stage, year)
            continue
        chosen = grp.loc[grp["source_id"] == order[0]]
        factor = chosen["unit"].map(MASS_UNITS_T).astype(float)
        qty = chosen["value"].astype(float) * factor
        world_t = float(qty[chosen["country"] == "World"].iloc[0])
        part = chosen.loc[chosen["country"] != "World"]
        out.append(
            pd.DataFrame(
                {
                    "mineral": part["mineral"],
                    "stage": part["stage"],
                    "country": part["country"],
                    "quantity_t": qty[part.index],
                    "share": qty[part.index] / world_t if world_t > 0 else 0.0,
                    "source_id": part["source_id"],
                    "confidence": part["confidence"],
                }
            )
        )
    if not out:
        raise DataError(f"no production data with World totals for year {year}")
    frame = pd.concat(out, ignore_index=True)
    frame["_other"] = frame["country"] == "Other"
    frame = frame.sort_values(
        ["mineral", "stage", "_other", "quantity_t"], ascending=[True, True, True, False]
    )
    return frame.drop(columns="_other").reset_index(drop=True)


_CONF_RANK: Final[dict[str, int]] = {c: i for i, c in enumerate(CONFIDENCE)}


def base_price(
    dataset: Dataset, mineral: str, stage: str, year: int = 2024
) -> tuple[float, str, str]:
    """The default price of a mineral at a stage, from the series named in price_defaults.csv.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
        Ids from :mod:`toolkit.vocab`.
    year : int
        Year of the annual average [a].

    Returns
    -------
    usd_per_kg : float
        Annual average price [USD/kg] of the default *product* as quoted (per kg Li₂CO₃ for
        lithium, per kg NdPr oxide for magnet REEs) — not per kg of the market's quantity
        basis. Multiply by :func:`price_basis` ``.factor`` before pricing tonnes.
    source_id : str
    confidence : str
        The weaker of the price row's and the default choice's confidence (a proxy series,
        e.g. an oxide price used for ore, is flagged ``assumption``).

    Raises
    ------
    DataError
        When no default is declared or the series has no annual value for ``year``.
    """
    defaults = dataset.price_defaults
    pick = defaults.loc[(defaults["mineral"] == mineral) & (defaults["stage"] == stage)]
    if pick.empty:
        raise DataError(
            f"no default price for {mineral}/{stage}: add a row to "
            f"{dataset.data_dir.name}/price_defaults.csv (mineral, stage, product, market, "
            "source_id, confidence, note)"
        )
    d = pick.iloc[0]
    prices = dataset.prices
    hit = prices.loc[
        (prices["mineral"] == mineral)
        & (prices["product"] == d["product"])
        & (prices["market"] == d["market"])
        & (prices["source_id"] == d["source_id"])
        & (prices["period_type"] == "annual")
        & (prices["period_start"].dt.year == year)
    ]
    if hit.empty:
        raise DataError(
            f"prices.csv has no annual {year} value of {d['product']!r} ({d['market']}, "
            f"{d['source_id']}) named as the default for {mineral}/{stage}"
        )
    row = hit.iloc[0]
    conf = max(str(row["confidence"]), str(d["confidence"]), key=lambda c: _CONF_RANK[c])
    return float(row["usd_per_kg"]), str(row["source_id"]), conf


CONVERSIONS_FILE: Final[str] = "conversions.csv"
_CONTENT_STAGE_ORDER: Final[tuple[str, ...]] = (
    "mining",
    "refining",
    "magnets",
    "battery_materials",
)
"""Stage order of the supply chain: a share-only stage is sized by the stage before it."""


@dataclass(frozen=True)
class PriceBasis:
    """How the default price of one market relates to what a tonne of that market is.

    ``factor`` multiplies a price per kg of ``product`` into a price per kg of
    ``quantity_basis``: ``USD/kg content = USD/kg product × factor`` (for lithium
    5.323 kg Li₂CO₃ per kg Li). Money = price per kg of the quantity basis × tonnes × 1000.
    """

    mineral: str
    stage: str
    quantity_basis: str
    """What one tonne of the market is (``production.csv`` ``basis``), e.g. ``Li content``."""
    product: str
    """The priced product (``price_defaults.csv`` ``product``), e.g. lithium carbonate."""
    factor: float
    """kg of ``product`` per kg of ``quantity_basis`` [-]."""
    source_id: str
    """``;``-joined source ids of the conversion rows used (empty for an identity)."""
    confidence: str
    """The weakest confidence of the conversion rows used (``confirmed`` for an identity)."""
    path: tuple[str, ...]
    """The bases passed through, from ``quantity_basis`` to ``product``."""
    content_label: str = ""
    """Short name of the quantity basis once aliases are resolved, e.g. ``Li content``."""
    product_label: str = ""
    """Short name of the price basis, e.g. ``LCE`` (for "USD/kg LCE")."""


def conversion_factor(
    dataset: Dataset,
    mineral: str,
    from_basis: str,
    to_basis: str,
    market: str | None = None,
) -> tuple[float, str, str, tuple[str, ...]]:
    """kg of ``to_basis`` per kg of ``from_basis``, chained through ``conversions.csv``.

    Each row of the table is an edge ``from_basis → to_basis`` (``factor``) and its inverse
    (``1/factor``); rows of ``mineral`` and of ``all`` are used. The shortest chain wins.

    Parameters
    ----------
    dataset : Dataset
    mineral : str
    from_basis, to_basis : str
        Basis labels as written in ``production.csv`` (``basis``), ``price_defaults.csv``
        (``product``) or ``conversions.csv``.
    market : str, optional
        ``mineral/stage`` named in the error message.

    Returns
    -------
    factor : float
        kg of ``to_basis`` per kg of ``from_basis`` [-]; a price per kg of ``to_basis`` times
        ``factor`` is a price per kg of ``from_basis``.
    source_id : str
        ``;``-joined ids of the rows used ("" when the bases are equal).
    confidence : str
        Weakest confidence of the rows used.
    path : tuple of str
        The bases passed through.

    Raises
    ------
    DataError
        When no chain of rows links the two bases. A factor of 1 is never assumed.
    """
    if from_basis == to_basis:
        return 1.0, "", "confirmed", (from_basis,)
    conv = dataset.conversions
    rows = conv.loc[conv["mineral"].isin([mineral, "all"])]
    edges: dict[str, list[tuple[str, float, str, str]]] = {}
    for r in rows.itertuples(index=False):
        f = float(r.factor)
        edges.setdefault(str(r.from_basis), []).append(
            (str(r.to_basis), f, str(r.source_id), str(r.confidence))
        )
        edges.setdefault(str(r.to_basis), []).append(
            (str(r.from_basis), 1.0 / f, str(r.source_id), str(r.confidence))
        )
    # breadth-first: the fewest rows between the two bases
    prev: dict[str, tuple[str, float, str, str] | None] = {from_basis: None}
    frontier = [from_basis]
    while frontier and to_basis not in prev:
        nxt = []
        for node in frontier:
            for dst, f, src, conf in edges.get(node, ()):
                if dst not in prev:
                    prev[dst] = (node, f, src, conf)
                    nxt.append(dst)
        frontier = nxt
    if to_basis not in prev:
        where = f"market {market}" if market else f"mineral {mineral}"
        raise DataError(
            f"{dataset.data_dir.name}/{CONVERSIONS_FILE} has no conversion for {where} from "
            f"basis {from_basis!r} to {to_basis!r}: add a row (mineral, from_basis, to_basis, "
            "factor, source_id, confidence, note); a factor of 1 is never assumed"
        )
    factor, srcs, confs, path = 1.0, [], [], [to_basis]
    node = to_basis
    while (step := prev[node]) is not None:
        node, f, src, conf = step
        factor *= f
        srcs.extend(split_multi(src))
        confs.append(conf)
        path.append(node)
    weakest = max(confs, key=lambda c: _CONF_RANK[c])
    return factor, ";".join(dict.fromkeys(reversed(srcs))), weakest, tuple(reversed(path))


def quantity_basis(dataset: Dataset, mineral: str, stage: str, source_id: str | None = None) -> str:
    """What one tonne of a market is: the ``basis`` of the production rows that size it.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
    source_id : str, optional
        The source :func:`market_base` picked for the group; default: the first source of
        :data:`MARKET_SOURCE_PREFERENCE` that has tonnage for the group.

    Returns
    -------
    str
        E.g. ``"Li content"``. A stage with shares only (magnets, rare-earth refining) is
        sized by the stage before it, so it takes that stage's basis.

    Raises
    ------
    DataError
        When the group has no tonnage rows and no upstream stage, or the chosen source mixes
        several bases.
    """
    prod = dataset.production
    grp = prod.loc[
        (prod["mineral"] == mineral)
        & (prod["stage"] == stage)
        & prod["unit"].isin(list(MASS_UNITS_T))
    ]
    available = [str(s) for s in dict.fromkeys(grp["source_id"])]
    chosen: str | None
    if source_id in available:
        chosen = source_id
    else:
        prefs = [s for s in MARKET_SOURCE_PREFERENCE.get(stage, ()) if s in available]
        ordered = prefs or sorted(available)
        chosen = ordered[0] if ordered else None
    if chosen is None:
        order = _CONTENT_STAGE_ORDER
        if stage in order and order.index(stage) > 0:
            return quantity_basis(dataset, mineral, order[order.index(stage) - 1])
        raise DataError(
            f"{dataset.data_dir.name}/production.csv has no tonnage rows for {mineral}/{stage}: "
            "its quantity basis is unknown"
        )
    bases = sorted(set(grp.loc[grp["source_id"] == chosen, "basis"].astype(str)))
    if len(bases) != 1:
        raise DataError(
            f"{dataset.data_dir.name}/production.csv mixes bases for {mineral}/{stage} "
            f"({chosen}): " + ", ".join(repr(b) for b in bases)
        )
    return bases[0]


def price_basis(
    dataset: Dataset, mineral: str, stage: str, source_id: str | None = None
) -> PriceBasis:
    """The conversion from a market's default price product to its quantity basis.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
    source_id : str, optional
        Production source that sizes the market (see :func:`quantity_basis`).

    Returns
    -------
    PriceBasis

    Raises
    ------
    DataError
        When the market has no default price (``price_defaults.csv``) or
        ``conversions.csv`` cannot link its quantity basis to the priced product.
    """
    defaults = dataset.price_defaults
    pick = defaults.loc[(defaults["mineral"] == mineral) & (defaults["stage"] == stage)]
    if pick.empty:
        raise DataError(
            f"no default price for {mineral}/{stage}: add a row to "
            f"{dataset.data_dir.name}/price_defaults.csv (its product fixes the price basis)"
        )
    product = str(pick.iloc[0]["product"])
    qb = quantity_basis(dataset, mineral, stage, source_id)
    factor, src, conf, path = conversion_factor(
        dataset, mineral, qb, product, market=f"{mineral}/{stage}"
    )
    # NOTE: labels for text ("USD/kg LCE"): the last basis reached through factor-1 aliases
    # is what a tonne is; the basis after it is what the price is quoted on.
    last = 0
    for i in range(1, len(path) - 1):
        if abs(conversion_factor(dataset, mineral, qb, path[i])[0] - 1.0) < 1e-12:
            last = i
        else:
            break
    content_label = path[last]
    product_label = path[last + 1] if len(path) > 1 else product
    return PriceBasis(
        mineral, stage, qb, product, factor, src, conf, path, content_label, product_label
    )


def import_release(
    path: str | Path, kind: str | None = None, data_dir: str | Path | None = None
) -> ImportReport:
    """Validate an official release and write its rows into the data folder atomically.

    See :func:`toolkit.data.readers.import_release`.
    """
    from toolkit.data.readers import import_release as _impl

    return _impl(path, kind=kind, data_dir=data_dir)


def __getattr__(name: str) -> object:
    if name == "ImportReport":
        from toolkit.data.readers import ImportReport

        return ImportReport
    raise AttributeError(name)


_DATASET_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Dataset))
assert set(TABLES) <= set(_DATASET_FIELDS)
