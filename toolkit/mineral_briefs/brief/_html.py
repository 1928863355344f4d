"""HTML fragments every section uses: the section heading and a paragraph."""

from __future__ import annotations

from mineral_briefs import i18n
from mineral_briefs.i18n import escape


def _h2(key: str, language: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<h2{cls}>{escape(i18n.t(key, language))}</h2>"


def _p(text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{text}</p>"
