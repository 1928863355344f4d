"""The house style of every chart: fonts, the Okabe–Ito and per-mineral colours, the registered
Vega-Lite theme, colour scales, title wrapping, and the finish (locale, size guard) each chart
gets before it is returned.

* one registered theme (``mineral_briefs``): system fonts, sizes, light gridlines;
* colour-blind-safe colours: Okabe–Ito for regions and series, and a FIXED colour per mineral
  (:data:`MINERAL_COLORS`) so that lithium is the same cyan in every brief;
* a Vega ``config.locale`` for axis numbers, so German charts read ``1.234,5`` — the spec carries
  the locale, which keeps the chart correct offline whatever embed options the exporter passes
  (# NOTE: chosen over vega-embed ``formatLocale`` options, which live outside the spec);
* at most :data:`MAX_ROWS` rows of inline data per chart (the brief must stay under 2 MB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import altair as alt
import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.vocab import EU27

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
    # element-level rare earths (Paul Tol 'vibrant' and 'medium-contrast')
    "ndpr": "#EE3377",  # Tol vibrant magenta
    "ndpr_metal": "#994455",  # Tol medium-contrast dark red
    "dy": "#0077BB",  # Tol vibrant blue
    "tb": "#33BBEE",  # Tol vibrant cyan
    "mhree_other": "#009988",  # Tol vibrant teal
    "la_ce": "#BBBBBB",  # Tol vibrant grey
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


# --------------------------------------------------------------------------- finish and scales


TITLE_CHARS: Final[int] = 66
"""Characters per title line: the 16 px bold title of a 620 px chart holds about 70."""
SUBTITLE_CHARS: Final[int] = 92
"""Characters per subtitle line (12.5 px)."""


def wrap_title(chart: Any) -> Any:
    """A copy of the chart whose top-level title and subtitle are broken into lines.

    # NOTE: Vega cuts a title longer than its ``limit`` with an ellipsis ("…3,8 kt auf Jah…");
    # German titles that state a finding are often longer than the chart is wide. Titles of
    # concatenated panels are wrapped by their builders.
    """
    title = getattr(chart, "title", alt.Undefined)
    if isinstance(title, str):
        params = alt.TitleParams(text=title)
    elif isinstance(title, alt.TitleParams):
        params = title.copy(deep=True)
    else:
        return chart
    if isinstance(params.text, str):
        params.text = wrap_lines(params.text, TITLE_CHARS)
    subtitle = getattr(params, "subtitle", alt.Undefined)
    if isinstance(subtitle, str):
        params.subtitle = wrap_lines(subtitle, SUBTITLE_CHARS)
    out = chart.copy(deep=False)
    out.title = params
    return out


def finish(chart: Any, language: str, *, kind: str) -> Any:
    """Attach the language's number/date locale and a marker of the chart kind; wrap the title."""
    if len(inline_rows(chart)) and max(inline_rows(chart)) > MAX_ROWS:
        raise ValueError(f"{kind} chart embeds more than {MAX_ROWS} rows; aggregate first")
    chart = wrap_title(chart)
    return chart.properties(
        usermeta={"mineral_briefs": {"kind": kind, "language": language}}
    ).configure(locale=i18n.vega_locale(language))


def inline_rows(chart: Any) -> list[int]:
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


def region_scale(
    language: str, regions: Iterable[str] = ("China", "Alliance", "Rest of World")
) -> alt.Scale:
    """Colour scale mapping region display names to their fixed colours."""
    names = [i18n.region_name(r, language) for r in regions]
    return alt.Scale(domain=names, range=[REGION_COLORS[r] for r in regions])


def mineral_scale(minerals: Iterable[str], language: str) -> alt.Scale:
    """Colour scale mapping mineral display names to their fixed colours."""
    ids = list(dict.fromkeys(minerals))
    return alt.Scale(
        domain=[i18n.mineral_name(m, language) for m in ids], range=[MINERAL_COLORS[m] for m in ids]
    )


def number_axis(value_format: str, **kwargs: Any) -> alt.Axis:
    """A quantitative axis whose tick labels are distinct at the given d3 format.

    # NOTE: Vega picks "nice" ticks (0.5 apart on a 0–4 range); printed with ``,.0f`` they read
    # 4, 4, 3, 3, 2. ``tickMinStep`` of one unit of the last printed digit keeps ticks apart,
    # and a label only on ticks that are whole multiples of that unit keeps labels distinct.
    """
    match = re.search(r"\.(\d+)[fe%]", value_format)
    decimals = int(match.group(1)) if match else 0
    step = 10.0**-decimals
    if value_format.endswith("%"):
        step /= 100.0
    # NOTE: Vega still places half steps on short domains (d3 picks 0.5 for three ticks on
    # 0–2), so a tick that is not a multiple of the step keeps its grid line but no label.
    on_step = f"abs(datum.value / {step!r} - round(datum.value / {step!r})) < 1e-6"
    return alt.Axis(
        format=value_format,
        tickMinStep=step,
        labelExpr=f"{on_step} ? datum.label : ''",
        **kwargs,
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
