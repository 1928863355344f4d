"""The Dask executor: fan briefs out to a ``distributed`` cluster; only the client writes files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from mineral_briefs.errors import RenderError
from mineral_briefs.render.worker import RenderOutcome, RenderTask, render_one


def _dask_render(task: RenderTask) -> RenderOutcome:
    """Dask task: render one brief in the worker (kernel reused per worker thread)."""
    return render_one(task)


def run_dask(tasks: Sequence[RenderTask], scheduler: str) -> Iterator[RenderOutcome]:
    """Fan tasks out to a dask.distributed cluster; results come back as bytes.

    Workers need the toolkit (same version) and its data installed; the client writes the files.
    """
    from distributed import Client, as_completed

    if not scheduler:
        raise RenderError("--executor dask needs --scheduler tcp://HOST:PORT")
    try:
        client = Client(scheduler, timeout="20s")
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    try:
        futures = client.map(
            _dask_render,
            list(tasks),
            key=[f"render-{t.name}-{t.rendered_at}" for t in tasks],
            pure=False,
            retries=0,
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died, lost, …
                yield RenderOutcome(
                    name=task.name,
                    status="failed",
                    error={
                        "kind": "worker_died",
                        "cell": None,
                        "ename": type(exc).__name__,
                        "evalue": str(exc)[:500],
                    },
                )
    finally:
        client.close()
