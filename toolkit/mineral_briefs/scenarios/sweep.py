"""Sweep grids: ``--vary "key.path=spec"`` parsed, set on a scenario and validated per point.

A key path names one field of a scenario as in a scenario file, with list items by index:
``export_controls[0].share_withheld``, ``price_floors[1].level.value``. A spec is either
``start:stop:step`` (inclusive of ``stop`` when it falls on the grid) or a comma list
``0,45,90``. Every grid point's scenario is validated by the normal pydantic model, so a value
out of range is reported with its key path and what is allowed, like a scenario file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mineral_briefs.errors import ScenarioError
from mineral_briefs.scenarios.errors import raise_problems, validation_problems
from mineral_briefs.scenarios.scenario import Scenario

MAX_POINTS = 100_000
"""Largest grid a sweep accepts (a typo such as step 0.00001 fails fast)."""


@dataclass(frozen=True)
class Axis:
    """One varied lever: its key path and its values (in grid order)."""

    path: str
    values: tuple[float | int | str, ...]

    @property
    def label(self) -> str:
        """Short label: the last field name of the path (``share_withheld``)."""
        return self.path.rsplit(".", 1)[-1].split("[", 1)[0]


def parse_vary(text: str) -> Axis:
    """Parse ``"key.path=spec"`` into an :class:`Axis` (see the module docstring).

    Raises
    ------
    ScenarioError
        Naming the ``--vary`` argument and what is allowed.
    """
    if "=" not in text:
        raise ScenarioError(
            f"--vary {text!r}: expected KEY.PATH=VALUES, e.g. "
            "'export_controls[0].share_withheld=0:1:0.05' or '...licensing_delay_days=0,45,90'"
        )
    path, spec = (s.strip() for s in text.split("=", 1))
    split_path(path)  # syntax check
    return Axis(path=path, values=parse_values(spec, path))


def parse_values(spec: str, path: str) -> tuple[float | int | str, ...]:
    """Values of a spec: ``start:stop:step`` or a comma list (numbers, else text)."""
    if ":" in spec:
        parts = spec.split(":")
        try:
            start, stop, step = (float(p) for p in parts)
        except ValueError:
            raise ScenarioError(
                f"--vary {path}={spec}: a range is start:stop:step with three numbers"
            ) from None
        if not (step > 0 and stop >= start and all(map(math.isfinite, (start, stop, step)))):
            raise ScenarioError(f"--vary {path}={spec}: a range needs step > 0 and stop >= start")
        n = int(math.floor((stop - start) / step + 1e-9)) + 1
        if n > MAX_POINTS:
            raise ScenarioError(f"--vary {path}={spec}: {n} values, at most {MAX_POINTS}")
        # NOTE: values rounded to 10 decimals so 0.1 + 2 × 0.05 prints and keys as 0.2.
        vals = [round(start + i * step, 10) for i in range(n)]
        ints = all(float(v).is_integer() for v in (start, stop, step))
        return tuple(int(v) if ints else float(v) for v in vals)
    items = [s.strip() for s in spec.split(",") if s.strip()]
    if not items:
        raise ScenarioError(f"--vary {path}=: no values (use a,b,c or start:stop:step)")
    return tuple(_number(s) for s in items)


def _number(text: str) -> float | int | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def split_path(path: str) -> list[str | int]:
    """``a[0].b`` -> ``["a", 0, "b"]`` (:func:`mineral_briefs.scenarios.patch.key_parts`).

    Raises
    ------
    ScenarioError
        On a malformed path, naming the ``--vary`` argument.
    """
    from mineral_briefs.scenarios.patch import key_parts

    try:
        return list(key_parts(path))
    except ScenarioError as exc:
        raise ScenarioError(f"--vary {path}: {exc}") from None


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in a scenario's plain data, as notebook overrides do
    (:func:`mineral_briefs.scenarios.patch.set_path`): a list position must exist; a mapping
    key that does not is left to the scenario model, which rejects it with the keys allowed.

    Raises
    ------
    ScenarioError
        Naming the ``--vary`` argument and the list positions allowed.
    """
    from mineral_briefs.scenarios.patch import set_path as patch_set_path

    try:
        patch_set_path(data, tuple(split_path(path)), value)
    except ScenarioError as exc:
        raise ScenarioError(f"--vary {path}: {exc}") from None


@dataclass(frozen=True)
class Point:
    """One grid point: its index, lever values (by key path) and validated scenario."""

    index: int
    values: dict[str, float | int | str]
    scenario: Scenario

    @property
    def digest(self) -> str:
        """sha256 of the point's scenario (what its stored result is keyed by)."""
        return self.scenario.digest()


def point_id(base_id: str, index: int) -> str:
    """The IAMC ``scenario`` name of a grid point: ``<base>__p0001``."""
    return f"{base_id}__p{index:04d}"


def grid(base: Scenario, axes: Sequence[Axis]) -> list[Point]:
    """Every combination of the axes' values (the first axis varies slowest), validated.

    Raises
    ------
    ScenarioError
        Bad key path, or a grid point the scenario model rejects (every problem with its key
        path, the value and what is allowed; at most the first few points are reported).
    """
    if not axes:
        raise ScenarioError("sweep: give at least one --vary KEY.PATH=VALUES")
    paths = [a.path for a in axes]
    if len(set(paths)) != len(paths):
        raise ScenarioError(f"sweep: a key path is varied twice: {', '.join(paths)}")
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise ScenarioError(f"sweep: {total} grid points, at most {MAX_POINTS}")
    plain = base.model_dump(mode="json")
    points: list[Point] = []
    problems: list[str] = []
    for index, combo in enumerate(itertools.product(*(a.values for a in axes))):
        data = json.loads(json.dumps(plain))
        for axis, value in zip(axes, combo, strict=True):
            set_path(data, axis.path, value)
        data["id"] = point_id(base.id, index)
        try:
            sc = Scenario.model_validate(data)
        except ValidationError as exc:
            label = f"sweep point {index} ({_describe(axes, combo)})"
            problems += validation_problems(exc, [(label, data)], Scenario)
            if len(problems) >= 5:
                break
            continue
        points.append(Point(index, dict(zip(paths, combo, strict=True)), sc))
    if problems:
        raise_problems(problems)
    return points


def _describe(axes: Sequence[Axis], combo: Sequence[Any]) -> str:
    return ", ".join(f"{a.path}={v}" for a, v in zip(axes, combo, strict=True))


def grid_digest(base: Scenario, axes: Sequence[Axis]) -> str:
    """Short id of a sweep (base scenario digest + axes), for its folder and resume checks."""
    blob = json.dumps(
        {"base": base.digest(), "axes": [[a.path, list(a.values)] for a in axes]},
        sort_keys=True,
    ).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
