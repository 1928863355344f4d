"""Benchmarks of mineral-briefs: ``python -m bench`` (``make bench``) runs every registered one.

Each benchmark module registers a function that runs the benchmark and returns the Markdown
body of its section in ``bench/results.md`` (machine, date, command and figures). Modules:
``bench.mc`` (Monte Carlo engine), ``bench.render`` (brief rendering, when present),
``bench.preview`` (one cold brief and the live preview against ``simulate``),
``bench.sweep`` (lever sweeps: points per second, local pool and Dask).
"""

from __future__ import annotations

from collections.abc import Callable

Benchmark = Callable[[], str]

REGISTRY: dict[str, Benchmark] = {}
"""Benchmark name -> function returning the Markdown body of its results section."""

MODULES: tuple[str, ...] = ("bench.mc", "bench.render", "bench.preview", "bench.sweep")
"""Modules imported by ``python -m bench`` (missing ones are skipped)."""


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    """Decorator: register ``func`` as benchmark ``name``."""

    def deco(func: Benchmark) -> Benchmark:
        REGISTRY[name] = func
        return func

    return deco
