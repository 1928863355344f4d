"""Locating and safely reading scenario files: ids to paths, a size limit, YAML without aliases.

Security: ids must match ``[a-z0-9_]{1,64}``; paths must end in ``.yaml``/``.yml`` and be at most
1 MB (checked before reading); YAML is read with a safe loader that also refuses aliases
(no "billion laughs") and duplicate keys.
"""

from __future__ import annotations

import functools
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from mineral_briefs.errors import ScenarioError, excerpt
from mineral_briefs.locations import scenario_dirs
from mineral_briefs.scenarios.base import ID_RE
from mineral_briefs.scenarios.errors import suggest

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file read [bytes]; larger files are refused before parsing."""


def scenarios_dir() -> Path:
    """The built-in scenarios folder: ``$MINERAL_BRIEFS_SCENARIOS`` or the scenarios shipped."""
    return scenario_dirs()[-1]


SUFFIXES: tuple[str, ...] = (".yaml", ".yml")
"""Scenario file endings, in precedence order."""


def find_by_id(text: str, folders: list[Path]) -> Path | None:
    """The first ``<folder>/<text>.yaml`` (or ``.yml``) that exists, in precedence order."""
    for folder in folders:
        for suffix in SUFFIXES:
            path = folder / f"{text}{suffix}"
            if path.is_file():
                return path
    return None


def scenario_paths(folder: Path) -> dict[str, Path]:
    """Scenario id (file stem) -> file, for every ``.yaml`` and ``.yml`` file in ``folder``."""
    # NOTE: .yml files are scenarios like .yaml files (paths with either ending were already
    # accepted); where both exist for one stem the .yaml file wins, as in find_by_id.
    out: dict[str, Path] = {}
    if folder.is_dir():
        for suffix in reversed(SUFFIXES):
            out.update({p.stem: p for p in folder.glob(f"*{suffix}") if p.is_file()})
    return out


def known_ids(folders: list[Path]) -> list[str]:
    """Every scenario id in ``folders`` (sorted, unique)."""
    return sorted({stem for f in folders for stem in scenario_paths(f)})


def backtests_dir() -> Path:
    """``scenarios/backtests/``."""
    return scenarios_dir() / "backtests"


def is_valid_id(ref: str) -> bool:
    """True when ``ref`` is a well-formed scenario id (``[a-z0-9_]{1,64}``)."""
    return bool(ID_RE.fullmatch(ref))


def looks_like_path(ref: str) -> bool:
    """True when ``ref`` names a file (ends in ``.yaml``/``.yml``) rather than an id."""
    return ref.endswith((".yaml", ".yml"))


# NOTE: paths are never handed to a shell, but a file name holding shell metacharacters is far
# more likely an injection attempt (or a pasted command) than a scenario: refuse it outright.
BAD_PATH_CHARS = re.compile(r"[\x00-\x1f\x7f;|&$`<>*?!\"'{}\\]")


def resolve_ref(ref: str | Path, *, base_dir: Path | None = None) -> Path:
    """Map a built-in id or a ``.yaml`` path to a file path; refuse anything else."""
    if isinstance(ref, Path):
        text = str(ref)
        is_path = True
        if not looks_like_path(text):
            raise ScenarioError(f"{text}: refused: scenario files end in .yaml or .yml")
    else:
        text = ref
        is_path = looks_like_path(text)
    if not is_path:
        if not ID_RE.fullmatch(text):
            shown = text if len(text) <= 80 else text[:77] + "…"
            raise ScenarioError(
                f"{shown!r}: not a scenario id and not a .yaml file; allowed: a built-in id "
                "(1–64 characters a–z, 0–9, _) or a path ending in .yaml or .yml"
            )
        folders = [base_dir] if base_dir is not None else scenario_dirs()
        found = find_by_id(text, folders)
        if found is None:
            known = known_ids(folders)
            raise ScenarioError(
                f"{text}: unknown scenario id{suggest(text, known)}; known ids: "
                + (", ".join(known) if known else f"(none in {', '.join(map(str, folders))})")
            )
        return found
    if BAD_PATH_CHARS.search(text) or len(text) > 4096:
        raise ScenarioError(f"{text[:80]!r}: refused: control or shell characters in the file name")
    return Path(text)


def read_text(path: Path) -> str:
    """The file's UTF-8 text; refused when missing, not a file, unreadable or over 1 MB."""
    name = str(path)
    try:
        # NOTE: stat() itself fails (EACCES) for a file in a folder the user cannot enter.
        st = path.stat()
    except FileNotFoundError:
        raise ScenarioError(f"{name}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{name}: cannot read file: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(f"{name}: not a regular file")
    size = st.st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: file too large ({size:,} bytes); allowed: at most {MAX_FILE_BYTES:,} bytes"
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{name}: cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{name}: file too large; allowed: at most {MAX_FILE_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{name}: not UTF-8 text (byte {exc.start})") from None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors/aliases (exponential expansion) and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            except TypeError:
                pass  # unhashable key: the base class reports it
        return super().construct_mapping(node, deep=deep)


MAX_NUMBER_CHARS = 40
"""Longest number literal a scenario may hold [characters]; longer ones are refused unparsed."""


class _ValueProblem(yaml.constructor.ConstructorError):
    """A well-formed YAML scalar whose value is not allowed (a date that does not exist, …)."""


def _timestamp(loader: yaml.SafeLoader, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise _ValueProblem(
            None,
            None,
            f"{excerpt(node.value)} is not a calendar date; allowed: YYYY-MM-DD or YYYY-MM",
            node.start_mark,
        ) from None


def _number(loader: yaml.SafeLoader, node: Any) -> Any:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise _ValueProblem(
            None,
            None,
            f"number with {len(node.value):,} characters "
            f"({excerpt(node.value, 20, quote=False)}); allowed: at most {MAX_NUMBER_CHARS}",
            node.start_mark,
        )
    is_int = node.tag.endswith(":int")
    safe = yaml.SafeLoader
    value = (safe.construct_yaml_int if is_int else safe.construct_yaml_float)(loader, node)
    plain = _PLAIN_INT if is_int else _PLAIN_FLOAT
    if not plain.fullmatch(node.value):
        raise _ValueProblem(
            None,
            None,
            f"{excerpt(node.value, 20)} is read as the number {value!r} (a YAML 1.1 form: "
            "base 60, hexadecimal, octal or with '_'); allowed: a plain decimal number such as "
            f"{value!r}, or the text in quotes",
            node.start_mark,
        )
    return value


# NOTE: PyYAML reads YAML 1.1, whose numbers include base 60 (`1:30` is 90), hexadecimal
# (`0x2D`), octal (`017` is 15) and `_` separators (`4_5`): none of them is meant in a
# scenario, so only plain decimal numbers are accepted. YAML 1.1 booleans (`yes`, `no`, `on`,
# `off` — and the country code `NO`) are read as text, only true/false as booleans, and
# `1e8` (no dot) is a number, as in YAML 1.2.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NoAliasLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_NoAliasLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_NoAliasLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _number)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:float", _number)


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """YAML ``text`` as the top-level mapping of a scenario; ``source`` labels the errors.

    A text parsed before in this process is not parsed again (a copy of the mapping is
    returned): ``render --all`` reads the baseline and the other files every scenario extends
    49 times for 12 files, 0.35 s of pure-Python parsing before any kernel starts (issue 15,
    measured 2026-12-02). Errors are raised afresh each time.
    """
    import copy

    return copy.deepcopy(_parse_yaml(text, source))


@functools.lru_cache(maxsize=64)
def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    """:func:`parse_yaml` without the copy (the memo's entries are never handed out)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: file too large; allowed: at most {MAX_FILE_BYTES:,} bytes")
    if not text.strip():
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping (id, title, …)")
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        kind = "invalid value" if isinstance(exc, _ValueProblem) else "YAML syntax error"
        raise ScenarioError(f"{source}: {kind}{where}: {problem}") from None
    except yaml.reader.ReaderError as exc:
        # NOTE: the reader (control characters such as \x07) gives a character offset, not a
        # mark, and a two-line text; report line and column on one line like every problem.
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        raise ScenarioError(
            f"{source}: YAML syntax error at line {line}, column {column}: control character "
            f"U+{code:04X} is not allowed; allowed: printable text, tab and newline"
        ) from None
    except yaml.YAMLError as exc:
        flat = " ".join(str(exc).split())
        raise ScenarioError(f"{source}: YAML syntax error: {flat}") from None
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{source}: YAML nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # NOTE: PyYAML's constructors raise plain ValueError for e.g. `2025-13-45` dates.
        # NOTE: the exception text may quote the input; keep only a short escaped excerpt.
        raise ScenarioError(
            f"{source}: invalid YAML value: {excerpt(exc, 120, quote=False)}"
        ) from None
    if data is None:
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping (id, title, …)")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: expected a mapping of scenario keys (id, title, horizon, …) at the top "
            f"level, got {type(data).__name__}"
        )
    return data
