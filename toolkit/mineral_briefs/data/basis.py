"""Price basis: what a tonne of a market is, what its price is quoted on, and the factor between.

A market is sized in ``production.csv`` ``basis`` units (e.g. Li content) while its default
price is quoted per kg of a product (e.g. lithium carbonate); ``conversions.csv`` links the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mineral_briefs.data.dataset import Dataset
from mineral_briefs.data.market import _CONF_RANK, MARKET_SOURCE_PREFERENCE
from mineral_briefs.data.schemas import MASS_UNITS_T, split_multi
from mineral_briefs.errors import DataError

CONVERSIONS_FILE: Final[str] = "conversions.csv"
_CONTENT_STAGE_ORDER: Final[tuple[str, ...]] = (
    "mining",
    "refining",
    "magnets",
    "battery_materials",
)
"""Stage order of the supply chain: a share-only stage is sized by the stage before it."""


@dataclass(frozen=True)
class PriceBasis:
    """How the default price of one market relates to what a tonne of that market is.

    ``factor`` multiplies a price per kg of ``product`` into a price per kg of
    ``quantity_basis``: ``USD/kg content = USD/kg product × factor`` (for lithium
    5.323 kg Li₂CO₃ per kg Li). Money = price per kg of the quantity basis × tonnes × 1000.
    """

    mineral: str
    stage: str
    quantity_basis: str
    """What one tonne of the market is (``production.csv`` ``basis``), e.g. ``Li content``."""
    product: str
    """The priced product (``price_defaults.csv`` ``product``), e.g. lithium carbonate."""
    factor: float
    """kg of ``product`` per kg of ``quantity_basis`` [-]."""
    source_id: str
    """``;``-joined source ids of the conversion rows used (empty for an identity)."""
    confidence: str
    """The weakest confidence of the conversion rows used (``confirmed`` for an identity)."""
    path: tuple[str, ...]
    """The bases passed through, from ``quantity_basis`` to ``product``."""
    content_label: str = ""
    """Short name of the quantity basis once aliases are resolved, e.g. ``Li content``."""
    product_label: str = ""
    """Short name of the price basis, e.g. ``LCE`` (for "USD/kg LCE")."""


def conversion_factor(
    dataset: Dataset,
    mineral: str,
    from_basis: str,
    to_basis: str,
    market: str | None = None,
) -> tuple[float, str, str, tuple[str, ...]]:
    """kg of ``to_basis`` per kg of ``from_basis``, chained through ``conversions.csv``.

    Each row of the table is an edge ``from_basis → to_basis`` (``factor``) and its inverse
    (``1/factor``); rows of ``mineral`` and of ``all`` are used. The shortest chain wins.

    Parameters
    ----------
    dataset : Dataset
    mineral : str
    from_basis, to_basis : str
        Basis labels as written in ``production.csv`` (``basis``), ``price_defaults.csv``
        (``product``) or ``conversions.csv``.
    market : str, optional
        ``mineral/stage`` named in the error message.

    Returns
    -------
    factor : float
        kg of ``to_basis`` per kg of ``from_basis`` [-]; a price per kg of ``to_basis`` times
        ``factor`` is a price per kg of ``from_basis``.
    source_id : str
        ``;``-joined ids of the rows used ("" when the bases are equal).
    confidence : str
        Weakest confidence of the rows used.
    path : tuple of str
        The bases passed through.

    Raises
    ------
    DataError
        When no chain of rows links the two bases. A factor of 1 is never assumed.
    """
    if from_basis == to_basis:
        return 1.0, "", "confirmed", (from_basis,)
    conv = dataset.conversions
    rows = conv.loc[conv["mineral"].isin([mineral, "all"])]
    edges: dict[str, list[tuple[str, float, str, str]]] = {}
    for r in rows.itertuples(index=False):
        f = float(r.factor)
        edges.setdefault(str(r.from_basis), []).append(
            (str(r.to_basis), f, str(r.source_id), str(r.confidence))
        )
        edges.setdefault(str(r.to_basis), []).append(
            (str(r.from_basis), 1.0 / f, str(r.source_id), str(r.confidence))
        )
    # breadth-first: the fewest rows between the two bases
    prev: dict[str, tuple[str, float, str, str] | None] = {from_basis: None}
    frontier = [from_basis]
    while frontier and to_basis not in prev:
        nxt = []
        for node in frontier:
            for dst, f, src, conf in edges.get(node, ()):
                if dst not in prev:
                    prev[dst] = (node, f, src, conf)
                    nxt.append(dst)
        frontier = nxt
    if to_basis not in prev:
        where = f"market {market}" if market else f"mineral {mineral}"
        raise DataError(
            f"{dataset.data_dir.name}/{CONVERSIONS_FILE} has no conversion for {where} from "
            f"basis {from_basis!r} to {to_basis!r}: add a row (mineral, from_basis, to_basis, "
            "factor, source_id, confidence, note); a factor of 1 is never assumed"
        )
    factor, srcs, confs, path = 1.0, [], [], [to_basis]
    node = to_basis
    while (step := prev[node]) is not None:
        node, f, src, conf = step
        factor *= f
        srcs.extend(split_multi(src))
        confs.append(conf)
        path.append(node)
    weakest = max(confs, key=lambda c: _CONF_RANK[c])
    return factor, ";".join(dict.fromkeys(reversed(srcs))), weakest, tuple(reversed(path))


def quantity_basis(dataset: Dataset, mineral: str, stage: str, source_id: str | None = None) -> str:
    """What one tonne of a market is: the ``basis`` of the production rows that size it.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
    source_id : str, optional
        The source :func:`market_base` picked for the group; default: the first source of
        :data:`MARKET_SOURCE_PREFERENCE` that has tonnage for the group.

    Returns
    -------
    str
        E.g. ``"Li content"``. A stage with shares only (magnets, rare-earth refining) is
        sized by the stage before it, so it takes that stage's basis.

    Raises
    ------
    DataError
        When the group has no tonnage rows and no upstream stage, or the chosen source mixes
        several bases.
    """
    prod = dataset.production
    grp = prod.loc[
        (prod["mineral"] == mineral)
        & (prod["stage"] == stage)
        & prod["unit"].isin(list(MASS_UNITS_T))
    ]
    available = [str(s) for s in dict.fromkeys(grp["source_id"])]
    chosen: str | None
    if source_id in available:
        chosen = source_id
    else:
        prefs = [s for s in MARKET_SOURCE_PREFERENCE.get(stage, ()) if s in available]
        ordered = prefs or sorted(available)
        chosen = ordered[0] if ordered else None
    if chosen is None:
        order = _CONTENT_STAGE_ORDER
        if stage in order and order.index(stage) > 0:
            return quantity_basis(dataset, mineral, order[order.index(stage) - 1])
        raise DataError(
            f"{dataset.data_dir.name}/production.csv has no tonnage rows for {mineral}/{stage}: "
            "its quantity basis is unknown"
        )
    bases = sorted(set(grp.loc[grp["source_id"] == chosen, "basis"].astype(str)))
    if len(bases) != 1:
        raise DataError(
            f"{dataset.data_dir.name}/production.csv mixes bases for {mineral}/{stage} "
            f"({chosen}): " + ", ".join(repr(b) for b in bases)
        )
    return bases[0]


def price_basis(
    dataset: Dataset, mineral: str, stage: str, source_id: str | None = None
) -> PriceBasis:
    """The conversion from a market's default price product to its quantity basis.

    Parameters
    ----------
    dataset : Dataset
    mineral, stage : str
    source_id : str, optional
        Production source that sizes the market (see :func:`quantity_basis`).

    Returns
    -------
    PriceBasis

    Raises
    ------
    DataError
        When the market has no default price (``price_defaults.csv``) or
        ``conversions.csv`` cannot link its quantity basis to the priced product.
    """
    defaults = dataset.price_defaults
    pick = defaults.loc[(defaults["mineral"] == mineral) & (defaults["stage"] == stage)]
    if pick.empty:
        raise DataError(
            f"no default price for {mineral}/{stage}: add a row to "
            f"{dataset.data_dir.name}/price_defaults.csv (its product fixes the price basis)"
        )
    product = str(pick.iloc[0]["product"])
    qb = quantity_basis(dataset, mineral, stage, source_id)
    factor, src, conf, path = conversion_factor(
        dataset, mineral, qb, product, market=f"{mineral}/{stage}"
    )
    # NOTE: labels for text ("USD/kg LCE"): the last basis reached through factor-1 aliases
    # is what a tonne is; the basis after it is what the price is quoted on.
    last = 0
    for i in range(1, len(path) - 1):
        if abs(conversion_factor(dataset, mineral, qb, path[i])[0] - 1.0) < 1e-12:
            last = i
        else:
            break
    content_label = path[last]
    product_label = path[last + 1] if len(path) > 1 else product
    return PriceBasis(
        mineral, stage, qb, product, factor, src, conf, path, content_label, product_label
    )
