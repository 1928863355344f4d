"""A scenario checked against the data without simulating it: the engine's input checks.

Schema validation (:mod:`mineral_briefs.scenarios`) cannot know which markets have base data,
or how much a country produces; the engine finds that out when it builds a run's static
inputs (:func:`mineral_briefs.engine.build._build`, a few milliseconds). :func:`check_scenario`
runs that step alone, so ``validate``, ``simulate`` and ``render`` refuse such a scenario up
front (exit 2, before any kernel starts) with the same messages, each naming the file that set
the key — not a file name guessed from the scenario's id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mineral_briefs.engine.base import ScenarioInputError

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.scenarios import Scenario

_KEY_PATH = re.compile(r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*")

Overrides = str | Mapping[str, Any] | Sequence[str] | None


def input_problems(scenario: Scenario, dataset: Dataset) -> list[str]:
    """The engine's objections to ``scenario`` on ``dataset``, one ``key.path: …`` line each.

    Builds the run's static inputs and discards them; nothing is simulated.
    """
    from mineral_briefs.engine.build import _build

    try:
        _build(scenario, dataset)
    except ScenarioInputError as exc:
        return exc.problems
    return []


def check_scenario(
    ref: str | Path | Scenario,
    *,
    overrides: Overrides = None,
    dataset: Dataset | None = None,
    skip_data: bool = False,
) -> Scenario:
    """Load and validate scenario ``ref`` (with ``overrides``), then check it against the data.

    Parameters
    ----------
    ref
        Built-in id, path to a scenario file, or a :class:`Scenario`.
    overrides
        Lever overrides (:func:`mineral_briefs.scenarios.patch.parse_overrides`).
    dataset
        Default: :func:`mineral_briefs.data.load_dataset` (the workspace's data in a workspace).
    skip_data
        Validate the scenario only (:func:`mineral_briefs.scenarios.load_scenario`), without
        the checks against the data.

    Raises
    ------
    ScenarioError
        One line per problem: the file (or ``overrides``) that set the key, the key path, what
        is wrong and what is allowed.
    DataError
        When the data themselves cannot be read.
    """
    from mineral_briefs.scenarios import load_scenario
    from mineral_briefs.scenarios.patch import apply_overrides

    scenario = apply_overrides(ref, overrides) if overrides else load_scenario(ref)
    if skip_data:
        return scenario
    if dataset is None:
        from mineral_briefs.data import load_dataset

        dataset = load_dataset()
    problems = input_problems(scenario, dataset)
    if problems:
        raise_input_problems(problems, ref, overrides)
    return scenario


def raise_input_problems(
    problems: Sequence[str], ref: str | Path | Scenario, overrides: Overrides = None
) -> NoReturn:
    """Raise the engine's ``key.path: …`` problems as a :class:`ScenarioError`, each line
    naming the file (or ``overrides``) that set the key, for scenario ``ref``.

    ``simulate`` calls it when the run itself raises :class:`ScenarioInputError`: a separate
    check before the run built the static inputs twice and cost a cached run 0.3–0.5 s.
    """
    from mineral_briefs.scenarios.errors import origin, raise_problems
    from mineral_briefs.scenarios.patch import key_parts, origin_chain

    chain = origin_chain(ref, overrides)
    lines = []
    for problem in problems:
        match = _KEY_PATH.match(problem)
        loc = key_parts(match.group(0)) if match else ()
        lines.append(f"{origin(loc, chain)}: {problem}")
    raise_problems(lines)
