"""The as-of date (issue 13, item 1): briefs speak from a date, events carry a status.

Real engine and brief runs (few draws); no mocks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs import brief as brief_mod
from mineral_briefs.cli import main as cli_main
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import DataError, ScenarioError
from mineral_briefs.events_cli import set_event_status
from mineral_briefs.scenarios import list_scenarios

AFTER = "2026-12-01"
BEFORE = "2026-06-01"
END = dt.date(2026, 11, 10)
DRAWS, SEED = 8, 3


def _prepare(scenario: str, as_of: str, language: str = "en") -> brief_mod.Brief:
    return brief_mod.prepare(scenario, language=language, draws=DRAWS, seed=SEED, as_of=as_of)


def _text(html: str) -> str:
    """Visible text: inline tags dropped, block tags a space, entities of the escaper undone."""
    import html as html_lib

    inline = re.sub(r"</?(strong|em|wbr)\b[^>]*>", "", html)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline)))


def _table(html: str) -> list[list[str]]:
    """Rows (header first) of the first table in ``html``, as visible text per cell."""
    body = html[html.index("<table") : html.index("</table>")]
    return [
        [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


@pytest.fixture(scope="module")
def briefs_after() -> dict[str, brief_mod.Brief]:
    return {info.id: _prepare(info.id, AFTER) for info in list_scenarios()}


def test_as_of_2026_12_01_no_brief_speaks_of_10_nov_2026_as_future(briefs_after) -> None:
    assert len(briefs_after) >= 9
    for sid, b in briefs_after.items():
        situation, levers = _text(b.situation()), _text(b.levers())
        assert b.as_of == dt.date(2026, 12, 1)
        assert "suspended until" not in situation, sid
        assert "ran to 10 November 2026; whether the controls are back in force is not " \
            "recorded in the data" in situation, sid  # fmt: skip
        assert "withheld from 10 November 2026" not in levers, sid
        assert "snaps back" not in _text(b.watch()), sid


FUTURE_FORMS = (
    "are suspended until",
    "runs until 10 November 2026",
    "withheld from 10 November 2026",
    "snaps back",
    "sind bis zum 10. November 2026 ausgesetzt",
    "endet planmäßig",
    "werden ab 10. November 2026 zurückgehalten",
)


@pytest.mark.parametrize("language", ["en", "de"])
def test_as_of_2026_12_01_no_section_of_the_snapback_brief_has_a_future_form(language) -> None:
    b = _prepare("suspension_snapback", AFTER, language=language)
    texts = [getattr(b, name)() for name in b.SECTIONS]
    whole = _text(" ".join(t for t in texts if isinstance(t, str)))
    assert "10 November 2026" in whole or "10. November 2026" in whole
    assert [f for f in FUTURE_FORMS if f in whole] == []


def test_as_of_2026_12_01_what_to_watch_holds_only_later_dates(briefs_after) -> None:
    for sid, b in briefs_after.items():
        dates = [r[0] for r in b.watch_rows()]
        assert all(d > dt.date(2026, 12, 1) for d in dates), (sid, dates)
    # the snap-back brief's own trigger (10 Nov 2026) has passed: it is not listed
    assert END not in [r[0] for r in briefs_after["suspension_snapback"].watch_rows()]


def test_what_to_watch_lists_scheduled_capacity_of_the_briefs_own_minerals(briefs_after) -> None:
    """A plant commissioning ahead (MP's 10X magnet plant, 2028) is a trigger for a brief on
    magnets; timeline events that name only other minerals are not on a brief's watch list."""
    ndpr = briefs_after["ndpr_withhold_60"].watch_rows()
    assert any(r[2] == "DOD_MP_2025" and r[0].year == 2028 for r in ndpr), ndpr
    for sid, b in briefs_after.items():
        wanted = set(b.minerals)
        ev = b.dataset.policy_events
        when = pd.to_datetime(ev["date"]).dt.date
        # the timeline's rows carry their source id; the scenario's own triggers carry none
        for row in [r for r in b.watch_rows() if r[2]]:
            hit = ev[(ev["source_id"] == row[2]) & (when == row[0])]
            assert len(hit) == 1, (sid, row)
            named = {m for m in str(hit["minerals"].fillna("").iloc[0]).split(";") if m}
            assert not named or named & wanted, (sid, row, wanted)
    lithium = briefs_after["demand_400_600"].watch_rows()
    assert all("Lynas" not in str(r[1]) and "10X" not in str(r[1]) for r in lithium), lithium


def test_as_of_2026_12_01_levers_say_since_for_past_control_dates(briefs_after) -> None:
    ctrl = _text(briefs_after["controls_oct2025"].levers())
    assert "withheld since 1 December 2025" in ctrl
    assert "withheld from 1 December 2025" not in ctrl
    snap = _text(briefs_after["suspension_snapback"].levers())
    # the snap-back brief bites from the snap-back, not from 1 Dec 2025 (against its title)
    assert "withheld since 10 November 2026 (snap-back; suspended from 10 November 2025)" in snap
    assert "1 December 2025" not in snap


def test_as_of_2026_12_01_german_brief_reads_the_suspension_in_the_past() -> None:
    b = _prepare("suspension_snapback", AFTER, language="de")
    situation = _text(b.situation())
    assert "lief bis zum 10. November 2026; ob die Kontrollen wieder gelten" in situation
    assert "ausgesetzt." not in situation.split("Die Aussetzung")[0]
    assert "Ausgang nicht erfasst" in situation
    assert (
        "Die Aussetzung von Chinas Exportkontrollpaket vom Oktober 2025 sollte enden." in situation
    )
    assert "Zwei Verläufe ab dem 10. November 2026" in situation


def test_as_of_2026_06_01_the_same_event_reads_as_scheduled() -> None:
    b = _prepare("suspension_snapback", BEFORE)
    situation = _text(b.situation())
    assert "China's October 2025 export controls are suspended until 10 November 2026." in situation
    assert "whether the controls are back in force" not in situation
    assert "Two branches" not in situation
    watch = b.watch_rows()
    assert END in [r[0] for r in watch]
    assert all(r[0] > dt.date(2026, 6, 1) for r in watch)
    assert "withheld from 10 November 2026 (snap-back" in _text(b.levers())
    # the event list tags the later event as scheduled
    assert (
        "10 November 2026 — China: Scheduled end of the suspension of the October 2025 "
        "export-control package scheduled MOFCOM_2025" in situation
    )


def test_unknown_status_past_event_shows_both_branches(briefs_after) -> None:
    snap = briefs_after["suspension_snapback"]
    html = snap.situation()
    assert "Two branches from 10 November 2026" in _text(html)
    head, *rows = _table(html)
    assert head == [
        "Key figure",
        "Controls back from 10 November 2026 ◆",
        "Suspension extended beyond the horizon",
    ]
    peak = {r[0]: r[1:] for r in rows}["Peak price outside China"]
    # the brief's own column is its own KPI; the extended branch withholds nothing
    own = snap.market_kpis(snap.mineral, snap.stage)["peak_price_multiple_outside"]
    assert peak[0] == own.text
    assert peak[1] != peak[0]
    assert "This brief follows the branch “Controls back from 10 November 2026”" in _text(html)
    ctrl = _text(briefs_after["controls_oct2025"].situation())
    assert "Controls in force throughout (never suspended)" in ctrl
    # a scenario that does not model the date gets the note but no branch table
    base = _text(briefs_after["baseline"].situation())
    assert "is not recorded in the data" in base and "Two branches" not in base


@pytest.fixture
def data_copy(repo_root: Path, tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(repo_root / "data", data)
    return data, data / "curated"


def test_recorded_outcome_replaces_the_unknown_note(data_copy, briefs_after) -> None:
    data, curated = data_copy
    before = pd.read_csv(data / "policy_events.csv", dtype=str, keep_default_na=False)
    set_event_status(
        "cn-suspension-end-2026", "happened", "MOFCOM_2025", curated=curated, data_dir=data
    )
    after = pd.read_csv(data / "policy_events.csv", dtype=str, keep_default_na=False)
    changed = after.index[(after != before).any(axis=1)].tolist()
    assert [after.loc[i, "event_id"] for i in changed] == ["cn-suspension-end-2026"]
    row = after.set_index("event_id").loc["cn-suspension-end-2026"]
    assert (row["status"], row["status_source"]) == ("happened", "MOFCOM_2025")
    assert "status: happened" in (curated / "policy_events.yaml").read_text(encoding="utf-8")
    snap = dataclasses.replace(briefs_after["suspension_snapback"], dataset=load_dataset(data))
    text = _text(snap.situation())
    assert "ended on 10 November 2026; the controls are back in force" in text
    assert "10 November 2026 — China: The suspension of the October 2025 export-control " \
        "package ended." in text  # fmt: skip
    assert "Two branches" not in text and "not recorded in the data" not in text


def test_bad_status_in_the_events_file_names_file_row_and_allowed_values(data_copy) -> None:
    data, _ = data_copy
    path = data / "policy_events.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, "status"] = "done"
    df.to_csv(path, index=False, lineterminator="\n")
    with pytest.raises(DataError) as err:
        load_dataset(data)
    assert (
        "data/policy_events.csv, row 3 (line 4), column 'status': 'done' is not allowed: must "
        "be one of cancelled, extended, happened, scheduled, unknown" in str(err.value)
    )


def test_set_status_refuses_a_bad_status_and_leaves_the_files(data_copy) -> None:
    data, curated = data_copy
    before = (
        (curated / "policy_events.yaml").read_bytes(),
        (data / "policy_events.csv").read_bytes(),
    )
    with pytest.raises(DataError) as err:
        set_event_status("cn-suspension-end-2026", "over", "MOFCOM_2025", curated=curated,
                         data_dir=data)  # fmt: skip
    assert "policy_events.yaml" in str(err.value)
    assert "scheduled, happened, cancelled, extended, unknown" in str(err.value)
    with pytest.raises(DataError, match="NO_SUCH_SOURCE"):
        set_event_status("cn-suspension-end-2026", "extended", "NO_SUCH_SOURCE", curated=curated,
                         data_dir=data)  # fmt: skip
    assert before == (
        (curated / "policy_events.yaml").read_bytes(),
        (data / "policy_events.csv").read_bytes(),
    )


def test_set_status_of_an_unknown_event_names_the_file_and_leaves_it(data_copy) -> None:
    data, curated = data_copy
    before = (curated / "policy_events.yaml").read_bytes()
    with pytest.raises(DataError) as err:
        set_event_status("no-such-event", "happened", "MOFCOM_2025", curated=curated,
                         data_dir=data)  # fmt: skip
    assert "policy_events.yaml: no event with event_id 'no-such-event'" in str(err.value)
    assert (curated / "policy_events.yaml").read_bytes() == before


def test_set_status_puts_both_files_back_when_the_refresh_fails(data_copy) -> None:
    data, curated = data_copy
    yaml_path = curated / "policy_events.yaml"
    # another record already broken by hand (not yet refreshed): the rebuilt CSV cannot validate
    broken = yaml_path.read_text(encoding="utf-8").replace("  kind: embargo\n", "  kind: ban\n", 1)
    yaml_path.write_text(broken, encoding="utf-8")
    csv_before = (data / "policy_events.csv").read_bytes()
    with pytest.raises(DataError, match="kind"):
        set_event_status("cn-suspension-end-2026", "happened", "MOFCOM_2025", curated=curated,
                         data_dir=data)  # fmt: skip
    assert yaml_path.read_text(encoding="utf-8") == broken
    assert (data / "policy_events.csv").read_bytes() == csv_before


@pytest.mark.parametrize("bad", ["2026-13-01", "01.12.2026", "2026-1-5", "today"])
def test_bad_as_of_exits_2_naming_the_option_and_the_form(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_main(["render", "baseline", "--as-of", bad, "--out", "/nonexistent/never"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "YYYY-MM-DD" in err and repr(bad) in err


def test_bad_as_of_in_the_notebook_parameter_raises_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"as_of '1 Dec 2026'.*YYYY-MM-DD"):
        brief_mod.prepare("baseline", as_of="1 Dec 2026")


def test_as_of_is_a_notebook_parameter_and_part_of_the_cache_key(repo_root: Path) -> None:
    import papermill
    from mineral_briefs.render import cache_key, key_context, plan_briefs

    declared = papermill.inspect_notebook(str(repo_root / "notebooks" / "brief.ipynb"))
    assert declared["as_of"]["default"] == '""'
    (a,) = plan_briefs(["baseline"], language="en", as_of=AFTER)
    (b,) = plan_briefs(["baseline"], language="en", as_of=BEFORE)
    (today,) = plan_briefs(["baseline"], language="en")
    assert a.parameters["as_of"] == AFTER
    assert today.parameters["as_of"] == dt.date.today().isoformat()
    ctx = key_context()
    assert cache_key(a, ctx)[0] != cache_key(b, ctx)[0]
