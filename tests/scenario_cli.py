"""`mineral-briefs validate` on a scenario written from a dict (bad-input checks of levers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from mineral_briefs.cli import main

BASE_CASE: dict[str, Any] = {
    "id": "t",
    "title": "t",
    "rationale": "r",
    "horizon": {"start": "2025-10", "months": 12},
}
"""The smallest valid scenario (a year from October 2025)."""
GALLIUM_CONTROL: dict[str, Any] = {
    "minerals": ["gallium"],
    "stages": ["refining"],
    "share_withheld": 0.5,
    "announced": "2025-10-01",
    "effective": "2025-11-01",
}
"""An export control that acts within :data:`BASE_CASE`'s horizon."""
JAPAN_STOCK: dict[str, Any] = {
    "holder": "JPN",
    "minerals": ["gallium"],
    "stage": "refining",
    "days_of_cover": 60,
}
"""A stockpile on the market :data:`GALLIUM_CONTROL` hits."""


class _NoAliasDumper(yaml.SafeDumper):
    """Writes an entry used twice in ``data`` twice (scenario files refuse aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_case(tmp_path: Path, data: dict[str, Any]) -> Path:
    """``data`` as ``case.yaml`` in ``tmp_path``."""
    path = tmp_path / "case.yaml"
    text = yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def validate_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any]) -> str:
    """The error ``validate`` prints for ``data``: exit 2, one ``error:`` naming the file, no
    traceback."""
    rc = main(["validate", str(write_case(tmp_path, data))])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err
    assert "case.yaml" in err
    return err


def validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any]) -> None:
    """``validate`` accepts ``data``."""
    assert main(["validate", str(write_case(tmp_path, data))]) == 0, capsys.readouterr()


def validate_text_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> str:
    """The error ``validate`` prints for the YAML ``text`` as written (exit 2, the file named
    first, no traceback): for inputs a dict cannot express (non-text keys, control characters,
    YAML 1.1 number forms)."""
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    rc = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith(f"error: {path}: ") and "Traceback" not in err, err
    return err
