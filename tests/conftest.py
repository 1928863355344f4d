"""Shared test configuration.

Tests never touch the user's real cache or reports: the vl-convert bundle cache lives in a
session-wide temporary folder shared by all tests of one worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mounts import tmpfs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where data/, scenarios/ and notebooks/ live)."""
    return REPO


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.getbasetemp() / "xdg-cache"
    cache.mkdir(exist_ok=True)
    os.environ.setdefault("XDG_CACHE_HOME", str(cache))


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """An empty folder this process cannot write to (a read-only tmpfs when running as root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        try:
            yield ro
        finally:
            ro.chmod(0o755)
        return
    # NOTE: root ignores permission bits; a read-only mount stops it like any other user.
    with tmpfs(ro, "ro,size=1m"):
        yield ro
