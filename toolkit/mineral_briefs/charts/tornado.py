"""The tornado chart: one-at-a-time sensitivities of a KPI, the widest swing on top."""

from __future__ import annotations

import altair as alt
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    INK,
    SERIES_COLORS,
    WIDTH,
    finish,
    number_axis,
)


def tornado_chart(
    sens: pd.DataFrame,
    language: str,
    *,
    kpi_label: str,
    mineral: str,
    value_format: str = ",.2f",
    unit: str | None = None,
) -> alt.LayerChart:
    """Tornado of one-at-a-time sensitivities.

    Parameters
    ----------
    sens : DataFrame
        ``parameter_label, base, low, high, low_label, high_label`` — KPI values with the input
        at its low/high value; labels are formatted strings of the KPI.
    language : str
        ``en`` or ``de``.
    kpi_label : str
        Display name of the KPI (subtitle).
    mineral : str
        Mineral id.
    value_format : str
        d3 format of the axis.
    unit : str, optional
        Unit of the KPI, shown in the axis title.
    """
    order, long = _tornado_frame(sens, language)
    scale = alt.Scale(
        domain=[i18n.t("chart.tornado.low", language), i18n.t("chart.tornado.high", language)],
        range=[SERIES_COLORS["low"], SERIES_COLORS["high"]],
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("parameter_label:N", sort=order, title=None),
            x=alt.X(
                "value:Q",
                title=i18n.t("chart.tornado.x", language) + (f" ({unit})" if unit else ""),
                axis=number_axis(value_format),
            ),
            color=alt.Color("end_name:N", scale=scale, title=None),
            tooltip=[
                alt.Tooltip("parameter_label:N", title=i18n.t("chart.tornado.parameter", language)),
                alt.Tooltip("end_name:N", title=i18n.t("chart.series", language)),
                alt.Tooltip("label:N", title=kpi_label),
            ],
        )
    )
    rule = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=INK).encode(x="x:Q")
    top = order[0] if order else "–"
    chart = alt.layer(bars, rule).properties(
        width=WIDTH - 200,
        height=alt.Step(24),
        title=alt.TitleParams(
            i18n.t("chart.tornado.title", language, parameter=top),
            subtitle=i18n.t(
                "chart.tornado.subtitle",
                language,
                kpi=kpi_label,
                mineral=i18n.mineral_name(mineral, language),
            ),
        ),
    )
    return finish(chart, language, kind="tornado")


def _tornado_frame(sens: pd.DataFrame, language: str) -> tuple[list[str], pd.DataFrame]:
    """The twelve widest swings in order, and one bar per end (low, high) measured from the
    central value: ``parameter_label, end_name, value, label``."""
    df = sens.copy()
    df["swing"] = (df["high"] - df["low"]).abs()
    df = df.sort_values("swing", ascending=False).head(12)
    order = list(df["parameter_label"])
    long = pd.concat(
        [
            df.assign(
                end="low",
                value=df["low"] - df["base"],
                label=df["low_label"],
                end_name=i18n.t("chart.tornado.low", language),
            ),
            df.assign(
                end="high",
                value=df["high"] - df["base"],
                label=df["high_label"],
                end_name=i18n.t("chart.tornado.high", language),
            ),
        ]
    )[["parameter_label", "end_name", "value", "label"]]
    return order, long
