"""Readers of official release formats, one module per format, and the release importer.

* :mod:`~mineral_briefs.data.readers.iea` — :func:`read_iea_cmd_workbook`, the IEA *Critical
  Minerals Dataset* workbook (sheets "1 Total demand for key minerals", "2 Total supply for
  key minerals").
* :mod:`~mineral_briefs.data.readers.usgs` — :func:`read_usgs_mcs_csv`, the USGS *Mineral Commodity
  Summaries* "World Data" release CSV.
* :mod:`~mineral_briefs.data.readers.release` — :func:`import_release`: validate a release and write
  its rows into the data folder, replacing the rows of the same source id and keeping every
  other source's rows.
* :mod:`~mineral_briefs.data.readers.common` — the output layouts and the derived ``Other`` row.

References
----------
IEA (2025), Critical Minerals Data Explorer / Global Critical Minerals Outlook 2025, CC BY 4.0.
USGS (2025), Mineral Commodity Summaries 2025 World Data Release, doi:10.5066/P13XCP3R.
"""

from __future__ import annotations

from mineral_briefs.data.readers.common import (
    DEMAND_COLUMNS,
    PRODUCTION_COLUMNS,
    RESERVES_COLUMNS,
    complete_other_rows,
)
from mineral_briefs.data.readers.iea import (
    IEA_DEMAND_NOTES,
    IEA_MINERALS,
    IEA_SCENARIO_NAMES,
    read_iea_cmd_workbook,
)
from mineral_briefs.data.readers.release import ImportReport, import_release
from mineral_briefs.data.readers.usgs import USGS_BASIS, USGS_COMMODITIES, read_usgs_mcs_csv

__all__ = [
    "DEMAND_COLUMNS",
    "IEA_DEMAND_NOTES",
    "IEA_MINERALS",
    "IEA_SCENARIO_NAMES",
    "PRODUCTION_COLUMNS",
    "RESERVES_COLUMNS",
    "USGS_BASIS",
    "USGS_COMMODITIES",
    "ImportReport",
    "complete_other_rows",
    "import_release",
    "read_iea_cmd_workbook",
    "read_usgs_mcs_csv",
]
