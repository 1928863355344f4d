"""Notebooks to play with: lever overrides validated like a scenario file, and unknown notebook
parameters refused instead of silently ignored (papermill only warns)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mineral_briefs.brief.params import ParameterError, check_parameters, unknown_parameters
from mineral_briefs.errors import ScenarioError
from mineral_briefs.render import plan_briefs
from mineral_briefs.scenarios import load_scenario
from mineral_briefs.scenarios.patch import apply_overrides, parse_overrides

REPO = Path(__file__).resolve().parents[1]
PAPERMILL = Path(sys.executable).with_name("papermill")


def test_overrides_change_only_the_named_keys() -> None:
    base = load_scenario("controls_oct2025")
    both = apply_overrides(
        "controls_oct2025",
        "export_controls[0].share_withheld: 0.8\nexport_controls[0].licensing_delay_days=10",
    )
    assert both.export_controls[0].share_withheld == 0.8
    assert both.export_controls[0].licensing_delay_days == 10
    assert both.export_controls[1] == base.export_controls[1]
    assert both.id == base.id and both.digest() != base.digest()
    same = apply_overrides("controls_oct2025", "uncertainty.draws: 40; uncertainty.seed: 7")
    assert (same.uncertainty.draws, same.uncertainty.seed) == (40, 7)
    assert apply_overrides("controls_oct2025", "") == base
    assert parse_overrides({"export_controls[0].share_withheld": 0.5}) == [
        ("export_controls[0].share_withheld", 0.5)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "export_controls[0].share_withheld: 1.8",
            "overrides: export_controls[0].share_withheld: must be less than or equal to 1, "
            "got 1.8",
        ),
        (
            "export_controls[0].share_witheld: 0.8",
            "overrides: export_controls[0].share_witheld: unknown key (did you mean "
            "'share_withheld'?); allowed keys: exporter, minerals,",
        ),
        ("export_controls[7].share_withheld: 0.8", "export_controls[7]: no such entry; allowed: "),
        ("export_controls[0].minerals: [unobtainium]", "unknown mineral 'unobtainium'; allowed:"),
        ("id: other", "overrides: id: cannot be overridden"),
        ("share_withheld 0.8", "is not 'key.path: value'"),
        ("export_controls[0].share_withheld:", "export_controls[0].share_withheld: no value"),
    ],
)
def test_bad_overrides_name_the_key_path_and_what_is_allowed(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        apply_overrides("controls_oct2025", text)
    assert expected in str(err.value)


def test_render_set_is_validated_before_any_kernel() -> None:
    jobs = plan_briefs(
        ["controls_oct2025"], language="en", overrides=["export_controls[0].share_withheld=0.8"]
    )
    assert jobs[0].parameters["overrides"] == "export_controls[0].share_withheld=0.8"
    assert "overrides" not in plan_briefs(["controls_oct2025"], language="en")[0].parameters
    with pytest.raises(ScenarioError, match=r"overrides: export_controls\[0\]\.share_withheld"):
        plan_briefs(["controls_oct2025"], overrides="export_controls[0].share_withheld=2")


def test_injected_parameters_are_checked_against_the_declared_ones() -> None:
    declared = 'scenario: str = "baseline"  # id\nlanguage: str = "en"  # en | de\n'
    good = [declared, '# Parameters\nscenario = "controls_oct2025"\nlanguage = "de"\n', "x()"]
    assert unknown_parameters(good) == ([], ["scenario", "language"])
    check_parameters(good)
    check_parameters([declared, "x()"])  # JupyterLab: nothing injected, nothing to refuse
    bad = [declared, '# Parameters\nlangauge = "de"\n', "x()"]
    with pytest.raises(ParameterError) as err:
        check_parameters(bad)
    assert str(err.value) == (
        "unknown notebook parameter 'langauge' (did you mean 'language'?); "
        "this notebook's parameters: scenario, language"
    )


def _papermill(tmp_path: Path, *params: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    cmd = [str(PAPERMILL), "notebooks/brief.ipynb", str(tmp_path / "out.ipynb"), *params]
    return subprocess.run(
        [*cmd, "--kernel", "python3", "--cwd", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_papermill_override_renders_a_brief_with_the_new_lever(tmp_path: Path) -> None:
    """Done-when of issue 13: the levers table of the executed brief says 80 %."""
    import nbformat
    from bs4 import BeautifulSoup
    from mineral_briefs.export import export_html

    proc = _papermill(
        tmp_path,
        *("-p", "scenario", "controls_oct2025"),
        *("-p", "overrides", "export_controls[0].share_withheld: 0.8"),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    page, _ = export_html(nb, rendered_at="2026-12-01T09:00:00+00:00", name="controls_oct2025-en")
    html = BeautifulSoup(page, "html.parser")
    head = next(h for h in html.find_all("h2") if h.get_text() == "Policy levers")
    levers = head.find_next("table").get_text(" ")
    assert "80% of refining of magnet rare earths withheld" in levers
    assert "60%" not in levers
    flags = [li.get_text() for li in html.select("ul.mb-flags li")]
    assert "Lever overrides: export_controls[0].share_withheld = 0.8" in flags


@pytest.mark.slow
def test_papermill_misspelt_parameter_is_refused(tmp_path: Path) -> None:
    proc = _papermill(tmp_path, *("-p", "scenario", "baseline"), *("-p", "langauge", "de"))
    assert proc.returncode != 0
    assert "unknown notebook parameter 'langauge' (did you mean 'language'?)" in proc.stderr
