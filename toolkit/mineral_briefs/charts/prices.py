"""The price chart: prices by region, the central estimate as a line and the Monte Carlo
draws' P10–P90 as a shaded band.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    WIDTH,
    finish,
    number_axis,
    region_scale,
)


def price_band_chart(
    bands: pd.DataFrame,
    language: str,
    *,
    mineral: str,
    title: str | None = None,
    observed: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Prices by region: the central estimate as a line, the draws' P10–P90 band shaded.

    Parameters
    ----------
    bands : DataFrame
        ``time`` (ISO month), ``region`` (model region), ``central, p10, p90`` [USD/kg].
    language : str
        ``en`` or ``de``.
    mineral : str
        Mineral id.
    title : str, optional
        The finding the chart states; the caller builds it from the KPI table, so the title
        quotes exactly the number of the executive summary. Default: the line's own peak.
    observed : DataFrame, optional
        Observed months (:func:`mineral_briefs.charts.observed.observed_layer`) [USD/kg],
        drawn as black diamonds marked "observed", their source ids in the subtitle.
    """
    df = bands.copy()
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d")
    df["region_name"] = [i18n.region_name(r, language) for r in df["region"]]
    df["month"] = [i18n.fmt_date(tm[:7], language) for tm in df["time"]]
    for q in ("central", "p10", "p90"):
        df[f"{q}_label"] = [i18n.fmt_price(v, language) for v in df[q]]
    if title is None:
        title = _peak_title(df, language)
    regions = [r for r in ("China", "Alliance", "Rest of World", "World") if r in set(df["region"])]
    scale = region_scale(language, regions)
    base = alt.Chart(df).encode(
        x=alt.X("time:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
        color=alt.Color("region_name:N", scale=scale, title=None),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("p10:Q"), y2="p90:Q")
    line = base.mark_line().encode(
        y=alt.Y("central:Q", title=i18n.t("chart.price.y", language), axis=number_axis(",.0f")),
        tooltip=[
            alt.Tooltip("month:N", title=i18n.t("chart.month", language)),
            alt.Tooltip("region_name:N", title=i18n.t("chart.region", language)),
            alt.Tooltip("central_label:N", title=i18n.t("chart.price.central", language)),
            alt.Tooltip("p10_label:N", title=i18n.t("chart.price.p10", language)),
            alt.Tooltip("p90_label:N", title=i18n.t("chart.price.p90", language)),
        ],
    )
    subtitle: list[str] = [
        i18n.t(
            "chart.price.subtitle_central",
            language,
            mineral=i18n.mineral_name(mineral, language),
        )
    ]
    layers: list[alt.Chart] = [band, line]
    if observed is not None and len(observed):
        from mineral_briefs.charts.observed import observed_layer, observed_source_line

        layers.append(
            observed_layer(observed, language, value_label=i18n.t("chart.price.y", language))
        )
        subtitle.append(observed_source_line(observed, language))
    chart = alt.layer(*layers).properties(
        width=WIDTH,
        height=280,
        title=alt.TitleParams(title, subtitle=subtitle if len(subtitle) > 1 else subtitle[0]),
    )
    return finish(chart, language, kind="price")


def _peak_title(df: pd.DataFrame, language: str) -> str:
    """Default title: the highest central price outside China and its multiple of the first
    month's price (``–`` when the chart has no region outside China)."""
    outside = df[df["region"] != "China"]
    first = outside.sort_values("time").groupby("region")["central"].first()
    peak = outside.groupby("region")["central"].max()
    multiple = float((peak / first.replace(0, np.nan)).max()) if len(outside) else np.nan
    peak_text = (
        f"{i18n.fmt_price(float(peak.max()), language)} ({i18n.fmt_multiple(multiple, language)})"
        if len(outside)
        else "–"
    )
    return i18n.t("chart.price.title", language, peak=peak_text)
