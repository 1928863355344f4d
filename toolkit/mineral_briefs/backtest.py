"""Backtests: replay historical episodes (``scenarios/backtests/``) and score them.

Scoring follows ``backtests.md``: multiples pass within a factor of 2 (or a stated band),
percentage changes within their band, timing within ±max(1 month, 50 % of the observed lag),
and sign tests must pass. One parameter set (``data/model_parameters.csv``) serves every
episode: nothing here is tuned per episode. Observed outcomes come from
``data/observations.csv`` with their sources.

Every criterion has a ``role`` (a third, ``record``, keeps a derived value with no pass line):
``scored`` when the model could fail it (its value comes out of
the market model), ``check`` when it cannot — an arithmetic identity (CfD cost = floor −
benchmark on given prices), a property that holds by construction, or a scenario input that
echoes through (exports during a licence review equal the stated leakage). Checks are shown
separately and never count in the pass rate; a failing check is a bug, so the suite also
needs every check to hold. ``measure`` says how a value reads: ``number`` or ``boolean``
(a yes/no test: predicted and observed are 1 = yes, 0 = no, with no band).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mineral_briefs.errors import ScenarioError
from mineral_briefs.model.policy import cfd_fiscal_cost

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.data import Dataset
    from mineral_briefs.engine import Results

logger = logging.getLogger(__name__)

EPISODES: tuple[str, ...] = (
    "bt02_gallium_2023",
    "bt04_us_ban_2024",
    "bt06_oct2025_suspension",
    "bt07_lithium_2021",
    "bt08_lithium_2023",
    "bt10_nickel_squeeze_2022",
    "bt11_drc_cobalt_2025",
    "bt12_ndpr_floor_2025",
)
SUITE_PASS_SHARE: float = 0.7
"""Share of quantitative criteria that must pass for suite acceptance (backtests.md)."""

ROLES: tuple[str, ...] = ("scored", "check", "record")
"""``scored``: the model could fail it; ``check``: identity, construction or input echo;
``record``: a derived value kept for comparison (BT-08's implied elasticity), with no pass line:
neither counted nor required to hold (``passed`` only says it could be computed)."""
MEASURES: tuple[str, ...] = ("number", "boolean")

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
    "role",
    "measure",
    "flags",
    "note",
]
"""Score table columns. The first eleven are the original layout (the brief reads them);
``role``, ``measure``, ``flags`` (``at_guard`` when a predicted multiple sits on the choke
price) and ``note`` (why a criterion is a check; what a yes/no rests on) were added."""

REPORT_COLUMNS = [c for c in COLUMNS if c not in ("unit", "log_error", "note")]
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
    role: str = "scored"
    """``scored`` (the model could fail it) or ``check`` (it cannot: see :data:`ROLES`)."""
    measure: str = "number"
    """``number`` or ``boolean`` (predicted is 1.0 = yes / 0.0 = no)."""
    note: str = ""
    """Why a criterion is a check, or what a yes/no rests on."""


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
            role="check",
            note=(
                "input echo: during the licence review exports are the scenario's leakage "
                "(10 %); no model parameter moves it"
            ),
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
            role="check",
            note=(
                "input echo: the scenario sets front_running_months = 1, which pulls exports "
                "forward by construction; no model parameter moves it"
            ),
        ),
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
        Score(
            "inventory_first",
            "sign",
            float(inv_first),
            inv_first,
            measure="boolean",
            note="yes = the metal price's largest monthly rise comes after hydroxide stocks halve",
        ),
        Score(
            "exporter_code_path",
            "sign",
            float(raised > 1.05),
            raised > 1.05,
            role="check",
            measure="boolean",
            note=(
                f"code-path check, not an observation: a DRC ban run through the export-control "
                f"code raises the hydroxide price (peak {raised:.2f}x, the choke price caps it)"
            ),
        ),
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
        Score(
            "cfd_cost_per_kg_at_63",
            "exact",
            c63,
            c63 == 47.0,
            role="check",
            note="identity: floor 110 minus the given benchmark 63 USD/kg",
        ),
        Score(
            "cfd_cost_per_kg_at_88",
            "exact",
            c88,
            c88 == 22.0,
            role="check",
            note="identity: floor 110 minus the given benchmark 88 USD/kg",
        ),
        Score(
            "cfd_consumer_price_unchanged",
            "sign",
            float(ok),
            ok,
            role="check",
            measure="boolean",
            note=(
                "holds by construction: under a CfD members pay the world price; under a "
                "variable levy they pay max(world price, floor)"
            ),
        ),
    ]


EVALUATORS: dict[str, Callable[[Results, Callable[..., Results]], list[Score]]] = {
    "bt02_gallium_2023": _bt02,
    "bt11_drc_cobalt_2025": _bt11,
    "bt12_ndpr_floor_2025": _bt12,
}


def _register_issue12_episodes() -> None:
    """BT-04, BT-06, BT-07, BT-08 and the BT-10 negative control live in
    :mod:`backtest_episodes`."""
    from mineral_briefs.backtest_episodes import EVALUATORS as MORE

    EVALUATORS.update(MORE)


_register_issue12_episodes()


def run_backtests(
    episodes: Sequence[str] | None = None, dataset: Dataset | None = None
) -> pd.DataFrame:
    """Replay and score backtest episodes with the deterministic (central) parameter set.

    The engine runs go through the disk cache (:func:`mineral_briefs.engine.cache.cached_run`)
    when the dataset is the one read from its folder's files: every brief shows the same
    record, so a cold brief reads it instead of running ten engine runs again (issue 16). A
    dataset edited in memory (tests, leave-one-out fits) runs the engine every time.

    Parameters
    ----------
    episodes : sequence of str, optional
        Episode ids (scenario ids in ``scenarios/backtests/``); default: all of
        :data:`EPISODES`.
    dataset : Dataset, optional
        Default: :func:`mineral_briefs.data.load_dataset`.

    Returns
    -------
    DataFrame
        One row per criterion: ``episode, metric, kind, predicted, observed, low, high, unit,
        log_error, passed, source_id``.
    """
    from mineral_briefs.data import load_dataset
    from mineral_briefs.data.dataset import read_from_files
    from mineral_briefs.engine import run
    from mineral_briefs.engine.cache import cached_run, cached_runs
    from mineral_briefs.scenarios import load_backtest

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

    # NOTE: the cache key holds the data *file* checksums, so only a dataset read from those
    # files may use it; the same arguments either way (draws=0, what-if and tornado rows).
    engine = cached_run if read_from_files(ds) else run

    def runner(sc: object) -> Results:
        return engine(sc, ds, draws=0)  # type: ignore[arg-type]

    from mineral_briefs.engine import _Params

    params = _Params(ds.model_parameters)
    scenarios = [load_backtest(ep) for ep in chosen]
    # NOTE: every brief's first kernel asks for this record at once: the episodes' own runs are
    # shared out through the cache (each kernel computes those no other is computing).
    mains = (
        cached_runs(scenarios, ds, draws=0)
        if engine is cached_run
        else [runner(sc) for sc in scenarios]
    )
    rows = []
    for ep, scenario, res in zip(chosen, scenarios, mains, strict=True):
        mineral = scenario.markets[0].mineral if scenario.markets else "all"
        choke = params.value("choke_price_multiple", mineral, default=math.inf)
        rows += [_score_row(ep, s, obs, choke) for s in EVALUATORS[ep](res, runner)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _score_row(ep: str, s: Score, obs: pd.DataFrame, choke: float) -> dict[str, object]:
    """One criterion's row: its prediction beside the observation (``obs`` indexed by
    episode and metric) and the ``at_guard`` flag of a multiple on the choke price."""
    o = obs.loc[(ep, s.metric)] if (ep, s.metric) in obs.index else None
    if s.role not in ROLES or s.measure not in MEASURES:
        raise ScenarioError(f"backtest {ep}/{s.metric}: bad role or measure")
    # NOTE: a multiple on the choke price is set by that assumption, not by the market: it
    # is still scored (a lower value could fail), but flagged.
    guard = s.kind == "multiple" and math.isclose(s.predicted, choke, rel_tol=1e-9)
    nan = float("nan")
    return {
        "episode": ep,
        "metric": s.metric,
        "kind": s.kind,
        "predicted": float(s.predicted),
        "observed": float(o["value"]) if o is not None else nan,
        "low": float(o["low"]) if o is not None else nan,
        "high": float(o["high"]) if o is not None else nan,
        "unit": str(o["unit"]) if o is not None else "",
        "log_error": float(s.log_error),
        "passed": bool(s.passed),
        "source_id": str(o["source_id"]) if o is not None else "",
        "role": s.role,
        "measure": s.measure,
        "flags": "at_guard" if guard else "",
        "note": s.note,
    }


def summarise(scores: pd.DataFrame) -> dict[str, object]:
    """Suite acceptance over the **scored** criteria only (checks are reported apart).

    Accepted when every scored sign test passes, at least :data:`SUITE_PASS_SHARE` of the
    scored quantitative criteria pass, and every check holds (a failing check is a bug).

    Returns
    -------
    dict
        ``criteria`` / ``passed``: scored criteria and how many pass; ``sign_tests`` /
        ``sign_tests_passed`` (bool: all scored sign tests pass); ``quantitative`` /
        ``quantitative_passed`` / ``quantitative_pass_share``; ``checks`` / ``checks_passed``
        (count) / ``checks_hold`` (bool); ``suite_accepted``.
    """
    role = scores["role"] if "role" in scores.columns else pd.Series("scored", scores.index)
    scored = scores.loc[role == "scored"]
    checks = scores.loc[role == "check"]
    sign = scored["kind"].isin(["sign", "exact"])
    quant = scored.loc[~sign]
    share = float(quant["passed"].mean()) if len(quant) else float("nan")
    signs_ok = bool(scored.loc[sign, "passed"].all())
    checks_ok = bool(checks["passed"].all())
    return {
        "criteria": int(len(scored)),
        "passed": int(scored["passed"].sum()),
        "sign_tests": int(sign.sum()),
        "sign_tests_passed": signs_ok,
        "quantitative": int(len(quant)),
        "quantitative_passed": int(quant["passed"].sum()),
        "quantitative_pass_share": share,
        "checks": int(len(checks)),
        "checks_passed": int(checks["passed"].sum()),
        "checks_hold": checks_ok,
        "suite_accepted": bool(signs_ok and checks_ok and share >= SUITE_PASS_SHARE),
    }


def _fmt(v: float, measure: str) -> str:
    if measure == "boolean":
        return "yes" if v >= 0.5 else "no"
    return f"{v:.3g}"


def report_lines(scores: pd.DataFrame) -> list[str]:
    """The printed score table: scored criteria, then the checks apart, then the summary.

    Parameters
    ----------
    scores : DataFrame
        :func:`run_backtests` output.

    Returns
    -------
    list of str
        Lines for the terminal (``mineral-briefs backtest``).
    """
    head = f"{'episode':<22} {'metric':<34} {'kind':<8} {'predicted':>10} {'observed':>9}  result"
    out: list[str] = []
    for role, title in (
        ("scored", "Scored criteria (the model could fail them)"),
        (
            "check",
            "Checks (identities, construction, inputs that echo through; not in the pass rate)",
        ),
        ("record", "Recorded (derived values kept for comparison; no pass line)"),
    ):
        part = scores.loc[scores["role"] == role]
        if part.empty:
            continue
        out += [title, head, "-" * len(head)]
        for r in part.itertuples(index=False):
            flag = f"  [{r.flags}]" if r.flags else ""
            out.append(
                f"{r.episode:<22} {r.metric:<34} {r.kind:<8} "
                f"{_fmt(r.predicted, r.measure):>10} {_fmt(r.observed, r.measure):>9}  "
                f"{'recorded' if role == 'record' else ('pass' if r.passed else 'FAIL')}{flag}"
            )
        out.append("")
    s = summarise(scores)
    out.append(
        f"{s['passed']}/{s['criteria']} scored criteria pass "
        f"({s['quantitative_passed']}/{s['quantitative']} quantitative = "
        f"{s['quantitative_pass_share']:.0%}, suite needs 70 %; sign tests "
        f"{'all pass' if s['sign_tests_passed'] else 'FAIL'} "
        f"({s['sign_tests']})); checks {s['checks_passed']}/{s['checks']} hold: "
        f"{'accepted' if s['suite_accepted'] else 'not accepted'} in-sample (the fitted "
        "parameters were chosen on these same episodes; see the leave-one-out column)"
    )
    return out
