"""Every built-in scenario prepares and renders every section, in English and German.

Fast and in-process: the real data, scenarios and engine; the kernel/papermill path is tested
in ``test_brief_notebooks.py`` (one slow test) and by the render layer.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from brief_numbers import matches, quantities
from i18n_fixtures import english_only_fragments
from mineral_briefs import brief, i18n
from mineral_briefs.scenarios import list_scenarios

SCENARIOS = [info.id for info in list_scenarios()]
LANGUAGES = ("en", "de")
_CACHE: dict[tuple[str, str], brief.Brief] = {}

SECTION_HEADINGS = (
    "section.summary",
    "section.situation",
    "section.news_vs_data",
    "section.market",
    "section.shock",
    "section.levers",
    "section.sensitivity",
    "section.watch",
    "section.methods",
    "section.backtest",
    "section.sources",
    "section.parameters",
)


def prepared(sid: str, language: str) -> brief.Brief:
    key = (sid, language)
    if key not in _CACHE:
        _CACHE[key] = brief.prepare(sid, language)
    return _CACHE[key]


def page_text(sections: dict[str, object], *, drop_english_quotes: bool = False) -> str:
    """All text of the text sections, entities decoded (what a reader sees).

    ``drop_english_quotes`` leaves out text marked ``lang="en"`` (scenario assumptions quoted
    in their original English, labelled as such in the German brief; source titles and
    locators cited as published).
    """
    joined = "\n".join(str(v) for v in sections.values() if isinstance(v, str))
    if drop_english_quotes:
        # any element marked English: quoted assumptions (span), cited titles and locators
        joined = re.sub(r'<(\w+)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", joined, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", joined))


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_there_are_built_in_scenarios() -> None:
    assert "baseline" in SCENARIOS and len(SCENARIOS) >= 5


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("sid", SCENARIOS)
def test_every_scenario_prepares_every_section(sid: str, language: str) -> None:
    b = prepared(sid, language)
    sections = b.sections()
    assert set(sections) == set(brief.Brief.SECTIONS)
    text = page_text(sections)
    for key in SECTION_HEADINGS:
        assert i18n.t(key, language) in text, key
    n_charts = 0
    for name, out in sections.items():
        if isinstance(out, alt.TopLevelMixin):
            spec = out.to_dict()
            n_charts += 1
            for data in spec.get("datasets", {}).values():
                assert len(data) < 5000, name
        else:
            assert isinstance(out, str), name
    assert n_charts >= 3  # a scenario without a shock draws no tornado: nothing moves it
    assert b.title in html.unescape(str(sections["parameters"]))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("sid", SCENARIOS)
def test_executive_summary_numbers_equal_the_kpis(sid: str, language: str) -> None:
    b = prepared(sid, language)
    kpis = b.results.kpis
    focal = kpis[(kpis["mineral"] == b.mineral) & (kpis["stage"] == b.stage)].set_index("kpi")
    summary = html.unescape(str(b.summary()))
    items = b.findings()
    assert 3 <= len(items) <= 6
    quoted = 0
    for f in items:
        for kpi_id, text in f.kpis.items():
            row = (
                focal.loc[kpi_id]
                if kpi_id in focal.index
                else kpis[(kpis["mineral"] == b.mineral) & (kpis["kpi"] == kpi_id)].iloc[0]
            )
            # read the printed figure back as a reader would (own parser, not the formatter)
            printed = [q for q in quantities(text, language) if q.kind != "plain"]
            assert all(matches(q, float(row["value"])) for q in printed), (kpi_id, text, row)
            assert text in summary, (kpi_id, text)
            quoted += len(printed)
    assert quoted >= 3
    meta = b.meta_dict()
    assert meta["kpis"]["peak_price_multiple_outside"] == pytest.approx(
        float(focal.loc["peak_price_multiple_outside", "value"])
    )


@pytest.mark.parametrize("sid", SCENARIOS)
def test_german_brief_has_no_untranslated_label(sid: str) -> None:
    b = prepared(sid, "de")
    sections = b.sections()
    text = plain(page_text(sections, drop_english_quotes=True))
    leaks = [frag for frag in english_only_fragments() if plain(frag) in text]
    assert leaks == []
    assert i18n.t("situation.english_only", "de") not in text
    for name, out in sections.items():
        if isinstance(out, alt.TopLevelMixin):
            spec = json.dumps(out.to_dict(), ensure_ascii=False)
            leaks = [frag for frag in english_only_fragments() if frag in spec]
            assert leaks == [], name
            assert '"decimal": ","' in spec


@pytest.mark.parametrize("language", LANGUAGES)
def test_meta_record_follows_the_contract(language: str) -> None:
    b = prepared("controls_oct2025", language)
    meta = b.meta_dict()
    assert set(meta) == {
        "title",
        "scenario_id",
        "language",
        "data_vintage",
        "toolkit_version",
        "scenario_digest",
        "headline",
        "flags",
        "kpis",
        "question",
        "mineral",
        "mineral_name",
        "stage",
    }
    assert meta["language"] == language and meta["scenario_id"] == "controls_oct2025"
    # the landing index groups by question and names the mineral of every headline
    assert meta["question"] == "supply"
    assert (meta["mineral"], meta["stage"]) == (b.mineral, b.stage)
    assert meta["mineral_name"] == i18n.mineral_name(b.mineral, language)
    assert all(set(h) == {"label", "value"} for h in meta["headline"]) and meta["headline"]
    assert all(isinstance(f, str) for f in meta["flags"])
    assert all(isinstance(v, float) for v in meta["kpis"].values())
    raw = json.dumps(meta, ensure_ascii=False)
    assert "/work" not in raw and "/tmp" not in raw and not re.search(r"\d{2}:\d{2}", raw)
    assert meta == prepared("controls_oct2025", language).meta_dict()  # deterministic


def test_iamc_download_is_small_and_readable() -> None:
    b = prepared("controls_oct2025", "en")
    csv = b.iamc_csv()
    assert 0 < len(csv.encode()) < 1_000_000
    df = pd.read_csv(io.StringIO(csv))
    assert list(df.columns[:5]) == ["model", "scenario", "region", "variable", "unit"]
    assert {"2025", "2026", "2027"} <= set(df.columns)
    assert (df["scenario"] == "controls_oct2025").all()
    assert df["variable"].str.startswith("Price|").any()


def test_whatif_chart_has_a_slider_over_the_engine_grid() -> None:
    b = prepared("controls_oct2025", "de")
    spec = b.whatif_chart().to_dict()
    bind = spec["params"][0]["bind"]
    assert bind["input"] == "range" and bind["min"] == 0 and bind["max"] == 100
    assert spec["params"][0]["value"] == pytest.approx(60.0)  # the scenario's own setting
    grid, lever, kpi = b.whatif_grid()
    assert lever == "share_withheld" and len(grid) > 5
    assert set(grid["mineral"]) <= set(b.results.whatif["mineral"])


def test_flags_show_every_unconfirmed_or_assumed_input() -> None:
    b = prepared("controls_oct2025", "en")
    flags = b.flag_rows()
    assert len(flags) and set(flags["confidence"]) <= {"unconfirmed", "low_grade", "assumption"}
    methods = html.unescape(str(b.methods()))
    for what in flags["what"]:
        assert what in methods
    assert b.meta_dict()["flags"]


HOSTILE = """\
id: hostile
extends: baseline
title:
  en: "<script>alert(1)</script> [x](javascript:alert(1))"
  de: "<img src=x onerror=alert(1)> **fett** [y](javascript:alert(2))"
rationale: "<b>bold</b> [click](javascript:alert(3)) `code` <iframe src=x></iframe>"
assumptions:
  - claim: "<script>alert(4)</script> [z](javascript:alert(5))"
    source_id: IEA_CMD2025
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_scenario_text_renders_inert(tmp_path: Path, language: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    b = brief.prepare(str(path), language)
    out = "\n".join(str(v) for v in b.sections().values() if isinstance(v, str))
    for bad in ("<script", "<img", "<iframe", "<b>bold", "](javascript", "javascript:"):
        assert bad not in out, bad
    assert "&lt;script&gt;" in out or "&lt;img" in out
    # the meta title stays raw text: the exporter escapes it in the page header
    assert b.meta_dict()["title"] == b.scenario.text("title", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_comparison_brief(language: str) -> None:
    comp = brief.prepare_comparison("baseline, controls_oct2025", language=language)
    table = html.unescape(str(comp.kpi_table()).replace("<wbr>", ""))
    assert (
        "controls_oct2025" in table and i18n.t("kpi.peak_price_multiple_outside", language) in table
    )
    spec = comp.small_multiples().to_dict()
    assert "facet" in spec and spec["config"]["locale"]["number"]["decimal"] == (
        "," if language == "de" else "."
    )
    meta = comp.meta_dict()
    assert meta["scenario_id"] == "compare" and meta["language"] == language


@pytest.mark.parametrize("sid", SCENARIOS)
def test_whatif_grid_holds_the_central_estimate_at_the_scenarios_own_setting(sid: str) -> None:
    """Every what-if line passes through the summary's value at the scenario's own setting, so
    the slider starts on the number of the executive summary."""
    from mineral_briefs import engine
    from mineral_briefs.scenarios import load_scenario

    sc = load_scenario(sid)
    r = engine.run(sc, draws=0)
    own: dict[str, list[float]] = {
        "share_withheld": [c.share_withheld for c in sc.export_controls[:1]],
        "floor_usd_per_kg": [f.floor.usd_per_kg() for f in sc.price_floors],
    }
    kp = r.kpis.set_index(["mineral", "stage", "kpi"])["value"]
    checked = 0
    for (lever, mineral, stage, kpi), g in r.whatif.groupby(["lever", "mineral", "stage", "kpi"]):
        mine = own[str(lever)]
        at = g[g["lever_value"].apply(lambda v, mine=mine: any(abs(v - o) < 1e-6 for o in mine))]
        assert len(at) >= 1, (sid, lever, mineral, stage, sorted(g["lever_value"]))
        central = kp[(mineral, stage, kpi)]
        assert any(
            float(v) == pytest.approx(central, rel=1e-9, nan_ok=True) for v in at["value"]
        ), (sid, lever, mineral, stage, kpi, list(at["value"]), central)
        checked += 1
    assert (checked > 0) == (bool(sc.export_controls) or bool(sc.price_floors))
