"""Fuzz targets for the two remaining boundaries (issue 14): ``data import`` and the CLI.

Properties:

- ``data import`` of arbitrary CSV text either succeeds, leaving a data folder that loads, or
  raises ``DataError`` and leaves every data file byte for byte as it was — nothing else.
- ``mineral-briefs`` with arbitrary arguments built around its real options exits 0, 1 or 2
  (argparse's exit 2 included) with no traceback, and never runs work for an argument outside
  its range (those exit 2).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mineral_briefs.cli import main
from mineral_briefs.data import import_release, load_dataset
from mineral_briefs.errors import DataError

REPO = Path(__file__).resolve().parents[1]

HEADER = (
    "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2025,PROD_EST_ 2026,PROD_NOTES,"
    "RESERVES_2026,RESERVES_NOTES"
)
CELLS = [
    "MCS2027",
    "MCS2026",
    "Cobalt",
    "Rare earths",
    "Lithium",
    "Bauxite",
    "China",
    "Canada",
    "Atlantis",
    "World total (rounded)",
    "Other countries",
    "Mine production",
    "Refinery production",
    "Refinery capacity",
    "metric tons",
    "thousand metric tons",
    "kilograms",
    "1000",
    "-5",
    "1e400",
    "NaN",
    "W",
    "—",
    "NA",
    '"1,000"',
    ">85000000",
    "",
    "=cmd|' /C calc'!A0",
    "\u202e",
    "\x00",
    '"',
    "PROD_2025",
]


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*.csv")
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(REPO / "data", folder)
    return folder


row = st.lists(st.sampled_from(CELLS), min_size=0, max_size=12).map(",".join)
release_text = st.one_of(
    st.lists(row, max_size=8).map(lambda rows: "\n".join([HEADER, *rows]) + "\n"),
    st.lists(row, min_size=1, max_size=8).map("\n".join),
    st.text(max_size=400),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=release_text, force=st.booleans())
def test_data_import_either_lands_validated_or_changes_nothing(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, text: str, force: bool
) -> None:
    work = tmp_path_factory.mktemp("import")
    data = work / "data"
    shutil.copytree(pristine, data)
    release = work / "release.csv"
    release.write_bytes(text.encode("utf-8", "surrogatepass"))
    before = _digests(data)
    try:
        import_release(release, "usgs", data, force=force)
    except DataError as exc:
        assert str(exc).strip()
        assert _digests(data) == before
        assert not list(data.glob(".import-*"))
    else:
        load_dataset(data)  # what landed validates as a whole
    finally:
        shutil.rmtree(work, ignore_errors=True)


OPTIONS = {
    "simulate": ["--draws", "--seed", "--out", "--annual", "--verbose"],
    "validate": [],
    "list": [],
    "render": ["--jobs", "--timeout", "--lock-timeout", "--keep", "--out", "--language"],
    "backtest": ["--episode"],
    "events": ["set-status"],
    "data": ["import"],
}
VALUES = [
    "-1",
    "0",
    "1",
    "3",
    "1000000000",
    "nan",
    "inf",
    "1e400",
    "0.5",
    "",
    "ten",
    "en",
    "xx",
    "baseline",
    "no_such",
    "../../etc/passwd",
    "--",
    "-",
    "\u202e",
]


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    args = [command]
    for _ in range(draw(st.integers(0, 4))):
        pick = draw(st.sampled_from([*OPTIONS[command], *VALUES]))
        args.append(pick)
        if pick.startswith("--") and pick not in ("--annual", "--verbose", "--"):
            args.append(draw(st.sampled_from(VALUES)))
    # NOTE: work that would really run must stay cheap and inside tmp: simulate and render get
    # an out-of-range --draws/--jobs, so only the validation layer is exercised for them.
    if command == "simulate":
        args += ["--draws", draw(st.sampled_from(["-1", "1000000000", "ten"]))]
    if command == "render":
        args += ["--jobs", draw(st.sampled_from(["0", "-1", "1000"]))]
    return args


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(args=argv())
def test_cli_arguments_never_traceback(
    args: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    out, err = io.StringIO(), io.StringIO()
    # NOTE: outside any workspace, so no fuzzed command can touch the checkout's data
    elsewhere = tmp_path_factory.mktemp("cli")
    with (
        contextlib.chdir(elsewhere),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2), (args, err.getvalue())
    assert "Traceback" not in err.getvalue(), (args, err.getvalue())
    if args[0] in ("simulate", "render"):
        assert code == 2, (args, err.getvalue())  # out-of-range arguments stop before work
