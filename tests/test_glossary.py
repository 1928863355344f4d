"""The German glossary: one term per concept in the catalogue and the scenarios' German texts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mineral_briefs import i18n

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "toolkit" / "mineral_briefs" / "locales" / "glossary.json"


def terms() -> list[dict[str, Any]]:
    return list(json.loads(GLOSSARY.read_text(encoding="utf-8"))["terms"])


def avoided(text: str) -> list[tuple[str, str]]:
    """(concept, word) for every avoided word found in ``text`` (whole words, case-sensitive)."""
    found = []
    for term in terms():
        for word in term["avoid"]:
            if re.search(rf"(?<!\w){re.escape(word)}", text):
                found.append((term["concept"], word))
    return found


def german_texts(node: Any) -> Iterator[str]:
    """Every ``de:`` text of a scenario mapping."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "de" and isinstance(value, str):
                yield value
            else:
                yield from german_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from german_texts(value)


def test_glossary_terms_are_used_by_the_catalogue() -> None:
    cat = i18n.catalogue("de")
    everything = "\n".join(cat.values())
    for term in terms():
        assert term["de"] in everything, term
    bad = {k: avoided(v) for k, v in cat.items() if avoided(v)}
    assert bad == {}


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").rglob("*.yaml")), ids=lambda p: p.name)
def test_scenario_german_texts_follow_the_glossary(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad = [(t[:60], avoided(t)) for t in german_texts(data) if avoided(t)]
    assert bad == []


def test_avoided_words_are_found() -> None:
    assert avoided("der kumulierte Fehlbedarf") == [("shortfall", "Fehlbedarf")]
    assert avoided("die NdPr-Preisuntergrenze") == [("price floor", "Preisuntergrenze")]
    assert avoided("die kumulierte Versorgungslücke") == []
