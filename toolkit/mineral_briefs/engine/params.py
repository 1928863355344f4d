"""Model parameters as the engine reads them: ``model_parameters.csv`` look-ups with fallbacks
(:class:`_Params`) and the end-use demand shares of a set of countries."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import pandas as pd

from mineral_briefs.errors import DataError
from mineral_briefs.vocab import EU27, STAGES

ASSUMED_LR_DEMAND_SCALE: str = "elasticity_demand_lr_assumed_scale"
"""Global factor on every long-run demand elasticity whose row is a labelled assumption
(``source_id`` ASSUMPTION); sourced rows are read as they stand (methodology §15a)."""


class _Params:
    """Lookup in ``model_parameters`` with fallbacks: (mineral, p_stage) → (mineral, p) →
    (all, p_stage) → (all, p).

    Long-run demand elasticities labelled ASSUMPTION are multiplied by the global
    :data:`ASSUMED_LR_DEMAND_SCALE`, which a table with long-run demand elasticities must set.
    """

    def __init__(self, table: pd.DataFrame) -> None:
        self._rows: dict[tuple[str, str], tuple[float, float, float, str]] = {}
        self._row_of: dict[tuple[str, str], int] = {}
        for i, r in enumerate(table.itertuples(index=False)):
            self._row_of[(str(r.mineral), str(r.parameter))] = i + 1
            val = float(r.value)
            low = float(r.low) if pd.notna(r.low) else val
            high = float(r.high) if pd.notna(r.high) else val
            self._rows[(str(r.mineral), str(r.parameter))] = (val, low, high, str(r.source_id))
        self.used: set[str] = set()
        self._scale_assumed_lr_demand()

    def _scale_assumed_lr_demand(self) -> None:
        """Multiply the long-run demand elasticities labelled ASSUMPTION (value, low, high;
        ``elasticity_demand_lr`` and its per-stage rows) by :data:`ASSUMED_LR_DEMAND_SCALE`.

        NOTE: the unsourced long-run demand elasticities of methods.md §8.8 (-0.3 to -0.8) are
        1-8x the compiled long-run estimates of the two metals that have them (copper -0.29,
        nickel -0.10; GLOMBO_ELAS); the factor is fitted (methodology §14, §15a).

        Raises
        ------
        DataError
            When the factor is missing, or set for one mineral (it is one global value).
        """
        own = [
            (m, p)
            for (m, p) in self._rows
            if p.startswith(ASSUMED_LR_DEMAND_SCALE) and (m, p) != ("all", ASSUMED_LR_DEMAND_SCALE)
        ]
        if own:
            m, p = own[0]
            row = self._row_of[(m, p)]
            raise DataError(
                f"model_parameters.csv row {row} (line {row + 1}):"
                f" {p!r} for mineral {m!r}: the factor on the assumed long-run demand "
                f"elasticities is one global value; allowed: mineral 'all', parameter "
                f"{ASSUMED_LR_DEMAND_SCALE!r}"
            )
        if ("all", ASSUMED_LR_DEMAND_SCALE) not in self._rows:
            if not any(p.startswith("elasticity_demand_lr") for _, p in self._rows):
                return  # a table without long-run demand elasticities has nothing to scale
            raise DataError(
                f"model_parameters.csv has no row for parameter {ASSUMED_LR_DEMAND_SCALE!r} "
                "(mineral 'all'): add one with value (1 reads the assumed long-run demand "
                "elasticities as written), unit 1, source_id ASSUMPTION, confidence assumption"
            )
        f = self._rows[("all", ASSUMED_LR_DEMAND_SCALE)][0]
        names = {"elasticity_demand_lr", *(f"elasticity_demand_lr_{st}" for st in STAGES)}
        for key, (val, low, high, src) in list(self._rows.items()):
            if key[1] in names and src == "ASSUMPTION":
                self._rows[key] = (val * f, low * f, high * f, src)

    def get(
        self,
        name: str,
        mineral: str = "all",
        stage: str | None = None,
        default: float | None = None,
    ) -> tuple[float, float, float]:
        keys = []
        if stage:
            keys.append((mineral, f"{name}_{stage}"))
        keys.append((mineral, name))
        if stage:
            keys.append(("all", f"{name}_{stage}"))
        keys.append(("all", name))
        for key in keys:
            if key in self._rows:
                v, lo, hi, src = self._rows[key]
                self.used.add(src)
                return v, lo, hi
        if default is not None:
            return default, default, default
        raise DataError(
            f"model_parameters.csv has no row for parameter {name!r} (mineral {mineral!r} or "
            "'all'): add one with value, low, high, unit, source_id, confidence"
            + self._similar(name, mineral)
        )

    def _similar(self, name: str, mineral: str) -> str:
        """Rows of the mineral (or 'all') whose parameter name is close to ``name``: a rename
        or a typo there is the usual cause of a missing row."""
        rows = {p: row for (m, p), row in self._row_of.items() if m in (mineral, "all")}
        close = difflib.get_close_matches(name, sorted(rows), n=3, cutoff=0.8)
        if not close:
            return ""
        return "; rows with a similar name (misspelled?): " + ", ".join(
            f"{p!r} (row {rows[p]}, line {rows[p] + 1})" for p in close
        )

    def value(
        self,
        name: str,
        mineral: str = "all",
        stage: str | None = None,
        default: float | None = None,
    ) -> float:
        return self.get(name, mineral, stage, default)[0]

    def has(self, name: str, mineral: str = "all") -> bool:
        return (mineral, name) in self._rows or ("all", name) in self._rows


def _demand_share_of(params: _Params, countries: Sequence[str], mineral: str) -> float:
    """End-use demand share of a set of countries (EU27 counted when all members are in)."""
    cs = set(countries)
    total = 0.0
    if set(EU27) <= cs:
        total += params.value("demand_share_EU27", mineral, default=0.0)
        cs -= set(EU27)
    for c in sorted(cs):
        total += params.value(f"demand_share_{c}", mineral, default=0.0)
    return total
