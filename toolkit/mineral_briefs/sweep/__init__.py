"""Lever sweeps: a grid of scenario variants run in parallel, one IAMC file, a sweep brief.

``mineral-briefs sweep`` (:mod:`mineral_briefs.sweep.cli`); the grid and its key paths live in
:mod:`mineral_briefs.scenarios.sweep`, one point's run and storage in
:mod:`mineral_briefs.sweep.points`, the executors in :mod:`mineral_briefs.sweep.run`, the IAMC
file in :mod:`mineral_briefs.sweep.output`, the brief in :mod:`mineral_briefs.brief.sweep`
(docs/sweeps.md).
"""
