"""The brief's two machine outputs: the meta record (page header, index) and the data downloads."""

from __future__ import annotations

import io
import logging
import math
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from mineral_briefs import __version__, i18n, iamc, narrative
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.brief.figures import question_of
from mineral_briefs.engine.results import neutralise_formulas

log = logging.getLogger("mineral_briefs.brief")

META_MIME: Final[str] = "application/vnd.mineral-briefs.meta+json"
DATA_MIME: Final[str] = "application/vnd.mineral-briefs.data+json"


class ExportsSection(BriefBase):
    """``meta`` and ``data`` (displayed once each), with the records and CSVs they carry."""

    if TYPE_CHECKING:  # provided by MethodsSection in the composed Brief

        def flag_rows(self) -> pd.DataFrame: ...

        def header_flags(self) -> list[str]: ...

        def answer_csv_rows(self) -> list[dict[str, Any]]: ...

    def meta_dict(self) -> dict[str, Any]:
        """The meta record (no timestamps, no paths, no environment)."""
        headline = [
            {"label": self.t(f"kpi.{k}"), "value": self.kpis[k].text}
            for k in narrative.headline_ids(self.kpis)
        ]
        kpi_values = {k: float(v.value) for k, v in self.kpis.items() if math.isfinite(v.value)}
        flags = self.header_flags()
        if self.overrides:
            flags.insert(0, f"{self.t('params.overrides')}: {self.overrides}")
        return {
            "title": self.title,
            "scenario_id": self.scenario_id,
            "language": self.language,
            "data_vintage": str(self.results.data_vintage),
            "toolkit_version": __version__,
            "scenario_digest": str(self.scenario.digest()),
            "headline": headline,
            "flags": flags,
            "kpis": kpi_values,
            # the index groups briefs by the question they answer and names the mineral
            "question": question_of(self.scenario),
            "mineral": self.mineral,
            "mineral_name": i18n.mineral_name(self.mineral, self.language),
            "stage": self.stage,
        }

    def meta(self) -> None:
        """Display the meta output (mimetype :data:`META_MIME`) exactly once."""
        from IPython.display import display

        if self._displayed_meta:
            log.warning("meta() called twice; the second call displays nothing")
            return
        self._displayed_meta = True
        display({META_MIME: self.meta_dict(), "text/plain": self.title}, raw=True)

    @computed_ahead
    def iamc_csv(self) -> str:
        """The results as IAMC wide at annual resolution: one column per calendar year.

        Years are aggregated by unit (:data:`mineral_briefs.iamc.ANNUAL_RULES`: mean prices and
        flow rates, end-of-year stocks, money summed to USD/yr) and ``Months Covered`` (region
        ``World``) says how many modelled months each year holds, so a partial first or last
        year is never read as a full one. Its ``meta`` is the key-figure CSV
        (:meth:`kpis_csv`) and the page's meta record.

        # NOTE: annual, not monthly, keeps the download small (< 1 MB); the monthly table is
        # one ``mineral-briefs simulate`` away.
        """
        ts = self.results.timeseries
        if ts is None or ts.empty:
            return ""
        wide = iamc.wide(iamc.annual(ts))
        buf = io.StringIO()
        neutralise_formulas(wide).to_csv(buf, index=False, float_format="%.6g")
        return buf.getvalue()

    def _stockpile_rows(self) -> pd.DataFrame:
        """Each stockpile's use (days of its holder's own demand) and its size, as quoted in
        the summary; ``focal`` where the stock serves the brief's mineral."""
        rows = []
        for r in self.results.stockpile_use.itertuples(index=False):
            for kpi, val, lo, hi, stat in (
                (f"stockpile_days_used|{r.holder}", r.value, r.p10, r.p90, "central"),
                (f"stockpile_days_of_cover|{r.holder}", r.days_of_cover, None, None, "input"),
            ):
                rows.append(
                    {
                        "scenario": self.scenario_id,
                        "mineral": r.mineral,
                        "stage": r.stage,
                        "kpi": kpi,
                        "statistic": stat,
                        "value": val,
                        "unit": "days",
                        "p10": val if lo is None else lo,
                        "p90": val if hi is None else hi,
                        "flags": "",
                        "note": f"days of {r.holder}'s own demand",
                        "focal": r.mineral == self.mineral,
                    }
                )
        return pd.DataFrame(rows)

    def kpis_csv(self) -> str:
        """The key figures of every market: the one table the summary, cards, chart titles,
        levers table and index read (``statistic`` = central estimate; P10/P90 over draws)."""
        kp = self.results.kpis
        if kp is None or kp.empty:
            return ""
        out = kp.copy()
        if "flags" not in out:
            out["flags"] = ""
        out.insert(0, "scenario", self.scenario_id)
        out["statistic"] = "central"
        out["focal"] = (out["mineral"] == self.mineral) & (out["stage"] == self.stage)
        extra = self._stockpile_rows()
        if len(extra):
            out = pd.concat([out, extra], ignore_index=True)
        answer = pd.DataFrame(self.answer_csv_rows())
        if len(answer):
            out = pd.concat([out, answer], ignore_index=True)
        cols = ["scenario", "mineral", "stage", "kpi", "statistic", "value", "unit", "p10", "p90"]
        cols += ["flags", "note", "focal"]
        buf = io.StringIO()
        neutralise_formulas(out[cols]).to_csv(buf, index=False, float_format="%.10g")
        return buf.getvalue()

    def data(self) -> None:
        """Display the IAMC results once (mimetype :data:`DATA_MIME`) for the download link."""
        from IPython.display import display

        from mineral_briefs.naming import brief_stem

        stem = brief_stem(self.scenario_id, self.language, self.overrides)
        payload = {
            "filename": f"{stem}.csv",
            "csv": self.iamc_csv(),
            "kpis_filename": f"{stem}-kpis.csv",
            "kpis_csv": self.kpis_csv(),
        }
        display({DATA_MIME: payload, "text/plain": payload["filename"]}, raw=True)
