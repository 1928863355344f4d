"""Handlers of ``mineral-briefs render`` and ``mineral-briefs data import``.

Kept apart from :mod:`mineral_briefs.cli` so that ``--help`` stays instant, and apart from
:mod:`mineral_briefs.render` because printing (rich progress on a terminal, one plain line per brief
otherwise — cron) is the command line's business, not the library's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from mineral_briefs.errors import DataError


class _PlainReporter:
    """One line per finished brief (for cron and CI logs)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        from mineral_briefs.render import describe_error

        if event == "plan":
            if info["todo"]:
                print(f"rendering {info['todo']} of {info['total']} briefs", file=self.stream)
        elif event == "done" and info["status"] not in ("skipped", "reused"):
            line = f"{info['name']:<28} {info['status']:<7} {info['seconds']:6.1f} s"
            if info.get("error"):
                line += f"  {describe_error(info['error'])}"
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class _RichReporter:
    """Live progress on a terminal: done / running / failed, with times."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(file=stream)
        self.progress = Progress(
            TextColumn("[bold]render[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.task: Any = None
        self.workers = 1
        self.todo = 0
        self.failed = 0
        self.done = 0

    def _status(self) -> str:
        failed = f" · [red]{self.failed} failed[/]" if self.failed else ""
        running = min(self.workers, self.todo - self.done - self.failed)
        return f"{self.done} done · {running} running{failed}"

    def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        from rich.markup import escape

        from mineral_briefs.render import describe_error

        if event == "plan":
            if info["todo"]:
                self.workers, self.todo = int(info.get("workers", 1)), int(info["todo"])
                self.progress.start()
                self.task = self.progress.add_task("render", total=self.todo, status="")
                self.progress.update(self.task, status=self._status())
        elif (
            event == "done"
            and info["status"] not in ("skipped", "reused")
            and self.task is not None
        ):
            if info["status"] == "ok":
                self.done += 1
                mark = "[green]✓[/]"
            else:
                self.failed += 1
                mark = "[red]✗[/]"
            line = f"{mark} {escape(info['name'])} [dim]{info['seconds']:.1f} s[/]"
            if info.get("error"):
                line += f"  [red]{escape(describe_error(info['error']))}[/]"
            self.progress.console.print(line)
            self.progress.update(self.task, advance=1, status=self._status())

    def close(self) -> None:
        if self.task is not None:
            self.progress.stop()


def _lone_local_brief(args: argparse.Namespace) -> bool:
    """Whether ``render`` was asked for exactly one brief on the local executor (one scenario,
    one language, not ``--all``): the case whose worker starts before the plan
    (:func:`mineral_briefs.render.early.start_early`)."""
    return (
        args.executor == "local"
        and not args.all
        and len(args.scenarios or []) == 1
        and args.language in ("en", "de")
        and not args.pdf
    )


def _plan_and_render(args: argparse.Namespace, idle: Any) -> Any:
    """Plan the briefs ``args`` name and render them; the run report."""
    from mineral_briefs.render import DEFAULT_TIMEOUT_S, plan_briefs, render

    if args.executor == "dask":
        from mineral_briefs.extras import require

        require("distributed", "--executor dask")
    jobs = plan_briefs(
        list(args.scenarios or []),
        all_scenarios=bool(args.all),
        language=args.language,
        as_of=getattr(args, "as_of", None),
        overrides=getattr(args, "overrides", None),
    )
    reporter: _PlainReporter | _RichReporter
    reporter = _RichReporter(sys.stderr) if sys.stderr.isatty() else _PlainReporter(sys.stderr)
    try:
        return render(
            jobs,
            args.out,
            workers=args.jobs,
            force=bool(args.force),
            timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT_S,
            executor=args.executor,
            scheduler=args.scheduler,
            worker_timeout=float(getattr(args, "worker_timeout", 60.0)),
            pdf=bool(args.pdf),
            keep=args.keep,
            lock_timeout=float(getattr(args, "lock_timeout", 0.0) or 0.0),
            reporter=reporter,
            idle=idle,
        )
    finally:
        reporter.close()


def _check_arguments(args: argparse.Namespace) -> None:
    """Options that contradict each other or cannot work: refused before the early kernel
    starts and before any scenario is planned (UsageError, exit 2)."""
    from mineral_briefs.render.checks import check_run_options
    from mineral_briefs.render.retention import check_out_template

    check_out_template(args.out)
    check_run_options(
        keep=args.keep,
        dated="{date}" in str(args.out),
        executor=args.executor,
        scheduler=args.scheduler,
    )


def cmd_render(args: argparse.Namespace) -> int:
    """``mineral-briefs render``: plan, render, print the run report; exit 0 / 1 / 130 / 143."""
    from mineral_briefs.render import describe_error
    from mineral_briefs.render.pool import IdleSampler

    _check_arguments(args)
    t0 = time.perf_counter()
    # NOTE (issue 16): marked before the plan (about 0.2 s), so the check for a spare core
    # measures that span instead of sampling 50 ms on the cold brief's path
    idle = IdleSampler().mark()
    early = _lone_local_brief(args)
    if early:
        from mineral_briefs.locations import notebook
        from mineral_briefs.render.early import start_early

        start_early(str(notebook("brief.ipynb").resolve().parent))
    try:
        report = _plan_and_render(args, idle)
    finally:
        if early:
            from mineral_briefs.render.early import stop_early

            # NOTE: nothing to render (up to date) or an error before the run: the early
            # worker and its kernel are stopped; a run that took the pool stopped it itself.
            stop_early()
    report.seconds = time.perf_counter() - t0
    for r in report.failed:
        if r.status == "failed":
            print(f"FAILED {r.name}: {describe_error(r.error)}", file=sys.stderr)
    if report.failed:
        print(
            f"executed notebooks of failed briefs: {Path(report.out) / '_failed'}", file=sys.stderr
        )
    print(report.summary())
    return report.exit_code


def cmd_data_import(args: argparse.Namespace) -> int:
    """``mineral-briefs data import PATH``: read, validate and store a new IEA/USGS release.

    The data checksums enter every brief's cache key, so the next ``render`` re-renders exactly
    the briefs whose inputs changed.
    """
    path = Path(args.path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    from mineral_briefs.data import readers
    from mineral_briefs.render import data_checksums
    from mineral_briefs.workspace import writable_data_dir

    # NOTE: never the installed package's data: the workspace's data/ (filled from the built-in
    # tables on first use), $MINERAL_BRIEFS_DATA or --data-dir.
    data_dir = writable_data_dir(args.data_dir)
    before = data_checksums(data_dir)
    if args.kind == "observed":
        from mineral_briefs.data.readers.observed import import_observed

        result = import_observed(path, data_dir=data_dir)
    else:
        # kind None: the reader decides by extension (.xlsx → iea, .csv → usgs)
        result = readers.import_release(
            path,
            kind=args.kind,
            data_dir=data_dir,
            source_id=getattr(args, "source_id", None),
            force=bool(getattr(args, "force", False)),
        )
    after = data_checksums(data_dir)
    changed = sorted(name for name in after if before.get(name) != after[name])
    if result is not None:
        print(result.summary() if hasattr(result, "summary") else str(result))
    if changed:
        print(
            f"updated {', '.join(changed)}; the next `mineral-briefs render` re-renders the "
            "briefs that use them"
        )
    else:
        print("no data file changed; briefs stay up to date")
    return 0
