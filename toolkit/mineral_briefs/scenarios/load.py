"""Loading scenarios: resolve ``extends``, merge, validate, and list the built-ins and backtests.

A scenario is one YAML file in ``scenarios/`` (file stem == scenario id) or anywhere on disk.
Every problem found is reported at once as a :class:`mineral_briefs.errors.ScenarioError` whose
message holds one line per problem (wording: :mod:`mineral_briefs.scenarios.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mineral_briefs.errors import ScenarioError
from mineral_briefs.locations import scenario_dirs
from mineral_briefs.scenarios.base import ID_RE
from mineral_briefs.scenarios.errors import raise_problems, suggest, validation_problems
from mineral_briefs.scenarios.files import (
    BAD_PATH_CHARS,
    backtests_dir,
    find_by_id,
    known_ids,
    looks_like_path,
    parse_yaml,
    read_text,
    resolve_ref,
    scenario_paths,
)
from mineral_briefs.scenarios.scenario import Scenario
from mineral_briefs.scenarios.sources import source_problems


@dataclass(frozen=True)
class ScenarioInfo:
    """One row of :func:`list_scenarios`."""

    id: str
    title: str
    path: Path
    extends: str | None


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into ``base``: mappings merge, everything else (lists too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _parent_path(ext: Any, child: Path | None, source: str) -> Path:
    """Resolve an ``extends`` value: a built-in id, or a .yaml path inside the child's folder."""
    if not isinstance(ext, str):
        raise ScenarioError(f"{source}: extends: must be a scenario id or a relative .yaml path")
    if not looks_like_path(ext):
        if not ID_RE.fullmatch(ext):
            raise ScenarioError(
                f"{source}: extends: invalid scenario id {ext!r}; allowed: a built-in id "
                "(a–z, 0–9, _) or a relative .yaml path"
            )
        found = find_by_id(ext, scenario_dirs())
        if found is None:
            known = known_ids(scenario_dirs())
            raise ScenarioError(
                f"{source}: extends: unknown scenario {ext!r}{suggest(ext, known)}; "
                f"known ids: {', '.join(known)}"
            )
        return found
    rel = Path(ext)
    if child is None:
        raise ScenarioError(
            f"{source}: extends: a path ({ext}) needs a file to be relative to; use a built-in id"
        )
    folder = child.resolve().parent
    target = (folder / rel).resolve()
    if rel.is_absolute() or not target.is_relative_to(folder) or BAD_PATH_CHARS.search(ext):
        raise ScenarioError(
            f"{source}: extends: {ext!r} refused; allowed: a built-in id or a .yaml path inside "
            "the folder of this file"
        )
    if not target.is_file():
        raise ScenarioError(f"{source}: extends: file not found: {ext}")
    return target


def _chain(
    raw: dict[str, Any], path: Path | None, source: str
) -> list[tuple[str, dict[str, Any], Path | None]]:
    """The extends chain, child first, as (source label, raw dict, path)."""
    chain: list[tuple[str, dict[str, Any], Path | None]] = [(source, raw, path)]
    seen = {path.resolve()} if path is not None else set()
    while "extends" in chain[-1][1] and chain[-1][1]["extends"] is not None:
        label, data, at = chain[-1]
        parent = _parent_path(data["extends"], at, label)
        key = parent.resolve()
        if key in seen:
            names = " -> ".join([c[0] for c in chain] + [str(parent)])
            raise ScenarioError(f"{label}: extends: loop detected: {names}")
        if len(chain) > 20:
            raise ScenarioError(f"{label}: extends: chain longer than 20 files")
        seen.add(key)
        chain.append((str(parent), parse_yaml(read_text(parent), str(parent)), parent))
    return chain


def merge_chain(
    chain: Sequence[tuple[str, dict[str, Any], Path | None]],
) -> tuple[dict[str, Any], list[str]]:
    """The chain's files merged (parents first), and the problems of the child's own ``id``.

    A file that extends another never takes the parent's id: without an ``id`` of its own it
    gets its file stem, and an ``id`` equal to the parent's is refused.
    """
    merged: dict[str, Any] = {}
    for _, data, _ in reversed(chain):
        merged = _merge(merged, data)
    merged["extends"] = chain[0][1].get("extends")
    if len(chain) < 2:
        return merged, []
    label, own, path = chain[0]
    parent_id = next((d["id"] for _, d, _ in chain[1:] if "id" in d), None)
    parent = chain[1][0]
    # NOTE: the house rule is file stem == scenario id. Inheriting the parent's id made a
    # child render over the parent's brief (baseline-en.html) under the parent's id, so a
    # child without an id takes its file stem, and a child that repeats the parent's id is
    # refused; YAML text with no file (parse_scenario) must state its id.
    if "id" in own:
        if own["id"] == parent_id:
            return merged, [
                f"{label}: id: {parent_id!r} is the id of the scenario it extends ({parent}); "
                "allowed: an id of its own (a–z, 0–9, _; the file stem for files in scenarios/)"
            ]
        return merged, []
    stem = path.stem if path is not None else None
    if stem is not None and ID_RE.fullmatch(stem) and stem != parent_id:
        merged["id"] = stem
        return merged, []
    why = (
        "YAML text without a file"
        if stem is None
        else f"its file stem {stem!r} is not an id of its own"
    )
    return merged, [
        f"{label}: id: required key is missing: a file that extends another needs an id of its "
        f"own ({why}); allowed: 1–64 characters a–z, 0–9, _ other than the parent's "
        f"{parent_id!r}"
    ]


def _build(
    chain: Sequence[tuple[str, dict[str, Any], Path | None]], *, check_sources: bool
) -> Scenario:
    """Merge the chain (parents first), validate, and check the id and source ids."""
    merged, id_problems = merge_chain(chain)
    if id_problems:
        raise_problems(id_problems)
    labelled = [(label, data) for label, data, _ in chain]
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise_problems(validation_problems(exc, labelled, Scenario))
        raise  # pragma: no cover - raise_problems always raises
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{chain[0][0]}: scenario nested too deeply") from None
    problems: list[str] = []
    path = chain[0][2]
    home = {d.resolve() for d in scenario_dirs()} | {backtests_dir().resolve()}
    if path is not None and path.resolve().parent in home:
        if scenario.id != path.stem:
            problems.append(
                f"{chain[0][0]}: id: {scenario.id!r} must equal the file stem {path.stem!r} "
                "for files in scenarios/"
            )
    if check_sources:
        problems += source_problems(scenario, chain[0][0])
    if problems:
        raise_problems(problems)
    return scenario


def parse_scenario(text: str, *, source: str = "<string>", check_sources: bool = True) -> Scenario:
    """Parse and validate scenario YAML ``text``.

    ``extends`` may name a built-in id only (there is no file to be relative to).

    Parameters
    ----------
    text
        YAML text [UTF-8, at most 1 MB].
    source
        Label used in error messages (a file name).
    check_sources
        Check source ids against ``data/sources.csv`` when it exists.

    Raises
    ------
    ScenarioError
        One line per problem.
    """
    if not isinstance(text, str):
        raise ScenarioError(f"{source}: expected YAML text, got {type(text).__name__}")
    raw = parse_yaml(text, source)
    return _build(_chain(raw, None, source), check_sources=check_sources)


def load_scenario(
    ref: str | Path | Scenario, *, base_dir: Path | None = None, check_sources: bool = True
) -> Scenario:
    """Load, resolve (``extends``) and validate a scenario.

    Parameters
    ----------
    ref
        A built-in id (file stem in ``base_dir`` or :func:`scenarios_dir`) or a path to a
        ``.yaml``/``.yml`` file. A :class:`Scenario` is returned as it is.
    base_dir
        Folder in which ids are looked up (default: :func:`scenarios_dir`).
    check_sources
        Check source ids against ``data/sources.csv`` when it exists.

    Raises
    ------
    ScenarioError
        Missing/unreadable/too large file, YAML error, invalid content: one line per problem.
    """
    if isinstance(ref, Scenario):  # convenience: already loaded
        return ref
    path = resolve_ref(ref, base_dir=base_dir)
    source = str(path)
    raw = parse_yaml(read_text(path), source)
    return _build(_chain(raw, path, source), check_sources=check_sources)


def scenario_files(ref: str | Path | Scenario, *, base_dir: Path | None = None) -> list[Path]:
    """The scenario file and every file it extends (child first) — for render cache keys.

    A :class:`Scenario` is looked up by its id among the built-ins.
    """
    if isinstance(ref, Scenario):
        ref = ref.id
    path = resolve_ref(ref, base_dir=base_dir)
    raw = parse_yaml(read_text(path), str(path))
    return [p.resolve() for _, _, p in _chain(raw, path, str(path)) if p is not None]


def list_scenarios(folder: Path | None = None) -> list[ScenarioInfo]:
    """Built-in scenarios (``scenarios/*.yaml`` and ``*.yml``, not backtests), sorted by id.

    Files are read but not fully validated (``mineral-briefs validate`` does that); a file that
    cannot be parsed is listed with its problem as title.
    """
    folders = [folder] if folder is not None else scenario_dirs()
    # NOTE: a workspace scenario shadows a built-in of the same id (first folder wins).
    paths: dict[str, Path] = {}
    for f in reversed(folders):
        paths.update(scenario_paths(f))
    infos: list[ScenarioInfo] = []
    for _, path in sorted(paths.items()):
        try:
            raw = parse_yaml(read_text(path), str(path))
            title = raw.get("title", "")
            if isinstance(title, dict):
                title = title.get("en", "")
            ext = raw.get("extends")
            infos.append(
                ScenarioInfo(
                    str(raw.get("id", path.stem)),
                    str(title),
                    path,
                    None if ext is None else str(ext),
                )
            )
        except ScenarioError as exc:
            infos.append(ScenarioInfo(path.stem, f"(invalid: {exc})", path, None))
    return infos


def list_backtests() -> list[ScenarioInfo]:
    """Backtest scenarios in ``scenarios/backtests/``, sorted by id."""
    return list_scenarios(backtests_dir())


def load_backtest(episode_id: str, *, check_sources: bool = True) -> Scenario:
    """Load a backtest scenario by id (e.g. ``bt02_gallium_2023``)."""
    if not isinstance(episode_id, str) or not ID_RE.fullmatch(episode_id):
        raise ScenarioError(
            f"{episode_id!r}: not a backtest id; allowed: 1–64 characters a–z, 0–9, _"
        )
    return load_scenario(episode_id, base_dir=backtests_dir(), check_sources=check_sources)
