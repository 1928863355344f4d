"""Command-line front: ``mineral-briefs …`` and ``python -m mineral_briefs``.

Thin by design: parse arguments, call the toolkit, map typed errors to exit codes.
Scenario and data errors exit 2 with one clear message and no traceback; render failures exit 1.
Heavy modules are imported inside the handlers so that ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mineral_briefs import __version__
from mineral_briefs.cli_help import EPILOGS, HelpFormatter, command
from mineral_briefs.errors import (
    CacheConfigError,
    DataError,
    MineralBriefsError,
    MissingExtraError,
    RenderError,
    ScenarioError,
    UsageError,
    WorkspaceError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def _cmd_list(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_list

    return cmd_list(args)


def _cmd_validate(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_validate

    return cmd_validate(args)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_simulate

    return cmd_simulate(args)


def _cmd_codelist(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_codelist

    return cmd_codelist(args)


def _cmd_backtest(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_backtest

    return cmd_backtest(args)


def _cmd_schema(args: argparse.Namespace) -> int:
    from mineral_briefs.commands import cmd_schema

    return cmd_schema(args)


def _cmd_render(args: argparse.Namespace) -> int:
    from mineral_briefs.render_cli import cmd_render

    return cmd_render(args)


def _cmd_preview(args: argparse.Namespace) -> int:
    from mineral_briefs.preview.app import cmd_preview

    return cmd_preview(args)


def _cmd_data_import(args: argparse.Namespace) -> int:
    from mineral_briefs.render_cli import cmd_data_import

    return cmd_data_import(args)


def _cmd_init(args: argparse.Namespace) -> int:
    from mineral_briefs.workspace import init_workspace

    report = init_workspace(args.folder, force=bool(args.force))
    print(report.summary())
    print(f"next: cd {args.folder} && mineral-briefs render --all (or jupyter lab notebooks/)")
    return 0


def _cmd_events_set_status(args: argparse.Namespace) -> int:
    from mineral_briefs.events_cli import cmd_events_set_status

    return cmd_events_set_status(args)


def _as_of(text: str) -> str:
    """``--as-of`` value: an ISO date ``YYYY-MM-DD`` (argparse turns the error into exit 2)."""
    from mineral_briefs.asof import AS_OF_FORM, parse_as_of

    try:
        if not text.strip():  # on the command line an empty value is a mistake, not "today"
            raise ValueError(AS_OF_FORM)
        return parse_as_of(text).isoformat()
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--as-of {text[:40]!r}: {err}") from None


def _ranged(kind: type, low: float | None, high: float | None, what: str):  # type: ignore[no-untyped-def]
    """An argparse ``type=`` that parses ``kind`` and checks ``low <= value <= high``.

    Every numeric option is range-checked before any work starts (exit 2 naming the option
    and the allowed range), instead of failing deep inside a run or allocating for ever.
    """

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text[:40]!r}") from None
        if (
            value != value
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            span = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
            raise argparse.ArgumentTypeError(f"{what} from {span}, got {text[:40]!r}")
        return value

    parse.__name__ = what
    return parse


def _out_folder(text: str) -> str:
    """``--out``: a non-empty folder path (an empty one would write into the working dir)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder path, got an empty string")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mineral-briefs",
        description="Critical-mineral supply-chain scenarios rendered as briefing reports.",
        epilog=EPILOGS["mineral-briefs"],
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="what to do (COMMAND --help: its options)"
    )
    sub.required = True

    p = command(sub, "init", "create a workspace: scenarios/, data/, reports/, notebooks/")
    p.add_argument("folder", metavar="DIR", help="workspace folder (created if missing)")
    p.add_argument(
        "--force",
        action="store_true",
        help="also use a non-empty folder that is not a workspace (files are never overwritten)",
    )
    p.set_defaults(handler=_cmd_init)

    p = command(sub, "list", "list the built-in scenarios")
    p.set_defaults(handler=_cmd_list)

    p = command(sub, "validate", "validate scenario files (exit 2 on any problem)")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files or built-in ids")
    p.set_defaults(handler=_cmd_validate)

    p = command(sub, "simulate", "run one scenario and write its results table")
    p.add_argument("scenario", metavar="SCENARIO", help="built-in id or path to a YAML file")
    p.add_argument("--out", required=True, help="results file: .csv, .parquet or .xlsx")
    p.add_argument(
        "--draws",
        type=_ranged(int, 0, 100_000, "a whole number of draws"),
        default=None,
        help="Monte Carlo draws, 0-100000 (default: scenario)",
    )
    p.add_argument(
        "--seed",
        type=_ranged(int, 0, 2**63 - 1, "a whole-number seed"),
        default=None,
        help="random seed, >= 0 (default: scenario)",
    )
    p.add_argument(
        "--annual",
        action="store_true",
        help="write calendar-year aggregates (with 'Months Covered') instead of months",
    )
    p.set_defaults(handler=_cmd_simulate)

    p = command(sub, "codelist", "write the IAMC codelist in nomenclature's format (definitions/)")
    p.add_argument("dir", metavar="DIR", help="folder to write definitions/ and nomenclature.yaml")
    p.set_defaults(handler=_cmd_codelist)

    p = command(sub, "backtest", "replay historical episodes and score the model")
    p.add_argument("episodes", nargs="*", metavar="EPISODE", help="episode ids (default: all)")
    p.add_argument("--out", default=None, help="write the score table (.csv or .md)")
    p.set_defaults(handler=_cmd_backtest)

    _add_render(sub)
    _add_preview(sub)

    p = command(sub, "schema", "write the scenario JSON Schema (for editors)")
    p.add_argument(
        "--out",
        type=_out_folder,
        default=None,
        metavar="FILE",
        help="file to write (default: stdout)",
    )
    p.set_defaults(handler=_cmd_schema)

    from mineral_briefs.sweep.cli import add_parser as _add_sweep

    _add_sweep(sub, _ranged)

    _add_data_and_events(sub)
    return parser


def _add_preview(sub: Any) -> None:
    """``preview``: one brief re-rendered on save, served with live reload (issue 16)."""
    p = command(sub, "preview", "render one brief, re-render on save, serve it with live reload")
    p.add_argument("scenario", metavar="SCENARIO", help="built-in id or path to a YAML file")
    p.add_argument("--language", choices=("en", "de"), default="en", help="brief language")
    p.add_argument(
        "--port",
        type=_ranged(int, 0, 65535, "a port number"),
        default=8765,
        help="local port, 0-65535 (0: any free port; default 8765)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.set_defaults(handler=_cmd_preview)


def _add_executor_options(p: Any) -> None:
    """``render``'s executor options: where the notebooks run, and the dask cluster's address
    and patience."""
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where notebooks run: local (a process pool here) or dask (needs --scheduler)",
    )
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="dask scheduler (tcp://host:8786)"
    )
    p.add_argument(
        "--worker-timeout",
        type=_ranged(float, 1.0, 86_400.0, "seconds"),
        default=60.0,
        metavar="SECONDS",
        help="dask: seconds to wait while no worker is connected (at start or after losing all)",
    )


def _add_render(sub: Any) -> None:
    """``render``: every option range-checked by argparse before any work starts."""
    p = command(sub, "render", "render scenario briefs to HTML")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="built-in ids or YAML paths")
    p.add_argument("--all", action="store_true", help="every built-in scenario")
    p.add_argument(
        "--out",
        type=_out_folder,
        default="reports",
        metavar="DIR",
        help="output folder; '{date}' is expanded (UTC YYYY-MM-DD)",
    )
    p.add_argument(
        "--jobs",
        type=_ranged(int, 1, 256, "a whole number of workers"),
        default=None,
        metavar="N",
        help="parallel workers, 1-256 (default: cores)",
    )
    p.add_argument(
        "--language",
        choices=["en", "de", "all"],
        default="all",
        help="language of the briefs: en, de, or all (one brief per language)",
    )
    p.add_argument("--force", action="store_true", help="re-render even when nothing changed")
    _add_executor_options(p)
    p.add_argument("--pdf", action="store_true", help="also print each brief to PDF (Chromium)")
    p.add_argument(
        "--keep",
        type=_ranged(int, 1, None, "a whole number of runs"),
        default=None,
        metavar="N",
        help="keep the last N (>= 1) dated runs (default: keep all)",
    )
    p.add_argument(
        "--timeout",
        type=_ranged(float, 1.0, 86_400.0, "seconds"),
        default=None,
        metavar="SECONDS",
        help="per-cell timeout in seconds, 1-86400 (default: 300)",
    )
    p.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="YYYY-MM-DD",
        help="date the briefs speak from: earlier events in the past tense (default: today)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=None,
        metavar="KEY.PATH=VALUE",
        help="override a scenario key, e.g. export_controls[0].share_withheld=0.8 (repeatable; "
        "validated like the scenario file)",
    )
    p.add_argument(
        "--lock-timeout",
        type=_ranged(float, 0.0, 86_400.0, "seconds"),
        default=0.0,
        metavar="SECONDS",
        help="seconds to wait for another render writing the same folder (default: 0, fail)",
    )
    p.set_defaults(handler=_cmd_render, needs_scenario=p)


def _add_data_and_events(sub: Any) -> None:
    """``data import`` and ``events set-status``: the commands that change the data folder."""
    p = command(sub, "data", "manage the data tables")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION", help="what to do with the data")
    dsub.required = True
    pi = command(
        dsub,
        "import",
        "import an IEA workbook, a USGS MCS release or a monthly observed series",
        epilog_key="data import",
    )
    pi.add_argument(
        "path",
        help="IEA Critical Minerals Dataset .xlsx, USGS MCS world CSV, or (--kind observed) a "
        "monthly observed series in the format of observed.csv (data/README.md)",
    )
    pi.add_argument(
        "--kind",
        choices=["iea", "usgs", "observed"],
        default=None,
        help="default: by extension (.xlsx iea, .csv usgs)",
    )
    pi.add_argument(
        "--data-dir", default=None, help="data folder to update (default: the workspace's data/)"
    )
    pi.add_argument(
        "--source-id",
        default=None,
        help="source id of the release's rows, e.g. USGS_MCS2026 (default: the edition the "
        "file names; a file naming none is refused)",
    )
    pi.add_argument(
        "--force",
        action="store_true",
        help="replace an edition by a release with fewer rows (refused otherwise; a backup of "
        "the replaced tables is kept in <data>/.backups/)",
    )
    pi.set_defaults(handler=_cmd_data_import)

    p = command(sub, "events", "record what became of a policy event")
    esub = p.add_subparsers(
        dest="events_command", metavar="ACTION", help="what to do with an event"
    )
    esub.required = True
    pe = command(
        esub,
        "set-status",
        "set an event's status (scheduled, happened, cancelled, …)",
        epilog_key="events set-status",
    )
    pe.add_argument("event_id", metavar="EVENT_ID", help="event_id in policy_events.yaml")
    pe.add_argument(
        "status", metavar="STATUS", help="scheduled|happened|cancelled|extended|unknown"
    )
    pe.add_argument("--source", required=True, help="source id that reports the outcome")
    pe.add_argument(
        "--curated", default=None, help="hand-written records (default: <data folder>/curated)"
    )
    pe.add_argument(
        "--data-dir", default=None, help="data folder to update (default: the workspace's data/)"
    )
    pe.set_defaults(handler=_cmd_events_set_status)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    render_parser = getattr(args, "needs_scenario", None)
    if render_parser is not None and not (args.scenarios or args.all):
        # NOTE: a usage error (exit 2 with the usage line), not a failed render (exit 1).
        render_parser.error("no scenario given: name scenario ids or YAML paths, or use --all")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except (
        ScenarioError,
        DataError,
        WorkspaceError,
        MissingExtraError,
        CacheConfigError,
        UsageError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RenderError as exc:
        print(f"render failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except MineralBriefsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def console_main() -> None:
    """The ``mineral-briefs`` command: :func:`main`, the exit handlers, then exit without the
    interpreter's teardown.

    # NOTE (issue 16): after a render the process holds pandas, pyarrow, the data tables and
    # the engine results of the prefetch; tearing that heap down took 0.3 s after the last
    # line was printed (measured 2026-12-02), freeing nothing the operating system would not.
    # The exit handlers (logging, multiprocessing, temporary folders, Dask) still run, as the
    # render workers do it (render.pool._leave_without_teardown). An exception leaves the
    # normal way.
    """
    import atexit

    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken pipe: nothing more can be said
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
