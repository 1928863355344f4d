"""methodology.html comes from the disk cache when its inputs are unchanged (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.render import methodology


@pytest.fixture()
def doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A methodology markdown of the test's own, and an empty cache folder."""
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "methodology.md"
    path.write_text("# Methods\n\nPrices clear monthly.\n", encoding="utf-8")
    monkeypatch.setattr(methodology, "methodology_source", lambda: path)
    return path


def test_page_is_built_once_then_read_and_rebuilt_on_change(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = methodology.build_methodology

    def counting(markdown: str) -> str:
        built.append(markdown)
        return real(markdown)

    monkeypatch.setattr(methodology, "build_methodology", counting)
    first = methodology.write_methodology(tmp_path / "a")
    second = methodology.write_methodology(tmp_path / "b")
    assert first is not None and second is not None
    assert len(built) == 1
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    assert "Prices clear monthly." in second.read_text(encoding="utf-8")

    doc.write_text("# Methods\n\nPrices clear weekly.\n", encoding="utf-8")
    third = methodology.write_methodology(tmp_path / "c")
    assert third is not None and len(built) == 2
    assert "Prices clear weekly." in third.read_text(encoding="utf-8")


def test_a_damaged_cache_entry_is_built_again(doc: Path, tmp_path: Path) -> None:
    methodology.write_methodology(tmp_path / "a")
    (entry,) = (tmp_path / "cache" / "methodology").glob("*.html")
    entry.write_text("<!DOCTYPE html>\n<html><body>trunc", encoding="utf-8")
    page = methodology.write_methodology(tmp_path / "b")
    assert page is not None
    assert page.read_text(encoding="utf-8").endswith("</html>\n")
    assert entry.read_text(encoding="utf-8").endswith("</html>\n")


def test_only_the_newest_pages_are_kept(doc: Path, tmp_path: Path) -> None:
    for n in range(methodology.KEEP_PAGES + 3):
        doc.write_text(f"# Methods\n\nEdition {n}.\n", encoding="utf-8")
        methodology.write_methodology(tmp_path / "out")
    kept = list((tmp_path / "cache" / "methodology").glob("*.html"))
    assert len(kept) == methodology.KEEP_PAGES
    assert any(f"Edition {methodology.KEEP_PAGES + 2}." in p.read_text() for p in kept)
