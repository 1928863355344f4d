"""Table contracts of ``data/``: columns, types, allowed ids, keys — checked with pandera.

Each table is declared once as a :class:`TableSpec` in :mod:`~mineral_briefs.data.schemas.tables`
(allowed values in :mod:`~mineral_briefs.data.schemas.values`, checks across a row in
:mod:`~mineral_briefs.data.schemas.row_checks`). :func:`validate_table`
(:mod:`~mineral_briefs.data.schemas.validate`) turns the raw CSV text (every cell a string) into a
typed frame and returns *every* problem it finds as a :class:`Problem` naming file, row and
column; :func:`mineral_briefs.data.load_dataset` joins the problems of all tables into one
:class:`mineral_briefs.errors.DataError`.

Row numbers are 1-based data rows; ``line`` is the line in the CSV file (header = line 1).
"""

from __future__ import annotations

from mineral_briefs.data.schemas.contract import (
    Col,
    Kind,
    Problem,
    TableSpec,
    empty_frame,
    split_multi,
)
from mineral_briefs.data.schemas.tables import TABLES
from mineral_briefs.data.schemas.validate import schema_for, validate_table
from mineral_briefs.data.schemas.values import (
    DATE_PRECISION,
    EVENT_KINDS,
    EVENT_STATUS,
    MASS_UNITS_T,
    MULTIPLE_SCENARIOS,
    PERIOD_TYPES,
    PRICE_UNITS,
    PRODUCTION_UNITS,
    QUALIFIERS,
    STATUS,
    VERDICTS,
)

__all__ = [
    "DATE_PRECISION",
    "EVENT_KINDS",
    "EVENT_STATUS",
    "MASS_UNITS_T",
    "MULTIPLE_SCENARIOS",
    "PERIOD_TYPES",
    "PRICE_UNITS",
    "PRODUCTION_UNITS",
    "QUALIFIERS",
    "STATUS",
    "TABLES",
    "VERDICTS",
    "Col",
    "Kind",
    "Problem",
    "TableSpec",
    "empty_frame",
    "schema_for",
    "split_multi",
    "validate_table",
]
