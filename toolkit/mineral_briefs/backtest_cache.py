"""The backtest record on disk: every brief shows the same record, so it is scored once.

:func:`cached_backtests` is :func:`mineral_briefs.backtest.run_backtests` (all episodes)
behind one Parquet file in the engine cache (``<cache_dir>/engine/backtests/<key>.parquet``).
The key is the sha256 over everything the record depends on:

- the bytes of each episode's scenario file (``scenarios/backtests/<id>.yaml``),
- the data checksums (``Dataset.checksums``: observations, parameters, sources …),
- the package version and the toolkit's source hash (evaluators, engine, schema defaults).

Reading a stored record replaces ten engine-cache reads, the seven scenario files' YAML parse
and the scoring: about 0.8 s of a cold brief (issue 16). A record that fails to read, or has
other columns, is recomputed; writes are atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset

logger = logging.getLogger(__name__)

FORMAT = 1
"""Layout version of a stored record (part of the key)."""


def _episode_files() -> dict[str, str] | None:
    """sha256 of each episode's scenario file, or None when the bytes alone do not fix it.

    # NOTE: a file naming ``extends`` (or holding an escape, which could spell it) depends on
    # other files too; such a record is scored every time rather than keyed on a guess.
    """
    from mineral_briefs.backtest import EPISODES
    from mineral_briefs.scenarios.files import backtests_dir, resolve_ref

    out: dict[str, str] = {}
    for episode in EPISODES:
        data = resolve_ref(episode, base_dir=backtests_dir()).read_bytes()
        if b"extends" in data or b"\\" in data:
            return None
        out[episode] = hashlib.sha256(data).hexdigest()
    return out


def record_path(dataset: Dataset) -> Path | None:
    """Where the record of ``dataset`` is stored; None when it may not be stored at all.

    Only a dataset read from its folder's files (not edited in memory) with the engine cache
    on, and episodes whose files fix them, have a place.
    """
    from mineral_briefs.data.dataset import read_from_files
    from mineral_briefs.engine.cache import _code_identity, enabled, engine_cache_dir

    if not enabled() or not read_from_files(dataset):
        return None
    episodes = _episode_files()
    if episodes is None:
        return None
    version, source = _code_identity()
    material = {
        "format": FORMAT,
        "episodes": episodes,
        "data": dict(sorted(dataset.checksums.items())),
        "version": version,
        "source": source,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return engine_cache_dir() / "backtests" / f"{hashlib.sha256(blob).hexdigest()}.parquet"


def cached_backtests(dataset: Dataset) -> pd.DataFrame:
    """:func:`mineral_briefs.backtest.run_backtests` of every episode, read from disk when
    the same inputs were scored before (see the module docstring for the key).

    Parameters
    ----------
    dataset : Dataset
        From :func:`mineral_briefs.data.load_dataset`; a dataset edited in memory is scored
        every time (its file checksums do not describe it).

    Returns
    -------
    DataFrame
        The record, columns :data:`mineral_briefs.backtest.COLUMNS`.
    """
    from mineral_briefs.backtest import COLUMNS, run_backtests

    path = record_path(dataset)
    if path is not None and path.is_file():
        try:
            record = pd.read_parquet(io.BytesIO(path.read_bytes()))
            if list(record.columns) == list(COLUMNS):
                return record
            raise ValueError(f"columns {list(record.columns)}")
        except Exception as exc:  # noqa: BLE001 - pyarrow raises its own errors on bad files
            logger.warning("backtest record %s is unreadable (%s); scoring again", path.name, exc)
    record = run_backtests(dataset=dataset)
    if path is not None:
        _store(path, record)
    return record


def _store(path: Path, record: pd.DataFrame) -> None:
    """Write ``record`` to ``path`` atomically (best effort: a read-only cache only costs time)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        record.to_parquet(buf, index=False)
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)
    except OSError as exc:
        logger.debug("backtest record not stored in %s: %s", path.parent, exc)
    finally:
        tmp.unlink(missing_ok=True)
