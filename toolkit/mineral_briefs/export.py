"""Offline, self-contained HTML export of executed brief notebooks.

The recipe is the one measured in the tooling study (reference ``tooling.md`` §2.3, variant e1):

1. inside the kernel, :func:`enable_offline_renderer` registers an Altair renderer that keeps
   Altair's normal HTML (for JupyterLab) and adds the raw Vega-Lite spec under :data:`SPEC_MIME`;
2. at export time, ``BriefPreprocessor`` turns every spec into a ``<div>`` plus a
   ``vegaEmbed`` call, lifts the brief's meta output (:data:`META_MIME`) into the page header and
   replaces the data output (:data:`DATA_MIME`) by a relative download link;
3. the ``brief`` nbconvert template (``toolkit/mineral_briefs/templates/brief/``) extends ``lab``,
drops the
   require.js / MathJax / mermaid CDN blocks and inlines ONE Vega bundle per page, taken from
   ``vl_convert.javascript_bundle()`` and cached on disk (:func:`vega_bundle`).

The kernel side (:func:`enable_offline_renderer`) imports only Altair; the export side never imports
Altair on a bundle-cache hit (an Altair import costs ≈0.5 s per process).
"""

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import json
import logging
import os
import re
import tempfile
import threading
from datetime import datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mineral_briefs.errors import RenderError
from mineral_briefs.locations import cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

logger = logging.getLogger(__name__)

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

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Folder holding the ``brief`` and ``index`` templates (package data)."""
BRIEF_CSS = TEMPLATE_DIR / "brief" / "brief.css"

_FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_DOWNLOAD_LABEL = {"en": "Download the data (IAMC CSV)", "de": "Daten herunterladen (IAMC-CSV)"}
_KPI_LABEL = {
    "en": "Download the key figures (CSV: central estimate, P10, P90, flags)",
    "de": "Kennzahlen herunterladen (CSV: zentrale Schätzung, P10, P90, Hinweise)",
}
_TOC_LABEL = {"en": "Contents", "de": "Inhalt"}

# --------------------------------------------------------------------------------------------
# kernel side: the Altair renderer
# --------------------------------------------------------------------------------------------


CHARTS_ENV = "MINERAL_BRIEFS_CHARTS"
"""Environment variable naming how charts are displayed in the kernel: ``svg`` or ``spec``."""


def chart_mode() -> str:
    """How this kernel displays charts: ``spec`` (render pipeline) or ``svg`` (JupyterLab …).

    The render pipeline starts its kernels with ``MINERAL_BRIEFS_CHARTS=spec``: the exporter
    turns each spec into an offline ``vegaEmbed`` call, so drawing a picture in the kernel would
    be wasted time. Anywhere else (JupyterLab, ``jupyter nbconvert --execute``, papermill run by
    hand) the chart is also drawn as SVG in the kernel.
    """
    mode = os.environ.get(CHARTS_ENV, "svg").strip().lower()
    if mode not in ("svg", "spec"):
        raise RenderError(f"${CHARTS_ENV}={mode[:20]!r}: allowed values are 'svg' and 'spec'")
    return mode


def _offline_renderer(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    """Altair renderer: the raw spec under :data:`SPEC_MIME`, plus an SVG outside the pipeline.

    Never Altair's HTML output, which loads Vega from a CDN and stays blank offline.
    """
    # NOTE: why SVG and not the lab's own Vega renderer: JupyterLab 4 renders Vega-Lite v3-v5
    # (its vega5 extension) while Altair 6 emits Vega-Lite v6 specs, which it may draw wrongly or
    # not at all. An inlined Vega bundle would add ≈0.9 MB per chart and only run in a trusted
    # notebook. The SVG is drawn by vl-convert with the same Vega as the exported brief; the
    # lab loses the tooltips, the brief keeps them.
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    bundle: dict[str, Any] = {
        SPEC_MIME: spec,
        "text/plain": f"<chart: {title}>" if title else "<chart>",
    }
    if chart_mode() == "svg":
        import vl_convert as vlc

        bundle["image/svg+xml"] = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    return bundle


def _vl_version() -> str:
    """Altair's Vega-Lite version (``6.4`` …) if vl-convert has it, else vl-convert's newest."""
    import altair as alt
    import vl_convert as vlc

    major_minor = ".".join(str(alt.SCHEMA_VERSION).lstrip("v").split(".")[:2])
    known = [str(v) for v in vlc.get_vegalite_versions()]
    return major_minor if major_minor in known else known[-1]


def enable_offline_renderer() -> None:
    """Register and enable the ``mineral-briefs`` Altair renderer (idempotent).

    Charts display with no network anywhere: as SVG in JupyterLab, as a spec that the exporter
    turns into an offline ``vegaEmbed`` call in a rendered brief (see :func:`chart_mode`).
    Called by ``mineral_briefs.brief.prepare``.
    """
    import altair as alt

    chart_mode()  # a bad $MINERAL_BRIEFS_CHARTS fails here, before any chart is drawn
    if "mineral-briefs" not in alt.renderers.names():
        alt.renderers.register("mineral-briefs", _offline_renderer)
    alt.renderers.enable("mineral-briefs")


# --------------------------------------------------------------------------------------------
# the Vega bundle, cached on disk
# --------------------------------------------------------------------------------------------

_BUNDLE_LOCK = threading.Lock()
_BUNDLE: str | None = None


def _package_version(name: str) -> str:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return "absent"


def bundle_cache_key() -> str:
    """Cache key of the Vega bundle: the installed ``vl-convert-python`` and ``altair`` versions."""
    return f"vl-convert-{_package_version('vl-convert-python')}_altair-{_package_version('altair')}"


def _build_bundle() -> str:
    import vl_convert as vlc

    try:
        import altair as alt

        vl_version = "v" + str(alt.SCHEMA_VERSION).lstrip("v").replace(".", "_")
        # the stub requires `snippet`; at run time it defaults to the vegaEmbed bundle
        bundle = str(vlc.javascript_bundle(vl_version=vl_version))  # type: ignore[call-arg]
    except Exception:  # noqa: BLE001 - any altair/vl-convert mismatch: fall back to the default
        logger.debug("vl-convert bundle for Altair's Vega-Lite version failed; using default")
        bundle = str(vlc.javascript_bundle())  # type: ignore[call-arg]
    if "</script" in bundle.lower():  # pragma: no cover - checked once in the tooling study
        raise RenderError("the vl-convert bundle contains '</script' and cannot be inlined")
    return bundle


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_cached_bundle(path: Path) -> str | None:
    """The cached bundle if its content matches the hash stored beside it, else None.

    A truncated or edited bundle (a killed write, a full disk, a tampered file) fails the check
    and is rebuilt: it would otherwise give every brief dead or foreign charts while the run
    reports them "ok".
    """
    try:
        text = path.read_text(encoding="utf-8")
        expected = path.with_suffix(".sha256").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text.strip() and _sha256(text) == expected:
        return text
    logger.warning("the cached chart bundle %s failed its integrity check; rebuilding it", path)
    return None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def vega_bundle() -> str:
    """Return the vega + vega-lite + vega-embed JavaScript bundle (≈0.9 MB).

    Memoised per process and cached on disk, keyed by :func:`bundle_cache_key`, with its sha256
    beside it (``….sha256``), checked on every read and rebuilt on mismatch. The cache folder may
    be absent, read-only or unwritable: the bundle is then built in memory (≈1.7 s) and the
    failure to store it is logged at debug level.
    """
    global _BUNDLE
    with _BUNDLE_LOCK:
        if _BUNDLE is not None:
            return _BUNDLE
        path = cache_dir() / f"vega-bundle_{bundle_cache_key()}.js"
        text = _read_cached_bundle(path)
        if text is None:
            text = _build_bundle()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # NOTE: bundle first, hash last: a crash between them leaves a mismatch, which
                # the next read rebuilds, never a hash vouching for a half-written bundle.
                _write_atomic(path, text)
                _write_atomic(path.with_suffix(".sha256"), _sha256(text) + "\n")
            except OSError as exc:
                logger.debug("could not cache the Vega bundle in %s: %s", path.parent, exc)
        _BUNDLE = text
        return text


# --------------------------------------------------------------------------------------------
# export side: the preprocessor
# --------------------------------------------------------------------------------------------


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str):
        parsed = json.loads(value)
        if isinstance(parsed, dict):
            return parsed
    raise RenderError(f"expected a JSON object, got {type(value).__name__}")


def _script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script``, no ``<!--``)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@functools.cache
def _make_preprocessor_class() -> type:
    from nbconvert.preprocessors import Preprocessor

    class BriefPreprocessor(Preprocessor):  # type: ignore[misc]
        """Lift meta/data outputs out of the page and turn Vega-Lite specs into offline embeds."""

        def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
            mb = resources.setdefault("mb", {})
            mb.update(meta=None, data=None, charts=0, figures=0, dropped_streams=0)
            # NOTE: the pipeline's exporter also has nbconvert's TagRemovePreprocessor; plain
            # `jupyter nbconvert --template brief` has only this one, so drop the cells here.
            drop = {RESET_CELL_TAG, "remove_cell"}
            nb.cells = [
                c for c in nb.cells if not drop & set(c.get("metadata", {}).get("tags", []))
            ]
            if "rendered_at" not in mb:  # plain nbconvert: the export time, in UTC
                from datetime import UTC

                mb["rendered_dt"] = datetime.now(UTC)
                mb["rendered_at"] = mb["rendered_dt"].isoformat()
            nb, resources = super().preprocess(nb, resources)
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
            return nb, resources

        def preprocess_cell(
            self, cell: Any, resources: dict[str, Any], index: int
        ) -> tuple[Any, dict[str, Any]]:
            if cell.get("cell_type") != "code":
                return cell, resources
            mb = resources["mb"]
            kept = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    # NOTE: warnings on stderr are for the analyst in JupyterLab, not the reader
                    # of a forwarded brief; the executed notebook keeps them.
                    mb["dropped_streams"] += 1
                    continue
                data = out.get("data")
                if not data:
                    kept.append(out)
                    continue
                if META_MIME in data:
                    if mb["meta"] is not None:
                        raise RenderError("the notebook displays more than one meta output")
                    mb["meta"] = _as_dict(data[META_MIME])
                    continue
                if DATA_MIME in data:
                    mb["data"] = payload = _as_dict(data[DATA_MIME])
                    out["data"] = {"text/html": _download_link(payload, mb)}
                    kept.append(out)
                    continue
                mime = next((m for m in VEGALITE_MIMES if m in data), None)
                if mime is not None:
                    spec = _as_dict(data[mime])
                    mb["charts"] += 1
                    div = f"mb-chart-{mb['charts']}"
                    embed = (
                        f'<div class="mb-chart" id="{div}"></div>'
                        f'<script>vegaEmbed("#{div}", {_script_json(spec)}, '
                        '{"mode":"vega-lite","actions":false,"renderer":"svg"})'
                        ".catch(console.error);</script>"
                    )
                    out["data"] = {"text/html": _figure_html(spec, embed, mb)}
                    out.get("metadata", {}).pop(mime, None)
                kept.append(out)
            cell["outputs"] = kept
            return cell, resources

    return BriefPreprocessor


_LINK_LABELS = {
    "en": {"index": "All briefs", "other": "Deutsche Fassung", "methodology": "Methodology"},
    "de": {"index": "Alle Berichte", "other": "English version", "methodology": "Methodik"},
}
_OTHER_LANGUAGE = {"en": "de", "de": "en"}


def _page_links(name: str, language: str, siblings: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Links of a brief's header: the index, the brief in the other language (briefs are named
    ``<scenario>-<language>``; see ``render.plan``) when that page is among ``siblings``, and
    the methodology page, all beside it."""
    from mineral_briefs.render.methodology import METHODOLOGY_HTML

    labels = _LINK_LABELS.get(language, _LINK_LABELS["en"])
    links = [{"href": "index.html", "label": labels["index"], "rel": "index"}]
    other = _OTHER_LANGUAGE.get(language)
    other_name = f"{name[: -len(language)]}{other}" if other else ""
    if other and name.endswith(f"-{language}") and other_name in siblings:
        links.append(
            {
                "href": f"{other_name}.html",
                "label": labels["other"],
                "rel": "alternate",
                "hreflang": other,
            }
        )
    links.append({"href": METHODOLOGY_HTML, "label": labels["methodology"], "rel": "help"})
    return links


def _figure_html(spec: dict[str, Any], embed: str, mb: dict[str, Any]) -> str:
    """Wrap a chart embed in a numbered ``<figure>`` when the brief gave it a label and a source
    line (``usermeta.mineral_briefs.figure``); other charts stay bare."""
    meta = spec.get("usermeta")
    fig = meta.get("mineral_briefs", {}).get("figure") if isinstance(meta, dict) else None
    if not isinstance(fig, dict):
        return embed
    mb["figures"] = number = int(mb.get("figures", 0)) + 1
    label = html_lib.escape(f"{fig.get('label', 'Figure')} {number}")
    source = html_lib.escape(str(fig.get("source", "")))
    return (
        f'<figure class="mb-figure" id="fig-{number}">'
        f'<p class="mb-fig-label">{label}</p>{embed}'
        f'<figcaption class="mb-fig-source">{source}</figcaption></figure>'
    )


def format_render_time(when: datetime, language: str) -> str:
    """Render time for the page header in the brief's language, in UTC.

    ``21 November 2026, 23:55 UTC`` / ``21. November 2026, 23:55 UTC``.
    """
    from datetime import UTC

    from mineral_briefs.i18n import fmt_date

    utc = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    lang = language if language in ("en", "de") else "en"
    return f"{fmt_date(utc.date(), lang)}, {utc:%H:%M} UTC"


def _download_link(payload: dict[str, Any], mb: dict[str, Any]) -> str:
    filename = str(payload.get("filename", ""))
    if not _FILENAME_RE.match(filename) or ".." in filename:
        raise RenderError(f"data output filename {filename!r} is not a plain file name")
    language = str((mb.get("meta") or {}).get("language") or "en")
    label = _DOWNLOAD_LABEL.get(language, _DOWNLOAD_LABEL["en"])
    href = html_lib.escape(filename, quote=True)
    link = (
        f'<p class="mb-download"><a href="{href}" download="{href}">'
        f'{html_lib.escape(label)}</a> <span class="mb-filename">{href}</span></p>'
    )
    kpis_name = payload.get("kpis_filename")
    if kpis_name:
        kpis_name = str(kpis_name)
        if not _FILENAME_RE.match(kpis_name) or ".." in kpis_name:
            raise RenderError(f"key-figure filename {kpis_name!r} is not a plain file name")
        # the comparison names its second file itself (a meta table, not per-market figures)
        k_label = str(payload.get("kpis_label") or _KPI_LABEL.get(language, _KPI_LABEL["en"]))
        k_href = html_lib.escape(kpis_name, quote=True)
        link += (
            f'<p class="mb-download"><a href="{k_href}" download="{k_href}">'
            f'{html_lib.escape(k_label)}</a> <span class="mb-filename">{k_href}</span></p>'
        )
    return link


def brief_css() -> str:
    """The brief stylesheet (``templates/brief/brief.css``) made safe for an inline ``<style>``."""
    try:
        css = BRIEF_CSS.read_text(encoding="utf-8")
    except OSError:
        logger.warning("brief stylesheet %s missing; the brief is unstyled", BRIEF_CSS)
        return ""
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# the exporter (one per process) and export_html
# --------------------------------------------------------------------------------------------

_EXPORTER: HTMLExporter | None = None
_EXPORTER_LOCK = threading.Lock()


def get_exporter() -> HTMLExporter:
    """The process-wide ``HTMLExporter`` with the ``brief`` template (loads ≈0.45 s, once)."""
    global _EXPORTER
    with _EXPORTER_LOCK:
        if _EXPORTER is None:
            from nbconvert import HTMLExporter
            from traitlets.config import Config

            c = Config()
            c.TemplateExporter.exclude_input = True
            c.TemplateExporter.exclude_input_prompt = True
            c.TemplateExporter.exclude_output_prompt = True
            c.HTMLExporter.embed_images = True
            c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell", RESET_CELL_TAG}
            c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
            exporter = HTMLExporter(
                config=c,
                extra_template_basedirs=[str(TEMPLATE_DIR)],
                template_name="brief",
            )
            # NOTE: BriefPreprocessor is registered by the template's conf.json (so that plain
            # `jupyter nbconvert --template brief` runs it too); registering it here as well
            # would run it twice.
            _EXPORTER = exporter
        return _EXPORTER


_HEADING_RE = re.compile(r"<h([23])((?:\s[^>]*)?)>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_ID_RE = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")
TOC_PLACEHOLDER = "<!--mb-toc-->"


def _build_toc(page: str) -> tuple[str, list[dict[str, Any]]]:
    """Give every content ``h2``/``h3`` an id and fill the TOC placeholder with links to them."""
    start = page.find("<main")
    if start < 0:
        return page.replace(TOC_PLACEHOLDER, ""), []
    head, body = page[:start], page[start:]
    entries: list[dict[str, Any]] = []
    used: set[str] = set()

    def _fix(match: re.Match[str]) -> str:
        level, attrs, inner = match.group(1), match.group(2) or "", match.group(3)
        if "mb-notoc" in attrs:
            return match.group(0)
        text = html_lib.unescape(_TAG_RE.sub("", inner)).replace("¶", "").strip()
        found = _ID_RE.search(attrs)
        hid = html_lib.unescape(found.group(1) or found.group(2) or "") if found else ""
        if not hid or hid in used:
            hid = f"sec-{len(entries) + 1}"
            attrs = _ID_RE.sub("", attrs) + f' id="{hid}"'
        used.add(hid)
        entries.append({"level": int(level), "id": hid, "text": text})
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING_RE.sub(_fix, body)
    items = "".join(
        f'<li class="mb-toc-h{e["level"]}"><a href="#{html_lib.escape(e["id"], quote=True)}">'
        f"{html_lib.escape(e['text'])}</a></li>"
        for e in entries
    )
    toc = f"<ol>{items}</ol>" if entries else ""
    return head.replace(TOC_PLACEHOLDER, toc) + body.replace(TOC_PLACEHOLDER, toc), entries


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
    import copy

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
        page, res = exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - nbconvert raises many types; report as export failure
        raise RenderError(f"HTML export failed: {type(exc).__name__}: {exc}") from exc
    page, toc = _build_toc(page)
    mb = res["mb"]
    extras = {"meta": mb["meta"], "data": mb["data"], "charts": mb["charts"], "toc": toc}
    return page, extras


def digest_text(text: str) -> str:
    """Short sha256 of a text (used for quick content identity in logs and tests)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def __getattr__(name: str) -> Any:
    # NOTE: nbconvert imports the preprocessor named in templates/brief/conf.json by its dotted
    # name; the class is built on first use so that importing this module never imports nbconvert.
    if name == "BriefPreprocessor":
        return _make_preprocessor_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
