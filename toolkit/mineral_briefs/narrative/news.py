"""The news-versus-data table: what the seed articles claim beside what the data say, with a
verdict (the data layer's curated one, else computed from the shares) and the sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import pandas as pd

from mineral_briefs import i18n
from mineral_briefs.i18n import escape
from mineral_briefs.narrative.markup import HTML, Safe, html_table, source_ref

NewsRow = tuple[str, str, str, list[str]]
"""``(claim, data, verdict, source_ids)``: one row of the news-versus-data table."""

# NOTE: the claimed shares (50 %, 85 %, 50 %) are the articles' numbers, i.e. the claim under
# test, not results; the fallback verdict compares them with the data within ±10 points.
SHARE_CLAIMS: Final[tuple[tuple[str, float, tuple[tuple[str, str], ...]], ...]] = (
    ("half_market", 50.0, (("rare_earths", "mining"), ("magnet_rees", "refining"))),
    ("magnets_85", 85.0, (("magnet_rees", "refining"), ("magnet_rees", "magnets"))),
    (
        "processing_half",
        50.0,
        (
            ("cobalt", "refining"),
            ("lithium", "refining"),
            ("nickel", "refining"),
            ("magnet_rees", "refining"),
        ),
    ),
)
"""Claims about China's share: ``(claim key, claimed share [%], (mineral, stage) checked)``."""

MULTIPLE_CLAIMS: Final[tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = (
    (
        "demand_400_600",
        (("lithium", "WB_2020"), ("lithium", "IEA_CMD2025"), ("cobalt", "IEA_CMD2025")),
    ),
    (
        "demand_4000",
        (
            ("lithium", "IEA_2021_ROLE"),
            ("lithium", "IEA_CMD2025"),
            ("graphite", "IEA_2021_ROLE"),
            ("graphite", "IEA_CMD2025"),
        ),
    ),
)
"""Claims about demand growth: ``(claim key, (mineral, source id of demand_multiples))``."""


def _share_text(
    shares: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    mineral: str,
    stage: str,
    country: str = "CHN",
) -> tuple[str, float | None, str]:
    """'USGS: 71% of world mining of rare earths (2024)' from market shares."""
    hit = shares[
        (shares["mineral"] == mineral) & (shares["stage"] == stage) & (shares["country"] == country)
    ]
    if hit.empty:
        return "", None, ""
    row = hit.iloc[0]
    share_pct = float(row["share"]) * 100.0
    sid = str(row["source_id"])
    publisher = _publisher(sources, sid, language)
    text = i18n.t(
        "news.data.share",
        language,
        publisher=escape(publisher),
        share=i18n.fmt_pct(share_pct, language),
        stage_lower=i18n.t(f"stage_lower.{stage}", language),
        mineral_of=i18n.t(f"mineral_of.{mineral}", language),
        year=int(row["year"]) if "year" in row else "",
    )
    return text, share_pct, sid


def _verdict(claimed_pct: float, actual: Iterable[float | None], tolerance: float = 10.0) -> str:
    """understated | overstated | consistent | partly_true, from a claimed share and data shares."""
    vals = [v for v in actual if v is not None]
    if not vals:
        return "unverified"
    above = [v > claimed_pct + tolerance for v in vals]
    below = [v < claimed_pct - tolerance for v in vals]
    if all(above):
        return "understated"
    if all(below):
        return "overstated"
    if any(below) and not all(below):
        return "partly_true"
    return "consistent"


CLAIM_IDS: Final[dict[str, str]] = {
    "half_market": "ree-half-market",
    "magnets_85": "magnets-85pct",
    "processing_half": "processing-half",
    "demand_400_600": "demand-400-600",
    "demand_4000": "demand-4000",
}
"""Catalogue claim key -> ``claim_id`` of the data layer's ``seed_claims`` table."""


SHORT_PUBLISHERS: Final[dict[str, str]] = {
    "U.S. Geological Survey": "USGS",
    "International Energy Agency": "IEA",
}


def _publisher(sources: pd.DataFrame | None, source_id: str, language: str = "en") -> str:
    """Short publisher name of a source id for prose (``USGS``, ``IEA``, ``World Bank``)."""
    name = source_id.split("_")[0]
    if sources is not None and len(sources):
        rec = sources[sources["source_id"] == source_id]
        if len(rec):
            name = str(rec.iloc[0]["publisher"]).split(" (")[0].strip()
    name = SHORT_PUBLISHERS.get(name, name)
    key = f"publisher.{name}"
    return i18n.t(key, language) if i18n.has(key, language) else name


def _multiple_text(
    multiples: pd.DataFrame,
    sources: pd.DataFrame | None,
    language: str,
    mineral: str,
    source_id: str,
) -> str:
    """'IEA: lithium ×4.5–7.5 from 2024 to 2040 (STEPS–NZE)' from ``demand_multiples``."""
    hit = multiples[(multiples["mineral"] == mineral) & (multiples["source_id"] == source_id)]
    if hit.empty:
        return ""
    low, high = float(hit["multiple_low"].min()), float(hit["multiple_high"].max())
    scen = list(dict.fromkeys(hit.sort_values("multiple_high")["scenario"]))
    label = scen[0] if len(scen) == 1 else f"{scen[0]}–{scen[-1]}"
    key = "news.data.multiple" if round(low, 1) != round(high, 1) else "news.data.multiple_single"
    return i18n.t(
        key,
        language,
        publisher=escape(_publisher(sources, source_id, language)),
        mineral=i18n.mineral_name(mineral, language),
        base=int(hit["base_year"].min()),
        target=int(hit["target_year"].max()),
        low=i18n.fmt_number(low, language, i18n.auto_decimals(low)),
        high=i18n.fmt_number(high, language, i18n.auto_decimals(high)),
        scenario=escape(label),
    )


def news_vs_data_rows(
    shares: pd.DataFrame,
    multiples: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    seed_claims: pd.DataFrame | None = None,
) -> list[NewsRow]:
    """Rows ``(claim, data, verdict, source_ids)`` comparing the seed articles with the data.

    The claims are the articles' own wording (catalogue ``news.claim.*``; the German rows quote
    the German articles). Every figure on the data side is computed from ``shares``
    (:func:`mineral_briefs.data.market_base` with ``share`` in [0–1] and ``year``) and ``multiples``
    (``demand_multiples``). The verdict is the data layer's (``seed_claims.verdict``) when the
    claim is there, else computed.
    """
    curated = _curated_verdicts(seed_claims)
    rows = _share_rows(shares, sources, language, curated)
    if multiples is not None and not multiples.empty:
        rows += _multiple_rows(multiples, sources, language, curated)
    return rows


def _curated_verdicts(seed_claims: pd.DataFrame | None) -> dict[str, tuple[str, list[str]]]:
    """``claim_id -> (verdict, source ids)`` of the data layer's ``seed_claims`` table."""
    curated: dict[str, tuple[str, list[str]]] = {}
    if seed_claims is not None and len(seed_claims):
        for r in seed_claims.itertuples(index=False):
            ids = [x.strip() for x in str(r.source_id).split(";") if x.strip()]
            curated[str(r.claim_id)] = (str(r.verdict), ids)
    return curated


def _share_rows(
    shares: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    curated: dict[str, tuple[str, list[str]]],
) -> list[NewsRow]:
    """Rows of the claims about China's share (:data:`SHARE_CLAIMS`)."""
    rows: list[NewsRow] = []
    for claim_id, claimed, pairs in SHARE_CLAIMS:
        texts, vals, sids = [], [], []
        for mineral, stage in pairs:
            text, val, sid = _share_text(shares, sources, language, mineral, stage)
            if text:
                texts.append(text)
                vals.append(val)
                sids.append(sid)
        if not texts:
            continue
        if claim_id == "processing_half":
            verdict = (
                "partly_true" if any(v is not None and v < claimed for v in vals) else "consistent"
            )
        else:
            verdict = _verdict(claimed, vals)
        verdict, extra = curated.get(CLAIM_IDS[claim_id], (verdict, []))
        rows.append(
            (
                i18n.t(f"news.claim.{claim_id}", language),
                "; ".join(texts),
                i18n.t(f"news.verdict.{verdict}", language),
                sorted({*sids, *extra}),
            )
        )
    return rows


def _multiple_rows(
    multiples: pd.DataFrame,
    sources: pd.DataFrame,
    language: str,
    curated: dict[str, tuple[str, list[str]]],
) -> list[NewsRow]:
    """Rows of the claims about demand growth (:data:`MULTIPLE_CLAIMS`); without a curated
    verdict they read "outdated"."""
    rows: list[NewsRow] = []
    for claim_id, parts in MULTIPLE_CLAIMS:
        texts, sids = [], []
        for mineral, sid in parts:
            text = _multiple_text(multiples, sources, language, mineral, sid)
            if text:
                texts.append(text)
                sids.append(sid)
        if not texts:
            continue
        verdict, extra = curated.get(CLAIM_IDS[claim_id], ("outdated", []))
        rows.append(
            (
                i18n.t(f"news.claim.{claim_id}", language),
                "; ".join(texts),
                i18n.t(f"news.verdict.{verdict}", language),
                sorted({*sids, *extra}),
            )
        )
    return rows


def news_vs_data_html(rows: Sequence[tuple[str, str, str, list[str]]], language: str) -> HTML:
    """The news-versus-data table (claims are catalogue text, data cells already escaped)."""
    heading = f"<h3>{escape(i18n.t('section.news_vs_data', language))}</h3>"
    intro = f"<p>{escape(i18n.t('news.intro', language))}</p>"
    table = html_table(
        [
            i18n.t("news.col.claim", language),
            i18n.t("news.col.data", language),
            i18n.t("news.col.verdict", language),
        ],
        [
            (
                Safe(f"<q>{escape(c)}</q>"),
                Safe(f"{d} {source_ref(s)}"),
                Safe(f'<span class="mb-verdict">{escape(v)}</span>'),
            )
            for c, d, v, s in rows
        ],
        css_class="mb-table mb-news",
    )
    return HTML(heading + intro + table)
