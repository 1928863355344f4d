"""Readers of official releases (IEA workbook, USGS MCS world CSV) and the importer."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.data import check_totals, import_release, load_dataset
from mineral_briefs.data.readers import read_iea_cmd_workbook, read_usgs_mcs_csv
from mineral_briefs.errors import DataError

REAL_WORKBOOK = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "data"
    / "iea_critical_minerals_dataset_gcmo2025.xlsx"
)

SCEN = (
    "Stated Policies Scenario",
    "Announced Pledges Scenario",
    "Net Zero Emissions by 2050 Scenario",
)


def _demand_sheet(ws: object, base_year: int) -> None:
    """Write the layout of sheet '1 Total demand for key minerals' (GCMO 2025)."""
    years = [base_year + 6, base_year + 11, base_year + 16]
    ws.cell(2, 1, "Demand for key energy transition minerals (kt)")
    for k, name in enumerate(SCEN):
        ws.cell(4, 4 + 4 * k, name)
    ws.cell(5, 2, base_year)
    for k in range(3):
        for n, y in enumerate(years):
            ws.cell(5, 4 + 4 * k + n, y)
    r = 7
    for title, base, growth in (
        ("Lithium", 205.0, 2.0),
        ("Magnet rare earth elements", 90.9, 1.5),
        ("Chromium", 1.0, 1.0),
    ):
        ws.cell(r, 1, title)
        ws.cell(r + 1, 1, "Electric vehicles")
        ws.cell(r + 1, 2, base / 2)
        ws.cell(r + 2, 1, "Total demand")
        ws.cell(r + 2, 2, base)
        for k in range(3):
            for n in range(3):
                ws.cell(r + 1, 4 + 4 * k + n, base)
                ws.cell(r + 2, 4 + 4 * k + n, base * growth * (1 + k) * (1 + n / 10))
        ws.cell(r + 3, 1, "Share of clean technologies in total demand ")
        ws.cell(r + 3, 2, 0.5)
        r += 6
    ws.cell(r, 1, "Notes: Lithium demand is in lithium (Li) content.")


def _supply_sheet(ws: object, base_year: int, myanmar: str = "Myanmar") -> None:
    """Write the layout of sheet '2 Total supply for key minerals' (two blocks per row)."""
    years = [base_year, base_year + 6, base_year + 11, base_year + 16]
    ws.cell(2, 1, "Total supply for key energy transition minerals, base case (kt)")
    for n, y in enumerate(years):
        ws.cell(4, 2 + n, y)
        ws.cell(4, 8 + n, y)
    blocks = [
        (
            "Magnet rare earth elements - Mining",
            [("China", 45.0), (myanmar, 12.0), ("Rest of world", 3.0)],
            "Total",
            60.0,
        ),
        (
            "Magnet rare earth elements - Refining",
            [("China", 73.0), ("Malaysia", 4.0), ("Rest of world", 3.0)],
            "Total clean technologies",
            80.0,
        ),
    ]
    r = 6
    for col, (title, rows, total_label, total) in zip((1, 7), blocks, strict=True):
        ws.cell(r, col, title)
        for i, (name, v) in enumerate(rows, start=1):
            ws.cell(r + i, col, name)
            for n in range(4):
                ws.cell(r + i, col + 1 + n, v * (1 + n / 10))
        ws.cell(r + len(rows) + 1, col, total_label)
        ws.cell(r + len(rows) + 2, col, "Top 3 share")
        for n in range(4):
            ws.cell(r + len(rows) + 1, col + 1 + n, total * (1 + n / 10))
            ws.cell(r + len(rows) + 2, col + 1 + n, 0.9)
    ws.cell(20, 1, "Notes: Supply projections are built from project pipelines.")


def make_workbook(path: Path, base_year: int = 2024, myanmar: str = "Myanmar") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    _demand_sheet(wb.create_sheet("1 Total demand for key minerals"), base_year)
    _supply_sheet(wb.create_sheet("2 Total supply for key minerals"), base_year, myanmar)
    wb.create_sheet("Notice").cell(2, 2, "CC BY 4.0")
    wb.save(path)
    return path


USGS_HEADER = (
    "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2025,PROD_EST_ 2026,PROD_NOTES,"
    "RESERVES_2026,RESERVES_NOTES\n"
)


def make_usgs_csv(path: Path, rows: list[str], header: str = USGS_HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


USGS_ROWS = [
    'MCS2027,Rare earths,China,Mine production,metric tons,"270,000","280,000",,"44,000,000",',
    "MCS2027,Rare earths,Burma,Mine production,metric tons,27000,20000,,NA,",
    "MCS2027,Rare earths,United States,Mine production,metric tons,W,50000,,1900000,",
    "MCS2027,Rare earths,World total (rounded),Mine production,metric tons,390000,400000,,"
    ">85000000,",
    "MCS2027,Cobalt,Congo (Kinshasa),Mine production,metric tons,220000,200000,,6000000,",
    "MCS2027,Cobalt,Canada,Mine production,metric tons,—,3000,,220000,",
    "MCS2027,Cobalt,Other countries,Mine production,metric tons,80000,97000,,,",
    "MCS2027,Cobalt,World total (rounded),Mine production,metric tons,300000,300000,,12000000,",
    "MCS2027,Cobalt,World total (rounded),Refinery capacity,metric tons,400000,400000,,,",
    "MCS2027,Bauxite,Guinea,Mine production,thousand metric tons,120000,130000,,,",
]


# --- IEA ------------------------------------------------------------------------------------


def test_iea_reader_on_small_workbook(tmp_path: Path) -> None:
    out = read_iea_cmd_workbook(make_workbook(tmp_path / "iea.xlsx"))
    prod, dem = out["production"], out["demand"]
    assert set(prod.source_id) == {"IEA_CMD2025"} == set(dem.source_id)
    china = prod[(prod.stage == "refining") & (prod.year == 2024) & (prod.country == "CHN")]
    assert float(china.value.iloc[0]) == 73.0
    world = prod[(prod.stage == "refining") & (prod.country == "World") & (prod.year == 2035)]
    assert float(world.value.iloc[0]) == pytest.approx(80.0 * 1.2)  # "Total clean tech." quirk
    assert set(prod.country) == {"CHN", "MMR", "MYS", "Other", "World"}
    assert set(prod.year) == {2024, 2030, 2035, 2040}
    assert set(prod.status) == {"estimate", "projection"}
    assert set(prod.mineral) == {"magnet_rees"} and set(prod.unit) == {"kt"}
    assert set(dem.mineral) == {"lithium", "magnet_rees"}  # chromium is not tracked
    base = dem[(dem.mineral == "lithium") & (dem.year == 2024)]
    assert sorted(base.scenario) == ["APS", "NZE", "STEPS"] and (base.value == 205.0).all()
    nze_2040 = dem[(dem.mineral == "lithium") & (dem.scenario == "NZE") & (dem.year == 2040)]
    assert float(nze_2040.value.iloc[0]) == pytest.approx(205 * 2 * 3 * 1.2)
    assert (check_totals_frame(prod).abs() < 1e-9).all()


def check_totals_frame(prod: pd.DataFrame) -> pd.Series:
    keys = ["stage", "year"]
    world = prod[prod.country == "World"].set_index(keys).value
    parts = prod[prod.country != "World"].groupby(keys).value.sum()
    return (parts - world) / world


def test_iea_reader_names_sheet_row_and_value_of_unknown_country(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "iea.xlsx", myanmar="Ruritania")
    with pytest.raises(
        DataError,
        match=r"iea\.xlsx \[2 Total supply for key minerals\], "
        r"row 8: unknown country name 'Ruritania'",
    ):
        read_iea_cmd_workbook(path)


def test_iea_reader_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DataError, match="cannot be opened"):
        read_iea_cmd_workbook(bad)
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Something else"
    wb.save(tmp_path / "y.xlsx")
    with pytest.raises(DataError, match=r"y\.xlsx: no sheet whose name contains 'total demand'"):
        read_iea_cmd_workbook(tmp_path / "y.xlsx")


@pytest.mark.skipif(not REAL_WORKBOOK.is_file(), reason="reference workbook not present")
def test_real_iea_workbook_known_figures() -> None:
    out = read_iea_cmd_workbook(REAL_WORKBOOK)
    prod, dem = out["production"], out["demand"]

    def share(mineral: str, stage: str, country: str, year: int = 2024) -> float:
        g = prod[(prod.mineral == mineral) & (prod.stage == stage) & (prod.year == year)]
        return float(g[g.country == country].value.iloc[0] / g[g.country == "World"].value.iloc[0])

    assert share("magnet_rees", "refining", "CHN") == pytest.approx(0.913, abs=0.002)
    assert share("magnet_rees", "mining", "CHN") == pytest.approx(0.61, abs=0.005)
    assert share("graphite", "refining", "CHN") == pytest.approx(0.957, abs=0.002)
    assert share("nickel", "refining", "IDN") == pytest.approx(0.429, abs=0.002)
    assert share("magnet_rees", "refining", "CHN", 2030) == pytest.approx(0.76, abs=0.005)
    cu = prod[
        (prod.mineral == "copper")
        & (prod.stage == "mining")
        & (prod.year == 2024)
        & (prod.country == "World")
    ]
    assert float(cu.value.iloc[0]) == 22794
    li = dem[(dem.mineral == "lithium") & (dem.scenario == "STEPS")].set_index("year").value
    assert li[2024] == 205 and li[2040] == pytest.approx(927.93, abs=0.01)
    assert (
        set(prod.mineral)
        == set(dem.mineral)
        == {"copper", "cobalt", "lithium", "nickel", "graphite", "magnet_rees"}
    )
    assert len(prod) == 340 and len(dem) == 108


# --- USGS -----------------------------------------------------------------------------------


def test_usgs_reader(tmp_path: Path) -> None:
    out = read_usgs_mcs_csv(make_usgs_csv(tmp_path / "MCS2027_World_Data.csv", USGS_ROWS))
    prod, res = out["production"], out["reserves"]
    assert set(prod.source_id) == {"USGS_MCS2027"}
    ree = prod[(prod.mineral == "rare_earths") & (prod.year == 2025)].set_index("country")
    assert ree.loc["CHN", "value"] == 270_000 and ree.loc["CHN", "status"] == "reported"
    assert "USA" not in ree.index  # withheld (W) is left out, not zero
    assert ree.loc["Other", "value"] == 390_000 - 297_000  # derived, noted
    assert "derived" in ree.loc["Other", "note"]
    assert (
        prod[
            (prod.mineral == "rare_earths") & (prod.year == 2026) & (prod.country == "USA")
        ].status.iloc[0]
        == "estimate"
    )
    co = prod[(prod.mineral == "cobalt") & (prod.year == 2025)].set_index("country")
    assert co.loc["CAN", "value"] == 0  # em dash = zero
    assert co.loc["World", "value"] == 300_000  # capacity row ignored
    assert "bauxite" not in set(prod.mineral)
    assert set(prod.stage) == {"mining"} and set(prod.unit) == {"t"}
    r = res.set_index(["mineral", "country"])
    assert r.loc[("rare_earths", "World"), "qualifier"] == ">"
    assert r.loc[("rare_earths", "World"), "value"] == 85_000_000
    assert ("rare_earths", "MMR") not in r.index  # NA


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            "MCS2027,Cobalt,Atlantis,Mine production,metric tons,1,1,,,",
            r"row 1 \(line 2\), column 'COUNTRY': unknown country name 'Atlantis'",
        ),
        (
            "MCS2027,Cobalt,Cuba,Mine production,metric tons,12x0,1,,,",
            r"row 1 \(line 2\), column 'PROD_2025': not a number \('12x0'\)",
        ),
        (
            "MCS2027,Cobalt,Cuba,Mine production,bushels,1,1,,,",
            r"row 1 \(line 2\), column 'UNIT_MEAS': unknown unit 'bushels'",
        ),
        (
            "MCS2027,Cobalt,Cuba,Mine production,metric tons,-5,1,,,",
            r"row 1 \(line 2\), column 'PROD_2025': must be >= 0 \(got -5\)",
        ),
    ],
)
def test_usgs_reader_errors_name_file_row_and_column(tmp_path: Path, row: str, match: str) -> None:
    path = make_usgs_csv(tmp_path / "mcs.csv", [row])
    with pytest.raises(DataError, match=r"mcs\.csv, " + match):
        read_usgs_mcs_csv(path)


def test_usgs_reader_missing_columns(tmp_path: Path) -> None:
    path = make_usgs_csv(tmp_path / "mcs.csv", ["Cobalt,Cuba,1"], header="COMMODITY,COUNTRY,X\n")
    with pytest.raises(DataError, match="required column.*TYPE, UNIT_MEAS, PROD_<year>"):
        read_usgs_mcs_csv(path)


# --- import ---------------------------------------------------------------------------------


@pytest.fixture
def data_copy(repo_root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(repo_root / "data", copy)
    return copy


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.csv")}


def test_import_usgs_release_adds_new_edition_and_keeps_others(
    data_copy: Path, tmp_path: Path
) -> None:
    before = load_dataset(data_copy)
    n_before = len(before.production)
    report = import_release(make_usgs_csv(tmp_path / "MCS2027.csv", USGS_ROWS), None, data_copy)
    assert report.kind == "usgs" and report.source_id == "USGS_MCS2027"
    assert report.source_added and set(report.files_written) == {
        "production.csv",
        "reserves.csv",
        "sources.csv",
    }
    after = load_dataset(data_copy)
    new = after.production[after.production.source_id == "USGS_MCS2027"]
    assert len(new) == report.rows_added["production"] > 0
    assert len(after.production) == n_before + len(new)
    assert after.source("USGS_MCS2027")["publisher"] == "U.S. Geological Survey"
    # older editions untouched
    old = after.production[after.production.source_id != "USGS_MCS2027"]
    pd.testing.assert_frame_equal(
        old.reset_index(drop=True), before.production.reset_index(drop=True)
    )
    assert not list(data_copy.glob(".import-*"))
    # re-import replaces, does not duplicate
    again = import_release(tmp_path / "MCS2027.csv", "usgs", data_copy)
    assert again.rows_replaced["production"] == len(new) and not again.source_added
    assert len(load_dataset(data_copy).production) == n_before + len(new)


def test_import_iea_workbook_replaces_same_edition(data_copy: Path, tmp_path: Path) -> None:
    before = load_dataset(data_copy)
    iea_rows = int((before.production.source_id == "IEA_CMD2025").sum())
    digests = _digests(data_copy)
    # the small workbook covers one mineral: it would drop the rest of the edition
    with pytest.raises(DataError, match="smaller than the edition IEA_CMD2025 it would replace"):
        import_release(make_workbook(tmp_path / "iea.xlsx"), None, data_copy)
    assert _digests(data_copy) == digests
    report = import_release(make_workbook(tmp_path / "iea.xlsx"), None, data_copy, force=True)
    backup = Path(report.backup)
    assert backup.parent == data_copy / ".backups"
    assert (backup / "production.csv").read_bytes() == _old_bytes(digests, data_copy)
    assert report.source_id == "IEA_CMD2025" and not report.source_added
    assert report.rows_replaced["production"] == iea_rows
    after = load_dataset(data_copy)
    mine = after.production[after.production.source_id == "IEA_CMD2025"]
    # the workbook's basket, plus the hand-written records that cite the same edition (kept)
    from mineral_briefs.data.records import read_records

    curated = pd.concat([read_records(n) for n in ("production_shares", "production_elements")])
    kept = set(curated.loc[curated.source_id == "IEA_CMD2025", "mineral"])
    assert kept  # the premise: some curated rows cite this edition
    assert set(mine.mineral) == {"magnet_rees"} | kept
    assert len(mine) == report.rows_added["production"]
    usgs = after.production[after.production.source_id == "USGS_MCS2026"]
    assert len(usgs) == int((before.production.source_id == "USGS_MCS2026").sum())
    assert check_totals(after).query("source_id == 'IEA_CMD2025'").empty


def _old_bytes(digests: dict[str, str], folder: Path) -> bytes:
    """Bytes of the backed-up production table, checked against its digest before the import."""
    data = (folder / ".backups").iterdir().__next__().joinpath("production.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digests["production.csv"]
    return data


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (USGS_HEADER.encode(), "header only, no data rows"),
        (
            USGS_HEADER.encode()
            + "MCS2027,Cobalt,Montr\xe9al,Mine production,t,1,1,,,\n".encode("latin-1"),
            "not UTF-8 text",
        ),
        (
            b"MCS2027,Cobalt,Canada,Mine production,metric tons,1,1,,,\n",
            "required column(s) missing",
        ),
    ],
    ids=["empty", "header-only", "latin-1", "no-header"],
)
def test_unreadable_release_is_one_clear_error(
    data_copy: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "release.csv"
    path.write_bytes(content)
    digests = _digests(data_copy)
    with pytest.raises(DataError) as info:
        import_release(path, "usgs", data_copy)
    assert str(info.value).startswith("release.csv: ") and expected in str(info.value)
    assert _digests(data_copy) == digests


def test_release_that_names_no_edition_or_repeats_a_column_is_refused(
    data_copy: Path, tmp_path: Path
) -> None:
    rows = [r.split(",", 1)[1] for r in USGS_ROWS[:3]]
    header = USGS_HEADER.split(",", 1)[1]
    nameless = make_usgs_csv(tmp_path / "nameless.csv", rows, header=header)
    with pytest.raises(DataError, match="does not name its edition.*--source-id USGS_MCS2026"):
        import_release(nameless, "usgs", data_copy)
    doubled = make_usgs_csv(
        tmp_path / "doubled.csv",
        USGS_ROWS[:3],
        header=USGS_HEADER.replace("PROD_EST_ 2026", "PROD_2025"),
    )
    with pytest.raises(DataError, match="both read as PROD_2025; allowed: each column once"):
        import_release(doubled, "usgs", data_copy)


def test_staging_left_by_a_killed_import_is_removed_and_never_counts_as_data(
    data_copy: Path, tmp_path: Path
) -> None:
    from mineral_briefs.render import data_checksums

    before = data_checksums(data_copy)
    stale = data_copy / ".import-killed"
    stale.mkdir()
    (stale / "production.csv").write_text("half,written\n")
    assert data_checksums(data_copy) == before  # no cache key changes meanwhile
    import_release(make_usgs_csv(tmp_path / "MCS2027.csv", USGS_ROWS), "usgs", data_copy)
    assert not stale.exists()


def test_failed_import_changes_nothing(data_copy: Path, tmp_path: Path) -> None:
    digests = _digests(data_copy)
    bad_release = make_usgs_csv(
        tmp_path / "bad.csv", ["MCS2027,Cobalt,Atlantis,Mine production,metric tons,1,1,,,"]
    )
    with pytest.raises(DataError, match="Atlantis"):
        import_release(bad_release, "usgs", data_copy)
    # a release that reads fine but leaves the folder invalid (a pre-existing broken table)
    dep = data_copy / "dependence.csv"
    dep.write_text(dep.read_text() + "JPN,x,2024,NOWHERE,1,%,,confirmed,\n")
    digests = _digests(data_copy)
    with pytest.raises(DataError, match="NOWHERE"):
        import_release(make_usgs_csv(tmp_path / "ok.csv", USGS_ROWS), "usgs", data_copy)
    assert _digests(data_copy) == digests
    assert not list(data_copy.glob(".import-*"))
    with pytest.raises(DataError, match="kind"):
        import_release(tmp_path / "ok.csv", "bgs", data_copy)
    other = tmp_path / "release.txt"
    other.write_text("x")
    with pytest.raises(DataError, match="cannot tell the release kind"):
        import_release(other, None, data_copy)


def test_import_of_the_release_the_folder_was_built_from_changes_no_byte(
    data_copy: Path, repo_root: Path
) -> None:
    """The same IEA workbook imported (twice) keeps row order and the refresh's notes."""
    from mineral_briefs.data.curate import DEFAULT_REFERENCE, IEA_WORKBOOK

    workbook = (repo_root / DEFAULT_REFERENCE / "data" / IEA_WORKBOOK).resolve()
    if not workbook.is_file():
        pytest.skip(f"reference workbook {workbook} not available")
    before = {p.name: p.read_bytes() for p in data_copy.glob("*.csv")}
    for _ in range(2):
        report = import_release(workbook, None, data_copy)
        assert report.rows_replaced == report.rows_added
        assert report.rows_added["demand"] == 108
        now = {p.name: p.read_bytes() for p in data_copy.glob("*.csv")}
        assert [n for n in sorted(before) if now[n] != before[n]] == []
    production = (data_copy / "production.csv").read_text(encoding="utf-8")
    assert production.count("as published: listed countries + Other") == 3


def test_errors_quote_a_rejected_file_as_a_short_excerpt_only(
    data_copy: Path, tmp_path: Path
) -> None:
    # a "release" that is really a password file (given by mistake or through a symlink)
    secret = tmp_path / "shadow"
    secret.write_text(
        "root:$6$Qk1x5sQ8$" + "A" * 80 + ":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    )
    link = tmp_path / "release.csv"
    link.symlink_to(secret)
    with pytest.raises(DataError) as info:
        import_release(link, "usgs", data_copy)
    text = str(info.value)
    assert "required column(s) missing" in text
    assert "A" * 60 not in text and "daemon" not in text
