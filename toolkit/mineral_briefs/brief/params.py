"""Refuse unknown notebook parameters: ``-p langauge de`` must not render an English brief.

papermill only warns about a parameter the notebook does not declare and injects it anyway (a
cell tagged ``injected-parameters``, headed ``# Parameters``, right after the cell tagged
``parameters``). The notebook's next cell calls :func:`check_parameters`, which reads both cells
from the kernel's input history and raises when a name was injected that the parameters cell does
not declare. ``mineral-briefs render`` checks names before it starts a kernel
(``papermill.inspect_notebook``); this check covers papermill, JupyterLab and CI runs alike.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Sequence
from typing import Any

from mineral_briefs.errors import ScenarioError

INJECTED_HEADER = "# Parameters"
"""First line of the cell papermill injects (its Python translator's comment)."""


class ParameterError(ScenarioError):
    """A notebook parameter that the notebook does not declare."""


def assigned_names(source: str) -> list[str]:
    """Names assigned at the top level of a cell (``x = 1``, ``x: int = 1``), in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def unknown_parameters(history: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(unknown, declared)``: names of the last injected cell in ``history`` (the kernel's
    inputs, oldest first) that the cell executed just before it does not declare.

    Without an injected cell (a run in JupyterLab) nothing is unknown.
    """
    for i in range(len(history) - 1, 0, -1):
        if history[i].lstrip().startswith(INJECTED_HEADER):
            declared = assigned_names(history[i - 1])
            injected = assigned_names(history[i])
            return [n for n in injected if n not in declared], declared
    return [], []


def check_parameters(history: Sequence[str] | None = None) -> None:
    """Raise :class:`ParameterError` when papermill injected an undeclared parameter.

    Parameters
    ----------
    history
        Inputs executed so far, oldest first; default: the IPython kernel's ``In`` list.

    Raises
    ------
    ParameterError
        Naming each unknown parameter, a did-you-mean, and the declared parameters.
    """
    if history is None:
        history = _kernel_history()
    unknown, declared = unknown_parameters(history)
    if not unknown:
        return
    lines = []
    for name in unknown:
        close = difflib.get_close_matches(name, declared, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        lines.append(f"unknown notebook parameter {name!r}{hint}")
    raise ParameterError(
        "; ".join(lines) + f"; this notebook's parameters: {', '.join(declared) or 'none'}"
    )


def _kernel_history() -> list[str]:
    """The current IPython session's inputs (``In``), without the empty first entry."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the toolkit depends on IPython
        return []
    shell: Any = get_ipython()
    if shell is None:
        return []
    return [str(s) for s in shell.user_ns.get("In", [])[1:]]
