"""Defer the IRI grammar compilation that ``import jsonschema`` triggers (issue 16).

jsonschema's format checkers import ``rfc3987_syntax`` when it is installed (it comes with
``jsonschema[format-nongpl]``, which Jupyter's ``jupyter-events`` requires), and that module
compiles 39 lark grammars at import: about 1.6 s on a quiet core, paid by every process that
imports altair, nbformat's validator or papermill — the render parent, each worker and each
kernel. The briefs never check an ``iri`` format. :func:`defer` puts a stand-in module in
``sys.modules`` whose ``is_valid_syntax`` imports the real module on its first call, so the
grammars are compiled only when an IRI is actually checked; results are unchanged.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

NAME = "rfc3987_syntax"
_LOCK = threading.Lock()


class _Deferred(types.ModuleType):
    """Stand-in for ``rfc3987_syntax`` until something uses it."""

    _real: types.ModuleType | None = None

    def _load(self) -> types.ModuleType:
        with _LOCK:
            if self._real is None:
                # NOTE: the stand-in leaves sys.modules so the import finds the real package;
                # from then on everyone gets the real module.
                if sys.modules.get(NAME) is self:
                    del sys.modules[NAME]
                self._real = importlib.import_module(NAME)
            return self._real

    def is_valid_syntax(self, term: str, value: str) -> bool:  # noqa: D102 - the real one's
        return bool(self._load().is_valid_syntax(term, value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(self._load(), name)


def defer() -> bool:
    """Install the stand-in if ``rfc3987_syntax`` is installed and nothing imported it yet.

    Returns
    -------
    bool
        True when the stand-in is (now) in place.
    """
    current = sys.modules.get(NAME)
    if isinstance(current, _Deferred):
        return True
    if current is not None or "jsonschema._format" in sys.modules:
        return False
    if importlib.util.find_spec(NAME) is None:
        return False
    stub = _Deferred(NAME, "stand-in for rfc3987_syntax, loaded on first use")
    # a bound method as a plain module attribute: `from rfc3987_syntax import is_valid_syntax`
    stub.__dict__["is_valid_syntax"] = stub.is_valid_syntax
    sys.modules[NAME] = stub
    return True
