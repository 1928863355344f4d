"""Every numeric CLI argument is range-checked before any work starts (issue 14, item 7).

Each bad value exits 2 with one line naming the option and the allowed range, and nothing is
run or written: no 74 GiB allocation for ``--draws 1000000000``, no endless wait for
``--lock-timeout -1``, no TraitError for ``--timeout 0.5``, no briefs in the working directory
for ``--out ''``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mineral_briefs.cli import main


@pytest.mark.parametrize(
    ("args", "option", "allowed"),
    [
        (["simulate", "baseline", "--out", "{tmp}/x.csv", "--seed", "-1"], "--seed", "from 0"),
        (
            ["simulate", "baseline", "--out", "{tmp}/x.csv", "--draws", "1000000000"],
            "--draws",
            "0 to 100000",
        ),
        (
            ["simulate", "baseline", "--out", "{tmp}/x.csv", "--draws", "ten"],
            "--draws",
            "expected a whole number of draws",
        ),
        (["render", "baseline", "--out", "{tmp}/o", "--jobs", "0"], "--jobs", "from 1 to 256"),
        (["render", "baseline", "--out", "{tmp}/o", "--jobs", "-1"], "--jobs", "from 1 to 256"),
        (["render", "baseline", "--out", ""], "--out", "empty string"),
        (
            ["render", "baseline", "--out", "{tmp}/o", "--timeout", "0.5"],
            "--timeout",
            "from 1.0 to 86400.0",
        ),
        (
            ["render", "baseline", "--out", "{tmp}/o", "--lock-timeout", "-1"],
            "--lock-timeout",
            "from 0.0",
        ),
        (["render", "baseline", "--out", "{tmp}/o", "--keep", "0"], "--keep", "from 1"),
        (["render", "baseline", "--out", "{tmp}/o", "--timeout", "nan"], "--timeout", "seconds"),
    ],
)
def test_out_of_range_argument_exits_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], option: str, allowed: str
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}:" in err and allowed in err
    assert list(tmp_path.iterdir()) == []
