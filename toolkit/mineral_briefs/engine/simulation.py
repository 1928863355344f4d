"""Running the model over the rows: the no-shock reference for recovery, and Monte Carlo
draws in float32 chunks whose first chunk yields the monthly bands."""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mineral_briefs.model.simulate import (
    BAND_DRAWS_MAX,
    BAND_VARIABLES,
    Controls,
    Rows,
    SimResult,
    simulate,
)

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.engine.build import _Built

ROW_CHUNK: int = BAND_DRAWS_MAX
"""Monte Carlo rows simulated per call: keeps the (rows, markets) work arrays cache-sized;
the first chunk feeds the monthly bands."""
MC_CHUNK: int = 8 * 1024
"""Monte Carlo rows per call after the first chunk (rows are independent, so the split does
not change results; checked by ``bench/check_unchanged.py``). NOTE: larger than
``ROW_CHUNK``: the month loop issues a fixed number of NumPy calls per chunk, and fewer,
larger calls cost less CPU than cache-sized ones (measured: 10,000 draws ~20 % less CPU)."""
MC_DTYPE = np.float32
"""Working precision of the Monte Carlo draws (bands and KPI quantiles)."""

REFERENCE_MEMO_SIZE: int = 4
"""No-shock reference paths kept per process (each ``(N, T, M)``; 300 draws × 180 months ×
29 markets in float32 ≈ 6 MB)."""
_REFERENCE_MEMO: OrderedDict[str, np.ndarray] = OrderedDict()


def _digest(*parts: object) -> str:
    """A content digest of model inputs (frozen dataclasses of arrays and scalars)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(pickle.dumps(part, protocol=5))
    return h.hexdigest()


def _reference_price(b: _Built, rows: Rows) -> np.ndarray:
    """Each row's no-shock outside price ``(N, T, M)`` [x P0]: the rows without export controls.

    # NOTE: the reference does not depend on the scenario's export controls, so runs that
    # differ only in their controls (a sweep over ``share_withheld`` × delay, the what-if
    # slider's neighbours) share it. Memoised per process on the content of every input it
    # reads; the array is returned read-only so no caller can change a shared copy.
    """
    spec = replace(b.kpi_spec, keep_price_outside=True, price_path_only=True)
    # NOTE: without controls the per-control row columns (share, delay, ramp) have no
    # control to act on; they are emptied so the key holds only what the reference reads.
    none = np.zeros((rows.n, 0), dtype=rows.share.dtype)
    rows = replace(rows, share=none, delay_months=none, ramp_months=none)
    key = _digest(b.markets, rows, b.floors, b.stockpiles, b.projects, spec, b.curves)
    hit = _REFERENCE_MEMO.get(key)
    if hit is not None:
        _REFERENCE_MEMO.move_to_end(key)
        return hit
    ref = simulate(
        b.markets,
        rows,
        Controls(),
        b.floors,
        b.stockpiles,
        b.projects,
        n_path=0,
        band_variables=(),
        kpi=spec,
        curves=b.curves,
    ).totals["price_outside_path"]
    ref.setflags(write=False)
    _REFERENCE_MEMO[key] = ref
    while len(_REFERENCE_MEMO) > REFERENCE_MEMO_SIZE:
        _REFERENCE_MEMO.popitem(last=False)
    return ref


def _simulate_kpi(b: _Built, rows: Rows, **kw: Any) -> SimResult:
    """:func:`simulate` with the KPI spec and, where the scenario has export controls or supply
    outages, each row's no-shock outside price (the same rows without them) as the recovery
    reference.

    # NOTE: without export controls or outages the scenario is its own no-shock path (a demand
    # scenario's rising price is the scenario, not a disruption of it): the price test is
    # switched off and the shortfall alone decides whether a month is disrupted. An outage is a
    # shock like a control (methodology §21): with the price test off, a 15x gallium spike
    # from a 50 % outage did not count as disrupted and a bigger outage "recovered" sooner.
    """
    stat = (b.controls, b.floors, b.stockpiles, b.projects)
    kw = {**kw, "curves": b.curves, "china": b.china, "outages": b.outages}
    if b.controls.effective.size == 0 and b.outages.market.size == 0:
        spec = replace(b.kpi_spec, price_tolerance=float("inf"))
        return simulate(b.markets, rows, *stat, kpi=spec, **kw)
    ref = _reference_price(b, rows)
    return simulate(b.markets, rows, *stat, kpi=b.kpi_spec, reference_price=ref, **kw)


def _simulate_chunked(b: _Built, rows: Rows, n_path: int) -> SimResult:
    """Simulate in row chunks (rows are independent).

    The deterministic rows (central path, what-ifs, tornado) run in float64 and keep their
    monthly paths; the Monte Carlo draws run in ``MC_DTYPE`` chunks of ``ROW_CHUNK`` rows, the
    first of which also yields the monthly bands. KPI totals are concatenated in row order.
    """
    n = rows.n

    def part(lo: int, hi: int, dtype: Any = np.float64) -> Rows:
        return Rows(**{f.name: getattr(rows, f.name)[lo:hi].astype(dtype) for f in fields(Rows)})

    if n == n_path:  # deterministic only: bands collapse onto the central path
        return _simulate_kpi(b, part(0, n), n_path=n_path)
    head = _simulate_kpi(b, part(0, n_path), n_path=n_path, band_variables=())
    totals = {k: [v] for k, v in head.totals.items()}
    bands: dict[str, np.ndarray] = {}
    first = True
    los = [n_path, *range(n_path + ROW_CHUNK, n, MC_CHUNK)]
    for lo, hi in zip(los, [*los[1:], n], strict=True):
        # NOTE: Monte Carlo draws run in float32: half the memory traffic; relative KPI
        # differences (~1e-5) are far below the Monte Carlo error (tested against float64).
        chunk = _simulate_kpi(
            b,
            part(lo, hi, MC_DTYPE),
            n_path=0,
            band_variables=BAND_VARIABLES if first else (),
        )
        if first:
            bands = chunk.bands
            first = False
        for k, v in chunk.totals.items():
            totals[k].append(v)
    return SimResult(
        paths=head.paths,
        bands=bands,
        totals={k: np.concatenate(v, axis=0) for k, v in totals.items()},
    )
