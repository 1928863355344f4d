"""Lever overrides: change single keys of a scenario without writing a new YAML file.

An analyst sets ``export_controls[0].share_withheld: 0.8`` in the notebook (papermill parameter
``overrides``) or on the command line (``mineral-briefs render … --set``). Each override is a key
path and a YAML value; several are separated by newlines or ``;``. The scenario is loaded as
usual (``extends`` resolved), the values are written at their key paths, and the result is
validated exactly like a scenario file: a bad value is reported as
``overrides: export_controls[0].share_withheld: must be between 0 and 1, got 1.8``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios.errors import raise_problems, validation_problems
from mineral_briefs.scenarios.files import _NoAliasLoader, parse_yaml, read_text, resolve_ref
from mineral_briefs.scenarios.load import _chain, merge_chain
from mineral_briefs.scenarios.scenario import Scenario
from mineral_briefs.scenarios.sources import source_problems

LABEL = "overrides"
"""How override problems are labelled in error messages (in place of a file name)."""
FIXED_KEYS = frozenset({"id", "extends"})
"""Top-level keys an override may not change (the brief's identity and its parent)."""

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH_RE = re.compile(rf"{_NAME}(?:\[\d+\])*(?:\.{_NAME}(?:\[\d+\])*)*")
_PART_RE = re.compile(rf"({_NAME})|\[(\d+)\]")
_LINE_RE = re.compile(rf"\s*({_PATH_RE.pattern})\s*[:=]\s*(.*?)\s*$", re.DOTALL)

Path_ = tuple[str | int, ...]


def key_parts(path: str) -> Path_:
    """``export_controls[0].share_withheld`` as ``("export_controls", 0, "share_withheld")``.

    Raises
    ------
    ScenarioError
        If ``path`` is not a key path (names joined by ``.``, list positions as ``[n]``).
    """
    if not _PATH_RE.fullmatch(path):
        raise ScenarioError(
            f"{LABEL}: {path!r} is not a key path; allowed: names joined by '.', list positions "
            "as [n], e.g. export_controls[0].share_withheld"
        )
    return tuple(name if name else int(index) for name, index in _PART_RE.findall(path))


def _value(text: str, path: str) -> Any:
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise ScenarioError(
            f"{LABEL}: {path}: the value {text!r} is not valid YAML: {exc}"
        ) from None


def parse_overrides(spec: str | Mapping[str, Any] | Sequence[str] | None) -> list[tuple[str, Any]]:
    """Override pairs ``(key path, value)`` from text, a mapping or a list of ``path: value``.

    Text holds one ``path: value`` (or ``path=value``) per line or between ``;``; values are
    YAML (``0.8``, ``[CHN]``, ``2026-01-01``, ``"text"``). Empty text means no override.

    Raises
    ------
    ScenarioError
        Naming the piece that is not ``path: value``, or the value that is not YAML.
    """
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        pairs = [(str(k), v) for k, v in spec.items()]
        for path, _ in pairs:
            key_parts(path)
        return pairs
    pieces = re.split(r"[\n;]", spec) if isinstance(spec, str) else [str(s) for s in spec]
    out: list[tuple[str, Any]] = []
    for piece in pieces:
        if not piece.strip() or piece.strip().startswith("#"):
            continue
        m = _LINE_RE.fullmatch(piece)
        if not m:
            raise ScenarioError(
                f"{LABEL}: {piece.strip()[:60]!r} is not 'key.path: value'; e.g. "
                "export_controls[0].share_withheld: 0.8 (several: one per line or ';'-separated)"
            )
        path, raw = m.group(1), m.group(2)
        if not raw:
            raise ScenarioError(f"{LABEL}: {path}: no value given")
        out.append((path, _value(raw, path)))
    return out


def _describe(parts: Sequence[str | int]) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else ("." if text else "") + p
    return text


def set_path(data: dict[str, Any], parts: Path_, value: Any) -> None:
    """Write ``value`` at key path ``parts`` in ``data`` (in place).

    A missing mapping key is created (the schema then says whether it is allowed); a list
    position must exist.

    Raises
    ------
    ScenarioError
        If a list position is out of range or the path runs through a scalar.
    """
    if isinstance(parts[0], str) and parts[0] in FIXED_KEYS:
        raise ScenarioError(f"{LABEL}: {parts[0]}: cannot be overridden; allowed: any other key")
    cur: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = _describe(parts[: i + 1])
        if isinstance(part, int):
            if not isinstance(cur, list):
                raise ScenarioError(f"{LABEL}: {here}: {_describe(parts[:i])} is not a list")
            if not 0 <= part < len(cur):
                raise ScenarioError(
                    f"{LABEL}: {here}: no such entry; allowed: positions 0 to {len(cur) - 1}"
                    if cur
                    else f"{LABEL}: {here}: no such entry; {_describe(parts[:i])} is empty"
                )
        elif not isinstance(cur, dict):
            raise ScenarioError(f"{LABEL}: {here}: {_describe(parts[:i])} is not a mapping")
        if last:
            cur[part] = value
            return
        if isinstance(part, str) and part not in cur:
            cur[part] = [] if isinstance(parts[i + 1], int) else {}
        cur = cur[part]


def _tree(pairs: Sequence[tuple[str, Any]]) -> dict[Any, Any]:
    """The overridden key paths as a nested mapping (list positions as int keys), so error
    messages name ``overrides`` as the origin of a problem at one of these paths."""
    tree: dict[Any, Any] = {}
    for path, value in pairs:
        cur = tree
        parts = key_parts(path)
        for part in parts[:-1]:
            cur = cur.setdefault(part, {})
        cur[parts[-1]] = value
    return tree


def apply_overrides(
    ref: str | Path | Scenario,
    overrides: str | Mapping[str, Any] | Sequence[str] | None,
    *,
    check_sources: bool = True,
) -> Scenario:
    """Load scenario ``ref`` and apply ``overrides`` (see :func:`parse_overrides`).

    The scenario is first validated as it is (its own problems name its file); the overridden
    result is validated like a scenario file, problems labelled ``overrides``.

    Raises
    ------
    ScenarioError
        One line per problem: ``overrides: key.path: what is allowed``.
    """
    from mineral_briefs.scenarios.load import load_scenario

    base = load_scenario(ref, check_sources=check_sources)
    pairs = parse_overrides(overrides)
    if not pairs:
        return base
    if isinstance(ref, Scenario):
        merged: dict[str, Any] = base.model_dump(mode="json", exclude_none=False)
        chain: list[tuple[str, dict[str, Any]]] = [(str(base.id), merged)]
    else:
        path = resolve_ref(ref)
        raw = parse_yaml(read_text(path), str(path))
        links = _chain(raw, path, str(path))
        merged, _ = merge_chain(links)  # its id problems were raised by load_scenario
        chain = [(label, data) for label, data, _ in links]
    for path_text, value in pairs:
        set_path(merged, key_parts(path_text), value)
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as exc:
        raise_problems(validation_problems(exc, [(LABEL, _tree(pairs)), *chain], Scenario))
        raise  # pragma: no cover - raise_problems always raises
    if check_sources:
        problems = source_problems(scenario, LABEL)
        if problems:
            raise_problems(problems)
    return scenario


def origin_chain(
    ref: str | Path | Scenario,
    overrides: str | Mapping[str, Any] | Sequence[str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Where each key of a scenario can come from, first match wins: ``(label, raw mapping)``
    of the overrides (labelled ``overrides``), the file, then every file it extends.

    What :func:`mineral_briefs.scenarios.errors.origin` takes to name, for a problem found
    after validation, the file that set the key.
    """
    pairs = parse_overrides(overrides)
    first = [(LABEL, _tree(pairs))] if pairs else []
    if isinstance(ref, Scenario):
        return [*first, (str(ref.id), ref.model_dump(mode="json"))]
    path = resolve_ref(ref)
    raw = parse_yaml(read_text(path), str(path))
    return [*first, *((label, data) for label, data, _ in _chain(raw, path, str(path)))]


def describe_overrides(pairs: Sequence[tuple[str, Any]]) -> str:
    """``path = value; …`` for the brief's parameters table (values as YAML scalars)."""

    def scalar(value: Any) -> str:
        text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
        return text.removesuffix("...").strip()

    return "; ".join(f"{p} = {scalar(v)}" for p, v in pairs)
