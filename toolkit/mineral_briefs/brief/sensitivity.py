"""Sensitivity section: what drives the result, in words and as a tornado chart."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from mineral_briefs import charts, i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.figures import FiguresSection
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML

SENSITIVITY_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "months_to_recovery",
)


class SensitivitySection(FiguresSection):
    """``sensitivity`` and ``tornado_chart`` over the one-at-a-time sensitivity frame."""

    def sensitivity_frame(self) -> tuple[pd.DataFrame, str]:
        """Tornado rows of the focal KPI: ``parameter_label, base, low, high, *_label``."""
        sens = self.results.sensitivity
        if sens is None or sens.empty:
            return pd.DataFrame(), ""
        sel = sens[(sens["mineral"] == self.mineral) & (sens["stage"] == self.stage)]
        if sel.empty:
            sel = sens[sens["mineral"] == self.mineral]
        if sel.empty:  # the tornado ran on other markets only: nothing to show for this one
            return pd.DataFrame(), ""
        kpis = list(dict.fromkeys(sel["kpi"]))
        kpi = next((k for k in SENSITIVITY_KPIS if k in kpis), kpis[0])
        sel = sel[sel["kpi"] == kpi].copy()
        unit = ""
        if kpi in narrative.SHARE_KPIS:
            for col in ("base", "low", "high"):
                sel[col] = [narrative.as_percent(kpi, v, "") for v in sel[col]]
            unit = "%"
        sel["parameter_label"] = [self.parameter_label(p) for p in sel["parameter"]]
        sel["low_label"] = [narrative.format_kpi(kpi, v, unit, self.language) for v in sel["low"]]
        sel["high_label"] = [narrative.format_kpi(kpi, v, unit, self.language) for v in sel["high"]]
        sel = sel.drop_duplicates("parameter_label")
        return sel.reset_index(drop=True), kpi

    @computed_ahead
    def sensitivity(self) -> HTML:
        """What drives the result: the largest swing in words."""
        frame, kpi = self.sensitivity_frame()
        head = _h2("section.sensitivity", self.language)
        if frame.empty:
            return HTML(head + _p(escape(self.t("sensitivity.none"))))
        frame = frame.assign(swing=(frame["high"] - frame["low"]).abs()).sort_values(
            "swing", ascending=False
        )
        top = frame.iloc[0]
        if _flat(frame):
            # NOTE: no input moves the result as printed: naming one as "most sensitive"
            # ("1.0× to 1.0×") read as a finding where there is none
            kpi_the = f"kpi_the.{kpi}" if i18n.has(f"kpi_the.{kpi}", self.language) else None
            label = self.t(kpi_the or f"kpi.{kpi}")
            text = self.t(
                "sensitivity.flat",
                kpi=escape(label[:1].upper() + label[1:]),
                mineral=escape(self.t(f"mineral_lower.{self.mineral}")),
            )
            return HTML(head + _p(text))
        text = self.t(
            "sensitivity.intro",
            kpi=escape(self.t(f"kpi.{kpi}")),
            mineral=escape(i18n.mineral_name(self.mineral, self.language)),
        )
        top_text = self.t(
            "sensitivity.top",
            parameter=escape(top["parameter_label"]),
            low=escape(top["low_label"]),
            high=escape(top["high_label"]),
        )
        return HTML(head + _p(text) + _p(top_text))

    @computed_ahead
    def tornado_chart(self) -> Any:
        """Chart: one-at-a-time sensitivity (tornado)."""
        frame, kpi = self.sensitivity_frame()
        if frame.empty or _flat(frame):  # zero-width bars under "no input moves it"
            return HTML("")
        fmt = ".2f" if kpi in narrative.MULTIPLE_KPIS else ",.0f"
        chart = charts.tornado_chart(
            frame,
            self.language,
            kpi_label=self.t(f"kpi.{kpi}"),
            mineral=self.mineral,
            value_format=fmt,
            unit=self.kpi_unit(kpi),
        )
        return self.figure(chart, self.market_source_ids(parameters=True))


def _flat(frame: pd.DataFrame) -> bool:
    """No input moves the KPI as printed (every bar's low and high read alike)."""
    return bool((frame["low_label"] == frame["high_label"]).all())
