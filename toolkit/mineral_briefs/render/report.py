"""What a run reports: one result per brief, the exit code, the summary line, error wording."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class BriefResult:
    """One line of the run report."""

    name: str
    status: str  # "ok" | "failed" | "skipped" | "reused" | "cancelled"
    seconds: float = 0.0
    error: dict[str, Any] | None = None


@dataclass
class RunReport:
    """What a render run did; ``exit_code`` is 0 only when every brief is ok or unchanged."""

    out: Path
    results: list[BriefResult] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: str | None = None
    kernels_started: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[BriefResult]:
        return [r for r in self.results if r.status in ("failed", "cancelled")]

    @property
    def stored(self) -> bool:
        """Whether a brief of this run is in its folder (rendered, unchanged or reused)."""
        return any(r.status in ("ok", "skipped", "reused") for r in self.results)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130 if self.interrupted == "SIGINT" else 143
        return 1 if self.failed or self.errors else 0

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        parts = [
            f"{counts.get(s, 0)} {s}"
            for s in ("ok", "skipped", "reused", "failed")
            if counts.get(s)
        ]
        if counts.get("cancelled"):
            parts.append(f"{counts['cancelled']} cancelled")
        text = ", ".join(parts) or "nothing to do"
        if self.results and all(r.status in ("skipped", "reused") for r in self.results):
            reused = counts.get("reused", 0)
            text = f"nothing changed: {len(self.results)} briefs up to date" + (
                f" ({reused} reused from the previous run)" if reused else ""
            )
        if self.errors:
            text += "; " + "; ".join(self.errors)
        if self.interrupted:
            text += f"; interrupted by {self.interrupted}, previous briefs kept"
        return f"{text} in {self.seconds:.1f} s → {self.out}"


Reporter = Callable[[str, Mapping[str, Any]], None]
"""Progress callback: ``(event, info)`` with events ``wait`` (another run holds the output
folder: ``out``, ``pid``), ``plan``, ``start``, ``done``, ``finish``."""


def _error_line(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    where = f"cell {error['cell']}: " if error.get("cell") is not None else ""
    kind = {
        "timeout": "timeout",
        "kernel_died": "kernel died",
        "worker_died": "worker died",
        "export": "export failed",
        "write": "write failed",
    }.get(str(error.get("kind")), "")
    prefix = f"{kind}: " if kind else ""
    return f"{prefix}{where}{error.get('ename', '')}: {error.get('evalue', '')}".strip()


def describe_error(error: Mapping[str, Any] | None) -> str:
    """One-line human summary of a brief's error (used by the CLI and the index)."""
    return html_lib.unescape(_error_line(error))
