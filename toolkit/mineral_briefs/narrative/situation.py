"""The situation section: the suspension callout and the dated policy events of the scenario's
minerals, each with its source and, when unconfirmed, a visible flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.i18n import escape
from mineral_briefs.narrative.markup import HTML, source_ref
from mineral_briefs.vocab import RARE_EARTHS

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
        Date the brief speaks from: events on or before it read in the past tense (and, when
        their ``status`` is ``unknown``, say that the outcome is not recorded), later ones as
        scheduled.
    since : date
        Oldest event shown.
    max_events : int
        At most this many events (the most recent ones).
    """
    wanted = mineral_family(minerals)
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
    df = df[names_any(df, wanted) & (df["when_"] >= since)].sort_values("when_").tail(max_events)
    if df.empty:
        lines.append(f"<p>{escape(i18n.t('situation.none', language))}</p>")
    items = [_event_item(row, language, as_of) for row in df.itertuples(index=False)]
    if items:
        lines.append(f'<ul class="mb-events">{"".join(items)}</ul>')
    return HTML("".join(lines))


def mineral_family(minerals: Iterable[str]) -> set[str]:
    """``minerals`` plus the rare-earth baskets when any is a rare earth: policy events name
    rare earths as a family, not element by element."""
    wanted = set(minerals)
    if wanted & RARE_EARTHS:
        wanted |= {"rare_earths", "magnet_rees"}
    return wanted


def names_any(events: pd.DataFrame, minerals: Iterable[str]) -> pd.Series:
    """Per event: True when it names one of ``minerals`` (a rare-earth element counts as
    rare earths) or names no mineral at all."""
    wanted = mineral_family(minerals)
    mins = events.get("minerals", pd.Series("", index=events.index)).fillna("").astype(str)
    return mins.map(
        lambda s: (
            not s.strip() or bool(wanted & set(x.strip() for x in s.replace(",", ";").split(";")))
        )
    ).astype(bool)


def decisive_suspension_end(events: pd.DataFrame) -> tuple[dt.date, str, str] | None:
    """The end of the latest suspension of export controls: ``(date, status, event_id)``.

    ``None`` when the timeline holds no suspension. A ``status`` column missing from an older
    table reads as ``unknown`` (never as happened).
    """
    if events is None or not len(events) or "kind" not in events:
        return None
    susp = events[events["kind"] == "suspension"]
    if not len(susp):
        return None
    when = pd.to_datetime(susp["date"]).dt.date
    last = susp.loc[when.idxmax()]
    status = str(last.get("status", "") or "unknown")
    return when.max(), status, str(last["event_id"])


def suspension_state(events: pd.DataFrame, as_of: dt.date) -> str | None:
    """What the brief can say about the suspension on ``as_of``.

    ``running`` (its end is after ``as_of``), ``ended`` (controls back: status ``happened``),
    ``extended`` (``extended`` or ``cancelled``) or ``unknown`` (the date has passed and the
    data do not say what happened; a ``scheduled`` status on a past date counts as unknown).
    ``None`` when there is no suspension in the timeline.
    """
    found = decisive_suspension_end(events)
    if found is None:
        return None
    end, status, _ = found
    if end > as_of:
        return "running"
    if status == "happened":
        return "ended"
    if status in ("extended", "cancelled"):
        return "extended"
    return "unknown"


def suspension_concerns(events: pd.DataFrame, minerals: Iterable[str]) -> bool:
    """Whether the timeline's suspension concerns any of ``minerals`` (one of its events names
    one of them, or names no mineral).

    NOTE: a nickel or copper brief opened with the state of China's rare-earth and gallium
    controls (BT-10's replay), and listed their end as a trigger to watch.
    """
    if events is None or not len(events) or "kind" not in events:
        return False
    susp = events[events["kind"] == "suspension"]
    return bool(len(susp)) and bool(names_any(susp, minerals).any())


def _suspension_callout(
    events: pd.DataFrame, language: str, wanted: set[str], as_of: dt.date
) -> str:
    """The callout on the latest suspension of export controls (``""`` when there is none)."""
    state = suspension_state(events, as_of)
    found = decisive_suspension_end(events)
    if state is None or found is None:
        return ""
    if not suspension_concerns(events, wanted):
        return ""
    text = i18n.t(f"situation.suspension_{state}", language, date=i18n.fmt_date(found[0], language))
    if wanted & {"rare_earths", "magnet_rees"}:
        text += " " + i18n.t("situation.april", language)
    return f'<p class="mb-callout">{text}</p>'


def event_status_tag(when: dt.date, status: str, as_of: dt.date) -> str:
    """Catalogue key suffix of an event's standing on ``as_of`` (``""``: nothing to add).

    Later events read ``scheduled`` (or ``cancelled``); past ones say ``unknown`` when no
    source records their outcome, ``cancelled`` / ``extended`` when one does.
    """
    if when > as_of:
        return "cancelled" if status == "cancelled" else "scheduled"
    if status in ("cancelled", "extended"):
        return status
    if status in ("unknown", "scheduled", ""):
        return "unknown"
    return ""


def _event_item(row: Any, language: str, as_of: dt.date) -> str:
    """One dated event as a list item: date, actor, summary, status, confidence flag, source."""
    precision = getattr(row, "date_precision", "day") or "day"
    when = i18n.fmt_date(row.when_, language, str(precision))
    key = f"event.{row.event_id}"
    # NOTE: an event whose date has passed reads in the past tense where the catalogue has a
    # past-tense summary: ``event_done.<id>`` once it is recorded as happened, else
    # ``event_past.<id>`` (it was due); the stored summary is written as announced.
    if row.when_ <= as_of:
        done = str(getattr(row, "status", "")) == "happened"
        for prefix in ("event_done", "event_past") if done else ("event_past",):
            if i18n.has(f"{prefix}.{row.event_id}", language):
                key = f"{prefix}.{row.event_id}"
                break
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
    tag = event_status_tag(row.when_, str(getattr(row, "status", "") or ""), as_of)
    if tag:
        flag += f' <span class="mb-flag-inline">{i18n.t(f"event_status.{tag}", language)}</span>'
    status_source = str(getattr(row, "status_source", "") or "")
    src = source_ref(row.source_id)
    if status_source and status_source != str(row.source_id):
        src += " " + source_ref(status_source)
    # NOTE: the actor column is English data text; the German summaries name the actors
    # themselves, so the German line leaves the column out.
    actor = f"{escape(row.actor)}: " if language == "en" else ""
    return f'<li><strong class="mb-date">{when}</strong> — {actor}{text}{flag} {src}</li>'
