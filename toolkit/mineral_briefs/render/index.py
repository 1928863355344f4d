"""The run's ``index.html``: one card per brief, built from the manifest (escaped, offline)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mineral_briefs import __version__
from mineral_briefs.render.layout import TOOLKIT_DIR


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


def build_index(manifest: Mapping[str, Any], *, generated_at: str) -> str:
    """Render ``index.html`` from the manifest: every string escaped, inline CSS, no network."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TOOLKIT_DIR / "templates" / "index")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    briefs = []

    def order(kv: tuple[str, Any]) -> tuple[bool, str, int, str]:
        entry = kv[1]
        lang = {"en": 0, "de": 1}.get(str(entry.get("language")), 2)
        return (entry.get("kind") != "compare", str(entry.get("scenario", "")), lang, kv[0])

    for name, e in sorted(manifest.get("briefs", {}).items(), key=order):
        meta = e.get("meta") or {}
        files = e.get("files") or {}
        headline = [h for h in meta.get("headline", []) if isinstance(h, dict)][:4]
        briefs.append(
            {
                "name": name,
                "kind": e.get("kind", "brief"),
                "title": meta.get("title") or name,
                "scenario": e.get("scenario", ""),
                "language": e.get("language", ""),
                "vintage": meta.get("data_vintage", ""),
                "rendered_at": _display_time(e.get("rendered_at")),
                "status": e.get("status", "unknown"),
                "error": e.get("error"),
                "href": files.get("html"),
                "data_href": files.get("data"),
                "pdf_href": files.get("pdf"),
                "headline": [
                    {"label": str(h.get("label", "")), "value": str(h.get("value", ""))}
                    for h in headline
                ],
                "flags": [str(f) for f in meta.get("flags", [])][:5],
            }
        )
    tpl = env.get_template("index.html.j2")
    return tpl.render(
        briefs=briefs,
        generated_at=generated_at,
        toolkit_version=__version__,
        n_failed=sum(b["status"] == "failed" for b in briefs),
        css=(TOOLKIT_DIR / "templates" / "index" / "index.css").read_text(encoding="utf-8"),
    )
