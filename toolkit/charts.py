"""Altair chart builders and the one house theme of the briefs.

Every builder is a pure function of a small, pre-aggregated DataFrame (the layouts are named in
each docstring) plus a language, and returns a finished chart:

* one registered theme (``mineral_briefs``): system fonts, sizes, light gridlines;
* colour-blind-safe colours: Okabe–Ito for regions and series, and a FIXED colour per mineral
  (:data:`MINERAL_COLORS`) so that lithium is the same cyan in every brief;
* a title that states the finding (generated from the data), a subtitle with the unit;
* tooltips with strings pre-formatted by :mod:`toolkit.i18n` and a Vega ``config.locale`` for
  axis numbers, so German charts read ``1.234,5`` — the spec carries the locale, which keeps the
  chart correct offline whatever embed options the exporter passes (# NOTE: chosen over
  vega-embed ``formatLocale`` options, which live outside the spec);
* at most :data:`MAX_ROWS` rows of inline data per chart (the brief must stay under 2 MB).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final

import altair as alt
import numpy as np
import pandas as pd

from toolkit import i18n
from toolkit.vocab import EU27

log = logging.getLogger(__name__)

THEME_NAME: Final[str] = "mineral_briefs"
MAX_ROWS: Final[int] = 5000
WIDTH: Final[int] = 620
FONT: Final[str] = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
)

OKABE_ITO: Final[dict[str, str]] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""Okabe & Ito (2008) colour-universal-design palette."""

PALETTE: Final[tuple[str, ...]] = tuple(
    OKABE_ITO[k]
    for k in (
        "blue",
        "vermillion",
        "bluish_green",
        "orange",
        "sky_blue",
        "reddish_purple",
        "yellow",
        "black",
    )
)
"""Categorical range of the house theme (Okabe–Ito, blue first)."""

MINERAL_COLORS: Final[dict[str, str]] = {
    "rare_earths": "#882255",  # Tol muted wine
    "magnet_rees": "#AA4499",  # Tol muted purple
    "lithium": "#88CCEE",  # Tol muted cyan
    "cobalt": "#332288",  # Tol muted indigo
    "nickel": "#44AA99",  # Tol muted teal
    "graphite": "#555555",  # dark grey
    "gallium": "#DDCC77",  # Tol muted sand
    "germanium": "#999933",  # Tol muted olive
    "antimony": "#CC6677",  # Tol muted rose
    "tungsten": "#117733",  # Tol muted green
    "copper": "#E69F00",  # Okabe-Ito orange
}
"""Fixed colour per mineral id, identical in every brief (Paul Tol's colour-blind-safe 'muted')."""

REGION_COLORS: Final[dict[str, str]] = {
    "China": OKABE_ITO["vermillion"],
    "Alliance": OKABE_ITO["blue"],
    "Rest of World": "#9A9A9A",
    "World": OKABE_ITO["black"],
}
"""Fixed colour per model region."""

SERIES_COLORS: Final[dict[str, str]] = {
    "supply": OKABE_ITO["blue"],
    "demand": OKABE_ITO["black"],
    "shortfall": OKABE_ITO["vermillion"],
    "low": OKABE_ITO["sky_blue"],
    "high": OKABE_ITO["orange"],
}

DEFAULT_ALLIANCE: Final[frozenset[str]] = frozenset(
    {"USA", "JPN", "AUS", "CAN", "KOR", "GBR", "NOR", "EU27", *EU27}
)
"""Countries counted as ``Alliance`` when a scenario does not list its own members."""

GRID: Final[str] = "#E4E4E4"
INK: Final[str] = "#1F2328"
MUTED: Final[str] = "#59636E"


def theme() -> dict[str, Any]:
    """The house theme as a Vega-Lite ``config`` (fonts, sizes, gridlines, palette)."""
    return {
        "config": {
            "font": FONT,
            "background": "#FFFFFF",
            "padding": 8,
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": 300},
            "title": {
                "font": FONT,
                "fontSize": 16,
                "fontWeight": 650,
                "color": INK,
                "anchor": "start",
                "subtitleFont": FONT,
                "subtitleFontSize": 12.5,
                "subtitleColor": MUTED,
                "subtitlePadding": 4,
                "offset": 12,
                "limit": WIDTH + 150,
            },
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 11.5,
                "titleFontSize": 12,
                "labelColor": MUTED,
                "titleColor": INK,
                "titleFontWeight": 500,
                "gridColor": GRID,
                "domainColor": "#B9BEC4",
                "tickColor": "#B9BEC4",
                "labelLimit": 260,
            },
            "axisY": {"titlePadding": 8},
            "axisBand": {"grid": False, "ticks": False, "domain": False},
            "legend": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 11.5,
                "titleFontSize": 12,
                "labelColor": INK,
                "titleColor": INK,
                "orient": "top",
                "direction": "horizontal",
                "symbolType": "square",
                "titleFontWeight": 500,
                "symbolOpacity": 1,
            },
            "header": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 12,
                "labelColor": INK,
                "labelFontWeight": 600,
            },
            "range": {"category": list(PALETTE)},
            "line": {"strokeWidth": 2.2},
            "bar": {"discreteBandSize": {"band": 0.72}},
            "text": {"font": FONT, "fontSize": 11.5, "color": INK},
        }
    }


def register_theme() -> None:
    """Register and enable the house theme (idempotent)."""
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)  # type: ignore[arg-type]
    alt.theme.enable(THEME_NAME)


register_theme()


# --------------------------------------------------------------------------- helpers


def _finish(chart: Any, language: str, *, kind: str) -> Any:
    """Attach the language's number/date locale and a marker of the chart kind."""
    if len(_inline_rows(chart)) and max(_inline_rows(chart)) > MAX_ROWS:
        raise ValueError(f"{kind} chart embeds more than {MAX_ROWS} rows; aggregate first")
    return chart.properties(
        usermeta={"mineral_briefs": {"kind": kind, "language": language}}
    ).configure(locale=i18n.vega_locale(language))


def _inline_rows(chart: Any) -> list[int]:
    """Row counts of the inline datasets of a chart (for the size guard)."""
    sizes = []
    for obj in [
        chart,
        *getattr(chart, "layer", []),
        *getattr(chart, "vconcat", []),
        *getattr(chart, "hconcat", []),
    ]:
        data = getattr(obj, "data", None)
        if isinstance(data, pd.DataFrame):
            sizes.append(len(data))
    return sizes


def region_of(country: str, alliance: Iterable[str] | None = None) -> str:
    """Model region of a country code: ``China``, ``Alliance`` or ``Rest of World``."""
    members = DEFAULT_ALLIANCE if alliance is None else frozenset(alliance)
    if country == "CHN":
        return "China"
    return "Alliance" if country in members else "Rest of World"


def _region_scale(
    language: str, regions: Iterable[str] = ("China", "Alliance", "Rest of World")
) -> alt.Scale:
    names = [i18n.region_name(r, language) for r in regions]
    return alt.Scale(domain=names, range=[REGION_COLORS[r] for r in regions])


def mineral_scale(minerals: Iterable[str], language: str) -> alt.Scale:
    """Colour scale mapping mineral display names to their fixed colours."""
    ids = list(dict.fromkeys(minerals))
    return alt.Scale(
        domain=[i18n.mineral_name(m, language) for m in ids], range=[MINERAL_COLORS[m] for m in ids]
    )


# --------------------------------------------------------------------------- concentration


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
    if focus is not None and (named["mineral"] == focus).any():
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
                "region:N", scale=_region_scale(language), title=i18n.t("chart.region", language)
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
    return _finish(chart, language, kind="concentration")


# --------------------------------------------------------------------------- time paths


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
        title = i18n.t(
            "chart.flow.title",
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
    y = alt.Y("value:Q", title=i18n.t("chart.flow.y", language), axis=alt.Axis(format=",.0f"))
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
    return _finish(chart, language, kind="flow")


def price_band_chart(
    bands: pd.DataFrame, language: str, *, mineral: str, title: str | None = None
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
    """
    df = bands.copy()
    df["time"] = pd.to_datetime(df["time"]).dt.strftime("%Y-%m-%d")
    df["region_name"] = [i18n.region_name(r, language) for r in df["region"]]
    df["month"] = [i18n.fmt_date(tm[:7], language) for tm in df["time"]]
    for q in ("central", "p10", "p90"):
        df[f"{q}_label"] = [i18n.fmt_price(v, language) for v in df[q]]
    if title is None:
        outside = df[df["region"] != "China"]
        first = outside.sort_values("time").groupby("region")["central"].first()
        peak = outside.groupby("region")["central"].max()
        multiple = float((peak / first.replace(0, np.nan)).max()) if len(outside) else np.nan
        peak_text = (
            f"{i18n.fmt_price(float(peak.max()), language)} "
            f"({i18n.fmt_multiple(multiple, language)})"
            if len(outside)
            else "–"
        )
        title = i18n.t("chart.price.title", language, peak=peak_text)
    regions = [r for r in ("China", "Alliance", "Rest of World", "World") if r in set(df["region"])]
    scale = _region_scale(language, regions)
    base = alt.Chart(df).encode(
        x=alt.X("time:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
        color=alt.Color("region_name:N", scale=scale, title=None),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("p10:Q"), y2="p90:Q")
    line = base.mark_line().encode(
        y=alt.Y("central:Q", title=i18n.t("chart.price.y", language), axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip("month:N", title=i18n.t("chart.month", language)),
            alt.Tooltip("region_name:N", title=i18n.t("chart.region", language)),
            alt.Tooltip("central_label:N", title=i18n.t("chart.price.central", language)),
            alt.Tooltip("p10_label:N", title=i18n.t("chart.price.p10", language)),
            alt.Tooltip("p90_label:N", title=i18n.t("chart.price.p90", language)),
        ],
    )
    chart = alt.layer(band, line).properties(
        width=WIDTH,
        height=280,
        title=alt.TitleParams(
            title,
            subtitle=i18n.t(
                "chart.price.subtitle_central",
                language,
                mineral=i18n.mineral_name(mineral, language),
            ),
        ),
    )
    return _finish(chart, language, kind="price")


# --------------------------------------------------------------------------- sensitivity


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
                axis=alt.Axis(format=value_format),
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
    return _finish(chart, language, kind="tornado")


# --------------------------------------------------------------------------- what-if


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
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format))
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
        .encode(x=x, y=y, text="value_label:N", color=colour)
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


def wrap_lines(text: str, width: int) -> str | list[str]:
    """Break a long title into lines of at most ``width`` characters (Vega truncates one line).

    # NOTE: titles that state a finding run long, German ones longer; Vega draws a list of
    # strings as separate lines instead of cutting the text off with an ellipsis.
    """
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines if len(lines) > 1 else text


def _whatif_frame(grid: pd.DataFrame, language: str) -> pd.DataFrame:
    df = grid.copy()
    df["mineral_name"] = [i18n.mineral_name(m, language) for m in df["mineral"]]
    df["lever_label"] = [
        i18n.fmt_number(v, language, i18n.auto_decimals(v)) for v in df["lever_value"]
    ]
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
    )
    if second is None or second.empty:
        return _finish(main.add_params(slider), language, kind="whatif")
    # NOTE: the second panel shares the one slider (a top-level parameter of the vconcat), so
    # the page keeps a single input and both panels move together.
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
    chart = alt.vconcat(main, other, spacing=28).add_params(slider)
    return _finish(chart, language, kind="whatif")


# --------------------------------------------------------------------------- comparison


def small_multiples(
    kpis: pd.DataFrame, language: str, *, mineral_of_scenario: Mapping[str, str]
) -> alt.FacetChart:
    """Small multiples across scenarios: one panel per KPI, one bar per scenario.

    Parameters
    ----------
    kpis : DataFrame
        ``scenario, kpi_label, value, value_label`` (one row per scenario and KPI), optional
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
        .encode(y=y, x=x, text="value_label:N", tooltip=tooltip)
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
    return _finish(chart, language, kind="multiples")


def chart_colors(spec: Mapping[str, Any]) -> set[str]:
    """All colour strings used in a chart spec's colour scales (for convention tests)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if "range" in node and isinstance(node["range"], list):
                found.update(str(c).upper() for c in node["range"] if str(c).startswith("#"))
            for key in ("color", "fill", "stroke"):
                if isinstance(node.get(key), str) and str(node[key]).startswith("#"):
                    found.add(str(node[key]).upper())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found
