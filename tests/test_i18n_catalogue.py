"""The message catalogue and the number/date formats of both languages."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from mineral_briefs import i18n

NBSP_RE = re.compile("[\u00a0\u202f]")


def plain(text: str) -> str:
    """Replace (narrow) no-break spaces by spaces, for readable expectations."""
    return NBSP_RE.sub(" ", text)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_english_key_has_a_german_entry() -> None:
    en, de = i18n.catalogue("en"), i18n.catalogue("de")
    assert set(en) - set(de) == set()
    # German-only keys are the German summaries of English data text (policy events).
    assert {k.split(".")[0] for k in set(de) - set(en)} <= {"event"}


def test_placeholders_agree_between_languages() -> None:
    en, de = i18n.catalogue("en"), i18n.catalogue("de")
    for key, template in en.items():
        assert placeholders(template) == placeholders(de[key]), key


def test_german_prose_is_translated() -> None:
    en, de = i18n.catalogue("en"), i18n.catalogue("de")
    words = {k: re.sub(r"\{[^}]*\}", "", v).split() for k, v in en.items()}
    same = [k for k, v in en.items() if len(words[k]) >= 3 and de[k] == v]
    assert same == []


def test_missing_german_key_raises_instead_of_falling_back(tmp_path, monkeypatch) -> None:
    (tmp_path / "en.json").write_text(json.dumps({"only.en": "English text"}), encoding="utf-8")
    (tmp_path / "de.json").write_text(json.dumps({}), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert i18n.t("only.en", "en") == "English text"
        with pytest.raises(i18n.MissingTranslationError, match="only.en"):
            i18n.t("only.en", "de")
    finally:
        i18n.catalogue.cache_clear()


def test_unknown_key_and_language_raise() -> None:
    with pytest.raises(i18n.MissingTranslationError):
        i18n.t("no.such.key", "de")
    with pytest.raises(ValueError, match="fr"):
        i18n.t("section.summary", "fr")


@pytest.mark.parametrize(
    ("value", "decimals", "en", "de"),
    [
        (1234.5, 1, "1,234.5", "1.234,5"),
        (1234567, 0, "1,234,567", "1.234.567"),
        (0.25, 2, "0.25", "0,25"),
        (-3.0, 0, "−3", "−3"),
        (-0.01, 0, "0", "0"),
    ],
)
def test_number_formats(value: float, decimals: int, en: str, de: str) -> None:
    assert i18n.fmt_number(value, "en", decimals) == en
    assert i18n.fmt_number(value, "de", decimals) == de


def test_percent_money_tonnes_and_multiples() -> None:
    assert i18n.fmt_pct(71.2, "en") == "71%"
    assert plain(i18n.fmt_pct(71.2, "de")) == "71 %"
    assert plain(i18n.fmt_money(1.234e9, "en")) == "USD 1.2 bn"
    assert plain(i18n.fmt_money(1.234e9, "de")) == "1,2 Mrd. USD"
    assert plain(i18n.fmt_money(56e6, "de")) == "56,0 Mio. USD"
    # below a million: three significant figures, never six digits of false precision
    assert plain(i18n.fmt_money(703_896, "en")) == "USD 704,000"
    assert plain(i18n.fmt_money(703_896, "de")) == "704.000 USD"
    assert plain(i18n.fmt_money(950, "en")) == "USD 950"
    assert plain(i18n.fmt_tonnes(12_345, "de")) == "12 kt"
    assert plain(i18n.fmt_tonnes(2_500, "en")) == "2.5 kt"
    assert plain(i18n.fmt_tonnes(3.2e6, "de")) == "3,2 Mt"
    assert i18n.fmt_multiple(2.44, "de") == "2,4×"
    assert i18n.fmt_number(float("nan"), "en") == "–"


@pytest.mark.parametrize(
    ("value", "en", "de"),
    [
        ("2026-11-10", "10 November 2026", "10. November 2026"),
        ("2025-03", "March 2025", "März 2025"),
        ("2028", "2028", "2028"),
    ],
)
def test_dates(value: str, en: str, de: str) -> None:
    assert plain(i18n.fmt_date(value, "en")) == en
    assert plain(i18n.fmt_date(value, "de")) == de


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "**bold** _it_ `code` $x$ | a |",
        "<img src=x onerror=alert(1)>",
        "&lt;already&gt; ' \"",
    ],
)
def test_escape_makes_markdown_and_html_inert(hostile: str) -> None:
    import html

    out = i18n.escape(hostile)
    assert not re.search(r"[<>\[\]()`*_|$'\"]", out)
    assert "javascript:" not in out
    assert html.unescape(out) == hostile


def test_vega_locale_follows_the_language() -> None:
    de, en = i18n.vega_locale("de"), i18n.vega_locale("en")
    assert de["number"]["decimal"] == "," and de["number"]["thousands"] == "."
    assert en["number"]["decimal"] == "." and en["number"]["thousands"] == ","
    assert de["time"]["months"][2] == "März"


def test_names_of_minerals_stages_regions() -> None:
    from mineral_briefs.vocab import MINERALS, MODEL_REGIONS, STAGES

    for lang in ("en", "de"):
        for m in MINERALS:
            assert i18n.mineral_name(m, lang)
            assert i18n.t(f"mineral_of.{m}", lang)
        for s in STAGES:
            assert i18n.stage_name(s, lang)
        for r in MODEL_REGIONS:
            assert i18n.region_name(r, lang)
    assert i18n.mineral_name("tungsten", "de") == "Wolfram"
    assert i18n.country_name("COD", "de") == "DR Kongo"
    assert i18n.country_name("XKX", "de") == "XKX"


def test_every_source_licence_has_a_german_label() -> None:
    """A German brief lists each source's licence in German; a licence string new in
    data/sources.csv without a label leaks English ("cited with attribution")."""
    import pandas as pd
    from mineral_briefs.locations import data_dir

    neutral = {"CC BY 4.0", "CC BY 3.0 IGO", "MIT", "-"}  # codes read the same in German
    licences = set(pd.read_csv(data_dir() / "sources.csv")["licence"].dropna()) - neutral
    locales = Path(i18n.__file__).with_name("locales")
    de = json.loads((locales / "de.json").read_text(encoding="utf-8"))
    missing = sorted(x for x in licences if f"licence.{x}" not in de)
    assert not missing, missing


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_kpi_the_whatif_may_show_has_a_phrase_for_its_title(language: str) -> None:
    """The what-if title reads "… rises from A to B"; a KPI without a "the …" phrase fell back
    to its id (consumer_cost_usd_per_year), and a German plural label ("Mehrkosten …") broke
    the verb's agreement."""
    from mineral_briefs import i18n
    from mineral_briefs.brief import SENSITIVITY_KPIS

    for kpi in (*SENSITIVITY_KPIS, "peak_price_multiple_alliance", "consumer_cost_usd_per_year"):
        assert i18n.has(f"kpi_the.{kpi}", language), kpi
