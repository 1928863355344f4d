"""The brief's HTML exporter: nbconvert's ``HTMLExporter`` without its BeautifulSoup pass.

``HTMLExporter.from_notebook_node`` (nbconvert 7) ends by parsing the finished page with
BeautifulSoup's pure-Python ``html.parser`` to make three accessibility edits, and serialising
it again: every ``<img>`` without ``alt`` gets a placeholder text, and every output area and
input wrapper in the notebook gets ``tabindex="0"`` (so a keyboard reaches a scrollable output).
On a brief (1,600 tags) that pass is 0.13-0.17 s of a 0.19 s export, in every cold brief and
every preview refresh (issue 16). :func:`accessible` makes the same three edits on the text, with
one pass of regular expressions over the markup outside ``<script>`` and ``<style>`` elements
(whose content is text, not tags, in HTML: the inlined Vega bundle contains ``<img`` in its
JavaScript). ``tests/test_export_exporter.py`` checks, on a real executed brief, that the page
parsed and serialised by BeautifulSoup equals nbconvert's own output byte for byte.

# NOTE: :class:`BriefHTMLExporter` repeats the filter registration of nbconvert's method (a
# dozen lines) and calls the template exporter's ``from_notebook_node`` directly; the parity test
# fails if a later nbconvert changes what that method does.
"""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger("mineral_briefs.export")

ALT_PLACEHOLDER = "No description has been provided for this image"
"""nbconvert's text for an image without ``alt`` (kept, so pages read as before)."""

_RAW_TEXT = re.compile(r"(<(script|style)\b[^>]*>.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)
_IMG = re.compile(r"<img\b([^>]*?)(\s*/?)>", re.IGNORECASE)
_DIV = re.compile(r"<div\b([^>]*?)(\s*/?)>", re.IGNORECASE)
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_HAS_ALT = re.compile(r"\balt\s*=", re.IGNORECASE)
_TABINDEX = re.compile(r"""\btabindex\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_FOCUSABLE = frozenset({"jp-OutputArea-output", "jp-Cell-inputWrapper"})


def _div(match: re.Match[str]) -> str:
    attrs, end = match.group(1), match.group(2)
    cls = _CLASS.search(attrs)
    if cls is None or not _FOCUSABLE & set((cls.group(1) or cls.group(2) or "").split()):
        return match.group(0)
    if _TABINDEX.search(attrs):
        # nbconvert sets the value, keeping the attribute where it was
        return "<div" + _TABINDEX.sub('tabindex="0"', attrs, count=1) + end + ">"
    return f'<div{attrs} tabindex="0"{end}>'


def accessible(html: str) -> tuple[str, int]:
    """``html`` with nbconvert's accessibility edits, and how many images lacked ``alt``.

    Outside ``<script>``/``<style>`` elements: ``alt`` (:data:`ALT_PLACEHOLDER`) on every
    ``<img>`` without one, ``tabindex="0"`` on every ``div.jp-OutputArea-output`` and
    ``div.jp-Cell-inputWrapper`` (an existing ``tabindex`` set to 0, as nbconvert does).
    """
    missing = 0

    def img(match: re.Match[str]) -> str:
        nonlocal missing
        attrs, end = match.group(1), match.group(2)
        if _HAS_ALT.search(attrs):
            return match.group(0)
        missing += 1
        return f'<img{attrs} alt="{ALT_PLACEHOLDER}"{end}>'

    parts = _RAW_TEXT.split(html)
    out: list[str] = []
    # NOTE: split() with two groups gives [markup, element, tag name, markup, element, tag name,
    # …, markup]: only the markup between the raw-text elements is edited.
    for i in range(0, len(parts), 3):
        out.append(_DIV.sub(_div, _IMG.sub(img, parts[i])))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out), missing


def make_exporter_class() -> type[Any]:
    """The ``HTMLExporter`` subclass whose page skips the BeautifulSoup pass (nbconvert imported
    here, on first use)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BriefHTMLExporter(HTMLExporter):  # type: ignore[misc]
        """``HTMLExporter`` with :func:`accessible` in place of its BeautifulSoup pass."""

        def from_notebook_node(  # type: ignore[override]
            self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html, missing = accessible(html)
            if missing:
                self.log.warning("Alternative text is missing on %s image(s).", missing)
            return html, resources

    return BriefHTMLExporter
