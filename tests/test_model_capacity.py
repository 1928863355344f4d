"""Capacity expansion after a shock (methodology §3): projects finish only while the price pays
for them. Unit test of :func:`mineral_briefs.model.adjust.build_price` and a real engine run."""

from __future__ import annotations

import numpy as np
import pandas as pd
from engine_runs import central_run
from mineral_briefs.model.adjust import build_price
from mineral_briefs.model.codelist import variable
from mineral_briefs.scenarios import parse_scenario


def test_capacity_expands_on_the_lagged_price_but_no_more_than_todays() -> None:
    lag = np.log(np.array([3.0, 3.0, 3.0, 0.5, 1.0]))
    now = np.log(np.array([1.0, 2.0, 5.0, 4.0, 0.2]))
    got = np.exp(build_price(lag, now))
    # a spike decided on, price back at base: nothing more is built; price half-way down:
    # built on today's price; price higher still: on the decision price (the build lag
    # stands); a low lagged price (closures) and the base are untouched
    np.testing.assert_allclose(got, [1.0, 2.0, 3.0, 0.5, 1.0])


def _price(sc_yaml: str, mineral: str, stage: str) -> pd.Series:
    r = central_run(parse_scenario(sc_yaml, check_sources=False))
    ts = r.timeseries
    sel = ts[(ts["variable"] == variable("Price", mineral, stage)) & (ts["region"] == "China")]
    s = sel.set_index("time")["value"].sort_index()
    return s / s.iloc[0]


def test_a_one_year_outage_leaves_no_capacity_glut_after_it() -> None:
    """A year's 50 % outage of China's gallium refining spikes the price (×15); once output is
    back, capacity decided on the spike is not finished, so the price does not crash far below
    the base. Before, capacity kept growing for 18 months on the spike and the price sat at
    ×0.07 for half a year (below ×0.5 for 18 months)."""
    p = _price(
        """
id: probe_outage_glut
extends: baseline
horizon: {start: 2025-10, months: 63}
supply_outages:
  - {country: CHN, mineral: gallium, stage: refining, share: 0.5, start: 2026-01-01,
     duration_months: 12}
""",
        "gallium",
        "refining",
    )
    assert p.max() > 5.0  # the outage bites
    after = p[p.index >= "2027-01-01"]
    assert after.min() > 0.3, after.min()
    assert (after < 0.5).sum() <= 6, (after < 0.5).sum()
