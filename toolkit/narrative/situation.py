"""The situation section: the suspension callout and the dated policy events of the scenario's
minerals, each with its source and, when unconfirmed, a visible flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import pandas as pd

from toolkit import i18n
from toolkit.i18n import escape
from toolkit.narrative.markup import HTML, source_ref

EVENT_KEYS: Final[tuple[str, ...]] = ("summary",)


def situation_html(
    events: pd.DataFrame,
    language: str,
    *,
    minerals: Iterable[str],
    as_of: dt.date,
    since: dt.date = dt.date(2025, 1, 1),
    max_events: int = 12,
) -> HTML:
    """The situation section: dated policy events with their sources.

    Parameters
    ----------
    events : DataFrame
        ``policy_events`` (``date, event_id, date_precision, actor, kind, minerals, summary,
        source_id, confidence``).
    language : str
        ``en`` or ``de``. German summaries come from the catalogue key ``event.<event_id>``;
        an event without one is shown in English and marked so (never silently).
    minerals : iterable of str
        Minerals of the scenario; events that name none of them (and name any) are left out.
    as_of : date
        Reference date (the scenario start) for "days until".
    since : date
        Oldest event shown.
    max_events : int
        At most this many events (the most recent ones).
    """
    wanted = set(minerals)
    lines = [f"<h2>{escape(i18n.t('section.situation', language))}</h2>"]
    if events is not None and len(events):
        callout = _suspension_callout(events, language, wanted, as_of)
        if callout:
            lines.append(callout)
    lines.append(f"<p>{escape(i18n.t('situation.intro', language))}</p>")
    if events is None or events.empty:
        return HTML("".join([*lines, f"<p>{escape(i18n.t('situation.none', language))}</p>"]))
    df = events.copy()
    df["when_"] = pd.to_datetime(df["date"]).dt.date
    mins = df.get("minerals", pd.Series("", index=df.index)).fillna("").astype(str)
    relevant = mins.map(
        lambda s: (
            not s.strip() or bool(wanted & set(x.strip() for x in s.replace(",", ";").split(";")))
        )
    )
    df = df[relevant & (df["when_"] >= since)].sort_values("when_").tail(max_events)
    if df.empty:
        lines.append(f"<p>{escape(i18n.t('situation.none', language))}</p>")
    items = [_event_item(row, language) for row in df.itertuples(index=False)]
    if items:
        lines.append(f'<ul class="mb-events">{"".join(items)}</ul>')
    return HTML("".join(lines))


def _suspension_callout(
    events: pd.DataFrame, language: str, wanted: set[str], as_of: dt.date
) -> str:
    """The callout on the latest suspension of export controls (``""`` when there is none)."""
    susp = events[events["kind"] == "suspension"]
    if not len(susp):
        return ""
    last = pd.to_datetime(susp["date"]).max().date()
    key = "situation.suspension" if last >= as_of else "situation.suspension_past"
    text = i18n.t(key, language, date=i18n.fmt_date(last, language))
    if wanted & {"rare_earths", "magnet_rees"}:
        text += " " + i18n.t("situation.april", language)
    return f'<p class="mb-callout">{text}</p>'


def _event_item(row: Any, language: str) -> str:
    """One dated event as a list item: date, actor, summary, confidence flag, source."""
    precision = getattr(row, "date_precision", "day") or "day"
    when = i18n.fmt_date(row.when_, language, str(precision))
    key = f"event.{row.event_id}"
    if i18n.has(key, language):
        text = i18n.t(key, language)
    else:
        text = escape(row.summary)
        if language != "en":
            text += f" <em>{i18n.t('situation.english_only', language)}</em>"
    flag = ""
    if str(getattr(row, "confidence", "")) in ("unconfirmed", "assumption"):
        flag = (
            f' <span class="mb-flag-inline">'
            f"{i18n.t(f'confidence.{row.confidence}', language)}</span>"
        )
    src = source_ref(row.source_id)
    # NOTE: the actor column is English data text; the German summaries name the actors
    # themselves, so the German line leaves the column out.
    actor = f"{escape(row.actor)}: " if language == "en" else ""
    return f'<li><strong class="mb-date">{when}</strong> — {actor}{text}{flag} {src}</li>'
