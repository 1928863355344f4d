"""Observed months beside the modelled path: a point layer marked "observed" (its own legend,
never a region colour) and the exports chart (China's exports, modelled and observed)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import WIDTH, finish

OBSERVED_COLOR = "#000000"
"""Observed points are black diamonds: no region colour, so they cannot be read as a region."""


def observed_layer(points: pd.DataFrame, language: str, *, value_label: str) -> alt.Chart:
    """Observed months as black diamonds with the legend entry "observed".

    Parameters
    ----------
    points : DataFrame
        ``time`` (ISO month), ``value`` (the chart's unit), ``label`` (value as printed),
        ``source_id``.
    language : str
        ``en`` or ``de``.
    value_label : str
        Tooltip title of the value.
    """
    df = points.copy()
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d")
    df["month"] = [i18n.fmt_date(tm[:7], language) for tm in df["time"]]
    df["kind"] = i18n.t("chart.observed", language)
    return (
        alt.Chart(df)
        .mark_point(shape="diamond", filled=True, size=70, color=OBSERVED_COLOR)
        .encode(
            x=alt.X("time:T"),
            y=alt.Y("value:Q"),
            shape=alt.Shape(
                "kind:N",
                scale=alt.Scale(range=["diamond"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("month:N", title=i18n.t("chart.month", language)),
                alt.Tooltip("label:N", title=value_label),
                alt.Tooltip("source_id:N", title=i18n.t("chart.observed.source_id", language)),
            ],
        )
    )


def observed_source_line(points: pd.DataFrame, language: str) -> str:
    """The chart's source line for its observed points (source ids, in month order)."""
    ids = list(dict.fromkeys(points.sort_values("time")["source_id"]))
    return i18n.t("chart.observed.source", language, sources=", ".join(ids))


def exports_chart(
    model: pd.DataFrame, observed: pd.DataFrame, language: str, *, mineral: str, basis: str
) -> alt.LayerChart:
    """China's exports: the central run's monthly path and the observed months.

    Parameters
    ----------
    model : DataFrame
        ``time``, ``value`` [t/month of the market's quantity basis] of the central run.
    observed : DataFrame
        As :func:`observed_layer`, already converted to the same basis and unit.
    language : str
        ``en`` or ``de``.
    mineral : str
        Mineral id (title).
    basis : str
        The quantity basis both are counted in (subtitle).
    """
    df = model.copy()
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d")
    df["month"] = [i18n.fmt_date(tm[:7], language) for tm in df["time"]]
    df["label"] = [i18n.fmt_tonnes(v, language) for v in df["value"]]
    df["kind"] = i18n.t("chart.exports.model", language)
    y_title = i18n.t("chart.exports.y", language)
    line = (
        alt.Chart(df)
        .mark_line(color="#d55e00")
        .encode(
            x=alt.X("time:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",.0f")),
            strokeDash=alt.StrokeDash("kind:N", legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[
                alt.Tooltip("month:N", title=i18n.t("chart.month", language)),
                alt.Tooltip("label:N", title=y_title),
            ],
        )
    )
    points = observed_layer(observed, language, value_label=y_title)
    chart = alt.layer(line, points).properties(
        width=WIDTH,
        height=220,
        title=alt.TitleParams(
            i18n.t(
                "chart.exports.title",
                language,
                mineral=i18n.t(f"mineral_lower.{mineral}", language),
            ),
            # NOTE: the observed months' sources are named on the figure's source line (the
            # brief's FiguresSection), not as raw ids in the subtitle.
            subtitle=[i18n.t("chart.exports.subtitle", language, basis=basis)],
        ),
    )
    return finish(chart, language, kind="exports")
