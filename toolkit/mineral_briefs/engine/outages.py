"""The scenario's ``supply_outages`` as model inputs (:class:`Outages`, methodology §21)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mineral_briefs.engine.base import ScenarioInputError
from mineral_briefs.engine.cost import _zone
from mineral_briefs.model.outages import Outages
from mineral_briefs.model.timeline import month_offset

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.engine.markets import _BaseYear
    from mineral_briefs.scenarios import Scenario


def _outages(scenario: Scenario, by: _BaseYear) -> Outages:
    """Every outage's market, zone, lost output [fraction of Q0/yr] and dates [months].

    The lost output is ``share × s_country`` (the country's share of the market's base-year
    output) or ``quantity_t_per_year / Q0``; it may not exceed the country's base-year output.
    """
    h0 = scenario.horizon.start
    rows: list[tuple[int, int, float, float, float, float]] = []
    problems: list[str] = []
    for j, ou in enumerate(scenario.supply_outages):
        i = by.idx[(ou.mineral, ou.stage)]  # checked by _check_outage_markets
        g = by.facts[(ou.mineral, ou.stage)]
        s_country = g.share_of((ou.country,))
        where = f"supply_outages[{j}]"
        if s_country <= 0:
            producers = ", ".join(g.producers())
            problems.append(
                f"{where}.country: {ou.country} has no base-year output of "
                f"{ou.mineral}/{ou.stage}; allowed: {producers}"
            )
            continue
        lost = (
            float(ou.share) * s_country
            if ou.share is not None
            else float(ou.quantity_t_per_year or 0.0) / float(by.q0[i])
        )
        if lost > s_country * (1.0 + 1e-9):
            problems.append(
                f"{where}.quantity_t_per_year: {ou.quantity_t_per_year:g} t/yr is more than "
                f"{ou.country}'s base-year output of {ou.mineral}/{ou.stage} "
                f"({s_country * float(by.q0[i]):.6g} t/yr); allowed: at most that"
            )
            continue
        start = month_offset(ou.start, h0)
        end = np.inf if ou.duration_months is None else start + float(ou.duration_months)
        if ou.restart_news is not None:
            end = min(end, month_offset(ou.restart_news, h0))
        zone = _zone(ou.country, scenario.alliance_members)
        rows.append((i, zone, lost, start, end, float(ou.restart_months)))
    if problems:
        raise ScenarioInputError(scenario.id, problems)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    return Outages(
        market=np.asarray(cols[0], np.int64),
        zone=np.asarray(cols[1], np.int64),
        lost=np.asarray(cols[2], float),
        start=np.asarray(cols[3], float),
        end=np.asarray(cols[4], float),
        restart_months=np.asarray(cols[5], float),
    )


def _check_outage_markets(scenario: Scenario, keys: list[tuple[str, str]]) -> list[str]:
    """Problems (key path, market) for outages on markets that are not simulated."""
    sim = set(keys)
    return [
        f"supply_outages[{j}]: market {o.mineral}/{o.stage} is not simulated"
        for j, o in enumerate(scenario.supply_outages)
        if (o.mineral, o.stage) not in sim
    ]
