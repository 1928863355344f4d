"""File stems of rendered briefs: ``<scenario>-<lang>``, or ``<scenario>-set-<hash>-<lang>``
for a brief whose levers were overridden (``render --set`` / the notebook's ``overrides``), so
an overridden run never overwrites the standard brief in the same folder.

Kept free of heavy imports: the render plan names its jobs before any kernel starts.
"""

from __future__ import annotations

import hashlib

SET_HASH_CHARS = 8
"""Hex characters of the overrides' SHA-256 in the file stem."""

METHODOLOGY_PAGE = "methodology.html"
"""The methodology page written beside the briefs (the briefs link to it)."""


def overrides_tag(described: str) -> str:
    """Short hash of the overrides as the brief describes them (``path = value; …``,
    :func:`mineral_briefs.scenarios.patch.describe_overrides`); empty without overrides."""
    if not described:
        return ""
    return hashlib.sha256(described.encode("utf-8")).hexdigest()[:SET_HASH_CHARS]


def brief_stem(scenario_id: str, language: str, described_overrides: str = "") -> str:
    """The brief's file stem: ``<scenario>-<lang>`` or ``<scenario>-set-<hash>-<lang>``."""
    tag = overrides_tag(described_overrides)
    return f"{scenario_id}-set-{tag}-{language}" if tag else f"{scenario_id}-{language}"
