"""Rendered briefs in a real Chromium (Playwright, Debian's chromium), network blocked.

Every chart draws (``svg.marks`` count == chart count), the console has no errors, no request
leaves ``file://``, every table-of-contents link resolves to an element. Screenshots are kept in
``test-artifacts/`` (git-ignored) for humans to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mineral_briefs.render import BriefJob, plan_briefs, render
from render_fixtures import make_notebook

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Chromium is not installed (make browser / apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def check_page(browser: Any, html: Path, shot: str) -> dict[str, Any]:
    """Open ``html`` offline and return what the page did."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(html.resolve().as_uri(), wait_until="load")
    charts = page.locator("div.mb-chart").count()
    if charts:
        page.wait_for_function(
            "n => document.querySelectorAll('div.mb-chart svg.marks').length >= n",
            arg=charts,
            timeout=30_000,
        )
    marks = page.locator("div.mb-chart svg.marks").count()
    toc = page.eval_on_selector_all(
        "nav.mb-toc a[href^='#']", "as => as.map(a => a.getAttribute('href').slice(1))"
    )
    unresolved = [t for t in toc if page.evaluate("id => !document.getElementById(id)", t)]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    context.close()
    return {
        "charts": charts,
        "marks": marks,
        "toc": toc,
        "unresolved": unresolved,
        "errors": errors,
        "blocked": blocked,
    }


def test_fixture_brief_draws_offline(browser: Any, tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "nb" / "brief.ipynb", charts=3)
    job = BriefJob(
        name="fixture-en", notebook=nb, parameters={"scenario": "fixture", "language": "en"}
    )
    report = render([job], tmp_path / "out", workers=1)
    assert report.exit_code == 0, report.summary()
    seen = check_page(browser, tmp_path / "out" / "fixture-en.html", "fixture-en.png")
    assert seen["charts"] == 3
    assert seen["marks"] == seen["charts"]
    assert seen["errors"] == []
    assert seen["blocked"] == []
    assert len(seen["toc"]) >= 3 and seen["unresolved"] == []
    index = check_page(browser, tmp_path / "out" / "index.html", "fixture-index.png")
    assert index["errors"] == [] and index["blocked"] == []


@pytest.fixture(scope="module")
def real_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (REPO / "notebooks" / "brief.ipynb").is_file():
        pytest.skip("notebooks/brief.ipynb is not there yet")
    out = tmp_path_factory.mktemp("real")
    report = render(plan_briefs(["baseline"], language="all"), out, workers=2)
    assert report.exit_code == 0, report.summary()
    return out


@pytest.mark.parametrize("language", ["en", "de"])
def test_real_baseline_brief_draws_offline(
    browser: Any, real_baseline: Path, language: str
) -> None:
    seen = check_page(
        browser, real_baseline / f"baseline-{language}.html", f"baseline-{language}.png"
    )
    assert seen["charts"] >= 3
    assert seen["marks"] == seen["charts"]
    assert seen["errors"] == []
    assert seen["blocked"] == []
    assert len(seen["toc"]) >= 5 and seen["unresolved"] == []
