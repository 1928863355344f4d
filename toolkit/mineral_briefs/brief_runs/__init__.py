"""The engine runs a brief asks for, known without building the brief (issue 16).

A brief's kernel and the process beside it (:mod:`.prefetch`) must ask the engine for the very
same runs: the brief's scenario (:func:`.plan.resolve_run`), the other branch of the end of
China's suspension while its outcome is unknown (:func:`.plan.shows_branches`), and one run per
lever compared (:func:`.variants.planned_runs`) for the focal market (:func:`.plan.focal`).

# NOTE: this package imports the scenarios, the engine and pandas, never charts or the brief's
# sections: the render process of a cold brief starts its prefetch without importing Altair
# (0.4 s of CPU, measured 2026-12-02), on the core the kernel's boot leaves.
"""
