"""The landing index: briefs grouped by question, each headline naming mineral and value,
both languages linked, failures still shown per language."""

from __future__ import annotations

from bs4 import BeautifulSoup
from mineral_briefs.render.index import QUESTIONS, build_index


def _entry(sid: str, lang: str, question: str, status: str = "ok") -> dict[str, object]:
    mineral = {"en": "Magnet rare earths", "de": "Magnet-Seltenerden"}[lang]
    return {
        "kind": "brief",
        "scenario": sid,
        "language": lang,
        "status": status,
        "error": {"kind": "exception", "cell": 3, "ename": "ValueError", "evalue": "boom"}
        if status == "failed"
        else None,
        "files": {"html": f"{sid}-{lang}.html", "pdf": f"{sid}-{lang}.pdf"},
        "meta": {
            "title": f"{sid} title {lang}",
            "question": question,
            "mineral_name": mineral,
            "headline": [{"label": "Peak price outside China", "value": "3.8×"}],
            "flags": [],
        },
    }


def test_index_groups_by_question_and_names_the_mineral() -> None:
    manifest = {
        "briefs": {
            "ctrl-en": _entry("ctrl", "en", "supply"),
            "ctrl-de": _entry("ctrl", "de", "supply", status="failed"),
            "floor-en": _entry("floor", "en", "help"),
            "surge-en": _entry("surge", "en", "demand"),
            "odd-en": _entry("odd", "en", "nonsense"),
            "compare-en": {"kind": "compare", "language": "en", "status": "ok", "meta": {}},
        }
    }
    page = BeautifulSoup(build_index(manifest, generated_at="now"), "html.parser")
    order = [s["id"].removeprefix("q-") for s in page.select("section.mb-question")]
    assert order == ["supply", "help", "demand", "compare", "other"]
    assert [q[0] for q in QUESTIONS if q[0] in order] == order
    supply = page.select_one("#q-supply")
    assert "What if China cuts supply?" in supply.h2.get_text()
    cards = supply.select("article.mb-card")
    assert len(cards) == 1  # both languages of one scenario on one card
    for li in cards[0].select("ul.mb-headline li"):
        assert li.get_text(" ", strip=True).startswith("Magnet rare earths")
        assert "3.8×" in li.get_text()
    links = {a["href"] for a in cards[0].select(".mb-row a")}
    assert {"ctrl-en.html", "ctrl-de.html", "ctrl-en.pdf"} <= links
    failed = cards[0].select(".mb-row.mb-failed")
    assert len(failed) == 1 and "ValueError: boom" in failed[0].get_text()
    assert page.select_one("#q-other #scenario-odd") is not None
    assert page.select_one("a[href='methodology.html']") is not None


def test_each_language_row_shows_its_own_headline() -> None:
    de = _entry("ctrl", "de", "supply")
    de["meta"]["headline"] = [{"label": "Spitzenpreis außerhalb Chinas", "value": "3,8×"}]  # type: ignore[index]
    manifest = {"briefs": {"ctrl-en": _entry("ctrl", "en", "supply"), "ctrl-de": de}}
    page = BeautifulSoup(build_index(manifest, generated_at="now"), "html.parser")
    row = page.select_one("#brief-ctrl-de")
    items = [li.get_text(" ", strip=True) for li in row.select("ul.mb-row-headline li")]
    assert items == ["Magnet-Seltenerden · Spitzenpreis außerhalb Chinas: 3,8×"]
    assert row.select_one("ul.mb-row-headline")["lang"] == "de"
    assert page.select_one("#brief-ctrl-en ul.mb-row-headline") is None  # the card holds it
