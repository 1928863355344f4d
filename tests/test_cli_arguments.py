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


def test_the_command_runs_exit_handlers_and_keeps_the_exit_code() -> None:
    """``mineral-briefs`` leaves without the interpreter's teardown (0.2-0.3 s after a render),
    but the exit handlers (logging, multiprocessing, Dask, temporary folders) still run and
    the exit code is main()'s."""
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran', flush=True))\n"
        "from mineral_briefs.cli import console_main\n"
        "sys.argv = ['mineral-briefs', 'validate', 'no_such_scenario']\n"
        "print('buffered', end='')\n"
        "console_main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "buffered" in proc.stdout and "handler ran" in proc.stdout
    assert "no_such_scenario" in proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--executor", "dask"], "--executor dask needs --scheduler tcp://HOST:PORT"),
        (["--executor", "dask", "--scheduler", "garbage"], "not a scheduler address"),
        (["--executor", "dask", "--scheduler", "tcp://host:99999"], "PORT 1-65535"),
        (["--executor", "dask", "--scheduler", "http://host:8786"], "allowed: tcp://HOST:PORT"),
        (
            ["--scheduler", "tcp://1.2.3.4:8786"],
            "is only used with --executor dask; add --executor dask, or drop --scheduler",
        ),
        (["--keep", "2"], "--keep applies to dated runs only"),
    ],
)
def test_render_executor_options_that_cannot_work_exit_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    """Fuzzing audit 5: a missing or malformed scheduler was a failed render (exit 1) after the
    plan; a scheduler without ``--executor dask`` was silently ignored (a local run, exit 0)."""
    out = tmp_path / "o"
    code = main(["render", "baseline", "--language", "en", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and words in err and "Traceback" not in err
    assert not out.exists()


def test_sweep_scheduler_without_dask_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vary = "export_controls[0].share_withheld=0.1,0.2"
    argv = ["sweep", "controls_oct2025", "--vary", vary, "--out", str(tmp_path / "sw")]
    assert main([*argv, "--scheduler", "tcp://1.2.3.4:8786"]) == 2
    assert "only used with --executor dask" in capsys.readouterr().err
    assert main([*argv, "--executor", "dask", "--scheduler", "nohost"]) == 2
    assert "not a scheduler address" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unknown_placeholder_in_out_exits_2_naming_the_allowed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out 'DIR/{foo}'`` made a literal ``{foo}`` folder; only ``{date}`` is expanded."""
    out = tmp_path / "r" / "{foo}"
    assert main(["render", "baseline", "--language", "en", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown placeholder {foo}" in err and "allowed: {date}" in err
    assert list(tmp_path.iterdir()) == []


def test_well_formed_scheduler_addresses_are_accepted() -> None:
    from mineral_briefs.executor_options import check_scheduler_address

    for address in ("tcp://10.0.0.10:8786", "10.0.0.10:8786", "tls://[::1]:8786", "ws://h:1"):
        assert check_scheduler_address(address) == address
