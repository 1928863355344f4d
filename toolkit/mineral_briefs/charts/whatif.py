"""The in-page what-if chart: a slider over a lever and the KPI per mineral redrawn from a
grid computed ahead (no kernel needed in the page), with an optional second panel on the same
slider.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    MUTED,
    WIDTH,
    finish,
    mineral_scale,
    number_axis,
    wrap_lines,
)


def _whatif_panel(
    df: pd.DataFrame,
    language: str,
    *,
    lever_label: str,
    kpi_label: str,
    value_format: str,
    unit: str | None,
    step: float,
    title: str,
    subtitle: str,
    height: int,
    y_title: str | None = None,
) -> alt.LayerChart:
    """One what-if panel: a line per mineral, the point and label at the slider's setting."""
    colour = alt.Color("mineral_name:N", scale=mineral_scale(df["mineral"], language), title=None)
    x = alt.X("lever_value:Q", title=lever_label)
    if y_title is None:
        y_title = kpi_label + (f" ({unit})" if unit else "")
    y = alt.Y("value:Q", title=y_title, axis=number_axis(value_format))
    tooltip = [
        alt.Tooltip("mineral_name:N", title=i18n.t("chart.mineral", language)),
        alt.Tooltip("lever_label:N", title=lever_label),
        alt.Tooltip("value_label:N", title=kpi_label),
    ]
    base = alt.Chart(df)
    lines = base.mark_line(opacity=0.55).encode(x=x, y=y, color=colour, tooltip=tooltip)
    near = f"abs(datum.lever_value - lever) < {step / 2!r}"
    points = (
        base.mark_point(size=110, filled=True, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
        .transform_filter(near)
    )
    labels = (
        base.mark_text(align="left", dx=9, dy=-9, fontWeight=600)
        .encode(x=x, y=y, text="label_text:N", color=colour)
        .transform_filter(near)
    )
    rule = (
        base.mark_rule(color=MUTED, strokeDash=[4, 3])
        .encode(x=x)
        .transform_filter(near)
        .transform_aggregate(lever_value="min(lever_value)")
    )
    panel: Any = alt.layer(lines, rule, points, labels)
    return panel.properties(
        width=WIDTH,
        height=height,
        title=alt.TitleParams(wrap_lines(title, 64), subtitle=wrap_lines(subtitle, 96)),
    )


def _whatif_frame(grid: pd.DataFrame, language: str) -> pd.DataFrame:
    df = grid.copy()
    df["mineral_name"] = [i18n.mineral_name(m, language) for m in df["mineral"]]
    df["lever_label"] = [
        i18n.fmt_number(v, language, i18n.auto_decimals(v)) for v in df["lever_value"]
    ]
    # NOTE: markets with the same printed value at a setting (Dy and Tb move alike) drew the
    # same label on top of each other in two colours; the first keeps it, the point and the
    # tooltip still show each market.
    same = df.duplicated(subset=["lever_value", "value_label"], keep="first")
    df["label_text"] = df["value_label"].where(~same, "")
    return df


def whatif_chart(
    grid: pd.DataFrame,
    language: str,
    *,
    lever_label: str,
    kpi_label: str,
    mineral: str,
    value_format: str = ",.2f",
    initial: float | None = None,
    unit: str | None = None,
    title: str | None = None,
    second: pd.DataFrame | None = None,
    second_label: str = "",
    second_format: str = ",.2f",
    second_unit: str | None = None,
    second_note: str = "",
) -> alt.LayerChart | alt.VConcatChart:
    """The in-page what-if: a slider over a lever, the KPI per mineral redrawn from a grid.

    Parameters
    ----------
    grid : DataFrame
        ``lever_value, mineral, value, value_label`` — one KPI computed ahead for each lever
        setting (no kernel needed in the page).
    language : str
        ``en`` or ``de``.
    lever_label, kpi_label : str
        Display names (slider label, y axis).
    mineral : str
        Focal mineral id (subtitle).
    value_format : str
        d3 format of the y axis.
    initial : float, optional
        Start value of the slider (default: the middle of the grid).
    unit : str, optional
        Unit of the KPI, shown in the y-axis title.
    title : str, optional
        Chart title stating the finding (default: a generic "move the slider" title).
    second : DataFrame, optional
        A second KPI on the same lever grid (same columns as ``grid``), drawn as a second
        panel driven by the same slider, with ``second_label``, ``second_format``,
        ``second_unit`` and the explanatory ``second_note`` as its subtitle.
    """
    df = _whatif_frame(grid, language)
    slider, step = _slider(df, language, lever_label, initial)
    main = _whatif_panel(
        df,
        language,
        lever_label=lever_label,
        kpi_label=kpi_label,
        value_format=value_format,
        unit=unit,
        step=step,
        title=title or i18n.t("chart.whatif.title", language, kpi=kpi_label, lever=lever_label),
        subtitle=i18n.t(
            "chart.whatif.subtitle", language, mineral=i18n.mineral_name(mineral, language)
        ),
        height=280,
    ).add_params(slider)
    if second is None or second.empty:
        return finish(main, language, kind="whatif")
    # NOTE: the second panel shares the one slider, which the vconcat lifts from the first
    # panel to its top level (the same spec as adding it to the vconcat, without copying both
    # panels again: 0.05 of 0.11 s): one input, both panels move together.
    other = _whatif_panel(
        _whatif_frame(second, language),
        language,
        lever_label=lever_label,
        kpi_label=second_label,
        value_format=second_format,
        unit=second_unit,
        step=step,
        title=second_label,
        subtitle=second_note,
        height=180,
        # NOTE: the panel title names the KPI; the short axis keeps to the unit.
        y_title=second_unit or "",
    )
    return finish(alt.vconcat(main, other, spacing=28), language, kind="whatif")


def _slider(
    df: pd.DataFrame, language: str, lever_label: str, initial: float | None
) -> tuple[alt.Parameter, float]:
    """The slider parameter ``lever`` over the grid's lever values and its step (the smallest
    gap between two settings; 1 for a single setting)."""
    levels = np.sort(df["lever_value"].unique())
    step = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
    start = float(levels[len(levels) // 2]) if initial is None else float(initial)
    slider = alt.param(
        name="lever",
        value=start,
        bind=alt.binding_range(
            min=float(levels.min()),
            max=float(levels.max()),
            step=step,
            name=i18n.t("chart.whatif.slider", language, lever=lever_label),
        ),
    )
    return slider, step
