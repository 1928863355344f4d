"""Overridden briefs get their own file stem; a page links only to pages that exist."""

from __future__ import annotations

from pathlib import Path

from mineral_briefs.export import _page_links
from mineral_briefs.naming import brief_stem
from mineral_briefs.render.plan import plan_briefs
from mineral_briefs.scenarios.patch import describe_overrides, parse_overrides

REPO = Path(__file__).resolve().parents[1]


def test_set_runs_do_not_take_the_standard_name() -> None:
    std = plan_briefs(
        scenarios=["controls_oct2025"], language="en", notebook=REPO / "notebooks" / "brief.ipynb"
    )
    over = plan_briefs(
        scenarios=["controls_oct2025"],
        language="en",
        notebook=REPO / "notebooks" / "brief.ipynb",
        overrides=["export_controls[0].share_withheld=0.8"],
    )
    names = {j.name for j in std if j.kind == "brief"}
    set_names = {j.name for j in over if j.kind == "brief"}
    assert names == {"controls_oct2025-en"}
    assert len(set_names) == 1 and not names & set_names
    (name,) = set_names
    described = describe_overrides(parse_overrides("export_controls[0].share_withheld=0.8"))
    # the plan's page and the notebook's CSVs share one stem
    assert name == brief_stem("controls_oct2025", "en", described)
    assert name.startswith("controls_oct2025-set-") and name.endswith("-en")


def test_other_language_link_only_to_an_existing_page() -> None:
    alone = _page_links("controls_oct2025-en", "en", ("controls_oct2025-en",))
    assert [x["rel"] for x in alone] == ["index", "help"]
    both = _page_links("controls_oct2025-en", "en", ("controls_oct2025-de", "controls_oct2025-en"))
    assert {"rel": "alternate", "href": "controls_oct2025-de.html"}.items() <= both[1].items()
