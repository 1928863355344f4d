"""The supply-and-demand chart: monthly supply and demand lines with the shortfall shaded,
titled with the peak shortfall and its month.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    SERIES_COLORS,
    WIDTH,
    finish,
    number_axis,
)


def flow_chart(flows: pd.DataFrame, language: str, *, mineral: str) -> alt.LayerChart:
    """Supply and demand lines with the shortfall as a shaded area.

    Parameters
    ----------
    flows : DataFrame
        ``time`` (ISO month), ``series`` (``supply``/``demand``/``shortfall``), ``value`` [t/month].
    language : str
        ``en`` or ``de``.
    mineral : str
        Mineral id (subtitle).
    """
    df = flows.copy()
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d")
    df["series_name"] = [i18n.t(f"chart.{s}", language) for s in df["series"]]
    df["month"] = [i18n.fmt_date(tm[:7], language) for tm in df["time"]]
    df["value_label"] = [i18n.fmt_tonnes(v, language) for v in df["value"]]
    short = df[df["series"] == "shortfall"]
    if len(short) and short["value"].max() > 0:
        peak = short.loc[short["value"].idxmax()]
        ordered = short.sort_values("time")["value"].to_numpy()
        # NOTE: a peak in the last month that is still above the month before is no peak:
        # the shortfall is still growing when the horizon ends (the engine's rising_at_end).
        rising = (
            peak["time"] == short["time"].max() and len(ordered) > 1 and (ordered[-1] > ordered[-2])
        )
        title = i18n.t(
            "chart.flow.title_rising" if rising else "chart.flow.title",
            language,
            peak=i18n.fmt_tonnes(peak["value"], language),
            date=i18n.fmt_date(str(peak["time"])[:7], language),
        )
    else:
        title = i18n.t("chart.flow.title_none", language)
    series = [s for s in ("supply", "demand", "shortfall") if s in set(df["series"])]
    scale = alt.Scale(
        domain=[i18n.t(f"chart.{s}", language) for s in series],
        range=[SERIES_COLORS[s] for s in series],
    )
    base = alt.Chart(df).encode(
        x=alt.X("time:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
        color=alt.Color("series_name:N", scale=scale, title=None),
        tooltip=[
            alt.Tooltip("month:N", title=i18n.t("chart.month", language)),
            alt.Tooltip("series_name:N", title=i18n.t("chart.series", language)),
            alt.Tooltip("value_label:N", title=i18n.t("chart.value", language)),
        ],
    )
    y = alt.Y("value:Q", title=i18n.t("chart.flow.y", language), axis=number_axis(",.0f"))
    area = (
        base.transform_filter(alt.datum.series == "shortfall").mark_area(opacity=0.35).encode(y=y)
    )
    lines = base.transform_filter(alt.datum.series != "shortfall").mark_line().encode(y=y)
    chart = alt.layer(area, lines).properties(
        width=WIDTH,
        height=260,
        title=alt.TitleParams(
            title,
            subtitle=i18n.t(
                "chart.flow.subtitle", language, mineral=i18n.mineral_name(mineral, language)
            ),
        ),
    )
    return finish(chart, language, kind="flow")
