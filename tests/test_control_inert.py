"""Levers with nothing to act on say so (methodology §5, §8, §12; 2026-12-03 audit): an export
control on a stage where China is a net importer withholds nothing (flag ``no_net_exports``),
a price floor whose members import nothing (levy) or produce nothing (CfD, offtake) costs
nothing (flag ``floor_inert``); the KPI notes give the shares and the brief's lever table
says why instead of a bare ×1.0 or "USD 0"."""

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


FLOOR = """
id: probe_floor
title: probe floor
rationale: probe
extends: baseline
horizon: {{start: 2025-10, months: 24}}
uncertainty: {{draws: 0, seed: 1}}
price_floors:
  - {{mineral: {mineral}, stage: mining, instrument: {instrument}, members: alliance,
     floor: {{value: {usd}, unit: USD/kg}}, start: 2026-01-01}}
"""


@pytest.mark.parametrize(
    ("mineral", "instrument", "kpi", "usd"),
    [("dy", "variable_tariff", "consumer_cost_usd", 390), ("dy", "cfd", "fiscal_cost_usd", 390)],
)
def test_a_floor_with_nothing_to_act_on_says_so(
    tmp_path: Path, mineral: str, instrument: str, kpi: str, usd: float
) -> None:
    """Dysprosium mining: the alliance neither mines it nor buys concentrate (its refiners are
    elsewhere), so a 1.5x floor costs nothing: the KPI is flagged and the lever table says why."""
    text = FLOOR.format(mineral=mineral, instrument=instrument, usd=usd)
    k = central_run(parse_scenario(text, check_sources=False)).kpis
    row = k[(k["mineral"] == mineral) & (k["stage"] == "mining") & (k["kpi"] == kpi)].iloc[0]
    assert row["value"] == 0
    assert "floor_inert" in row["flags"].split(";")
    path = tmp_path / "probe_floor.yaml"
    path.write_text(text, encoding="utf-8")
    rows = [r for r in brief.prepare(str(path), "en", draws=0).lever_rows() if "floor" in r[0]]
    assert rows and "nothing to act on" in rows[0][2], rows


def test_a_floor_that_binds_is_not_flagged_inert() -> None:
    text = FLOOR.format(mineral="lithium", instrument="cfd", usd=13.5)
    k = central_run(parse_scenario(text, check_sources=False)).kpis
    row = k[(k["mineral"] == "lithium") & (k["stage"] == "mining")]
    row = row[row["kpi"] == "fiscal_cost_usd"].iloc[0]
    assert row["value"] > 0 and "floor_inert" not in row["flags"].split(";")
