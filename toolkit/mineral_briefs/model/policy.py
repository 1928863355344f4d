"""Policy levers: price floors (variable tariff, CfD, offtake) and stockpile rules."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

KG_PER_T: float = 1000.0

INSTRUMENT_CODES: dict[str, int] = {"variable_tariff": 0, "cfd": 1, "offtake": 2}


def cfd_fiscal_cost(
    floor_usd_per_kg: F | float, benchmark_usd_per_kg: F | float, covered_t: F | float
) -> F:
    """Fiscal cost of a contract for difference [USD]: ``max(0, P_f − P_bench) × Q``.

    Parameters
    ----------
    floor_usd_per_kg : float or array
        Floor (strike) price [USD/kg].
    benchmark_usd_per_kg : float or array
        Market benchmark price [USD/kg].
    covered_t : float or array
        Covered volume [t].

    References
    ----------
    methods.md §9.3 (DoD–MP Materials 2025: DoD pays the difference to $110/kg).
    """
    gap = np.maximum(
        np.asarray(floor_usd_per_kg, float) - np.asarray(benchmark_usd_per_kg, float), 0.0
    )
    return gap * np.asarray(covered_t, float) * KG_PER_T


def offtake_fiscal_cost(
    floor_usd_per_kg: F | float, market_usd_per_kg: F | float, volume_t: F | float
) -> F:
    """Net cost of buying ``volume_t`` at the floor and reselling at market [USD] (may be < 0)."""
    return (
        (np.asarray(floor_usd_per_kg, float) - np.asarray(market_usd_per_kg, float))
        * np.asarray(volume_t, float)
        * KG_PER_T
    )


def variable_levy(floor: F | float, world_price: F | float) -> F:
    """Specific levy ``τ = max(0, P_f − P_w)`` [same unit as the prices]. methods.md §9.2.

    Parameters
    ----------
    floor : float or array
        Price the levy lifts imports to (the floor, or the members' price when that is
        lower) [USD/kg].
    world_price : float or array
        Outside (world) price the imports arrive at [USD/kg].
    """
    return np.maximum(np.asarray(floor, float) - np.asarray(world_price, float), 0.0)


def tariff_revenue(levy_usd_per_kg: F | float, imports_t: F | float, leakage: F | float) -> F:
    """Levy revenue ``T = τ·M·(1 − λ)`` [USD]: only dutiable imports pay.

    Parameters
    ----------
    levy_usd_per_kg : float or array
        Specific levy τ [USD/kg].
    imports_t : float or array
        Members' imports of the floored product M ≥ 0 [t].
    leakage : float or array
        Share λ of the imports that enters levy-free through third countries [0–1].

    References
    ----------
    methods.md §9.2 (revenue ``T = τ·M``; leakage λ).
    """
    imports = np.maximum(np.asarray(imports_t, float), 0.0)
    return (
        np.asarray(levy_usd_per_kg, float) * imports * (1.0 - np.asarray(leakage, float)) * KG_PER_T
    )


def levy_consumer_cost(levy_usd_per_kg: F | float, consumption_t: F | float) -> F:
    """Extra cost of a variable levy to members' consumers ``τ·D_A`` [USD].

    Every tonne the members consume is bought at the levy-inclusive price, whether imported
    (dutiable or leaked) or made at home; the levy part of it is the consumers' cost.

    Parameters
    ----------
    levy_usd_per_kg : float or array
        Rise of the members' price over the outside price τ [USD/kg].
    consumption_t : float or array
        Members' consumption of the floored product D_A ≥ 0 [t].
    """
    return (
        np.asarray(levy_usd_per_kg, float)
        * np.maximum(np.asarray(consumption_t, float), 0.0)
        * KG_PER_T
    )


def stockpile_release(level: F, gap: F, max_share: F | float, triggered: F) -> F:
    """Release ``r = min(S, s_max·max(0, gap))`` when triggered [quantity per step].

    Parameters
    ----------
    level : array
        Stockpile level S ≥ 0 [quantity].
    gap : array
        Shortfall at the base price after private stock draws [quantity per step].
    max_share : array
        Largest share of the gap the stockpile covers [0–1].
    triggered : array of bool
        Release rule met (shortfall > 0, or price above the trigger multiple).

    References
    ----------
    methods.md §8.6.
    """
    want = max_share * np.maximum(gap, 0.0)
    return np.where(triggered, np.minimum(np.maximum(level, 0.0), want), 0.0)


def stockpile_refill(level: F, target: F, rate: F, price: F, below: F) -> F:
    """Purchases ``min(target − S, rate)`` while the price is at or below ``below``
    [quantity/step].

    NOTE: the purchases are capped at what the market supplies at ``below`` (the refill room
    of ``stocks._refill_room``), so a refill leaves the price at ``below`` exactly. With a
    strict ``<`` the next month read that price as too high, bought nothing, the price fell
    (×0.89 after an antimony outage) and the refill resumed the month after: the price
    alternated ×1.1 / ×0.89 month by month.
    """
    room = np.maximum(target - level, 0.0)
    return np.where(price <= below * (1.0 + 1e-6), np.minimum(room, rate), 0.0)
