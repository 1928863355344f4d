"""Audit of the real rendered briefs, read as an adviser would before forwarding them.

The built-in scenarios are rendered once through the real pipeline (papermill + nbconvert,
``mineral-briefs render --all``) and every brief, in both languages, is checked against the
files written beside it:

* every number of the executive summary (cards and findings) is a value of the key-figure CSV
  (``<brief>-kpis.csv``: central estimate, P10, P90) of the brief's focal market;
* the price and shortfall chart titles quote the same KPI values as the summary;
* no recovery is claimed while the IAMC CSV shows the shortfall still open at the end;
* a KPI on the model's numerical ceiling (choke guard) says so; every money figure names its period;
* the first-screen answer box (what happens, how long, who pays, what helps most) quotes only
  key figures, and the levers-compared table is the key-figure CSV's ``lever_*`` rows, ranked
  by shortfall avoided, its best lever the one the answer box names;
* none of the contradictory pairs found in review (a "no sensitivity runs" note beside a
  sensitivity chart, "1 new projects", one effect repeated for two controls, China's price
  "stays" while the CSV shows it moving, file paths in reader-facing text).

Numbers are parsed from the text here, independently of the brief's own formatter, and compared
within the rounding of the printed digits.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from brief_numbers import matches, quantities
from bs4 import BeautifulSoup
from mineral_briefs.scenarios import list_scenarios

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("brief_audit")]

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "de")
MONEY_PERIOD = {
    "en": re.compile(r"peak year|to [A-Z][a-z]+ \d{4}"),
    "de": re.compile(r"Jahr|bis [A-ZÄÖÜ][a-zäöü]+ \d{4}"),
}
CAP_WORDS = {"en": "numerical ceiling", "de": "numerische Obergrenze"}
NO_SENSITIVITY = {"en": "No sensitivity runs", "de": "Keine Sensitivitätsläufe"}


# --------------------------------------------------------------------------- parsing


# --------------------------------------------------------------------------- the rendered set


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every built-in brief in both languages, rendered once through the real pipeline."""
    out = tmp_path_factory.mktemp("audit")
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    # NOTE: MB_AUDIT_SCENARIOS (comma-separated ids) narrows a local run on a shared machine;
    # unset (CI), every built-in brief is rendered and audited.
    which = ["--all"] if not _only() else sorted(_only())
    proc = subprocess.run(
        [sys.executable, "-m", "mineral_briefs", "render", *which, "--out", str(out), "--force"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _only() -> set[str]:
    return {x for x in os.environ.get("MB_AUDIT_SCENARIOS", "").split(",") if x}


def _briefs() -> list[tuple[str, str]]:
    only = _only()
    return [
        (s.id, lang) for s in list_scenarios() if not only or s.id in only for lang in LANGUAGES
    ]


@dataclass
class Brief:
    html: BeautifulSoup
    kpis: list[dict[str, str]]
    iamc: list[dict[str, str]]
    language: str

    def focal(self) -> dict[str, dict[str, str]]:
        return {r["kpi"]: r for r in self.kpis if r["focal"] == "True"}

    def summary_text(self) -> str:
        answer = self.html.find("div", class_="mb-answer")
        cards = self.html.find("div", class_="mb-kpis")
        items = self.html.find("ol", class_="mb-findings")
        return " ".join(x.get_text(" ") for x in (answer, cards, items) if x is not None)

    def answer_cells(self) -> list[str]:
        box = self.html.find("div", class_="mb-answer")
        assert box is not None, "no answer box in the executive summary"
        return [c.get_text(" ") for c in box.find_all("div", class_="mb-answer-cell")]

    def compared_rows(self) -> list[list[str]]:
        table = self.html.find("table", class_="mb-compared")
        if table is None:
            return []
        return [[td.get_text(" ") for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]

    def section(self, index_of_h2: int) -> str:
        heads = self.html.find_all("h2")
        start, stop = (
            heads[index_of_h2],
            (heads[index_of_h2 + 1] if index_of_h2 + 1 < len(heads) else None),
        )
        parts = []
        for el in start.find_all_next(string=True):
            if stop is not None and el.find_parent("h2") is stop:
                break
            if el.find_parent("script") is None:
                parts.append(str(el))
        return " ".join(parts)

    def levers_table_text(self) -> str:
        """The cells of the policy-levers table (the section headed by ``section.levers``)."""
        from mineral_briefs import i18n

        head = next(
            h
            for h in self.html.find_all("h2")
            if h.get_text() == i18n.t("section.levers", self.language)
        )
        table = head.find_next("table")
        nxt = head.find_next("h2")
        if table is None or (nxt is not None and nxt in table.find_all_previous("h2")):
            return ""
        return " ".join(td.get_text(" ") + "." for td in table.find_all("td"))

    def chart_titles(self) -> list[str]:
        titles = []
        for script in self.html.find_all("script"):
            src = script.string or ""
            m = re.search(r'vegaEmbed\("#mb-chart-\d+", (\{.*\}), \{"mode"', src, re.S)
            if not m:
                continue
            spec = json.loads(m.group(1))
            title = spec.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            if isinstance(text, list):
                text = " ".join(text)
            if text:
                titles.append(str(text))
        return titles


def _load(out: Path, sid: str, lang: str) -> Brief:
    name = f"{sid}-{lang}"
    html = BeautifulSoup((out / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    kpis_path = out / f"{name}-kpis.csv"
    assert kpis_path.is_file(), f"{name}: no key-figure CSV beside the brief"
    kpis = list(csv.DictReader(io.StringIO(kpis_path.read_text(encoding="utf-8"))))
    iamc = list(csv.DictReader(io.StringIO((out / f"{name}.csv").read_text(encoding="utf-8"))))
    return Brief(html, kpis, iamc, lang)


def _f(row: dict[str, str] | None, col: str = "value") -> float:
    if row is None or row.get(col, "") in ("", "nan", "NaN"):
        return float("nan")
    return float(row[col])


def _allowed_values(focal: dict[str, dict[str, str]]) -> list[tuple[str, float]]:
    """(kind, value) of every figure the summary may quote for the focal market."""
    kinds = {
        "lever_shortfall_avoided_pct": "pct",
        "lever_material_share_pct": "pct",
        "lever_cost_price_multiple": "multiple",
        "lever_shortfall": "tonnes",
        "lever_cost_usd_per_t": "usd",
        "lever_peak_price_multiple": "multiple",
        "peak_price_multiple": "multiple",
        "min_price_multiple": "multiple",
        "cumulative_shortfall_pct": "pct",
        "shortfall_end_pct": "pct",
        "substituted_end_pct": "pct",
        "alliance_self_sufficiency": "pct",
        "top1_share": "pct",
        "top3_share": "pct",
        "coverage_without_largest": "pct",
        "cumulative_shortfall_t": "tonnes",
        "peak_shortfall_t_per_year": "tonnes",
        "project_size_t_per_year": "tonnes",
        "_usd": "usd",
        "base_price_usd_per_kg": "usd_per_kg",
        "months_to_recovery": "months",
        "months_at_twice_base_outside": "months",
        "stockpile_days": "days",
    }
    out = []
    for kpi, row in focal.items():
        kind = next((k for prefix, k in kinds.items() if kpi.startswith(prefix)), "plain")
        if kpi.endswith("_usd") or kpi.endswith("_usd_per_year"):
            kind = "usd"
        for col in ("value", "p10", "p90"):
            v = _f(row, col)
            if math.isfinite(v):
                out.append((kind, v))
    base = _f(focal.get("base_price_usd_per_kg"))
    for kpi in ("peak_price_multiple_outside", "peak_price_multiple_alliance"):
        peak = _f(focal.get(kpi))
        if math.isfinite(base) and math.isfinite(peak):
            out.append(("usd_per_kg", base * peak))
    return out


# --------------------------------------------------------------------------- the audit


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_summary_numbers_are_the_key_figures(rendered: Path, sid: str, lang: str) -> None:
    """Every number with a unit in the summary is a central value or P10/P90 of the CSV."""
    b = _load(rendered, sid, lang)
    allowed = _allowed_values(b.focal())
    stray = [
        q
        for q in quantities(b.summary_text(), lang)
        if not any(kind == q.kind and matches(q, v) for kind, v in allowed)
    ]
    assert not stray, f"{sid}-{lang}: summary numbers not in the key-figure CSV: {stray}"


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_price_chart_title_quotes_the_summary_peak(rendered: Path, sid: str, lang: str) -> None:
    """The price chart's title states the peak multiples of the key-figure CSV: the outside
    price, and the alliance's where a floor sets it apart."""
    b = _load(rendered, sid, lang)
    focal = b.focal()
    peak = _f(focal.get("peak_price_multiple_outside"))
    ally = _f(focal.get("peak_price_multiple_alliance"))
    titles = [t for t in b.chart_titles() if "×" in t]
    if not titles:  # a flat price: the title says so and quotes no peak
        assert peak <= 1.001, f"{sid}-{lang}: no chart title states the {peak:.2f}× peak"
        return
    multiples = [q for t in titles for q in quantities(t, lang) if q.kind == "multiple"]
    assert any(matches(q, peak) for q in multiples), (sid, lang, titles, peak)
    assert all(matches(q, peak) or matches(q, ally) for q in multiples), (sid, lang, titles)


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_no_recovery_claimed_while_short(rendered: Path, sid: str, lang: str) -> None:
    """A finite recovery time only where the IAMC CSV's last year has no shortfall left."""
    b = _load(rendered, sid, lang)
    focal = b.focal()
    rec = focal.get("months_to_recovery")
    if rec is None or not math.isfinite(_f(rec)):
        assert (
            rec is None
            or "open_at_horizon" in rec["flags"]
            or _f(focal.get("peak_price_multiple_outside")) <= 1.1
        ), (sid, lang, rec)
        return
    mineral_stage = {r["kpi"]: r for r in b.kpis if r["focal"] == "True"}
    any_row = next(iter(mineral_stage.values()))
    years = [c for c in b.iamc[0] if c.isdigit()]
    last = years[-1]
    short = sum(
        float(r[last] or 0)
        for r in b.iamc
        if r["variable"].startswith("Shortfall|")
        # the model's own regions; the file's "Outside China" row is their sum (test_iamc.py)
        and r["region"] in ("Alliance", "Rest of World")
        and _market_of(r["variable"]) == (any_row["mineral"], any_row["stage"])
    )
    demand = sum(
        float(r[last] or 0)
        for r in b.iamc
        if r["variable"].startswith("Demand|")
        and r["region"] == "World"
        and _market_of(r["variable"]) == (any_row["mineral"], any_row["stage"])
    )
    assert short <= 0.01 * demand, (
        f"{sid}-{lang}: recovery after {rec['value']} months claimed, but the shortfall in "
        f"{last} is {short:.0f} t/yr ({demand:.0f} t/yr demand)"
    )


def _market_of(variable: str) -> tuple[str, str]:
    from mineral_briefs.model.codelist import variable as var_name

    for mineral in (
        "rare_earths",
        "magnet_rees",
        "lithium",
        "cobalt",
        "nickel",
        "graphite",
        "gallium",
        "germanium",
        "antimony",
        "tungsten",
        "copper",
    ):
        for stage in ("mining", "refining", "magnets", "battery_materials"):
            quantity = variable.split("|")[0]
            if var_name(quantity, mineral, stage) == variable:
                return mineral, stage
    return "", ""


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_caps_are_flagged_where_they_bind(rendered: Path, sid: str, lang: str) -> None:
    """A peak at the model's choke cap carries the flag and the summary says so in words."""
    from mineral_briefs.data import load_dataset

    params = load_dataset().model_parameters
    cap = float(params.loc[params["parameter"] == "choke_price_multiple", "value"].iloc[0])
    b = _load(rendered, sid, lang)
    peak = b.focal().get("peak_price_multiple_outside")
    on_cap = _f(peak) >= cap * 0.999
    assert on_cap <= ("at_guard" in (peak or {}).get("flags", "")), (sid, lang, peak)
    if peak is not None and "at_guard" in peak["flags"]:
        assert CAP_WORDS[lang] in b.summary_text(), f"{sid}-{lang}: capped peak not flagged"


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_every_money_figure_names_its_period(rendered: Path, sid: str, lang: str) -> None:
    """Summary and levers-table sentences with an amount of money say for what period."""
    b = _load(rendered, sid, lang)
    text = b.summary_text() + " " + b.levers_table_text()
    bad = []
    sentences = re.split(r"(?<!Mio\.)(?<!Mrd\.)(?<!Bio\.)(?<=[.;])\s+", text.replace("\u00a0", " "))
    for sentence in sentences:
        has_money = any(q.kind == "usd" for q in quantities(sentence, lang))
        if has_money and not MONEY_PERIOD[lang].search(sentence):
            bad.append(sentence.strip()[:160])
    assert not bad, f"{sid}-{lang}: money without a period: {bad}"


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_no_contradictory_pairs(rendered: Path, sid: str, lang: str) -> None:
    """The pairs found in review never come back."""
    b = _load(rendered, sid, lang)
    page = b.html.get_text(" ").replace("\u00a0", " ")
    problems = []
    has_tornado = any("sensitiv" in t.lower() or "Sensitiv" in t for t in b.chart_titles())
    if NO_SENSITIVITY[lang] in page and has_tornado:
        problems.append("'no sensitivity runs' beside a sensitivity chart")
    if re.search(r"\b1 (new |further |neue |weitere )?(projects|Projekte)\b", page):
        problems.append("'1 … projects'")
    if re.search(r"\bdata/[\w-]+\.csv\b", page):
        problems.append("a file path in reader-facing text")
    effects = [
        tr.find_all("td")[-1].get_text(" ").strip()
        for tr in b.html.find_all("tr")
        if len(tr.find_all("td")) == 3 and "×" in tr.find_all("td")[-1].get_text()
    ]
    if len(effects) != len(set(effects)):
        problems.append(f"one effect repeated for two levers: {effects}")
    stays = {"en": "stays near its pre-shock", "de": "bleibt der Preis nahe"}[lang]
    if stays in b.summary_text():
        focal = b.focal()
        lo, hi = (
            _f(focal.get("min_price_multiple_inside")),
            _f(focal.get("peak_price_multiple_inside")),
        )
        if not (lo >= 0.95 and hi <= 1.05):
            problems.append(f"China's price 'stays' but moves {lo:.2f}–{hi:.2f}")
    assert not problems, f"{sid}-{lang}: {problems}"


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_a_shortfall_still_rising_at_the_end_is_not_called_a_peak(
    rendered: Path, sid: str, lang: str
) -> None:
    """When the engine flags the peak shortfall ``rising_at_end``, the summary and the flow
    chart's title say it is still rising; otherwise neither does."""
    b = _load(rendered, sid, lang)
    row = b.focal().get("peak_shortfall_t_per_year")
    rising = row is not None and "rising_at_end" in row["flags"]
    words = {"en": "still rising", "de": "noch"}[lang]
    flow = [t for t in b.chart_titles() if any(q.kind == "tonnes" for q in quantities(t, lang))]
    said = words in b.summary_text() and any(words in t for t in flow)
    assert rising == said, (sid, lang, row, flow)


# --------------------------------------------------------------------------- levers compared


def _lever_rows(b: Brief) -> dict[str, dict[str, float]]:
    """Lever id -> measure -> central value, from the key-figure CSV's ``lever_*|id`` rows."""
    out: dict[str, dict[str, float]] = {}
    for r in b.kpis:
        if r["kpi"].startswith("lever_") and "|" in r["kpi"]:
            measure, lever = r["kpi"].split("|", 1)
            out.setdefault(lever, {})[measure] = _f(r)
    return out


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_answer_box_holds_the_four_answers(rendered: Path, sid: str, lang: str) -> None:
    """Every brief opens with what happens, how long, who pays and what helps most."""
    from mineral_briefs import i18n

    b = _load(rendered, sid, lang)
    cells = b.answer_cells()
    heads = [i18n.t(f"answer.{k}", lang) for k in ("what", "how_long", "who_pays", "helps")]
    assert [c.strip().startswith(h) for c, h in zip(cells, heads, strict=True)] == [True] * 4
    what = quantities(cells[0], lang)
    priced = _f(b.focal().get("base_price_usd_per_kg")) > 0
    assert priced <= any(q.kind == "usd_per_kg" for q in what), cells[0]
    assert priced <= any(q.kind == "multiple" for q in what), cells[0]
    who = quantities(cells[2], lang)
    focal = b.focal()
    money = [_f(focal.get(k)) for k in ("buyer_extra_cost_usd", "producer_revenue_change_usd")]
    # NOTE: where nobody pays anything (the baseline) the cell says so in words, no amounts
    nobody = all(abs(v) < 0.5 for v in money if math.isfinite(v))
    said_nothing = i18n.t("answer.pays.buyers_zero", lang).split("{")[0].strip() in cells[2]
    assert sum(q.kind == "usd" for q in who) >= (0 if nobody else 2), cells[2]
    assert said_nothing == nobody, (cells[2], money)


@pytest.mark.parametrize(("sid", "lang"), _briefs())
def test_levers_compared_table_is_the_key_figures(rendered: Path, sid: str, lang: str) -> None:
    """Each row of the levers-compared table quotes its lever's CSV rows; rows are ranked by
    shortfall avoided; the answer box names the top lever."""
    from mineral_briefs import i18n

    b = _load(rendered, sid, lang)
    csv_levers = _lever_rows(b)
    assert set(csv_levers) == {"stockpile", "floor", "offtake", "projects", "alliance"}
    name_of = {i18n.t(f"compared.lever.{k}", lang): k for k in csv_levers}
    rows = b.compared_rows()
    ran = {k for k, v in csv_levers.items() if math.isfinite(v["lever_shortfall_t"])}
    assert {name_of[r[1].strip()] for r in rows if r[0].strip() != "–"} == ran
    avoided_order = []
    for r in rows:
        lever = name_of[r[1].strip()]
        if lever not in ran:
            continue
        want = csv_levers[lever]
        for cell, measure, kind in (
            (r[3], "lever_shortfall_t", "tonnes"),
            (r[4], "lever_shortfall_avoided_t", "tonnes"),
            (r[5], "lever_shortfall_avoided_pct", "pct"),
            (r[7], "lever_cost_usd_per_t", "usd"),
        ):
            got = [q for q in quantities(cell, lang) if q.kind == kind]
            w = want[measure]
            quoted = bool(got) and matches(got[0], w)
            assert quoted if math.isfinite(w) else not got, (sid, lang, lever, measure, cell)
        avoided_order.append(want["lever_shortfall_avoided_t"])
    assert avoided_order == sorted(avoided_order, reverse=True), (sid, lang, avoided_order)
    helps = b.answer_cells()[3]
    top = max(ran, key=lambda k: csv_levers[k]["lever_shortfall_avoided_t"], default=None)
    if top is not None and csv_levers[top]["lever_shortfall_avoided_t"] >= 1.0:
        assert (
            helps.strip()
            .removeprefix(i18n.t("answer.helps", lang))
            .strip()
            .startswith(i18n.t(f"compared.lever.{top}", lang))
        ), (sid, lang, helps)
