"""Issue 11, first "Done when": in one virtualenv, ``pip install pyam-iamc nomenclature-iamc
<the built wheel>`` works, ``mineral-briefs --version`` runs and nomenclature validates a
``simulate`` output against the codelist the wheel ships.

Slow (a few minutes: pip resolves and unpacks about 100 distributions; ``--no-compile`` skips
byte-compiling them): it builds the wheel, makes a fresh venv and installs from the index.
Everything runs from the installed wheel in an empty folder (no checkout on ``sys.path``, no
workspace), as a user of pyam would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = r"""
import json, sys
import pandas as pd
import pyam
from nomenclature import DataStructureDefinition
from mineral_briefs import iamc

dsd = DataStructureDefinition(iamc.definitions_dir())
copied = DataStructureDefinition("cl/definitions")  # `mineral-briefs codelist cl`
assert sorted(copied.variable) == sorted(dsd.variable)
assert sorted(copied.region) == sorted(dsd.region)
out = {}
for name in ("monthly.csv", "annual.csv", "monthly.xlsx"):
    df = pyam.IamDataFrame(name)
    dsd.validate(df)  # raises on any unknown variable, unit, region or time domain
    out[name] = {"time_domain": df.time_domain, "rows": len(df.data)}
monthly = pyam.IamDataFrame("monthly.csv", meta=pd.read_csv("monthly-meta.csv"))
out["meta_draws"] = int(monthly.meta["draws"].iloc[0])
out["tz"] = str(monthly.time[0].tzinfo)
swapped = monthly.swap_time_for_year(subannual=True)
out["swapped_years"] = sorted(int(y) for y in swapped.year)
annual = pyam.IamDataFrame("annual.csv")
growth = annual.compute.growth_rate({"Price|Rare Earths|Refining": "Growth|Price"})
out["growth_rows"] = len(growth.data) if growth is not None else 0
# the check is real: unit '1' (the old dimensionless unit) is rejected
bad = monthly.filter(variable="Price|Rare Earths|Refining").rename(unit={"USD/kg": "1"})
try:
    dsd.validate(bad)
    out["bad_rejected"] = False
except Exception as exc:
    out["bad_rejected"] = type(exc).__name__
print(json.dumps(out))
"""


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    print(f"{time.monotonic() - start:6.1f} s  {' '.join(cmd[-4:])}")  # shown with -s
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
def test_wheel_installs_with_pyam_and_nomenclature_and_validates(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MINERAL_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(wheels)],
        tmp_path,
        env,
    )
    (wheel,) = wheels.glob("mineral_briefs-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    py, exe = venv / "bin" / "python", venv / "bin" / "mineral-briefs"
    _run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-compile",
            "pyam-iamc",
            "nomenclature-iamc",
            str(wheel),
        ],
        tmp_path,
        env,
        timeout=900,
    )
    _run([str(py), "-m", "pip", "check"], tmp_path, env)
    work = tmp_path / "user"
    work.mkdir()
    assert _run([str(exe), "--version"], work, env).strip().endswith("0.1.0")
    # both distributions import: scse-toolkit keeps its `toolkit`, ours is `mineral_briefs`
    _run([str(py), "-c", "import toolkit, mineral_briefs"], work, env)
    sim = [str(exe), "simulate", "combined_stress", "--draws", "20"]
    _run([*sim, "--out", "monthly.csv"], work, env)
    _run([*sim, "--annual", "--out", "annual.csv"], work, env)
    _run([*sim, "--out", "monthly.xlsx"], work, env)
    _run([str(exe), "codelist", "cl"], work, env)
    out = json.loads(_run([str(py), "-c", CHECK], work, env).strip().splitlines()[-1])
    assert out["monthly.csv"]["time_domain"] == "datetime"
    assert out["annual.csv"]["time_domain"] == "year"
    assert out["monthly.xlsx"] == out["monthly.csv"]
    assert out["tz"] == "UTC" and out["meta_draws"] == 20
    assert out["swapped_years"] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert out["growth_rows"] > 0
    assert out["bad_rejected"] == "NomenclatureValidationError"
