"""Data layer: the only code that reads the curated tables in ``data/``.

>>> from mineral_briefs.data import load_dataset, market_base, base_price
>>> ds = load_dataset()                       # validated, cached per folder + file stats
>>> ds.production.query("mineral == 'cobalt'")
>>> market_base(ds, year=2024)                # engine inputs in tonnes with shares
>>> base_price(ds, "magnet_rees", "refining")  # (usd_per_kg, source_id, confidence)
>>> price_basis(ds, "lithium", "refining").factor  # 5.323 kg Li2CO3 per kg Li content

Every problem in every table is reported at once as one :class:`mineral_briefs.errors.DataError`
naming file, row, column and what is allowed. See ``data/README.md`` for the contract.

Modules, by job: :mod:`~mineral_briefs.data.dataset` (load, validate, cache a folder),
:mod:`~mineral_briefs.data.market` (engine inputs: market sizes, base prices),
:mod:`~mineral_briefs.data.basis` (price basis and unit conversions),
:mod:`~mineral_briefs.data.schemas`
(table contracts and their checks), :mod:`~mineral_briefs.data.countries` (country names to ids);
for a data refresh only: :mod:`~mineral_briefs.data.readers` (official release formats and the
importer), :mod:`~mineral_briefs.data.records` (hand-written records of ``data/curated/``) and
:mod:`~mineral_briefs.data.curate` (the refresh command).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mineral_briefs.data.basis import (
    CONVERSIONS_FILE,
    PriceBasis,
    conversion_factor,
    price_basis,
    quantity_basis,
)
from mineral_briefs.data.dataset import (
    DATA_ENV_VAR,
    MAX_PROBLEMS_SHOWN,
    Dataset,
    check_totals,
    clear_cache,
    load_dataset,
)
from mineral_briefs.data.market import (
    MARKET_BASE_COLUMNS,
    MARKET_SOURCE_PREFERENCE,
    base_price,
    market_base,
)

# NOTE: kept as a public name of this package; it is the one data-folder finder, unwrapped.
from mineral_briefs.locations import data_dir as default_data_dir

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data.readers import ImportReport

__all__ = [
    "CONVERSIONS_FILE",
    "DATA_ENV_VAR",
    "MARKET_SOURCE_PREFERENCE",
    "MAX_PROBLEMS_SHOWN",
    "Dataset",
    "MARKET_BASE_COLUMNS",
    "ImportReport",
    "PriceBasis",
    "base_price",
    "check_totals",
    "conversion_factor",
    "clear_cache",
    "default_data_dir",
    "import_release",
    "load_dataset",
    "market_base",
    "price_basis",
    "quantity_basis",
]


def import_release(
    path: str | Path,
    kind: str | None = None,
    data_dir: str | Path | None = None,
    *,
    source_id: str | None = None,
    force: bool = False,
) -> ImportReport:
    """Validate an official release and write its rows into the data folder atomically.

    See :func:`mineral_briefs.data.readers.import_release`.
    """
    from mineral_briefs.data.readers import import_release as _impl

    return _impl(path, kind=kind, data_dir=data_dir, source_id=source_id, force=force)


def __getattr__(name: str) -> object:
    if name == "ImportReport":
        from mineral_briefs.data.readers import ImportReport

        return ImportReport
    raise AttributeError(name)
