"""An export control on a stage where China is a net importer withholds nothing (methodology
§5, §12): the KPI says so (flag ``no_net_exports`` with the shares) and so does the brief's
lever table, instead of a bare ×1.0 (2026-12-03 audit)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from engine_runs import central_run
from mineral_briefs import brief
from mineral_briefs.scenarios import parse_scenario

BAN = """
id: probe_lithium_ban
title: China bans lithium chemical exports
rationale: probe
extends: baseline
horizon: {{start: 2025-10, months: 24}}
uncertainty: {{draws: 0, seed: 1}}
export_controls:
  - {{exporter: CHN, minerals: [{mineral}], stages: [{stage}], share_withheld: 1.0,
     targets: all, announced: 2026-01-01, effective: 2026-01-01, ends: 2027-01-01}}
"""


def _peak_row(mineral: str, stage: str) -> pd.Series:
    sc = parse_scenario(BAN.format(mineral=mineral, stage=stage), check_sources=False)
    k = central_run(sc).kpis
    sel = (k["mineral"] == mineral) & (k["stage"] == stage)
    return k[sel & (k["kpi"] == "peak_price_multiple_outside")].iloc[0]


def test_a_control_on_a_net_importing_stage_is_flagged_with_the_shares() -> None:
    row = _peak_row("lithium", "refining")
    assert row["value"] == pytest.approx(1.0, abs=1e-6)
    assert "no_net_exports" in row["flags"].split(";")
    assert "withholds nothing" in row["note"] and "% of world output" in row["note"]


def test_a_control_that_withholds_is_not_flagged() -> None:
    row = _peak_row("gallium", "refining")
    assert row["value"] > 1.5
    assert "no_net_exports" not in row["flags"].split(";")


@pytest.mark.parametrize(("language", "phrase"), [("en", "withholds nothing"), ("de", "nichts")])
def test_the_lever_table_says_the_control_withholds_nothing(
    tmp_path: Path, language: str, phrase: str
) -> None:
    path = tmp_path / "probe_lithium_ban.yaml"
    path.write_text(BAN.format(mineral="lithium", stage="refining"), encoding="utf-8")
    b = brief.prepare(str(path), language, draws=0)
    rows = [r for r in b.lever_rows() if "lithium" in r[1].lower() or "lithium" in r[2].lower()]
    assert rows and phrase in rows[0][2], rows
