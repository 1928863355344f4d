"""The output types of the narrative (Markdown, HTML, Safe cells) and its HTML building blocks.

:class:`Markdown` and :class:`HTML` are ``str`` subclasses that Jupyter displays as
``text/markdown`` / ``text/html``, so notebooks stay trivial and tests can search them directly.
Every piece of scenario- or data-supplied text goes through :func:`mineral_briefs.i18n.escape`
before it
reaches either, so a hostile scenario title renders inert; :class:`Safe` marks a cell that is
already HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mineral_briefs.i18n import escape


class Markdown(str):
    """Markdown text that Jupyter displays as ``text/markdown``."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


class HTML(str):
    """HTML that Jupyter displays as ``text/html`` (already escaped where needed)."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


class Safe(str):
    """A table cell that is already HTML (not escaped again by :func:`html_table`)."""


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    css_class: str = "mb-table",
    numeric: Sequence[int] = (),
) -> HTML:
    """An escaped HTML table; :class:`Safe` cells are inserted as they are.

    Parameters
    ----------
    headers : sequence of str
        Column headers (escaped).
    rows : iterable of sequences
        Cell values (escaped unless :class:`Safe`).
    css_class : str
        Class of the ``<table>``.
    numeric : sequence of int
        Column positions right-aligned as numbers (class ``mb-num``).
    """

    def cell(tag: str, value: Any, pos: int) -> str:
        cls = ' class="mb-num"' if pos in numeric else ""
        text = value if isinstance(value, Safe) else escape("" if value is None else value)
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", v, i) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    return HTML(
        f'<div class="mb-table-wrap"><table class="{css_class}"><thead><tr>{head}'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def source_ref(source_ids: str | Iterable[str], *, breakable: bool = False) -> str:
    """Escaped, compact source reference ``[USGS_MCS2026; IEA_CMD2025]`` for prose.

    ``breakable`` allows a line break after each underscore (``<wbr>``), for narrow table
    cells: a long id then wraps at its parts instead of overflowing or breaking mid-word.
    """
    ids = [
        s.strip()
        for s in (source_ids.split(";") if isinstance(source_ids, str) else source_ids)
        if str(s).strip()
    ]
    text = escape("; ".join(ids))
    if breakable:
        text = text.replace("&#95;", "&#95;<wbr>")
    return f'<span class="mb-src">{text}</span>' if ids else ""
