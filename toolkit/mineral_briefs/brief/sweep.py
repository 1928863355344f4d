"""The sweep brief (``notebooks/sweep.ipynb``): a KPI over the lever grid, its thresholds in
words and the cheapest point meeting the target, read from a sweep's output folder."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mineral_briefs import __version__, i18n
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.exports import META_MIME
from mineral_briefs.brief.sweep_text import (
    Condition,
    cheapest,
    fmt_kpi,
    fmt_lever,
    lever_label,
    parse_condition,
    thresholds,
)
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, html_table

TABLE_LIMIT = 60
"""Grids up to this many points list every point; larger ones list the target's best 20."""


@dataclass
class SweepBrief:
    """A finished sweep, read back for its brief."""

    folder: Path
    language: str
    meta_table: pd.DataFrame
    spec: dict[str, Any]
    _shown_meta: bool = field(default=False, repr=False)

    @property
    def paths(self) -> list[str]:
        """The swept key paths, in grid order."""
        return [a["path"] for a in self.spec["axes"]]

    def t(self, key: str, **values: Any) -> str:
        """Translate a catalogue key into the brief's language."""
        return i18n.t(key, self.language, **values)

    def _allowed(self) -> list[str]:
        from mineral_briefs.sweep.output import SWEEP_KPIS

        return [*SWEEP_KPIS, "cost_usd"]

    @property
    def target(self) -> Condition | None:
        """The sweep's target, if one was set."""
        text = self.spec.get("target") or ""
        return parse_condition(text, self._allowed()) if text else None

    @property
    def threshold(self) -> Condition:
        """The condition the threshold sentences describe."""
        return parse_condition(self.spec["threshold"], self._allowed(), "--threshold")

    def meta_dict(self) -> dict[str, Any]:
        """The page's meta record."""
        return {
            "title": self.t("sweep.title", scenario=self.spec["base"]),
            "scenario_id": f"sweep-{self.spec['base']}",
            "language": self.language,
            "data_vintage": "",
            "toolkit_version": __version__,
            "scenario_digest": "",
            "headline": [],
            "flags": [],
            "kpis": {},
        }

    def meta(self) -> None:
        """Display the meta output once."""
        from IPython.display import display

        if not self._shown_meta:
            self._shown_meta = True
            display({META_MIME: self.meta_dict(), "text/plain": "meta"}, raw=True)

    def header(self) -> HTML:
        """Title line: what was varied, over which market, with how many draws."""
        mineral, stage = self.spec["market"]
        levers = ", ".join(
            f"{lever_label(a['path'], self.language)} ({a['path']}: "
            f"{fmt_lever(a['path'], a['values'][0], self.language)} – "
            f"{fmt_lever(a['path'], a['values'][-1], self.language)}, {len(a['values'])})"
            for a in self.spec["axes"]
        )
        market = (
            f"{i18n.mineral_name(mineral, self.language)}, {i18n.stage_name(stage, self.language)}"
        )
        text = self.t(
            "sweep.intro",
            n=i18n.fmt_number(len(self.meta_table), self.language),
            title=self.spec["title"][self.language],
            draws=i18n.fmt_number(self.spec["draws"], self.language),
            levers=levers,
            market=market,
        )
        return HTML(f'<div class="mb-lede">{_p(escape(text))}</div>')

    def chart_frame(self, kpi: str) -> pd.DataFrame:
        """One row per grid point for :func:`mineral_briefs.charts.sweep.sweep_heatmap`."""
        m = self.meta_table
        x = self.paths[0]
        y = self.paths[1] if len(self.paths) > 1 else None
        target = self.target
        meets = target.holds(m[target.kpi]) if target else pd.Series(False, index=m.index)
        return pd.DataFrame(
            {
                "x_value": m[x],
                "x_text": [fmt_lever(x, v, self.language) for v in m[x]],
                "y_value": m[y] if y else 0.0,
                "y_text": [fmt_lever(y, v, self.language) for v in m[y]] if y else "",
                "value": m[kpi],
                "value_text": [fmt_kpi(kpi, float(v), self.language) for v in m[kpi]],
                "meets": meets.astype(bool).to_numpy(),
            }
        )

    def grid_chart(self, kpi: str | None = None) -> Any:
        """The heatmap (two levers) or line (one lever) of ``kpi`` (default: the threshold's)."""
        from mineral_briefs.charts.sweep import sweep_heatmap

        kpi = kpi or self.threshold.kpi
        y = self.paths[1] if len(self.paths) > 1 else None
        frame = self.chart_frame(kpi)
        if len(self.paths) > 2:  # NOTE: further axes are summarised by their worst point
            frame = frame.groupby(["x_text", "y_text"], as_index=False).agg(
                x_value=("x_value", "first"),
                y_value=("y_value", "first"),
                value=("value", "max"),
                meets=("meets", "any"),
            )
            frame["value_text"] = [fmt_kpi(kpi, float(v), self.language) for v in frame["value"]]
        return sweep_heatmap(
            frame,
            self.language,
            x=self.paths[0],
            y=y,
            kpi_label=self.t(f"kpi.{kpi}") if kpi != "cost_usd" else self.t("sweep.col.cost"),
            x_label=lever_label(self.paths[0], self.language),
            y_label=lever_label(y, self.language) if y else "",
            meets_label=self.t("sweep.chart.meets") if self.target else "",
        )

    def thresholds(self) -> HTML:
        """The threshold sentences, computed from the grid."""
        lines = thresholds(self.meta_table, self.paths, self.threshold, self.language)
        body = "".join(f"<li>{escape(s)}</li>" for s in lines)
        return HTML(_h2("sweep.section.thresholds", self.language) + f"<ul>{body}</ul>")

    def _levers_text(self, row: pd.Series) -> str:
        return ", ".join(
            f"{lever_label(p, self.language)} {fmt_lever(p, row[p], self.language)}"
            for p in self.paths
        )

    def target_text(self) -> str:
        """The cheapest point meeting the target, in one sentence (or why there is none)."""
        target = self.target
        if target is None:
            return self.t("sweep.target.absent")
        m = self.meta_table
        best = cheapest(m, target)
        if best is None:
            gap = (m[target.kpi] - target.value).abs()
            near = m.loc[gap.idxmin()]
            return self.t(
                "sweep.target.none",
                target=str(target),
                levers=self._levers_text(near),
                kpi=self.t(f"kpi.{target.kpi}"),
                value=fmt_kpi(target.kpi, float(near[target.kpi]), self.language),
            )
        return self.t(
            "sweep.target.met",
            target=str(target),
            n=i18n.fmt_number(int(target.holds(m[target.kpi]).sum()), self.language),
            total=i18n.fmt_number(len(m), self.language),
            levers=self._levers_text(best),
            cost=i18n.fmt_money(float(best["cost_usd"]), self.language),
            kpi=self.t(f"kpi.{target.kpi}") if target.kpi != "cost_usd" else "cost",
            value=fmt_kpi(target.kpi, float(best[target.kpi]), self.language),
        )

    def answer(self) -> HTML:
        """The target section: the sentence and the cost note."""
        return HTML(
            _h2("sweep.section.target", self.language)
            + _p(escape(self.target_text()))
            + _p(escape(self.t("sweep.cost_note")), "mb-note")
        )

    def points(self) -> HTML:
        """A table of the grid points (every point for small grids)."""
        m = self.meta_table
        kpi = self.threshold.kpi
        heading = _h2("sweep.section.points", self.language)
        if len(m) > TABLE_LIMIT:
            heading = (
                "<h2>"
                + escape(
                    self.t(
                        "sweep.section.points_best",
                        n=20,
                        kpi=self.t(f"kpi.{kpi}") if kpi != "cost_usd" else self.t("sweep.col.cost"),
                        total=i18n.fmt_number(len(m), self.language),
                    )
                )
                + "</h2>"
            )
            m = m.sort_values([kpi, "point"]).head(20)
        headers = [
            self.t("sweep.col.point"),
            *[lever_label(p, self.language) for p in self.paths],
            self.t(f"kpi.{kpi}") if kpi != "cost_usd" else self.t("sweep.col.cost"),
            self.t("sweep.col.cost"),
        ]
        rows = []
        for _, r in m.iterrows():
            v = float(r[kpi])
            rows.append(
                [
                    str(r["scenario"]),
                    *[fmt_lever(p, r[p], self.language) for p in self.paths],
                    fmt_kpi(kpi, v, self.language) if math.isfinite(v) else "–",
                    i18n.fmt_money(float(r["cost_usd"]), self.language),
                ]
            )
        n = len(self.paths)
        table = html_table(headers, rows, numeric=list(range(1, n + 3)))
        return HTML(heading + table)


def load_sweep(folder: str | Path, language: str = "en") -> SweepBrief:
    """Read a sweep's output folder (``sweep.json`` and the ``meta`` table) for its brief."""
    from mineral_briefs import charts, export
    from mineral_briefs.sweep.output import read_meta

    i18n.check_language(language)
    meta, spec = read_meta(Path(folder))
    # NOTE: as prepare() does: the house theme, and charts as Vega-Lite outputs the export
    # embeds offline (not Altair's default HTML renderer, which loads Vega from a CDN).
    charts.register_theme()
    export.enable_offline_renderer()
    return SweepBrief(folder=Path(folder), language=language, meta_table=meta, spec=spec)
