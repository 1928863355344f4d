"""Rules of the private stock holders outside China (methodology §6a): the static parameters
shared by :mod:`~mineral_briefs.model.holders_commercial`,
:mod:`~mineral_briefs.model.holders_precautionary` and
:mod:`~mineral_briefs.model.holders_speculative`.

Kept in its own module (numpy only) so that :mod:`mineral_briefs.model.inputs` can carry the
rules on :class:`~mineral_briefs.model.inputs.Markets` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]


@dataclass(frozen=True)
class HolderRules:
    """Per-market (M,) parameters of the three private holders (``data/model_parameters.csv``).

    The three ``*_on`` switches are 0 or 1 per market; a holder whose switch is 0 behaves as
    before issue 12 item 3 (no precautionary or speculative stocks, no catch-up restocking).
    """

    commercial_on: F
    """Catch-up restocking of commercial working stock after a disruption [0/1]."""
    restock_months: F
    """τ_r: months over which commercial holders rebuild their working stock [months]."""
    restock_below: F
    """Commercial holders restock only while last month's outside price is at most this [x P0]."""
    precautionary_on: F
    """Precautionary holders active [0/1]."""
    precaution_months: F
    """ΔT_p: extra months of the threatened supply that exposed buyers want to hold [months]."""
    precaution_build_months: F
    """τ_p: months over which precautionary holders reach (or sell down to) their target."""
    speculative_on: F
    """Speculative holders active [0/1]."""
    speculative_months: F
    """S_max: position limit of the speculators, months of outside demand [months]."""
    speculative_trend: F
    """g: smoothed monthly log price change at which speculators hold their full position [-]."""
    speculative_months_smoothing: F
    """τ_s: smoothing of the price trend and speed of the position's adjustment [months]."""

    def cast(self, dtype: Any) -> HolderRules:
        """Copy with every array in ``dtype`` (the simulation's working precision)."""
        return replace(self, **{f.name: getattr(self, f.name).astype(dtype) for f in fields(self)})

    @property
    def any_on(self) -> bool:
        """Whether any holder is switched on in any market."""
        return bool(
            (self.commercial_on > 0).any()
            or (self.precautionary_on > 0).any()
            or (self.speculative_on > 0).any()
        )


RULE_PARAMETERS: dict[str, str] = {
    "commercial_on": "holders_commercial_catchup",
    "restock_months": "commercial_restock_months",
    "restock_below": "commercial_restock_below",
    "precautionary_on": "holders_precautionary",
    "precaution_months": "precautionary_cover_months",
    "precaution_build_months": "precautionary_build_months",
    "speculative_on": "holders_speculative",
    "speculative_months": "speculative_cover_months",
    "speculative_trend": "speculative_trend",
    "speculative_months_smoothing": "speculative_smoothing_months",
}
"""Field of :class:`HolderRules` → parameter name in ``data/model_parameters.csv``."""
