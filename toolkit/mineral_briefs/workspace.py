"""The analyst's workspace: ``mineral-briefs init DIR``, and where data updates are written.

A workspace is a folder holding a ``mineral-briefs.toml`` marker (see
:mod:`mineral_briefs.locations`). :func:`init_workspace` creates one with

- ``mineral-briefs.toml``: the marker;
- ``scenarios/``: a README and one example user scenario that ``extends:`` a built-in;
- ``data/README.md``: how data updates land there (while ``data/`` holds no ``sources.csv``
  the built-in data of the installed version is used);
- ``reports/``: where ``mineral-briefs render`` writes briefs (its default ``--out``);
- ``notebooks/``: copies of the built-in notebooks, to open in JupyterLab.

It never overwrites a file: an existing file is kept as it is and reported as kept.

:func:`writable_data_dir` is the folder the data-updating commands (``data import``,
``events set-status``) write into: never the installed package. In a workspace whose ``data/``
holds no tables yet, the built-in tables are first copied there (the analyst's update then sits
on top of the data this version ships, and the workspace's copy is used from then on).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mineral_briefs.errors import WorkspaceError
from mineral_briefs.locations import WORKSPACE_MARKER, builtin_dir, workspace

EXAMPLE_SCENARIO: Final[str] = "my_ndpr_withhold_30"
"""Stem of the example user scenario ``init`` writes into ``scenarios/``."""


@dataclass
class InitReport:
    """What :func:`init_workspace` did: files created and files that were already there."""

    root: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """One line per created/kept file, relative to the workspace."""
        lines = [f"workspace {self.root}"]
        lines += [f"  created {p.relative_to(self.root)}" for p in self.created]
        lines += [f"  kept    {p.relative_to(self.root)} (already there)" for p in self.kept]
        return "\n".join(lines)


_MARKER_TEXT = """\
# This folder is a mineral-briefs workspace (written by `mineral-briefs init`).
# User scenarios (scenarios/), data updates (data/) and rendered briefs (reports/) live here;
# every mineral-briefs command run in this folder or below it uses them.
[workspace]
version = 1
"""

_SCENARIOS_README = """\
# Your scenarios

Every `*.yaml` here is a scenario that `mineral-briefs render`, `simulate` and `validate` can name
by its id (the file stem), next to the built-in ones (`mineral-briefs list` shows them all). A
file with the id of a built-in scenario replaces that built-in in this workspace.

Start from a built-in with `extends:` and change only what differs: mappings merge key by key,
lists replace the built-in's list as a whole. `{example}.yaml` is an example: the built-in
`ndpr_withhold_60` with 30 % withheld instead of 60 %.

    mineral-briefs validate scenarios/{example}.yaml
    mineral-briefs render {example} --language en

`mineral-briefs render --all` renders every built-in scenario plus every scenario here.
The scenario format is described in the project's docs/scenarios.md.
"""

_EXAMPLE_YAML = """\
# An example user scenario: the built-in ndpr_withhold_60 with half the share withheld.
# `extends` merges mappings key by key; lists (such as export_controls) replace the built-in's.
id: {example}
extends: ndpr_withhold_60
title:
  en: "What if China withholds 30 % of NdPr and magnet exports for a year?"
  de: "Was, wenn China ein Jahr lang 30 % seiner NdPr- und Magnetexporte zurückhält?"
rationale:
  en: >-
    A workspace example: the built-in ndpr_withhold_60 scenario with 30 % of China's NdPr oxide
    and NdFeB magnet exports withheld instead of 60 %; every other setting is the built-in's.
  de: >-
    Ein Beispiel für eigene Szenarien: das mitgelieferte Szenario ndpr_withhold_60, aber mit
    30 % statt 60 % zurückgehaltenen NdPr-Oxid- und NdFeB-Magnetexporten Chinas; alle übrigen
    Einstellungen stammen aus dem mitgelieferten Szenario.
export_controls:
  - exporter: CHN
    minerals: [magnet_rees]
    stages: [refining, magnets]
    share_withheld: 0.3
    targets: all
    announced: 2025-12-01
    effective: 2026-01-01
    ends: 2027-01-01
    licensing_delay_days: 45
    ramp_months: 2
    front_running_months: 1
    leakage: 0.1
"""

_DATA_README = """\
# Data updates of this workspace

While this folder holds no `sources.csv`, every command uses the built-in data tables of the
installed mineral-briefs version (`mineral-briefs --version`).

The commands that change data write here, never into the installed package:

    mineral-briefs data import MCS2027.csv                 # a new USGS MCS / IEA CMD release
    mineral-briefs events set-status EVENT_ID happened --source SOURCE_ID

The first of them copies the built-in tables (and their hand-written records, `curated/`) into
this folder and applies the update to the copy; from then on this folder is the data every brief
of the workspace reads, and its checksums enter each brief's cache key, so the next `render`
re-renders exactly the briefs whose inputs changed. You can also copy the tables here yourself.

To go back to the built-in data, delete the tables here (keep this README). A newer
mineral-briefs version does not update a copy made by an older one: compare, or delete it.
The data contract (columns, units, source ids) is the project's data/README.md.
"""

_REPORTS_README = """\
# Rendered briefs

`mineral-briefs render` writes its briefs here (`--out reports`, the default when run in the
workspace folder): one self-contained, offline HTML page per scenario and language, the IAMC
data and key figures beside each, and `index.html` listing them.
"""


def _write_new(path: Path, text: str, report: InitReport) -> None:
    if path.exists():
        report.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:  # "x": never replace a file made meanwhile
        fh.write(text)
    report.created.append(path)


def _copy_new(src: Path, dst: Path, report: InitReport) -> None:
    if dst.exists():
        report.kept.append(dst)
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    report.created.append(dst)


def init_workspace(folder: str | Path, *, force: bool = False) -> InitReport:
    """Create a workspace in ``folder`` (created if missing); never overwrite a file.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    force : bool
        Also initialise a folder that is not empty and not yet a workspace (default: refused,
        so that a typo does not scatter files into e.g. a home folder).

    Returns
    -------
    InitReport
        The files created and the files that were already there (kept as they were).

    Raises
    ------
    WorkspaceError
        ``folder`` is a file, or a non-empty folder without a marker and ``force`` is false, or
        it cannot be written.
    """
    root = Path(folder).expanduser()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root}: exists and is not a folder")
    if root.is_dir() and not force and not (root / WORKSPACE_MARKER).is_file():
        if any(root.iterdir()):
            raise WorkspaceError(
                f"{root}: folder is not empty and not a mineral-briefs workspace (no "
                f"{WORKSPACE_MARKER}); choose a new or empty folder, or pass --force to add the "
                "workspace files (existing files are never overwritten)"
            )
    from mineral_briefs.scenarios.json_schema import EDITOR_LINE, SCHEMA_FILE, schema_text

    try:
        root.mkdir(parents=True, exist_ok=True)
        root = root.resolve()
        report = InitReport(root=root)
        _write_new(root / WORKSPACE_MARKER, _MARKER_TEXT, report)
        _write_new(
            root / "scenarios" / "README.md",
            _SCENARIOS_README.format(example=EXAMPLE_SCENARIO),
            report,
        )
        _write_new(
            root / "scenarios" / f"{EXAMPLE_SCENARIO}.yaml",
            f"{EDITOR_LINE}\n" + _EXAMPLE_YAML.format(example=EXAMPLE_SCENARIO),
            report,
        )
        # NOTE: the schema the example's first line names, so editors complete and check keys.
        _write_new(root / "scenarios" / SCHEMA_FILE, schema_text(), report)
        _write_new(root / "data" / "README.md", _DATA_README, report)
        _write_new(root / "reports" / "README.md", _REPORTS_README, report)
        for nb in sorted(builtin_dir("notebooks").glob("*.ipynb")):
            _copy_new(nb, root / "notebooks" / nb.name, report)
    except OSError as exc:
        raise WorkspaceError(f"{root}: cannot create the workspace: {exc}") from exc
    return report


def _copy_builtin_data(target: Path) -> None:
    """Copy the built-in tables and ``curated/`` records into ``target`` (no file replaced)."""
    source = builtin_dir("data")
    if not (source / "sources.csv").is_file():
        raise WorkspaceError(f"the built-in data folder {source} holds no tables (broken install)")
    for src in sorted(source.rglob("*")):
        if not src.is_file() or "__pycache__" in src.parts:
            continue
        dst = target / src.relative_to(source)
        if dst.exists():
            continue  # NOTE: the workspace's own README (or any file put there) stays as it is
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def writable_data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder a data-updating command writes into: never the installed package.

    Parameters
    ----------
    explicit : str or Path, optional
        ``--data-dir`` of the command: used as given.

    Returns
    -------
    Path
        ``explicit``; else ``$MINERAL_BRIEFS_DATA``; else the workspace's ``data/``, into which
        the built-in tables are copied first when it holds none yet.

    Raises
    ------
    WorkspaceError
        Outside any workspace (nothing to write into but the installed package).
    """
    import os

    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("MINERAL_BRIEFS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    ws = workspace()
    if ws is None:
        raise WorkspaceError(
            "not inside a mineral-briefs workspace, so there is no data folder to update (the "
            "installed package's data is never changed): run `mineral-briefs init DIR`, then run "
            "this command inside DIR, or pass --data-dir"
        )
    target = (ws / "data").resolve()
    if not (target / "sources.csv").is_file():
        _copy_builtin_data(target)
        print(
            f"copied the built-in data tables into {target} (the workspace's data from now on)",
            file=sys.stderr,
        )
        from mineral_briefs.data import clear_cache

        clear_cache()
    return target
