"""Engine runs shared by the lever tests: the built-in data and each scenario's central run,
computed once per test process."""

from __future__ import annotations

from functools import cache

from mineral_briefs import engine
from mineral_briefs.data import Dataset, load_dataset
from mineral_briefs.scenarios import Scenario


@cache
def shared_dataset() -> Dataset:
    """The built-in data folder (one object, so engine memos keyed on it are shared)."""
    return load_dataset()


@cache
def central_run(sc: Scenario) -> engine.Results:
    """``sc`` run on :func:`shared_dataset` without Monte Carlo draws."""
    return engine.run(sc, shared_dataset(), draws=0)


def kpi_value(r: engine.Results, mineral: str, stage: str, kpi: str) -> float:
    """One KPI's central value as a float."""
    return float(r.kpi(mineral, stage, kpi))
