"""Security end to end through the real brief notebook (issue 6 item 4): a scenario whose title
holds script, an ``onerror`` image and a ``javascript:`` link renders escaped in the brief and the
index; nothing in the brief, index or manifest reveals the machine's paths or environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from mineral_briefs.render import load_manifest, plan_briefs, render
from render_fixtures import network_refs, scan

REPO = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (REPO / "notebooks" / "brief.ipynb").is_file(),
        reason="notebooks/brief.ipynb is not there yet",
    ),
]

EVIL = "<script>alert(1)</script> Evil <img src=x onerror=alert(2)> [click](javascript:alert(3))"


def _raw_markup(page: str) -> list[str]:
    found = []
    if re.search(r"<script>alert\(", page):
        found.append("script")
    if re.search(r"<img[^>]*onerror", page):
        found.append("img onerror")
    if [r for r in scan(page).refs if r[2].strip().lower().startswith("javascript:")]:
        found.append("javascript: link")
    return found


def test_hostile_scenario_title_is_escaped_in_real_brief(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MB_TEST_SECRET_TOKEN", "s3cr3t-4b2d")
    yaml = tmp_path / "hostile" / "xss_test.yaml"
    yaml.parent.mkdir()
    yaml.write_text(
        f"id: xss_test\nextends: baseline\ntitle:\n  en: {EVIL!r}\n  de: {EVIL!r}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = render(plan_briefs([str(yaml)], language="en"), out, workers=1)
    assert report.exit_code == 0, report.summary()
    for name in ("xss_test-en.html", "index.html", "manifest.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert "s3cr3t-4b2d" not in text
        assert str(tmp_path) not in text and str(REPO) not in text
        assert str(Path.home()) + "/" not in text
        assert os.environ.get("USER", "\0") not in re.findall(r"/home/(\w+)", text)
        if name.endswith(".html"):
            assert _raw_markup(text) == []
            assert network_refs(text) == []
            assert "&lt;script&gt;alert(1)" in text
    entry = load_manifest(out)["briefs"]["xss_test-en"]
    assert entry["parameters"]["scenario"] == "xss_test.yaml"  # file name, not the path
