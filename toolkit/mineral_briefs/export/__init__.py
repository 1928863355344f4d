"""Offline, self-contained HTML export of executed brief notebooks.

The recipe is the one measured in the tooling study (reference ``tooling.md`` §2.3, variant e1):

1. inside the kernel, :func:`enable_offline_renderer` registers an Altair renderer that keeps
   Altair's normal HTML (for JupyterLab) and adds the raw Vega-Lite spec under :data:`SPEC_MIME`;
2. at export time, ``BriefPreprocessor`` turns every spec into a ``<div>`` plus a
   ``vegaEmbed`` call, lifts the brief's meta output (:data:`META_MIME`) into the page header and
   replaces the data output (:data:`DATA_MIME`) by a relative download link;
3. the ``brief`` nbconvert template (``toolkit/mineral_briefs/templates/brief/``) extends ``lab``,
   drops the require.js / MathJax / mermaid CDN blocks and inlines ONE Vega bundle per page,
   taken from ``vl_convert.javascript_bundle()`` and cached on disk (:func:`vega_bundle`).

The kernel side (:func:`enable_offline_renderer`) imports only Altair; the export side never imports
Altair on a bundle-cache hit (an Altair import costs ≈0.5 s per process).

One module per job: :mod:`.contract` (the mimetypes and tags notebook and exporter agree on),
:mod:`.renderer` (the kernel side), :mod:`.bundle` (the Vega bundle and its disk cache),
:mod:`.preprocessor` (``BriefPreprocessor``), :mod:`.page` (header links, figures, downloads,
stylesheet, contents); this module holds the process-wide exporter and :func:`export_html`, and
names everything the rest of the toolkit imports from ``mineral_briefs.export``.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mineral_briefs.errors import RenderError
from mineral_briefs.export.bundle import bundle_cache_key, vega_bundle
from mineral_briefs.export.contract import (
    DATA_MIME,
    META_MIME,
    RESET_CELL_TAG,
    SPEC_MIME,
    TEMPLATE_DIR,
    VEGALITE_MIMES,
)
from mineral_briefs.export.page import (
    BRIEF_CSS,
    TOC_PLACEHOLDER,
    _build_toc,
    brief_css,
    format_render_time,
)
from mineral_briefs.export.page import _page_links as _page_links  # the brief-naming tests
from mineral_briefs.export.renderer import CHARTS_ENV, chart_mode, enable_offline_renderer

# NOTE: names the old single module had in its namespace, which callers still read from here
from mineral_briefs.locations import cache_dir as cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

__all__ = [
    "BRIEF_CSS",
    "CHARTS_ENV",
    "DATA_MIME",
    "META_MIME",
    "RESET_CELL_TAG",
    "SPEC_MIME",
    "TEMPLATE_DIR",
    "TOC_PLACEHOLDER",
    "VEGALITE_MIMES",
    "brief_css",
    "bundle_cache_key",
    "chart_mode",
    "digest_text",
    "enable_offline_renderer",
    "export_html",
    "format_render_time",
    "get_exporter",
    "vega_bundle",
    "warm_exporter",
]

_EXPORTER: HTMLExporter | None = None
_EXPORTER_LOCK = threading.Lock()


def get_exporter() -> HTMLExporter:
    """The process-wide ``HTMLExporter`` with the ``brief`` template (loads ≈0.45 s, once)."""
    global _EXPORTER
    with _EXPORTER_LOCK:
        if _EXPORTER is None:
            from traitlets.config import Config

            from mineral_briefs.export.exporter import make_exporter_class

            c = Config()
            c.TemplateExporter.exclude_input = True
            c.TemplateExporter.exclude_input_prompt = True
            c.TemplateExporter.exclude_output_prompt = True
            c.HTMLExporter.embed_images = True
            # NOTE: the notebook is validated once, after the last preprocessor, not after
            # each of the thirteen (18 of the 40 ms an export takes, at the end of every brief)
            c.Exporter.optimistic_validation = True
            c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell", RESET_CELL_TAG}
            c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
            exporter = make_exporter_class()(
                config=c,
                extra_template_basedirs=[str(TEMPLATE_DIR)],
                template_name="brief",
            )
            # NOTE: BriefPreprocessor is registered by the template's conf.json (so that plain
            # `jupyter nbconvert --template brief` runs it too); registering it here as well
            # would run it twice.
            _EXPORTER = exporter
        return _EXPORTER


def export_html(
    nb: NotebookNode,
    *,
    rendered_at: datetime | str,
    name: str = "brief",
    siblings: tuple[str, ...] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Export an executed brief notebook to one self-contained, offline HTML page.

    Parameters
    ----------
    nb
        The executed notebook (not modified: the exporter works on a deep copy).
    rendered_at
        Render time shown in the page header (the only timestamp in a brief).
    name
        Fallback page title when the notebook displays no meta output.
    siblings
        Names of the pages beside this one (the run's plan and stored pages): the header
        links to the other language only when its page is among them; ``None`` (plain
        nbconvert) links to none.

    Returns
    -------
    html, extras
        The page, and ``{"meta": dict | None, "data": {"filename", "csv"} | None,
        "charts": int, "toc": [{"level", "id", "text"}]}``.

    Raises
    ------
    RenderError
        If the notebook's meta or data outputs break the notebook contract.
    """
    when: datetime | None = rendered_at if isinstance(rendered_at, datetime) else None
    if isinstance(rendered_at, str):
        try:
            when = datetime.fromisoformat(rendered_at.strip())
        except ValueError:
            when = None  # a free-form label: shown as given
    exporter = get_exporter()
    resources: dict[str, Any] = {
        "metadata": {"name": name},
        "mb": {
            "rendered_at": str(rendered_at).strip(),
            "rendered_dt": when,
            "siblings": tuple(siblings or ()),
        },
    }
    try:
        # NOTE: no copy here: nbconvert's Exporter.from_notebook_node deep-copies the notebook
        # before any preprocessor runs (a second copy cost 25 ms a brief).
        page, res = exporter.from_notebook_node(nb, resources=resources)
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - nbconvert raises many types; report as export failure
        raise RenderError(f"HTML export failed: {type(exc).__name__}: {exc}") from exc
    page, toc = _build_toc(page)
    mb = res["mb"]
    extras = {"meta": mb["meta"], "data": mb["data"], "charts": mb["charts"], "toc": toc}
    return page, extras


def warm_exporter() -> None:
    """Load the exporter and the Vega bundle, and export one empty notebook (discarded).

    The first export in a process compiles the page templates and loads the lexers (≈0.1-0.2 s,
    measured 2026-12-02); a render worker calls this while its kernel still starts or runs, so
    its first brief's export does not pay for it (issue 16: cold single brief).
    """
    import nbformat

    get_exporter()
    vega_bundle()
    export_html(nbformat.v4.new_notebook(), rendered_at="", name="warm-up")


def digest_text(text: str) -> str:
    """Short sha256 of a text (used for quick content identity in logs and tests)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def __getattr__(name: str) -> Any:
    # NOTE: nbconvert imports the preprocessor named in templates/brief/conf.json by its dotted
    # name; the class is built on first use so that importing this module never imports nbconvert.
    if name == "BriefPreprocessor":
        from mineral_briefs.export.preprocessor import _make_preprocessor_class

        return _make_preprocessor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
