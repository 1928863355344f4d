"""`mineral-briefs validate` on a scenario written from a dict (bad-input checks of levers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from mineral_briefs.cli import main


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
