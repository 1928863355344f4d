"""Checks before any kernel starts: output folder writable, data valid, parameters declared."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from mineral_briefs.errors import RenderError, UsageError
from mineral_briefs.render.keys import KeyContext, default_data_dir
from mineral_briefs.render.pdf import find_chromium
from mineral_briefs.render.plan import BriefJob


def _check_writable(out: Path) -> None:
    """Make ``out`` and check it can be written (OutputPathError, exit 2) and that no fixed
    name in it is a symlink, folder or device (RenderError)."""
    from mineral_briefs.outpath import writable_folder
    from mineral_briefs.render.safefs import check_output_folder

    writable_folder(out, create=True)
    check_output_folder(out)


def _check_data(data_dir: Path | None, ctx: KeyContext | None = None) -> None:
    """Validate every data table before any kernel starts.

    A broken or hand-edited table raises :class:`~mineral_briefs.errors.DataError` naming the file,
    row and column (exit 2), so no brief is rendered from it and the previous briefs stay.
    Only called when there is something to render: a run with nothing changed stays light.

    With ``ctx`` (the run's key context: data checksums, toolkit source, package versions), a
    folder already validated with the same content by the same code is not read again: a stamp
    in the user cache records it. Each kernel still validates the tables when it loads them.
    """
    folder = Path(data_dir) if data_dir else default_data_dir()
    stamp = _data_ok_stamp(folder, ctx) if ctx is not None else None
    if stamp is not None and stamp.is_file():
        return
    # NOTE: imported only past the stamp: the data layer imports pandas (about 0.7 s on a
    # quiet machine), which a stamped run never needs in the parent (issue 16).
    from mineral_briefs.data import load_dataset

    load_dataset(folder)
    if stamp is not None:
        # NOTE: best effort: a read-only cache only costs the next run this check again.
        with contextlib.suppress(OSError):
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(folder.as_posix() + "\n", encoding="utf-8")


def _check_scenarios(
    jobs: Sequence[BriefJob], data_dir: Path | None, ctx: KeyContext | None = None
) -> None:
    """Check every brief's scenario against the data before any kernel starts.

    The engine's input checks (:func:`mineral_briefs.engine.check_scenario`: a lever on a
    market without base data, an outage larger than the country's output …) used to fail in
    the kernel, a failed brief and exit 1; they now raise
    :class:`~mineral_briefs.errors.ScenarioError` here (exit 2, nothing rendered), naming the
    file or ``overrides`` that set the key. With ``ctx``, a scenario checked before with the
    same content, data and code is not checked again (a stamp, as for the data).
    """
    from mineral_briefs.errors import ScenarioError
    from mineral_briefs.scenarios import load_scenario
    from mineral_briefs.scenarios.errors import raise_problems
    from mineral_briefs.scenarios.patch import apply_overrides

    folder = Path(data_dir) if data_dir else default_data_dir()
    todo: dict[Path, tuple[str, str]] = {}
    for job in jobs:
        ref, over = job.parameters.get("scenario"), str(job.parameters.get("overrides") or "")
        # NOTE: the plan's brief jobs come from scenario files it loaded; a hand-built job (a
        # test notebook with parameters of its own) is left to its notebook.
        if job.kind != "brief" or not job.from_plan or not isinstance(ref, str):
            continue
        scenario = apply_overrides(ref, over) if over else load_scenario(ref)
        stamp = _scenario_ok_stamp(folder, ctx, scenario.canonical_json()) if ctx else None
        if stamp is None or not stamp.is_file():
            todo[stamp or Path(f"{ref}\n{over}")] = (ref, over)
    if not todo:
        return
    # NOTE: imported past the stamps: a stamped run never needs pandas in the parent (issue 16).
    from mineral_briefs.data import load_dataset
    from mineral_briefs.engine.check import check_scenario

    dataset = load_dataset(folder)
    problems: list[str] = []
    for stamp, (ref, over) in todo.items():
        try:
            check_scenario(ref, overrides=over or None, dataset=dataset)
        except ScenarioError as exc:
            lines = str(exc).splitlines()
            problems += lines[1:] if len(lines) > 1 and lines[0].endswith("problems:") else lines
            continue
        if ctx is not None:
            with contextlib.suppress(OSError):
                stamp.parent.mkdir(parents=True, exist_ok=True)
                stamp.write_text(ref + "\n", encoding="utf-8")
    if problems:
        raise_problems(list(dict.fromkeys(problems)))


def _scenario_ok_stamp(folder: Path, ctx: KeyContext, scenario_json: str) -> Path:
    """Where the "this scenario passed the engine's checks on this data" stamp lives."""
    import hashlib

    digest = hashlib.sha256(scenario_json.encode("utf-8")).hexdigest()
    data = _data_ok_stamp(folder, ctx)
    return data.parent.parent / "validated-scenarios" / f"{data.stem}-{digest[:32]}.ok"


def _data_ok_stamp(folder: Path, ctx: KeyContext) -> Path:
    """Where the "this data validated" stamp of ``folder``'s content under ``ctx`` lives."""
    import hashlib
    import json

    from mineral_briefs.locations import cache_dir

    what = {
        "folder": str(folder.resolve()),
        "data": dict(ctx.data),
        "toolkit": [ctx.toolkit_version, ctx.toolkit_source],
        "packages": dict(ctx.packages),
    }
    digest = hashlib.sha256(json.dumps(what, sort_keys=True).encode("utf-8")).hexdigest()
    return cache_dir() / "validated-data" / f"{digest[:32]}.ok"


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in ``notebook``'s cell tagged ``parameters`` (what papermill can set).

    Read from the notebook JSON and parsed with :mod:`ast`: importing papermill in the parent
    only for this cost about 2 s (its executor imports nbformat's validator and jsonschema).

    Raises
    ------
    RenderError
        When the notebook cannot be read or its parameters cell is not valid Python.
    """
    import ast
    import json

    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RenderError(f"{notebook}: cannot be read as a notebook: {exc}") from exc
    names: set[str] = set()
    for cell in nb.get("cells", []):
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        try:
            tree = ast.parse(src)
        except SyntaxError as exc:
            raise RenderError(
                f"{notebook.name}: the parameters cell is not valid Python: {exc.msg} "
                f"(line {exc.lineno})"
            ) from exc
        for node in tree.body:
            targets = (
                node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            )
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        break  # papermill uses the first tagged cell
    return names


def _check_parameters(jobs: Sequence[BriefJob]) -> dict[Path, set[str]]:
    """Reject parameter names the notebook does not declare (papermill only warns).

    Returns the parameter names each notebook declares.
    """
    declared: dict[Path, set[str]] = {}
    for job in jobs:
        if job.notebook not in declared:
            declared[job.notebook] = declared_parameters(job.notebook)
        unknown = sorted(set(job.parameters) - declared[job.notebook])
        if unknown:
            raise RenderError(
                f"{job.notebook.name} has no parameter(s) {', '.join(unknown)}; "
                f"it declares: {', '.join(sorted(declared[job.notebook])) or 'none'}"
            )
    return declared


def _check_options(
    out_dir: Path, *, dated: bool, keep: int | None, executor: str, scheduler: str | None, pdf: bool
) -> str | None:
    """Reject contradictory options and find Chromium before any work; return its path (or None).

    Also makes ``out_dir`` and checks it is writable.
    """
    check_run_options(keep=keep, dated=dated, executor=executor, scheduler=scheduler)
    chromium = find_chromium() if pdf else None  # fail before any work
    _check_writable(out_dir)
    return chromium


def check_run_options(
    *, keep: int | None, dated: bool, executor: str, scheduler: str | None
) -> None:
    """Refuse options that contradict each other (:class:`UsageError`, exit 2); the CLI calls
    it before any work, :func:`render` again for library callers."""
    from mineral_briefs.executor_options import check_executor

    if keep is not None and not dated:
        raise UsageError("--keep applies to dated runs only: use --out 'DIR/{date}'")
    check_executor(executor, scheduler)
