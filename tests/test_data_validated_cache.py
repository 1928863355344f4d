"""The validated-data disk cache (issue 16): a new process reads validated tables back instead of
parsing and validating the CSVs again, and never serves a folder whose bytes changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from mineral_briefs.data import dataset as dataset_mod
from mineral_briefs.data import load_dataset, validated_cache
from mineral_briefs.data.dataset import clear_cache, read_from_files
from mineral_briefs.data.schemas import TABLES
from mineral_briefs.errors import DataError


@pytest.fixture
def data_copy(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINERAL_BRIEFS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(validated_cache.ENV_SWITCH, raising=False)
    copy = tmp_path / "data"
    shutil.copytree(repo_root / "data", copy)
    clear_cache()
    yield copy
    clear_cache()


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "validated-data").glob("*.pickle"))


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(dataset_mod, "_validate", boom)


def test_second_load_reads_the_entry_and_gives_equal_tables(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_dataset(data_copy)
    assert len(_entries(tmp_path)) == 1
    clear_cache()  # as a new process: nothing in memory
    _no_validation(monkeypatch)
    second = load_dataset(data_copy)
    assert second is not first
    assert second.data_dir == first.data_dir
    assert dict(second.checksums) == dict(first.checksums)
    assert second.vintage == first.vintage
    for name in TABLES:
        a, b = getattr(first, name), getattr(second, name)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert list(a.dtypes) == list(b.dtypes), name
    # the read-back dataset keys disk caches like a freshly validated one
    assert read_from_files(second)


def test_changed_bytes_are_validated_again(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_dataset(data_copy)
    path = data_copy / "production.csv"
    text = path.read_text(encoding="utf-8")
    header, first_row, rest = text.split("\n", 2)
    cells = first_row.split(",")
    cells[header.split(",").index("value")] = "lots"
    path.write_text("\n".join([header, ",".join(cells), rest]), encoding="utf-8")
    clear_cache()
    with pytest.raises(DataError, match=r"production\.csv.*value"):
        load_dataset(data_copy)
    # a folder that failed is never stored
    assert len(_entries(tmp_path)) == 1


def test_code_change_is_a_new_entry(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_dataset(data_copy)
    monkeypatch.setattr(
        "mineral_briefs.fingerprint.process_source_hash", lambda: "edited toolkit source"
    )
    clear_cache()
    load_dataset(data_copy)
    assert len(_entries(tmp_path)) == 2


def test_switched_off_writes_and_reads_nothing(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(validated_cache.ENV_SWITCH, "0")
    load_dataset(data_copy)
    assert _entries(tmp_path) == []


def test_a_corrupt_entry_is_ignored(data_copy: Path, tmp_path: Path) -> None:
    first = load_dataset(data_copy)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    clear_cache()
    again = load_dataset(data_copy)
    pd.testing.assert_frame_equal(again.production, first.production)


def test_an_unreadable_table_names_the_file(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NOTE: CI runs as root, who reads a file whatever its mode: the refusal is raised here
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "prices.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DataError, match=r"data/prices\.csv cannot be read: Permission denied"):
        load_dataset(data_copy)


def test_only_the_most_recently_used_entries_are_kept(tmp_path: Path) -> None:
    import os
    import pickle

    folder = tmp_path / "validated-data"
    keep = validated_cache.KEEP_ENTRIES
    paths = [folder / f"{n:040x}.pickle" for n in range(keep + 3)]
    folder.mkdir()
    for n, path in enumerate(paths):  # entries left by earlier runs, used in this order
        path.write_bytes(pickle.dumps({"frame": pd.DataFrame({"a": [n]})}))
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    # the oldest entry is read again: it is used, so it stays
    assert validated_cache.read(paths[0]) is not None
    validated_cache.write(folder / "new.pickle", {"frame": pd.DataFrame()}, "v")
    left = set(folder.glob("*.pickle"))
    assert len(left) == keep
    assert paths[0] in left and folder / "new.pickle" in left
    assert paths[1] not in left and paths[-1] in left
