"""The manifest: read it, record each outcome (writing its files), write it with the index."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from mineral_briefs.errors import RenderError
from mineral_briefs.render.atomic import atomic_write, atomic_write_many
from mineral_briefs.render.index import build_index
from mineral_briefs.render.keys import _public_parameters
from mineral_briefs.render.layout import FAILED_DIR, INDEX, MANIFEST
from mineral_briefs.render.methodology import write_methodology
from mineral_briefs.render.pdf import print_pdf_bytes
from mineral_briefs.render.plan import BriefJob
from mineral_briefs.render.report import BriefResult, RunReport
from mineral_briefs.render.worker import RenderOutcome

# NOTE: every module logs to the one "mineral_briefs.render" logger: run.py attaches render.log
# and the console forwarding to it, so a move between modules never changes the log.
logger = logging.getLogger("mineral_briefs.render")


def load_manifest(out: Path) -> dict[str, Any]:
    """Read ``<out>/manifest.json`` (an empty manifest when absent or unreadable).

    A hand-edited or corrupted manifest must not break every later run into the folder: entries
    that are not mappings (or whose ``files``/``meta`` are not mappings) are dropped with a
    warning, so their briefs simply render again.
    """
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {"schema": 1, "briefs": {}}
    if not isinstance(data, dict) or not isinstance(data.get("briefs"), dict):
        return {"schema": 1, "briefs": {}}
    kept: dict[str, Any] = {}
    for name, entry in data["briefs"].items():
        if isinstance(entry, dict) and all(
            isinstance(entry.get(k), (dict, type(None))) for k in ("files", "meta", "inputs")
        ):
            kept[name] = entry
        else:
            logger.warning("manifest: dropped the malformed entry %r; it renders again", name[:80])
    data["briefs"] = kept
    return data


def _write_manifest_and_index(
    out: Path, manifest: dict[str, Any], stamp: str, report: RunReport
) -> None:
    manifest["updated_at"] = stamp
    try:
        atomic_write(
            out / MANIFEST,
            json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        )
        atomic_write(out / INDEX, build_index(manifest, generated_at=stamp))
        write_methodology(out, manifest.get("toolkit_source") or None)
    except OSError as exc:
        # NOTE: never raise from here (it runs in a finally); the previous files stay intact.
        msg = f"could not write {MANIFEST}/{INDEX} in {out}: {exc.strerror or exc}"
        logger.error("%s", msg)
        report.errors.append(msg)


def _store_outcome(
    out: Path,
    job: BriefJob,
    key: str,
    inputs: dict[str, str],
    outcome: RenderOutcome,
    entries: dict[str, Any],
    now: dt.datetime,
    pdf_exe: str | None,
) -> BriefResult:
    """Write one outcome atomically and update its manifest entry."""
    prev = dict(entries.get(job.name) or {})
    seconds = outcome.execute_s + outcome.export_s
    entry: dict[str, Any] = {
        "kind": job.kind,
        "scenario": job.scenario,
        "language": job.language,
        "notebook": job.notebook.name,
        "parameters": _public_parameters(job.parameters),
        "inputs": inputs,
        "seconds": {
            "execute": round(outcome.execute_s, 3),
            "export": round(outcome.export_s, 3),
            "cells": round(outcome.cells_s, 3),
        },
        "charts": outcome.charts,
    }
    error = outcome.error
    if outcome.status == "ok" and outcome.html is not None:
        try:
            files = _write_brief(out, job.name, outcome.html, outcome, pdf_exe)
        except OSError as exc:
            error = {
                "kind": "write",
                "cell": None,
                "ename": type(exc).__name__,
                "evalue": f"{exc.strerror or exc} (previous brief kept)",
            }
        except RenderError as exc:
            error = {"kind": "pdf", "cell": None, "ename": "RenderError", "evalue": str(exc)}
        else:
            entry.update(
                status="ok",
                key=key,
                error=None,
                files=files,
                meta=outcome.meta,
                rendered_at=now.isoformat(timespec="seconds"),
                html_bytes=len(outcome.html),
            )
            entries[job.name] = entry
            return BriefResult(job.name, "ok", seconds)
    return _record_failure(out, job, prev, entry, outcome, error, now, seconds, entries)


def _record_failure(
    out: Path,
    job: BriefJob,
    prev: dict[str, Any],
    attempt: dict[str, Any],
    outcome: RenderOutcome,
    error: dict[str, Any] | None,
    now: dt.datetime,
    seconds: float,
    entries: dict[str, Any],
) -> BriefResult:
    """Record a failed attempt; a good brief still on disk keeps its manifest entry.

    The entry of a brief kept from an earlier run still describes that brief (its key, inputs,
    charts, size, render time, toolkit and package versions); the attempt that failed is told
    apart in ``last_failure`` (time, error, message, its own inputs and the executed notebook).
    ``status`` is ``failed`` so the index flags it and the next run tries again.
    """
    from mineral_briefs.render.report import describe_error

    error = error or {"kind": "error", "cell": None, "ename": "", "evalue": "unknown"}
    failure: dict[str, Any] = {
        "at": now.isoformat(timespec="seconds"),
        "error": error,
        "message": describe_error(error),
        "inputs": attempt["inputs"],
        "seconds": attempt["seconds"],
    }
    if outcome.failed_notebook:
        with contextlib.suppress(OSError):
            atomic_write(out / FAILED_DIR / f"{job.name}.ipynb", outcome.failed_notebook)
            failure["failed_notebook"] = f"{FAILED_DIR}/{job.name}.ipynb"
    kept = (prev.get("files") or {}).get("html")
    # NOTE: a kept brief is one whose entry names its HTML and a render time; an entry that
    # never had a good brief describes the failed attempt itself (no key, no files).
    if kept and prev.get("rendered_at") and (out / str(kept)).is_file():
        entry = dict(prev)
    else:
        entry = dict(attempt, key=None, files=None, meta=None, rendered_at=None)
    entry.update(
        status="failed",
        error=error,
        failed_at=failure["at"],
        failed_notebook=failure.get("failed_notebook"),
        last_failure=failure,
    )
    entries[job.name] = entry
    return BriefResult(job.name, "failed", seconds, error)


def _write_brief(
    out: Path, name: str, html: bytes, outcome: RenderOutcome, pdf_exe: str | None
) -> dict[str, str]:
    """Write a rendered brief and its downloads together (then its PDF); return their names.

    Raises ``OSError`` (a write failed; nothing was replaced) or ``RenderError`` (no PDF).
    """
    files = {"html": f"{name}.html"}
    group: list[tuple[Path, bytes | str]] = [(out / files["html"], html)]
    if outcome.data_filename:
        group.append((out / outcome.data_filename, outcome.data_csv or ""))
        files["data"] = outcome.data_filename
    if outcome.kpis_filename:
        group.append((out / outcome.kpis_filename, outcome.kpis_csv or ""))
        files["kpis"] = outcome.kpis_filename
    if pdf_exe:
        # NOTE: printed from a private copy before anything is replaced, so a PDF failure
        # leaves the previous brief, its downloads and its PDF exactly as they were.
        group.append((out / f"{name}.pdf", print_pdf_bytes(html, name, chromium=pdf_exe)))
        files["pdf"] = f"{name}.pdf"
    atomic_write_many(group)
    with contextlib.suppress(OSError):
        (out / FAILED_DIR / f"{name}.ipynb").unlink()
    return files
