"""Load a data folder: read every CSV, validate it against its contract, cache the result.

:func:`load_dataset` returns a :class:`Dataset` (one frame per table) or raises one
:class:`mineral_briefs.errors.DataError` listing every problem of every table at once.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Final

import pandas as pd

from mineral_briefs import locations
from mineral_briefs.data import validated_cache
from mineral_briefs.data.schemas import TABLES, Problem, empty_frame, split_multi, validate_table
from mineral_briefs.data.schemas.cross_checks import cross_check
from mineral_briefs.errors import DataError

logger = logging.getLogger(__name__)

DATA_ENV_VAR: Final[str] = "MINERAL_BRIEFS_DATA"
"""Environment variable that points at an alternative data folder."""

MAX_PROBLEMS_SHOWN: Final[int] = 200


@dataclass(frozen=True)
class Dataset:
    """Validated tables of one data folder (treat the frames as read-only; copy to edit).

    Attributes
    ----------
    data_dir : Path
        Folder the tables were read from.
    sources, production, reserves, prices, demand, demand_multiples, import_reliance,
    dependence, policy_events, model_parameters, observations, observed, seed_claims,
    price_defaults, conversions, cost_curves : DataFrame
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
    observed: pd.DataFrame
    seed_claims: pd.DataFrame
    price_defaults: pd.DataFrame
    conversions: pd.DataFrame
    cost_curves: pd.DataFrame
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


_CACHE: dict[tuple[object, ...], Dataset] = {}
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached :class:`Dataset` (tests; after editing files in place)."""
    with _LOCK:
        _CACHE.clear()


def read_from_files(dataset: Dataset) -> bool:
    """True when ``dataset`` is the very object :func:`load_dataset` read from its folder's
    current files (not a copy edited in memory, e.g. by ``dataclasses.replace``).

    Only such a dataset may key a disk cache by its file ``checksums``; nothing is read here
    (the folder's files are only stat'ed).
    """
    try:
        key = _stat_key(Path(dataset.data_dir))
    except (OSError, TypeError):
        return False
    with _LOCK:
        return _CACHE.get(key) is dataset


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
        Folder holding the CSVs; default :func:`mineral_briefs.locations.data_dir`
        (``$MINERAL_BRIEFS_DATA``, else the workspace's ``data/`` when it holds
        ``sources.csv``, else the data this version ships).

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
    folder = Path(data_dir).expanduser().resolve() if data_dir else locations.data_dir()
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


def _read_raw(data: bytes) -> pd.DataFrame:
    raw = pd.read_csv(
        io.BytesIO(data),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8",
        skipinitialspace=False,
    )
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def _read_files(folder: Path) -> dict[str, bytes]:
    """The bytes of every table file present in ``folder``, by table name (missing ones
    omitted; an optional one is logged here, so a disk-cache hit logs it too)."""
    blobs: dict[str, bytes] = {}
    for name, spec in TABLES.items():
        path = folder / spec.file
        if path.is_file():
            try:
                blobs[name] = path.read_bytes()
            except OSError as exc:
                label = _label(folder, spec.file)
                raise DataError(f"{label} cannot be read: {exc.strerror or exc}") from exc
        elif spec.optional_file:
            logger.warning("%s is missing: %s is an empty table", _label(folder, spec.file), name)
    return blobs


def _load_uncached(folder: Path) -> Dataset:
    blobs = _read_files(folder)
    checksums = dict(
        sorted((TABLES[name].file, hashlib.sha256(b).hexdigest()) for name, b in blobs.items())
    )
    entry = validated_cache.entry_path(folder, checksums) if validated_cache.enabled() else None
    hit = validated_cache.read(entry) if entry is not None else None
    if hit is not None and set(hit) == _CACHED_FIELDS:
        return Dataset(**hit, data_dir=folder, checksums=MappingProxyType(checksums))
    dataset = _validate(folder, blobs, checksums)
    if entry is not None:
        validated_cache.write(entry, {n: getattr(dataset, n) for n in TABLES}, dataset.vintage)
    return dataset


def _validate(folder: Path, blobs: Mapping[str, bytes], checksums: Mapping[str, str]) -> Dataset:
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    # Tables that could not be read as a whole (file missing or unparseable, a required column
    # missing, no rows): checks of other tables against them are skipped, since every row would
    # fail them for the one reason already reported.
    unusable: set[str] = set()
    bad_rows: dict[str, set[int]] = {}
    for name, spec in TABLES.items():
        label = _label(folder, spec.file)
        if name not in blobs:
            if not spec.optional_file:
                problems.append(Problem(label, None, None, "required table file is missing"))
                unusable.add(name)
            frames[name] = empty_frame(spec)
            continue
        try:
            raw = _read_raw(blobs[name])
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            problems.append(Problem(label, None, None, f"cannot be parsed as CSV: {exc}"))
            frames[name] = empty_frame(spec)
            unusable.add(name)
            continue
        frame, table_problems = validate_table(raw, spec, label)
        problems.extend(table_problems)
        frames[name] = frame
        bad_rows[name] = {p.row - 1 for p in table_problems if p.row is not None}
        if any(p.row is None and p.message.startswith("required") for p in table_problems):
            unusable.add(name)
        elif spec.needs_rows and raw.empty:
            problems.append(
                Problem(label, None, None, "has no data rows (only the header): add its rows")
            )
            unusable.add(name)

    if "sources" not in unusable:
        unknown = _unknown_source_ids(folder, frames)
        problems.extend(unknown)
        by_label = {_label(folder, spec.file): name for name, spec in TABLES.items()}
        for p in unknown:
            if p.row is not None:
                bad_rows.setdefault(by_label[p.file], set()).add(p.row - 1)
    problems.extend(
        cross_check(
            frames,
            lambda n: _label(folder, TABLES[n].file),
            unusable,
            bad_rows,
            known_parameters=_shipped_parameters(folder),
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


def _unknown_source_ids(folder: Path, frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every ``source_id`` (and ``status_source``) cell that names no row of sources.csv."""
    problems: list[Problem] = []
    known = set(frames["sources"]["source_id"].dropna())
    # NOTE: status_source (policy_events) names a source exactly as source_id does.
    for name, spec in TABLES.items():
        for col_name in ("source_id", "status_source"):
            if name == "sources" or col_name not in frames[name].columns:
                continue
            col = frames[name][col_name]
            label = _label(folder, spec.file)
            for i, cell in enumerate(col.tolist()):
                if cell is None or pd.isna(cell) or cell == "":
                    continue
                for sid in split_multi(cell):
                    if sid not in known:
                        problems.append(
                            Problem(
                                label,
                                i + 1,
                                col_name,
                                f"source id '{sid}' is not in sources.csv (add it there first)",
                            )
                        )
    return problems


def _shipped_parameters(folder: Path) -> frozenset[str] | None:
    """Parameter names of the model_parameters.csv this version ships (what the engine reads);
    ``None`` when ``folder`` is the shipped data itself or the shipped file cannot be read."""
    shipped = locations.builtin_dir("data")
    try:
        if folder.resolve() == shipped.resolve():
            return None
        return _parameter_names(shipped / TABLES["model_parameters"].file)
    except (OSError, ValueError, KeyError, pd.errors.ParserError):
        return None


@functools.lru_cache(maxsize=4)
def _parameter_names(path: Path) -> frozenset[str]:
    names = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["parameter"])
    return frozenset(names["parameter"].str.strip())


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


_DATASET_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(Dataset))
assert set(TABLES) <= set(_DATASET_FIELDS)
_CACHED_FIELDS: Final[frozenset[str]] = frozenset(TABLES) | {"vintage"}
"""What a :mod:`.validated_cache` entry holds (the rest is the folder and the checksums)."""
