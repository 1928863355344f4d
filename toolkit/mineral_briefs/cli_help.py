"""``--help`` of every command: the formatter, the examples and the exit-code tables.

Kept apart from :mod:`mineral_briefs.cli` so the parser stays readable. Every (sub)command is made
with :func:`command`, which gives it a description, an epilog with examples and its exit codes,
and :class:`HelpFormatter` (epilog kept as written, each option's default shown).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from typing import Any, Final

INTERRUPTED: Final = ("130/143", "interrupted by SIGINT / SIGTERM")


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Description and epilog as written; ``(default: …)`` after each option's help.

    The default is left out where it says nothing (``None``, ``False``, an empty list) or the help
    text already explains it (``default: cores``).
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default:" in text
            or default in (None, False, argparse.SUPPRESS)
            or default == []
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def epilog(examples: Sequence[str], codes: Sequence[tuple[str, str]]) -> str:
    """The ``examples:`` and ``exit codes:`` blocks of a command's help."""
    lines = ["examples:", *(f"  {e}" for e in examples), "", "exit codes:"]
    width = max(len(c) for c, _ in codes)
    for code, what in codes:
        lines += textwrap.wrap(
            what,
            width=88,
            initial_indent=f"  {code:<{width}}  ",
            subsequent_indent=" " * (width + 4),
        )
    return "\n".join(lines)


EPILOGS: Final[dict[str, str]] = {
    "mineral-briefs": epilog(
        [
            "mineral-briefs list",
            "mineral-briefs validate my-scenario.yaml",
            "mineral-briefs render --all --out 'reports/{date}' --keep 8",
            "mineral-briefs COMMAND --help      # options, examples and exit codes of a command",
        ],
        [
            ("0", "success"),
            ("1", "the work failed (e.g. a brief did not render; the message says why)"),
            ("2", "bad arguments, or an invalid scenario or data file (nothing changed)"),
            INTERRUPTED,
        ],
    ),
    "init": epilog(
        ["mineral-briefs init ws && cd ws && mineral-briefs render --all"],
        [
            ("0", "workspace created (or already one: nothing overwritten)"),
            ("2", "the folder is not empty and not a workspace (use --force), or cannot be made"),
        ],
    ),
    "preview": epilog(
        [
            "mineral-briefs preview controls_oct2025",
            "mineral-briefs preview my-scenario.yaml --language de --port 0",
        ],
        [
            ("0", "stopped with Ctrl-C (no kernel left behind)"),
            ("2", "bad arguments, an unknown scenario or a missing [preview] extra"),
        ],
    ),
    "codelist": epilog(
        ["mineral-briefs codelist iamc && nomenclature validate-project iamc"],
        [("0", "codelist written"), ("2", "DIR is a file")],
    ),
    "list": epilog(
        ["mineral-briefs list"],
        [("0", "listed"), ("2", "bad arguments or an invalid scenario folder")],
    ),
    "validate": epilog(
        [
            "mineral-briefs validate scenarios/*.yaml",
            "mineral-briefs validate baseline my-scenario.yaml",
        ],
        [
            ("0", "every file is valid (one OK line each)"),
            ("2", "a file is invalid: one line per problem (file, key path, what is allowed)"),
        ],
    ),
    "simulate": epilog(
        [
            "mineral-briefs simulate baseline --out baseline.csv",
            "mineral-briefs simulate my-scenario.yaml --out results.xlsx --draws 100 --seed 7",
            "mineral-briefs simulate baseline --out annual.csv --annual",
        ],
        [
            ("0", "results written"),
            ("1", "the run or the write failed"),
            ("2", "bad arguments, invalid scenario or data"),
        ],
    ),
    "backtest": epilog(
        ["mineral-briefs backtest", "mineral-briefs backtest bt02_gallium_2023 --out scores.md"],
        [
            ("0", "scores reported (a poor score is not an error)"),
            ("1", "a replay failed"),
            ("2", "bad arguments, unknown episode, invalid data"),
        ],
    ),
    "render": epilog(
        [
            "mineral-briefs render --all",
            "mineral-briefs render baseline alliance_floor --language de",
            "mineral-briefs render my-scenario.yaml --out /srv/briefs",
            "mineral-briefs render --all --out '/srv/briefs/{date}' --keep 8   # cron",
            "mineral-briefs render --all --executor dask --scheduler tcp://10.0.0.10:8786",
        ],
        [
            ("0", "every brief rendered or unchanged"),
            (
                "1",
                "a brief failed (the others are written), or the run could not start: output "
                "folder locked or not writable, Dask scheduler unreachable, Dask workers missing "
                "or different from this client",
            ),
            ("2", "bad arguments (no scenario and no --all), invalid scenario or data"),
            INTERRUPTED,
        ],
    ),
    "schema": epilog(
        [
            "mineral-briefs schema > scenario.schema.json",
            "mineral-briefs schema --out scenarios/scenario.schema.json",
            "# then, as the first line of a scenario file:",
            "# yaml-language-server: $schema=./scenario.schema.json",
        ],
        [("0", "schema written"), ("1", "the file could not be written")],
    ),
    "data": epilog(
        ["mineral-briefs data import ~/Downloads/IEA-CMD-2026.xlsx"],
        [("0", "done"), ("1", "failed"), ("2", "bad arguments or invalid data")],
    ),
    "data import": epilog(
        [
            "mineral-briefs data import ~/Downloads/IEA-CMD-2026.xlsx",
            "mineral-briefs data import MCS2027_World_Data.csv --kind usgs --data-dir data",
            "mineral-briefs data import lme_cobalt_monthly.csv --kind observed",
        ],
        [
            ("0", "imported, or nothing changed (the same release again changes no byte)"),
            (
                "2",
                "missing, unreadable or invalid release, or a result that would not validate "
                "(nothing written)",
            ),
        ],
    ),
    "events": epilog(
        ["mineral-briefs events set-status wto-ree-ruling-2014 happened --source WTO_DS431_2014"],
        [("0", "done"), ("2", "bad arguments or invalid data")],
    ),
    "events set-status": epilog(
        ["mineral-briefs events set-status EVENT_ID happened --source SOURCE_ID"],
        [
            ("0", "status recorded, policy_events.csv rewritten and validated"),
            ("2", "unknown event, status or source id (files left as they were)"),
        ],
    ),
}


def command(sub: Any, name: str, help_text: str, *, epilog_key: str | None = None) -> Any:
    """Add subcommand ``name`` with its description, examples, exit codes and formatter."""
    return sub.add_parser(
        name,
        help=help_text,
        description=help_text[:1].upper() + help_text[1:] + ".",
        epilog=EPILOGS[epilog_key or name],
        formatter_class=HelpFormatter,
    )
