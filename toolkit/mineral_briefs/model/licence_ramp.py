"""Licences restored over a ramp after a deal suspends (or ends) an export control.

Methodology §5c. With ``w̄_l`` the link's withheld share in its last month in force and
``R`` the control's ``restore_months``, the share after the stop time ``t_s`` is

    w_l(t) = w̄_l · max(0, 1 − (t − t_s) / R)        (R > 0; R = 0 restores at once)

so exports come back linearly over ``R`` months; a regime back in force (snap-back) takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineral_briefs.model.inputs import Controls
from mineral_briefs.model.timeline import F, in_force, last_stop


@dataclass
class RampState:
    """(N, L) withheld share of each link in its last month in force [0–1]."""

    w_last: F


def init_ramp(controls: Controls, n: int, fdt: type) -> RampState | None:
    """The ramp's memory, or ``None`` when no control restores licences gradually."""
    if controls.restore_months.size == 0 or not (controls.restore_months > 0).any():
        return None
    return RampState(w_last=np.zeros((n, controls.link_control.size), fdt))


def restored_share(rs: RampState, c: Controls, t: float, w_link: F) -> F:
    """The links' withheld share with gradual restoration after a stop [0–1].

    Parameters
    ----------
    rs : RampState
    c : Controls
    t : float
        Month midpoint [months since horizon start].
    w_link : array (N, L)
        Withheld share of the regimes in force this month (0 where none is) [0–1].
    """
    lc = c.link_control
    active, _ = in_force(t, c.effective[lc], c.suspended[lc], c.snap_back[lc], c.ends[lc])
    rs.w_last = np.where(active, w_link, rs.w_last)
    stop = last_stop(t, c.suspended[lc], c.ends[lc])
    r = c.restore_months[lc]
    frac = np.where(r > 0, 1.0 - (t - stop) / np.maximum(r, 1e-9), 0.0)
    frac = np.where(np.isnan(stop), 0.0, np.clip(frac, 0.0, 1.0))
    return np.where(active, w_link, rs.w_last * frac)
