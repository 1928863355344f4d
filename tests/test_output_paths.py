"""Output paths that cannot be written are refused before any work (fuzzing audit 1d/4, 11).

Every command that writes where the user says checks the path with the one helper
(:mod:`mineral_briefs.outpath`): exit 2, one ``error:`` line naming the path and why, no
traceback, nothing printed by the work (it never ran) and no temp file left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mineral_briefs.cli import main

SHARE = "export_controls[0].share_withheld=0.1,0.2"


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], *named: str) -> str:
    """Run ``argv``; assert exit 2, a clean error naming each of ``named``, no work output."""
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    for text in named:
        assert text in captured.err, captured.err
    assert captured.out == ""  # the work never started (backtest prints its table first)
    return captured.err


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile.txt"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "baseline", "--out", "{f}/x.csv"],
        ["backtest", "bt02_gallium_2023", "--out", "{f}/bt.csv"],
        ["schema", "--out", "{f}/s.json"],
        ["codelist", "{f}/cl"],
        ["sweep", "controls_oct2025", "--vary", SHARE, "--out", "{f}"],
        ["sweep", "controls_oct2025", "--vary", SHARE, "--out", "{f}/sw"],
        ["render", "baseline", "--language", "en", "--out", "{f}/r"],
    ],
)
def test_a_file_used_as_a_folder_exits_2_naming_it(
    tmp_path: Path, a_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Fails for root too (unlike permission bits)."""
    argv = [a.replace("{f}", str(a_file)) for a in argv]
    _refused(capsys, argv, str(a_file), "is a file, not a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt"]
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "baseline", "--out", "{ro}/x.csv"],
        ["backtest", "bt02_gallium_2023", "--out", "{ro}/bt.md"],
        ["schema", "--out", "{ro}/s.json"],
        ["codelist", "{ro}/cl"],
        ["sweep", "controls_oct2025", "--vary", SHARE, "--out", "{ro}/sw"],
        ["render", "baseline", "--language", "en", "--out", "{ro}/r"],
    ],
)
def test_a_read_only_folder_exits_2_naming_it(
    read_only_folder: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    argv = [a.replace("{ro}", str(read_only_folder)) for a in argv]
    _refused(capsys, argv, str(read_only_folder), "not writable")
    assert list(read_only_folder.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "baseline", "--out", "/proc/x.csv"],
        ["codelist", "/proc/x"],
        ["schema", "--out", "/proc/x.json"],
    ],
)
def test_a_folder_that_takes_no_files_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    _refused(capsys, argv, "/proc", "not writable")


def test_simulate_into_a_folder_named_like_the_file_leaves_no_temp_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dir.csv").mkdir()
    _refused(capsys, ["simulate", "baseline", "--out", str(tmp_path / "dir.csv")], "it is a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.csv"]  # no .dir.csv.tmp, no meta
    assert list((tmp_path / "dir.csv").iterdir()) == []


def test_simulate_refuses_a_device_instead_of_replacing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As root, the rename would have replaced /dev/null by a regular file."""
    _refused(capsys, ["simulate", "baseline", "--out", "/dev/null"], "extension")
    if os.path.exists("/dev/null"):
        from mineral_briefs.errors import OutputPathError
        from mineral_briefs.outpath import writable_file

        with pytest.raises(OutputPathError, match="it is a device"):
            writable_file("/dev/null")


def test_backtest_checks_the_extension_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt.txt"
    err = _refused(
        capsys, ["backtest", "bt02_gallium_2023", "--out", str(out)], "bt.txt", ".csv or .md"
    )
    assert "extension" in err
    assert list(tmp_path.iterdir()) == []


def test_sweep_refuses_an_unknown_language_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sw"
    argv = ["sweep", "controls_oct2025", "--vary", SHARE, "--language", "fr", "--out", str(out)]
    _refused(capsys, argv, "--language", "'fr'", "en, de")
    assert not out.exists()


def test_a_good_output_path_is_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The checks create nothing themselves; the writers create missing folders."""
    out = tmp_path / "new" / "deeper" / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text().startswith("{")
    assert sorted(p.name for p in out.parent.iterdir()) == ["schema.json"]  # no probe left
    assert main(["codelist", str(tmp_path / "cl")]) == 0
    assert (tmp_path / "cl" / "nomenclature.yaml").is_file()
    capsys.readouterr()
