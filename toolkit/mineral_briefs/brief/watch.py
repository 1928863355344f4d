"""Watch section: dated triggers from the scenario and the policy timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from mineral_briefs import i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.brief.levers import control_in_force
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, Safe, html_table
from mineral_briefs.narrative.situation import names_any, suspension_concerns

WATCHED_KINDS: frozenset[str] = frozenset({"deadline", "capacity"})
"""Kinds of policy-timeline events listed under "What to watch" when they lie ahead."""


class WatchSection(BriefBase):
    """``watch`` and the ``watch_rows`` it lists."""

    def watch_rows(self) -> list[tuple[Any, ...]]:
        """Dated triggers from the scenario and the policy timeline, in date order."""
        lang, sc = self.language, self.scenario
        rows: list[tuple[Any, ...]] = []
        for ctrl in sc.export_controls:
            names = ", ".join(self.t(f"mineral_lower.{m}") for m in ctrl.minerals)
            start, suspended = control_in_force(ctrl)
            if suspended is not None:
                key = "watch.snap_back"
                if "technology" in ctrl.stages:
                    key = "watch.tech_control"
                rows.append(
                    (
                        start,
                        self.t(
                            key, mineral=names, share=i18n.fmt_pct(ctrl.share_withheld * 100, lang)
                        ),
                        "",
                    )
                )
                continue
            if "technology" in ctrl.stages:
                text = self.t("watch.tech_control", mineral=names)
            else:
                text = self.t(
                    "watch.control_start",
                    mineral=names,
                    share=i18n.fmt_pct(ctrl.share_withheld * 100, lang),
                )
            rows.append((ctrl.effective, text, ""))
        for floor in sc.price_floors:
            rows.append(
                (
                    floor.start,
                    self.t(
                        "watch.floor_start",
                        mineral=i18n.mineral_name(floor.mineral, lang),
                        price=i18n.fmt_price(floor.floor.usd_per_kg(), lang),
                    ),
                    "",
                )
            )
        for proj in sc.projects:
            rows.append(
                (proj.start, self.t("watch.project_start", name=escape(proj.name)), "", "month")
            )
        rows.extend(self._timeline_rows())
        # NOTE: only triggers after the as-of date are something to watch; a past date is
        # never listed as a future trigger (the situation section tells what happened). The
        # end of the modelled horizon is no trigger and is left out.
        seen: set[tuple[dt.date, str]] = set()
        unique: list[tuple[Any, ...]] = []
        for r in sorted((r for r in rows if r[0] > self.as_of), key=lambda r: r[0]):
            if (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                unique.append(r)
        return unique

    def _timeline_rows(self) -> list[tuple[Any, ...]]:
        """Triggers from the policy timeline: the suspension's end and future deadlines."""
        lang = self.language
        rows: list[tuple[Any, ...]] = []
        events = self.dataset.policy_events
        if events is not None and len(events):
            ev = events.copy()
            ev["when_"] = pd.to_datetime(ev["date"]).dt.date
            susp = ev[ev["kind"] == "suspension"]
            if len(susp) and suspension_concerns(events, self.minerals):
                last = susp.loc[susp["when_"].idxmax()]
                if last["when_"] > self.as_of:
                    rows.append(
                        (last["when_"], self.t("watch.suspension_end"), str(last["source_id"]))
                    )
            status = ev["status"] if "status" in ev else pd.Series("scheduled", index=ev.index)
            # NOTE: deadlines and scheduled capacity (a plant's commissioning) are triggers; an
            # event naming only other minerals is not this brief's to watch.
            future = ev[
                (ev["when_"] > self.as_of)
                & ev["kind"].isin(WATCHED_KINDS)
                & (status != "cancelled")
                & names_any(ev, self.minerals)
            ]
            for row in future.itertuples(index=False):
                key = f"event.{row.event_id}"
                text = (
                    self.t(key)
                    if i18n.has(key, lang)
                    else (
                        escape(row.summary)
                        if lang == "en"
                        else f"{escape(row.summary)} <em>{self.t('situation.english_only')}</em>"
                    )
                )
                rows.append(
                    (
                        row.when_,
                        text,
                        str(row.source_id),
                        str(getattr(row, "date_precision", "day")),
                    )
                )
        return rows

    @computed_ahead
    def watch(self) -> HTML:
        """What to watch: dates and triggers after the as-of date."""
        head = _h2("section.watch", self.language)
        if not self.watch_rows():
            none = self.t("watch.none_left", date=i18n.fmt_date(self.as_of, self.language))
            return HTML(head + _p(escape(none)))
        rows = [
            (
                i18n.fmt_date(r[0], self.language, r[3] if len(r) > 3 else "day"),
                Safe(r[1]),
                Safe(narrative.source_ref(r[2], breakable=True)),
            )
            for r in self.watch_rows()
        ]
        table = html_table(
            [self.t("watch.col.date"), self.t("watch.col.what"), self.t("watch.col.source")],
            rows,
            css_class="mb-table mb-watch",
        )
        return HTML(head + _p(escape(self.t("watch.intro"))) + table)
