"""The comparison chart: small multiples across scenarios, one panel per KPI and one bar per
scenario in its focal mineral's colour.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    INK,
    finish,
    mineral_scale,
)


def small_multiples(
    kpis: pd.DataFrame, language: str, *, mineral_of_scenario: Mapping[str, str]
) -> alt.FacetChart:
    """Small multiples across scenarios: one panel per KPI, one bar per scenario.

    Parameters
    ----------
    kpis : DataFrame
        ``scenario, kpi_label, value, value_label`` (one row per scenario and KPI; ``value``
        NaN for a figure the data cannot give: no bar, the label at zero), optional
        ``band_label`` (P10–P90 as printed, shown in the tooltip).
    language : str
        ``en`` or ``de``.
    mineral_of_scenario : mapping
        Scenario id -> focal mineral id (bars take that mineral's fixed colour).
    """
    df = kpis.copy()
    df["mineral"] = [mineral_of_scenario.get(s, "rare_earths") for s in df["scenario"]]
    df["mineral_name"] = [i18n.mineral_name(m, language) for m in df["mineral"]]
    # NOTE: every bar carries its formatted value (2.6×, 8 %, USD 1.2 bn) instead of an SI
    # axis ("1.2G"); an invisible point at 1.45 × the panel's largest value leaves room for
    # the label of the longest bar.
    df["pad"] = df.groupby("kpi_label")["value"].transform(lambda v: float(v.abs().max()) * 1.45)
    # NOTE: a value the data cannot give (NaN, labelled "n/a") has no bar; its label stands at
    # zero.
    df["at"] = df["value"].fillna(0.0)
    y = alt.Y("scenario:N", title=None, axis=alt.Axis(labelLimit=220))
    x = alt.X("value:Q", title=None, axis=None)
    tooltip = [
        alt.Tooltip("scenario:N", title=i18n.t("chart.scenario", language)),
        alt.Tooltip("kpi_label:N", title=i18n.t("chart.kpi", language)),
        alt.Tooltip("value_label:N", title=i18n.t("chart.value", language)),
    ]
    if "band_label" in df:
        tooltip.append(alt.Tooltip("band_label:N", title="P10–P90"))
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=x,
            color=alt.Color(
                "mineral_name:N",
                scale=mineral_scale(df["mineral"], language),
                title=i18n.t("chart.mineral", language),
            ),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=4, color=INK, fontSize=11)
        .encode(y=y, x=alt.X("at:Q", title=None, axis=None), text="value_label:N", tooltip=tooltip)
    )
    pad = alt.Chart().mark_point(opacity=0).encode(y=y, x=alt.X("pad:Q", axis=None))
    chart = (
        alt.layer(bars, text, pad, data=df)
        .properties(width=250, height=alt.Step(17))
        .facet(
            facet=alt.Facet(
                "kpi_label:N",
                title=None,
                sort=list(dict.fromkeys(df["kpi_label"])),
                header=alt.Header(labelFontSize=12, labelFontWeight=600, labelLimit=300),
            ),
            columns=2,
        )
        .resolve_scale(x="independent")
        .properties(
            title=alt.TitleParams(
                i18n.t("chart.multiples.title", language),
                subtitle=i18n.t("chart.multiples.subtitle", language),
            ),
        )
    )
    return finish(chart, language, kind="multiples")
