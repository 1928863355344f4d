"""The German brief is German: assumptions, policy events, labels and charts (issue 4, items 6-7).

Renders the sections of every built-in scenario in-process (real data, scenarios and engine) and
reads them as a reader would: visible text with tags stripped, and the strings of the embedded
Vega specs. Bibliographic citations (source titles and table/page locators, marked
``lang="en"``) are the one place where English is correct in a German brief.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import altair as alt
import pytest
from i18n_fixtures import english_only_fragments
from mineral_briefs import brief, i18n
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import list_backtests, list_scenarios, load_backtest, load_scenario

SCENARIOS = [info.id for info in list_scenarios()]
BACKTESTS = [info.id for info in list_backtests()]

# NOTE: few draws keep the nine engine runs quick; the text under test does not depend on them.
DRAWS = 20

CITATION_RE = re.compile(
    r'<cite lang="en">.*?</cite>|<span class="mb-ref-loc" lang="en">.*?</span>', re.DOTALL
)
# English function words that have no place in German prose (whole words, case-sensitive
# lower case, so proper names such as "The White House" in a citation are not at stake).
ENGLISH_WORDS_RE = re.compile(r"\b(the|and|of|with|from|until|between|which|will|is|are)\b")


@cache
def prepared(sid: str) -> brief.Brief:
    return brief.prepare(sid, "de", draws=DRAWS)


@cache
def german_country_names() -> frozenset[str]:
    """Every German country/aggregate name of the catalogue (``country.*``)."""
    de = i18n.catalogue("de")
    return frozenset(v for k, v in de.items() if k.startswith("country."))


def visible_text(markup: str) -> str:
    """Text a reader sees (tags stripped, entities decoded, no-break spaces as spaces)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def html_sections(b: brief.Brief) -> str:
    return "\n".join(str(v) for v in b.sections().values() if isinstance(v, str))


def chart_specs(b: brief.Brief) -> dict[str, dict]:
    return {k: v.to_dict() for k, v in b.sections().items() if isinstance(v, alt.TopLevelMixin)}


def spec_strings(spec: object) -> list[str]:
    """Every text of a Vega-Lite spec a reader can see: titles, axis/legend titles, tooltips,
    labels and text values in the inline data (the config and data keys are left out)."""
    out: list[str] = []

    def walk(obj: object, key: str | None = None) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k not in ("config", "$schema", "field", "type", "name", "filter", "as"):
                    walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str):
            out.append(obj)

    walk(spec)
    return out


# --------------------------------------------------------------------------- data and scenarios


def test_every_policy_event_has_a_german_summary() -> None:
    events = load_dataset().policy_events
    assert len(events) >= 20
    de = i18n.catalogue("de")
    missing = [e for e in events["event_id"] if f"event.{e}" not in de]
    assert missing == []
    # and no German summary is left over for an event that is gone from the table
    stale = {k for k in de if k.startswith("event.")} - {f"event.{e}" for e in events["event_id"]}
    assert stale == set()
    for e, summary in zip(events["event_id"], events["summary"], strict=True):
        assert i18n.t(f"event.{e}", "de") != summary, e


@pytest.mark.parametrize("sid", SCENARIOS + BACKTESTS)
def test_every_builtin_assumption_is_written_in_both_languages(sid: str) -> None:
    sc = load_backtest(sid) if sid in BACKTESTS else load_scenario(sid)
    assert sc.assumptions
    for a in sc.assumptions:
        assert a.is_localized, a.claim
        assert a.text("de") != a.text("en")
        assert not ENGLISH_WORDS_RE.search(a.text("de")), a.text("de")
    assert sc.claims("de") == tuple(a.text("de") for a in sc.assumptions)


def test_plain_text_claim_stays_valid_and_is_shown_marked_as_english(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "id: mine\nextends: baseline\nassumptions:\n"
        '  - claim: "Only English & plain"\n    source_id: IEA_CMD2025\n'
        "  - claim: {en: Both languages, de: Beide Sprachen}\n    source_id: IEA_CMD2025\n",
        encoding="utf-8",
    )
    sc = load_scenario(path)
    plain, both = sc.assumptions
    assert not plain.is_localized and plain.text("de") == plain.text("en") == "Only English & plain"
    assert both.is_localized and sc.claims("de") == ("Only English & plain", "Beide Sprachen")
    with pytest.raises(ValueError, match="fr"):
        both.text("fr")
    b = brief.prepare(str(path), "de", draws=0)
    methods = str(b.methods())
    assert '<span lang="en">Only English &amp; plain</span>' in methods
    assert "Beide Sprachen" in methods and "Both languages" not in methods
    assert i18n.t("methods.assumptions_english", "de") in visible_text(methods)
    english = str(brief.prepare(str(path), "en", draws=0).methods())
    assert "Both languages" in english and 'lang="en"' not in english


def test_localized_claim_needs_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\nextends: baseline\nassumptions:\n"
        "  - claim: {en: only one language}\n    source_id: IEA_CMD2025\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="claim"):
        load_scenario(path)


# --------------------------------------------------------------------------- the rendered brief


@pytest.mark.parametrize("sid", SCENARIOS)
def test_german_brief_shows_no_english(sid: str) -> None:
    b = prepared(sid)
    markup = html_sections(b)
    # the only English left is the citations, marked as such
    prose = CITATION_RE.sub(" ", markup)
    assert 'lang="en"' not in prose
    text = visible_text(prose)
    leaks = sorted(f for f in english_only_fragments() if f in text)
    assert leaks == []
    for marker in ("situation.english_only", "methods.assumptions_english"):
        assert i18n.t(marker, "de") not in text, marker
    for a in b.scenario.assumptions:
        assert a.text("de") in text
        assert a.text("en") not in text
    events = b.dataset.policy_events
    shown = [s for s in events["summary"] if s in text]
    assert shown == []
    # German prose outside the reference list: no English function words (a title quoted in
    # German quotation marks, e.g. „The Role of Critical Minerals …“, is a citation too)
    body = visible_text(re.sub(r'<ol class="mb-refs">.*?</ol>', " ", prose, flags=re.DOTALL))
    body = re.sub(r"„[^“]*“", " ", body)
    assert ENGLISH_WORDS_RE.findall(body) == []


@pytest.mark.parametrize("sid", SCENARIOS)
def test_german_charts_show_no_english(sid: str) -> None:
    b = prepared(sid)
    specs = chart_specs(b)
    # NOTE: >= 3: a scenario without a shock (the baseline) draws no tornado (no input moves
    # its result, the section says so in words)
    assert len(specs) >= 3
    for name, spec in specs.items():
        texts = spec_strings({k: v for k, v in spec.items() if k != "datasets"})
        joined = "\n".join(texts)
        leaks = sorted(f for f in english_only_fragments() if f in joined)
        assert leaks == [], name
        assert spec["config"]["locale"]["number"]["decimal"] == ",", name
        for rows in spec.get("datasets", {}).values():
            for row in rows:
                # labels shown in legends and tooltips: German names, never a bare ISO code
                if "country_name" in row:
                    assert row["country_name"] in german_country_names(), (name, row)
                for col in ("region_name", "series_name", "mineral_name"):
                    value = row.get(col)
                    assert value not in ("Rest of World", "Alliance", "supply", "demand"), col


def test_source_titles_stay_original_but_their_labels_are_german() -> None:
    b = prepared("baseline")
    refs = str(b.sources())
    # the title is cited in its original language and marked so ...
    assert '<cite lang="en">Mineral Commodity Summaries 2026' in refs
    # ... while licence wording and confidence around it are German
    text = visible_text(CITATION_RE.sub(" ", refs))
    assert "Lizenz: gemeinfrei (Werk der US-Regierung)" in text
    assert "cited with attribution" not in text and "public domain" not in text
    assert "Sekundärquelle" in text and "Lizenz: CC BY 4.0" in text
    english = visible_text(str(brief.prepare("baseline", "en", draws=0).sources()))
    assert "Licence: public domain (US Government work)" in english or "public domain" in english
    assert 'lang="en"' not in str(brief.prepare("baseline", "en", draws=0).sources())


def test_every_quantity_basis_label_has_a_german_name() -> None:
    """The exports chart names the quantity basis from the data ("NdPr content"); the German
    chart read "Jahresrate in t NdPr content". Every basis label of every market is in the
    catalogue, so a new data label cannot slip through untranslated."""
    from mineral_briefs import engine
    from mineral_briefs.scenarios import load_scenario

    run = engine.run(load_scenario("combined_stress"), load_dataset(), central_only=True)
    labels = set(run.price_basis["content_label"])
    assert "NdPr content" in labels
    for label in labels:
        assert i18n.has(f"basis.{label}", "de"), label
        assert i18n.t(f"basis.{label}", "en") == label


def test_the_german_exports_chart_names_its_basis_in_german() -> None:
    b = brief.prepare("controls_oct2025", "de", draws=20, as_of="2026-12-01")
    spec = b.exports_chart()
    text = str(spec.to_dict() if hasattr(spec, "to_dict") else spec)
    assert "NdPr-Gehalt" in text and "NdPr content" not in text
