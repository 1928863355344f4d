"""Watch section: dated triggers from the scenario and the policy timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from toolkit import i18n, narrative
from toolkit.brief._html import _h2, _p
from toolkit.brief.base import BriefBase
from toolkit.i18n import escape
from toolkit.narrative import HTML, Safe, html_table


class WatchSection(BriefBase):
    """``watch`` and the ``watch_rows`` it lists."""

    def watch_rows(self) -> list[tuple[Any, ...]]:
        """Dated triggers from the scenario and the policy timeline, in date order."""
        lang, sc = self.language, self.scenario
        rows: list[tuple[Any, ...]] = []
        for ctrl in sc.export_controls:
            names = ", ".join(self.t(f"mineral_lower.{m}") for m in ctrl.minerals)
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
        events = self.dataset.policy_events
        if events is not None and len(events):
            ev = events.copy()
            ev["when_"] = pd.to_datetime(ev["date"]).dt.date
            susp = ev[ev["kind"] == "suspension"]
            if len(susp):
                last = susp.loc[susp["when_"].idxmax()]
                if last["when_"] >= self.start:
                    rows.append(
                        (last["when_"], self.t("watch.suspension_end"), str(last["source_id"]))
                    )
            future = ev[(ev["when_"] >= self.start) & (ev["kind"] == "deadline")]
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
        rows.append((sc.horizon.end, self.t("watch.horizon_end"), "", "month"))
        seen: set[tuple[dt.date, str]] = set()
        unique: list[tuple[Any, ...]] = []
        for r in sorted(rows, key=lambda r: r[0]):
            if (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                unique.append(r)
        return unique

    def watch(self) -> HTML:
        """What to watch: dates and triggers."""
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
        return HTML(_h2("section.watch", self.language) + _p(escape(self.t("watch.intro"))) + table)
