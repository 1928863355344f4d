"""Charts draw with no network in JupyterLab; plain `jupyter nbconvert --template brief` works.

The brief notebook is executed the way JupyterLab runs it: a real kernel, the notebook's own
default parameters, no render pipeline (no ``MINERAL_BRIEFS_CHARTS=spec``, no export step). Its
outputs must not reference a CDN; each chart must carry a picture the lab draws by itself (SVG).
Then the executed notebook goes through nbconvert's own command line with the ``brief`` template.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from mineral_briefs import export
from render_fixtures import network_refs, scan

pytestmark = pytest.mark.slow

CDN_MARKS = ("cdn.jsdelivr", "unpkg.com", "cdnjs", "requirejs", "require.config")


@pytest.fixture(scope="module")
def lab_executed(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``notebooks/brief.ipynb`` executed with nbclient on a real kernel, as the lab would."""
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("lab")
    nb = nbformat.read(repo_root / "notebooks" / "brief.ipynb", as_version=4)
    env_before = os.environ.pop(export.CHARTS_ENV, None)
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute()
    finally:
        if env_before is not None:
            os.environ[export.CHARTS_ENV] = env_before
    path = folder / "brief-executed.ipynb"
    nbformat.write(nb, path)
    return path


def _outputs(path: Path) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_lab_outputs_reference_no_cdn_and_every_chart_is_drawn_offline(
    lab_executed: Path,
) -> None:
    outputs = _outputs(lab_executed)
    text = json.dumps(outputs)
    assert [m for m in CDN_MARKS if m in text] == []
    charts = [o for o in outputs if export.SPEC_MIME in o.get("data", {})]
    # concentration, flows, prices, what-if …; the baseline (no shock) draws no tornado
    assert len(charts) >= 3
    for out in charts:
        svg = out["data"]["image/svg+xml"]
        assert svg.lstrip().startswith("<svg") and "<script" not in svg
        assert "text/html" not in out["data"]
    # every HTML output (tables, narrative) loads nothing from the network
    for out in outputs:
        html = out.get("data", {}).get("text/html")
        if html is None:
            continue
        page = html if isinstance(html, str) else "".join(html)
        assert scan(page).scripts == 0
        assert [r for r in network_refs(page) if r[0] != "a"] == []


def test_plain_nbconvert_with_the_brief_template_hides_code_and_stays_offline(
    lab_executed: Path, repo_root: Path, tmp_path: Path
) -> None:
    # NOTE: the editable install has no share/jupyter copy of the template; the wheel test
    # (test_wheel_install.py) runs the same command with the installed template.
    templates = repo_root / "toolkit" / "mineral_briefs" / "templates"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--template",
            "brief",
            f"--TemplateExporter.extra_template_basedirs={templates}",
            "--output-dir",
            str(tmp_path),
            "--output",
            "plain",
            str(lab_executed),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    page = (tmp_path / "plain.html").read_text(encoding="utf-8")
    check_plain_brief_page(page, n_charts=_count_charts(lab_executed))


def _count_charts(path: Path) -> int:
    return sum(export.SPEC_MIME in o.get("data", {}) for o in _outputs(path))


def check_plain_brief_page(page: str, n_charts: int) -> None:
    """A brief page from plain nbconvert: no code, no prompts, no CDN, charts embedded offline."""
    assert [m for m in CDN_MARKS if m in page] == []
    assert [r for r in network_refs(page) if r[0] != "a"] == []  # links may point out; loads not
    for code in ("mineral_briefs.brief.prepare(", "brief.summary()", 'scenario: str = "baseline"'):
        assert code not in page
    for prompt in ('class="jp-InputPrompt', 'class="jp-OutputPrompt', 'class="jp-InputArea-editor'):
        assert prompt not in page
    assert "Change the parameters in the next cell" not in page  # the remove_cell note
    assert page.count('id="mb-vega-bundle"') == 1
    assert page.count('class="mb-chart" id="mb-chart-') == n_charts
    assert 'class="mb-header"' in page and "<time>" in page
