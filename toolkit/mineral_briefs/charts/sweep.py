"""The sweep chart: a KPI over a grid of lever values (heatmap for two levers, line for one)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from mineral_briefs.charts.style import finish


def sweep_heatmap(
    frame: pd.DataFrame,
    language: str,
    *,
    x: str,
    y: str | None,
    kpi_label: str,
    x_label: str,
    y_label: str = "",
    meets_label: str = "",
) -> Any:
    """Heatmap of ``value`` over ``x`` × ``y`` (or a line over ``x`` when ``y`` is None).

    Parameters
    ----------
    frame : DataFrame
        One row per grid point: ``x_text``, ``y_text`` (lever values as printed, in grid
        order), ``x_value``, ``y_value``, ``value`` (the KPI), ``value_text`` and ``meets``
        (bool: the point meets the target; marked with a dot).
    language : str
        ``en`` or ``de``.
    x, y : str
        Lever key paths (``y`` None: one lever).
    """
    tooltip = [
        alt.Tooltip("x_text:N", title=x_label),
        alt.Tooltip("value_text:N", title=kpi_label),
    ]
    if y is None:
        line = (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("x_value:Q", title=x_label),
                y=alt.Y("value:Q", title=kpi_label),
                tooltip=tooltip,
            )
        )
        return finish(line.properties(width=560, height=260), language, kind="sweep")
    tooltip.insert(1, alt.Tooltip("y_text:N", title=y_label))
    x_order = list(dict.fromkeys(frame.sort_values("x_value")["x_text"]))
    y_order = list(dict.fromkeys(frame.sort_values("y_value", ascending=False)["y_text"]))
    base = alt.Chart(frame).encode(
        x=alt.X("x_text:O", title=x_label, sort=x_order),
        y=alt.Y("y_text:O", title=y_label, sort=y_order),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("value:Q", title=kpi_label, scale=alt.Scale(scheme="orangered")),
        tooltip=tooltip,
    )
    layers: list[Any] = [rect]
    if frame["meets"].any():
        dots = (
            base.transform_filter(alt.datum.meets)
            .mark_point(shape="circle", filled=True, size=28, color="#1b1b1b")
            .encode(tooltip=tooltip)
        )
        layers.append(dots)
    chart = alt.layer(*layers).properties(width=560, height=max(120, 22 * len(y_order)))
    if meets_label:
        chart = chart.properties(title=alt.TitleParams(text="", subtitle=[f"● {meets_label}"]))
    return finish(chart, language, kind="sweep")
