"""Monthly observed series (prices, export volumes) brought into the data folder.

The import format is the table ``observed.csv`` itself (long, one value per row, IAMC-like):

=========== ==================================================================================
column      meaning
=========== ==================================================================================
series      id of the series (``china_magnet_exports``); one series = one thing measured
mineral     mineral id (``magnet_rees`` …, ``mineral_briefs.vocab.MINERALS``)
stage       stage id (``mining``, ``refining``, ``magnets`` …)
variable    ``Price`` or ``Exports``
region      ISO3 code of the country (``CHN``) or ``World``/``Alliance``/``Rest of World``
month       first day of the month, ``YYYY-MM-01``
value       the observation, >= 0
unit        ``USD/kg`` for Price, ``t/month`` for Exports
basis       what a tonne or kg counts (``rare-earth permanent magnets and alloys, gross
            weight``; ``NdPr oxide 99% min``); charts convert it through ``conversions.csv``
source_id   id in ``sources.csv`` (add the source there first)
confidence  ``confirmed``, ``secondary``, ``unconfirmed`` or ``assumption``
note        optional
=========== ==================================================================================

Rows are keyed by (series, month, source_id): importing a file replaces the rows with the
same key and keeps every other row. The file is validated on its own first (errors name the
imported file, its row and column and what is allowed), then the whole data folder is validated
in a staging copy before ``observed.csv`` is replaced atomically.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from mineral_briefs import locations
from mineral_briefs.data.readers.release import ImportReport, _write_validated
from mineral_briefs.data.schemas import TABLES
from mineral_briefs.data.schemas.contract import Problem, split_multi
from mineral_briefs.data.schemas.validate import validate_table
from mineral_briefs.errors import DataError

logger = logging.getLogger(__name__)


def _read_text(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot be parsed as CSV: {exc}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def _problems(raw: pd.DataFrame, path: Path, known_sources: set[str]) -> list[Problem]:
    """Every problem of the file itself: the table contract, then unknown source ids."""
    spec = TABLES["observed"]
    frame, problems = validate_table(raw, spec, str(path))
    if "source_id" in frame.columns:
        for i, cell in enumerate(frame["source_id"].tolist()):
            for sid in split_multi(cell) if isinstance(cell, str) and cell else ():
                if sid not in known_sources:
                    problems.append(
                        Problem(
                            str(path),
                            i + 1,
                            "source_id",
                            f"source id '{sid}' is not in sources.csv (add it there first)",
                        )
                    )
    return problems


def import_observed(path: str | Path, data_dir: str | Path | None = None) -> ImportReport:
    """Validate a monthly observed series and merge it into ``observed.csv``.

    Parameters
    ----------
    path : str or Path
        CSV in the format of ``observed.csv`` (module docstring).
    data_dir : str or Path, optional
        Data folder to update; default :func:`mineral_briefs.locations.data_dir`.

    Returns
    -------
    ImportReport
        ``kind`` ``"observed"``; ``source_id`` the ``;``-joined ids of the imported rows.

    Raises
    ------
    DataError
        Listing every problem (file, row, column, what is allowed); nothing is written then.
    """
    from mineral_briefs.data import load_dataset

    path = Path(path)
    if not path.is_file():
        raise DataError(f"observed series file {path} does not exist")
    folder = Path(data_dir).resolve() if data_dir else locations.data_dir()
    known = set(load_dataset(folder).sources["source_id"])
    raw = _read_text(path)
    problems = _problems(raw, path, known)
    if problems:
        lines = [f"{len(problems)} problem(s) in {path}:"] + [f"  - {p}" for p in problems]
        raise DataError("\n".join(lines))
    spec = TABLES["observed"]
    fresh = raw[spec.column_names]
    target = folder / spec.file
    old = (
        pd.read_csv(target, dtype=str, keep_default_na=False)
        if target.is_file()
        else pd.DataFrame(columns=spec.column_names)
    )
    key = list(spec.key)
    fresh_keys = set(map(tuple, fresh[key].to_numpy().tolist()))
    keep = old.loc[[tuple(k) not in fresh_keys for k in old[key].to_numpy().tolist()]]
    merged = pd.concat([keep, fresh], ignore_index=True)
    merged = merged.sort_values(["series", "month", "source_id"], kind="stable")
    report = ImportReport(
        path=path,
        kind="observed",
        source_id=";".join(sorted(set(fresh["source_id"]))),
    )
    report.rows_replaced["observed"] = len(old) - len(keep)
    report.rows_added["observed"] = len(fresh)
    _write_validated(folder, {"observed": merged.reset_index(drop=True)}, report)
    logger.info("%s", report.summary())
    return report
