"""``mineral-briefs sweep``: arguments, the run, the IAMC file and the sweep brief.

Registered by :func:`add_parser` (called from :mod:`mineral_briefs.cli`); docs/sweeps.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from mineral_briefs.errors import ScenarioError

EXAMPLES = (
    "mineral-briefs sweep ndpr_withhold_60 "
    "--vary 'export_controls[0].share_withheld=0:1:0.05' "
    "--vary 'export_controls[0].licensing_delay_days=0,45,90' "
    "--target 'cumulative_shortfall_pct<=5'",
    "mineral-briefs sweep ndpr_withhold_60 --vary 'price_floors[0].floor.value=80:160:10' "
    "--executor dask --scheduler tcp://10.0.0.10:8786",
)
EXIT_CODES = (
    ("0", "done: IAMC file, meta and sweep brief written"),
    ("1", "a point or the sweep brief failed, or the Dask cluster is unreachable or mismatched"),
    ("2", "bad arguments, key path, grid value, scenario or data (nothing runs)"),
    ("130", "interrupted: finished points are kept; the same command resumes"),
)


def add_parser(sub: Any, ranged: Any) -> None:
    """Add the ``sweep`` sub-command (``ranged`` is the CLI's range-checked argparse type)."""
    from mineral_briefs.cli_help import HelpFormatter, epilog

    text = "run a grid of lever values, write one IAMC file and a sweep brief"
    p = sub.add_parser(
        "sweep",
        help=text,
        description=text[:1].upper() + text[1:] + " (docs/sweeps.md).",
        epilog=epilog(EXAMPLES, EXIT_CODES),
        formatter_class=HelpFormatter,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="built-in id or path to a YAML file")
    p.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="KEY.PATH=VALUES",
        help="a lever and its values: start:stop:step or a,b,c (repeat for more axes)",
    )
    p.add_argument(
        "--out", default=None, help="output folder (default: reports/sweeps/<scenario>-<grid id>)"
    )
    p.add_argument(
        "--draws",
        type=ranged(int, 0, 100_000, "a whole number of draws"),
        default=None,
        help="Monte Carlo draws per point (default: the scenario's)",
    )
    p.add_argument(
        "--seed",
        type=ranged(int, 0, 2**63 - 1, "a whole-number seed"),
        default=None,
        help="random seed (default: the scenario's)",
    )
    p.add_argument("--target", default=None, help="e.g. 'cumulative_shortfall_pct<=5'")
    p.add_argument(
        "--threshold",
        default=None,
        help="condition put into words over the grid (default: the target, else "
        "'cumulative_shortfall_pct>10')",
    )
    p.add_argument("--market", default=None, help="MINERAL/STAGE (default: the brief's focal)")
    p.add_argument("--executor", choices=("local", "dask"), default="local", help="default: local")
    p.add_argument(
        "--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (with dask)"
    )
    p.add_argument(
        "--workers",
        type=ranged(int, 1, 1024, "a whole number of workers"),
        default=None,
        help="local processes (default: CPU count)",
    )
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default: csv")
    p.add_argument("--language", default="en,de", help="sweep brief languages (default: en,de)")
    p.add_argument("--no-brief", action="store_true", help="write the IAMC file only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep (docs/sweeps.md)."""
    from mineral_briefs.brief.sweep_text import parse_condition
    from mineral_briefs.data import load_dataset
    from mineral_briefs.executor_options import check_executor
    from mineral_briefs.outpath import writable_folder
    from mineral_briefs.scenarios import load_scenario
    from mineral_briefs.scenarios.sweep import grid, grid_digest, parse_vary
    from mineral_briefs.sweep import output
    from mineral_briefs.sweep.run import execute, minerals_of, plan

    check_executor(args.executor, args.scheduler)
    languages = _languages(args.language)  # before any work (exit 2 naming the allowed ones)
    if args.out:
        writable_folder(args.out)
    base = load_scenario(args.scenario)
    axes = [parse_vary(v) for v in args.vary]
    points = grid(base, axes)
    allowed = [*output.SWEEP_KPIS, "cost_usd"]
    target = parse_condition(args.target, allowed) if args.target else None
    default_threshold = str(target) if target else "cumulative_shortfall_pct>10"
    threshold = parse_condition(args.threshold or default_threshold, allowed, "--threshold")
    ds = load_dataset()
    draws = int(base.uncertainty.draws if args.draws is None else args.draws)
    seed = int(base.uncertainty.seed if args.seed is None else args.seed)
    market = _market(args.market, base, ds)
    folder = Path(args.out) if args.out else _default_out(base.id, grid_digest(base, axes))
    if not args.out:
        writable_folder(folder)
    tasks = plan(points, dict(ds.checksums), draws=draws, seed=seed, minerals=minerals_of(points))
    t0 = time.perf_counter()
    with _progress(len(tasks), disabled=args.no_progress) as tick:
        results, reused = execute(
            tasks,
            folder / "points",
            workers=args.workers,
            scheduler=(args.scheduler or "") if args.executor == "dask" else "",
            progress=tick,
        )
    seconds = time.perf_counter() - t0
    run = {"draws": draws, "seed": seed, "resolution": "annual", "time_zone": "UTC"}
    meta = output.meta_table(results, base.id, axes, market, run)
    spec = {
        "base": base.id,
        "title": {lang: base.text("title", lang) for lang in ("en", "de")},
        "axes": [{"path": a.path, "values": list(a.values)} for a in axes],
        "market": list(market),
        "target": str(target) if target else "",
        "threshold": str(threshold),
        "draws": draws,
        "seed": seed,
        "format": args.format,
        "points": len(results),
    }
    path = output.write(folder, output.data_table(results), meta, spec, fmt=args.format)
    computed = len(results) - reused
    rate = computed / seconds if seconds > 0 and computed else float("nan")
    print(
        f"{len(results)} points ({reused} reused, {computed} computed in {seconds:.1f} s, "
        f"{rate:.2f} points/s) -> {path}"
    )
    if not args.no_brief:
        from mineral_briefs.sweep.brief import render_sweep_brief

        for lang in languages:
            print(f"sweep brief -> {render_sweep_brief(folder, lang)}")
    return 0


def _languages(text: str) -> list[str]:
    """``--language en,de``: each one a brief language (UsageError naming the allowed ones)."""
    from mineral_briefs import i18n
    from mineral_briefs.errors import UsageError

    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [lang for lang in langs if lang not in i18n.LANGUAGES]
    if bad or not langs:
        raise UsageError(
            f"--language {text!r}: {', '.join(map(repr, bad)) or 'no language'} is not a brief "
            f"language; allowed: a comma-separated list of {', '.join(i18n.LANGUAGES)}"
        )
    return langs


def _market(text: str | None, base: Any, ds: Any) -> tuple[str, str]:
    """``--market MINERAL/STAGE`` checked against the run, else the brief's focal market."""
    from mineral_briefs.brief_runs.plan import focal
    from mineral_briefs.engine.cache import cached_run

    central = cached_run(base, ds, central_only=True)
    have = sorted(set(zip(central.kpis["mineral"], central.kpis["stage"], strict=True)))
    if not text:
        return focal(base, central)
    mineral, _, stage = text.partition("/")
    if (mineral, stage) not in have:
        allowed = ", ".join(f"{m}/{s}" for m, s in have)
        raise ScenarioError(f"--market {text!r}: not a simulated market; allowed: {allowed}")
    return mineral, stage


def _default_out(base_id: str, digest: str) -> Path:
    from mineral_briefs.locations import workspace

    return (workspace() or Path.cwd()) / "reports" / "sweeps" / f"{base_id}-{digest}"


class _progress:
    """A rich progress bar with ETA on stderr (a no-op when disabled)."""

    def __init__(self, total: int, *, disabled: bool) -> None:
        self.total, self.disabled = total, disabled
        self.bar: Any = None

    def __enter__(self) -> Any:
        if self.disabled:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self.bar.start()
        task = self.bar.add_task("sweep", total=self.total)

        def tick(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
