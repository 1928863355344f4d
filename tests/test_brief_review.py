"""Review fixes of the brief layer (issue 13 follow-up): notes computed from the data they
describe, tense against the as-of date, and what the header and links may claim."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.brief.prepare import prepare


@pytest.fixture(scope="module")
def brief():  # type: ignore[no-untyped-def]
    return prepare("controls_oct2025", language="en", draws=20, as_of="2026-12-01")


def _grid(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"lever_value": [10.0 * i for i in range(len(values))], "value": values})


def test_whatif_peak_note_states_the_step_it_shows(brief) -> None:  # type: ignore[no-untyped-def]
    # 1.8× to 50 %, then 3.6×, 4.5×, 6.0×: not "flat", and the note names the numbers
    note = brief.peak_note(_grid([1.8] * 6 + [3.6, 4.5, 6.0, 6.0]), "share_withheld")
    assert "Flat" not in note and "licensing" not in note
    assert "1.8×" in note and "6.0×" in note
    assert "50%" in note and "60%" in note  # the largest step, 1.8× → 3.6×


def test_whatif_peak_note_flat_only_when_flat(brief) -> None:  # type: ignore[no-untyped-def]
    note = brief.peak_note(_grid([1.8, 1.8, 1.81, 1.82]), "share_withheld")
    assert note.startswith("Flat at 1.8×")


def test_controls_read_since_once_the_date_has_passed(brief) -> None:  # type: ignore[no-untyped-def]
    settings = " ".join(s for _, s, _ in brief.lever_rows()).replace("\xa0", " ")
    assert "withheld since 1 December 2025" in settings
    assert "from 1 December 2025" not in settings
    early = prepare("controls_oct2025", language="de", draws=20, as_of="2025-06-01")
    text = " ".join(s for _, s, _ in early.lever_rows()).replace("\xa0", " ")
    assert "ab 1. Dezember 2025 zurückgehalten" in text and "seit" not in text


def test_header_flags_lead_with_the_headline_market_and_group_the_rest(brief) -> None:  # type: ignore[no-untyped-def]
    lines = brief.header_flags()
    assert len(lines) <= brief.HEADER_FLAG_LINES
    # the line says what is assumed: a country's share of world output at a stage
    assert lines[0].startswith("Assumption: ")
    assert " – share of world magnet production of magnet rare earths" in lines[0]
    # no single-country line of another market: Dy/Tb mining shares are summarised as a group
    assert not any(" · Mining · " in line for line in lines)
    grouped = [line for line in lines if line.startswith("Labelled assumptions:")]
    assert len(grouped) == 1 and "country shares of dysprosium (mining)" in grouped[0]
    # 40 + 8 stock-holder + 2 contract/spot + the gap working stock leaves to the price + the
    # factor on the assumed long-run demand elasticities
    assert "52 model parameters" in grouped[0]


def test_low_grade_sources_are_flagged(brief) -> None:  # type: ignore[no-untyped-def]
    b = brief
    src = b.dataset.sources
    low = set(src[src["confidence"] == "low_grade"]["source_id"]) & b.shown_source_ids()
    flags = b.flag_rows()
    # BT-08's 14-month timing (an aggregator page repeating Trading Economics); the timeline's
    # WTO ruling and two backtest episodes cite the ruling and the wire stories themselves
    assert low == {"TE_LI_2024"}
    assert low <= set(flags[flags["confidence"] == "low_grade"]["source_id"])
    assert any(line.startswith("From low-grade sources") for line in b.header_flags())


def test_exports_chart_is_a_numbered_figure_naming_its_sources(brief) -> None:  # type: ignore[no-untyped-def]
    points = brief.observed_points("Exports")
    assert len(points), "controls_oct2025 has observed monthly exports up to 1 Dec 2026"
    spec = brief.exports_chart().to_dict()
    fig = spec["usermeta"]["mineral_briefs"]["figure"]
    assert fig["label"] == "Figure"
    for sid in set(points["source_id"]):
        assert sid not in fig["source"] and sid not in str(spec.get("title"))
    table = brief.dataset.sources.set_index("source_id")
    first = str(table.loc[points["source_id"].iloc[0], "publisher"])
    assert first in fig["source"]


def test_the_german_header_names_the_assumed_share_too() -> None:
    de = prepare("controls_oct2025", language="de", draws=20, as_of="2026-12-01")
    first = de.header_flags()[0]
    assert first.startswith("Annahme: ")
    assert " – Anteil an der weltweiten Magnetfertigung der Magnet-Seltenerden" in first


def test_shock_section_says_when_commercial_stocks_thin(brief) -> None:  # type: ignore[no-untyped-def]
    """controls_oct2025: the commercial stocks outside China of a controlled market fall below
    φ_c (half) of their start before the horizon ends, from when holders release less and the
    price climbs (methodology §6); the shock section says so, with the month read from the
    inventory series (the first month below half the starting level)."""
    from mineral_briefs.model.codelist import variable

    assert brief.taper_share() == 0.5
    used = brief.stocks_thin()
    assert used, "controls_oct2025 thins a commercial stock outside China"
    inv = brief.results.timeseries
    for mineral, stage, month in used:
        ser = inv[
            (inv["variable"] == variable("Inventory", mineral, stage)) & (inv["region"] == "World")
        ].sort_values("time")
        first_thin = str(ser.loc[ser["value"] < 0.5 * ser["value"].iloc[0], "time"].iloc[0])
        assert month == first_thin[:7], (mineral, stage)
    assert [m for _, _, m in used] == sorted(m for _, _, m in used)
    text = str(brief.shock())
    assert "Commercial stocks outside China fall below 50% of their normal level" in text
    calm = prepare("baseline", language="en", draws=20, as_of="2026-12-01")
    assert calm.stocks_thin() == [] and "stocks outside China" not in str(calm.shock())


def test_with_the_taper_off_the_shock_section_says_when_stocks_run_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """inventory_taper_share = 0 (no taper, a user's data folder): working stock meets θ of the
    gap until it is empty, and the sentence names the month each stock runs out (1 % left)."""
    from data_edits import data_copy, set_parameter

    data = data_copy(tmp_path)
    set_parameter(data, "inventory_taper_share", value="0", low="", high="")
    # and θ of any gap (no gap left to the price, §6 σ_k): the old rule, whose stock ran out
    set_parameter(data, "inventory_kept_gap", value="0", low="", high="")
    monkeypatch.setenv("MINERAL_BRIEFS_DATA", str(data))
    b = prepare("controls_oct2025", language="en", draws=20, as_of="2026-12-01")
    assert b.taper_share("magnet_rees", "magnets") == 0.0
    used = b.stocks_thin()
    # the cliff month of the old rule (2028-06 with the assumed long-run demand elasticities as
    # written, 2028-01 at half of them: demand gives way less, the stock is drawn faster)
    assert ("magnet_rees", "magnets", "2028-01") in used
    text = str(b.shock())
    assert "Commercial stocks outside China run out" in text and "fall below" not in text
    assert "January 2028" in text
