"""Export side: the nbconvert preprocessor that makes an executed brief an offline page.

``BriefPreprocessor`` lifts the brief's meta output (:data:`.contract.META_MIME`) into the
page header, replaces the data output (:data:`.contract.DATA_MIME`) by a relative download
link and turns every Vega-Lite spec into a ``<div>`` plus a ``vegaEmbed`` call. The class is
built on first use (:func:`_make_preprocessor_class`) so that importing the export package
never imports nbconvert.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from mineral_briefs.errors import RenderError
from mineral_briefs.export.bundle import vega_bundle
from mineral_briefs.export.contract import DATA_MIME, META_MIME, RESET_CELL_TAG, VEGALITE_MIMES
from mineral_briefs.export.page import (
    _TOC_LABEL,
    _download_link,
    _page_links,
    brief_css,
    chart_embed,
    format_render_time,
)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        parsed = json.loads(value)
        if isinstance(parsed, dict):
            return parsed
    raise RenderError(f"expected a JSON object, got {type(value).__name__}")


def _open_page(nb: Any, resources: dict[str, Any]) -> dict[str, Any]:
    """Reset the page's ``mb`` resources, drop the tagged cells, stamp a plain-nbconvert export.

    Returns the ``mb`` dict that the cells fill.
    """
    mb: dict[str, Any] = resources.setdefault("mb", {})
    mb.update(meta=None, data=None, charts=0, figures=0, dropped_streams=0)
    # NOTE: the pipeline's exporter also has nbconvert's TagRemovePreprocessor; plain
    # `jupyter nbconvert --template brief` has only this one, so drop the cells here.
    drop = {RESET_CELL_TAG, "remove_cell"}
    nb.cells = [c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))]
    if "rendered_at" not in mb:  # plain nbconvert: the export time, in UTC
        from datetime import UTC

        mb["rendered_dt"] = datetime.now(UTC)
        mb["rendered_at"] = mb["rendered_dt"].isoformat()
    return mb


def _close_page(nb: Any, resources: dict[str, Any], mb: dict[str, Any]) -> None:
    """Fill the header from the meta output: title, language, render time, links, CSS, bundle."""
    meta = mb["meta"]
    language = "en"
    if meta:
        language = str(meta.get("language") or "en")
        if meta.get("title"):
            nb.metadata["title"] = str(meta["title"])
    mb["language"] = language
    resources["language_code"] = language
    if mb.get("rendered_dt") is not None:
        mb["rendered_at"] = format_render_time(mb["rendered_dt"], language)
    mb["toc_label"] = _TOC_LABEL.get(language, _TOC_LABEL["en"])
    mb["links"] = _page_links(
        str(resources.get("metadata", {}).get("name", "")),
        language,
        tuple(mb.get("siblings", ())),
    )
    mb["css"] = brief_css()
    mb["vega_bundle"] = vega_bundle() if mb["charts"] else ""


def _keep_output(out: Any, mb: dict[str, Any]) -> bool:
    """Rewrite one code-cell output in place; False when it leaves the page."""
    if out.get("output_type") == "stream" and out.get("name") == "stderr":
        # NOTE: warnings on stderr are for the analyst in JupyterLab, not the reader
        # of a forwarded brief; the executed notebook keeps them.
        mb["dropped_streams"] += 1
        return False
    data = out.get("data")
    if not data:
        return True
    if META_MIME in data:
        if mb["meta"] is not None:
            raise RenderError("the notebook displays more than one meta output")
        mb["meta"] = _as_dict(data[META_MIME])
        return False
    if DATA_MIME in data:
        mb["data"] = payload = _as_dict(data[DATA_MIME])
        out["data"] = {"text/html": _download_link(payload, mb)}
        return True
    mime = next((m for m in VEGALITE_MIMES if m in data), None)
    if mime is not None:
        spec = _as_dict(data[mime])
        out["data"] = {"text/html": chart_embed(spec, mb)}
        out.get("metadata", {}).pop(mime, None)
    return True


@functools.cache
def _make_preprocessor_class() -> type:
    from nbconvert.preprocessors import Preprocessor

    class BriefPreprocessor(Preprocessor):  # type: ignore[misc]
        """Lift meta/data outputs out of the page and turn Vega-Lite specs into offline embeds."""

        def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
            mb = _open_page(nb, resources)
            nb, resources = super().preprocess(nb, resources)
            _close_page(nb, resources, mb)
            return nb, resources

        def preprocess_cell(
            self, cell: Any, resources: dict[str, Any], index: int
        ) -> tuple[Any, dict[str, Any]]:
            if cell.get("cell_type") != "code":
                return cell, resources
            mb = resources["mb"]
            cell["outputs"] = [out for out in cell.get("outputs", []) if _keep_output(out, mb)]
            return cell, resources

    return BriefPreprocessor
