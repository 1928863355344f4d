"""Hand-built model inputs shared by the mechanism tests (no scenario, no data folder)."""

from __future__ import annotations

import numpy as np
from mineral_briefs.model.inputs import Controls

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
