"""The engine cache's miss log: one line per engine run computed, in ``misses.jsonl`` beside
the entries. Diagnostic only: the benchmarks and tests count the runs a brief computed."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

MISSES_FILE = "misses.jsonl"
"""One line per engine run computed (key, scenario, draws, seed, seconds): what the benchmarks
and tests count; diagnostic only."""

MISSES_MAX_BYTES = 2_000_000
"""Size [bytes] past which ``misses.jsonl`` is moved to ``misses.jsonl.1`` (about 13,000 runs)."""


def count_misses(folder: Path | None = None) -> list[dict[str, Any]]:
    """The recorded engine computations (one dict per line of ``misses.jsonl``)."""
    if folder is None:
        from mineral_briefs.engine.cache import engine_cache_dir

        folder = engine_cache_dir()
    path = folder / MISSES_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def record_miss(
    folder: Path,
    key: str,
    scenario_id: str,
    draws: int,
    seed: int,
    central_only: bool,
    seconds: float,
) -> None:
    """Append one line (a single ``write`` on an ``O_APPEND`` file: whole lines, any writers)."""
    line = json.dumps(
        {
            "key": key,
            "scenario": scenario_id,
            "draws": draws,
            "seed": seed,
            "central_only": central_only,
            "seconds": round(seconds, 3),
            "pid": os.getpid(),
        }
    )
    path = folder / MISSES_FILE
    with contextlib.suppress(OSError):
        if path.stat().st_size > MISSES_MAX_BYTES:
            # NOTE: the log is diagnostic: the older half goes aside (one file kept), so a
            # cache used for years of weekly runs and sweeps does not grow it without bound.
            # Two processes rotating at once lose a few lines at most.
            os.replace(path, path.with_name(MISSES_FILE + ".1"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
