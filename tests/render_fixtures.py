"""Small brief-like notebooks for the export/render tests, built with nbformat in tmp_path.

They follow the notebook contract (annotated ``parameters`` cell, one meta output, one data output,
Altair charts through ``mineral_briefs.export.enable_offline_renderer``) without needing the engine,
so
the pipeline can be tested — and broken on purpose — independently of the real briefs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import nbformat

XSS_TITLE = (
    "<script>alert('t')</script> <img src=x onerror=alert(1)> <a href=\"javascript:alert(2)\">x</a>"
)


def make_notebook(
    path: Path,
    *,
    title: str = "Fixture brief {scenario}",
    charts: int = 2,
    extra_cells: Sequence[str] = (),
    before_cells: Sequence[str] = (),
    headline_value: str = "2.5×",
    data_filename: str = "{scenario}-{language}.csv",
) -> Path:
    """Write a contract-following fixture notebook; ``{scenario}`` in ``title`` is filled in."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        'scenario: str = "baseline"  # scenario id\n'
        'language: str = "en"  # brief language: en | de\n'
        "draws: int = -1  # Monte Carlo draws\n"
    )
    params.metadata["tags"] = ["parameters"]
    setup = (
        "import altair as alt\nimport pandas as pd\n"
        "from IPython.display import Markdown, display\n"
        "from mineral_briefs.export import DATA_MIME, META_MIME, enable_offline_renderer\n"
        "enable_offline_renderer()\n"
        f"TITLE = {json.dumps(title)}.replace('{{scenario}}', scenario)\n"
        "df = pd.DataFrame({'year': [2025, 2026, 2027, 2028], 'value': [1.0, 2.5, 1.8, 1.2]})\n"
        "display({META_MIME: {'title': TITLE, 'scenario_id': scenario, 'language': language,"
        " 'data_vintage': 'USGS MCS 2026 · IEA CMD 2025', 'toolkit_version': '0.1.0',"
        " 'scenario_digest': 'abc123',"
        f" 'headline': [{{'label': 'Peak price', 'value': {json.dumps(headline_value)}}}],"
        " 'flags': [], 'kpis': {'peak_price_multiple_outside': 2.5}}}, raw=True)"
    )
    cells = [
        params,
        *map(nbformat.v4.new_code_cell, before_cells),
        nbformat.v4.new_code_cell(setup),
    ]
    cells.append(nbformat.v4.new_markdown_cell("## Situation\nWhat happened."))
    for i in range(charts):
        if i == 1:
            cells.append(nbformat.v4.new_markdown_cell("### Prices"))
        mark = ["mark_line", "mark_bar", "mark_point"][i % 3]
        cells.append(
            nbformat.v4.new_code_cell(
                f"alt.Chart(df, title='Chart {i}').{mark}().encode("
                "x='year:O', y='value:Q', tooltip=['year', 'value'])"
            )
        )
    cells.append(nbformat.v4.new_code_cell("Markdown('## Findings\\nGenerated *text*.')"))
    cells.extend(nbformat.v4.new_code_cell(src) for src in extra_cells)
    cells.append(
        nbformat.v4.new_code_cell(
            f"display({{DATA_MIME: {{'filename': f{json.dumps(data_filename)},"
            " 'csv': df.to_csv(index=False)}}, raw=True)"
        )
    )
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


class PageScan(HTMLParser):
    """Collect what a page loads (src/href/srcset/action/data), ids, TOC links and script count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.toc_links: list[str] = []
        self.scripts = 0
        self._in_toc = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1
        if tag == "nav" and "mb-toc" in a.get("class", ""):
            self._in_toc += 1
        for attr in ("src", "href", "srcset", "action", "data", "poster"):
            if attr in a:
                self.refs.append((tag, attr, a[attr]))
        if tag == "a" and self._in_toc and a.get("href", "").startswith("#"):
            self.toc_links.append(a["href"][1:])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_toc:
            self._in_toc -= 1


def scan(html: str) -> PageScan:
    p = PageScan()
    p.feed(html)
    return p


def network_refs(html: str) -> list[tuple[str, str, str]]:
    """References the page would load from the network (http, https, protocol-relative, ftp)."""
    bad = ("http:", "https:", "//", "ftp:", "ws:", "wss:")
    return [r for r in scan(html).refs if r[2].strip().lower().startswith(bad)]
