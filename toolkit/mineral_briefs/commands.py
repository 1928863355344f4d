"""Handlers of the scenario commands of the CLI: list, validate, simulate, backtest.

Each handler takes the parsed ``argparse.Namespace`` and returns an exit code. Typed errors
(:class:`mineral_briefs.errors.ScenarioError`, :class:`mineral_briefs.errors.DataError`) propagate
to
``mineral_briefs.cli.main``, which prints them without a traceback and exits 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from mineral_briefs.errors import ScenarioError

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _write(line: str) -> None:
    # NOTE: titles come from files; never let them send terminal escape sequences.
    sys.stdout.write(_UNPRINTABLE.sub("?", line) + "\n")


def cmd_list(args: argparse.Namespace) -> int:
    """Print the built-in scenarios as a table: id, title, extends."""
    from mineral_briefs.scenarios import list_scenarios

    infos = list_scenarios()
    if not infos:
        _write("no built-in scenarios found")
        return 0
    rows = [("id", "title", "extends")] + [(i.id, i.title, i.extends or "—") for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(2)]
    for n, (sid, title, ext) in enumerate(rows):
        _write(f"{sid:<{widths[0]}}  {title:<{widths[1]}}  {ext}")
        if n == 0:
            _write(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 7}")
    return 0


def _dataset_for_checks() -> tuple[Any, str]:
    """The dataset ``validate`` checks scenarios against, or (None, why) when the data cannot
    be read."""
    from mineral_briefs.data import load_dataset
    from mineral_briefs.errors import DataError

    try:
        return load_dataset(), ""
    except DataError as exc:
        return None, str(exc).splitlines()[0]


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every FILE (path or built-in id) and check it against the data
    (:func:`mineral_briefs.engine.check_scenario`); OK line per good file, else ScenarioError.

    All files are checked; problems of every bad file are raised together (exit 2 via the CLI),
    one problem per line.
    """
    from mineral_briefs.engine.check import check_scenario

    # NOTE: a broken or missing data folder is the data's problem, reported as such by
    # simulate and render (exit 2); validate still checks the scenario files themselves and,
    # when they pass, says that the checks against the data were skipped.
    dataset, why_not = _dataset_for_checks()
    problems: list[str] = []
    for ref in args.files:
        try:
            # NOTE: the full check: the schema, then the engine's checks against the data (the
            # workspace's data in a workspace) — what simulate and render would refuse.
            scenario = check_scenario(ref, dataset=dataset, skip_data=dataset is None)
        except ScenarioError as exc:
            text = str(exc)
            lines = text.splitlines()
            # A multi-problem error starts with an "N problems:" header line.
            if len(lines) > 1 and lines[0].endswith("problems:"):
                lines = lines[1:]
            problems.extend(lines)
            continue
        _write(f"OK {ref}: {scenario.id} — {scenario.text('title', 'en')}")
    if problems:
        if len(problems) == 1:
            raise ScenarioError(problems[0])
        raise ScenarioError(f"{len(problems)} problems:\n" + "\n".join(problems))
    if dataset is None:
        sys.stderr.write(_UNPRINTABLE.sub("?", f"warning: not checked against the data: {why_not}"))
        sys.stderr.write("\n")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run one scenario (built-in id or YAML path) and write its results table.

    ``--out`` decides the format by extension: ``.csv``/``.parquet`` (IAMC long table, its
    pyam ``meta`` table beside it as ``<stem>-meta.<ext>``) or ``.xlsx`` (sheets ``data`` and
    ``meta``, then bands, KPIs, sensitivity, what-ifs). ``--annual``: calendar years instead
    of months (docs/architecture.md, IAMC outputs).
    """
    from mineral_briefs.engine.base import ScenarioInputError
    from mineral_briefs.engine.cache import cached_run as run
    from mineral_briefs.engine.check import check_scenario, raise_input_problems
    from mineral_briefs.engine.results import meta_path
    from mineral_briefs.outpath import writable_file

    out = writable_file(args.out, suffixes=(".csv", ".parquet", ".xlsx"))
    if out.suffix.lower() == ".parquet":
        from mineral_briefs.extras import require

        require("pyarrow", f"--out {args.out}")  # before the run, not after it
    scenario = check_scenario(args.scenario, skip_data=True)
    if out.suffix.lower() in (".csv", ".parquet"):
        writable_file(meta_path(out))  # the meta table beside it
    try:
        results = run(scenario, draws=args.draws, seed=args.seed)
    except ScenarioInputError as exc:  # raised as the run builds its inputs, before any work
        raise_input_problems(exc.problems, args.scenario)  # naming the file, not the id
    annual = bool(getattr(args, "annual", False))
    path = results.write(out, annual=annual)
    k = results.kpis
    peak = k.loc[k["kpi"] == "peak_price_multiple_outside"].sort_values("value").tail(1)
    n_rows = len(results.to_iamc(annual=annual))
    _write(
        f"wrote {path} ({n_rows} {'annual' if annual else 'monthly'} rows, "
        f"{results.timeseries['variable'].nunique()} variables) for {scenario.id}"
    )
    if len(peak):
        r = peak.iloc[0]
        _write(
            f"largest outside price multiple: {r['value']:.2f}x ({r['mineral']}/{r['stage']}, "
            f"P10–P90 {r['p10']:.2f}–{r['p90']:.2f})"
        )
    return 0


def cmd_codelist(args: argparse.Namespace) -> int:
    """Copy the shipped nomenclature codelist into DIR (``definitions/variable``,
    ``definitions/region``, ``nomenclature.yaml``) for ``nomenclature``'s own tools.

    The files are the package's own (:func:`mineral_briefs.iamc.definitions_dir`); existing
    files of the same name are replaced, nothing else in DIR is touched.
    """
    from mineral_briefs.errors import MineralBriefsError
    from mineral_briefs.iamc import definitions_dir
    from mineral_briefs.outpath import writable_folder

    src_root = definitions_dir().parent
    out = writable_folder(args.dir, option="codelist DIR")
    files = sorted(p for p in src_root.rglob("*.yaml") if p.is_file())
    for src in files:
        dest = out / src.relative_to(src_root)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
        except OSError as exc:  # e.g. DIR/definitions is a file
            raise MineralBriefsError(
                f"codelist DIR {out}: cannot write {dest}: {exc.strerror or exc}"
            ) from None
    _write(f"wrote {len(files)} codelist files to {out} (validate against {out / 'definitions'})")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    """Replay the backtest episodes, print the in-sample score table and the
    leave-one-episode-out comparison; exit 0 (scores are reported)."""
    from mineral_briefs.backtest import REPORT_COLUMNS, report_lines
    from mineral_briefs.backtest_loo import in_sample, leave_one_out, loo_lines
    from mineral_briefs.outpath import writable_file

    # NOTE: the path is checked before the replay (which prints the whole table first)
    out = writable_file(args.out, suffixes=(".csv", ".md")) if args.out else None
    scores = in_sample(args.episodes or None)
    for line in report_lines(scores):
        _write(line)
    _write("")
    for line in loo_lines(scores, leave_one_out(args.episodes or None)):
        _write(line)
    if out is not None:
        if out.suffix.lower() == ".md":
            cols = REPORT_COLUMNS
            lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for r in scores[cols].itertuples(index=False):
                lines.append(
                    "| "
                    + " | ".join(
                        ("—" if v != v else f"{v:.3g}") if isinstance(v, float) else str(v)
                        for v in r
                    )
                    + " |"
                )
            text = "\n".join(lines) + "\n"
        else:
            text = scores.to_csv(index=False)
        _write_output(out, text)
        _write(f"wrote {out}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the scenario JSON Schema to ``--out`` (or stdout)."""
    from mineral_briefs.outpath import writable_file
    from mineral_briefs.scenarios.json_schema import schema_text

    out = writable_file(args.out) if args.out else None
    text = schema_text()
    if out is None:
        sys.stdout.write(text)
        return 0
    _write_output(out, text)
    _write(
        f"wrote {out} (scenario JSON Schema; first line of a scenario file: "
        f"# yaml-language-server: $schema=./{out.name})"
    )
    return 0


def _write_output(out: Path, text: str) -> None:
    """Write ``text`` to a checked output file atomically (nothing half-written, no temp file
    left); an error that only shows while writing (disk full) is a failed run (exit 1)."""
    from mineral_briefs.errors import MineralBriefsError
    from mineral_briefs.render.atomic import atomic_write

    try:
        atomic_write(out, text)
    except OSError as exc:
        raise MineralBriefsError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
