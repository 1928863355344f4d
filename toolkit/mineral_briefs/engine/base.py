"""The market base: base-year output by market and country, base prices and price bases,
memoised per Dataset (the only scenario-independent state the engine keeps between runs)."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineral_briefs.errors import DataError, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset, PriceBasis
    from mineral_briefs.scenarios import Scenario

logger = logging.getLogger(__name__)

DEFAULT_BASE_YEAR = 2024
UNATTRIBUTED_OTHER_SHARE = 0.05
"""`Other` share of world output [0–1] from which an alliance without its own production rows
makes alliance self-sufficiency unattributable (NaN with a note)."""
STAGE_ORDER = ("mining", "refining", "magnets", "battery_materials")


class ScenarioInputError(ScenarioError):
    """A scenario asks for what the data cannot give (a lever on a market without base data,
    an outage larger than the country's output …).

    ``problems`` holds one ``key.path: what is wrong; allowed: …`` line per problem; the
    message names the scenario by its id. :func:`mineral_briefs.engine.check_scenario`
    names the file (and the file it extends) that set each key instead.
    """

    def __init__(self, scenario_id: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"scenario {scenario_id}: {p}" for p in self.problems))


def _base_year(scenario: Scenario) -> int:
    """The scenario's base year (``base_overrides.base_year``), else :data:`DEFAULT_BASE_YEAR`."""
    ov = scenario.base_overrides
    return int(ov.base_year) if ov is not None and ov.base_year else DEFAULT_BASE_YEAR


def quantity_year(scenario: Scenario, dataset: Dataset, mineral: str, stage: str) -> int:
    """The year whose production data sizes a market's base: the scenario's base year where
    the data hold that year for the market, else :data:`DEFAULT_BASE_YEAR` (the fallback of
    :func:`_data_base`)."""
    year = _base_year(scenario)
    if year == DEFAULT_BASE_YEAR:
        return year
    # NOTE: a pure look-up of the data, memoised per Dataset (a brief asks once per market)
    memo = _memo(dataset)
    key = ("year_markets", year)
    if key not in memo:
        try:
            other = _market_base(dataset, year)
            memo[key] = frozenset(zip(other["mineral"], other["stage"], strict=True))
        except DataError:
            memo[key] = frozenset()
    return year if (mineral, stage) in memo[key] else DEFAULT_BASE_YEAR


def _price_year(scenario: Scenario) -> int | None:
    """The year whose annual price the model starts from: the scenario's own
    ``base_overrides.base_year`` (historical replays), else ``None`` = the latest year with a
    sourced annual price up to the start of the horizon (:func:`_latest_price_years`)."""
    ov = scenario.base_overrides
    return int(ov.base_year) if ov is not None and ov.base_year else None


def _latest_price_years(dataset: Dataset, mineral: str, stage: str, up_to: int) -> list[int]:
    """Years with an annual value of the market's default price series, latest first, none
    after ``up_to`` [a] (empty when the market has no default series).

    # NOTE: the base price is the latest *sourced* annual average up to the year the horizon
    # starts (2025 for the October 2025 scenarios: NdPr 69 USD/kg, USGS_MCS2026 estimate), not a
    # fixed 2024: the model starts from the latest data. Quantities keep the latest year with
    # production data (the market base); a month-level observed series is shown beside the
    # path, never fed into it.
    """
    # NOTE: a pure look-up of the data, memoised per Dataset: it cost ≈25 ms per market and
    # run (0.8 s of a 2 s central run), which a sweep of many points pays every time.
    memo = _memo(dataset)
    key = ("latest_price_years", mineral, stage, up_to)
    if key not in memo:
        memo[key] = _find_price_years(dataset, mineral, stage, up_to)
    return list(memo[key])


def _find_price_years(dataset: Dataset, mineral: str, stage: str, up_to: int) -> list[int]:
    """:func:`_latest_price_years` without the memo."""
    d = dataset.price_defaults
    pick = d.loc[(d["mineral"] == mineral) & (d["stage"] == stage)]
    if pick.empty:
        return []
    row = pick.iloc[0]
    p = dataset.prices
    hit = p.loc[
        (p["mineral"] == mineral)
        & (p["product"] == row["product"])
        & (p["market"] == row["market"])
        & (p["source_id"] == row["source_id"])
        & (p["period_type"] == "annual")
        & p["usd_per_kg"].notna()
    ]
    years = sorted({int(y) for y in hit["period_start"].dt.year if int(y) <= up_to}, reverse=True)
    return years


def _is_next(stage: str, other: str) -> bool:
    """True when ``other`` is the stage right after ``stage`` in :data:`STAGE_ORDER`."""
    return (
        stage in STAGE_ORDER
        and other in STAGE_ORDER
        and STAGE_ORDER.index(other) == STAGE_ORDER.index(stage) + 1
    )


_DATA_CACHE: dict[tuple[int, tuple[tuple[str, str], ...]], dict[tuple[Any, ...], Any]] = {}
"""Per-Dataset memo of pure data look-ups (market base, base prices), keyed by the object's
id *and* its file checksums, evicted when the Dataset is garbage-collected."""


def _memo(dataset: Dataset) -> dict[tuple[Any, ...], Any]:
    """The look-up memo of one Dataset object.

    NOTE: keyed per object (plus checksums), not globally by checksum: a Dataset built from
    the same files but with edited frames (tests, what-if data) never sees another's values,
    and nothing leaks between scenarios because only scenario-independent look-ups are kept.
    """
    key = (id(dataset), tuple(sorted(dataset.checksums.items())))
    memo = _DATA_CACHE.get(key)
    if memo is None:
        memo = _DATA_CACHE[key] = {}
        weakref.finalize(dataset, _DATA_CACHE.pop, key, None)
    return memo


def _market_base(dataset: Dataset, year: int) -> pd.DataFrame:
    """:func:`mineral_briefs.data.market_base` memoised per Dataset (a copy is returned)."""
    from mineral_briefs.data import market_base

    memo = _memo(dataset)
    key = ("market_base", year)
    if key not in memo:
        try:
            memo[key] = market_base(dataset, year)
        except DataError as exc:
            memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit.copy()


def _base_price(dataset: Dataset, mineral: str, stage: str, year: int) -> tuple[float, str, str]:
    """:func:`mineral_briefs.data.base_price` memoised per Dataset."""
    from mineral_briefs.data import base_price

    memo = _memo(dataset)
    key = ("base_price", mineral, stage, year)
    if key not in memo:
        try:
            memo[key] = base_price(dataset, mineral, stage, year)
        except DataError as exc:
            memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit


def _price_basis(
    dataset: Dataset, mineral: str, stage: str, source_id: str | None
) -> PriceBasis | None:
    """:func:`mineral_briefs.data.price_basis` memoised per Dataset; None when the market has no
    default price (a missing *conversion* raises :class:`DataError`)."""
    from mineral_briefs.data import price_basis

    memo = _memo(dataset)
    key = ("price_basis", mineral, stage, source_id)
    if key not in memo:
        d = dataset.price_defaults
        if not ((d["mineral"] == mineral) & (d["stage"] == stage)).any():
            memo[key] = None
        else:
            try:
                memo[key] = price_basis(dataset, mineral, stage, source_id)
            except DataError as exc:
                memo[key] = exc
    hit = memo[key]
    if isinstance(hit, DataError):
        raise hit
    return hit  # type: ignore[no-any-return]


def own_price_basis(
    scenario: Scenario,
    dataset: Dataset,
    source_ids: Sequence[str],
    mi: str,
    st: str,
    overridden: bool,
) -> PriceBasis | None:
    """The market's price basis, looked up with its own production source.

    Raises
    ------
    DataError
        When the scenario overrides the price of a market that has no price product.
    """
    own_src = [x for x in source_ids if x != "scenario"]
    try:
        pb = _price_basis(dataset, mi, st, own_src[0] if own_src else None)
    except DataError as exc:
        if own_src:  # the data's own market: a data problem, reported as such
            raise
        # NOTE: a market the scenario creates (base_overrides only) reached the data's
        # quantity-basis lookup, whose message named a stage the scenario never mentions
        raise DataError(
            f"scenario {scenario.id}: base_overrides sizes {mi}/{st}, but "
            f"{dataset.data_dir.name}/production.csv has no tonnage rows for {mi}, so it is not "
            f"known what its tonnes are tonnes of (content or product); allowed: a market with "
            f"production data ({exc})"
        ) from exc
    if pb is None and overridden:
        raise DataError(
            f"scenario {scenario.id}: base_overrides.prices sets {mi}/{st} but "
            f"{dataset.data_dir.name}/price_defaults.csv names no product for it, so the "
            "price basis (per kg of what) is unknown; add a price_defaults row"
        )
    return pb


PRICE_BASIS_COLUMNS: tuple[str, ...] = (
    "mineral",
    "stage",
    "quantity_basis",
    "content_label",
    "price_product",
    "price_label",
    "content_per_product_factor",
    "p0_product_usd_per_kg",
    "p0_content_usd_per_kg",
    "source_id",
    "confidence",
    "p0_year",
)
"""Columns of ``Results.price_basis`` / ``_Built.price_basis`` (docs/architecture.md)."""


def _base_frame(scenario: Scenario, dataset: Dataset, base_year: int) -> pd.DataFrame:
    """Base-year output per market and country (``MARKET_BASE_COLUMNS``): the data's market
    base, share-only stages sized from upstream, then the scenario's production overrides."""
    # NOTE: the data part depends on the dataset and the base year only: memoised per Dataset
    # (0.2 s a run; a sweep runs the same data hundreds of times). A copy is handed out.
    memo = _memo(dataset)
    key = ("base_frame", base_year)
    if key not in memo:
        memo[key] = _add_share_only_stages(_data_base(dataset, base_year), dataset)
    base = memo[key].copy()
    ov = scenario.base_overrides
    if ov is not None and ov.production:
        base = _override_production(base, ov.production)
    return base.reset_index(drop=True)


def _data_base(dataset: Dataset, base_year: int) -> pd.DataFrame:
    """The :data:`DEFAULT_BASE_YEAR` market base, its markets replaced by those the base year
    has data for."""
    from mineral_briefs.data import MARKET_BASE_COLUMNS

    frames = []
    why = ""
    try:
        frames.append(_market_base(dataset, DEFAULT_BASE_YEAR))
    except DataError as exc:
        why = str(exc)
        logger.warning("no %s market base: %s", DEFAULT_BASE_YEAR, why)
    if base_year != DEFAULT_BASE_YEAR:
        try:
            other = _market_base(dataset, base_year)
            keys = set(zip(other["mineral"], other["stage"], strict=True))
            if frames:
                f0 = frames[0]
                keep = [(m, s) not in keys for m, s in zip(f0["mineral"], f0["stage"], strict=True)]
                frames[0] = f0.loc[keep]
            frames.append(other)
        except DataError:
            logger.info("no market base for %s: using %s shares", base_year, DEFAULT_BASE_YEAR)
    if not frames:
        # NOTE: the reader's reason used to be logged and dropped, and the run failed later
        # with "no market has base data", naming no file (2026-12-03 audit)
        raise DataError(
            f"data/production.csv: no market has base data for {DEFAULT_BASE_YEAR}"
            + (f" or {base_year}" if base_year != DEFAULT_BASE_YEAR else "")
            + f" (world and country rows of one year per market): {why}"
        )
    cols = list(MARKET_BASE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[cols]


def _add_share_only_stages(base: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Append the markets that have output shares but no tonnes, sized from upstream."""
    # NOTE: some stages have share data only (magnets: China ≈ 90 %; rare-earth refining:
    # China 91 %, FAS_2025). Such a market is sized by its upstream stage's world flow
    # (material-equivalent tonnes: one tonne of feed gives one tonne of product) and split by
    # the reported output shares.
    prod = dataset.production
    pct = prod.loc[(prod["unit"] == "%") & (prod["country"] != "World")]
    have = set(zip(base["mineral"], base["stage"], strict=True))
    extra = []
    for (mi, st), rows_ in pct.groupby(["mineral", "stage"], sort=True):
        if (mi, st) in have or st not in STAGE_ORDER or STAGE_ORDER.index(st) == 0:
            continue
        up = base.loc[
            (base["mineral"] == mi) & (base["stage"] == STAGE_ORDER[STAGE_ORDER.index(st) - 1])
        ]
        if up.empty:
            continue
        latest = rows_.loc[rows_["year"] == int(rows_["year"].max())]
        world = float(up["quantity_t"].sum())
        shares = latest["value"].astype(float) / 100.0
        extra.append(
            pd.DataFrame(
                {
                    "mineral": mi,
                    "stage": st,
                    "country": latest["country"].to_numpy(),
                    "quantity_t": (shares * world).to_numpy(),
                    "share": shares.to_numpy(),
                    "source_id": latest["source_id"].to_numpy(),
                    "confidence": latest["confidence"].to_numpy(),
                }
            )
        )
    if extra:
        base = pd.concat([base, *extra], ignore_index=True)
    return base


def _override_production(base: pd.DataFrame, production: Sequence[Any]) -> pd.DataFrame:
    """Apply ``base_overrides.production`` (historical replays) and recompute the shares."""
    for p in production:
        sel = (base["mineral"] == p.mineral) & (base["stage"] == p.stage)
        hit = sel & (base["country"] == p.country)
        if hit.any():
            base.loc[hit, "quantity_t"] = float(p.quantity_t)
            base.loc[hit, "source_id"] = "scenario"
        else:
            base = pd.concat(
                [
                    base,
                    pd.DataFrame(
                        [
                            {
                                "mineral": p.mineral,
                                "stage": p.stage,
                                "country": p.country,
                                "quantity_t": float(p.quantity_t),
                                "share": 0.0,
                                "source_id": "scenario",
                                "confidence": "assumption",
                            }
                        ]
                    ),
                ],
                ignore_index=True,
            )
    totals = base.groupby(["mineral", "stage"])["quantity_t"].transform("sum")
    base["share"] = np.where(totals > 0, base["quantity_t"] / totals, 0.0)
    return base
