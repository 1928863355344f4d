"""Import an official release into ``data/``: validate it in a staging copy, then swap files.

Rows of the release's source id are replaced and every other source's rows kept, so a new IEA
or USGS edition lands without touching the hand-curated tables.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mineral_briefs import locations
from mineral_briefs.data.readers.iea import read_iea_cmd_workbook
from mineral_briefs.data.readers.usgs import read_usgs_mcs_csv
from mineral_briefs.data.schemas import TABLES
from mineral_briefs.errors import DataError, excerpt

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What :func:`import_release` changed.

    Attributes
    ----------
    path : Path
        The release file read.
    kind : str
        ``"iea"`` or ``"usgs"``.
    source_id : str
        Source id of the imported rows.
    rows_added, rows_replaced : dict of str -> int
        Per table: rows written for the source (the release's rows, plus hand-written records
        and derived rows of the same source id) / old rows of the same source removed.
    files_written : list of str
        CSV files replaced in the data folder.
    source_added : bool
        Whether a new row was appended to ``sources.csv``.
    backup : str
        Folder holding the replaced tables ("" when nothing was replaced).
    """

    path: Path
    kind: str
    source_id: str
    rows_added: dict[str, int] = field(default_factory=dict)
    rows_replaced: dict[str, int] = field(default_factory=dict)
    files_written: list[str] = field(default_factory=list)
    source_added: bool = False
    backup: str = ""

    def summary(self) -> str:
        """One human line per table."""
        lines = [f"imported {self.path.name} ({self.kind}) as {self.source_id}"]
        for t in sorted(self.rows_added):
            lines.append(
                f"  {t}.csv: {self.rows_added[t]} rows written, "
                f"{self.rows_replaced.get(t, 0)} old rows of {self.source_id} replaced"
            )
        if self.source_added:
            lines.append(f"  sources.csv: added {self.source_id} (complete its locator/url)")
        if self.backup:
            lines.append(f"  previous tables kept in {self.backup}")
        return "\n".join(lines)


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return format(float(v), ".10g")
    return str(v)


def _source_row(kind: str, sid: str, path: Path) -> dict[str, str]:
    year = re.search(r"(\d{4})$", sid)
    if kind == "iea":
        return {
            "source_id": sid,
            "publisher": "International Energy Agency",
            "title": "Critical Minerals Dataset (Critical Minerals Data Explorer)",
            "year": year.group(1) if year else "",
            "locator": f"{path.name}: sheets 'Total demand', 'Total supply' (base case)",
            "url": "https://www.iea.org/data-and-statistics/data-tools/critical-minerals-data-explorer",
            "licence": "CC BY 4.0",
            "confidence": "confirmed",
            "note": "added by mineral-briefs data import",
        }
    return {
        "source_id": sid,
        "publisher": "U.S. Geological Survey",
        "title": "Mineral Commodity Summaries, World Data release",
        "year": year.group(1) if year else "",
        "locator": f"{path.name}: world mine production and reserves",
        "url": "https://www.usgs.gov/centers/national-minerals-information-center/mineral-commodity-summaries",
        "licence": "public domain (US Government work)",
        "confidence": "confirmed",
        "note": "added by mineral-briefs data import",
    }


STAGING_PREFIX = ".import-"
BACKUP_DIR = ".backups"
BACKUPS_KEPT = 10
"""Backups of replaced tables kept in ``<data>/.backups/`` (newest first)."""


def import_release(
    path: str | Path,
    kind: str | None = None,
    data_dir: str | Path | None = None,
    *,
    source_id: str | None = None,
    force: bool = False,
) -> ImportReport:
    """Validate an official release and write its rows into the data folder.

    Rows of the release's source id are replaced; every other source's rows are kept. The
    new tables are first written to a staging folder inside ``data_dir`` and validated with
    :func:`mineral_briefs.data.load_dataset` (all tables, cross references); only then is each
    changed file moved into place with :func:`os.replace` (atomic per file).

    Parameters
    ----------
    path : str or Path
        IEA workbook (``.xlsx``) or USGS MCS world data CSV.
    kind : {"iea", "usgs"}, optional
        Default: by extension (``.xlsx`` → iea, ``.csv`` → usgs).
    data_dir : str or Path, optional
        Folder to update; default :func:`mineral_briefs.locations.data_dir`.
    source_id : str, optional
        Source id of the release's rows (default: the edition the file names; a USGS file that
        names none is refused).
    force : bool
        Replace an edition by a release with fewer rows (refused otherwise: a partial file would
        silently drop the rest of the edition).

    Every replaced table is first copied to ``<data>/.backups/<UTC time>/`` (the newest
    :data:`BACKUPS_KEPT` are kept); staging folders left by a killed import are removed first.

    Returns
    -------
    ImportReport

    Raises
    ------
    DataError
        Unreadable release, unknown kind, or a result that would not validate (nothing is
        written then).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"release file {path} does not exist")
    kind = _release_kind(path, kind)
    folder = Path(data_dir).resolve() if data_dir else locations.data_dir()
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")

    _remove_stale_staging(folder)
    frames = (
        read_iea_cmd_workbook(path)
        if kind == "iea"
        else read_usgs_mcs_csv(path, source_id=source_id)
    )
    if all(df.empty for df in frames.values()):
        raise DataError(f"{path.name}: no rows for any mineral the toolkit tracks; nothing changed")
    first = next(df for df in frames.values() if not df.empty)
    sid = source_id or str(first["source_id"].iloc[0])
    report = ImportReport(path=path, kind=kind, source_id=sid)
    new_tables = _replace_source_rows(frames, folder, sid, report)
    _refuse_smaller(report, path, force)
    sources = _sources_with(folder, kind, sid, path)
    if sources is not None:
        new_tables["sources"] = sources
        report.source_added = True
    _write_validated(folder, new_tables, report)
    logger.info("%s", report.summary())
    return report


def _remove_stale_staging(folder: Path) -> None:
    """Staging folders of an import that was killed (they are never data)."""
    for stale in folder.glob(f"{STAGING_PREFIX}*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
            logger.info("removed %s left by an interrupted import", stale.name)


def _refuse_smaller(report: ImportReport, path: Path, force: bool) -> None:
    """Refuse a release with fewer rows than the edition it replaces, unless ``force``."""
    smaller = [
        f"{t}: {report.rows_added[t]} rows for {report.rows_replaced[t]} now"
        for t in report.rows_replaced
        if report.rows_replaced[t] and report.rows_added.get(t, 0) < report.rows_replaced[t]
    ]
    if smaller and not force:
        raise DataError(
            f"{path.name}: smaller than the edition {report.source_id} it would replace "
            f"({'; '.join(smaller)}); nothing changed. A partial file would drop the rest of the "
            "edition; pass --force to replace it anyway (a backup is kept)"
        )


def _backup(folder: Path, names: list[str], report: ImportReport) -> None:
    """Copy the tables about to be replaced to ``<folder>/.backups/<UTC time>/``."""
    import datetime as dt

    present = [n for n in names if (folder / n).is_file()]
    if not present:
        return
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / BACKUP_DIR / stamp
    target.mkdir(parents=True)
    for name in present:
        shutil.copy2(folder / name, target / name)
    report.backup = str(target)
    for old in sorted((folder / BACKUP_DIR).iterdir(), reverse=True)[BACKUPS_KEPT:]:
        shutil.rmtree(old, ignore_errors=True)


def _release_kind(path: Path, kind: str | None) -> str:
    if kind is None:
        kind = {".xlsx": "iea", ".csv": "usgs"}.get(path.suffix.lower())
        if kind is None:
            raise DataError(f"{path.name}: cannot tell the release kind; pass kind='iea'|'usgs'")
    if kind not in ("iea", "usgs"):
        raise DataError(f"unknown release kind {excerpt(kind)}: allowed 'iea', 'usgs'")
    return kind


def _replace_source_rows(
    frames: dict[str, pd.DataFrame], folder: Path, sid: str, report: ImportReport
) -> dict[str, pd.DataFrame]:
    """Each table of the release: the folder's rows of other sources, then the release's rows.

    Old rows are kept as text (read as ``str``), so the numbers of other sources are not
    re-formatted; only the release's rows go through :func:`_fmt`, completed as the refresh
    completes them (:func:`mineral_briefs.data.curate.release_rows`: curated records of the same
    source id, derived rows, computed notes). Rows are sorted by the table's key, as the refresh
    writes them, so the same release imported again changes no byte.
    """
    from mineral_briefs.data.curate import release_rows

    new_tables: dict[str, pd.DataFrame] = {}
    for table, fresh in frames.items():
        spec = TABLES[table]
        target = folder / spec.file
        old = (
            pd.read_csv(target, dtype=str, keep_default_na=False)
            if target.is_file()
            else pd.DataFrame(columns=spec.column_names)
        )
        keep = old.loc[old["source_id"] != sid] if "source_id" in old.columns else old
        report.rows_replaced[table] = len(old) - len(keep)
        rows = release_rows(table, fresh, sid, _curated_dir(folder))
        report.rows_added[table] = len(rows)
        fresh_txt = rows[spec.column_names].map(_fmt)
        new_tables[table] = _key_sorted(table, pd.concat([keep, fresh_txt], ignore_index=True))
    return new_tables


def _curated_dir(folder: Path) -> Path:
    """The hand-written records beside ``folder`` (``<data>/curated``), else the built-in ones."""
    from mineral_briefs.data.records import CURATED_DIR

    own = folder / "curated"
    return own if own.is_dir() else CURATED_DIR


def _key_sorted(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (text cells) in the table's column order, sorted by its key columns."""
    spec = TABLES[table]
    # NOTE: keys are ids and four-digit years, so text order is the refresh's typed order.
    return df[spec.column_names].sort_values(list(spec.key), kind="stable", ignore_index=True)


def _sources_with(folder: Path, kind: str, sid: str, path: Path) -> pd.DataFrame | None:
    """``sources.csv`` plus a stub row for ``sid``; None when the id is already there."""
    sources_path = folder / "sources.csv"
    sources = (
        pd.read_csv(sources_path, dtype=str, keep_default_na=False)
        if sources_path.is_file()
        else pd.DataFrame(columns=TABLES["sources"].column_names)
    )
    if sid in set(sources.get("source_id", [])):
        return None
    added = pd.concat([sources, pd.DataFrame([_source_row(kind, sid, path)])], ignore_index=True)
    return _key_sorted("sources", added)


def _write_validated(
    folder: Path, new_tables: dict[str, pd.DataFrame], report: ImportReport
) -> None:
    """Validate the whole folder in a staging copy, then move each changed file into place."""
    from mineral_briefs.data import clear_cache, load_dataset

    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    try:
        for f in folder.glob("*.csv"):
            shutil.copy2(f, staging / f.name)
        for table, df in new_tables.items():
            df.to_csv(staging / TABLES[table].file, index=False, lineterminator="\n")
        load_dataset(staging)  # raises DataError listing every problem; nothing moved yet
        _backup(folder, [TABLES[t].file for t in new_tables], report)
        for table in new_tables:
            name = TABLES[table].file
            os.replace(staging / name, folder / name)
            report.files_written.append(name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        clear_cache()
