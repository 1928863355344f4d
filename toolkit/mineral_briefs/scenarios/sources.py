"""Source-id check: every id a scenario cites must be a ``source_id`` of ``data/sources.csv``."""

from __future__ import annotations

import csv
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mineral_briefs.locations import data_dir
from mineral_briefs.scenarios.errors import suggest

if TYPE_CHECKING:
    from mineral_briefs.scenarios.scenario import Scenario

# NOTE: the logger keeps the name it had before the package split, so log filters set up on
# "mineral_briefs.scenarios" still apply and log lines read the same.
logger = logging.getLogger("mineral_briefs.scenarios")


@lru_cache(maxsize=8)
def _source_ids_cached(key: tuple[str, float]) -> frozenset[str] | None:
    path = Path(key[0])
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return frozenset((row.get("source_id") or "").strip() for row in csv.DictReader(fh)) - {
                ""
            }
    except OSError:
        return None


_WARNED: set[str] = set()


def known_source_ids() -> frozenset[str] | None:
    """Source ids of the data layer, or ``None`` when no sources table is available."""
    # NOTE: read data/sources.csv directly (csv module) rather than
    # mineral_briefs.data.load_dataset():
    # validating a scenario must stay cheap and must not fail because another table is broken.
    path = data_dir() / "sources.csv"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        if str(path) not in _WARNED:
            _WARNED.add(str(path))
            logger.warning("no sources table at %s: scenario source ids are not checked", path)
        return None
    return _source_ids_cached((str(path), mtime))


def source_problems(scenario: Scenario, source: str) -> list[str]:
    """One line per source id the scenario cites that ``data/sources.csv`` does not hold."""
    known = known_source_ids()
    if known is None:
        return []
    problems: list[str] = []
    listed = sorted(known)
    for i, sid in enumerate(scenario.sources):
        if sid not in known:
            problems.append(
                f"{source}: sources[{i}]: unknown source id {sid!r}{suggest(sid, listed)}; "
                "allowed: a source_id of data/sources.csv"
            )
    for i, a in enumerate(scenario.assumptions):
        if a.source_id not in known:
            problems.append(
                f"{source}: assumptions[{i}].source_id: unknown source id {a.source_id!r}"
                f"{suggest(a.source_id, listed)}; allowed: a source_id of data/sources.csv"
            )
    return problems
