"""Hand-built model inputs shared by the mechanism tests (no scenario, no data folder)."""

from __future__ import annotations

from typing import Any

import numpy as np
from mineral_briefs.model.inputs import Controls, Markets

_ONE_CONTROL: dict[str, float] = {
    "announced": 0.0,
    "effective": 0.0,
    "suspended": np.nan,
    "snap_back": np.nan,
    "ends": np.nan,
    "front_months": 0.0,
    "leakage": 0.0,
    "link_coef": 1.0,
}


def one_control(**fields: float) -> Controls:
    """One export control linked to market 0, in force from month 0 with no end.

    Each keyword sets one :class:`Controls` field of the control (``quota_t=300.0``,
    ``suspended=6.0``, ``restore_months=4.0`` …); fields not named keep the defaults above, and
    the optional ones (quotas, restore months) stay empty unless named.
    """
    values = {**_ONE_CONTROL, **fields}
    return Controls(
        **{name: np.array([value]) for name, value in values.items()},
        link_market=np.array([0]),
        link_control=np.array([0]),
        link_mode=np.array([0]),
    )


_ONE_MARKET: dict[str, float] = {
    "q0_t": 1e5,
    "p0_usd_per_kg": 10.0,
    "capacity_lag_months": 18,
    "choke": 6.0,
    "headroom_sr": 1.1,
    "headroom_lr": 2.0,
    "inventory_release": 0.8,
    "downstream_dependence": 0.0,
}


def one_market(
    months: int,
    *,
    mineral: str = "lithium",
    stage: str = "refining",
    supply: tuple[float, float, float] = (0.9, 0.05, 0.05),
    demand: tuple[float, float, float] = (0.4, 0.3, 0.3),
    **fields: Any,
) -> Markets:
    """One market with no upstream and flat demand over ``months``.

    ``supply`` and ``demand`` are the (China, Alliance, RoW) shares; each other keyword sets
    one :class:`Markets` field (``choke=50.0``, ``holders=rules`` …): numbers become the
    market's one-element array, objects pass through; unnamed fields keep the defaults above.
    """
    values = {**_ONE_MARKET, **fields}
    return Markets(
        mineral=(mineral,),
        stage=(stage,),
        supply_share=np.array(supply, dtype=float)[:, None],
        demand_share=np.array(demand, dtype=float)[:, None],
        log_growth=np.zeros((months, 1)),
        upstream=np.array([-1]),
        **{k: np.array([v]) if isinstance(v, (int, float)) else v for k, v in values.items()},
    )
