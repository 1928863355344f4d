"""Optional parts of the package (the extras) and a clear error when one is missing.

``pip install mineral-briefs`` brings what a brief needs; heavier parts are extras:
``[parquet]`` (pyarrow, for ``.parquet`` results), ``[dask]`` (dask + distributed, for
``render --executor dask``), ``[preview]`` (watchfiles + tornado, for
``mineral-briefs preview``), ``[lab]`` (JupyterLab) and ``[test]``.
"""

from __future__ import annotations

import importlib
from typing import Final

from mineral_briefs.errors import MissingExtraError

EXTRA_OF: Final[dict[str, str]] = {
    "pyarrow": "parquet",
    "distributed": "dask",
    "dask": "dask",
    "watchfiles": "preview",
    "tornado": "preview",
}
"""Import name -> the extra that installs it."""


def require(module: str, needed_for: str) -> None:
    """Raise :class:`MissingExtraError` naming the extra to install when ``module`` is absent.

    Parameters
    ----------
    module : str
        Import name (``pyarrow``, ``distributed``).
    needed_for : str
        What asked for it, as the user wrote it (``--out results.parquet``).
    """
    try:
        importlib.import_module(module)  # NOTE: imported, not only found: a broken one fails too
        return
    except ImportError:
        pass
    extra = EXTRA_OF.get(module, module)
    raise MissingExtraError(
        f"{needed_for} needs {module}, which is not installed: install mineral-briefs[{extra}] "
        f"(pip install 'mineral-briefs[{extra}]', or pipx inject mineral-briefs {module})"
    )
