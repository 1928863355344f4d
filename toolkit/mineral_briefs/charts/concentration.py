"""The concentration chart "who mines, who refines": country shares per mineral and stage as
stacked bars coloured by region, titled with the most concentrated stage.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import numpy as np
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.charts.style import (
    WIDTH,
    finish,
    region_of,
    region_scale,
)
from mineral_briefs.vocab import RARE_EARTHS


def concentration_frame(
    shares: pd.DataFrame, language: str, alliance: Iterable[str] | None = None
) -> pd.DataFrame:
    """Prepare country shares for :func:`concentration_chart`.

    Parameters
    ----------
    shares : DataFrame
        ``mineral, stage, country, share_pct, source_id, year`` — one row per country with the
        world share in [%]; ``Other`` allowed.
    language : str
        ``en`` or ``de``.
    alliance : iterable of str, optional
        Country codes counted as the alliance.

    Returns
    -------
    DataFrame
        Adds display labels, region and tooltip strings; sorted by group and share.
    """
    df = shares.copy()
    df["row"] = [
        f"{i18n.mineral_name(m, language)} · {i18n.stage_name(s, language)}"
        for m, s in zip(df["mineral"], df["stage"], strict=True)
    ]
    df["region"] = [i18n.region_name(region_of(c, alliance), language) for c in df["country"]]
    df["country_name"] = [i18n.country_name(c, language) for c in df["country"]]
    df["share_label"] = [i18n.fmt_pct(v, language, 0 if v >= 1 else 1) for v in df["share_pct"]]
    # NOTE: "Other" sorts last in every bar whatever its size, so the named countries lead.
    df["order"] = np.where(df["country"] == "Other", -1.0, df["share_pct"])
    return df.sort_values(["row", "order"], ascending=[True, False]).reset_index(drop=True)


def concentration_title(shares: pd.DataFrame, language: str, focus: str | None = None) -> str:
    """Headline of the concentration chart: the most concentrated stage (of the ``focus``
    mineral when given), e.g. "China refines 91% of magnet rare earths"."""
    named = shares[(shares["country"] != "Other") & (shares["stage"] != "magnets")]
    if focus is not None:
        # NOTE: a brief's headline is about its own mineral; a rare-earth element without
        # its own rows reads the magnet rare earths it belongs to, anything else the generic
        # title (a terbium brief was headed "China refines 99 % of gallium")
        if not (named["mineral"] == focus).any() and focus in RARE_EARTHS:
            focus = "magnet_rees"
        named = named[named["mineral"] == focus]
    if named.empty:
        return i18n.t("chart.concentration.x", language)
    top = named.loc[named["share_pct"].idxmax()]
    stage = str(top["stage"])
    return i18n.t(
        "chart.concentration.title",
        language,
        country=i18n.country_name(str(top["country"]), language),
        stage_verb=i18n.t(f"stage_verb.{stage}", language),
        share=i18n.fmt_pct(float(top["share_pct"]), language),
        mineral_of=i18n.t(f"mineral_of.{top['mineral']}", language),
    )


def concentration_chart(
    shares: pd.DataFrame,
    language: str,
    *,
    year: int,
    alliance: Iterable[str] | None = None,
    focus: str | None = None,
) -> alt.Chart:
    """Stacked bars "who mines, who refines": country shares per mineral and stage.

    Parameters
    ----------
    shares : DataFrame
        ``mineral, stage, country, share_pct [%], source_id`` (see :func:`concentration_frame`).
    language : str
        ``en`` or ``de``.
    year : int
        Data year, for the subtitle.
    alliance : iterable of str, optional
        Alliance members (colour group).
    focus : str, optional
        Mineral id whose most concentrated stage makes the title.
    """
    df = concentration_frame(shares, language, alliance)
    rows = list(
        dict.fromkeys(
            f"{i18n.mineral_name(m, language)} · {i18n.stage_name(s, language)}"
            for m, s in zip(shares["mineral"], shares["stage"], strict=True)
        )
    )
    bars = (
        alt.Chart(
            df[["row", "country_name", "region", "share_pct", "share_label", "order", "source_id"]]
        )
        .mark_bar(stroke="#FFFFFF", strokeWidth=0.8, clip=True)
        .encode(
            x=alt.X(
                "share_pct:Q",
                title=i18n.t("chart.concentration.x", language),
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(tickCount=5),
            ),
            y=alt.Y("row:N", title=None, sort=rows),
            color=alt.Color(
                "region:N", scale=region_scale(language), title=i18n.t("chart.region", language)
            ),
            order=alt.Order("order:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("row:N", title=i18n.t("chart.concentration.y", language)),
                alt.Tooltip("country_name:N", title=i18n.t("chart.country", language)),
                alt.Tooltip("share_label:N", title=i18n.t("chart.share", language)),
                alt.Tooltip("source_id:N", title=i18n.t("chart.source", language)),
            ],
        )
    )
    chart = bars.properties(
        width=WIDTH - 160,
        height=alt.Step(26),
        title=alt.TitleParams(
            concentration_title(shares, language, focus),
            subtitle=i18n.t("chart.concentration.subtitle", language, year=year),
        ),
    )
    return finish(chart, language, kind="concentration")
