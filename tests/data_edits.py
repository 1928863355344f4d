"""Copies of the shipped data folder with one edit, for tests of what a changed table does."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rewrite_csv(path: Path, change: Callable[[list[str], list[list[str]]], None]) -> None:
    """Read the CSV at ``path``, let ``change(header, rows)`` edit the data rows in place, write
    it back (the data folder's CSV dialect)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    change(rows[0], rows[1:])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def data_copy(tmp_path: Path) -> Path:
    """A copy of the shipped ``data/`` folder under ``tmp_path``."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    return data


def set_parameter(data: Path, parameter: str, **values: str) -> int:
    """Set columns of the first ``model_parameters.csv`` row of ``parameter`` in the folder
    ``data``; returns that row's number (1 = first data row)."""
    found: list[int] = []

    def change(head: list[str], rows: list[list[str]]) -> None:
        i = next(k for k, r in enumerate(rows) if r[head.index("parameter")] == parameter)
        for column, value in values.items():
            rows[i][head.index(column)] = value
        found.append(i + 1)

    rewrite_csv(data / "model_parameters.csv", change)
    return found[0]
