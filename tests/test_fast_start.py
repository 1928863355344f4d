"""Issue 16: the cold single-brief path does not pay for work it never uses.

* ``import mineral_briefs`` defers rfc3987_syntax's grammar compilation (1.6 s per process),
  and jsonschema's ``iri`` format check still gives the real answers;
* the render parent checks notebook parameters without importing papermill.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mineral_briefs.errors import RenderError
from mineral_briefs.render.checks import declared_parameters

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    env_path = str(REPO / "toolkit")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path},
        check=True,
        timeout=120,
    )
    return proc.stdout.strip()


def test_iri_grammar_deferred_until_an_iri_is_checked() -> None:
    out = _run(
        "import sys, mineral_briefs, jsonschema\n"
        "before = type(sys.modules['rfc3987_syntax']).__name__\n"
        "lark_before = 'lark' in sys.modules\n"
        "c = jsonschema.FormatChecker()\n"
        "ok = c.conforms('https://example.org/r%C3%A9sum%C3%A9', 'iri')\n"
        "bad = c.conforms('no scheme here', 'iri')\n"
        "after = type(sys.modules['rfc3987_syntax']).__name__\n"
        "print(before, lark_before, ok, bad, after)"
    )
    assert out == "_Deferred False True False module"


def test_parent_checks_parameters_without_papermill() -> None:
    out = _run(
        "import sys\n"
        "from pathlib import Path\n"
        "from mineral_briefs.render.checks import _check_parameters\n"
        "from mineral_briefs.render.plan import plan_briefs\n"
        "_check_parameters(plan_briefs(['baseline'], language='en'))\n"
        "print(sorted(m for m in ('papermill', 'nbformat', 'jsonschema') if m in sys.modules))"
    )
    assert out == "[]"


@pytest.mark.parametrize("name", ["brief.ipynb", "compare.ipynb"])
def test_declared_parameters_match_papermill(name: str) -> None:
    import papermill as pm

    nb = REPO / "notebooks" / name
    assert declared_parameters(nb) == set(pm.inspect_notebook(str(nb)))


def test_broken_parameters_cell_names_the_notebook(tmp_path: Path) -> None:
    nb = json.loads((REPO / "notebooks" / "brief.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = "scenario: str = (\n"
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(RenderError, match=r"broken\.ipynb: the parameters cell is not valid"):
        declared_parameters(path)


def test_data_check_is_stamped_and_a_changed_table_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from mineral_briefs.errors import DataError
    from mineral_briefs.render.checks import _check_data, _data_ok_stamp
    from mineral_briefs.render.keys import key_context

    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    ctx = key_context(data)
    _check_data(data, ctx)
    assert _data_ok_stamp(data, ctx).is_file()

    prod = data / "production.csv"
    lines = prod.read_text(encoding="utf-8").splitlines(keepends=True)
    col = lines[0].rstrip("\r\n").split(",").index("value")
    cells = lines[5].rstrip("\r\n").split(",")
    cells[col] = "-5"  # a negative tonnage: the new content has no stamp, so it is checked
    lines[5] = ",".join(cells) + "\n"
    prod.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match="production.csv"):
        _check_data(data, key_context(data))
