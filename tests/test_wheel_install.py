"""The built wheel, installed with pipx on a clean prefix, makes a workspace and renders a brief.

Nothing here imports the source tree: the wheel is built from the checkout, installed by
``pipx install`` into a temporary ``PIPX_HOME`` (pipx itself runs from a fresh bootstrap
virtualenv), and every command runs from a temporary folder with no ``PYTHONPATH``, no
``MINERAL_BRIEFS_*`` variables and Jupyter's user folders pointed at the temporary folder, so the
package, its built-in assets, the ``brief`` nbconvert template and the kernel all come from the
installed wheel. Dependencies are installed from a wheelhouse kept between runs (filled from the
package index on the first run, see :func:`_wheelhouse`); a run then takes about a minute.

One brief (the workspace's example scenario, which ``extends`` a built-in shipped in the wheel) is
rendered; ``render --all`` runs the same code for every scenario.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from render_fixtures import network_refs
from test_lab_offline import CDN_MARKS, _count_charts, check_plain_brief_page

pytestmark = pytest.mark.slow

EXAMPLE = "my_ndpr_withhold_30"


def _clean_env(tmp: Path) -> dict[str, str]:
    """The environment of a clean machine: no source tree, no project variables."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")
    env = {
        k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MINERAL_BRIEFS")
    }
    env.update(
        PIPX_HOME=str(tmp / "pipx"),
        PIPX_BIN_DIR=str(tmp / "bin"),
        PIPX_MAN_DIR=str(tmp / "man"),
        JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        IPYTHONDIR=str(tmp / "ipython"),
        PATH=f"{tmp / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{args[:4]} exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _wheelhouse() -> Path:
    """A folder of downloaded wheels kept between runs (pip's HTTP cache may not be usable).

    ``$MINERAL_BRIEFS_TEST_WHEELHOUSE``, else ``~/.cache/mineral-briefs-test-wheelhouse`` (not
    the platformdirs cache: the suite points ``XDG_CACHE_HOME`` at a temporary folder). A CI job
    caches this folder; the first run fills it from the package index.
    """
    env = os.environ.get("MINERAL_BRIEFS_TEST_WHEELHOUSE")
    return Path(env) if env else Path.home() / ".cache" / "mineral-briefs-test-wheelhouse"


def _fill_wheelhouse(wheel: Path, repo_root: Path, house: Path, env: dict[str, str]) -> None:
    """Download every wheel the install needs into ``house`` (from the package index)."""
    house.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "pip", "download", "-q", "-d", str(house)]
    args += ["-c", str(repo_root / "constraints.txt"), str(wheel), "pipx", "pip", "hatchling"]
    _run(args, house, env)
    for copied in house.glob("mineral_briefs-*.whl"):
        copied.unlink()  # the wheel under test is installed by path, never from the house


@pytest.fixture(scope="module")
def installed(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel, bootstrap pipx, ``pipx install`` the wheel; paths of the result."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = _clean_env(tmp)
    wheels = tmp / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels)]
    _run([*build, str(repo_root)], tmp, env)
    (wheel,) = wheels.glob("mineral_briefs-*.whl")
    house = _wheelhouse()
    # NOTE: pip (in the bootstrap venv, in pipx's shared libraries and in the app's venv)
    # installs from the wheelhouse only: no index, so a run is quick and repeatable. When the
    # house lacks something (first run, a changed dependency) it is filled and the step re-run.
    offline = {**env, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(house)}
    boot = tmp / "boot"
    venv.create(boot, with_pip=True)
    pip_args = f"--no-compile -c {repo_root / 'constraints.txt'}"
    steps = [
        [str(boot / "bin" / "python"), "-m", "pip", "install", "-q", "pipx"],
        [str(boot / "bin" / "python"), "-m", "pipx", "install", "--force", "--pip-args", pip_args]
        + [str(wheel)],
    ]
    for step in steps:
        first = subprocess.run(
            step, cwd=tmp, env=offline, capture_output=True, timeout=900, check=False
        )
        if first.returncode != 0:
            _fill_wheelhouse(wheel, repo_root, house, env)
            _run(step, tmp, offline)
    prefix = tmp / "pipx" / "venvs" / "mineral-briefs"
    return {"tmp": tmp, "wheel": wheel, "prefix": prefix, "exe": tmp / "bin" / "mineral-briefs"}


def test_the_wheel_carries_assets_and_template(installed: dict[str, Path]) -> None:
    import zipfile

    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for must in (
        "mineral_briefs/assets/notebooks/brief.ipynb",
        "mineral_briefs/assets/scenarios/ndpr_withhold_60.yaml",
        "mineral_briefs/assets/data/sources.csv",
        "mineral_briefs/assets/data/curated/policy_events.yaml",
        "mineral_briefs/templates/brief/conf.json",
    ):
        assert must in names, must
    assert any(
        n.endswith(".data/data/share/jupyter/nbconvert/templates/brief/conf.json") for n in names
    )


def test_pipx_installed_wheel_inits_a_workspace_and_renders_a_brief(
    installed: dict[str, Path],
) -> None:
    tmp, exe, prefix = installed["tmp"], str(installed["exe"]), installed["prefix"]
    env = _clean_env(tmp)
    run_dir = tmp / "run"
    run_dir.mkdir()
    site = next(prefix.glob("lib/python*/site-packages/mineral_briefs"))
    before = _digest(site)
    assert _run([exe, "--version"], run_dir, env).startswith("mineral-briefs ")
    _run([exe, "init", "ws"], run_dir, env)
    ws = run_dir / "ws"
    listing = _run([exe, "list"], ws, env)
    assert EXAMPLE in listing and "ndpr_withhold_60" in listing
    _run([exe, "render", EXAMPLE, "--language", "en"], ws, env)
    page = (ws / "reports" / f"{EXAMPLE}-en.html").read_text(encoding="utf-8")
    assert "30 %" in page
    assert [m for m in CDN_MARKS if m in page] == []
    assert [r for r in network_refs(page) if r[0] != "a"] == []
    assert page.count('class="mb-chart" id="mb-chart-') >= 4
    assert page.count('id="mb-vega-bundle"') == 1
    # a data update lands in the workspace, never in site-packages
    _run(
        [
            exe,
            "events",
            "set-status",
            "cn-suspension-end-2026",
            "happened",
            "--source",
            "MOFCOM_2025",
        ],
        ws,
        env,
    )
    assert "happened" in (ws / "data" / "policy_events.csv").read_text(encoding="utf-8")
    assert _digest(site) == before


def test_installed_jupyter_nbconvert_finds_the_brief_template(installed: dict[str, Path]) -> None:
    tmp, exe, prefix = installed["tmp"], str(installed["exe"]), installed["prefix"]
    env = _clean_env(tmp)
    jupyter = str(prefix / "bin" / "jupyter")
    work = tmp / "nbconvert"
    work.mkdir()
    _run([exe, "init", "ws"], work, env)
    nbs = work / "ws" / "notebooks"
    # executed as in JupyterLab (the kernel is the installed venv's own python3)
    _run(
        [jupyter, "nbconvert", "--to", "notebook", "--execute", "brief.ipynb", "--output", "run"],
        nbs,
        env,
    )
    _run([jupyter, "nbconvert", "--to", "html", "--template", "brief", "run.ipynb"], nbs, env)
    page = (nbs / "run.html").read_text(encoding="utf-8")
    n_charts = _count_charts(nbs / "run.ipynb")
    assert n_charts >= 3  # the baseline (no shock) draws no tornado: nothing moves it
    check_plain_brief_page(page, n_charts=n_charts)
