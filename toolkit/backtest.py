"""Backtests: replay historical episodes (``scenarios/backtests/``) and score them.

Scoring follows ``backtests.md``: multiples pass within a factor of 2 (or a stated band),
percentage changes within their band, timing within ±max(1 month, 50 % of the observed lag),
and sign tests must pass. One parameter set (``data/model_parameters.csv``) serves every
episode: nothing here is tuned per episode. Observed outcomes come from
``data/observations.csv`` with their sources.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from toolkit.errors import ScenarioError
from toolkit.model.policy import cfd_fiscal_cost

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.data import Dataset
    from toolkit.engine import Results

logger = logging.getLogger(__name__)

EPISODES: tuple[str, ...] = (
    "bt02_gallium_2023",
    "bt07_lithium_2021",
    "bt11_drc_cobalt_2025",
    "bt12_ndpr_floor_2025",
)
SUITE_PASS_SHARE: float = 0.7
"""Share of quantitative criteria that must pass for suite acceptance (backtests.md)."""

COLUMNS = [
    "episode",
    "metric",
    "kind",
    "predicted",
    "observed",
    "low",
    "high",
    "unit",
    "log_error",
    "passed",
    "source_id",
]

REPORT_COLUMNS = [c for c in COLUMNS if c not in ("unit", "log_error")]
"""The columns of the printed score table (``mineral-briefs backtest --out scores.md``)."""


@dataclass(frozen=True)
class Score:
    """One scored criterion."""

    metric: str
    kind: str
    """``multiple`` | ``band`` | ``timing`` | ``sign`` | ``exact``."""
    predicted: float
    passed: bool
    log_error: float = float("nan")


def score_multiple(
    pred: float, obs: float, low: float | None = None, high: float | None = None
) -> tuple[bool, float]:
    """Factor-of-2 rule ``|ln(pred/obs)| ≤ ln 2``, or the stated band when given.

    Returns
    -------
    passed : bool
    log_error : float
        ``|ln(pred/obs)|`` [-].
    """
    err = abs(math.log(pred / obs)) if pred > 0 and obs > 0 else float("inf")
    if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
        return bool(low <= pred <= high), err
    return bool(err <= math.log(2.0)), err


def score_band(pred: float, low: float | None, high: float | None) -> bool:
    """``low ≤ pred ≤ high`` (an open side when None/NaN)."""
    lo = -math.inf if low is None or not np.isfinite(low) else low
    hi = math.inf if high is None or not np.isfinite(high) else high
    return bool(lo <= pred <= hi)


def score_timing(pred_months: float, obs_months: float) -> bool:
    """Within ±max(1 month, 50 % of the observed lag)."""
    return bool(abs(pred_months - obs_months) <= max(1.0, 0.5 * abs(obs_months)))


def _series(res: Results, variable: str, region: str) -> pd.Series:
    ts = res.timeseries
    sel = ts.loc[(ts["variable"] == variable) & (ts["region"] == region)]
    if sel.empty:
        raise ScenarioError(f"backtest: no {variable} for {region} in the results")
    return pd.Series(sel["value"].to_numpy(float), index=sel["time"].to_numpy(str))


def _bt02(res: Results, run: Callable[..., Results]) -> list[Score]:
    exports = _series(res, "Exports|Gallium|Refining", "China")
    p_out = _series(res, "Price|Gallium|Refining", "Rest of World")
    p_in = _series(res, "Price|Gallium|Refining", "China")
    base = exports["2023-05-01"]
    wedge = float(np.mean(p_out[["2023-11-01", "2023-12-01"]] / p_in[["2023-11-01", "2023-12-01"]]))
    return [
        Score(
            "export_trough_month1",
            "band",
            exports["2023-08-01"] / base,
            exports["2023-08-01"] / base <= 0.2,
        ),
        Score(
            "export_recovery_month4",
            "band",
            exports["2023-11-01"] / base,
            score_band(exports["2023-11-01"] / base, 0.10, 0.60),
        ),
        Score(
            "outside_price_multiple_dec",
            "multiple",
            p_out["2023-12-01"] / p_out["2023-06-01"],
            *score_multiple(p_out["2023-12-01"] / p_out["2023-06-01"], 2.14, 1.07, 4.3),
        ),
        Score(
            "inside_price_change_month1",
            "sign",
            p_in["2023-08-01"] / p_in["2023-07-01"] - 1,
            p_in["2023-08-01"] / p_in["2023-07-01"] - 1 <= 1e-9,
        ),
        Score("wedge_month4_5", "band", wedge, wedge >= 1.5),
        Score(
            "front_running_spike",
            "sign",
            exports["2023-07-01"] / exports["2023-06-01"],
            exports["2023-07-01"] > exports["2023-06-01"] * (1 + 1e-9),
        ),
    ]


def _bt07(res: Results, run: Callable[..., Results]) -> list[Score]:
    p = _series(res, "Price|Lithium|Refining", "China")
    peak = float(p.max() / p.iloc[0])
    peak_month = float(int(np.argmax(p.to_numpy())))
    change = float(p["2021-09-01"] / p["2021-01-01"] - 1.0)
    return [
        Score("peak_price_multiple", "multiple", peak, *score_multiple(peak, 8.0, 4.0, 16.0)),
        Score("peak_month", "timing", peak_month, score_timing(peak_month, 28.0)),
        Score("change_jan_sep_2021", "band", change, score_band(change, 0.85, 3.40)),
    ]


def _bt11(res: Results, run: Callable[..., Results]) -> list[Score]:
    hyd = _series(res, "Price|Cobalt|Mining", "Rest of World")
    met = _series(res, "Price|Cobalt|Refining", "Rest of World")
    # refiners' feed stocks (hydroxide) are the mining-stage commercial inventory
    inv = _series(res, "Inventory|Cobalt|Mining", "World")
    pre = "2025-01-01"
    m7 = float(met["2025-09-01"] / met[pre])
    first = float(hyd["2025-03-01"] / hyd[pre] - met["2025-03-01"] / met[pre])
    half = np.flatnonzero(inv.to_numpy() < 0.5 * inv.iloc[0])
    # price acceleration: the month with the largest month-on-month rise of the metal price
    accel_i = int(np.argmax(np.diff(met.to_numpy()))) + 1
    inv_first = bool(half.size and accel_i >= int(half[0]))
    raised = float(hyd.max() / hyd[pre])
    return [
        Score("metal_price_multiple_month7", "multiple", m7, *score_multiple(m7, 1.6, 1.3, 2.2)),
        Score("hydroxide_minus_metal_rise_month1", "sign", first, first > 0),
        Score("inventory_first", "sign", float(inv_first), inv_first),
        Score("exporter_code_path", "sign", raised, raised > 1.05),
    ]


def _bt12(res: Results, run: Callable[..., Results]) -> list[Score]:
    p_in = _series(res, "Price|Magnet REEs|Refining", "China")
    p0 = 61.5  # the scenario's base price (Chinese NdPr benchmark at the announcement)
    change = float(p_in["2025-08-01"] / p0 - 1.0)
    c63 = float(cfd_fiscal_cost(110.0, 63.0, 1.0)) / 1000.0
    c88 = float(cfd_fiscal_cost(110.0, 88.0, 1.0)) / 1000.0
    # sign test: CfD consumers pay the world price; a variable levy lifts them to the floor
    cons = _series(res, "Price|Magnet REEs|Refining", "Alliance")
    world = _series(res, "Price|Magnet REEs|Refining", "Rest of World")
    sc = res.scenario
    floor = sc.price_floors[0]
    tariff_sc = sc.model_copy(
        update={"price_floors": (floor.model_copy(update={"instrument": "variable_tariff"}),)}
    )
    tariff = run(tariff_sc)
    t_cons = _series(tariff, "Price|Magnet REEs|Refining", "Alliance")
    active = [t for t in t_cons.index if t >= floor.start.strftime("%Y-%m-01")]
    ok = bool(
        np.allclose(cons.to_numpy(), world.to_numpy(), rtol=1e-12)
        and len(active) > 0
        and np.all(t_cons[active].to_numpy() >= 110.0 - 1e-6)
    )
    return [
        Score("china_price_change", "band", change, score_band(change, 0.20, 0.80)),
        Score("cfd_cost_per_kg_at_63", "exact", c63, c63 == 47.0),
        Score("cfd_cost_per_kg_at_88", "exact", c88, c88 == 22.0),
        Score("cfd_consumer_price_unchanged", "sign", float(ok), ok),
    ]


EVALUATORS: dict[str, Callable[[Results, Callable[..., Results]], list[Score]]] = {
    "bt02_gallium_2023": _bt02,
    "bt07_lithium_2021": _bt07,
    "bt11_drc_cobalt_2025": _bt11,
    "bt12_ndpr_floor_2025": _bt12,
}


def run_backtests(
    episodes: Sequence[str] | None = None, dataset: Dataset | None = None
) -> pd.DataFrame:
    """Replay and score backtest episodes with the deterministic (central) parameter set.

    Parameters
    ----------
    episodes : sequence of str, optional
        Episode ids (scenario ids in ``scenarios/backtests/``); default: all of
        :data:`EPISODES`.
    dataset : Dataset, optional
        Default: :func:`toolkit.data.load_dataset`.

    Returns
    -------
    DataFrame
        One row per criterion: ``episode, metric, kind, predicted, observed, low, high, unit,
        log_error, passed, source_id``.
    """
    from toolkit.data import load_dataset
    from toolkit.engine import run
    from toolkit.scenarios import load_backtest

    ds = dataset if dataset is not None else load_dataset()
    obs = ds.observations.set_index(["episode", "metric"])
    chosen = list(episodes) if episodes else list(EPISODES)
    unknown = [e for e in chosen if e not in EVALUATORS]
    if unknown:
        raise ScenarioError(
            "unknown backtest episode(s): "
            + ", ".join(unknown)
            + "; allowed: "
            + ", ".join(EVALUATORS)
        )

    def runner(sc: object) -> Results:
        return run(sc, ds, draws=0)  # type: ignore[arg-type]

    rows = []
    for ep in chosen:
        scenario = load_backtest(ep)
        res = runner(scenario)
        for s in EVALUATORS[ep](res, runner):
            o = obs.loc[(ep, s.metric)] if (ep, s.metric) in obs.index else None
            rows.append(
                {
                    "episode": ep,
                    "metric": s.metric,
                    "kind": s.kind,
                    "predicted": float(s.predicted),
                    "observed": float(o["value"]) if o is not None else float("nan"),
                    "low": float(o["low"]) if o is not None else float("nan"),
                    "high": float(o["high"]) if o is not None else float("nan"),
                    "unit": str(o["unit"]) if o is not None else "",
                    "log_error": float(s.log_error),
                    "passed": bool(s.passed),
                    "source_id": str(o["source_id"]) if o is not None else "",
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def summarise(scores: pd.DataFrame) -> dict[str, object]:
    """Suite acceptance: every sign test passes and ≥ 70 % of the quantitative criteria pass."""
    sign = scores["kind"].isin(["sign", "exact"])
    quant = scores.loc[~sign]
    share = float(quant["passed"].mean()) if len(quant) else float("nan")
    signs_ok = bool(scores.loc[sign, "passed"].all())
    return {
        "criteria": int(len(scores)),
        "passed": int(scores["passed"].sum()),
        "sign_tests_passed": signs_ok,
        "quantitative_pass_share": share,
        "suite_accepted": bool(signs_ok and share >= SUITE_PASS_SHARE),
    }
