"""Sweeps: key paths validated like scenario files, the grid, thresholds in words, the cheapest
point, a real process pool with resume, and the IAMC output."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs import engine
from mineral_briefs.brief.sweep_text import cheapest, parse_condition, thresholds
from mineral_briefs.data import load_dataset
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import load_scenario
from mineral_briefs.scenarios.sweep import grid, parse_vary, point_id
from mineral_briefs.sweep import output
from mineral_briefs.sweep.points import read_kpis
from mineral_briefs.sweep.run import execute, minerals_of, plan

SHARE = "export_controls[0].share_withheld"
DELAY = "export_controls[0].licensing_delay_days"
ALLOWED = [*output.SWEEP_KPIS, "cost_usd"]


def test_vary_specs() -> None:
    a = parse_vary(f"{SHARE}=0:1:0.25")
    assert a.values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_vary(f"{SHARE}=0:1:0.05").values[-1] == 1.0  # stop included on the grid
    assert len(parse_vary(f"{SHARE}=0:1:0.05").values) == 21
    assert parse_vary(f"{DELAY}=0,45,90").values == (0, 45, 90)
    assert parse_vary(f"{DELAY}=0:90:45").values == (0, 45, 90)
    for bad, words in [
        (SHARE, "KEY.PATH=VALUES"),
        (f"{SHARE}=1:0:0.1", "stop >= start"),
        (f"{SHARE}=0:1", "three numbers"),
        ("export_controls[x].share=1", "not a key"),
    ]:
        with pytest.raises(ScenarioError, match=words):
            parse_vary(bad)


def test_grid_errors_name_the_key_path_and_what_is_allowed() -> None:
    base = load_scenario("ndpr_withhold_60")
    with pytest.raises(ScenarioError, match=r"export_controls\[0\]\.share_witheld: unknown key"):
        grid(base, [parse_vary("export_controls[0].share_witheld=0.1")])
    with pytest.raises(ScenarioError, match="allowed keys: .*share_withheld"):
        grid(base, [parse_vary("export_controls[0].share_witheld=0.1")])
    with pytest.raises(ScenarioError, match=r"export_controls\[3\].*allowed: positions 0 to 0"):
        grid(base, [parse_vary("export_controls[3].share_withheld=0.1")])
    with pytest.raises(ScenarioError) as err:
        grid(base, [parse_vary(f"{SHARE}=0.5,1.5")])
    text = str(err.value)
    assert "sweep point 1" in text and f"{SHARE}=1.5" in text
    assert "export_controls[0].share_withheld:" in text and "1.5" in text
    with pytest.raises(ScenarioError, match="licensing_delay_days"):
        grid(base, [parse_vary(f"{DELAY}=400")])


def test_grid_points_are_validated_scenarios_in_order() -> None:
    base = load_scenario("ndpr_withhold_60")
    points = grid(base, [parse_vary(f"{SHARE}=0.2,0.4"), parse_vary(f"{DELAY}=0,90")])
    assert [p.values for p in points] == [
        {SHARE: 0.2, DELAY: 0},
        {SHARE: 0.2, DELAY: 90},
        {SHARE: 0.4, DELAY: 0},
        {SHARE: 0.4, DELAY: 90},
    ]
    assert points[3].scenario.export_controls[0].share_withheld == 0.4
    assert points[3].scenario.export_controls[0].licensing_delay_days == 90
    assert points[3].scenario.id == point_id("ndpr_withhold_60", 3)
    assert len({p.digest for p in points}) == 4
    # everything not varied is the base scenario's own
    assert points[0].scenario.price_floors == base.price_floors


def _meta() -> pd.DataFrame:
    rows = []
    shortfall = {0: [1, 4, 8, 12, 15], 45: [2, 6, 11, 14, 17], 90: [3, 7, 12, 15, 18]}
    cost = [5.0, 4.0, 3.0, 2.0, 1.0]
    i = 0
    for j, share in enumerate([0.0, 0.25, 0.5, 0.75, 1.0]):
        for delay in (0, 45, 90):
            rows.append(
                {
                    "point": i,
                    "scenario": f"s__p{i:04d}",
                    SHARE: share,
                    DELAY: delay,
                    "cumulative_shortfall_pct": float(shortfall[delay][j]),
                    "cost_usd": cost[j] * 1e9 + delay,
                }
            )
            i += 1
    return pd.DataFrame(rows)


def test_thresholds_in_words_both_languages() -> None:
    meta = _meta()
    cond = parse_condition("cumulative_shortfall_pct>10", ALLOWED)
    en = thresholds(meta, [SHARE, DELAY], cond, "en")
    assert en == [
        "The key figure “Shortfall, share of demand” exceeds 10% once the share withheld is "
        "75% or more, with the licensing delay at 0 days.",
        "The key figure “Shortfall, share of demand” exceeds 10% once the share withheld is "
        "50% or more, with the licensing delay at 45 days or more.",
    ]
    de = thresholds(meta, [SHARE, DELAY], cond, "de")
    assert de[1] == (
        "Die Kennzahl „Versorgungslücke, Anteil am Bedarf“ übersteigt 10\u202f%, sobald der "
        "zurückgehaltene Anteil 50\u202f% oder mehr beträgt, wenn die Genehmigungsdauer "
        "45 Tage oder mehr beträgt."
    )
    low = parse_condition("cumulative_shortfall_pct<=5", ALLOWED)
    assert thresholds(meta.loc[meta[DELAY] == 0], [SHARE], low, "en") == [
        "The key figure “Shortfall, share of demand” stays at or below 5% as long as the share "
        "withheld is 25% or less."
    ]


def test_cheapest_point_meeting_a_target() -> None:
    meta = _meta()
    best = cheapest(meta, parse_condition("cumulative_shortfall_pct<=7", ALLOWED))
    assert best is not None
    # meeting <= 7: shares 0 and 0.25 (all delays but 0.25/90); cheapest = share 0.25, delay 0
    assert (best[SHARE], best[DELAY]) == (0.25, 0)
    assert cheapest(meta, parse_condition("cumulative_shortfall_pct<=0.5", ALLOWED)) is None
    with pytest.raises(ScenarioError, match="allowed: .*cumulative_shortfall_pct"):
        parse_condition("shortfall<=5", ALLOWED)
    with pytest.raises(ScenarioError, match="operators"):
        parse_condition("cumulative_shortfall_pct=5", ALLOWED)


def _tasks(n_share: int = 2) -> list:
    base = load_scenario("ndpr_withhold_60")
    values = ",".join(str(0.3 + 0.2 * i) for i in range(n_share))
    points = grid(base, [parse_vary(f"{SHARE}={values}")])
    return plan(
        points, dict(load_dataset().checksums), draws=5, seed=7, minerals=minerals_of(points)
    )


def test_pool_results_match_the_engine_and_resume(tmp_path: Path) -> None:
    tasks = _tasks(3)
    folder = tmp_path / "points"
    seen: list[tuple[int, int]] = []
    results, reused = execute(tasks, folder, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert reused == 0 and [r.index for r in results] == [0, 1, 2]
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    sc = load_scenario("ndpr_withhold_60").model_copy()
    point = grid(sc, [parse_vary(f"{SHARE}=0.5")])[0].scenario
    direct = engine.run(point, draws=5, seed=7, variants=False).kpis
    got = read_kpis(results[1])
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        direct.loc[:, list(got.columns)].reset_index(drop=True),
    )
    # resume: a finished point is reused; a point without its marker, or damaged, is recomputed
    (folder / f"{tasks[0].key}.json").unlink()
    damaged = folder / f"{tasks[2].key}-iamc.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])
    again, reused = execute(tasks, folder, workers=2)
    assert reused == 1
    for a, b in zip(results, again, strict=True):
        assert a.kpis == b.kpis and a.iamc == b.iamc
    # a changed input (seed) is a different key: nothing reused
    other = plan(
        grid(load_scenario("ndpr_withhold_60"), [parse_vary(f"{SHARE}=0.3")]),
        dict(load_dataset().checksums),
        draws=5,
        seed=8,
        minerals=("ndpr",),
    )
    assert execute(other, folder, workers=1)[1] == 0


def test_iamc_file_has_a_scenario_per_point_and_a_meta_of_levers(tmp_path: Path) -> None:
    tasks = _tasks(2)
    results, _ = execute(tasks, tmp_path / "points", workers=1)
    base = load_scenario("ndpr_withhold_60")
    axes = [parse_vary(f"{SHARE}=0.3,0.5")]
    meta = output.meta_table(results, base.id, axes, ("ndpr", "refining"), {"draws": 5})
    data = output.data_table(results)
    out = output.write(tmp_path, data, meta, {"format": "csv", "axes": []})
    back = pd.read_csv(out)
    assert list(back.columns[:6]) == ["model", "scenario", "region", "variable", "unit", "year"]
    assert sorted(back["scenario"].unique()) == [point_id(base.id, 0), point_id(base.id, 1)]
    assert back["variable"].str.contains("NdPr Oxide").any()
    assert not back["variable"].str.contains("Lithium").any()  # only the swept levers' markets
    m = pd.read_csv(tmp_path / "sweep-meta.csv")
    assert list(m[SHARE]) == [0.3, 0.5]
    assert m["cumulative_shortfall_pct"].iloc[1] > m["cumulative_shortfall_pct"].iloc[0]
    assert json.loads((tmp_path / "sweep.json").read_text())["format"] == "csv"


@pytest.mark.slow
def test_cli_sweep_writes_iamc_and_renders_the_brief_in_both_languages(tmp_path: Path) -> None:
    import html as html_mod
    import os
    import re
    import subprocess
    import sys

    from mineral_briefs.brief.sweep import load_sweep

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "sweep"
    env = {**os.environ, "PYTHONPATH": str(repo / "toolkit")}
    cmd = [
        sys.executable,
        "-m",
        "mineral_briefs",
        "sweep",
        "ndpr_withhold_60",
        "--vary",
        f"{SHARE}=0:1:0.5",
        "--vary",
        f"{DELAY}=0,90",
        "--draws",
        "5",
        "--target",
        "cumulative_shortfall_pct<=4",
        "--threshold",
        "cumulative_shortfall_pct>3",
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-progress",
    ]
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "6 points (0 reused, 6 computed" in proc.stdout
    meta = pd.read_csv(out / "sweep-meta.csv")
    assert len(meta) == 6 and set(meta[SHARE]) == {0.0, 0.5, 1.0}
    for lang in ("en", "de"):
        page = (out / f"sweep-{lang}.html").read_text(encoding="utf-8")
        text = html_mod.unescape(re.sub(r"<[^>]+>", " ", page))
        text = re.sub(r"\s+", " ", text)
        brief = load_sweep(out, lang)
        # the sentences on the page are the ones computed from the grid's meta table
        for sentence in thresholds(brief.meta_table, brief.paths, brief.threshold, lang):
            assert re.sub(r"\s+", " ", sentence) in text
        assert re.sub(r"\s+", " ", brief.target_text()) in text
        # the render kernel displays the chart unvalidated (export.renderer): validate it here
        brief.grid_chart().to_dict(validate=True)
        assert 'class="mb-chart"' in page
        assert "cdn.jsdelivr" not in page
    # the same command again reuses every stored point
    again = subprocess.run(cmd + ["--no-brief"], cwd=repo, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "6 points (6 reused, 0 computed" in again.stdout
