"""Render the sweep brief: papermill runs ``notebooks/sweep.ipynb``, then the HTML export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mineral_briefs.errors import RenderError


def render_sweep_brief(folder: Path, language: str, *, timeout: int = 600) -> Path:
    """Execute the sweep notebook on ``folder`` and write ``sweep-<language>.html`` beside it.

    Raises
    ------
    RenderError
        The notebook failed (the cell's error) or the export broke the notebook contract.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from mineral_briefs.export import export_html
    from mineral_briefs.locations import notebook
    from mineral_briefs.render.atomic import atomic_write
    from mineral_briefs.render.kernel import KERNEL_NAME

    folder = Path(folder).resolve()
    try:
        executed = pm.execute_notebook(
            str(notebook("sweep.ipynb")),
            None,
            parameters={"sweep_dir": str(folder), "language": language},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            execution_timeout=timeout,
            cwd=str(folder),
        )
    except PapermillExecutionError as exc:
        raise RenderError(f"sweep brief ({language}): {exc.ename}: {exc.evalue}") from None
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    page, _ = export_html(executed, rendered_at=when, name=f"sweep-{language}")
    out = folder / f"sweep-{language}.html"
    atomic_write(out, page)
    return out
