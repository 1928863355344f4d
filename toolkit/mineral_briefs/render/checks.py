"""Checks before any kernel starts: output folder writable, data valid, parameters declared."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mineral_briefs.errors import RenderError
from mineral_briefs.render.keys import default_data_dir
from mineral_briefs.render.layout import TMP_MARK
from mineral_briefs.render.plan import BriefJob


def _check_writable(out: Path) -> None:
    from mineral_briefs.render.safefs import check_output_folder

    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TMP_MARK, dir=out)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise RenderError(f"output folder {out} is not writable: {exc.strerror or exc}") from exc
    check_output_folder(out)


def _check_data(data_dir: Path | None) -> None:
    """Validate every data table before any kernel starts.

    A broken or hand-edited table raises :class:`~mineral_briefs.errors.DataError` naming the file,
    row and column (exit 2), so no brief is rendered from it and the previous briefs stay.
    Only called when there is something to render: a run with nothing changed stays light.
    """
    from mineral_briefs.data import load_dataset

    load_dataset(Path(data_dir) if data_dir else default_data_dir())


def _check_parameters(jobs: Sequence[BriefJob]) -> dict[Path, set[str]]:
    """Reject parameter names the notebook does not declare (papermill only warns).

    Returns the parameter names each notebook declares.
    """
    import papermill as pm

    declared: dict[Path, set[str]] = {}
    for job in jobs:
        if job.notebook not in declared:
            declared[job.notebook] = set(pm.inspect_notebook(str(job.notebook)).keys())
        unknown = sorted(set(job.parameters) - declared[job.notebook])
        if unknown:
            raise RenderError(
                f"{job.notebook.name} has no parameter(s) {', '.join(unknown)}; "
                f"it declares: {', '.join(sorted(declared[job.notebook])) or 'none'}"
            )
    return declared
