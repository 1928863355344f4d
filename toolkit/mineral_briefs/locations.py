"""Where things are: the built-in assets the package ships, and the analyst's workspace.

Two kinds of folders, found the same way everywhere (no pandas, no third-party imports):

- **Built-in assets**: the notebooks, scenarios and curated data this version ships. In a wheel
  they are package data under ``mineral_briefs/assets/`` (read through
  :mod:`importlib.resources`); in a source checkout (or an editable install) they are the
  checkout's top-level ``notebooks/``, ``scenarios/`` and ``data/`` folders.
- **The workspace**: where user scenarios, data updates and reports live. It is the folder named
  by ``$MINERAL_BRIEFS_WORKSPACE``, else the nearest folder at or above the working directory that
  holds a ``mineral-briefs.toml`` marker (``mineral-briefs init DIR`` writes one; the repository
  checkout carries one, so a checkout is itself a workspace).

Resolution, per kind (first hit wins):

========== ===================================== ================================= ============
kind       environment override                  workspace                         built-in
========== ===================================== ================================= ============
data       ``$MINERAL_BRIEFS_DATA``              ``<ws>/data`` with sources.csv    assets/data
scenarios  ``$MINERAL_BRIEFS_SCENARIOS`` (only)  ``<ws>/scenarios/*.yaml`` (added) assets/scen…
notebooks  —                                     ``<ws>/notebooks/<name>.ipynb``   assets/note…
========== ===================================== ================================= ============
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Final, Literal

Kind = Literal["notebooks", "scenarios", "data"]

PACKAGE: Final[str] = "mineral_briefs"
WORKSPACE_MARKER: Final[str] = "mineral-briefs.toml"
WORKSPACE_ENV: Final[str] = "MINERAL_BRIEFS_WORKSPACE"
PACKAGE_DIR: Final[Path] = Path(__file__).resolve().parent
"""The installed package folder (``…/mineral_briefs``)."""


def checkout_root() -> Path | None:
    """The source checkout holding this package (``<repo>/toolkit/mineral_briefs``), if any."""
    root = PACKAGE_DIR.parent.parent
    if all((root / kind).is_dir() for kind in ("notebooks", "scenarios", "data")):
        return root
    return None


def builtin_dir(kind: Kind) -> Path:
    """The folder of the built-in ``kind`` this version ships (package data, else the checkout)."""
    packaged = Path(str(resources.files(PACKAGE) / "assets" / kind))
    if packaged.is_dir():
        return packaged
    root = checkout_root()
    if root is not None:
        return root / kind
    # NOTE: neither a wheel with assets nor a checkout: a broken install. Say so where it is used.
    return packaged


def workspace(start: Path | None = None) -> Path | None:
    """The analyst's workspace folder, or None outside any workspace (see the module docstring)."""
    env = os.environ.get(WORKSPACE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_MARKER).is_file():
            return folder
    return None


def data_dir() -> Path:
    """The data folder: ``$MINERAL_BRIEFS_DATA``, the workspace's updated data, or the built-in."""
    env = os.environ.get("MINERAL_BRIEFS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    ws = workspace()
    if ws is not None and (ws / "data" / "sources.csv").is_file():
        return (ws / "data").resolve()
    return builtin_dir("data")


def scenario_dirs() -> list[Path]:
    """Folders whose ``*.yaml``/``*.yml`` are the scenarios a run can name, highest first.

    ``$MINERAL_BRIEFS_SCENARIOS`` alone when set; else the workspace's ``scenarios/`` (user
    scenarios, which may shadow a built-in id) followed by the built-in folder.
    """
    env = os.environ.get("MINERAL_BRIEFS_SCENARIOS")
    if env:
        return [Path(env).expanduser().resolve()]
    out: list[Path] = []
    ws = workspace()
    if ws is not None and (ws / "scenarios").is_dir():
        out.append((ws / "scenarios").resolve())
    builtin = builtin_dir("scenarios").resolve()
    if builtin not in out:
        out.append(builtin)
    return out


def notebook(name: str) -> Path:
    """The notebook ``name`` (e.g. ``brief.ipynb``): the workspace's copy, else the built-in."""
    ws = workspace()
    if ws is not None and (ws / "notebooks" / name).is_file():
        return (ws / "notebooks" / name).resolve()
    return builtin_dir("notebooks") / name


ENV_CACHE: Final = "MINERAL_BRIEFS_CACHE"
"""Environment variable naming the disk-cache folder."""
_SWITCH_WORDS: Final = frozenset({"0", "1", "off", "on", "false", "true", "no", "yes", "none"})
"""Values of :data:`ENV_CACHE` that read as a switch, not a folder: refused."""


def cache_dir() -> Path:
    """Folder of the toolkit's disk cache: ``$MINERAL_BRIEFS_CACHE``, else the user cache folder.

    The user cache folder is the platform's (:func:`platformdirs.user_cache_dir`):
    ``$XDG_CACHE_HOME/mineral-briefs`` or ``~/.cache/mineral-briefs`` on Linux,
    ``~/Library/Caches/mineral-briefs`` on macOS, ``%LOCALAPPDATA%\\mineral-briefs\\Cache`` on
    Windows.
    """
    env = os.environ.get(ENV_CACHE)
    if env:
        if env.strip().lower() in _SWITCH_WORDS:
            from mineral_briefs.errors import CacheConfigError

            # NOTE: "0" here made a cache folder named 0 in the working directory: the
            # variable names a folder; the engine cache has its own on/off switch.
            raise CacheConfigError(
                f"{ENV_CACHE}={env.strip()[:20]!r}: allowed: the path of a folder for the "
                "toolkit's disk cache (unset: the user cache folder); to run without the "
                "engine cache, set MINERAL_BRIEFS_ENGINE_CACHE=0 instead"
            )
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mineral-briefs", appauthor=False))
