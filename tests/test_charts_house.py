"""House theme, fixed colours, finding titles, tooltips and locales of the chart builders."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from mineral_briefs import charts, i18n
from mineral_briefs.vocab import MINERALS, MODEL_REGIONS

HOUSE = {
    c.upper()
    for c in (
        *charts.PALETTE,
        *charts.MINERAL_COLORS.values(),
        *charts.REGION_COLORS.values(),
        *charts.SERIES_COLORS.values(),
        charts.INK,
        charts.MUTED,
        charts.GRID,
        "#FFFFFF",
    )
}


def shares() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mineral": ["magnet_rees"] * 3 + ["rare_earths"] * 3,
            "stage": ["refining"] * 3 + ["mining"] * 3,
            "country": ["CHN", "MYS", "Other", "CHN", "USA", "Other"],
            "share_pct": [91.0, 4.0, 5.0, 71.0, 12.0, 17.0],
            "source_id": ["IEA_CMD2025"] * 3 + ["USGS_MCS2026"] * 3,
        }
    )


def months(n: int = 24) -> list[str]:
    return list(pd.date_range("2026-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"))


def flows() -> pd.DataFrame:
    t = months()
    parts = [
        ("supply", np.linspace(10_000, 8_000, 24)),
        ("demand", np.full(24, 10_000.0)),
        ("shortfall", np.r_[np.zeros(6), np.linspace(500, 2_000, 18)]),
    ]
    return pd.concat([pd.DataFrame({"time": t, "series": s, "value": v}) for s, v in parts])


def bands() -> pd.DataFrame:
    t = months()
    rows = []
    for region, f in (("China", 0.5), ("Alliance", 1.0)):
        p50 = np.r_[np.full(3, 60.0), np.linspace(150, 90, 21)] * f
        rows.append(
            pd.DataFrame(
                {"time": t, "region": region, "p10": p50 * 0.8, "central": p50, "p90": p50 * 1.3}
            )
        )
    return pd.concat(rows)


def whatif(language: str = "en") -> pd.DataFrame:
    g = pd.DataFrame(
        [
            (v, m, 1 + v / 40 * (i + 1))
            for v in range(0, 101, 10)
            for i, m in enumerate(["magnet_rees", "gallium"])
        ],
        columns=["lever_value", "mineral", "value"],
    )
    g["value_label"] = [i18n.fmt_multiple(v, language) for v in g["value"]]
    return g


def tornado() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parameter_label": ["Elasticity", "Inventory"],
            "base": [2.0, 2.0],
            "low": [1.5, 1.8],
            "high": [2.8, 2.1],
            "low_label": ["1.5×", "1.8×"],
            "high_label": ["2.8×", "2.1×"],
        }
    )


def all_charts(language: str) -> dict[str, alt.TopLevelMixin]:
    return {
        "concentration": charts.concentration_chart(shares(), language, year=2024),
        "flow": charts.flow_chart(flows(), language, mineral="magnet_rees"),
        "price": charts.price_band_chart(bands(), language, mineral="magnet_rees"),
        "tornado": charts.tornado_chart(tornado(), language, kpi_label="Peak", mineral="lithium"),
        "whatif": charts.whatif_chart(
            whatif(language),
            language,
            lever_label="Share (%)",
            kpi_label="Peak",
            mineral="magnet_rees",
        ),
        "multiples": charts.small_multiples(
            pd.DataFrame(
                {
                    "scenario": ["a", "b", "a", "b"],
                    "kpi_label": ["P", "P", "S", "S"],
                    "value": [1.0, 2.0, 3.0, 4.0],
                    "value_label": ["1", "2", "3", "4"],
                }
            ),
            language,
            mineral_of_scenario={"a": "lithium", "b": "cobalt"},
        ),
    }


def test_theme_is_registered_and_active() -> None:
    assert charts.THEME_NAME in alt.theme.names()
    assert alt.theme.active == charts.THEME_NAME
    spec = all_charts("en")["flow"].to_dict()
    assert spec["config"]["font"] == charts.FONT
    assert spec["config"]["axis"]["gridColor"] == charts.GRID


def test_every_mineral_and_region_has_one_fixed_distinct_colour() -> None:
    assert set(charts.MINERAL_COLORS) == set(MINERALS)
    assert len(set(charts.MINERAL_COLORS.values())) == len(MINERALS)
    assert set(MODEL_REGIONS) <= set(charts.REGION_COLORS)
    assert charts.REGION_COLORS["China"] == charts.OKABE_ITO["vermillion"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_charts_use_only_house_colours_and_compile(language: str) -> None:
    for name, chart in all_charts(language).items():
        spec = chart.to_dict()
        used = charts.chart_colors(spec)
        assert used, name
        assert used <= HOUSE, (name, used - HOUSE)
        vega = vlc.vegalite_to_vega(spec)  # the real compiler: the spec is valid Vega-Lite
        assert "marks" in json.dumps(vega)
        assert spec["usermeta"]["mineral_briefs"]["language"] == language


def test_mineral_colours_are_the_same_in_every_chart() -> None:
    spec = all_charts("de")["whatif"].to_dict()
    scale = json.dumps(spec)
    assert charts.MINERAL_COLORS["magnet_rees"] in scale
    assert charts.MINERAL_COLORS["gallium"] in scale
    multiples = json.dumps(all_charts("en")["multiples"].to_dict())
    assert charts.MINERAL_COLORS["lithium"] in multiples
    assert charts.MINERAL_COLORS["cobalt"] in multiples


def _text(title: str | list[str]) -> str:
    """A title's text; a wrapped title is a list of lines."""
    return " ".join(title) if isinstance(title, list) else title


@pytest.mark.parametrize("language", ["en", "de"])
def test_long_titles_wrap_instead_of_being_cut(language: str) -> None:
    """Vega cuts a one-line title at its limit ("…3,8 kt auf Jah…"): every title and subtitle
    line fits the chart, and the words survive the wrapping."""
    from mineral_briefs.charts.style import SUBTITLE_CHARS, TITLE_CHARS, wrap_title

    long = (
        "Die Versorgungslücke wächst am Ende des Betrachtungszeitraums noch: "
        "3,8 kt pro Jahr im Juni 2028"
    )
    chart = wrap_title(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().properties(title=long))
    lines = chart.to_dict()["title"]["text"]
    assert isinstance(lines, list) and " ".join(lines) == long
    titled = [(n, c.to_dict().get("title")) for n, c in all_charts(language).items()]
    titled = [(n, t) for n, t in titled if isinstance(t, dict)]
    assert len(titled) >= 4
    for name, title in titled:
        text = title.get("text", [])
        sub = title.get("subtitle", [])
        for line in text if isinstance(text, list) else [text]:
            assert len(line) <= TITLE_CHARS or " " not in line, (name, line)
        for line in sub if isinstance(sub, list) else [sub]:
            assert len(line) <= SUBTITLE_CHARS or " " not in line, (name, line)


def test_titles_state_the_finding() -> None:
    en = all_charts("en")["concentration"].to_dict()["title"]["text"]
    de = all_charts("de")["concentration"].to_dict()["title"]["text"]
    assert en == "China refines 91% of magnet rare earths"
    assert de.replace("\u202f", " ") == "China raffiniert 91 % der Magnet-Seltenerden"
    flow = _text(all_charts("en")["flow"].to_dict()["title"]["text"]).replace("\u00a0", " ")
    assert "2.0 kt" in flow and "December 2027" in flow
    price = _text(all_charts("de")["price"].to_dict()["title"]["text"]).replace("\u00a0", " ")
    assert "150 USD/kg" in price and "2,5×" in price


def test_concentration_focus_picks_the_mineral_of_the_brief() -> None:
    title = charts.concentration_title(shares(), "en", focus="rare_earths")
    assert title == "China mines 71% of rare earths"
    # an element without rows of its own reads its family, never another mineral (a terbium
    # brief was headed by gallium); a mineral without rows gets the generic title
    tb = charts.concentration_title(shares(), "en", focus="tb")
    assert "magnet rare earths" in tb and "gallium" not in tb
    none = charts.concentration_title(shares(), "en", focus="germanium")
    assert none == i18n.t("chart.concentration.x", "en")


@pytest.mark.parametrize("language", ["en", "de"])
def test_tooltips_and_axis_titles_with_units(language: str) -> None:
    built = all_charts(language)
    for name in ("concentration", "flow", "price", "tornado", "whatif"):
        assert '"tooltip"' in json.dumps(built[name].to_dict()), name
    price = json.dumps(built["price"].to_dict(), ensure_ascii=False)
    assert "USD/kg" in price
    conc = json.dumps(built["concentration"].to_dict(), ensure_ascii=False)
    assert i18n.t("chart.concentration.x", language) in conc


def test_german_charts_carry_the_german_number_locale() -> None:
    spec = all_charts("de")["flow"].to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    svg = vlc.vegalite_to_svg(spec)
    assert "10.000" in svg  # axis label with the German thousands separator
    svg_en = vlc.vegalite_to_svg(all_charts("en")["flow"].to_dict())
    assert "10,000" in svg_en


def test_whatif_has_a_range_slider_over_the_grid() -> None:
    spec = all_charts("en")["whatif"].to_dict()
    params = spec["params"]
    assert len(params) == 1
    bind = params[0]["bind"]
    assert bind["input"] == "range" and bind["min"] == 0 and bind["max"] == 100
    assert bind["step"] == 10
    assert "lever" in json.dumps(spec["layer"])


def test_inline_data_is_bounded() -> None:
    big = pd.DataFrame(
        {"time": months(1) * (charts.MAX_ROWS + 1), "series": "supply", "value": 1.0}
    )
    with pytest.raises(ValueError, match="rows"):
        charts.flow_chart(big, "en", mineral="lithium")


def _axis_labels(svg: str) -> list[list[str]]:
    """Tick labels of each axis of an SVG rendered by Vega, in drawing order."""
    import re

    groups = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, re.S)
    texts = [re.findall(r"<text[^>]*>([^<]*)</text>", g) for g in groups]
    return [[t for t in labels if t.strip()] for labels in texts]


@pytest.mark.parametrize("language", ["en", "de"])
def test_axis_tick_labels_are_distinct(language: str) -> None:
    """A small range printed without decimals read 4, 4, 3, 3, 2: every axis's labels differ."""
    from mineral_briefs.charts.style import number_axis

    small = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0.2, 2.3, 4.4]})
    spec = (
        alt.Chart(small)
        .mark_line()
        .encode(x=alt.X("x:Q", axis=number_axis(".0f")), y=alt.Y("y:Q", axis=number_axis(",.0f")))
        .to_dict()
    )
    for labels in _axis_labels(vlc.vegalite_to_svg(spec)):
        assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    axes = [
        labels
        for chart in all_charts(language).values()
        for labels in _axis_labels(vlc.vegalite_to_svg(chart.to_dict()))
    ]
    assert len(axes) >= 6
    for labels in axes:
        assert len(set(labels)) == len(labels), labels


def test_every_chart_of_the_built_in_briefs_validates() -> None:
    """Every chart of every built-in brief (and of the comparison brief) conforms to the
    Vega-Lite schema. The render pipeline's kernels display charts without Altair's validation
    (``export.renderer._display_unvalidated``: a tenth of a brief's cells), so this test is
    where a spec the toolkit builds wrongly is caught."""
    from mineral_briefs import brief
    from mineral_briefs.scenarios import list_scenarios

    briefs = [brief.prepare(info.id, "en") for info in list_scenarios()]
    checked = 0
    for b in briefs:
        for name, out in b.sections().items():
            if isinstance(out, alt.TopLevelMixin):
                try:
                    out.to_dict(validate=True)
                except Exception as exc:  # noqa: BLE001 - name the brief and the section
                    pytest.fail(f"{b.scenario_id}: chart {name} fails the schema: {exc}")
                checked += 1
    comparison = brief.Comparison(briefs=briefs, language="en")
    comparison.small_multiples().to_dict(validate=True)
    assert checked >= 5 * len(briefs)


@pytest.mark.parametrize("levers", [1, 2])
def test_sweep_chart_validates_for_one_and_two_levers(levers: int) -> None:
    """The sweep chart (a line for one lever, a heatmap for two) conforms to the Vega-Lite
    schema; the render pipeline displays it unvalidated."""
    from mineral_briefs.charts.sweep import sweep_heatmap

    xs, ys = [0.0, 0.5, 1.0], ([0.0, 90.0] if levers == 2 else [0.0])
    rows = [
        {
            "x_value": x,
            "x_text": f"{x:.0%}",
            "y_value": y,
            "y_text": f"{y:.0f} days" if levers == 2 else "",
            "value": 10 * x + y / 90,
            "value_text": f"{10 * x + y / 90:.1f} %",
            "meets": x < 0.5,
        }
        for x in xs
        for y in ys
    ]
    chart = sweep_heatmap(
        pd.DataFrame(rows),
        "en",
        x="export_controls[0].share_withheld",
        y="export_controls[0].licensing_delay_days" if levers == 2 else None,
        kpi_label="Shortfall",
        x_label="Share withheld",
        y_label="Licensing delay" if levers == 2 else "",
        meets_label="meets the target",
    )
    spec = chart.to_dict(validate=True)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_whatif_draws_one_label_where_two_markets_print_the_same_value() -> None:
    """Dy and Tb move alike: their labels at the slider's setting were drawn on top of each
    other in two colours; the first market keeps the label, each keeps its point."""
    rows = []
    for v in (0.0, 50.0, 100.0):
        for mineral, value in (("dy", 1.0 + v / 50.0), ("tb", 1.0 + v / 50.0), ("lithium", 1.5)):
            rows.append(
                {
                    "lever_value": v,
                    "mineral": mineral,
                    "value": value,
                    "value_label": i18n.fmt_multiple(value, "en"),
                }
            )
    spec = charts.whatif_chart(
        pd.DataFrame(rows), "en", lever_label="Share (%)", kpi_label="Peak", mineral="dy"
    ).to_dict()
    data = next(iter(spec["datasets"].values()))
    for v in (0.0, 50.0, 100.0):
        at = [r for r in data if r["lever_value"] == v]
        shown = [r["label_text"] for r in at if r["label_text"]]
        assert sorted(shown) == sorted({r["value_label"] for r in at}), at
        assert len(at) == 3  # every market keeps its point
