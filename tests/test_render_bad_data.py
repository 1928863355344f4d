"""Bad data never reaches a brief: the render stops before any kernel, naming the place."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_broken_data_table_stops_the_render_and_keeps_previous_briefs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    prod = data / "production.csv"
    lines = prod.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    col = header.index("value")
    cells = lines[5].rstrip("\r\n").split(",")
    cells[col] = "-5"  # a negative tonnage on data row 5 (line 6)
    lines[5] = ",".join(cells) + "\n"
    prod.write_text("".join(lines), encoding="utf-8")

    out = tmp_path / "reports"
    out.mkdir()
    previous = out / "baseline-en.html"
    previous.write_text("<html>last week's good brief</html>", encoding="utf-8")

    env = {**os.environ, "MINERAL_BRIEFS_DATA": str(data)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mineral_briefs",
            "render",
            "baseline",
            "--language",
            "en",
            "--out",
            str(out),
            "--force",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 2, proc.stderr
    assert "production.csv" in proc.stderr
    assert "row 5" in proc.stderr and "'value'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert previous.read_text(encoding="utf-8") == "<html>last week's good brief</html>"
    assert not (out / "baseline-en.csv").exists()
    assert not (out / "_failed").exists()
