"""Typed errors of the toolkit. Each says what went wrong and what to change."""

from __future__ import annotations


class MineralBriefsError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class ScenarioError(MineralBriefsError):
    """A scenario file is missing, malformed or asks for something the model cannot do."""


class DataError(MineralBriefsError):
    """A data table is missing, malformed or inconsistent with the sources table."""


class RenderError(MineralBriefsError):
    """Rendering a brief failed (execution, export or writing the output)."""


class UsageError(MineralBriefsError):
    """Command-line options that cannot work as given (contradictory or malformed); exit 2,
    raised before any work starts."""


class OutputPathError(UsageError):
    """An output path that cannot be written: its parent is a file, it is a folder where a file
    is asked for, or the folder is missing or read-only. Raised before any work starts."""


class WorkspaceError(MineralBriefsError):
    """A workspace cannot be created or used as asked (``init``, the data-updating commands)."""


class CacheConfigError(MineralBriefsError):
    """A cache setting (an environment variable) holds a value it does not allow."""


class MissingExtraError(MineralBriefsError):
    """An optional part (an extra such as ``[parquet]`` or ``[dask]``) is not installed."""


def excerpt(value: object, limit: int = 40, *, quote: bool = True) -> str:
    """``value`` quoted for an error line: escaped (``repr``) and cut to ``limit`` characters.

    An error about a file must never print the file back (a symlink to ``/etc/shadow`` given
    as a release would otherwise have its first line echoed); a short escaped excerpt is enough
    to find the cell.

    Parameters
    ----------
    value
        What to quote; any object, shown as its ``str``.
    limit
        Characters of ``value`` kept before the ``…`` that marks a cut [characters].
    quote
        ``False`` drops the surrounding quotes (the text stays escaped), for an excerpt that
        reads as part of the sentence, such as an exception's own message.
    """
    text = str(value)
    quoted = repr(text[:limit] + "…") if len(text) > limit else repr(text)
    return quoted if quote else quoted[1:-1]
