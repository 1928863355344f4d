"""The parts of a brief's page around its cells: header links, figures, downloads, CSS, contents.

Called by the preprocessor (:mod:`.preprocessor`) while it walks the notebook, and by
:func:`mineral_briefs.export.export_html` for the table of contents of the finished page.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from datetime import datetime
from typing import Any

from mineral_briefs.errors import RenderError
from mineral_briefs.export.contract import TEMPLATE_DIR

# NOTE: the export modules log to the package's logger, as they did as one module.
logger = logging.getLogger("mineral_briefs.export")

BRIEF_CSS = TEMPLATE_DIR / "brief" / "brief.css"

_FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_DOWNLOAD_LABEL = {"en": "Download the data (IAMC CSV)", "de": "Daten herunterladen (IAMC-CSV)"}
_KPI_LABEL = {
    "en": "Download the key figures (CSV: central estimate, P10, P90, flags)",
    "de": "Kennzahlen herunterladen (CSV: zentrale Schätzung, P10, P90, Hinweise)",
}
_TOC_LABEL = {"en": "Contents", "de": "Inhalt"}


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


def chart_embed(spec: dict[str, Any], mb: dict[str, Any]) -> str:
    """A chart's ``<div>`` and offline ``vegaEmbed`` call (in a ``<figure>`` when labelled).

    Counts the chart in ``mb["charts"]`` (the page's div ids are numbered by it).
    """
    mb["charts"] += 1
    div = f"mb-chart-{mb['charts']}"
    embed = (
        f'<div class="mb-chart" id="{div}"></div>'
        f'<script>vegaEmbed("#{div}", {_script_json(spec)}, '
        '{"mode":"vega-lite","actions":false,"renderer":"svg"})'
        ".catch(console.error);</script>"
    )
    return _figure_html(spec, embed, mb)


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
