"""The sources section (a reference list with publisher, year, title, locator, URL as text,
licence and confidence) and the visible flags on unconfirmed inputs and assumptions.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.i18n import escape
from mineral_briefs.narrative.markup import HTML, source_ref


def locator_kind(locator: str, language: str) -> tuple[str, str]:
    """The kind of document a locator starts with, in the brief's language, and the rest.

    ``("Artikel", ", 6 Sep 2022 (quoted)")`` for ``article, 6 Sep 2022 (quoted)`` in German;
    ``("", locator)`` when the locator does not start with a catalogued kind (``locator.<kind>``:
    article, news, press release …). Table and sheet names stay as published.
    """
    low = locator.strip()
    kinds = sorted((k for k in i18n.catalogue(language) if k.startswith("locator.")), key=len)
    kinds.reverse()  # the longest kind first: "news summaries" before "news"
    for key in kinds:
        word = key.removeprefix("locator.")
        if low == word or low.startswith((f"{word},", f"{word} ", f"{word};")):
            return i18n.t(key, language), low[len(word) :]
    return "", locator


def sources_html(sources: pd.DataFrame, language: str) -> HTML:
    """The sources section: a reference list with publisher, year, title, table/page, URL (as
    text, never a link: the page makes no network reference), licence and confidence."""
    heading = f"<h2>{escape(i18n.t('section.sources', language))}</h2>"
    intro = f"<p>{escape(i18n.t('sources.intro', language))}</p>"

    def field_of(rec: Any, name: str) -> str:
        v = getattr(rec, name, "")
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(int(float(v))) if name == "year" and str(v).strip() else str(v).strip()

    items = []
    for rec in sources.itertuples(index=False):
        sid, url = field_of(rec, "source_id"), field_of(rec, "url")
        conf = field_of(rec, "confidence")
        conf_text = (
            i18n.t(f"confidence.{conf}", language)
            if conf and i18n.has(f"confidence.{conf}", language)
            else conf
        )
        # NOTE: a bibliographic title (and its table/page locator) is cited in its original
        # language, English in sources.csv; a non-English brief marks it lang="en" so readers
        # and screen readers know, while every label around it follows the brief's language.
        orig = ' lang="en"' if language != "en" else ""
        parts = [
            f'<span class="mb-ref-id">{escape(sid)}</span> '
            f"{escape(field_of(rec, 'publisher'))} ({escape(field_of(rec, 'year'))}). "
            f"<cite{orig}>{escape(field_of(rec, 'title'))}</cite>."
        ]
        locator = field_of(rec, "locator")
        if locator:
            kind, rest = locator_kind(locator, language)
            # NOTE: the kind of document is a label (translated); what follows it (dates,
            # table names) stays as published, marked like the title.
            loc_html = f'<span class="mb-ref-loc">{escape(kind)}</span>' if kind else ""
            if rest:  # the whole locator when it names no catalogued kind
                loc_html += f'<span class="mb-ref-loc"{orig}>{escape(rest)}</span>'
            parts.append(f" {loc_html}.")
        if url:
            parts.append(f' <span class="mb-url">{escape(url)}</span>')
        # NOTE: licence wording is a label, not part of the citation: known licence texts have
        # a catalogue entry ``licence.<text>``; licence names (CC BY 4.0, MIT) stay as they are.
        licence = field_of(rec, "licence")
        lkey = f"licence.{licence}"
        licence = i18n.t(lkey, language) if i18n.has(lkey, language) else licence
        # NOTE: the licence is its own span so that print can leave it out (the HTML brief
        # keeps it); the confidence label always shows.
        lic = i18n.t("sources.licence", language, licence=escape(licence))
        meta = f'<span class="mb-ref-licence">{lic}{" · " if conf_text else ""}</span>'
        parts.append(f' <span class="mb-ref-meta">{meta}{escape(conf_text)}</span>')
        items.append(f'<li id="src-{escape(sid)}">{"".join(parts)}</li>')
    return HTML(heading + intro + f'<ol class="mb-refs">{"".join(items)}</ol>')


def flags_html(flags: pd.DataFrame, language: str) -> HTML:
    """Visible flags for every input whose confidence is ``unconfirmed`` or ``assumption``.

    Parameters
    ----------
    flags : DataFrame
        ``what, confidence, source_id`` (``what`` is data/scenario text: escaped).
    """
    heading = f"<h3>{escape(i18n.t('methods.flags', language))}</h3>"
    if flags is None or flags.empty:
        return HTML(heading + f"<p>{escape(i18n.t('methods.no_flags', language))}</p>")
    items = "".join(
        f'<li class="mb-flag mb-flag-{escape(r.confidence)}"><strong>'
        f"{escape(i18n.t(f'confidence.{r.confidence}', language))}</strong> "
        f"{escape(r.what)} {source_ref(r.source_id)}</li>"
        for r in flags.itertuples(index=False)
    )
    return HTML(
        heading + f'<div class="mb-callout mb-callout-flag"><p>'
        f"{escape(i18n.t('methods.flags_intro', language))}</p>"
        f'<ul class="mb-flags-list">{items}</ul></div>'
    )
