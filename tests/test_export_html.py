"""mineral_briefs.export: offline renderer, Vega bundle cache, brief template (no kernel needed)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from mineral_briefs import export
from mineral_briefs.errors import RenderError
from mineral_briefs.export import bundle, page
from render_fixtures import XSS_TITLE, network_refs, scan


def _spec(mark: str = "line") -> dict:
    import altair as alt

    df = pd.DataFrame({"year": [2025, 2026, 2027], "value": [1.0, 2.0, 1.5]})
    chart = getattr(alt.Chart(df), f"mark_{mark}")().encode(x="year:O", y="value:Q")
    return chart.to_dict()


def _executed_nb(title: str = "Baseline brief", charts: int = 2, language: str = "en"):
    """A notebook as papermill leaves it: code inputs, outputs with our mimetypes."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('scenario: str = "baseline"  # id')
    params.metadata["tags"] = ["parameters"]
    meta = nbformat.v4.new_code_cell("brief.meta()  # SECRET_CODE_MARKER")
    meta.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                export.META_MIME: {
                    "title": title,
                    "scenario_id": "baseline",
                    "language": language,
                    "data_vintage": "USGS MCS 2026 · IEA CMD 2025",
                    "toolkit_version": "0.1.0",
                    "scenario_digest": "abc",
                    "headline": [{"label": "Peak", "value": "2.5×"}],
                    "flags": ["<b>flag</b>"],
                    "kpis": {"hhi": 0.8},
                }
            },
        )
    ]
    cells = [params, meta, nbformat.v4.new_markdown_cell("## Situation\ntext")]
    for i in range(charts):
        c = nbformat.v4.new_code_cell(f"brief.chart_{i}()")
        c.outputs = [
            nbformat.v4.new_output(
                "execute_result",
                data={export.SPEC_MIME: _spec(["line", "bar"][i % 2]), "text/plain": "Chart"},
                execution_count=i + 3,
            )
        ]
        cells.append(c)
        cells.append(nbformat.v4.new_markdown_cell(f"### Part {i}"))
    md = nbformat.v4.new_code_cell("brief.summary()")
    md.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/markdown": "## Summary\nDone."}, execution_count=9
        ),
        nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning: noise\n"),
    ]
    data = nbformat.v4.new_code_cell("brief.data()")
    data.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={export.DATA_MIME: {"filename": f"baseline-{language}.csv", "csv": "a,b\n1,2\n"}},
        )
    ]
    nb.cells = [*cells, md, data]
    return nb


@pytest.mark.parametrize("mode", ["svg", "spec"])
def test_offline_renderer_adds_spec_next_to_an_offline_picture(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import altair as alt

    # svg: JupyterLab and any kernel not started by the render pipeline; spec: the pipeline
    monkeypatch.setenv(export.CHARTS_ENV, mode)
    previous = alt.renderers.active
    try:
        export.enable_offline_renderer()
        export.enable_offline_renderer()  # idempotent
        df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
        bundle = alt.Chart(df).mark_line().encode(x="x", y="y")._repr_mimebundle_()
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        # never Altair's HTML output: it loads Vega from a CDN and stays blank offline
        assert "text/html" not in bundle
        assert bundle[export.SPEC_MIME]["mark"]["type"] == "line"
        assert export.SPEC_MIME.endswith("+json")  # nbformat accepts a dict only under +json
        assert ("image/svg+xml" in bundle) is (mode == "svg")
        assert "https://" not in json.dumps({k: v for k, v in bundle.items() if k != SPEC_KEY})
    finally:
        alt.renderers.enable(previous)


SPEC_KEY = export.SPEC_MIME


def test_a_bad_chart_mode_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(export.CHARTS_ENV, "cdn")
    with pytest.raises(RenderError, match=r"MINERAL_BRIEFS_CHARTS='cdn': allowed values"):
        export.enable_offline_renderer()


def test_export_is_offline_with_one_bundle_and_hidden_code() -> None:
    html, extras = export.export_html(_executed_nb(), rendered_at="2026-11-21 10:00 UTC")
    assert network_refs(html) == []
    assert html.count('id="mb-vega-bundle"') == 1
    assert html.count('<script>vegaEmbed("#mb-chart-') == 2
    assert len(re.findall(r'<div class="mb-chart" id="mb-chart-\d+">', html)) == 2
    assert extras["charts"] == 2
    assert "SECRET_CODE_MARKER" not in html and "brief.chart_0" not in html
    assert "require.js" not in html and "MathJax" not in html.split("mb-vega-bundle")[0]
    assert "DeprecationWarning: noise" not in html
    assert export.META_MIME not in html and export.DATA_MIME not in html
    assert "2026-11-21 10:00 UTC" in html
    assert "USGS MCS 2026 · IEA CMD 2025" in html


def test_header_toc_and_download_link() -> None:
    html, extras = export.export_html(_executed_nb(), rendered_at="2026-11-21 10:00 UTC")
    page = scan(html)
    texts = [e["text"] for e in extras["toc"]]
    assert texts == ["Situation", "Part 0", "Part 1", "Summary"]
    assert page.toc_links and all(link in page.ids for link in page.toc_links)
    assert len(page.toc_links) == len(texts)
    assert ("a", "href", "baseline-en.csv") in page.refs
    assert extras["data"] == {"filename": "baseline-en.csv", "csv": "a,b\n1,2\n"}
    assert extras["meta"]["scenario_id"] == "baseline"
    assert '<h1 class="mb-title mb-notoc">Baseline brief</h1>' in html


def test_german_labels_and_render_time() -> None:
    import datetime as dt

    when = dt.datetime(2026, 11, 21, 23, 55, tzinfo=dt.UTC)
    html, _ = export.export_html(_executed_nb(language="de"), rendered_at=when)
    assert 'lang="de"' in html
    assert "Datenstand" in html and "Daten herunterladen" in html and "Erstellt" in html
    assert re.search(r"<time>21\.\s?November 2026, 23:55 UTC</time>", html)
    html_en, _ = export.export_html(_executed_nb(), rendered_at=when.isoformat())
    assert re.search(r"<time>21\s?November 2026, 23:55 UTC</time>", html_en)


def test_title_with_markup_is_escaped_everywhere() -> None:
    html, _ = export.export_html(_executed_nb(title=XSS_TITLE), rendered_at="now")
    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert not re.search(r"<a\s[^>]*href=\"javascript:", html)
    assert "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;flag&lt;/b&gt;" in html  # flags escaped too
    assert not [r for r in scan(html).refs if r[2].lower().startswith("javascript:")]


def test_spec_cannot_close_the_script_element() -> None:
    nb = _executed_nb()
    spec = nb.cells[3].outputs[0]["data"][export.SPEC_MIME]
    spec["title"] = "</script><script>alert(1)</script>"
    html, _ = export.export_html(nb, rendered_at="now")
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html


def test_bad_data_filename_is_rejected() -> None:
    nb = _executed_nb()
    nb.cells[-1].outputs[0]["data"][export.DATA_MIME]["filename"] = "../../etc/passwd"
    with pytest.raises(RenderError, match="plain file name"):
        export.export_html(nb, rendered_at="now")


def test_two_meta_outputs_are_rejected() -> None:
    nb = _executed_nb()
    twin = nbformat.v4.new_code_cell("brief.meta()")
    twin.outputs = [dict(nb.cells[1].outputs[0])]
    nb.cells.append(twin)
    with pytest.raises(RenderError, match="more than one meta"):
        export.export_html(nb, rendered_at="now")


def test_no_charts_no_bundle() -> None:
    html, extras = export.export_html(_executed_nb(charts=0), rendered_at="now")
    assert extras["charts"] == 0
    assert "mb-vega-bundle" not in html
    assert len(html) < 600_000


def test_bundle_disk_cache_and_unwritable_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bundle, "_BUNDLE", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = export.vega_bundle()
    cached = list((tmp_path / "cache" / "mineral-briefs").glob("vega-bundle_*.js"))
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == first
    assert export.bundle_cache_key() in cached[0].name
    assert "vegaEmbed" in first and len(first) > 500_000
    assert not list((tmp_path / "cache" / "mineral-briefs").glob("*.tmp"))
    # a cache hit is read from disk: a bundle with a matching hash beside it is used as is
    marked = "/* cached */ " + first
    cached[0].write_text(marked, encoding="utf-8")
    digest = hashlib.sha256(marked.encode()).hexdigest()
    cached[0].with_suffix(".sha256").write_text(digest + "\n")
    monkeypatch.setattr(bundle, "_BUNDLE", None)
    assert export.vega_bundle().startswith("/* cached */")
    # a truncated or tampered bundle fails the hash check and is rebuilt (and re-cached)
    for bad in (marked[: len(marked) // 2], "alert('pwned');" + marked):
        cached[0].write_text(bad, encoding="utf-8")
        monkeypatch.setattr(bundle, "_BUNDLE", None)
        assert export.vega_bundle() == first
        assert cached[0].read_text(encoding="utf-8") == first
    # a cache folder that cannot exist (its parent is a file): built in memory, no error
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(bundle, "_BUNDLE", None)
    assert export.vega_bundle() == first


def _inlined_css(html: str) -> str:
    """Text of the brief's ``<style id="mb-brief-css">`` up to where a browser would close it."""
    found = re.findall(r'<style\b[^>]*\bid="mb-brief-css"[^>]*>(.*?)</style', html, re.S | re.I)
    assert len(found) == 1, "the brief stylesheet must be inlined exactly once"
    return found[0]


def test_brief_css_is_inlined_verbatim() -> None:
    html, _ = export.export_html(_executed_nb(), rendered_at="now")
    css = export.BRIEF_CSS.read_text(encoding="utf-8")
    # the shipped stylesheet has nothing that could close its <style>: it goes in unchanged
    assert "</style" not in css.lower()
    assert _inlined_css(html).strip() == css.strip()
    assert not [r for r in scan(html).refs if r[2].endswith(".css")]  # no stylesheet link


def test_brief_css_cannot_close_the_style_element(tmp_path: Path, monkeypatch) -> None:
    hostile = tmp_path / "brief.css"
    hostile.write_text("h1 { color: red }\n</STYLE><script>alert(1)</script>\n", encoding="utf-8")
    monkeypatch.setattr(page, "BRIEF_CSS", hostile)
    html, _ = export.export_html(_executed_nb(), rendered_at="now")
    # the whole file, script tag included, stays inert text inside the one style element
    assert _inlined_css(html).strip() == "h1 { color: red }\n<\\/STYLE><script>alert(1)</script>"


def test_processes_missing_the_bundle_at_once_build_it_once(tmp_path: Path) -> None:
    """The render workers of a first run all miss the bundle at once: one builds, the others
    wait and read it (each build is 1.7 s of CPU on the cores the kernels start on)."""
    import subprocess
    import sys

    log = tmp_path / "builds.txt"
    code = (
        "import sys\n"
        "from mineral_briefs.export import bundle\n"
        "real = bundle._build_bundle\n"
        "def counted():\n"
        f"    open({str(log)!r}, 'a').write('built\\n')\n"
        "    return real()\n"
        "bundle._build_bundle = counted\n"
        "import hashlib\n"
        "sys.stdout.write(hashlib.sha256(bundle.vega_bundle().encode()).hexdigest())\n"
    )
    env = {**os.environ, "MINERAL_BRIEFS_CACHE": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outs)) == 1 and outs[0]
    assert log.read_text().count("built") == 1
