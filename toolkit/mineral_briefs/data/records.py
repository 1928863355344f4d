"""Read the hand-written records of ``data/curated/`` (YAML and CSV) into typed tables.

The refresh (:mod:`mineral_briefs.data.curate`) joins these records to the tables it reads from
official releases. They are data, not code, so an analyst adds a source, a policy event or a
seed claim by editing a file (see ``data/README.md``); every record carries its source id.
Nothing here runs when a brief is made: only the refresh reads this folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from mineral_briefs.data.schemas import TABLES
from mineral_briefs.data.schemas.validate import parse_plain_number
from mineral_briefs.errors import DataError, excerpt
from mineral_briefs.locations import builtin_dir

CURATED_DIR: Final[Path] = builtin_dir("data") / "curated"
"""Default folder of the hand-written records (``data/curated/`` of this checkout)."""

RECORD_FILES: Final[dict[str, tuple[str, str]]] = {
    # record set -> (file in the curated folder, table whose column contract it follows)
    "sources": ("sources.yaml", "sources"),
    "policy_events": ("policy_events.yaml", "policy_events"),
    "seed_claims": ("seed_claims.yaml", "seed_claims"),
    "dependence": ("dependence.csv", "dependence"),
    "price_defaults": ("price_defaults.csv", "price_defaults"),
    "production_shares": ("production_shares.csv", "production"),
    "production_elements": ("production_elements.csv", "production"),
    "prices_elements": ("prices_elements.csv", "prices"),
    "demand": ("demand.csv", "demand"),
    "demand_multiples": ("demand_multiples.csv", "demand_multiples"),
    "cost_curves": ("cost_curves.csv", "cost_curves"),
}
"""Every record set of the curated folder."""


def _read_rows(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    import yaml

    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: expected a YAML list of records (one mapping per record)")
    # NOTE: a key that only some records carry (an optional column such as status_source)
    # reads as empty text in the others, never as NaN.
    frame = pd.DataFrame(rows)
    return frame.astype(object).where(frame.notna(), None)


def _number(cell: object) -> float:
    """A number of a record: a YAML number as it is, text only as a plain decimal (the data
    tables' rule, :data:`~mineral_briefs.data.schemas.validate.PLAIN_NUMBER`)."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    value = parse_plain_number(str(cell))
    if value is None:
        raise ValueError(
            f"must be a plain decimal number with a point, without thousands separators or a "
            f"decimal comma (got {excerpt(cell)})"
        )
    return value


def _whole(cell: object) -> int:
    value = _number(cell)
    if not value.is_integer():
        raise ValueError(f"must be a whole number (got {excerpt(cell)})")
    return int(value)


def _typed(raw: pd.DataFrame, table: str, where: str) -> pd.DataFrame:
    """Cast each column to its kind in the table contract (empty text stays '')."""
    spec = TABLES[table]
    # NOTE: an optional column may be left out of the records altogether (read as empty).
    raw = raw.assign(**{c.name: "" for c in spec.columns if not c.required and c.name not in raw})
    missing = [c for c in spec.column_names if c not in raw.columns]
    extra = [c for c in raw.columns if c not in spec.column_names]
    if missing or extra:
        raise DataError(
            f"{where}: columns differ from table {table!r}: missing {missing}, unexpected {extra}"
        )
    out: dict[str, list[object]] = {}
    for col in spec.columns:
        cells = raw[col.name].tolist()
        try:
            if col.kind == "int":
                out[col.name] = [_whole(v) for v in cells]
            elif col.kind == "float":
                out[col.name] = [float("nan") if v in ("", None) else _number(v) for v in cells]
            else:
                # NOTE: YAML reads an unquoted date as a date object; the tables want ISO text.
                out[col.name] = ["" if v is None else str(v) for v in cells]
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}, column '{col.name}': {exc}") from exc
    return pd.DataFrame(out, columns=spec.column_names)


def read_records(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """One record set of the curated folder, typed like the table it feeds.

    Parameters
    ----------
    name : str
        Key of :data:`RECORD_FILES`, e.g. ``"policy_events"``.
    folder : str or Path, optional
        Curated folder; default :data:`CURATED_DIR`.

    Returns
    -------
    pandas.DataFrame
        The records in file order, with the contract's columns: ``int`` and ``float`` columns
        parsed (an empty float cell is NaN), text columns as ``str``.

    Raises
    ------
    DataError
        If the file is missing, is not a list of records, or its columns differ from the table.
    """
    file, table = RECORD_FILES[name]
    path = Path(folder or CURATED_DIR) / file
    if not path.is_file():
        raise DataError(f"curated record file is missing: {path}")
    return _typed(_read_rows(path), table, str(path))
