"""Sentences with numbers, tables and the sources footer of the briefs — in English and German.

Pure functions of small DataFrames (the layouts of :mod:`mineral_briefs.engine` and
:mod:`mineral_briefs.data`)
plus a language. No number in a brief is typed by hand: every figure in the text is formatted
here from the results or the data, with :mod:`mineral_briefs.i18n`.

Two output types keep notebooks trivial: :class:`Markdown` (displayed as ``text/markdown``) and
:class:`HTML` (``text/html``). Both are ``str`` subclasses, so tests can search them directly.
Every piece of scenario- or data-supplied text goes through :func:`mineral_briefs.i18n.escape`
before
it reaches either, so a hostile scenario title renders inert.

One module per job:

* :mod:`~mineral_briefs.narrative.markup` — the output types, :func:`html_table`,
:func:`source_ref`;
* :mod:`~mineral_briefs.narrative.kpis` — KPI formatting and lookup (:class:`KPI`,
:func:`kpi_lookup`);
* :mod:`~mineral_briefs.narrative.summary` — the findings of the executive summary;
* :mod:`~mineral_briefs.narrative.cards` — the KPI cards;
* :mod:`~mineral_briefs.narrative.situation` — the dated policy events;
* :mod:`~mineral_briefs.narrative.news` — the news-versus-data table;
* :mod:`~mineral_briefs.narrative.sources` — the reference list and the input flags.
"""

from __future__ import annotations

from mineral_briefs.narrative.cards import kpi_cards, na_reason
from mineral_briefs.narrative.kpis import (
    FLAG_CODES,
    HEADLINE_KPIS,
    KPI,
    MONEY_FLOWS,
    MONEY_KPIS,
    MULTIPLE_KPIS,
    SHARE_KPIS,
    TONNE_KPIS,
    as_percent,
    format_kpi,
    headline_ids,
    kpi_lookup,
    month_text,
)
from mineral_briefs.narrative.markup import HTML, Markdown, Safe, html_table, source_ref
from mineral_briefs.narrative.news import (
    CLAIM_IDS,
    SHORT_PUBLISHERS,
    NewsRow,
    news_vs_data_html,
    news_vs_data_rows,
)
from mineral_briefs.narrative.situation import EVENT_KEYS, situation_html
from mineral_briefs.narrative.sources import flags_html, sources_html
from mineral_briefs.narrative.summary import Finding, findings

__all__ = [
    "CLAIM_IDS",
    "EVENT_KEYS",
    "FLAG_CODES",
    "HEADLINE_KPIS",
    "HTML",
    "KPI",
    "MONEY_FLOWS",
    "MONEY_KPIS",
    "MULTIPLE_KPIS",
    "SHARE_KPIS",
    "SHORT_PUBLISHERS",
    "TONNE_KPIS",
    "Finding",
    "Markdown",
    "NewsRow",
    "Safe",
    "as_percent",
    "findings",
    "flags_html",
    "format_kpi",
    "headline_ids",
    "html_table",
    "kpi_cards",
    "na_reason",
    "kpi_lookup",
    "month_text",
    "news_vs_data_html",
    "news_vs_data_rows",
    "situation_html",
    "source_ref",
    "sources_html",
]
