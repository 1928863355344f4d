"""``mineral-briefs render`` as users and cron run it: exit codes, messages, the no-op run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mineral_briefs.cli import main
from mineral_briefs.render import output_lock

REPO = Path(__file__).resolve().parents[1]


def _cli(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mineral_briefs", *args],
        capture_output=True,
        text=True,
        cwd=kw.pop("cwd", REPO),
        timeout=kw.pop("timeout", 600),
        **kw,
    )


def _snapshot(root: Path) -> tuple[Path, dict[str, str]]:
    """A private copy of the toolkit with its notebooks, scenarios and data, and an environment
    that imports it.

    The toolkit's source hash is part of every cache key: a run from the shared checkout
    re-renders whenever someone edits a source file mid-test. Nobody edits this copy.
    """
    for name in ("toolkit", "notebooks", "scenarios", "data"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINERAL_BRIEFS_")}
    env["PYTHONPATH"] = str(root / "toolkit")
    return root, env


def test_invalid_scenario_exits_2_before_touching_anything(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nhorizon: {start: 2025-10, months: 36}\nshare_witheld: 0.5\n")
    out = tmp_path / "out"
    proc = _cli("render", "baseline", str(bad), "--out", str(out))
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_unknown_scenario_id_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["render", "no_such_scenario", "--out", str(tmp_path / "o")]) == 2
    assert "no_such_scenario" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_locked_folder_exits_1_with_a_clear_message(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with output_lock(out, 0):
        code = main(["render", "baseline", "--language", "en", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"another render is writing {out} (pid {os.getpid()})" in err  # names the holder


def test_keep_needs_a_dated_folder(tmp_path: Path, capsys) -> None:
    code = main(["render", "baseline", "--out", str(tmp_path / "o"), "--keep", "2"])
    assert code == 2  # a bad argument, refused before any work
    assert not (tmp_path / "o").exists()
    assert "--keep applies to dated runs" in capsys.readouterr().err


@pytest.mark.slow
def test_real_brief_then_nothing_changed_without_heavy_imports(tmp_path: Path) -> None:
    repo, env = _snapshot(tmp_path / "repo")
    out = tmp_path / "reports" / "{date}"
    first = _cli(
        "render", "baseline", "--language", "en", "--out", str(out), "--jobs", "1",
        cwd=repo, env=env,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    # not a terminal (cron): one plain line per brief, no progress-bar escape codes
    assert re.search(r"^baseline-en\s+ok\s+[\d.]+ s$", first.stderr, re.M), first.stderr
    assert "\x1b[" not in first.stderr
    dated = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(dated) == 1
    latest = tmp_path / "reports" / "latest"
    assert latest.is_symlink() and latest.resolve() == dated[0].resolve()
    assert (dated[0] / "baseline-en.html").is_file()
    assert "baseline-en" in (dated[0] / "render.log").read_text()

    probe = (
        "import sys, mineral_briefs; from mineral_briefs.cli import main;"
        " code = main(sys.argv[1:]);"
        "heavy = sorted(m for m in ('papermill', 'nbconvert', 'pandas', 'altair', 'nbclient',"
        " 'jupyter_client', 'distributed') if m in sys.modules);"
        "print('TOOLKIT=' + mineral_briefs.__file__); print('HEAVY=' + ','.join(heavy));"
        " sys.exit(code)"
    )
    second = subprocess.run(
        [sys.executable, "-c", probe, "render", "baseline", "--language", "en", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=repo,
        env=env,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert (
        f"TOOLKIT={repo / 'toolkit' / 'mineral_briefs' / '__init__.py'}\n" in second.stdout
    )  # the copy ran
    assert "nothing changed: 1 briefs up to date" in second.stdout
    assert "HEAVY=\n" in second.stdout  # no kernel, no papermill/nbconvert/pandas import
    manifest = json.loads((dated[0] / "manifest.json").read_text())
    entry = manifest["briefs"]["baseline-en"]
    assert entry["status"] == "ok" and entry["inputs"]["scenario:baseline.yaml"]
    assert any(k.startswith("data:") for k in entry["inputs"])
    assert str(repo) not in json.dumps(manifest) and str(REPO) not in json.dumps(manifest)


def test_data_import_marks_briefs_for_re_rendering(tmp_path: Path, capsys) -> None:
    import shutil

    from mineral_briefs.render import BriefJob, cache_key, key_context
    from test_data_readers import USGS_ROWS, make_usgs_csv

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    nb = tmp_path / "brief.ipynb"
    nb.write_text("{}")
    job = BriefJob(
        name="baseline-en",
        notebook=nb,
        parameters={"scenario": "baseline"},
        inputs=(("notebook:brief.ipynb", nb),),
    )
    key_before, _ = cache_key(job, key_context(data))
    release = make_usgs_csv(tmp_path / "MCS2027.csv", USGS_ROWS)
    code = main(["data", "import", str(release), "--data-dir", str(data)])
    out = capsys.readouterr().out
    assert code == 0
    assert "production.csv" in out and "re-renders" in out
    key_after, inputs = cache_key(job, key_context(data))
    assert key_after != key_before
    assert inputs["data:production.csv"]


def test_data_import_of_a_missing_file_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["data", "import", str(tmp_path / "nope.csv")]) == 2
    assert "not found" in capsys.readouterr().err
