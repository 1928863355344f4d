"""``methodology.html`` beside the briefs: ``docs/methodology.md`` as an offline page.

The briefs link to it (page header), so the equations and parameters a reader is pointed to
travel with the briefs, styled like them, without a network.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from pathlib import Path

from mineral_briefs import __version__
from mineral_briefs.locations import PACKAGE_DIR, checkout_root
from mineral_briefs.render.layout import METHODOLOGY

logger = logging.getLogger("mineral_briefs.render")

METHODOLOGY_HTML = METHODOLOGY
"""File name of the page in the output folder (linked from every brief and the index)."""


def methodology_source() -> Path | None:
    """``docs/methodology.md`` of the checkout, else the copy a wheel ships (``assets/docs``)."""
    candidates = [PACKAGE_DIR / "assets" / "docs" / "methodology.md"]
    root = checkout_root()
    if root is not None:
        candidates.insert(0, root / "docs" / "methodology.md")
    return next((p for p in candidates if p.is_file()), None)


_HREF_RE = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)


def _local_links_as_text(body: str) -> str:
    """Keep links within the page and to the web; other links (repository files that are not
    shipped beside the briefs) become plain text, so the page has no dead link."""

    def fix(m: re.Match[str]) -> str:
        href = html_lib.unescape(m.group(1))
        if href.startswith(("#", "https://", "http://")):
            return m.group(0)
        return f'<span class="mb-doc-ref">{m.group(2)}</span>'

    return _HREF_RE.sub(fix, body)


def build_methodology(markdown: str) -> str:
    """The methodology page: markdown (tables included, raw HTML escaped) in the brief style.

    Parameters
    ----------
    markdown
        Text of ``docs/methodology.md``.
    """
    from markdown_it import MarkdownIt

    from mineral_briefs.export import brief_css

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    body = _local_links_as_text(md.render(markdown))
    title_m = re.search(r"<h1>(.*?)</h1>", body, re.DOTALL)
    title = re.sub(r"<[^>]+>", "", title_m.group(1)) if title_m else "Methodology"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta name="generator" content="mineral-briefs {html_lib.escape(__version__)}">\n'
        f"<title>{title}</title>\n"
        f'<style id="mb-brief-css">\n{brief_css()}\n'
        ".mb-doc table{border-collapse:collapse;font-size:0.86rem;margin:0.8rem 0 1.2rem}"
        ".mb-doc th,.mb-doc td{border-bottom:1px solid var(--mb-rule);padding:0.3rem 0.5rem;"
        "text-align:left;vertical-align:top}"
        ".mb-doc blockquote{margin:1rem 0;padding:0.6rem 1rem;background:#eef6fb;"
        "border-left:4px solid var(--mb-accent)}"
        ".mb-doc pre{background:var(--mb-panel);padding:0.6rem;overflow-x:auto}"
        "\n</style>\n</head>\n<body>\n"
        '<nav class="mb-links" aria-label="briefs"><a href="index.html">All briefs · '
        "Alle Berichte</a></nav>\n"
        f'<main class="mb-doc">\n{body}</main>\n</body>\n</html>\n'
    )


def write_methodology(out: Path, toolkit_source: str | None = None) -> Path | None:
    """Write ``<out>/methodology.html`` from ``docs/methodology.md``; ``None`` if not found.

    The page is kept in ``<cache>/methodology/``, keyed by the markdown, the toolkit's source
    (the page code and the brief stylesheet among it) and its version: converting the markdown
    takes about 0.25 s at the end of every render, a single brief's included (issue 16).
    ``toolkit_source`` is the run's :func:`~mineral_briefs.fingerprint.toolkit_source_hash`
    when the caller has it (hashing the sources again took 18 ms at the end of every run).
    """
    from mineral_briefs.render.atomic import atomic_write

    src = methodology_source()
    if src is None:
        logger.warning("docs/methodology.md not found: %s not written", METHODOLOGY_HTML)
        return None
    target = out / METHODOLOGY_HTML
    page = _cached_page(src.read_text(encoding="utf-8"), toolkit_source)
    # NOTE: an unchanged page is not written again (every render ends here; an atomic write
    # syncs the file and its folder to disk)
    try:
        same = target.read_bytes() == page.encode("utf-8")
    except OSError:
        same = False
    if not same:
        atomic_write(target, page)
    return target


def _cached_page(markdown: str, toolkit_source: str | None = None) -> str:
    """:func:`build_methodology` through the disk cache (built again on any miss or damage)."""
    import hashlib

    from mineral_briefs.cachefiles import keep_recent
    from mineral_briefs.fingerprint import toolkit_source_hash
    from mineral_briefs.locations import cache_dir
    from mineral_briefs.render.atomic import atomic_write

    key = hashlib.sha256(
        "\0".join((markdown, toolkit_source or toolkit_source_hash(), __version__)).encode("utf-8")
    ).hexdigest()
    entry = cache_dir() / "methodology" / f"{key}.html"
    try:
        page = entry.read_text(encoding="utf-8")
        # NOTE: written atomically, so only a damaged disk gives a partial page: check its end
        if page.endswith("</html>\n"):
            return page
    except (OSError, UnicodeDecodeError):
        pass
    page = build_methodology(markdown)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(entry, page)
        keep_recent(entry, KEEP_PAGES)
    except OSError as exc:
        logger.debug("methodology page not cached in %s: %s", entry.parent, exc)
    return page


KEEP_PAGES = 4
"""Cached methodology pages kept (each code or document change adds one of ≈0.2 MB)."""
