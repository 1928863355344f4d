"""Engine inputs from the production and price tables: market sizes by country, base prices."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from mineral_briefs.data.dataset import Dataset
from mineral_briefs.data.schemas import MASS_UNITS_T
from mineral_briefs.errors import DataError
from mineral_briefs.vocab import CONFIDENCE

logger = logging.getLogger(__name__)

MARKET_BASE_COLUMNS: Final[tuple[str, ...]] = (
    "mineral",
    "stage",
    "country",
    "quantity_t",
    "share",
    "source_id",
    "confidence",
)
"""Columns of :func:`market_base`, the engine's input layout."""


MARKET_SOURCE_PREFERENCE: Final[dict[str, tuple[str, ...]]] = {
    # NOTE: mine output defaults to USGS (country coverage, the figure briefs quote); refining
    # and magnet-REE stages default to the IEA dataset, which is the only source that covers
    # them by country. Gallium refining exists only in USGS. Sources are never mixed within a
    # (mineral, stage) group.
    "mining": ("USGS_MCS2026", "IEA_CMD2025", "USGS_MCS2025_SEC"),
    "refining": ("IEA_CMD2025", "USGS_MCS2026"),
}


def market_base(
    dataset: Dataset,
    year: int = 2024,
    source_preference: Mapping[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Production by country in tonnes and shares of World, one source per (mineral, stage).

    Parameters
    ----------
    dataset : Dataset
    year : int
        Data year [a].
    source_preference : mapping of stage -> tuple of source ids, optional
        Order in which sources are tried per stage; default
        :data:`MARKET_SOURCE_PREFERENCE`. Any other source with tonnage data for the group
        is used last, in alphabetical order.

    Returns
    -------
    DataFrame
        ``mineral, stage, country, quantity_t, share, source_id, confidence``: every country
        row and ``Other`` (``World`` is not a row; ``share`` = quantity / World [0–1], so the
        shares sum to 1 within the source's rounding). Stages with share data only
        (``magnets``) are not included.
    """
    prefs = dict(MARKET_SOURCE_PREFERENCE if source_preference is None else source_preference)
    prod = dataset.production
    rows = prod.loc[(prod["year"] == year) & prod["unit"].isin(list(MASS_UNITS_T))]
    # NOTE (issue 16, 2026-12-02): the source is chosen per (mineral, stage) in plain Python
    # and the rows selected in one merge; the same rows as a pandas loop over the groups,
    # which took 0.1 s of every brief's kernel.
    chosen_keys = _chosen_sources(rows, prefs, year)
    if not chosen_keys:
        raise DataError(f"no production data with World totals for year {year}")
    keys = pd.DataFrame(chosen_keys, columns=["mineral", "stage", "source_id"])
    chosen = rows.merge(keys.astype(rows[keys.columns].dtypes.to_dict()), how="inner")
    qty = chosen["value"].astype(float) * chosen["unit"].map(MASS_UNITS_T).astype(float)
    world = (chosen["country"] == "World").to_numpy()
    world_t: dict[tuple[str, str], float] = {}
    for key, q in zip(
        zip(chosen.loc[world, "mineral"], chosen.loc[world, "stage"], strict=True),
        qty[world],
        strict=True,
    ):
        world_t.setdefault(key, float(q))
    group_world = np.array(
        [world_t[k] for k in zip(chosen["mineral"], chosen["stage"], strict=True)], dtype=float
    )
    part = ~world
    frame = pd.DataFrame(
        {
            "mineral": chosen.loc[part, "mineral"],
            "stage": chosen.loc[part, "stage"],
            "country": chosen.loc[part, "country"],
            "quantity_t": qty[part],
            "share": _share(qty[part].to_numpy(), group_world[part]),
            "source_id": chosen.loc[part, "source_id"],
            "confidence": chosen.loc[part, "confidence"],
        }
    )
    frame["_other"] = frame["country"] == "Other"
    frame = frame.sort_values(
        ["mineral", "stage", "_other", "quantity_t"], ascending=[True, True, True, False]
    )
    return frame.drop(columns="_other").reset_index(drop=True)


def _chosen_sources(
    rows: pd.DataFrame, prefs: Mapping[str, tuple[str, ...]], year: int
) -> list[tuple[str, str, str]]:
    """``(mineral, stage, source_id)`` of the source used for each group of ``rows``: the first
    of ``prefs[stage]`` with a World row, else the first other such source alphabetically; a
    group without any World row is left out (with a warning)."""
    available: dict[tuple[str, str], set[str]] = {}
    for key in zip(rows["mineral"], rows["stage"], strict=True):
        available.setdefault(key, set())
    is_world = rows["country"] == "World"
    for mineral, stage, source in zip(
        rows.loc[is_world, "mineral"],
        rows.loc[is_world, "stage"],
        rows.loc[is_world, "source_id"],
        strict=True,
    ):
        available[(mineral, stage)].add(source)
    chosen = []
    for (mineral, stage), sources in sorted(available.items()):
        order = [s for s in prefs.get(str(stage), ()) if s in sources]
        order += sorted(sources - set(order))
        if not order:
            logger.warning("no World row for %s/%s in %s: skipped", mineral, stage, year)
            continue
        chosen.append((mineral, stage, order[0]))
    return chosen


def _share(quantity_t: np.ndarray, world_t: np.ndarray) -> np.ndarray:
    """Share of World [0-1]; 0 where the World total is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(world_t > 0, quantity_t / world_t, 0.0)


_CONF_RANK: Final[dict[str, int]] = {c: i for i, c in enumerate(CONFIDENCE)}


def base_price(
    dataset: Dataset, mineral: str, stage: str, year: int = 2024
) -> tuple[float, str, str]:
    """The default price of a mineral at a stage, from the series named in price_defaults.csv.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
        Ids from :mod:`mineral_briefs.vocab`.
    year : int
        Year of the annual average [a].

    Returns
    -------
    usd_per_kg : float
        Annual average price [USD/kg] of the default *product* as quoted (per kg Li₂CO₃ for
        lithium, per kg NdPr oxide for magnet REEs) — not per kg of the market's quantity
        basis. Multiply by :func:`price_basis` ``.factor`` before pricing tonnes.
    source_id : str
    confidence : str
        The weaker of the price row's and the default choice's confidence (a proxy series,
        e.g. an oxide price used for ore, is flagged ``assumption``).

    Raises
    ------
    DataError
        When no default is declared or the series has no annual value for ``year``.
    """
    defaults = dataset.price_defaults
    pick = defaults.loc[(defaults["mineral"] == mineral) & (defaults["stage"] == stage)]
    if pick.empty:
        raise DataError(
            f"no default price for {mineral}/{stage}: add a row to "
            f"{dataset.data_dir.name}/price_defaults.csv (mineral, stage, product, market, "
            "source_id, confidence, note)"
        )
    d = pick.iloc[0]
    prices = dataset.prices
    hit = prices.loc[
        (prices["mineral"] == mineral)
        & (prices["product"] == d["product"])
        & (prices["market"] == d["market"])
        & (prices["source_id"] == d["source_id"])
        & (prices["period_type"] == "annual")
        & (prices["period_start"].dt.year == year)
    ]
    if hit.empty:
        raise DataError(
            f"prices.csv has no annual {year} value of {d['product']!r} ({d['market']}, "
            f"{d['source_id']}) named as the default for {mineral}/{stage}"
        )
    row = hit.iloc[0]
    conf = max(str(row["confidence"]), str(d["confidence"]), key=lambda c: _CONF_RANK[c])
    return float(row["usd_per_kg"]), str(row["source_id"]), conf
