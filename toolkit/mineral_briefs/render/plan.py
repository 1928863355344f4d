"""Plan a run: validate the scenarios and turn (scenario × language) into :class:`BriefJob` s."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mineral_briefs.errors import RenderError, ScenarioError
from mineral_briefs.locations import notebook as find_notebook
from mineral_briefs.render.layout import BRIEF_NOTEBOOK, COMPARE_NOTEBOOK

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")


@dataclass(frozen=True)
class BriefJob:
    """One brief to render.

    Attributes
    ----------
    name
        Output stem (``baseline-en``); the brief is written to ``<out>/<name>.html``.
    notebook
        The parameterized notebook.
    parameters
        Papermill parameters (plain JSON values, passed as data, never as code).
    inputs
        ``(label, file)`` pairs whose content enters the cache key; labels carry no absolute path
        (``notebook:brief.ipynb``, ``scenario:baseline.yaml``).
    kind, scenario, language
        ``brief`` or ``compare``; the scenario id (or ``all``); ``en``/``de``.
    from_plan
        Built by :func:`plan_briefs` from a scenario file it loaded: the render checks that
        scenario against the data before any kernel starts. A hand-built job (a test notebook
        with parameters of its own) is left to its notebook.
    """

    name: str
    notebook: Path
    parameters: Mapping[str, Any]
    inputs: tuple[tuple[str, Path], ...] = ()
    kind: str = "brief"
    scenario: str = ""
    language: str = "en"
    from_plan: bool = False

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise RenderError(f"brief name {self.name!r} is not a plain file stem")


def _languages(language: str | Sequence[str]) -> list[str]:
    from mineral_briefs.vocab import LANGUAGES

    if isinstance(language, str):
        langs = list(LANGUAGES) if language == "all" else [language]
    else:
        langs = list(language)
    bad = [lang for lang in langs if lang not in LANGUAGES]
    if bad:
        raise RenderError(f"unknown language {bad[0]!r}; allowed: {', '.join(LANGUAGES)}, all")
    return langs


def plan_briefs(
    scenarios: Sequence[str] = (),
    *,
    all_scenarios: bool = False,
    language: str | Sequence[str] = "all",
    notebook: Path | None = None,
    compare_notebook: Path | None = None,
    include_compare: bool | None = None,
    as_of: str | None = None,
    overrides: Sequence[str] | str | None = None,
) -> list[BriefJob]:
    """Validate the scenarios and list the briefs to render.

    Parameters
    ----------
    scenarios
        Built-in ids or paths to scenario YAML files.
    all_scenarios
        Every built-in scenario (``mineral_briefs.scenarios.list_scenarios``) plus the comparison
        brief.
    language
        ``en``, ``de``, ``all`` or a sequence of languages.
    notebook, compare_notebook
        Notebooks to run (default ``notebooks/brief.ipynb`` and ``notebooks/compare.ipynb``).
    include_compare
        Render the comparison brief (default: with ``all_scenarios`` only).
    as_of
        Date the briefs speak from, ``YYYY-MM-DD`` (default: today). It is a notebook
        parameter, so it enters each brief's cache key.
    overrides
        Lever overrides applied to every scenario (``key.path=value`` or ``key.path: value``,
        one per item; see :mod:`mineral_briefs.scenarios.patch`), passed to the notebook's
        ``overrides`` parameter; validated here, before any kernel starts.

    Raises
    ------
    ScenarioError
        If any scenario is invalid — raised before any kernel starts, naming file and key.
    RenderError
        If a notebook is missing, or no scenario was given.
    """
    langs = _languages(language)
    as_of_text = _as_of_text(as_of)
    refs = _scenario_refs(scenarios, all_scenarios)
    nb = Path(notebook) if notebook else find_notebook(BRIEF_NOTEBOOK)
    if not nb.is_file():
        raise RenderError(f"notebook {nb} not found")
    patch = "\n".join([overrides] if isinstance(overrides, str) else list(overrides or ()))
    jobs, ids, all_files = _scenario_jobs(refs, langs, nb, as_of_text, patch.strip())
    if include_compare is None:
        include_compare = all_scenarios
    if include_compare:
        cnb = Path(compare_notebook) if compare_notebook else find_notebook(COMPARE_NOTEBOOK)
        if not cnb.is_file():
            raise RenderError(f"comparison notebook {cnb} not found")
        which = "all" if all_scenarios else ",".join(ids)
        jobs.extend(_compare_jobs(which, langs, cnb, all_files))
    return jobs


def _scenario_refs(scenarios: Sequence[str], all_scenarios: bool) -> list[str]:
    """The scenario references to plan: the built-ins first with ``--all``, then the others."""
    from mineral_briefs import scenarios as sc

    refs: list[str] = list(scenarios)
    if all_scenarios:
        builtin = [info.id for info in sc.list_scenarios()]
        refs = builtin + [r for r in refs if r not in builtin]
    if not refs:
        raise RenderError("no scenario given: name scenario ids or paths, or use --all")
    return refs


def _as_of_text(as_of: str | None) -> str:
    """The as-of date as ISO text: today when not given; a bad date is a :class:`RenderError`."""
    from mineral_briefs.asof import parse_as_of

    try:
        return parse_as_of(as_of).isoformat()
    except ValueError as err:
        raise RenderError(f"as_of {as_of!r}: {err}") from None


def _scenario_jobs(
    refs: Sequence[str], langs: Sequence[str], nb: Path, as_of: str, overrides: str = ""
) -> tuple[list[BriefJob], list[str], list[tuple[str, Path]]]:
    """Load every scenario (a bad one raises here) and make one job per scenario and language.

    Returns the jobs, the scenario ids in order (a scenario named twice counts once) and every
    scenario file as a ``(label, path)`` input.
    """
    from mineral_briefs import scenarios as sc
    from mineral_briefs.naming import brief_stem
    from mineral_briefs.scenarios.patch import apply_overrides, describe_overrides, parse_overrides

    jobs: list[BriefJob] = []
    all_files: list[tuple[str, Path]] = []
    seen: dict[str, Path] = {}
    for ref in refs:
        # ScenarioError propagates (a bad override too): exit 2, nothing touched
        scenario = apply_overrides(ref, overrides) if overrides else sc.load_scenario(ref)
        files = sc.scenario_files(ref)
        sid = str(scenario.id)
        own = files[0].resolve()
        if sid in seen:
            if seen[sid] == own:  # the same file named twice (by id and by path): once
                continue
            # NOTE: both would write <id>-<lang>.html; silently keeping one hides the other.
            raise ScenarioError(
                f"{own}: id: {sid!r} is also the id of {seen[sid]}; allowed: one scenario "
                "file per id in a run (give one of them another id)"
            )
        seen[sid] = own
        # NOTE: a path is passed to the kernel as an absolute path (its cwd is the notebook
        # folder); the manifest records only file names.
        param_ref = ref if sc.is_valid_id(str(ref)) else str(Path(ref).resolve())
        scen_inputs = tuple((f"scenario:{p.name}", p) for p in files)
        all_files.extend(scen_inputs)
        # NOTE: an overridden brief gets its own stem (see mineral_briefs.naming), the same
        # one the notebook gives its CSV downloads.
        described = describe_overrides(parse_overrides(overrides)) if overrides else ""
        for lang in langs:
            jobs.append(
                BriefJob(
                    name=brief_stem(sid, lang, described),
                    notebook=nb,
                    parameters={
                        "scenario": param_ref,
                        "language": lang,
                        "as_of": as_of,
                        # NOTE: only when set, so notebooks without the parameter still render
                        **({"overrides": overrides} if overrides else {}),
                    },
                    inputs=((f"notebook:{nb.name}", nb), *scen_inputs),
                    kind="brief",
                    scenario=sid,
                    language=lang,
                    from_plan=True,
                )
            )
    return jobs, list(seen), all_files


def _compare_jobs(
    which: str, langs: Sequence[str], cnb: Path, all_files: Sequence[tuple[str, Path]]
) -> list[BriefJob]:
    """One comparison brief per language over ``which`` (``all`` or comma-joined scenario ids)."""
    uniq = tuple(dict.fromkeys(all_files))
    return [
        BriefJob(
            name=f"compare-{lang}",
            notebook=cnb,
            parameters={"scenarios": which, "language": lang},
            inputs=((f"notebook:{cnb.name}", cnb), *uniq),
            kind="compare",
            scenario="all",
            language=lang,
        )
        for lang in langs
    ]
