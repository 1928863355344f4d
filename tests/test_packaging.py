"""Packaging hygiene: a missing extra is named with the command that installs it; the cache."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mineral_briefs import export
from mineral_briefs.cli import main


def test_parquet_without_pyarrow_names_the_extra_before_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if pyarrow were not installed
    out = tmp_path / "results.parquet"
    assert main(["simulate", "baseline", "--out", str(out), "--draws", "0"]) == 2
    err = capsys.readouterr().err
    assert f"--out {out} needs pyarrow, which is not installed" in err
    assert "install mineral-briefs[parquet]" in err
    assert not out.exists()


def test_dask_executor_without_distributed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    rc = main(
        ["render", "baseline", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    assert rc == 2
    err = capsys.readouterr().err
    assert "--executor dask needs distributed" in err and "mineral-briefs[dask]" in err
    assert not (tmp_path / "out").exists()


def test_cache_folder_is_the_platform_user_cache_or_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv("MINERAL_BRIEFS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert export.cache_dir() == Path(user_cache_dir("mineral-briefs", appauthor=False))
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "mine"))
    assert export.cache_dir() == tmp_path / "mine"
