"""What-if section: the slider over the engine's lever grid, its KPI, title and hint."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from mineral_briefs import charts, i18n, narrative
from mineral_briefs.brief._html import _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.figures import FiguresSection
from mineral_briefs.brief.sensitivity import SENSITIVITY_KPIS
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML

WHATIF_LEVERS: Final[tuple[str, ...]] = ("share_withheld", "floor_usd_per_kg", "floor_price")


class WhatIfSection(FiguresSection):
    """``whatif_hint`` and ``whatif_chart`` with the grid, KPI and title they show."""

    def _whatif_lever(self) -> tuple[str, pd.DataFrame]:
        """The lever of the slider and its rows of the engine's grid (empty: no grid)."""
        grid = self.results.whatif
        if grid is None or grid.empty:
            return "", pd.DataFrame()
        levers = list(dict.fromkeys(grid["lever"]))
        lever = next((lv for lv in WHATIF_LEVERS if lv in levers), levers[0])
        sel = grid[grid["lever"] == lever]
        if lever in ("floor_usd_per_kg", "floor_price"):
            # NOTE: one floor per slider: the floor of the market heading the brief, else the
            # scenario's first floor (each floor has its own what-if line in the engine).
            own = sel[sel["mineral"] == self.mineral]
            sel = own if len(own) else sel[sel["mineral"] == sel["mineral"].iloc[0]]
        return lever, sel

    @staticmethod
    def _response(values: pd.Series) -> float:
        """How much a KPI responds to the lever: relative range × share of steps that move.

        # NOTE: a KPI flat over most of the grid (a peak price set by a licensing delay, which
        # jumps only at 100 %) scores low even with a large range, so the slider shows a KPI
        # that moves wherever the reader puts it.
        """
        v = values.to_numpy(dtype=float)
        v = v[pd.notna(v)]
        if len(v) < 2:
            return 0.0
        scale = max(abs(v).max(), 1e-12)
        rel = float(v.max() - v.min()) / scale
        return rel * WhatIfSection._moving_share(values)

    @staticmethod
    def _moving_share(values: pd.Series) -> float:
        """Share of the grid's steps over which a KPI changes by more than 1 % of its scale."""
        v = values.dropna().to_numpy(dtype=float)
        if len(v) < 2:
            return 0.0
        scale = max(abs(v).max(), 1e-12)
        return float((abs(pd.Series(v).diff().dropna()) > 0.01 * scale).mean())

    def whatif_kpi(self) -> str:
        """The KPI of the slider chart, chosen from the grid (the focal mineral's responses)."""
        lever, sel = self._whatif_lever()
        if sel.empty:
            return ""
        focal = sel[sel["mineral"] == self.mineral]
        focal = focal if len(focal) else sel
        wanted = (*SENSITIVITY_KPIS, "peak_price_multiple_alliance", "consumer_cost_usd_per_year")
        cands = [k for k in wanted if k in set(focal["kpi"])] or list(dict.fromkeys(focal["kpi"]))
        scores = {
            k: max(
                self._response(g.sort_values("lever_value")["value"])
                for _, g in focal[focal["kpi"] == k].groupby("stage")
            )
            for k in cands
        }
        # NOTE: SENSITIVITY_KPIS order breaks ties (within 10 % of the best score), so the
        # shortfall is preferred to the recovery time when both respond alike.
        best = max(scores.values())
        return next(k for k in cands if scores[k] >= 0.9 * best)

    def whatif_grid(self, kpi: str | None = None) -> tuple[pd.DataFrame, str, str]:
        """The slider grid of one KPI: ``lever_value, mineral, value, value_label``.

        Parameters
        ----------
        kpi : str, optional
            KPI id; default :meth:`whatif_kpi` (the KPI that responds most to the lever).

        Returns
        -------
        grid, lever, kpi
            Lever values in the lever's display unit (share withheld in [%]).
        """
        lever, sel = self._whatif_lever()
        if sel.empty:
            return pd.DataFrame(), "", ""
        kpi = kpi or self.whatif_kpi()
        sel = sel[sel["kpi"] == kpi]
        if sel.empty:
            return pd.DataFrame(), lever, kpi
        # NOTE: one line per mineral: the stage whose KPI moves most with the lever (the focal
        # stage on ties), so the slider shows where the lever bites.
        spread = sel.groupby(["mineral", "stage"])["value"].agg(lambda v: v.max() - v.min())
        spread = spread.reset_index().assign(focal=lambda d: d["stage"] != self.stage)
        best = spread.sort_values(["value", "focal"], ascending=[False, True]).drop_duplicates(
            "mineral"
        )
        sel = sel.merge(best[["mineral", "stage"]], on=["mineral", "stage"])
        unit = ""
        kp = self.results.kpis
        if kp is not None and len(kp):
            hit = kp[kp["kpi"] == kpi]
            unit = str(hit.iloc[0]["unit"]) if len(hit) else ""
        out = sel[["lever_value", "mineral", "value"]].copy()
        if lever == "share_withheld" and out["lever_value"].max() <= 1.0:
            out["lever_value"] = out["lever_value"] * 100.0
        if kpi in narrative.SHARE_KPIS:
            out["value"] = [narrative.as_percent(kpi, v, unit) for v in out["value"]]
            unit = "%"
        out["value_label"] = [
            narrative.format_kpi(kpi, v, unit, self.language) for v in out["value"]
        ]
        if kpi in narrative.SHARE_KPIS and float(out["value"].abs().max()) < 20:
            # NOTE: small shares get one decimal, so 2.3 % and 2.6 % do not both read "2 %".
            out["value_label"] = [i18n.fmt_pct(v, self.language, 1) for v in out["value"]]
        out = out.sort_values(["mineral", "lever_value"], kind="stable")
        return out.reset_index(drop=True), lever, kpi

    def _lever_label(self, lever: str) -> str:
        return self.t(f"lever.{lever}") if i18n.has(f"lever.{lever}", self.language) else lever

    def _lever_text(self, lever: str, value: float) -> str:
        if lever == "share_withheld":
            return i18n.fmt_pct(value, self.language)
        if lever in ("floor_usd_per_kg", "floor_price"):
            return i18n.fmt_price(value, self.language)
        return i18n.fmt_number(value, self.language, i18n.auto_decimals(value))

    def whatif_title(self, grid: pd.DataFrame, lever: str, kpi: str) -> str:
        """Chart title stating the finding: the focal KPI at both ends of the lever's range."""
        sel = grid[grid["mineral"] == self.mineral]
        sel = (sel if len(sel) else grid).sort_values("lever_value")
        lo, hi = sel.iloc[0], sel.iloc[-1]
        gap = abs(float(hi["value"]) - float(lo["value"]))
        if gap <= 0.01 * max(abs(float(lo["value"])), 1e-9):
            key = "chart.whatif.title_flat"
        else:
            key = (
                "chart.whatif.title_up"
                if float(hi["value"]) > float(lo["value"])
                else "chart.whatif.title_down"
            )
        lo_text, hi_text = str(lo["value_label"]), str(hi["value_label"])
        if lo_text == hi_text and key != "chart.whatif.title_flat" and kpi in narrative.SHARE_KPIS:
            # NOTE: a rise the labels' one decimal cannot show (0.0 % to 0.0 % beside a rising
            # line: alliance_floor's lithium shortfall) is written with the decimals it needs
            for d in (2, 3):
                lo_text = i18n.fmt_pct(float(lo["value"]), self.language, d)
                hi_text = i18n.fmt_pct(float(hi["value"]), self.language, d)
                if lo_text != hi_text:
                    break
        return self.t(
            key,
            lever=self._catalogue_or("lever_the", lever),
            lever_lo=self._lever_text(lever, float(lo["lever_value"])),
            lever_hi=self._lever_text(lever, float(hi["lever_value"])),
            # NOTE: a KPI without a "the …" phrase is named by its label, never by its id
            kpi=self.t(f"kpi_the.{kpi}")
            if i18n.has(f"kpi_the.{kpi}", self.language)
            else self.t(f"kpi.{kpi}"),
            lo=lo_text,
            hi=hi_text,
        )

    def _licensing_days(self) -> int:
        days = [
            int(getattr(c, "licensing_delay_days", 0) or 0)
            for c in self.scenario.export_controls
            if self.mineral in c.minerals
        ]
        return max(days, default=0)

    @computed_ahead
    def whatif_chart(self) -> Any:
        """Chart with a slider over the what-if grid (works offline, no kernel).

        The main panel shows the KPI that responds to the lever (:meth:`whatif_kpi`); when
        that is not the peak price outside China, the peak price follows as a second panel
        with a note on what sets it.
        """
        grid, lever, kpi = self.whatif_grid()
        if grid.empty:
            return HTML(_p(escape(self.t("whatif.none")), "mb-note"))
        lever_label = self._lever_label(lever)
        fmt = ".1f" if kpi in narrative.MULTIPLE_KPIS else ",.0f"
        if kpi in narrative.SHARE_KPIS and float(grid["value"].abs().max()) < 20:
            fmt = ",.1f"
        extra: dict[str, Any] = {}
        peak = "peak_price_multiple_outside"
        if kpi != peak:
            second, _, _ = self.whatif_grid(peak)
            second = second[second["mineral"] == self.mineral] if len(second) else second
            if len(second):
                note = self.peak_note(second, lever)
                extra = dict(
                    second=second,
                    second_label=self.t(f"kpi.{peak}"),
                    second_format=".1f",
                    second_unit=self.kpi_unit(peak),
                    second_note=note,
                )
        chart = charts.whatif_chart(
            grid,
            self.language,
            lever_label=lever_label,
            kpi_label=self.t(f"kpi.{kpi}"),
            mineral=self.mineral,
            value_format=fmt,
            initial=self._lever_setting(lever),
            unit=self.kpi_unit(kpi),
            title=self.whatif_title(grid, lever, kpi),
            **extra,
        )
        return self.figure(chart, self.market_source_ids())

    FLAT_SPREAD: float = 0.05
    """Largest relative spread of the peak over the slider that reads as "flat" [fraction]."""

    def peak_note(self, second: pd.DataFrame, lever: str) -> str:
        """The second panel's note, computed from the values it shows: "flat at …" only when
        the peak moves by at most :attr:`FLAT_SPREAD` over the whole slider (then, with a
        licensing delay, that the delay sets it); else where it starts, ends and takes its
        largest step."""
        g = second.sort_values("lever_value")
        x = g["lever_value"].to_numpy(dtype=float)
        v = g["value"].to_numpy(dtype=float)
        ok = [i for i in range(len(v)) if v[i] == v[i]]
        if len(ok) < 2:
            return self.t("chart.whatif.peak_note")
        x, v = x[ok], v[ok]
        lang = self.language
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo * (1.0 + self.FLAT_SPREAD):
            days = self._licensing_days()
            if days > 0:
                return self.t(
                    "chart.whatif.peak_note_licensing",
                    days=i18n.fmt_number(days, lang),
                    value=i18n.fmt_multiple(lo, lang),
                )
            return self.t("chart.whatif.peak_note_flat", value=i18n.fmt_multiple(lo, lang))
        steps = abs(v[1:] - v[:-1])
        j = int(steps.argmax())
        return self.t(
            "chart.whatif.peak_note_range",
            first=i18n.fmt_multiple(float(v[0]), lang),
            lever_first=self._lever_text(lever, float(x[0])),
            last=i18n.fmt_multiple(float(v[-1]), lang),
            lever_last=self._lever_text(lever, float(x[-1])),
            a=i18n.fmt_multiple(float(v[j]), lang),
            b=i18n.fmt_multiple(float(v[j + 1]), lang),
            lever_a=self._lever_text(lever, float(x[j])),
            lever_b=self._lever_text(lever, float(x[j + 1])),
        )

    def _lever_setting(self, lever: str) -> float | None:
        """The scenario's own setting of a lever (slider start)."""
        if lever == "share_withheld":
            for ctrl in self.scenario.export_controls:
                if self.mineral in ctrl.minerals and "technology" not in ctrl.stages:
                    return float(ctrl.share_withheld) * 100.0
        if lever in ("floor_usd_per_kg", "floor_price"):
            floors = list(self.scenario.price_floors)
            own = [f for f in floors if f.mineral == self.mineral] or floors[:1]
            return float(own[0].floor.usd_per_kg()) if own else None
        return None

    @computed_ahead
    def whatif_hint(self) -> HTML:
        """One line telling the reader how to use the slider (empty without a lever grid)."""
        _, sel = self._whatif_lever()
        if sel.empty:
            return HTML("")
        return HTML(_p(escape(self.t("levers.whatif_hint")), "mb-note"))
