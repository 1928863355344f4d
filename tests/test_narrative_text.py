"""Generated prose: KPI formats, findings, tables, news-versus-data and the situation."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import pytest
from mineral_briefs import i18n, narrative
from mineral_briefs.data import load_dataset, market_base


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def kpi_frame() -> pd.DataFrame:
    rows = [
        ("peak_price_multiple_outside", 2.668, "x base price", 2.16, 3.51),
        ("peak_price_multiple_inside", 1.62, "x base price", 1.47, 1.85),
        ("months_to_recovery", 14.0, "months", 12.0, 17.0),
        ("cumulative_shortfall_t", 5646.7, "t", 4236.0, 7749.0),
        ("cumulative_shortfall_pct", 5.82, "%", 4.37, 7.99),
        ("hhi", 8353.0, "0-10000", 8353.0, 8353.0),
        ("top1_share", 91.0, "%", 91.0, 91.0),
        ("top3_share", 97.0, "%", 97.0, 97.0),
        ("stockpile_days_used", 42.0, "days", 30.0, 55.0),
        ("consumer_cost_usd", 1.25e9, "USD", 1e9, 1.5e9),
        ("fiscal_cost_usd", 3.0e8, "USD", 2e8, 4e8),
        ("tariff_revenue_usd", 4.5e8, "USD", 3e8, 6e8),
    ]
    return pd.DataFrame(
        [("magnet_rees", "refining", *r) for r in rows],
        columns=["mineral", "stage", "kpi", "value", "unit", "p10", "p90"],
    )


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.mark.parametrize(
    ("kpi", "value", "unit", "en", "de"),
    [
        ("peak_price_multiple_outside", 2.668, "x base price", "2.7×", "2,7×"),
        ("cumulative_shortfall_pct", 5.82, "%", "6%", "6 %"),
        ("top1_share", 0.91, "share", "91%", "91 %"),
        ("hhi", 8353.0, "0-10000", "8,353", "8.353"),
        ("consumer_cost_usd", 1.25e9, "USD", "USD 1.2 bn", "1,2 Mrd. USD"),
        ("cumulative_shortfall_t", 5646.7, "t", "5.6 kt", "5,6 kt"),
        ("months_to_recovery", 14.0, "months", "14", "14"),
        ("projects_needed", 3.0, "projects", "3", "3"),
    ],
)
def test_format_kpi(kpi: str, value: float, unit: str, en: str, de: str) -> None:
    assert plain(narrative.format_kpi(kpi, value, unit, "en")) == en
    assert plain(narrative.format_kpi(kpi, value, unit, "de")) == de


def test_kpi_lookup_prefers_the_focal_stage() -> None:
    other = kpi_frame().assign(stage="mining", value=1.0)
    both = pd.concat([other, kpi_frame()], ignore_index=True)
    k = narrative.kpi_lookup(both, "en", "magnet_rees", "refining")
    assert k["peak_price_multiple_outside"].value == pytest.approx(2.668)
    assert k["peak_price_multiple_outside"].p90_text == "3.5×"


@pytest.mark.parametrize("language", ["en", "de"])
def test_findings_quote_the_kpis(language: str) -> None:
    k = narrative.kpi_lookup(kpi_frame(), language, "magnet_rees", "refining")
    items = narrative.findings(
        k, language, mineral="magnet_rees", top_country="CHN", horizon_months=36
    )
    assert 3 <= len(items) <= 6
    for f in items:
        assert f.kpis, f.key
        for kpi_id, text in f.kpis.items():
            assert text == k[kpi_id].text
            assert text in f.text, (kpi_id, text, f.text)
    assert items[0].key == "price"
    assert i18n.country_name("CHN", language) in " ".join(f.text for f in items)


def test_open_disruption_is_said_not_counted() -> None:
    """The engine reports no recovery as NaN + ``open_at_horizon``: the summary says the
    disruption is not over when the horizon ends, and never quotes a number of months."""
    frame = kpi_frame().assign(flags="")
    rec = frame["kpi"] == "months_to_recovery"
    frame.loc[rec, ["value", "p10", "p90"]] = float("nan")
    frame.loc[rec, "flags"] = "open_at_horizon"
    k = narrative.kpi_lookup(frame, "en", "magnet_rees", "refining")
    items = narrative.findings(
        k, "en", mineral="magnet_rees", horizon_months=36, start=dt.date(2025, 10, 1)
    )
    recovery = next(f for f in items if f.key == "recovery")
    assert "not ended" in recovery.text and "September 2028" in recovery.text
    assert "months" not in recovery.text
    assert k["months_to_recovery"].text == "not within the horizon"


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_open_disruption_says_what_is_left_and_how_much_is_substituted(language: str) -> None:
    """Open at the horizon with a shortfall left: the summary gives the last month's shortfall
    and the part of it that moved to substitutes, quoted from the key figures; without a
    substituted part worth stating (< 0.5 %) only that the disruption is not over."""
    frame = kpi_frame().assign(flags="")
    rec = frame["kpi"] == "months_to_recovery"
    frame.loc[rec, ["value", "p10", "p90"]] = float("nan")
    frame.loc[rec, "flags"] = "open_at_horizon"
    end = pd.DataFrame(
        [
            ("magnet_rees", "refining", "shortfall_end_pct", 6.32, "%", 4.1, 8.0),
            ("magnet_rees", "refining", "substituted_end_pct", 5.86, "%", 3.9, 7.2),
        ],
        columns=["mineral", "stage", "kpi", "value", "unit", "p10", "p90"],
    ).assign(flags="")

    def recovery(frame: pd.DataFrame) -> narrative.Finding:
        k = narrative.kpi_lookup(frame, language, "magnet_rees", "refining")
        items = narrative.findings(
            k, language, mineral="magnet_rees", horizon_months=36, start=dt.date(2025, 10, 1)
        )
        return next(f for f in items if f.key == "recovery")

    full = recovery(pd.concat([frame, end], ignore_index=True))
    six = narrative.format_kpi("shortfall_end_pct", 6.0, "%", language)
    assert plain(six) == ("6%" if language == "en" else "6 %")
    assert full.kpis == {"shortfall_end_pct": six, "substituted_end_pct": six}
    assert full.text.count(six) == 2 and "§4a" in full.text
    assert ("substitutes" if language == "en" else "Ersatzstoffe") in full.text
    small = end.assign(value=[6.32, 0.3])
    assert recovery(pd.concat([frame, small], ignore_index=True)).kpis == {}


def test_a_finite_recovery_is_quoted_in_months() -> None:
    k = narrative.kpi_lookup(kpi_frame(), "en", "magnet_rees", "refining")
    items = narrative.findings(k, "en", mineral="magnet_rees", horizon_months=36)
    recovery = next(f for f in items if f.key == "recovery")
    assert "14 months" in recovery.text


def test_capped_and_still_rising_peaks_say_so() -> None:
    frame = kpi_frame().assign(flags="")
    frame.loc[frame["kpi"] == "peak_price_multiple_outside", "flags"] = "at_guard;rising_at_end"
    k = narrative.kpi_lookup(frame, "en", "magnet_rees", "refining")
    items = narrative.findings(
        k, "en", mineral="magnet_rees", horizon_months=36, start=dt.date(2025, 10, 1)
    )
    price = items[0].text
    assert (
        "numerical ceiling" in price
        and "price cap" not in price
        and "still rising" in price
        and "September 2028" in price
    )
    plain_price = narrative.findings(
        narrative.kpi_lookup(kpi_frame(), "en", "magnet_rees", "refining"),
        "en",
        mineral="magnet_rees",
    )[0].text
    assert "numerical ceiling" not in plain_price and "still rising" not in plain_price


def test_money_findings_name_period_and_payer() -> None:
    frame = pd.concat(
        [
            kpi_frame(),
            pd.DataFrame(
                [
                    (
                        "magnet_rees",
                        "refining",
                        "consumer_cost_usd_per_year",
                        5.0e8,
                        "USD",
                        4e8,
                        6e8,
                    ),
                    (
                        "magnet_rees",
                        "refining",
                        "tariff_revenue_usd_per_year",
                        2.0e8,
                        "USD",
                        1e8,
                        3e8,
                    ),
                    ("magnet_rees", "refining", "fiscal_cost_usd_per_year", 1.0e8, "USD", 1e8, 1e8),
                ],
                columns=["mineral", "stage", "kpi", "value", "unit", "p10", "p90"],
            ),
        ],
        ignore_index=True,
    )
    k = narrative.kpi_lookup(frame, "en", "magnet_rees", "refining")
    items = narrative.findings(
        k, "en", mineral="magnet_rees", horizon_months=36, start=dt.date(2025, 10, 1)
    )
    money = next(f for f in items if f.key == "money").text.replace("\u00a0", " ")
    assert (
        "consumers USD 500 m</strong> in the peak year; USD 1.2 bn in total to September 2028"
        in (money.replace("<strong>", ""))
    )
    assert "taxpayers" in money and "tariff revenue" in money


def test_html_table_escapes_cells_but_not_safe_markup() -> None:
    out = narrative.html_table(
        ["<b>h</b>"], [["<script>alert(1)</script>"], [narrative.Safe("<em>ok</em>")]]
    )
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<em>ok</em>" in out and "&lt;b&gt;h&lt;/b&gt;" in out


def test_kpi_cards_show_value_and_band() -> None:
    k = narrative.kpi_lookup(kpi_frame(), "de", "magnet_rees", "refining")
    cards = narrative.kpi_cards(k, "de")
    assert cards.count('class="mb-kpi"') == 4
    text = html.unescape(cards)
    assert "2,7×" in text and "P10–P90: 2,2×–3,5×" in text


@pytest.mark.parametrize("language", ["en", "de"])
def test_news_versus_data_from_the_data(dataset, language: str) -> None:
    shares = market_base(dataset, 2024).assign(year=2024)
    rows = narrative.news_vs_data_rows(
        shares, dataset.demand_multiples, dataset.sources, language, dataset.seed_claims
    )
    text = plain(" ".join(" ".join(r[:3]) for r in rows))
    china_mining = (
        shares[
            (shares["mineral"] == "rare_earths")
            & (shares["stage"] == "mining")
            & (shares["country"] == "CHN")
        ]["share"].iloc[0]
        * 100
    )
    refining = (
        shares[
            (shares["mineral"] == "magnet_rees")
            & (shares["stage"] == "refining")
            & (shares["country"] == "CHN")
        ]["share"].iloc[0]
        * 100
    )
    assert plain(i18n.fmt_pct(china_mining, language)) in text  # USGS: 71 % of 2024 mining
    assert plain(i18n.fmt_pct(refining, language)) in text  # IEA: 91 % of magnet-REE refining
    assert round(china_mining) == 71 and round(refining) == 91
    assert i18n.t("news.claim.half_market", language) in [r[0] for r in rows]
    verdicts = {r[0]: r[2] for r in rows}
    assert verdicts[i18n.t("news.claim.half_market", language)] == i18n.t(
        "news.verdict.understated", language
    )
    assert all(r[3] for r in rows)  # every row cites its sources
    table = narrative.news_vs_data_html(rows, language)
    assert table.count("<tr>") == len(rows) + 1


def test_german_situation_is_fully_german(dataset) -> None:
    out = narrative.situation_html(
        dataset.policy_events,
        "de",
        minerals=["magnet_rees", "rare_earths"],
        as_of=dt.date(2025, 10, 1),
    )
    assert i18n.t("situation.english_only", "de") not in out
    assert "10. November 2026" in plain(out)
    assert "MOFCOM_2025" not in out and "MOFCOM&#95;2025" in out  # escaped source ids
    en = narrative.situation_html(
        dataset.policy_events, "en", minerals=["magnet_rees"], as_of=dt.date(2025, 10, 1)
    )
    assert "10 November 2026" in plain(en)


def test_situation_marks_untranslated_event_text(dataset) -> None:
    events = dataset.policy_events.head(1).assign(
        event_id="no-such-event", date="2026-01-01", minerals=""
    )
    out = narrative.situation_html(events, "de", minerals=["lithium"], as_of=dt.date(2025, 10, 1))
    assert i18n.t("situation.english_only", "de") in out


def test_the_suspension_callout_is_for_the_minerals_it_suspended(dataset) -> None:
    as_of = dt.date(2026, 12, 3)
    nickel = narrative.situation_html(dataset.policy_events, "en", minerals=["nickel"], as_of=as_of)
    assert "mb-callout" not in nickel  # China's Oct 2025 package did not cover nickel
    # an element market reads the events that name rare earths as a family
    dy = narrative.situation_html(dataset.policy_events, "en", minerals=["dy"], as_of=as_of)
    assert "mb-callout" in dy and "10 November 2026" in plain(dy)
    assert i18n.t("situation.april", "en") in plain(dy)


def test_flags_are_visible_and_escaped() -> None:
    flags = pd.DataFrame(
        {"what": ["<script>x</script>"], "confidence": ["unconfirmed"], "source_id": ["MEMORY"]}
    )
    out = narrative.flags_html(flags, "en")
    assert "mb-flag-unconfirmed" in out and "<script>" not in out
    assert "unconfirmed" in out
    assert "mb-callout" not in narrative.flags_html(flags.head(0), "en")


def test_sources_table_prints_urls_as_text(dataset) -> None:
    out = narrative.sources_html(dataset.sources_for(["USGS_MCS2026", "IEA_CMD2025"]), "de")
    assert "<a " not in out and "mb-url" in out
    assert "Lizenz" in out and "U.S. Geological Survey" in html.unescape(out)


@pytest.mark.parametrize("language", ["en", "de"])
def test_concentration_finding_does_not_invent_producers(language: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Dy refining: the data name China (99 %) and an unattributed rest, so no "top three"
    claim. (NOTE: magnets used to be this case; they now name Japan, Germany, the US and
    Vietnam, MB_MAGNETS_2024, so a Dy/Tb control brief carries the check.)"""
    from mineral_briefs import brief

    path = tmp_path / "dytb_only.yaml"
    path.write_text(
        "id: dytb_only\nextends: baseline\nexport_controls:\n  - exporter: CHN\n"
        "    minerals: [dy, tb]\n    stages: [refining]\n    share_withheld: 0.6\n"
        "    targets: all\n    announced: 2026-01-01\n    effective: 2026-01-01\n"
        "    ends: 2027-01-01\n    licensing_delay_days: 0\n    ramp_months: 0\n"
        "    front_running_months: 0\n    leakage: 0.0\n",
        encoding="utf-8",
    )
    b = brief.prepare(str(path), language=language, draws=20)
    (finding,) = [f for f in b.findings() if f.key == "concentration"]
    assert "top3_share" not in finding.kpis
    text = finding.text
    assert ("top three" not in text) and ("drei größten" not in text)
    assert ("other" in text) if language == "en" else ("Sonstige" in text)
