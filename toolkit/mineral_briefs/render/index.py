"""The run's ``index.html``: a landing page grouping the briefs by the adviser's question.

Built from the manifest (escaped, offline). Each scenario is one card: its headline figures name
the mineral and the value ("Magnet rare earths: peak price outside China 3.8×"), and it links the
brief in every language rendered, its PDF and data. Each language version keeps its own row
(``mb-row mb-<status>``) with the status and, for a failed render, the error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mineral_briefs import __version__
from mineral_briefs.render.layout import TOOLKIT_DIR

QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("supply", "What if China cuts supply?", "Was, wenn China das Angebot kürzt?"),
    ("help", "Do floors and stockpiles help?", "Helfen Mindestpreise und Lager?"),
    ("demand", "What if demand soars?", "Was, wenn die Nachfrage in die Höhe schießt?"),
    (
        "baseline",
        "Where do markets stand without a new shock?",
        "Wo stehen die Märkte ohne neuen Schock?",
    ),
    ("compare", "How do the scenarios compare?", "Wie schneiden die Szenarien im Vergleich ab?"),
    ("other", "Other briefs", "Weitere Berichte"),
)
"""Question id, English and German wording, in page order (ids from ``brief.question_of``)."""
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def _display_time(stamp: Any) -> str:
    """ISO time from the manifest as ``YYYY-MM-DD HH:MM UTC`` (empty when missing)."""
    if not stamp:
        return ""
    try:
        return (
            dt.datetime.fromisoformat(str(stamp)).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        )
    except ValueError:
        return str(stamp)


def _row(name: str, e: Mapping[str, Any]) -> dict[str, Any]:
    """One rendered language version of a brief (its links, status and error)."""
    meta = e.get("meta") or {}
    files = e.get("files") or {}
    lang = str(e.get("language", ""))
    return {
        "name": name,
        "language": lang,
        "language_name": LANGUAGE_NAMES.get(lang, lang),
        "title": meta.get("title") or name,
        "vintage": meta.get("data_vintage", ""),
        "rendered_at": _display_time(e.get("rendered_at")),
        "status": e.get("status", "unknown"),
        # NOTE: each language row carries its own headline; the card's headline is the lead
        # language's, so a German row shows its German figures beside it.
        "headline": _headline(meta),
        "error": e.get("error"),
        "href": files.get("html"),
        "data_href": files.get("data"),
        "pdf_href": files.get("pdf"),
    }


def _headline(meta: Mapping[str, Any]) -> list[dict[str, str]]:
    """Headline figures, each naming the mineral: ``{mineral, label, value}``."""
    mineral = str(meta.get("mineral_name") or "")
    return [
        {"mineral": mineral, "label": str(h.get("label", "")), "value": str(h.get("value", ""))}
        for h in [h for h in meta.get("headline", []) if isinstance(h, dict)][:4]
    ]


def _cards(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One card per scenario (or comparison), its language rows in en, de, … order."""
    groups: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for name, e in manifest.get("briefs", {}).items():
        key = (str(e.get("kind", "brief")), str(e.get("scenario") or name.rsplit("-", 1)[0]))
        groups.setdefault(key, []).append((name, e))
    order = {"en": 0, "de": 1}
    cards = []
    for (kind, scenario), entries in sorted(groups.items(), key=lambda kv: kv[0][1]):
        entries.sort(key=lambda ne: (order.get(str(ne[1].get("language")), 2), ne[0]))
        lead = next((e for _, e in entries if e.get("meta")), entries[0][1])
        meta = lead.get("meta") or {}
        question = "compare" if kind == "compare" else str(meta.get("question") or "other")
        rows = [_row(n, e) for n, e in entries]
        cards.append(
            {
                "scenario": scenario,
                "kind": kind,
                "question": question if question in {q[0] for q in QUESTIONS} else "other",
                "title": rows[0]["title"],
                "lang": str(lead.get("language", "en")),
                "headline": _headline(meta),
                "flags": [str(f) for f in meta.get("flags", [])][:3],
                "vintage": meta.get("data_vintage", ""),
                "rows": rows,
            }
        )
    return cards


def build_index(manifest: Mapping[str, Any], *, generated_at: str) -> str:
    """Render ``index.html`` from the manifest: every string escaped, inline CSS, no network."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TOOLKIT_DIR / "templates" / "index")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    cards = _cards(manifest)
    sections = [
        {"id": qid, "en": en, "de": de, "cards": [c for c in cards if c["question"] == qid]}
        for qid, en, de in QUESTIONS
    ]
    rows = [r for c in cards for r in c["rows"]]
    tpl = env.get_template("index.html.j2")
    return tpl.render(
        sections=[s for s in sections if s["cards"]],
        n_briefs=len(rows),
        generated_at=generated_at,
        toolkit_version=__version__,
        n_failed=sum(r["status"] == "failed" for r in rows),
        css=(TOOLKIT_DIR / "templates" / "index" / "index.css").read_text(encoding="utf-8"),
    )
