"""One brief: run the scenario once, then one method per notebook section.

``notebooks/brief.ipynb`` calls :func:`prepare` in its setup cell; every other cell is one call
such as ``brief.summary()`` or ``brief.price_chart()`` returning a chart, a table or text.
Section methods return :class:`mineral_briefs.narrative.HTML` /
:class:`~mineral_briefs.narrative.Markdown`
(``str`` subclasses Jupyter displays) or Altair charts built by :mod:`mineral_briefs.charts`.

The brief displays exactly one meta output (:data:`META_MIME`, read by the exporter for the page
header and the index) and one data output (:data:`DATA_MIME`, the IAMC results as CSV, written
beside the brief by the render pipeline).

Each section lives in its own module (``summary``, ``situation``, ``structure``, ``shock``,
``levers``, ``whatif``, ``sensitivity``, ``watch``, ``methods``, ``sources``, ``exports``);
``compose`` joins them into :class:`Brief`, ``prepare`` builds one, ``compare`` sets several
side by side.
"""

from __future__ import annotations

from mineral_briefs.brief.compare import COMPARE_KPIS, Comparison, prepare_comparison
from mineral_briefs.brief.compose import Brief
from mineral_briefs.brief.exports import DATA_MIME, META_MIME
from mineral_briefs.brief.methods import FLAG_LEVELS
from mineral_briefs.brief.methods import _backtest_record as _backtest_record  # read by tests
from mineral_briefs.brief.params import ParameterError, check_parameters

# NOTE: ``mineral_briefs.brief.prepare`` stays the function: the submodule of that name is loaded
# (by ``compare``) before this line rebinds the name, and a loaded module never rebinds it.
from mineral_briefs.brief.prepare import prepare
from mineral_briefs.brief.sensitivity import SENSITIVITY_KPIS
from mineral_briefs.brief.structure import CONCENTRATION_PAIRS
from mineral_briefs.brief.whatif import WHATIF_LEVERS

__all__ = [
    "CONCENTRATION_PAIRS",
    "COMPARE_KPIS",
    "DATA_MIME",
    "FLAG_LEVELS",
    "META_MIME",
    "SENSITIVITY_KPIS",
    "WHATIF_LEVERS",
    "Brief",
    "Comparison",
    "ParameterError",
    "check_parameters",
    "prepare",
    "prepare_comparison",
]
