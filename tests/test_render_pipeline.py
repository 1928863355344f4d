"""mineral_briefs.render end to end on fixture notebooks: real papermill, nbconvert and kernels."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from mineral_briefs.errors import RenderError
from mineral_briefs.render import TMP_MARK, BriefJob, load_manifest, render
from render_fixtures import XSS_TITLE, make_notebook, network_refs, scan

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _jobs(nb: Path, scenarios: list[str], tmp: Path, language: str = "en") -> list[BriefJob]:
    jobs = []
    for s in scenarios:
        yaml = tmp / "scen" / f"{s}.yaml"
        if not yaml.exists():
            yaml.parent.mkdir(parents=True, exist_ok=True)
            yaml.write_text(f"id: {s}\n")
        jobs.append(
            BriefJob(
                name=f"{s}-{language}",
                notebook=nb,
                parameters={"scenario": s, "language": language},
                inputs=((f"notebook:{nb.name}", nb), (f"scenario:{yaml.name}", yaml)),
                scenario=s,
                language=language,
            )
        )
    return jobs


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(TMP_MARK)]


def test_render_incremental_and_self_contained(tmp_path: Path, monkeypatch) -> None:
    # NOTE: pin the toolkit-source part of the key: other edits to toolkit/ while the test runs
    # (a shared dev tree) must not count as "changed"; its own effect is checked at the end.
    import mineral_briefs.render.keys as rnd

    monkeypatch.setattr(rnd, "toolkit_source_hash", lambda: "pinned")
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=3)
    out = tmp_path / "reports"
    jobs = _jobs(nb, ["alpha", "beta", "gamma"], tmp_path)

    report = render(jobs, out, workers=2, timeout=120)
    assert report.exit_code == 0, report.summary()
    assert [r.status for r in report.results] == ["ok"] * 3
    for s in ("alpha", "beta", "gamma"):
        page = (out / f"{s}-en.html").read_text(encoding="utf-8")
        assert network_refs(page) == []
        assert page.count('<div class="mb-chart"') == 3
        assert page.count('id="mb-vega-bundle"') == 1
        assert (out / f"{s}-en.csv").read_text().startswith("year,value")
        assert ("a", "href", f"{s}-en.csv") in scan(page).refs
    manifest = load_manifest(out)
    assert {n: e["status"] for n, e in manifest["briefs"].items()} == dict.fromkeys(
        ("alpha-en", "beta-en", "gamma-en"), "ok"
    )
    index = (out / "index.html").read_text(encoding="utf-8")
    assert network_refs(index) == []
    assert all(f'href="{s}-en.html"' in index for s in ("alpha", "beta", "gamma"))
    assert "2.5×" in index  # headline KPI from the meta output
    assert (out / "render.log").read_text().count(" ok ") >= 3
    assert _temp_files(out) == []

    # nothing changed: no kernel, everything skipped, files untouched
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")}
    again = render(jobs, out, workers=2)
    assert again.exit_code == 0
    assert not again.kernels_started
    assert {r.status for r in again.results} == {"skipped"}
    assert "nothing changed" in again.summary()
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.html")} == before

    # one scenario file changes: only that brief is rendered again
    (tmp_path / "scen" / "beta.yaml").write_text("id: beta\n# edited\n")
    third = render(jobs, out, workers=2)
    assert {r.name: r.status for r in third.results} == {
        "alpha-en": "skipped",
        "beta-en": "ok",
        "gamma-en": "skipped",
    }
    # a data file changes (still valid: the render validates data first): the brief is marked
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    prod = data / "production.csv"
    prod.write_bytes(prod.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    forced = render(jobs[:1], out, workers=1, data_dir=data)
    assert [r.status for r in forced.results] == ["ok"]
    assert load_manifest(out)["briefs"]["alpha-en"]["inputs"]["data:production.csv"]
    # a toolkit code change re-renders (development)
    monkeypatch.setattr(rnd, "toolkit_source_hash", lambda: "edited")
    edited = render(jobs[1:2], out, workers=1)
    assert [r.status for r in edited.results] == ["ok"]


def test_no_state_leaks_between_briefs_on_a_reused_kernel(tmp_path: Path) -> None:
    probe = (
        "import json as _json, os as _os, sys as _sys\n"
        "_pd = _sys.modules.get('pandas'); _alt = _sys.modules.get('altair')\n"
        "_state = {'pid': _os.getpid(),\n"
        "  'leaked': sorted(k for k in globals()\n"
        "                  if k.startswith('LEAK_') or k in ('df', 'TITLE')),\n"
        "  'max_rows': _pd.get_option('display.max_rows') if _pd else None,\n"
        "  'renderer': _alt.renderers.active if _alt else None,\n"
        "  'theme': _alt.theme.active if _alt else None}\n"
        "print('STATE=' + _json.dumps(_state))\n"
        "LEAK_scenario = scenario\n"
        "import pandas as pd\npd.set_option('display.max_rows', 7)\n"
        "import altair as alt\nalt.theme.enable('dark')\n"
    )
    nb = make_notebook(tmp_path / "nb" / "leak.ipynb", charts=1, before_cells=[probe])
    out = tmp_path / "out"
    report = render(_jobs(nb, ["first", "second", "third"], tmp_path), out, workers=1)
    assert report.exit_code == 0, report.summary()
    states = []
    for s in ("first", "second", "third"):
        page = html.unescape((out / f"{s}-en.html").read_text(encoding="utf-8"))
        states.append(json.loads(re.search(r"STATE=(\{.*?\})\n", page).group(1)))
    assert len({st["pid"] for st in states}) == 1, "the kernel was not reused"
    for st in states[1:]:
        assert st["leaked"] == []
        assert st["max_rows"] == 60
        assert st["renderer"] == "default"
        assert st["theme"] == "default"


def test_parameters_are_data_not_code(tmp_path: Path) -> None:
    evil = "\"); import os; os.system('touch PWNED')  #"
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1, data_filename="data.csv")
    job = BriefJob(
        name="inject-en",
        notebook=nb,
        parameters={"scenario": evil, "language": "en"},
        inputs=(("notebook:brief.ipynb", nb),),
    )
    report = render([job], tmp_path / "out", workers=1)
    assert report.exit_code == 0, report.summary()
    assert not list(tmp_path.rglob("PWNED"))
    assert not Path("PWNED").exists()
    meta = load_manifest(tmp_path / "out")["briefs"]["inject-en"]["meta"]
    assert meta["scenario_id"] == evil  # arrived verbatim, as a string


def test_unknown_parameter_is_an_error_before_any_kernel(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1)
    job = BriefJob(name="typo-en", notebook=nb, parameters={"scenaro": "x"})
    with pytest.raises(RenderError, match="no parameter.*scenaro"):
        render([job], tmp_path / "out", workers=1)
    assert not list((tmp_path / "out").glob("*.html"))


def test_titles_escaped_and_no_paths_or_secrets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MB_TEST_SECRET_TOKEN", "s3cr3t-7f1e9a")
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=1, title=XSS_TITLE)
    out = tmp_path / "out"
    report = render(_jobs(nb, ["xss"], tmp_path), out, workers=1)
    assert report.exit_code == 0, report.summary()
    for name in ("xss-en.html", "index.html", "manifest.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert "s3cr3t-7f1e9a" not in text
        assert str(tmp_path) not in text
        assert str(Path.home()) + "/" not in text
        assert os.getcwd() not in text
        if name.endswith(".html"):
            assert "<script>alert(" not in text
            assert "<img src=x" not in text
            assert not re.search(r"<a\s[^>]*href=\"javascript:", text)
            assert not [r for r in scan(text).refs if r[2].lower().startswith("javascript:")]
            assert "&lt;script&gt;alert(" in text


def test_languages_of_a_scenario_share_one_kernel_when_groups_fill_the_workers(
    tmp_path: Path,
) -> None:
    """Two scenarios × two languages on two workers (issue 15): each scenario's briefs run one
    after the other on one kernel, which keeps the scenario's engine results in memory."""
    nb = make_notebook(
        tmp_path / "nb" / "brief.ipynb",
        charts=1,
        extra_cells=[
            "display(Markdown(f\"kernel-pid-{__import__('os').getpid()}-end\"))",
            # alpha-en is slow: in plain waves the other worker would take alpha-de meanwhile
            "__import__('time').sleep(4 if (scenario, language) == ('alpha', 'en') else 0)",
        ],
    )
    jobs = [
        job
        for s in ("alpha", "beta")
        for job in (*_jobs(nb, [s], tmp_path), *_jobs(nb, [s], tmp_path, language="de"))
    ]
    report = render(jobs, tmp_path / "out", workers=2, timeout=120)
    assert report.exit_code == 0, report.summary()

    def pid(name: str) -> str:
        page = (tmp_path / "out" / f"{name}.html").read_text(encoding="utf-8")
        found = re.findall(r"kernel-pid-(\d+)-end", page)
        assert len(found) == 1, name
        return found[0]

    assert pid("alpha-en") == pid("alpha-de")
    assert pid("beta-en") == pid("beta-de")
