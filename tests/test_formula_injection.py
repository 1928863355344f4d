"""Text written to CSV/XLSX can never run as a spreadsheet formula (issue 14, item 5)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from mineral_briefs import engine
from mineral_briefs.engine.results import neutralise_formulas
from mineral_briefs.scenarios import parse_scenario

HOSTILE = '=HYPERLINK("http://x.invalid","click")'


def test_text_cells_starting_like_a_formula_are_quoted_numbers_are_not() -> None:
    frame = pd.DataFrame(
        {
            "text": ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "\tTAB", "plain", None],
            "number": [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    out = neutralise_formulas(frame)
    assert list(out["text"][:6]) == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\tTAB",
        "plain",
    ]
    assert pd.isna(out["text"].iloc[6])  # a missing cell stays missing
    assert list(out["number"]) == list(frame["number"])  # numbers untouched
    assert frame["text"].iloc[0] == "=cmd|' /C calc'!A0"  # the input is not changed


def test_a_hostile_scenario_title_stays_inert_in_the_results_workbook(tmp_path: Path) -> None:
    """The title reaches the workbook's ``meta`` sheet: it must arrive as text."""
    title = HOSTILE.replace("'", "''")
    text = f"id: hostile\nextends: baseline\ntitle: {{en: '{title}', de: '{title}'}}\n"
    sc = parse_scenario(text, source="hostile.yaml")
    r = engine.run(sc, draws=0)
    out = r.write(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert HOSTILE not in cells and f"'{HOSTILE}" in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
