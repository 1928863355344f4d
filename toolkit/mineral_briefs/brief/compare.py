"""The comparison page: several prepared briefs side by side (``notebooks/compare.ipynb``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import pandas as pd

from mineral_briefs import __version__, charts, i18n, iamc, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.compose import Brief
from mineral_briefs.brief.exports import DATA_MIME, META_MIME
from mineral_briefs.brief.prepare import prepare
from mineral_briefs.engine.results import neutralise_formulas
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, Safe, html_table

COMPARE_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "months_to_recovery",
    "stockpile_days_used",
    "buyer_extra_cost_usd_per_year",
    "projects_needed",
)
"""KPIs of the comparison table and small multiples."""

BUYERS_KPI: Final[str] = "buyer_extra_cost_usd_per_year"
"""What alliance buyers pay above the base price in the peak calendar year: the answer box's
"who pays" figure of each brief (``Brief.who_pays``), not the engine's ``consumer_cost_*`` KPIs,
which count only what price floors add (a 3.4× shock without a floor read "USD 0" there)."""


RISING_KPI: Final[str] = "peak_price_multiple_outside"
"""The comparison column whose still-rising values are marked (†)."""


@dataclass
class Comparison:
    """Several prepared briefs side by side (``notebooks/compare.ipynb``)."""

    briefs: list[Brief]
    language: str
    _displayed_meta: bool = field(default=False, repr=False)

    def t(self, key: str, **values: Any) -> str:
        """Translate a catalogue key into the comparison's language."""
        return i18n.t(key, self.language, **values)

    def kpi_frame(self) -> pd.DataFrame:
        """``scenario, kpi, kpi_label, value, value_label, band_label, mineral`` per brief.

        ``band_label`` is the P10–P90 range as printed (``–`` for a deterministic KPI).
        """
        rows = []
        for b in self.briefs:
            for kpi in COMPARE_KPIS:
                if kpi == BUYERS_KPI:
                    rows.extend(self._buyers_row(b))
                    continue
                k = b.kpis.get(kpi)
                if k is None or not math.isfinite(k.value):
                    continue
                value = (
                    narrative.as_percent(kpi, k.value, k.unit)
                    if kpi in narrative.SHARE_KPIS
                    else k.value
                )
                band = (
                    f"{k.p10_text}–{k.p90_text}"
                    if k.p10 is not None and k.p90 is not None and k.p10 != k.p90
                    else "–"
                )
                rows.append(
                    (b.scenario_id, kpi, self.t(f"kpi.{kpi}"), value, k.text, band, b.mineral)
                )
        df = pd.DataFrame(
            rows,
            columns=[
                "scenario",
                "kpi",
                "kpi_label",
                "value",
                "value_label",
                "band_label",
                "mineral",
            ],
        )
        # NOTE: a KPI that is zero in every scenario (no floor anywhere, say) is left out.
        moving = df.groupby("kpi")["value"].transform(lambda v: (v.abs() > 1e-9).any())
        return df[moving.astype(bool)].reset_index(drop=True)

    def _buyers_row(self, b: Brief) -> list[tuple[Any, ...]]:
        """The :data:`BUYERS_KPI` row of brief ``b`` (none when it has no money series)."""
        paid = b.who_pays.get("buyers")
        if paid is None or not math.isfinite(paid[1]):
            return []
        label = i18n.fmt_money(paid[1], self.language)
        return [
            (b.scenario_id, BUYERS_KPI, self.t(f"kpi.{BUYERS_KPI}"), paid[1], label, "–", b.mineral)
        ]

    def meta_dict(self) -> dict[str, Any]:
        """The meta record of the comparison page."""
        ids = [b.scenario_id for b in self.briefs]
        vintage = str(self.briefs[0].results.data_vintage) if self.briefs else ""
        import hashlib

        digest = hashlib.sha256(
            "|".join(str(b.scenario.digest()) for b in self.briefs).encode()
        ).hexdigest()
        return {
            "title": self.t("brief.compare_title", n=len(ids)),
            "scenario_id": "compare",
            "language": self.language,
            "data_vintage": vintage,
            "toolkit_version": __version__,
            "scenario_digest": digest,
            "headline": [{"label": self.t("chart.scenario"), "value": ", ".join(ids)}],
            "flags": [],
            "kpis": {},
        }

    def meta(self) -> None:
        """Display the meta output once."""
        from IPython.display import display

        if not self._displayed_meta:
            self._displayed_meta = True
            display({META_MIME: self.meta_dict(), "text/plain": "meta"}, raw=True)

    def header(self) -> HTML:
        """One line per scenario: id and title (escaped)."""
        items = "".join(
            f"<li><strong>{escape(b.scenario_id)}</strong> — {escape(b.title)}</li>"
            for b in self.briefs
        )
        return HTML(
            f'<div class="mb-lede"><p>{escape(self.t("compare.intro"))}</p><ul>{items}</ul></div>'
        )

    def kpi_table(self) -> HTML:
        """The KPI table: one row per scenario, one column per KPI."""
        df = self.kpi_frame()
        head = _h2("section.compare_kpis", self.language, "mb-first")
        if df.empty:
            return HTML(head + _p(escape(self.t("compare.none"))))
        cols = [k for k in COMPARE_KPIS if k in set(df["kpi"])]
        rows = []
        notes: list[str] = []
        rising: list[str] = []
        for b in self.briefs:
            sel = df[df["scenario"] == b.scenario_id].set_index("kpi")["value_label"]
            cells = [sel.get(k, self._missing(b, k, notes)) for k in cols]
            peak = b.kpis.get(RISING_KPI)
            if RISING_KPI in cols and peak is not None and peak.flagged("rising_at_end"):
                # NOTE: a peak still rising in the last month is that month's price: beside
                # peaks reached and passed it reads as the larger shock when it may only be
                # the later one (stocks used up at the end of the horizon).
                i = cols.index(RISING_KPI)
                cells[i] = Safe(f"{escape(str(cells[i]))}<sup>†</sup>")
                rising.append(f"{b.scenario_id} ({b.end_text})")
            # NOTE: scenario ids may break after an underscore, never inside a word.
            rows.append(
                [
                    Safe(escape(b.scenario_id).replace("&#95;", "&#95;<wbr>")),
                    i18n.mineral_name(b.mineral, self.language),
                    *cells,
                ]
            )
        if rising:
            notes.append(
                f"<li>{escape(self.t('compare.rising_note', items=', '.join(rising)))}</li>"
            )
        headers = [
            self.t("compare.col.scenario"),
            self.t("chart.mineral"),
            *[self.t(f"kpi.{k}") for k in cols],
        ]
        table = html_table(
            headers, rows, numeric=tuple(range(2, 2 + len(cols))), css_class="mb-table mb-compare"
        )
        foot = f'<ul class="mb-kpi-notes">{"".join(notes)}</ul>' if notes else ""
        return HTML(head + table + foot + _h2("section.compare_multiples", self.language))

    def _missing(self, b: Any, kpi: str, notes: list[str]) -> Any:
        """The cell of a KPI the table has no value for: "n/a" with a footnote marker and, in
        ``notes``, why (as the brief's own cards say it); a dash when the brief has no such KPI.

        # NOTE: a bare "n/a" beside figures reads as a gap in the work (the cobalt brief's new
        # projects: no sourced project size for cobalt refining); the brief itself says why.
        """
        k = b.kpis.get(kpi)
        if k is None:
            return "–"
        if math.isfinite(k.value) or k.flagged("open_at_horizon"):
            return k.text
        mark = "*" * (len(notes) + 1)
        why = narrative.na_reason(kpi, k, self.language)
        notes.append(f"<li>{escape(mark)} {escape(b.scenario_id)}: {escape(why)}</li>")
        return Safe(f"{escape(k.text)}<sup>{escape(mark)}</sup>")

    def small_multiples(self) -> Any:
        """Chart: one panel per KPI, one bar per scenario."""
        df = self.kpi_frame()
        if df.empty:
            return HTML("")
        # NOTE: a figure the data cannot give has no bar but keeps its "n/a" label, as in the
        # table; an empty row read like a scenario left out.
        have = set(zip(df["scenario"], df["kpi"], strict=True))
        missing = [
            (b.scenario_id, kpi, self.t(f"kpi.{kpi}"), float("nan"), k.text, "–", b.mineral)
            for kpi in dict.fromkeys(df["kpi"])
            for b in self.briefs
            if (b.scenario_id, kpi) not in have
            and (k := b.kpis.get(kpi)) is not None
            and not math.isfinite(k.value)
        ]
        if missing:
            df = pd.concat([df, pd.DataFrame(missing, columns=df.columns)], ignore_index=True)
        chart = charts.small_multiples(
            df, self.language, mineral_of_scenario={b.scenario_id: b.mineral for b in self.briefs}
        )
        if not self.briefs:
            return chart
        # a numbered figure whose source line names the focal markets' data of every scenario
        ids = [sid for b in self.briefs for sid in b.market_source_ids()]
        return self.briefs[0].figure(chart, ids)

    def sources(self) -> HTML:
        """Every source used by any of the scenarios."""
        ids: set[str] = set()
        for b in self.briefs:
            ids |= set(getattr(b.results, "sources", ()) or ()) | set(b.scenario.source_ids)
        ds = self.briefs[0].dataset if self.briefs else None
        if ds is None:
            return HTML("")
        return narrative.sources_html(ds.sources_for(sorted(ids)), self.language)

    def parameters(self) -> HTML:
        """Run parameters of every scenario."""
        rows = [
            (
                b.scenario_id,
                i18n.fmt_number(b.draws, self.language),
                str(b.seed),
                str(b.scenario.digest())[:16],
            )
            for b in self.briefs
        ]
        return HTML(
            _h2("section.parameters", self.language)
            + html_table(
                [
                    self.t("params.scenario"),
                    self.t("params.draws"),
                    self.t("params.seed"),
                    self.t("params.digest"),
                ],
                rows,
                css_class="mb-table mb-params",
            )
        )

    def iamc_csv(self) -> str:
        """Every compared scenario's results as IAMC wide, annual (one scenario per brief;
        the rules of :meth:`mineral_briefs.brief.Brief.iamc_csv`)."""
        parts = [iamc.annual(b.results.timeseries) for b in self.briefs]
        if not parts:
            return ""
        wide = iamc.wide(pd.concat(parts, ignore_index=True))
        return neutralise_formulas(wide).to_csv(index=False, float_format="%.6g")

    def meta_csv(self) -> str:
        """pyam's ``meta`` table of the comparison: one row per scenario, the run's indicators
        (:meth:`mineral_briefs.engine.Results.meta`) and one column per compared KPI (the value
        as the table prints it: shares in %)."""
        frame = self.kpi_frame()
        rows = []
        for b in self.briefs:
            mine = frame.loc[frame["scenario"] == b.scenario_id]
            kpis = {str(k): float(v) for k, v in zip(mine["kpi"], mine["value"], strict=True)}
            rows.append(
                b.results.meta(mineral=b.mineral, stage=b.stage, as_of=b.as_of.isoformat(), **kpis)
            )
        if not rows:
            return ""
        meta = pd.concat(rows, ignore_index=True)
        return neutralise_formulas(meta).to_csv(index=False, float_format="%.10g")

    def data(self) -> None:
        """Display the IAMC data and its meta table as CSVs for the download links."""
        from IPython.display import display

        payload = {
            "filename": f"compare-{self.language}.csv",
            "csv": self.iamc_csv(),
            "kpis_filename": f"compare-{self.language}-meta.csv",
            "kpis_csv": self.meta_csv(),
            "kpis_label": self.t("compare.meta_download"),
        }
        display({DATA_MIME: payload, "text/plain": payload["filename"]}, raw=True)

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "header",
        "kpi_table",
        "small_multiples",
        "sources",
        "parameters",
    )


def prepare_comparison(
    scenarios: str = "all", language: str = "en", draws: int = -1, seed: int = -1
) -> Comparison:
    """Prepare several scenarios for the comparison brief.

    Parameters
    ----------
    scenarios : str
        Comma-separated scenario ids, or ``all`` (every built-in scenario).
    language : str
        ``en`` or ``de``.
    draws, seed : int
        As in :func:`prepare` (``-1``: each scenario's own setting).
    """
    from mineral_briefs.scenarios import list_scenarios

    if scenarios.strip() in ("", "all"):
        ids = [info.id for info in list_scenarios()]
    else:
        ids = [s.strip() for s in scenarios.split(",") if s.strip()]
    briefs = [prepare(sid, language=language, draws=draws, seed=seed) for sid in ids]
    return Comparison(briefs=briefs, language=language)
