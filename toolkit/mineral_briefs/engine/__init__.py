"""The engine: scenario + dataset -> model inputs -> :class:`Results` (docs/architecture.md).

``run(scenario, dataset=None, *, draws=None, seed=None) -> Results``. Everything numeric lives
in :mod:`mineral_briefs.model`; the engine reads nothing from disk itself (the dataset comes from
:func:`mineral_briefs.data.load_dataset`). Between runs it keeps only a memo of scenario-independent
data look-ups per Dataset object (:func:`mineral_briefs.engine.base._memo`).

One module per step of a run, in the order :func:`mineral_briefs.engine.run.run` calls them:
``params`` (parameter look-ups) and ``base`` (market base, base prices, price bases) feed
``markets`` (the simulated markets) and ``levers`` (controls, floors, stockpiles, projects),
which ``build`` gathers into ``_Built``; ``rows`` lays out the deterministic variants and the
Monte Carlo draws, ``simulation`` runs the model over them, ``kpis`` and ``assemble`` turn its
output into ``Results`` (``results``).
"""

# NOTE: private helpers are re-exported with ``as`` so that every ``engine.<name>`` used
# before the split (mineral_briefs.backtest and the tests reach some) still resolves. A test that
# monkeypatches a module-level setting must patch the module that reads it (e.g.
# ``engine.simulation.MC_DTYPE``): patching the re-exported name here changes nothing.
from mineral_briefs.engine.assemble import HEADLINE_KPIS
from mineral_briefs.engine.assemble import _assemble as _assemble
from mineral_briefs.engine.base import _DATA_CACHE as _DATA_CACHE
from mineral_briefs.engine.base import (
    DEFAULT_BASE_YEAR,
    PRICE_BASIS_COLUMNS,
    STAGE_ORDER,
    UNATTRIBUTED_OTHER_SHARE,
)
from mineral_briefs.engine.base import _base_frame as _base_frame
from mineral_briefs.engine.base import _memo as _memo
from mineral_briefs.engine.build import _build as _build
from mineral_briefs.engine.build import _Built as _Built
from mineral_briefs.engine.check import check_scenario, input_problems
from mineral_briefs.engine.kpi_flags import (
    BAND_TOLERANCE,
    FLAT_TOLERANCE,
    GUARD_TOLERANCE,
    MONEY_PAYERS,
)
from mineral_briefs.engine.kpis import KPI_FLAGS, KPI_UNITS
from mineral_briefs.engine.kpis import _kpi_frame as _kpi_frame
from mineral_briefs.engine.kpis import _kpi_rows as _kpi_rows
from mineral_briefs.engine.params import _Params as _Params
from mineral_briefs.engine.results import MODEL_NAME, Results
from mineral_briefs.engine.rows import TORNADO_PARAMETERS, WHATIF_FLOOR_FACTORS, WHATIF_SHARES
from mineral_briefs.engine.rows import _monte_carlo as _monte_carlo
from mineral_briefs.engine.rows import _rows_from as _rows_from
from mineral_briefs.engine.run import run
from mineral_briefs.engine.simulation import MC_DTYPE, ROW_CHUNK
from mineral_briefs.engine.simulation import _simulate_chunked as _simulate_chunked

__all__ = [
    "BAND_TOLERANCE",
    "DEFAULT_BASE_YEAR",
    "FLAT_TOLERANCE",
    "GUARD_TOLERANCE",
    "HEADLINE_KPIS",
    "KPI_FLAGS",
    "KPI_UNITS",
    "MC_DTYPE",
    "MODEL_NAME",
    "MONEY_PAYERS",
    "PRICE_BASIS_COLUMNS",
    "ROW_CHUNK",
    "STAGE_ORDER",
    "TORNADO_PARAMETERS",
    "UNATTRIBUTED_OTHER_SHARE",
    "WHATIF_FLOOR_FACTORS",
    "WHATIF_SHARES",
    "Results",
    "check_scenario",
    "input_problems",
    "run",
]
