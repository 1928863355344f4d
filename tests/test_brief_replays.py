"""Briefs of short, one-market scenarios (the shape of a historical replay) render, and are
about the market the run simulated.

Found by fuzzing scenario files (2026-12-03): a one-market run with no lever crashed the
brief's summary (a conditional expression inside a ``&`` chain) after the brief had picked
magnet rare-earth refining, a market the run did not simulate; and the levers compared added
a typical project after the horizon's end, which the scenario check then refused.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from mineral_briefs import i18n
from mineral_briefs.brief_runs.plan import DEFAULT_FOCAL, focal
from mineral_briefs.brief_runs.variants import PROJECT_LEAD_MONTHS, _project_variant
from mineral_briefs.data import load_dataset
from mineral_briefs.engine import run
from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]
BT = REPO / "scenarios" / "backtests"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _render_en(files: list[str], out: Path) -> Callable[[str], str]:
    """Render ``files`` in English with the real CLI (papermill, nbconvert) into ``out``; a
    reader of each brief's text (HTML stripped) by scenario id."""
    proc = subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "render", *files, "--language", "en"]
        + ["--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(REPO / "toolkit")},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    def text(name: str) -> str:
        page = (out / f"{name}-en.html").read_text("utf-8")
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))

    return text


ONE_MARKET = """\
id: one_market
title: nickel refining, no levers
rationale: a calm one-market run
horizon: {start: 2022-01, months: 6}
markets:
  - {mineral: nickel, stage: refining}
"""


def test_a_run_without_levers_is_headed_by_a_market_it_simulated(tmp_path: Path) -> None:
    sc = load_scenario(str(_write(tmp_path, ONE_MARKET)))
    assert focal(sc, run(sc, load_dataset(), draws=0)) == ("nickel", "refining")
    # the baseline, which simulates every market, keeps its documented default
    base = load_scenario("baseline")
    assert focal(base, run(base, load_dataset(), draws=0)) == DEFAULT_FOCAL


def test_the_typical_project_is_left_out_when_the_run_ends_before_it(tmp_path: Path) -> None:
    sc = load_scenario(str(BT / "bt02_gallium_2023.yaml"))  # effective 2023-08, ends 2024-06
    start = sc.export_controls[0].effective
    variant, _, skip = _project_variant(sc, "gallium", "refining", 100.0, start)
    assert (variant, skip) == (None, "compared.skip.after_horizon")
    why = i18n.t("compared.skip.after_horizon", "en", months=str(PROJECT_LEAD_MONTHS))
    assert f"({PROJECT_LEAD_MONTHS} months after the first export control" in why
    # a month earlier the project fits in the horizon and the variant is a valid scenario
    early = dt.date(2023, 5, 1)
    variant, detail, skip = _project_variant(sc, "gallium", "refining", 100.0, early)
    assert skip == "" and variant is not None and detail.endswith("2024-05")


def test_production_rows_that_sum_to_zero_are_refused(tmp_path: Path) -> None:
    text = ONE_MARKET + (
        "base_overrides:\n"
        "  production:\n"
        "    - {mineral: nickel, stage: refining, country: IDN, quantity_t: 0}\n"
        "  demand:\n"
        "    - {mineral: nickel, stage: refining, quantity_t: 100}\n"
    )
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(path))
    msg = str(err.value)
    assert str(path) in msg and "base_overrides" in msg
    assert "nickel/refining sums to 0 t" in msg and "quantity_t > 0" in msg


def test_a_misplaced_price_multiple_names_the_trigger(tmp_path: Path) -> None:
    text = (
        "id: s\ntitle: t\nrationale: r\nextends: baseline\nstockpiles:\n"
        "  - holder: JPN\n    minerals: [magnet_rees]\n    stage: refining\n"
        "    days_of_cover: 60\n"
        "    release: {trigger: shortfall, price_multiple: 1.5}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(_write(tmp_path, text)))
    assert "(trigger is 'shortfall')" in str(err.value)


@pytest.mark.slow
def test_briefs_of_short_one_market_replays_render(tmp_path: Path) -> None:
    files = [str(BT / "bt10_nickel_squeeze_2022.yaml"), str(BT / "bt02_gallium_2023.yaml")]
    text = _render_en(files, tmp_path / "reports")

    nickel = text("bt10_nickel_squeeze_2022")
    assert "the nickel price peaks at 1.0" in nickel  # headed by the market it simulated
    assert "no key figures" not in nickel
    assert "before a typical project could come online (12 months" in text("bt02_gallium_2023")


# --- levers compared on scenarios a user may write (fuzzing, round 2) -------------------------


def test_derived_ids_stay_within_the_id_limit() -> None:
    from mineral_briefs.brief_runs.variants import ID_MAX, derived_id
    from mineral_briefs.scenarios.base import ID_RE

    assert derived_id("controls_oct2025", "stockpile") == "controls_oct2025_stockpile"
    at_limit = "a" * (ID_MAX - len("_stockpile"))
    assert derived_id(at_limit, "stockpile") == at_limit + "_stockpile"  # 64: kept whole
    assert len(derived_id(at_limit + "b", "stockpile")) == ID_MAX  # 65: cut, with a digest
    long_a, long_b = "a" * 55, "a" * 54 + "b"
    for lever in ("stockpile", "alliance_reference"):
        ids = {derived_id(x, lever) for x in (long_a, long_b)}
        assert len(ids) == 2  # two long ids never share a derived id
        assert all(len(i) <= ID_MAX and ID_RE.match(i) and i.endswith(lever) for i in ids)


def test_the_scenarios_own_alliance_stockpile_is_not_added_twice(tmp_path: Path) -> None:
    from mineral_briefs.brief_runs.variants import _stockpile_variant

    text = ONE_MARKET.replace("nickel, stage: refining", "cobalt, stage: refining") + (
        "stockpiles:\n"
        "  - {holder: alliance, minerals: [cobalt], stage: refining, days_of_cover: 30}\n"
    )
    sc = load_scenario(str(_write(tmp_path, text)))
    assert _stockpile_variant(sc, "cobalt", "refining") == (None, "", "compared.skip.in_scenario")
    # another holder's stockpile leaves room for the alliance's
    other = load_scenario(str(_write(tmp_path, text.replace("holder: alliance", "holder: JPN"))))
    variant, _, skip = _stockpile_variant(other, "cobalt", "refining")
    assert skip == "" and variant is not None and len(variant.stockpiles) == 2


def test_a_floor_is_not_compared_from_a_control_that_starts_after_the_run(tmp_path: Path) -> None:
    from mineral_briefs.brief_runs.variants import _first_effective, _floor_variant

    text = ONE_MARKET.replace("nickel, stage: refining", "gallium, stage: refining") + (
        "export_controls:\n"
        "  - {exporter: CHN, minerals: [gallium], stages: [refining], share_withheld: 0.5,\n"
        "     announced: 2022-03, effective: 2023-01}\n"
    )
    sc = load_scenario(str(_write(tmp_path, text)))  # horizon 2022-01 to 2022-06
    start = _first_effective(sc)
    got = _floor_variant(sc, "floor", "variable_tariff", "gallium", "refining", 300.0, 50.0, start)
    assert got == (None, "", "compared.skip.floor_after_horizon")
    assert i18n.t("compared.skip.floor_after_horizon", "de")  # both languages say why


@pytest.mark.slow
def test_briefs_of_scenarios_the_fuzzer_broke_render_and_read_right(tmp_path: Path) -> None:
    """Valid scenarios whose briefs stopped in the summary cell (the levers compared built a
    scenario the check refused) or printed wrong text, rendered for real."""
    cobalt = ONE_MARKET.replace("nickel, stage: refining", "cobalt, stage: refining")
    cases = {
        "own_alliance_stock": cobalt + "stockpiles:\n"
        "  - {holder: alliance, minerals: [cobalt], stage: refining, days_of_cover: 30}\n",
        "late_control": ONE_MARKET.replace("nickel, stage: refining", "gallium, stage: refining")
        + "export_controls:\n"
        "  - {exporter: CHN, minerals: [gallium], stages: [refining], share_withheld: 0.5,\n"
        "     announced: 2022-03, effective: 2023-01}\n",
        "a" * 55: ONE_MARKET.replace("nickel, stage: refining", "antimony, stage: mining"),
        "surge": ONE_MARKET.replace("nickel, stage: refining", "antimony, stage: mining")
        + "supply_surge:\n"
        "  - {country: CHN, mineral: antimony, stage: mining, capacity_t_per_year: 10000,\n"
        "     cash_cost: {value: 27.5, unit: USD/kg}, start: 2022-01, ramp_months: 0}\n",
    }
    files = []
    for sid, text in cases.items():
        path = tmp_path / f"{sid}.yaml"
        path.write_text(text.replace("id: one_market", f"id: {sid}"), encoding="utf-8")
        files.append(str(path))
    text = _render_en(files, tmp_path / "reports")

    surge = text("surge")  # buyers pay less than at the base price: said so, not "USD −x above"
    assert "less than at the base price" in surge and "above the base price to" not in surge
    antimony = text("a" * 55)
    assert "1.0× to 1.0×" not in antimony  # no input named "most sensitive" for nothing
    assert "does not change with any input varied one at a time" in antimony
    assert "Antimony Mining China" in antimony  # the market table shows the brief's own market


def test_a_market_made_by_overrides_without_any_tonnage_data_names_itself(tmp_path: Path) -> None:
    from mineral_briefs.errors import DataError

    text = (
        "id: ge\ntitle: t\nrationale: r\nhorizon: {start: 2023-05, months: 6}\n"
        "base_overrides:\n  base_year: 2023\n"
        "  prices:\n    - {mineral: germanium, stage: refining, value: 1500, unit: USD/kg}\n"
        "  production:\n"
        "    - {mineral: germanium, stage: refining, country: CHN, quantity_t: 100}\n"
        "  demand:\n    - {mineral: germanium, stage: refining, quantity_t: 100}\n"
        "markets:\n  - {mineral: germanium, stage: refining}\n"
    )
    sc = load_scenario(str(_write(tmp_path, text)))
    with pytest.raises(DataError) as err:
        run(sc, load_dataset(), draws=0)
    msg = str(err.value)
    assert msg.startswith("scenario ge: base_overrides sizes germanium/refining")
    assert "allowed:" in msg


# --- who pays and the shortfall sentence (fuzzing, round 3) -----------------------------------

OUTAGE = """\
id: outage
title: China's {mineral} {stage} stops
rationale: r
horizon: {{start: 2026-01, months: 3}}
markets: [{{mineral: {mineral}, stage: {stage}}}]
supply_outages:
  - {{country: CHN, mineral: {mineral}, stage: {stage}, share: 1.0, start: 2026-01}}
"""


def test_buyers_pay_for_what_they_consume_at_a_sixteenfold_price(tmp_path: Path) -> None:
    from mineral_briefs.brief.answer import money_paths

    sc = load_scenario(str(_write(tmp_path, OUTAGE.format(mineral="dy", stage="refining"))))
    res = run(sc, load_dataset(), draws=0)
    buyers = money_paths(res, "dy", "refining")["buyers"]
    # the price is far above its base all along: alliance buyers pay more, never less (the
    # shortfall was subtracted twice and this read "USD 3.2 m less than at the base price")
    assert (buyers > 0).all() and buyers.sum() > 1e7


def test_a_small_market_missing_13_percent_is_not_called_short_of_nothing(tmp_path: Path) -> None:
    from mineral_briefs import narrative
    from mineral_briefs.brief.answer import _has_shortfall

    sc = load_scenario(str(_write(tmp_path, OUTAGE.format(mineral="tb", stage="mining"))))
    res = run(sc, load_dataset(), draws=0)
    k = narrative.kpi_lookup(res.kpis, "en", "tb", "mining")
    short_t, short_pct = k["cumulative_shortfall_t"], k["cumulative_shortfall_pct"]
    assert short_t.value < 1.0 < short_pct.value  # under a tonne, yet over a tenth of demand
    assert _has_shortfall(short_t, short_pct)
    assert i18n.fmt_tonnes(short_t.value, "en") != "0\u00a0t"  # shown with its decimals


def test_a_demand_step_extrapolated_past_a_thousandfold_is_refused(tmp_path: Path) -> None:
    from mineral_briefs.engine.base import ScenarioInputError

    text = (
        "id: steep\ntitle: t\nrationale: r\nhorizon: {start: 2030-01, months: 240}\n"
        "markets: [{mineral: magnet_rees, stage: magnets}]\n"
        "demand:\n  - {mineral: magnet_rees, growth: {multiple: 10}, base_year: 2039,\n"
        "     target_year: 2040, shape: log_linear}\n"
    )
    sc = load_scenario(str(_write(tmp_path, text)))
    with pytest.raises(ScenarioInputError) as err:  # it printed 10^18 Mt of shortfall
        run(sc, load_dataset(), draws=0)
    msg = str(err.value)
    assert "demand[0]" in msg and "allowed: at most ×1000 over the horizon" in msg
    # the same growth spread over the horizon runs
    spread = text.replace("base_year: 2039", "base_year: 2030").replace("2040,", "2049,")
    run(load_scenario(str(_write(tmp_path, spread))), load_dataset(), draws=0)


def test_days_of_cover_keep_their_decimals_below_ten_days() -> None:
    assert i18n.days_decimals(60.0) == 0 and i18n.days_decimals(0.5) == 2
    assert i18n.fmt_number(0.5, "en", i18n.days_decimals(0.5)) != "1"  # not "1 of 0 days"


BEFORE_DATA = """\
id: before_data
title: a 2010 start without base_overrides
rationale: runs on the shipped 2024 market
horizon: {start: 2010-01, months: 6}
base_overrides:
  prices:
    - {mineral: nickel, stage: refining, value: 20, unit: USD/kg}
markets:
  - {mineral: nickel, stage: refining}
"""


def test_a_run_that_starts_before_its_data_says_which_year_its_market_is_from(
    tmp_path: Path,
) -> None:
    """A 2010 start with only a price override runs on 2024 tonnages: the header's first flag
    says so (the price is the scenario's own, so it is not the reason); a scenario starting
    after its data year (ONE_MARKET, 2022 prices and 2024 tonnages) carries no such flag."""
    (tmp_path / "b.yaml").write_text(BEFORE_DATA, "utf-8")
    (tmp_path / "a.yaml").write_text(ONE_MARKET.replace("2022-01", "2025-01"), "utf-8")
    # a replay that names its base year, with no production rows of that year in the data:
    # the tonnages fall back to 2024, and the flag says so
    replay = BEFORE_DATA.replace("id: before_data", "id: base_year_2020").replace(
        "base_overrides:\n", "base_overrides:\n  base_year: 2020\n"
    )
    (tmp_path / "c.yaml").write_text(replay.replace("2010-01", "2020-01"), "utf-8")
    files = [str(tmp_path / n) for n in ("b.yaml", "a.yaml", "c.yaml")]
    text = _render_en(files, tmp_path / "out")
    assert "starts from 2024 data, though the run starts in 2020" in text("base_year_2020")
    flag = (
        "Assumption: refining of nickel starts from 2024 data, though the run starts in 2010 "
        "(base_overrides give a replay its own year)"
    )
    page = text("before_data")
    assert flag in page
    assert page.index(flag) < page.index("Executive summary")
    assert "starts from" not in text("one_market")
