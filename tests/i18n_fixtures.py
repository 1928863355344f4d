"""Helpers shared by the tests that look for English leaking into German briefs."""

from __future__ import annotations

import re
from functools import cache

from mineral_briefs import i18n


@cache
def english_only_fragments() -> frozenset[str]:
    """Runs of >= 3 words of English catalogue text that never occur in the German catalogue."""
    en, de = i18n.catalogue("en"), i18n.catalogue("de")
    german = "\n".join(de.values())
    found: set[str] = set()
    for value in en.values():
        for frag in re.split(r"\{[^}]*\}|<[^>]+>", value):
            frag = frag.strip(" .,;:()–—")
            if len(frag.split()) >= 3 and frag not in german:
                found.add(frag)
    return frozenset(found)
