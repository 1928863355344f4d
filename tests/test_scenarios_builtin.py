"""Built-in scenarios and backtests validate; extends, digest, helpers and `list` behave."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pydantic
import pytest
import yaml
from mineral_briefs import scenarios as sc
from mineral_briefs.cli import main
from mineral_briefs.vocab import EU27, ISO3

REPO = Path(__file__).resolve().parents[1]
BUILTINS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
BACKTESTS = sorted(p.stem for p in (REPO / "scenarios" / "backtests").glob("*.yaml"))

REQUIRED_BUILTINS = {
    "baseline",
    "controls_oct2025",
    "suspension_snapback",
    "alliance_floor",
    "demand_400_600",
    "demand_4000",
    "stockpile_response",
    "combined_stress",
    "ndpr_withhold_60",
}
REQUIRED_BACKTESTS = {
    "bt02_gallium_2023",
    "bt07_lithium_2021",
    "bt11_drc_cobalt_2025",
    "bt12_ndpr_floor_2025",
}


def test_every_required_file_exists() -> None:
    assert REQUIRED_BUILTINS <= set(BUILTINS)
    assert REQUIRED_BACKTESTS <= set(BACKTESTS)


@pytest.mark.parametrize("scenario_id", BUILTINS)
def test_builtin_validates_with_en_de_text_and_sources(scenario_id: str) -> None:
    s = sc.load_scenario(scenario_id)
    assert s.id == scenario_id
    for field in ("title", "rationale"):
        assert isinstance(getattr(s, field), sc.LocalizedText), f"{field} needs en and de"
        assert s.text(field, "en") != s.text(field, "de")
    assert s.sources, "every built-in names its sources"
    assert s.assumptions, "every built-in lists its assumptions with source ids"
    assert s.horizon.end <= sc.HORIZON_END


@pytest.mark.parametrize("episode", BACKTESTS)
def test_backtest_validates_and_replays_history(episode: str) -> None:
    s = sc.load_backtest(episode)
    assert s.id == episode
    assert s.base_overrides is not None and s.base_overrides.base_year is not None
    assert s.base_overrides.prices, "a replay needs its starting price"
    assert s.horizon.start < dt.date(2026, 1, 1)


def test_validate_cli_accepts_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in sorted((REPO / "scenarios").rglob("*.yaml"))]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(files)
    assert all(line.startswith("OK ") for line in out)


def test_validate_cli_accepts_builtin_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "baseline", "ndpr_withhold_60"]) == 0
    assert capsys.readouterr().out.count("OK ") == 2


def test_list_prints_table_of_builtins_without_backtests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["id", "title", "extends"]
    for sid in REQUIRED_BUILTINS:
        assert sid in out
    assert "bt02_gallium_2023" not in out
    row = next(line for line in out.splitlines() if line.startswith("controls_oct2025 "))
    assert row.rstrip().endswith("baseline")


def test_list_scenarios_info() -> None:
    infos = {i.id: i for i in sc.list_scenarios()}
    assert set(infos) == set(BUILTINS)
    assert infos["baseline"].extends is None
    assert infos["stockpile_response"].extends == "controls_oct2025"
    assert infos["baseline"].path.name == "baseline.yaml"
    assert infos["baseline"].title.startswith("Baseline")


def test_extends_deep_merges_mappings_and_replaces_lists() -> None:
    base = sc.load_scenario("controls_oct2025")
    child = sc.load_scenario("stockpile_response")
    # inherited unchanged
    assert child.export_controls == base.export_controls
    assert child.horizon == base.horizon
    assert child.uncertainty == base.uncertainty
    assert child.extends == "controls_oct2025"
    # replaced by the child
    assert child.id == "stockpile_response"
    assert len(child.stockpiles) == 2 and not base.stockpiles
    assert child.sources != base.sources


def test_extends_merge_semantics_with_files(tmp_path: Path) -> None:
    parent = {
        "id": "parent",
        "title": "Parent",
        "rationale": "r",
        "horizon": {"start": "2025-10", "months": 24},
        "uncertainty": {"draws": 100, "seed": 7},
        "sources": ["A", "B"],
    }
    child = {
        "id": "child",
        "extends": "parent.yaml",
        "uncertainty": {"draws": 5},  # mapping: merged key by key
        "sources": ["C"],  # list: replaced
    }
    (tmp_path / "parent.yaml").write_text(yaml.safe_dump(parent))
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(child))
    s = sc.load_scenario(tmp_path / "child.yaml", check_sources=False)
    assert s.uncertainty.draws == 5 and s.uncertainty.seed == 7
    assert s.sources == ("C",)
    assert s.horizon.months == 24 and s.title == "Parent"
    files = sc.scenario_files(tmp_path / "child.yaml")
    assert files == [(tmp_path / "child.yaml").resolve(), (tmp_path / "parent.yaml").resolve()]


def test_scenario_files_of_builtin_chain() -> None:
    files = sc.scenario_files("stockpile_response")
    assert [f.stem for f in files] == ["stockpile_response", "controls_oct2025", "baseline"]
    assert sc.scenario_files(sc.load_scenario("baseline")) == [
        (REPO / "scenarios" / "baseline.yaml").resolve()
    ]


def test_digest_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    a = sc.load_scenario("baseline")
    assert a.digest() == sc.load_scenario("baseline").digest()
    assert len(a.digest()) == 64
    # the same content reached through a different file gives the same digest
    text = (REPO / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "copy.yaml"
    copy.write_text(text, encoding="utf-8")
    assert sc.load_scenario(copy).digest() == a.digest()
    copy.write_text(text.replace("draws: 300", "draws: 301"), encoding="utf-8")
    assert sc.load_scenario(copy).digest() != a.digest()


def test_alliance_members_and_helpers() -> None:
    s = sc.load_scenario("baseline")
    members = s.alliance_members
    assert set(members) == {"USA", "JPN", *EU27}
    assert list(members) == sorted(members)
    assert all(m in ISO3 for m in members)
    assert s.members_of("all") == ()
    assert s.members_of("alliance") == members
    assert s.members_of(["EU27", "USA"]) == tuple(sorted({*EU27, "USA"}))
    custom = sc.parse_scenario(
        "id: c\ntitle: t\nrationale: r\nhorizon: {start: 2025-10, months: 12}\n"
        "alliance: {name: Quad, members: [USA, JPN, AUS, IND]}\n",
        source="c.yaml",
        check_sources=False,
    )
    assert custom.alliance_members == ("AUS", "IND", "JPN", "USA")
    assert custom.alliance_name == "Quad"
    assert custom.text("title", "de") == "t"
    with pytest.raises(ValueError):
        custom.text("title", "fr")


def test_model_values_are_typed() -> None:
    s = sc.load_scenario("suspension_snapback")
    ctrl = s.export_controls[0]
    assert ctrl.announced == dt.date(2025, 10, 9)
    assert ctrl.suspended == dt.date(2025, 11, 10)
    assert ctrl.snap_back == dt.date(2026, 11, 10)
    assert ctrl.targets == "alliance"
    floor = sc.load_scenario("alliance_floor").price_floors
    by_mineral = {f.mineral: f for f in floor}
    assert by_mineral["magnet_rees"].floor.usd_per_kg() == pytest.approx(110.0)
    assert by_mineral["lithium"].floor.usd_per_kg() == pytest.approx(15.0)
    assert by_mineral["cobalt"].floor.usd_per_kg() == pytest.approx(27 / 0.45359237)
    demand = {d.mineral: d for d in sc.load_scenario("demand_4000").demand}
    assert demand["lithium"].growth is not None
    assert demand["lithium"].growth.factor == pytest.approx(41.0)
    s2050 = sc.load_scenario("demand_400_600")
    assert s2050.horizon.end == dt.date(2050, 12, 1)
    with pytest.raises(pydantic.ValidationError):  # frozen
        s.id = "x"  # type: ignore[misc]


def test_dates_accept_month_and_day_forms() -> None:
    s = sc.parse_scenario(
        "id: d\ntitle: t\nrationale: r\nhorizon: {start: '2025-10-15', months: 24}\n"
        "projects: [{name: P, country: AUS, mineral: lithium, stage: mining,"
        " capacity_t_per_year: 5, start: 2027-02}]\n",
        source="d.yaml",
        check_sources=False,
    )
    assert s.horizon.start == dt.date(2025, 10, 1)
    assert s.horizon.month_starts()[:3] == [dt.date(2025, m, 1) for m in (10, 11, 12)]
    assert s.projects[0].start == dt.date(2027, 2, 1)


def test_builtin_sources_exist_in_sources_table() -> None:
    known = sc.known_source_ids()
    if known is None:
        pytest.skip("data/sources.csv not present yet")
    for sid in BUILTINS:
        s = sc.load_scenario(sid)
        assert set(s.source_ids) <= known, sid
    for sid in BACKTESTS:
        assert set(sc.load_backtest(sid).source_ids) <= known, sid


def test_list_neutralises_terminal_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINERAL_BRIEFS_SCENARIOS", str(tmp_path))
    (tmp_path / "evil.yaml").write_text('id: evil\ntitle: "x\\e[2Jy"\n', encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "x?[2Jy" in out
    assert "broken" in out and "invalid" in out
