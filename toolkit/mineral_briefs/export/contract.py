"""What a brief notebook and the exporter agree on: output mimetypes, the reset tag, templates.

Kept apart from the code on either side so that the kernel side (:mod:`.renderer`), the
exporter (:mod:`.preprocessor`, :mod:`.page`) and the render pipeline import the same names
without importing each other.
"""

from __future__ import annotations

from pathlib import Path

SPEC_MIME = "application/vnd.mineral-briefs.vegalite+json"
"""Mimetype under which the offline renderer stores a chart's Vega-Lite spec (a JSON object)."""
META_MIME = "application/vnd.mineral-briefs.meta+json"
"""Mimetype of the brief's single meta output (title, scenario, vintage, headline KPIs …)."""
DATA_MIME = "application/vnd.mineral-briefs.data+json"
"""Mimetype of the brief's IAMC results table: ``{"filename": str, "csv": str}``."""

RESET_CELL_TAG = "mineral-briefs-reset"
"""Tag of the in-memory first cell that the render pipeline inserts to reset a reused kernel."""

# NOTE: Altair 6 emits v6 specs; older notebooks (or a user's own ``mimetype`` output) may carry
# v5 specs. Both are embedded the same way; string-valued specs are parsed.
VEGALITE_MIMES: tuple[str, ...] = (
    SPEC_MIME,
    "application/vnd.vegalite.v6+json",
    "application/vnd.vegalite.v6.json",
    "application/vnd.vegalite.v5+json",
)

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
"""Folder holding the ``brief`` and ``index`` templates (package data)."""
