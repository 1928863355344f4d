"""The KPI cards at the top of a brief: label, central value, P10–P90 band, the engine's flags,
and a footnote for every value that is not attributable from the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from mineral_briefs import i18n
from mineral_briefs.i18n import escape
from mineral_briefs.narrative.kpis import KPI, headline_ids
from mineral_briefs.narrative.markup import HTML


def na_reason(kpi_id: str, k: KPI, language: str) -> str:
    """Why a KPI reads "n/a": the catalogue sentence, with the engine's reason in English.

    # NOTE: the engine's reason is English; the English brief quotes it, the German brief
    # keeps to the catalogue sentence.
    """
    why = i18n.t("kpi.na_note", language, kpi=i18n.t(f"kpi.{kpi_id}", language))
    return f"{why} ({k.note})" if language == "en" and k.note else why


def kpi_cards(kpis: Mapping[str, KPI], language: str, ids: Sequence[str] | None = None) -> HTML:
    """KPI cards (label, value, P10–P90) as HTML (classes ``mb-kpis``/``mb-kpi``); default
    cards: :func:`headline_ids`.

    A KPI asked for by ``ids`` whose value is NaN (not attributable from the data) shows
    "n/a" with a footnote marker; the footnote under the cards says why.
    """
    ids = headline_ids(kpis) if ids is None else ids
    cards = []
    notes: list[str] = []
    any_band = False
    for kpi_id in ids:
        k = kpis.get(kpi_id)
        if k is None:
            continue
        label = escape(i18n.t(f"kpi.{kpi_id}", language))
        if k.flagged("open_at_horizon") and not math.isfinite(k.value):
            cards.append(
                f'<div class="mb-kpi mb-kpi-open" data-kpi="{escape(kpi_id)}">'
                f'<span class="mb-kpi-label">{label}</span>'
                f'<span class="mb-kpi-value">{escape(k.text)}</span></div>'
            )
            continue
        if not math.isfinite(k.value):
            mark = "*" * (len(notes) + 1)
            notes.append(f"<li>{escape(mark)} {escape(na_reason(kpi_id, k, language))}</li>")
            cards.append(
                f'<div class="mb-kpi mb-kpi-na" data-kpi="{escape(kpi_id)}">'
                f'<span class="mb-kpi-label">{label}</span>'
                f'<span class="mb-kpi-value">{escape(k.text)}<sup>{escape(mark)}</sup></span></div>'
            )
            continue
        band = ""
        if k.p10 is not None and k.p90 is not None and k.p10 != k.p90:
            band = (
                f'<span class="mb-kpi-band">'
                f"{escape(i18n.t('kpi.note.band', language, p10=k.p10_text, p90=k.p90_text))}"
                "</span>"
            )
        shown = [c for c in ("at_guard", "rising_at_end", "outside_band") if k.flagged(c)]
        if "at_guard" in shown and not k.central_on_guard:
            shown[shown.index("at_guard")] = "at_guard_p90"
        if shown:
            words = "; ".join(i18n.t(f"kpi.flag.{c}", language) for c in shown)
            band += f'<span class="mb-kpi-flag">{escape(words)}</span>'
        any_band = any_band or bool(band)
        cards.append(
            f'<div class="mb-kpi" data-kpi="{escape(kpi_id)}">'
            f'<span class="mb-kpi-label">{label}</span>'
            f'<span class="mb-kpi-value">{escape(k.text)}</span>{band}</div>'
        )
    if not cards:
        return HTML("")
    if any_band:
        notes.append(
            f'<li class="mb-kpi-statistic">{escape(i18n.t("kpi.statistic", language))}</li>'
        )
    foot = f'<ul class="mb-kpi-notes">{"".join(notes)}</ul>' if notes else ""
    return HTML(f'<div class="mb-kpis">{"".join(cards)}</div>{foot}')
