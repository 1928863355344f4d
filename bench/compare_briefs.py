"""Compare two folders of rendered briefs, ignoring what legitimately differs between runs.

Used to prove that a refactor changed no brief: render the built-in briefs before and after,
then ``python bench/compare_briefs.py BEFORE AFTER``. Timestamps (the header's render time, the
manifest's times and durations) and the toolkit source hash are masked; everything else — every
number, sentence, chart spec and CSV row — must be byte-identical. Exit 0 when identical, 1 with
a unified diff excerpt per differing file otherwise.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

MASKS = (
    # header "Rendered 1 December 2026, 14:37 UTC" / "Erstellt 1. Dezember 2026, 14:37 UTC"
    (
        re.compile(
            r"\d{1,2}\.?[\s\u00a0\u202f][A-ZÄÖÜ][a-zäöü]+[\s\u00a0\u202f]\d{4}, \d{2}:\d{2} UTC"
        ),
        "<rendered-at>",
    ),
    # papermill gives its injected-parameters cell a fresh id on every run
    (re.compile(r'(celltag_injected-parameters" id="cell-id=)[0-9a-f]+'), r"\1<id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"), "<ts>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<ts>"),
    (re.compile(r'"(seconds|execute|export|cells|duration_s|elapsed_s)": [0-9.]+'), r'"\1": <s>'),
    (re.compile(r'"(key|toolkit_source|source_hash)": "[0-9a-f]{16,64}"'), r'"\1": "<hash>"'),
)
SKIP = {"render.log"}


def normalise(text: str) -> str:
    """The file's text with run-specific values masked."""
    for pattern, repl in MASKS:
        text = pattern.sub(repl, text)
    return text


def compare(before: Path, after: Path) -> list[str]:
    """Names of files that differ (or exist on one side only), with a diff excerpt each."""
    problems = []
    names = sorted(
        {p.name for p in before.iterdir() if p.is_file()}
        | {p.name for p in after.iterdir() if p.is_file()}
    )
    for name in names:
        if name in SKIP:
            continue
        a, b = before / name, after / name
        if not (a.is_file() and b.is_file()):
            problems.append(f"{name}: only in {'before' if a.is_file() else 'after'}")
            continue
        ta = normalise(a.read_text(encoding="utf-8", errors="replace"))
        tb = normalise(b.read_text(encoding="utf-8", errors="replace"))
        if ta != tb:
            diff = difflib.unified_diff(
                ta.splitlines(), tb.splitlines(), "before/" + name, "after/" + name, n=1
            )
            problems.append(name + ":\n" + "\n".join(list(diff)[:12]))
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python bench/compare_briefs.py BEFORE_DIR AFTER_DIR", file=sys.stderr)
        return 2
    problems = compare(Path(args[0]), Path(args[1]))
    for p in problems:
        print(p)
    print(f"{len(problems)} differing file(s)" if problems else "identical apart from timestamps")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
