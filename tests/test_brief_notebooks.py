"""The brief notebooks: thin, one plain-literal parameters cell, committed without outputs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from mineral_briefs import brief

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
META_MIME = "application/vnd.mineral-briefs.meta+json"
DATA_MIME = "application/vnd.mineral-briefs.data+json"

EXPECTED_PARAMETERS = {
    "brief.ipynb": {
        "scenario": ("str", "baseline"),
        "language": ("str", "en"),
        "draws": ("int", -1),
        "seed": ("int", -1),
        "as_of": ("str", ""),
        "overrides": ("str", ""),
        "scenario_text": ("str", ""),  # the resolved scenario, sent by `render --executor dask`
    },
    "compare.ipynb": {
        "scenarios": ("str", "all"),
        "language": ("str", "en"),
        "draws": ("int", -1),
        "seed": ("int", -1),
    },
}
METHODS = {
    "brief.ipynb": ("brief", set(brief.Brief.SECTIONS) | {"meta", "data"}),
    "compare.ipynb": ("compare", set(brief.Comparison.SECTIONS) | {"meta", "data"}),
}


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMETERS))
def test_exactly_one_parameters_cell_with_annotated_plain_literals(name: str) -> None:
    nb = load(name)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    tree = ast.parse(cells[0].source)
    found = {}
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), ast.dump(node)
        assert isinstance(node.value, ast.Constant | ast.UnaryOp), ast.dump(node)
        found[node.target.id] = (node.annotation.id, ast.literal_eval(node.value))
    assert found == EXPECTED_PARAMETERS[name]
    for line in cells[0].source.splitlines():
        assert "  # " in line  # every parameter has a comment


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMETERS))
def test_committed_without_outputs_and_thin(name: str) -> None:
    nb = load(name)
    nbformat.validate(nb)
    var, methods = METHODS[name]
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
    setup = code[1].source
    imports = [n for n in ast.walk(ast.parse(setup)) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [a.name for n in imports for a in n.names] == ["mineral_briefs.brief"]
    assert "prepare" in setup and "reset" not in setup
    for cell in code[2:]:
        tree = ast.parse(cell.source)
        assert len(tree.body) == 1, cell.source
        call = tree.body[0].value
        assert isinstance(call, ast.Call) and not call.args and not call.keywords
        assert call.func.value.id == var and call.func.attr in methods, cell.source
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert "remove_cell" in cell.metadata.get("tags", [])  # headings come from toolkit
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "de"])
def test_brief_notebook_executes_with_papermill(tmp_path: Path, language: str) -> None:
    import papermill as pm

    out = tmp_path / f"baseline-{language}.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS / "brief.ipynb"),
        str(out),
        parameters={"scenario": "baseline", "language": language},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    metas = [o.data[META_MIME] for o in outputs if META_MIME in o.get("data", {})]
    assert len(metas) == 1
    meta = metas[0] if isinstance(metas[0], dict) else json.loads(metas[0])
    assert meta["language"] == language and meta["scenario_id"] == "baseline"
    data = [o.data[DATA_MIME] for o in outputs if DATA_MIME in o.get("data", {})]
    assert len(data) == 1 and data[0]["filename"] == f"baseline-{language}.csv"
    specs = [
        o for o in outputs if "application/vnd.mineral-briefs.vegalite+json" in o.get("data", {})
    ]
    assert len(specs) >= 3  # the baseline (no shock) draws no tornado: nothing moves it
