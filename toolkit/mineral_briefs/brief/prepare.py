"""Prepare a brief: load the scenario and data, run the engine once, pick the focal market."""

from __future__ import annotations

import datetime as dt
import logging

from mineral_briefs import charts, i18n
from mineral_briefs.brief.ahead import Ahead
from mineral_briefs.brief.compose import Brief

# NOTE: planned in brief_runs, which the prefetch imports without the brief
from mineral_briefs.brief_runs.plan import as_of_date, focal, resolve_run

log = logging.getLogger("mineral_briefs.brief")


def prepare(
    scenario: str,
    language: str = "en",
    draws: int = -1,
    seed: int = -1,
    as_of: str | dt.date | None = None,
    scenario_text: str = "",
    overrides: str | None = None,
    *,
    ahead: bool = False,
) -> Brief:
    """Load the scenario and data, run the engine once, and return the :class:`Brief`.

    Parameters
    ----------
    scenario : str
        Built-in scenario id or path to a scenario YAML.
    language : str
        ``en`` or ``de``.
    draws : int
        Monte Carlo draws; ``-1`` uses the scenario's own setting.
    seed : int
        Random seed; ``-1`` uses the scenario's own seed.
    as_of : str or date, optional
        Date the brief speaks from (``YYYY-MM-DD``; ``None`` or ``""``: today). Events before
        it read in the past tense, later ones as scheduled; "What to watch" lists later ones.
    scenario_text : str
        The resolved scenario as JSON/YAML text (a Dask worker gets this instead of a path that
        exists only on the client); when given it is used and ``scenario`` only labels errors.
    overrides : str, optional
        Lever overrides, ``key.path: value`` per line or ``;``-separated (YAML values), e.g.
        ``export_controls[0].share_withheld: 0.8``; validated like a scenario file
        (:func:`mineral_briefs.scenarios.patch.apply_overrides`).
    ahead : bool
        Compute the sections that need only the central run in a background thread at once
        (:mod:`mineral_briefs.brief.ahead`), while the first cells wait for the levers and the
        branch; the brief notebook sets it. Each such section's first call then takes the
        thread's result.

    Raises
    ------
    ScenarioError, DataError
        From the scenario and data layers, with the file and key to fix.
    """
    from mineral_briefs import export
    from mineral_briefs.data import load_dataset
    from mineral_briefs.engine.cache import cached_run
    from mineral_briefs.scenarios.patch import describe_overrides, parse_overrides

    i18n.check_language(language)
    day = as_of_date(as_of)
    sc, n_draws, n_seed = resolve_run(scenario, draws, seed, scenario_text, overrides)
    dataset = load_dataset()
    # NOTE: through the disk cache: both languages and the comparison share one computation.
    results = cached_run(sc, dataset, draws=n_draws, seed=n_seed)
    charts.register_theme()
    export.enable_offline_renderer()
    mineral, stage = focal(sc, results)
    log.info("prepared brief %s/%s (%s draws, seed %s)", sc.id, language, n_draws, n_seed)
    brief = Brief(
        scenario=sc,
        results=results,
        dataset=dataset,
        language=language,
        draws=n_draws,
        seed=n_seed,
        mineral=mineral,
        stage=stage,
        as_of=day,
        overrides=describe_overrides(parse_overrides(overrides)),
    )
    if ahead:
        brief._ahead = Ahead(brief, Brief.AHEAD).start()
    return brief
