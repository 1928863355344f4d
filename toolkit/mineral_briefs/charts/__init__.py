"""Altair chart builders and the one house theme of the briefs.

Every builder is a pure function of a small, pre-aggregated DataFrame (the layouts are named in
each docstring) plus a language, and returns a finished chart: the house theme and colours
(:mod:`~mineral_briefs.charts.style`), a title that states the finding (generated from the data), a
subtitle with the unit, tooltips with strings pre-formatted by :mod:`mineral_briefs.i18n`, and the
language's number locale in the spec.

One module per chart family:

* :mod:`~mineral_briefs.charts.style` — theme, colours, scales, title wrapping, the finish of a
chart;
* :mod:`~mineral_briefs.charts.concentration` — who mines, who refines;
* :mod:`~mineral_briefs.charts.flows` — supply, demand and shortfall over time;
* :mod:`~mineral_briefs.charts.prices` — prices by region with the P10–P90 band;
* :mod:`~mineral_briefs.charts.observed` — observed months beside the modelled path;
* :mod:`~mineral_briefs.charts.tornado` — one-at-a-time sensitivities;
* :mod:`~mineral_briefs.charts.whatif` — the in-page what-if slider;
* :mod:`~mineral_briefs.charts.comparison` — small multiples across scenarios.

Importing the package registers and enables the house theme.
"""

from __future__ import annotations

from mineral_briefs.charts.comparison import small_multiples
from mineral_briefs.charts.concentration import (
    concentration_chart,
    concentration_frame,
    concentration_title,
)
from mineral_briefs.charts.flows import flow_chart
from mineral_briefs.charts.observed import exports_chart, observed_layer, observed_source_line
from mineral_briefs.charts.prices import price_band_chart
from mineral_briefs.charts.style import (
    DEFAULT_ALLIANCE,
    FONT,
    GRID,
    INK,
    MAX_ROWS,
    MINERAL_COLORS,
    MUTED,
    OKABE_ITO,
    PALETTE,
    REGION_COLORS,
    SERIES_COLORS,
    THEME_NAME,
    WIDTH,
    chart_colors,
    mineral_scale,
    region_of,
    register_theme,
    theme,
    wrap_lines,
)
from mineral_briefs.charts.tornado import tornado_chart
from mineral_briefs.charts.whatif import whatif_chart

__all__ = [
    "exports_chart",
    "observed_layer",
    "observed_source_line",
    "DEFAULT_ALLIANCE",
    "FONT",
    "GRID",
    "INK",
    "MAX_ROWS",
    "MINERAL_COLORS",
    "MUTED",
    "OKABE_ITO",
    "PALETTE",
    "REGION_COLORS",
    "SERIES_COLORS",
    "THEME_NAME",
    "WIDTH",
    "chart_colors",
    "concentration_chart",
    "concentration_frame",
    "concentration_title",
    "flow_chart",
    "mineral_scale",
    "price_band_chart",
    "region_of",
    "register_theme",
    "small_multiples",
    "theme",
    "tornado_chart",
    "wrap_lines",
    "whatif_chart",
]
