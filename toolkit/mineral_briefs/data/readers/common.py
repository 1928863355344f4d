"""What every release reader shares: the output layouts, the derived ``Other`` row, country ids."""

from __future__ import annotations

from typing import Final

import pandas as pd

from mineral_briefs.data.countries import to_country_id
from mineral_briefs.data.schemas import TABLES
from mineral_briefs.errors import DataError, excerpt

PRODUCTION_COLUMNS: Final[list[str]] = TABLES["production"].column_names
DEMAND_COLUMNS: Final[list[str]] = TABLES["demand"].column_names
RESERVES_COLUMNS: Final[list[str]] = TABLES["reserves"].column_names


def complete_other_rows(production: pd.DataFrame) -> pd.DataFrame:
    """Add a derived ``Other`` row to every group that has ``World`` but no ``Other``.

    Parameters
    ----------
    production : DataFrame
        Rows in the production layout.

    Returns
    -------
    DataFrame
        The input plus one ``Other`` row per incomplete group, value = max(World − Σ
        countries, 0) in the group's unit, noted as derived.
    """
    keys = ["mineral", "stage", "year", "source_id", "unit"]
    if production.empty:
        return production
    add = []
    for _key, grp in production.groupby(keys, sort=False):
        countries = set(grp["country"])
        if "World" not in countries or "Other" in countries:
            continue
        world = float(grp.loc[grp["country"] == "World", "value"].iloc[0])
        rest = float(grp.loc[grp["country"] != "World", "value"].sum())
        # NOTE: USGS world totals are rounded; when the listed countries already exceed the
        # rounded total the remainder is set to 0 rather than a negative tonnage.
        other = max(world - rest, 0.0)
        tmpl = grp.loc[grp["country"] == "World"].iloc[0].to_dict()
        tmpl.update(
            country="Other",
            value=round(other, 6),
            note="derived: World minus listed countries (not printed in the source)",
        )
        add.append(tmpl)
    if not add:
        return production
    return pd.concat([production, pd.DataFrame(add)], ignore_index=True)


def _country_or_raise(name: object, where: str) -> str:
    cid = to_country_id(str(name))
    if cid is None:
        raise DataError(
            f"{where}: unknown country name {excerpt(name)}; add its ISO3 code to "
            "toolkit/data/countries.py (NAME_TO_ISO3)"
        )
    return cid
