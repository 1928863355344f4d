"""Monthly observed series: ``mineral-briefs data import --kind observed`` and their use in briefs.

Bad files are refused with the imported file, row and column named and nothing written; a
good file is merged by (series, month, source_id); the brief converts observed magnet exports
through the unit table and keeps only months up to its as-of date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mineral_briefs.data import clear_cache, load_dataset
from mineral_briefs.data.readers.observed import import_observed
from mineral_briefs.errors import DataError

REPO = Path(__file__).resolve().parents[1]
HEADER = "series,mineral,stage,variable,region,month,value,unit,basis,source_id,confidence,note\n"
# NOTE: a test fixture, not data: the figure is invented for the merge logic and never shipped.
FIXTURE_PRICE = (
    "fixture_ndpr,magnet_rees,refining,Price,World,2026-03-01,80,USD/kg,"
    "NdPr oxide 99% min,USGS_MCS2026,assumption,test fixture only\n"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(REPO / "data", target, ignore=shutil.ignore_patterns("curated"))
    clear_cache()
    return target


def _write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_shipped_series_is_sourced_and_loads() -> None:
    ds = load_dataset(REPO / "data")
    obs = ds.observed
    assert len(obs) >= 2
    assert set(obs["source_id"]) <= set(ds.sources["source_id"])
    sep = obs[(obs.series == "china_magnet_exports") & (obs.month == "2025-09-01")]
    assert float(sep["value"].iloc[0]) == 5774.0  # backtests.md BT-06 [B57]


def test_import_merges_by_series_month_and_source(data_dir: Path, tmp_path: Path) -> None:
    before = len(load_dataset(data_dir).observed)
    rep = import_observed(_write(tmp_path / "a.csv", FIXTURE_PRICE), data_dir=data_dir)
    assert rep.files_written == ["observed.csv"]
    clear_cache()
    assert len(load_dataset(data_dir).observed) == before + 1
    # the same key again replaces, it does not append
    import_observed(
        _write(tmp_path / "b.csv", FIXTURE_PRICE.replace(",80,", ",81,")), data_dir=data_dir
    )
    clear_cache()
    obs = load_dataset(data_dir).observed
    assert len(obs) == before + 1
    assert float(obs.loc[obs.series == "fixture_ndpr", "value"].iloc[0]) == 81.0


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        (FIXTURE_PRICE.replace("2026-03-01", "2026-03-15"), "month", "first day of a month"),
        (FIXTURE_PRICE.replace(",USD/kg,", ",t/month,"), "unit", "must be USD/kg for Price"),
        (FIXTURE_PRICE.replace(",80,", ",-80,"), "value", ">= 0"),
        (FIXTURE_PRICE.replace("USGS_MCS2026", "NO_SUCH_SOURCE"), "source_id", "sources.csv"),
        (FIXTURE_PRICE.replace(",Price,", ",Imports,"), "variable", "Exports, Price"),
        (FIXTURE_PRICE.replace("magnet_rees", "unobtainium"), "mineral", "not allowed"),
    ],
)
def test_bad_rows_are_refused_naming_file_row_and_column(
    data_dir: Path, tmp_path: Path, row: str, column: str, says: str
) -> None:
    before = (data_dir / "observed.csv").read_bytes()
    bad = _write(tmp_path / "bad.csv", row)
    with pytest.raises(DataError) as err:
        import_observed(bad, data_dir=data_dir)
    text = str(err.value)
    assert str(bad) in text and "row 1" in text and f"column '{column}'" in text, text
    assert says in text, text
    assert (data_dir / "observed.csv").read_bytes() == before  # nothing written


def test_cli_imports_and_reports(data_dir: Path, tmp_path: Path) -> None:
    src = _write(tmp_path / "a.csv", FIXTURE_PRICE)
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    cmd = [sys.executable, "-m", "mineral_briefs", "data", "import", str(src)]
    cmd += ["--kind", "observed", "--data-dir", str(data_dir)]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "observed.csv" in ok.stdout
    bad = subprocess.run(
        cmd[:5] + [str(_write(tmp_path / "b.csv", FIXTURE_PRICE.replace(",80,", ",x,")))] + cmd[6:],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "column 'value'" in bad.stderr, bad.stderr


def test_brief_converts_observed_exports_and_stops_at_as_of(data_dir: Path) -> None:
    from mineral_briefs import engine
    from mineral_briefs.brief import Brief
    from mineral_briefs.scenarios import load_scenario

    ds = load_dataset(data_dir)
    sc = load_scenario("controls_oct2025")
    res = engine.run(sc, ds, central_only=True)
    brief = Brief(
        scenario=sc,
        results=res,
        dataset=ds,
        language="en",
        draws=0,
        seed=1,
        mineral="magnet_rees",
        stage="magnets",
        as_of=dt.date(2026, 12, 1),
    )
    pts = brief.observed_points("Exports")
    # 5,774 t of NdFeB magnets a month × 0.30 t rare earths per t (HEIM_2023) × 12 = t/yr
    assert pts["value"].iloc[0] == pytest.approx(5774 * 0.30 * 12)
    assert list(pts["source_id"]) == [
        "REUTERS_MAGEXP_2025_09_SEC",
        "TIPINSIGHTS_MAGEXP_2025_10_SEC",
    ]
    early = dataclasses.replace(brief, as_of=dt.date(2025, 9, 30))
    assert list(early.observed_points("Exports")["time"]) == ["2025-09-01"]
    chart = brief.exports_chart().to_dict()
    # the observed months' sources are named by publisher on the figure's source line
    assert "Reuters" in chart["usermeta"]["mineral_briefs"]["figure"]["source"]
    marks = [layer["mark"] for layer in chart["layer"]]
    assert any(isinstance(m, dict) and m.get("shape") == "diamond" for m in marks)


def test_price_chart_marks_an_imported_price_as_observed(data_dir: Path, tmp_path: Path) -> None:
    """A monthly price imported into a (test) data folder is drawn on the price chart as an
    observed diamond, per kg of the quoted product, with its source id in the source line."""
    from mineral_briefs import engine
    from mineral_briefs.brief import Brief
    from mineral_briefs.scenarios import load_scenario

    import_observed(_write(tmp_path / "p.csv", FIXTURE_PRICE), data_dir=data_dir)
    clear_cache()
    ds = load_dataset(data_dir)
    sc = load_scenario("controls_oct2025")
    brief = Brief(
        scenario=sc,
        results=engine.run(sc, ds, draws=0),
        dataset=ds,
        language="de",
        draws=0,
        seed=1,
        mineral="magnet_rees",
        stage="refining",
        as_of=dt.date(2026, 12, 1),
    )
    pts = brief.observed_points("Price", "World")
    assert list(pts["value"]) == [pytest.approx(80.0)]  # same product: factor 1
    spec = brief.price_chart().to_dict()
    assert "Beobachtet: USGS_MCS2026" in spec["title"]["subtitle"]
    shapes = [
        layer["mark"].get("shape") for layer in spec["layer"] if isinstance(layer.get("mark"), dict)
    ]
    assert "diamond" in shapes
    before = dataclasses.replace(brief, as_of=dt.date(2026, 2, 28))
    assert before.observed_points("Price", "World").empty
