"""The as-of date a brief speaks from: one parser for the CLI, the render plan and the notebook.

Events before the as-of date are written in the past tense, later ones as scheduled; the date
is a notebook parameter, so it enters each brief's cache key. Kept free of heavy imports: the
CLI parses ``--as-of`` before anything else is loaded.
"""

from __future__ import annotations

import datetime as dt

AS_OF_FORM = "expected a date in the form YYYY-MM-DD (e.g. 2026-12-01)"
"""The wording every caller uses when a value is not an ISO date."""


def parse_as_of(value: str | dt.date | None) -> dt.date:
    """``value`` as a date; ``None`` or an empty string is today.

    Raises
    ------
    ValueError
        If ``value`` is not an ISO date ``YYYY-MM-DD``; the message is :data:`AS_OF_FORM`
        (callers wrap it in their own error: argparse exit 2, ``RenderError``,
        ``ScenarioError``).
    """
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    # NOTE: fromisoformat also takes "20261201" and week dates on 3.11; only the plain form
    # an analyst types is accepted.
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(AS_OF_FORM)
