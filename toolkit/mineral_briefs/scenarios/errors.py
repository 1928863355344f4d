"""Error wording for scenario files: did-you-mean, key paths and one line per problem.

Pydantic's own messages speak to programmers; a scenario author needs the file, the key path
(``export_controls[0].share_withheld``) and what is allowed. The validators in the schema modules
raise :class:`pydantic_core.PydanticCustomError` with wording built here, and
:func:`validation_problems` turns a :class:`pydantic.ValidationError` into those lines.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from mineral_briefs.errors import ScenarioError

TAG = "~"
"""Prefix of the tags of tagged unions (:func:`.base.union_tag`). Pydantic puts the
tag into an error's ``loc``, but the author never wrote it, so key paths leave such items out."""


def suggest(value: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed value, or ``""``."""
    options = [str(a) for a in allowed]
    match = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if not match:
        lowered = {o.lower(): o for o in options}
        if str(value).lower() in lowered:
            match = [lowered[str(value).lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""


def unknown_error(what: str, value: Any, allowed: Sequence[str], *, show: bool = True) -> Exception:
    """Error for a value not in ``allowed``: did-you-mean, and the allowed list when ``show``."""
    allowed_txt = ", ".join(allowed) if show else ""
    hint = suggest(value, allowed) if isinstance(value, str) else ""
    msg = f"unknown {what} {value!r}{hint}"
    if allowed_txt:
        msg += f"; allowed: {allowed_txt}"
    return PydanticCustomError("unknown_id", msg)


# pydantic error type -> wording for a scenario author (other types keep pydantic's message,
# reworded in format_error)
_MESSAGES = {
    "missing": "required key is missing",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "dict_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "string_type": "must be text",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "finite_number": "must be a finite number (not .nan or .inf)",
    "date_type": "must be a date YYYY-MM-DD",
    "none_required": "must be empty (null)",
}


_TYPED = frozenset({"float_type", "int_type", "bool_type"})
"""Error types where text in quotes was given for a YAML number or boolean."""


def key_path(loc: Sequence[int | str]) -> str:
    """Pydantic ``loc`` as ``export_controls[0].share_withheld`` (union tags left out)."""
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        elif isinstance(item, str) and item.startswith(TAG):
            continue
        else:
            out += ("." if out else "") + str(item)
    return out or "(top level)"


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to 60 characters, so a pasted blob does not flood the message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def format_error(err: Mapping[str, Any], root: type[BaseModel]) -> str:
    """One problem as ``key.path: what is wrong``; ``root`` is the validated model (key lists)."""
    loc = list(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "located" and "path" in err.get("ctx", {}):
        # NOTE: a check across keys (a lever against the horizon) names the key it is about
        prefix = key_path(loc)
        path = str(err["ctx"]["path"])
        if prefix != "(top level)":
            path = prefix + ("" if path.startswith("[") else ".") + path
        return f"{path}: {err['ctx']['msg']}"
    if kind == "extra_forbidden" and loc:
        allowed = _allowed_keys(loc[:-1], root)
        key = str(loc[-1])
        return f"{key_path(loc)}: unknown key{suggest(key, allowed)}; allowed keys: " + ", ".join(
            allowed
        )
    if kind in _MESSAGES:
        msg = _MESSAGES[kind]
        if kind not in ("missing",) and "input" in err:
            msg += f", got {short_repr(err['input'])}"
            if isinstance(err["input"], str) and kind in _TYPED:
                msg += " (text in quotes; write the value without quotes)"
    else:
        msg = str(err.get("msg", "invalid value"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if msg.startswith("Input should be "):
            msg = "must be " + msg[len("Input should be ") :]
            if "input" in err:
                msg += f", got {short_repr(err['input'])}"
        elif msg.startswith(("List should have at least", "Tuple should have at least")):
            msg = "must not be an empty list"
    return f"{key_path(loc)}: {msg}"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model class reachable through typing arguments of ``annotation``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _allowed_keys(loc: Sequence[Any], root: type[BaseModel]) -> list[str]:
    """Field names of the model(s) found at key path ``loc`` below ``root``."""
    models: list[type[BaseModel]] = [root]
    for item in loc:
        if isinstance(item, int) or (isinstance(item, str) and item.startswith(TAG)):
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            field = model.model_fields.get(str(item))
            if field is not None:
                nxt += _models_in(field.annotation)
        models = nxt
    keys: list[str] = []
    for model in models:
        keys += [k for k in model.model_fields if k not in keys]
    return keys


def _exists(data: Any, loc: Sequence[Any]) -> bool:
    cur = data
    for item in loc:
        if isinstance(item, str) and item.startswith(TAG):
            continue
        if isinstance(cur, dict) and item in cur:
            cur = cur[item]
        elif isinstance(cur, list) and isinstance(item, int) and 0 <= item < len(cur):
            cur = cur[item]
        else:
            return False
    return True


def origin(loc: Sequence[Any], chain: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """The file (child first) that set the key at ``loc``."""
    top = loc[:1]
    for source, raw in chain:
        if _exists(raw, loc) or (top and _exists(raw, top)):
            return source
    return chain[0][0]


def _emptied_by_bad_items(err: Mapping[str, Any]) -> bool:
    """Whether ``err`` is a "too short" that only follows from its items' own errors.

    Pydantic checks a list's length after dropping the items that failed, so
    ``minerals: [unobtainium]`` also reads as an empty list; the item's error says it all.
    """
    if err.get("type") != "too_short":
        return False
    given = err.get("input")
    least = (err.get("ctx") or {}).get("min_length", 0)
    return isinstance(given, (list, tuple)) and len(given) >= least


def validation_problems(
    exc: ValidationError, chain: Sequence[tuple[str, dict[str, Any]]], root: type[BaseModel]
) -> list[str]:
    """One ``file: key.path: message`` line per error of ``exc``.

    Parameters
    ----------
    exc
        The error raised by ``root.model_validate``.
    chain
        (file label, raw mapping) of the file and every file it extends, child first: each
        problem is reported in the file that set the key.
    root
        The model validated (:class:`mineral_briefs.scenarios.Scenario`); passed in so that this
        module needs none of the schema modules.
    """
    out: list[str] = []
    errors = exc.errors(include_url=False)
    # NOTE: a misspelled key also makes its correct spelling "missing"; report the misspelling
    # only (with its did-you-mean), not a second, confusing line.
    misspelled: set[tuple[Any, ...]] = set()
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "extra_forbidden" and loc:
            match = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1], root), n=1)
            if match:
                misspelled.add((*loc[:-1], match[0]))
    for err in errors:
        where = list(err.get("loc", ()))
        if err.get("type") == "missing" and tuple(where) in misspelled:
            continue
        if _emptied_by_bad_items(err):
            continue
        out.append(f"{origin(where, chain)}: {format_error(err, root)}")
    return out


def raise_problems(problems: list[str]) -> NoReturn:
    """Raise one :class:`ScenarioError` holding every problem (a count line first when several)."""
    if len(problems) == 1:
        raise ScenarioError(problems[0])
    raise ScenarioError(f"{len(problems)} problems:\n" + "\n".join(problems))
