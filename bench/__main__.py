"""Run the registered benchmarks and update ``bench/results.md`` (one section per benchmark).

Usage: ``python -m bench [NAME ...]`` — default: every registered benchmark. Sections of
benchmarks that were not run are kept as they are.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from bench import MODULES, REGISTRY

RESULTS = Path(__file__).with_name("results.md")
HEADER = (
    "# Benchmark results\n\n"
    "Written by `python -m bench` (`make bench`); one section per benchmark.\n"
)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.M)
    out: dict[str, str] = {}
    for part in parts[1:]:
        name, _, body = part.partition("\n")
        out[name.strip()] = body.strip("\n")
    return out


def main(argv: list[str]) -> int:
    for mod in MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    names = argv or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        sys.stderr.write(
            f"unknown benchmark(s): {', '.join(unknown)}; allowed: {', '.join(REGISTRY)}\n"
        )
        return 2
    sections = _sections(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for name in names:
        sys.stderr.write(f"running benchmark {name} …\n")
        sections[name] = REGISTRY[name]().strip("\n")
        body = HEADER + "".join(f"\n## {n}\n\n{b}\n" for n, b in sections.items())
        RESULTS.write_text(body, encoding="utf-8")
        sys.stdout.write(f"## {name}\n\n{sections[name]}\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
