"""The brief exporter makes nbconvert's accessibility edits without BeautifulSoup (issue 16).

``BriefHTMLExporter`` skips ``HTMLExporter``'s parse-and-serialise pass; the page must still be
nbconvert's page: parsed and serialised by BeautifulSoup it equals nbconvert's own output, on a
notebook with every kind of output the edits touch.
"""

from __future__ import annotations

import base64
import datetime as dt

import nbformat
import pytest
from bs4 import BeautifulSoup
from mineral_briefs import export
from mineral_briefs.export.exporter import ALT_PLACEHOLDER, accessible
from test_export_html import _executed_nb

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def _rich_nb() -> nbformat.NotebookNode:
    """The fixture brief plus outputs the accessibility edits touch (or must not touch)."""
    nb = _executed_nb()
    extra = nbformat.v4.new_code_cell("extras()")
    extra.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "img"}),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": (
                    '<p>inline <img src="data:image/png;base64,' + PNG + '"> and '
                    '<img alt="a flag" src="x.png"/> <IMG SRC="y.png"></p>'
                    '<script>const t = \'<img src="z">\'; // <div class="jp-OutputArea-output">'
                    "</script><div class='jp-Cell-inputWrapper other'>x</div>"
                    '<div class="jp-OutputArea-output" tabindex="-1">kept</div>'
                    "<style>.a::before{content:'<img>'}</style>"
                )
            },
        ),
        nbformat.v4.new_output("stream", name="stdout", text="plain text\n"),
        nbformat.v4.new_output(
            "error", ename="ValueError", evalue="bad", traceback=["ValueError: bad"]
        ),
    ]
    nb.cells.insert(3, extra)
    nb.cells.insert(
        4, nbformat.v4.new_markdown_cell("An image ![](data:image/png;base64," + PNG + ")")
    )
    return nb


def _resources() -> dict:
    when = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    return {
        "metadata": {"name": "parity"},
        "mb": {"rendered_at": when.isoformat(), "rendered_dt": when, "siblings": ()},
    }


@pytest.mark.parametrize("exclude_input", [True, False])
def test_page_equals_nbconvert_page_after_beautifulsoup(exclude_input: bool) -> None:
    from nbconvert import HTMLExporter

    ours = export.get_exporter()
    config = ours.config.copy()
    config.TemplateExporter.exclude_input = exclude_input
    mine = type(ours)(
        config=config, extra_template_basedirs=[str(export.TEMPLATE_DIR)], template_name="brief"
    )
    theirs = HTMLExporter(
        config=config, extra_template_basedirs=[str(export.TEMPLATE_DIR)], template_name="brief"
    )
    assert type(mine) is not HTMLExporter
    nb = _rich_nb()  # one notebook: cell ids are random
    page, _ = mine.from_notebook_node(nb, resources=_resources())
    reference, _ = theirs.from_notebook_node(nb, resources=_resources())
    assert str(BeautifulSoup(page, features="html.parser")) == reference
    # the edits happened (so the equality is not two unedited pages)
    assert page.count(f'alt="{ALT_PLACEHOLDER}"') >= 3
    assert 'tabindex="-1"' not in page
    assert 'tabindex="0"' in page
    if not exclude_input:
        assert '<div class="jp-Cell-inputWrapper" tabindex="0">' in page


def test_accessible_leaves_script_and_style_text_alone() -> None:
    html = (
        '<div class="jp-OutputArea-output x"><img src="a"></div>'
        '<script type="text/javascript">var s = \'<img src="b">\';</script>'
        "<STYLE>p{content:'<div class=\"jp-OutputArea-output\">'}</STYLE>"
        '<div class="jp-OutputArea-outputs">not this one</div>'
    )
    out, missing = accessible(html)
    assert missing == 1
    assert out == (
        f'<div class="jp-OutputArea-output x" tabindex="0"><img src="a" alt="{ALT_PLACEHOLDER}">'
        '</div><script type="text/javascript">var s = \'<img src="b">\';</script>'
        "<STYLE>p{content:'<div class=\"jp-OutputArea-output\">'}</STYLE>"
        '<div class="jp-OutputArea-outputs">not this one</div>'
    )


def test_exported_notebook_is_not_modified() -> None:
    nb = _executed_nb()
    before = nbformat.writes(nb)
    export.export_html(nb, rendered_at="2026-12-01T09:30:00+00:00", name="x")
    assert nbformat.writes(nb) == before
