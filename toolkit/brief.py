"""One brief: run the scenario once, then one method per notebook section.

``notebooks/brief.ipynb`` calls :func:`prepare` in its setup cell; every other cell is one call
such as ``brief.summary()`` or ``brief.price_chart()`` returning a chart, a table or text.
Section methods return :class:`toolkit.narrative.HTML` / :class:`~toolkit.narrative.Markdown`
(``str`` subclasses Jupyter displays) or Altair charts built by :mod:`toolkit.charts`.

The brief displays exactly one meta output (:data:`META_MIME`, read by the exporter for the page
header and the index) and one data output (:data:`DATA_MIME`, the IAMC results as CSV, written
beside the brief by the render pipeline).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Final

import pandas as pd

from toolkit import __version__, charts, i18n, narrative
from toolkit.i18n import escape
from toolkit.narrative import HTML, KPI, Safe, html_table

log = logging.getLogger(__name__)

META_MIME: Final[str] = "application/vnd.mineral-briefs.meta+json"
DATA_MIME: Final[str] = "application/vnd.mineral-briefs.data+json"

FLAG_LEVELS: Final[tuple[str, ...]] = ("unconfirmed", "assumption")
SENSITIVITY_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "months_to_recovery",
)
WHATIF_LEVERS: Final[tuple[str, ...]] = ("share_withheld", "floor_usd_per_kg", "floor_price")
CONCENTRATION_PAIRS: Final[tuple[tuple[str, str], ...]] = (
    ("rare_earths", "mining"),
    ("magnet_rees", "mining"),
    ("magnet_rees", "refining"),
    ("lithium", "mining"),
    ("lithium", "refining"),
    ("cobalt", "mining"),
    ("cobalt", "refining"),
    ("magnet_rees", "magnets"),
    ("nickel", "mining"),
    ("nickel", "refining"),
    ("graphite", "mining"),
    ("graphite", "refining"),
    ("gallium", "refining"),
)
"""(mineral, stage) rows of the "who mines, who refines" chart (those present in the data)."""


def _h2(key: str, language: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<h2{cls}>{escape(i18n.t(key, language))}</h2>"


def _p(text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{text}</p>"


def _minerals_of(scenario: Any) -> list[str]:
    """Minerals a scenario acts on, in order of appearance (export controls first)."""
    found: list[str] = []
    for ctrl in getattr(scenario, "export_controls", ()):
        found += list(ctrl.minerals)
    for item in (
        *getattr(scenario, "price_floors", ()),
        *getattr(scenario, "projects", ()),
        *getattr(scenario, "demand", ()),
    ):
        found.append(item.mineral)
    for stock in getattr(scenario, "stockpiles", ()):
        found += list(stock.minerals)
    for market in getattr(scenario, "markets", None) or ():
        found.append(market.mineral)
    return list(dict.fromkeys(found))


@dataclass
class Brief:
    """A prepared brief: the scenario, its results and the data, in one language.

    Build it with :func:`prepare`; call one method per notebook section.
    """

    scenario: Any
    results: Any
    dataset: Any
    language: str
    draws: int
    seed: int
    mineral: str = "magnet_rees"
    stage: str = "refining"
    _displayed_meta: bool = field(default=False, repr=False)

    # ------------------------------------------------------------------ basics

    def t(self, key: str, **values: Any) -> str:
        """Translate a catalogue key into the brief's language."""
        return i18n.t(key, self.language, **values)

    @property
    def scenario_id(self) -> str:
        """Id of the scenario."""
        return str(self.scenario.id)

    @property
    def title(self) -> str:
        """Scenario title in the brief's language (raw text: escape before use in HTML)."""
        return str(self.scenario.text("title", self.language))

    @cached_property
    def kpis(self) -> dict[str, KPI]:
        """KPIs of the focal mineral and stage, formatted."""
        return narrative.kpi_lookup(self.results.kpis, self.language, self.mineral, self.stage)

    @cached_property
    def shares(self) -> pd.DataFrame:
        """Country shares by mineral and stage (``toolkit.data.market_base``), with ``year``."""
        from toolkit.data import market_base

        year = self.data_year
        frame = market_base(self.dataset, year=year).assign(year=year)
        # NOTE: magnet production is published as shares only (no tonnes), so market_base
        # leaves it out; the brief adds the latest share rows of that stage.
        prod = self.dataset.production
        mag = prod[
            (prod["stage"] == "magnets")
            & (prod["unit"] == "%")
            & (prod["country"] != "World")
            & (prod["year"] <= year)
        ]
        if len(mag):
            mag = mag[mag["year"] == mag["year"].max()]
            frame = pd.concat(
                [
                    frame,
                    pd.DataFrame(
                        {
                            "mineral": mag["mineral"],
                            "stage": mag["stage"],
                            "country": mag["country"],
                            "quantity_t": float("nan"),
                            "share": mag["value"].astype(float) / 100.0,
                            "source_id": mag["source_id"],
                            "confidence": mag["confidence"],
                            "year": mag["year"].astype(int),
                        }
                    ),
                ],
                ignore_index=True,
            )
        return frame

    @property
    def data_year(self) -> int:
        """Year of the market-structure data (the latest year with World rows, ≤ 2024)."""
        prod = self.dataset.production
        years = prod.loc[(prod["country"] == "World") & (prod["year"] <= 2024), "year"]
        return int(years.max()) if len(years) else 2024

    @cached_property
    def minerals(self) -> list[str]:
        """Minerals of this scenario (focal first), else every mineral in the KPIs."""
        found = _minerals_of(self.scenario)
        if not found and self.results.kpis is not None and len(self.results.kpis):
            found = [m for m in dict.fromkeys(self.results.kpis["mineral"]) if m != "all"]
        return list(dict.fromkeys([self.mineral, *found]))

    @property
    def horizon_months(self) -> int:
        """Simulated months."""
        return int(self.scenario.horizon.months)

    @property
    def start(self) -> dt.date:
        """First simulated month."""
        return self.scenario.horizon.start  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ meta and data

    def meta_dict(self) -> dict[str, Any]:
        """The meta record (no timestamps, no paths, no environment)."""
        headline = [
            {"label": self.t(f"kpi.{k}"), "value": self.kpis[k].text}
            for k in narrative.headline_ids(self.kpis)
        ]
        kpi_values = {k: float(v.value) for k, v in self.kpis.items() if math.isfinite(v.value)}
        rows = self.flag_rows()
        flags = [
            f"{self.t('confidence.' + r.confidence)}: {r.short}"
            for r in rows.head(4).itertuples(index=False)
        ]
        if len(rows) > 4:
            flags.append(self.t("flag.more", n=len(rows) - 4))
        return {
            "title": self.title,
            "scenario_id": self.scenario_id,
            "language": self.language,
            "data_vintage": str(self.results.data_vintage),
            "toolkit_version": __version__,
            "scenario_digest": str(self.scenario.digest()),
            "headline": headline,
            "flags": flags,
            "kpis": kpi_values,
        }

    def meta(self) -> None:
        """Display the meta output (mimetype :data:`META_MIME`) exactly once."""
        from IPython.display import display

        if self._displayed_meta:
            log.warning("meta() called twice; the second call displays nothing")
            return
        self._displayed_meta = True
        display({META_MIME: self.meta_dict(), "text/plain": self.title}, raw=True)

    def iamc_csv(self) -> str:
        """The results in IAMC wide format at annual resolution (mean of monthly values).

        # NOTE: annual means keep the download small (< 1 MB); flows are annualised rates, so
        # their mean is the year's quantity; stocks become average stock levels.
        """
        ts = self.results.timeseries
        if ts is None or ts.empty:
            return ""
        df = ts.copy()
        df["year"] = pd.to_datetime(df["time"]).dt.year
        wide = df.pivot_table(
            index=["model", "scenario", "region", "variable", "unit"],
            columns="year",
            values="value",
            aggfunc="mean",
        )
        wide.columns = [str(c) for c in wide.columns]
        buf = io.StringIO()
        wide.reset_index().to_csv(buf, index=False, float_format="%.6g")
        return buf.getvalue()

    def kpis_csv(self) -> str:
        """The key figures of every market: the one table the summary, cards, chart titles,
        levers table and index read (``statistic`` = central estimate; P10/P90 over draws)."""
        kp = self.results.kpis
        if kp is None or kp.empty:
            return ""
        out = kp.copy()
        if "flags" not in out:
            out["flags"] = ""
        out.insert(0, "scenario", self.scenario_id)
        out["statistic"] = "central"
        out["focal"] = (out["mineral"] == self.mineral) & (out["stage"] == self.stage)
        cols = ["scenario", "mineral", "stage", "kpi", "statistic", "value", "unit", "p10", "p90"]
        cols += ["flags", "note", "focal"]
        buf = io.StringIO()
        out[cols].to_csv(buf, index=False, float_format="%.10g")
        return buf.getvalue()

    def data(self) -> None:
        """Display the IAMC results once (mimetype :data:`DATA_MIME`) for the download link."""
        from IPython.display import display

        payload = {
            "filename": f"{self.scenario_id}-{self.language}.csv",
            "csv": self.iamc_csv(),
            "kpis_filename": f"{self.scenario_id}-{self.language}-kpis.csv",
            "kpis_csv": self.kpis_csv(),
        }
        display({DATA_MIME: payload, "text/plain": payload["filename"]}, raw=True)

    # ------------------------------------------------------------------ sections

    def header(self) -> HTML:
        """Lede: the scenario's rationale (escaped) and the run in one line."""
        rationale = escape(self.scenario.text("rationale", self.language))
        lede = self.t(
            "brief.lede",
            scenario=escape(self.scenario_id),
            vintage=escape(self.results.data_vintage),
            draws=i18n.fmt_number(self.draws, self.language),
            seed=self.seed,
        )
        return HTML(
            f'<div class="mb-lede"><p class="mb-rationale">{rationale}</p>'
            f'<p class="mb-run">{lede}</p></div>'
        )

    def findings(self) -> list[narrative.Finding]:
        """The executive-summary findings (structured: text and the KPI values quoted)."""
        top = self.shares[
            (self.shares["mineral"] == self.mineral)
            & (
                self.shares["stage"] == self.kpis["top1_share"].stage
                if "top1_share" in self.kpis
                else self.stage
            )
            & (self.shares["country"] != "Other")
        ]
        top_country = str(top.iloc[0]["country"]) if len(top) else None
        return narrative.findings(
            self.kpis,
            self.language,
            mineral=self.mineral,
            top_country=top_country,
            horizon_months=self.horizon_months,
            start=self.start,
        )

    def summary(self) -> HTML:
        """Executive summary: KPI cards and 3–5 findings with their numbers."""
        items = self.findings()
        cards = narrative.kpi_cards(self.kpis, self.language)
        if items:
            body = "".join(f"<li>{f.text}</li>" for f in items)
            listing = f'<ol class="mb-findings">{body}</ol>'
        else:
            listing = _p(escape(self.t("finding.none")))
        return HTML(_h2("section.summary", self.language, "mb-first") + cards + listing)

    def situation(self) -> HTML:
        """The situation: dated policy events with their sources."""
        return narrative.situation_html(
            self.dataset.policy_events, self.language, minerals=self.minerals, as_of=self.start
        )

    def news_vs_data(self) -> HTML:
        """The seed articles' claims against the primary figures."""
        rows = narrative.news_vs_data_rows(
            self.shares,
            self.dataset.demand_multiples,
            self.dataset.sources,
            self.language,
            self.dataset.seed_claims,
        )
        return narrative.news_vs_data_html(rows, self.language)

    def market(self) -> HTML:
        """Market structure by stage: top producer, top three and HHI per mineral and stage."""
        rows = []
        for (mineral, stage), grp in self.concentration_shares().groupby(
            ["mineral", "stage"], sort=False
        ):
            named = grp[grp["country"] != "Other"].sort_values("share_pct", ascending=False)
            if named.empty:
                continue
            shares = grp["share_pct"].to_numpy()
            hhi = float((named["share_pct"] ** 2).sum())
            top = named.iloc[0]
            rows.append(
                (
                    i18n.mineral_name(mineral, self.language),
                    i18n.stage_name(stage, self.language),
                    i18n.country_name(str(top["country"]), self.language),
                    i18n.fmt_pct(float(top["share_pct"]), self.language),
                    i18n.fmt_pct(float(named["share_pct"].head(3).sum()), self.language),
                    i18n.fmt_number(hhi, self.language),
                    Safe(narrative.source_ref(str(top["source_id"]), breakable=True)),
                )
            )
            del shares
        table = html_table(
            [
                self.t(f"market.col.{c}")
                for c in ("mineral", "stage", "top", "share", "top3", "hhi", "source")
            ],
            rows,
            numeric=(3, 4, 5),
        )
        return HTML(
            _h2("section.market", self.language)
            + _p(escape(self.t("market.intro", year=self.data_year)))
            + table
            + _p(escape(self.t("market.hhi_note")), "mb-note")
        )

    def concentration_shares(self) -> pd.DataFrame:
        """Shares [%] of the (mineral, stage) rows of the concentration chart."""
        sh = self.shares
        keep = [
            (m, s)
            for m, s in CONCENTRATION_PAIRS
            if ((sh["mineral"] == m) & (sh["stage"] == s)).any()
        ]
        # NOTE: the scenario's own minerals come first so a reader finds them at the top.
        keep.sort(key=lambda p: (p[0] not in self.minerals, CONCENTRATION_PAIRS.index(p)))
        parts = [sh[(sh["mineral"] == m) & (sh["stage"] == s)] for m, s in keep]
        df = pd.concat(parts, ignore_index=True) if parts else sh.head(0)
        return df.assign(share_pct=df["share"].astype(float) * 100.0)[
            ["mineral", "stage", "country", "share_pct", "source_id", "confidence"]
        ]

    def concentration_chart(self) -> Any:
        """Chart: who mines, who refines (country shares by mineral and stage)."""
        df = self.concentration_shares()
        return charts.concentration_chart(
            df,
            self.language,
            year=self.data_year,
            alliance=self.scenario.alliance_members,
            focus=self.mineral,
        )

    # ---------------------------------------------------------------- the shock

    def _variable(self, quantity: str, stage: str | None = None) -> str:
        from toolkit.model.codelist import variable

        return variable(quantity, self.mineral, stage or self.stage)

    def flows(self) -> pd.DataFrame:
        """Supply, demand and shortfall outside China [t/yr], monthly (P50 path)."""
        ts = self.results.timeseries
        out = []
        for quantity in ("Supply", "Demand", "Shortfall"):
            var = self._variable(quantity)
            sel = ts[(ts["variable"] == var) & ts["region"].isin(["Alliance", "Rest of World"])]
            if sel.empty:
                continue
            agg = sel.groupby("time", as_index=False)["value"].sum()
            out.append(agg.assign(series=quantity.lower()))
        if not out:
            return pd.DataFrame(columns=["time", "series", "value"])
        return pd.concat(out, ignore_index=True)[["time", "series", "value"]]

    def shock(self) -> HTML:
        """The shock and its path: how the bands were made, and the peak of the shortfall."""
        intro = (
            self.t("shock.intro", draws=i18n.fmt_number(self.draws, self.language))
            if self.draws > 0
            else self.t("shock.deterministic")
        )
        text = _p(escape(intro))
        fl = self.flows()
        short = fl[fl["series"] == "shortfall"]
        if len(short) and short["value"].max() > 0:
            peak = short.loc[short["value"].idxmax()]
            text += _p(
                escape(
                    self.t(
                        "shock.shortfall_peak",
                        date=i18n.fmt_date(str(peak["time"])[:7], self.language),
                        tonnes=i18n.fmt_tonnes(float(peak["value"]), self.language),
                    )
                )
            )
        return HTML(_h2("section.shock", self.language) + text)

    def flow_chart(self) -> Any:
        """Chart: supply, demand and shortfall outside China."""
        fl = self.flows()
        if fl.empty:
            return HTML(_p(escape(self.t("chart.flow.title_none")), "mb-note"))
        return charts.flow_chart(fl, self.language, mineral=self.mineral)

    def price_bands(self) -> pd.DataFrame:
        """Monthly prices [USD/kg] by region: ``central`` (the central run, the path the KPIs
        come from) and ``p10``/``p90`` over the Monte Carlo draws (World left out)."""
        var = self._variable("Price")
        ts = self.results.timeseries
        central = ts[(ts["variable"] == var) & (ts["region"] != "World")]
        central = self._drop_duplicate_regions(central)
        out = central[["time", "region", "value"]].rename(columns={"value": "central"})
        bands = self.results.bands
        sel = bands[(bands["variable"] == var) & bands["quantile"].isin([0.1, 0.9])]
        if len(sel):
            q = sel.assign(q=sel["quantile"].map(lambda v: f"p{round(float(v) * 100)}"))
            wide = q.pivot_table(index=["time", "region"], columns="q", values="value")
            out = out.merge(wide.reset_index(), on=["time", "region"], how="left")
        for col in ("p10", "p90"):
            if col not in out:
                out[col] = out["central"]
            out[col] = out[col].fillna(out["central"])
        return out[["time", "region", "central", "p10", "p90"]].reset_index(drop=True)

    @staticmethod
    def _drop_duplicate_regions(frame: pd.DataFrame) -> pd.DataFrame:
        """Leave out ``Rest of World`` when its prices equal the alliance's (within 1 %)."""
        regions = set(frame["region"])
        if {"Alliance", "Rest of World"} <= regions:
            key = [c for c in ("time", "quantile") if c in frame]
            a = frame[frame["region"] == "Alliance"].set_index(key)["value"]
            r = frame[frame["region"] == "Rest of World"].set_index(key)["value"]
            gap = ((r - a).abs() / a.abs().clip(lower=1e-9)).max()
            if not gap > 0.01:
                return frame[frame["region"] != "Rest of World"]
        return frame

    def price_title(self) -> str:
        """The price chart's finding, read from the KPI table (the summary's numbers)."""
        k = self.kpis
        peak, base = k.get("peak_price_multiple_outside"), k.get("base_price_usd_per_kg")
        month = k.get("peak_month_outside")
        if peak is None or not peak.available:
            return self.t("chart.price.title_flat")
        ally = k.get("peak_price_multiple_alliance")
        if (
            ally is not None
            and ally.available
            and ally.value > peak.value * 1.01
            and base is not None
            and base.available
        ):
            return self.t(
                "chart.price.title_alliance",
                usd=i18n.fmt_price(ally.value * base.value, self.language),
                multiple=ally.text,
                usd_row=i18n.fmt_price(peak.value * base.value, self.language),
                multiple_row=peak.text,
            )
        if peak.value <= 1.0 + 1e-3 and not peak.flagged("rising_at_end"):
            return self.t("chart.price.title_flat")
        usd = (
            i18n.fmt_price(peak.value * base.value, self.language)
            if base is not None and base.available
            else "–"
        )
        when = (
            narrative._month_text(self.start, month.value, self.language)
            if month is not None and month.available
            else ""
        )
        key = (
            "chart.price.title_kpi_rising"
            if peak.flagged("rising_at_end")
            else ("chart.price.title_kpi")
        )
        title = self.t(key, usd=usd, multiple=peak.text, date=when)
        if peak.central_on_guard:
            title += f" ({self.t('chart.cap_note')})"
        return title

    def price_chart(self) -> Any:
        """Chart: prices by region, central estimate with the draws' P10–P90 band."""
        pb = self.price_bands()
        if pb.empty:
            return HTML("")
        return charts.price_band_chart(
            pb, self.language, mineral=self.mineral, title=self.price_title()
        )

    # ---------------------------------------------------------------- levers

    def lever_rows(self) -> list[tuple[str, str, str]]:
        """(lever, setting, effect) rows for every lever of the scenario."""
        lang, sc = self.language, self.scenario
        rows: list[tuple[str, str, str]] = []
        seen: set[tuple[str, ...]] = set()
        for ctrl in sc.export_controls:
            for mineral in ctrl.minerals:
                stages = [s for s in ctrl.stages]
                setting = "; ".join(
                    self.t(
                        "levers.controls_setting",
                        share=i18n.fmt_pct(ctrl.share_withheld * 100, lang),
                        stage_lower=self.t(f"stage_lower.{s}"),
                        mineral_of=self.t(f"mineral_of.{mineral}"),
                        start=i18n.fmt_date(ctrl.effective, lang),
                    )
                    for s in stages
                )
                effect = (
                    self.t("levers.effect_technology")
                    if set(stages) <= {"technology"}
                    else self.control_effect(mineral, seen)
                )
                rows.append((self.t("levers.controls"), setting, effect))
        for floor in sc.price_floors:
            quoted = i18n.fmt_price(floor.floor.usd_per_kg(), lang)
            if floor.floor.unit != "USD/kg":  # the unit the scenario was written in, first
                number = i18n.fmt_number(
                    float(floor.floor.value), lang, i18n.auto_decimals(float(floor.floor.value))
                )
                quoted = f"{number}\u00a0{floor.floor.unit} ({quoted})"
            setting = self.t(
                "levers.floor_setting",
                price=quoted,
                mineral=self.t(f"mineral_lower.{floor.mineral}"),
                stage_lower=self.t(f"stage_lower.{floor.stage}"),
            )
            rows.append(
                (self.t(f"levers.floor_{floor.instrument}"), setting, self.floor_effect(floor))
            )
        for stock in sc.stockpiles:
            holder = (
                escape(self.scenario.alliance_name)
                if stock.holder == "alliance"
                else i18n.country_name(stock.holder, lang)
            )
            setting = self.t(
                "levers.stockpile_setting",
                days=i18n.fmt_number(stock.days_of_cover, lang),
                holder=holder,
            )
            rows.append((self.t("levers.stockpile"), setting, self.stockpile_effect(stock)))
        for proj in sc.projects:
            setting = self.t(
                "levers.project_setting",
                name=escape(proj.name),
                capacity=i18n.fmt_tonnes(proj.capacity_t_per_year, lang),
                date=i18n.fmt_date(proj.start, lang, "month"),
            )
            rows.append((self.t("levers.projects"), setting, self.projects_effect()))
        return rows

    def control_effect(self, mineral: str, seen: set[tuple[str, ...]]) -> str:
        """Effect of an export control: the peak outside price of the market it hits hardest.

        The KPIs are the outcome of all the scenario's levers together, so a second control on
        a market already named says that it acts together with the one above instead of
        repeating the same figure as if it were its own effect.
        """
        kp = self.results.kpis
        peak = kp[(kp["kpi"] == "peak_price_multiple_outside") & (kp["mineral"] == mineral)]
        peak = peak[pd.notna(peak["value"])]
        if peak.empty:
            return ""
        top = peak.sort_values("value", ascending=False, kind="stable").iloc[0]
        key = (str(top["mineral"]), str(top["stage"]))
        if key in seen:
            return self.t("levers.effect_same")
        seen.add(key)
        k = self.market_kpis(*key)["peak_price_multiple_outside"]
        market = f"{i18n.mineral_name(key[0], self.language)}, {self.t(f'stage_lower.{key[1]}')}"
        text = self.t("levers.effect_controls_market", market=escape(market), multiple=k.text)
        if k.central_on_guard:
            text += f" ({self.t('chart.cap_note')})"
        return text

    def projects_effect(self) -> str:
        """Further projects of typical size still needed after the scenario's own projects."""
        k = self.kpis
        n, size = k.get("projects_needed"), k.get("project_size_t_per_year")
        if n is None or not n.available:
            return "–"
        plural = "one" if n.value == 1 else "many"
        return self.t(
            "levers.effect_projects_sized",
            n=n.text,
            size=size.text if size is not None else "–",
            projects=self.t(f"finding.projects.{plural}"),
        )

    def market_kpis(self, mineral: str, stage: str) -> dict[str, KPI]:
        """KPIs of one market (mineral and stage), formatted in the brief's language."""
        return narrative.kpi_lookup(self.results.kpis, self.language, mineral, stage)

    def floor_effect(self, floor: Any) -> str:
        """Effect of a price floor in the accounting of its instrument, for its own market.

        A variable levy raises tariff revenue and costs consumers; a contract for difference or
        an offtake costs taxpayers. Each money figure gives its peak calendar year and the total
        to the end of the horizon; any other money KPI of the market that is not zero follows.
        """
        k = self.market_kpis(floor.mineral, floor.stage)
        own = (
            ("consumer_cost_usd", "tariff_revenue_usd")
            if floor.instrument == "variable_tariff"
            else ("fiscal_cost_usd",)
        )
        # NOTE: the instrument's own KPIs are always shown (a levy that never binds reads
        # "USD 0"); other money KPIs only when they are not zero.
        shown = [*own] + [
            kid
            for kid in narrative.MONEY_FLOWS
            if kid not in own and kid in k and k[kid].available and k[kid].value != 0
        ]
        end = narrative._month_text(self.start, self.horizon_months - 1, self.language)
        parts = []
        for kid in shown:
            total, per_year = k.get(kid), k.get(f"{kid}_per_year")
            parts.append(
                self.t(
                    "levers.effect.per_year",
                    label=self.t(f"levers.label.{kid}"),
                    per_year=per_year.text if per_year is not None else "–",
                    cumulative=total.text if total is not None else "–",
                    date=end,
                )
            )
        return "; ".join(parts)

    def stockpile_effect(self, stock: Any) -> str:
        """Days of the holder's own demand used from this stockpile (``Results.stockpile_use``),
        with the P10–P90 over the draws."""
        lang = self.language
        use = self.results.stockpile_use
        parts = []
        for mineral in stock.minerals:
            row = use[
                (use["holder"] == stock.holder)
                & (use["mineral"] == mineral)
                & (use["stage"] == stock.stage)
                & (use["days_of_cover"] == float(stock.days_of_cover))
            ]
            if row.empty:
                text = self.t("levers.effect_stockpile", days="–")
            else:
                r = row.iloc[0]
                days = i18n.fmt_number(float(r["value"]), lang, 0)
                text = self.t(
                    "levers.effect_stockpile_of",
                    days=days,
                    total=i18n.fmt_number(float(r["days_of_cover"]), lang, 0),
                )
                if float(r["p10"]) != float(r["p90"]):
                    text += (
                        " ("
                        + self.t(
                            "kpi.note.band",
                            p10=i18n.fmt_number(float(r["p10"]), lang, 0),
                            p90=i18n.fmt_number(float(r["p90"]), lang, 0),
                        )
                        + ")"
                    )
            if len(stock.minerals) > 1:
                text = f"{i18n.mineral_name(mineral, lang)}: {text}"
            parts.append(text)
        return "; ".join(parts)

    def levers(self) -> HTML:
        """Policy levers: floor and tariff accounting, stockpile cover, projects needed."""
        rows = self.lever_rows()
        body = (
            html_table(
                [
                    self.t("levers.col.lever"),
                    self.t("levers.col.setting"),
                    self.t("levers.col.effect"),
                ],
                [(Safe(escape(a)), Safe(b), Safe(c)) for a, b, c in rows],
            )
            if rows
            else _p(escape(self.t("levers.none")))
        )
        ids = [
            k
            for k in (
                "consumer_cost_usd_per_year",
                "consumer_cost_usd",
                "tariff_revenue_usd_per_year",
                "tariff_revenue_usd",
                "fiscal_cost_usd_per_year",
                "fiscal_cost_usd",
                "stockpile_days_used",
                "projects_needed",
                "alliance_self_sufficiency",
            )
            if k in self.kpis and self.kpis[k].value != 0
        ]
        accounting = narrative.kpi_cards(self.kpis, self.language, ids=ids)
        return HTML(
            _h2("section.levers", self.language)
            + _p(escape(self.t("levers.intro")))
            + body
            + accounting
        )

    def _whatif_lever(self) -> tuple[str, pd.DataFrame]:
        """The lever of the slider and its rows of the engine's grid (empty: no grid)."""
        grid = self.results.whatif
        if grid is None or grid.empty:
            return "", pd.DataFrame()
        levers = list(dict.fromkeys(grid["lever"]))
        lever = next((lv for lv in WHATIF_LEVERS if lv in levers), levers[0])
        sel = grid[grid["lever"] == lever]
        if lever in ("floor_usd_per_kg", "floor_price"):
            # NOTE: one floor per slider: the floor of the market heading the brief, else the
            # scenario's first floor (each floor has its own what-if line in the engine).
            own = sel[sel["mineral"] == self.mineral]
            sel = own if len(own) else sel[sel["mineral"] == sel["mineral"].iloc[0]]
        return lever, sel

    @staticmethod
    def _response(values: pd.Series) -> float:
        """How much a KPI responds to the lever: relative range × share of steps that move.

        # NOTE: a KPI flat over most of the grid (a peak price set by a licensing delay, which
        # jumps only at 100 %) scores low even with a large range, so the slider shows a KPI
        # that moves wherever the reader puts it.
        """
        v = values.to_numpy(dtype=float)
        v = v[pd.notna(v)]
        if len(v) < 2:
            return 0.0
        scale = max(abs(v).max(), 1e-12)
        rel = float(v.max() - v.min()) / scale
        return rel * Brief._moving_share(values)

    @staticmethod
    def _moving_share(values: pd.Series) -> float:
        """Share of the grid's steps over which a KPI changes by more than 1 % of its scale."""
        v = values.dropna().to_numpy(dtype=float)
        if len(v) < 2:
            return 0.0
        scale = max(abs(v).max(), 1e-12)
        return float((abs(pd.Series(v).diff().dropna()) > 0.01 * scale).mean())

    def whatif_kpi(self) -> str:
        """The KPI of the slider chart, chosen from the grid (the focal mineral's responses)."""
        lever, sel = self._whatif_lever()
        if sel.empty:
            return ""
        focal = sel[sel["mineral"] == self.mineral]
        focal = focal if len(focal) else sel
        wanted = (*SENSITIVITY_KPIS, "peak_price_multiple_alliance", "consumer_cost_usd_per_year")
        cands = [k for k in wanted if k in set(focal["kpi"])] or list(dict.fromkeys(focal["kpi"]))
        scores = {
            k: max(
                self._response(g.sort_values("lever_value")["value"])
                for _, g in focal[focal["kpi"] == k].groupby("stage")
            )
            for k in cands
        }
        # NOTE: SENSITIVITY_KPIS order breaks ties (within 10 % of the best score), so the
        # shortfall is preferred to the recovery time when both respond alike.
        best = max(scores.values())
        return next(k for k in cands if scores[k] >= 0.9 * best)

    def whatif_grid(self, kpi: str | None = None) -> tuple[pd.DataFrame, str, str]:
        """The slider grid of one KPI: ``lever_value, mineral, value, value_label``.

        Parameters
        ----------
        kpi : str, optional
            KPI id; default :meth:`whatif_kpi` (the KPI that responds most to the lever).

        Returns
        -------
        grid, lever, kpi
            Lever values in the lever's display unit (share withheld in [%]).
        """
        lever, sel = self._whatif_lever()
        if sel.empty:
            return pd.DataFrame(), "", ""
        kpi = kpi or self.whatif_kpi()
        sel = sel[sel["kpi"] == kpi]
        if sel.empty:
            return pd.DataFrame(), lever, kpi
        # NOTE: one line per mineral: the stage whose KPI moves most with the lever (the focal
        # stage on ties), so the slider shows where the lever bites.
        spread = sel.groupby(["mineral", "stage"])["value"].agg(lambda v: v.max() - v.min())
        spread = spread.reset_index().assign(focal=lambda d: d["stage"] != self.stage)
        best = spread.sort_values(["value", "focal"], ascending=[False, True]).drop_duplicates(
            "mineral"
        )
        sel = sel.merge(best[["mineral", "stage"]], on=["mineral", "stage"])
        unit = ""
        kp = self.results.kpis
        if kp is not None and len(kp):
            hit = kp[kp["kpi"] == kpi]
            unit = str(hit.iloc[0]["unit"]) if len(hit) else ""
        out = sel[["lever_value", "mineral", "value"]].copy()
        if lever == "share_withheld" and out["lever_value"].max() <= 1.0:
            out["lever_value"] = out["lever_value"] * 100.0
        if kpi in narrative.SHARE_KPIS:
            out["value"] = [narrative.as_percent(kpi, v, unit) for v in out["value"]]
            unit = "%"
        out["value_label"] = [
            narrative.format_kpi(kpi, v, unit, self.language) for v in out["value"]
        ]
        if kpi in narrative.SHARE_KPIS and float(out["value"].abs().max()) < 20:
            # NOTE: small shares get one decimal, so 2.3 % and 2.6 % do not both read "2 %".
            out["value_label"] = [i18n.fmt_pct(v, self.language, 1) for v in out["value"]]
        out = out.sort_values(["mineral", "lever_value"], kind="stable")
        return out.reset_index(drop=True), lever, kpi

    def _lever_label(self, lever: str) -> str:
        return self.t(f"lever.{lever}") if i18n.has(f"lever.{lever}", self.language) else lever

    def _lever_text(self, lever: str, value: float) -> str:
        if lever == "share_withheld":
            return i18n.fmt_pct(value, self.language)
        if lever in ("floor_usd_per_kg", "floor_price"):
            return i18n.fmt_price(value, self.language)
        return i18n.fmt_number(value, self.language, i18n.auto_decimals(value))

    def whatif_title(self, grid: pd.DataFrame, lever: str, kpi: str) -> str:
        """Chart title stating the finding: the focal KPI at both ends of the lever's range."""
        sel = grid[grid["mineral"] == self.mineral]
        sel = (sel if len(sel) else grid).sort_values("lever_value")
        lo, hi = sel.iloc[0], sel.iloc[-1]
        gap = abs(float(hi["value"]) - float(lo["value"]))
        if gap <= 0.01 * max(abs(float(lo["value"])), 1e-9):
            key = "chart.whatif.title_flat"
        else:
            key = (
                "chart.whatif.title_up"
                if float(hi["value"]) > float(lo["value"])
                else "chart.whatif.title_down"
            )
        return self.t(
            key,
            lever=self._catalogue_or("lever_the", lever),
            lever_lo=self._lever_text(lever, float(lo["lever_value"])),
            lever_hi=self._lever_text(lever, float(hi["lever_value"])),
            kpi=self._catalogue_or("kpi_the", kpi),
            lo=str(lo["value_label"]),
            hi=str(hi["value_label"]),
        )

    def _licensing_days(self) -> int:
        days = [
            int(getattr(c, "licensing_delay_days", 0) or 0)
            for c in self.scenario.export_controls
            if self.mineral in c.minerals
        ]
        return max(days, default=0)

    def whatif_chart(self) -> Any:
        """Chart with a slider over the what-if grid (works offline, no kernel).

        The main panel shows the KPI that responds to the lever (:meth:`whatif_kpi`); when
        that is not the peak price outside China, the peak price follows as a second panel
        with a note on what sets it.
        """
        grid, lever, kpi = self.whatif_grid()
        if grid.empty:
            return HTML(_p(escape(self.t("whatif.none")), "mb-note"))
        lever_label = self._lever_label(lever)
        fmt = ".1f" if kpi in narrative.MULTIPLE_KPIS else ",.0f"
        if kpi in narrative.SHARE_KPIS and float(grid["value"].abs().max()) < 20:
            fmt = ",.1f"
        extra: dict[str, Any] = {}
        peak = "peak_price_multiple_outside"
        if kpi != peak:
            second, _, _ = self.whatif_grid(peak)
            second = second[second["mineral"] == self.mineral] if len(second) else second
            if len(second):
                vals = second.sort_values("lever_value")["value"]
                # NOTE: "flat" = the peak moves over at most a third of the slider's steps.
                flat = self._moving_share(vals) <= 1 / 3
                days = self._licensing_days()
                if flat and days > 0:
                    note = self.t(
                        "chart.whatif.peak_note_licensing",
                        days=i18n.fmt_number(days, self.language),
                    )
                elif flat:
                    note = self.t("chart.whatif.peak_note_flat")
                else:
                    note = self.t("chart.whatif.peak_note")
                extra = dict(
                    second=second,
                    second_label=self.t(f"kpi.{peak}"),
                    second_format=".1f",
                    second_unit=self.kpi_unit(peak),
                    second_note=note,
                )
        return charts.whatif_chart(
            grid,
            self.language,
            lever_label=lever_label,
            kpi_label=self.t(f"kpi.{kpi}"),
            mineral=self.mineral,
            value_format=fmt,
            initial=self._lever_setting(lever),
            unit=self.kpi_unit(kpi),
            title=self.whatif_title(grid, lever, kpi),
            **extra,
        )

    def _lever_setting(self, lever: str) -> float | None:
        """The scenario's own setting of a lever (slider start)."""
        if lever == "share_withheld":
            for ctrl in self.scenario.export_controls:
                if self.mineral in ctrl.minerals and "technology" not in ctrl.stages:
                    return float(ctrl.share_withheld) * 100.0
        if lever in ("floor_usd_per_kg", "floor_price"):
            floors = list(self.scenario.price_floors)
            own = [f for f in floors if f.mineral == self.mineral] or floors[:1]
            return float(own[0].floor.usd_per_kg()) if own else None
        return None

    def whatif_hint(self) -> HTML:
        """One line telling the reader how to use the slider (empty without a lever grid)."""
        _, sel = self._whatif_lever()
        if sel.empty:
            return HTML("")
        return HTML(_p(escape(self.t("levers.whatif_hint")), "mb-note"))

    # ---------------------------------------------------------------- sensitivity

    def sensitivity_frame(self) -> tuple[pd.DataFrame, str]:
        """Tornado rows of the focal KPI: ``parameter_label, base, low, high, *_label``."""
        sens = self.results.sensitivity
        if sens is None or sens.empty:
            return pd.DataFrame(), ""
        sel = sens[(sens["mineral"] == self.mineral) & (sens["stage"] == self.stage)]
        if sel.empty:
            sel = sens[sens["mineral"] == self.mineral]
        kpis = list(dict.fromkeys(sel["kpi"]))
        kpi = next((k for k in SENSITIVITY_KPIS if k in kpis), kpis[0])
        sel = sel[sel["kpi"] == kpi].copy()
        unit = ""
        if kpi in narrative.SHARE_KPIS:
            for col in ("base", "low", "high"):
                sel[col] = [narrative.as_percent(kpi, v, "") for v in sel[col]]
            unit = "%"
        sel["parameter_label"] = [self.parameter_label(p) for p in sel["parameter"]]
        sel["low_label"] = [narrative.format_kpi(kpi, v, unit, self.language) for v in sel["low"]]
        sel["high_label"] = [narrative.format_kpi(kpi, v, unit, self.language) for v in sel["high"]]
        sel = sel.drop_duplicates("parameter_label")
        return sel.reset_index(drop=True), kpi

    def parameter_label(self, parameter: str) -> str:
        """Display name of a model parameter (catalogue ``param.<id>``, else the id itself)."""
        key = f"param.{parameter}"
        if parameter.startswith("demand_share_") and not i18n.has(key, self.language):
            code = parameter.removeprefix("demand_share_")
            return self.t("param.demand_share", country=i18n.country_name(code, self.language))
        # NOTE: an unknown parameter id is shown as the id (an identifier, like a source id),
        # in both languages.
        return self.t(key) if i18n.has(key, self.language) else parameter

    def sensitivity(self) -> HTML:
        """What drives the result: the largest swing in words."""
        frame, kpi = self.sensitivity_frame()
        head = _h2("section.sensitivity", self.language)
        if frame.empty:
            return HTML(head + _p(escape(self.t("sensitivity.none"))))
        frame = frame.assign(swing=(frame["high"] - frame["low"]).abs()).sort_values(
            "swing", ascending=False
        )
        top = frame.iloc[0]
        lo, hi = sorted([top["low_label"], top["high_label"]], key=lambda s: s)
        text = self.t(
            "sensitivity.intro",
            kpi=escape(self.t(f"kpi.{kpi}")),
            mineral=escape(i18n.mineral_name(self.mineral, self.language)),
        )
        top_text = self.t(
            "sensitivity.top",
            parameter=escape(top["parameter_label"]),
            low=escape(top["low_label"]),
            high=escape(top["high_label"]),
        )
        del lo, hi
        return HTML(head + _p(text) + _p(top_text))

    def tornado_chart(self) -> Any:
        """Chart: one-at-a-time sensitivity (tornado)."""
        frame, kpi = self.sensitivity_frame()
        if frame.empty:
            return HTML("")
        fmt = ".2f" if kpi in narrative.MULTIPLE_KPIS else ",.0f"
        return charts.tornado_chart(
            frame,
            self.language,
            kpi_label=self.t(f"kpi.{kpi}"),
            mineral=self.mineral,
            value_format=fmt,
            unit=self.kpi_unit(kpi),
        )

    def kpi_unit(self, kpi: str) -> str:
        """Unit of a KPI for axis titles (``× pre-shock price``, ``%``, ``months`` …)."""
        if kpi in narrative.MULTIPLE_KPIS:
            return self.t("kpi.note.multiple")
        if kpi in narrative.SHARE_KPIS:
            return "%"
        if kpi == "months_to_recovery":
            return self.t("unit.months")
        if kpi == "stockpile_days_used":
            return self.t("unit.days")
        if kpi == "cumulative_shortfall_t":
            return "t"
        if kpi in narrative.MONEY_KPIS:
            return "USD"
        return ""

    # ---------------------------------------------------------------- watch, methods

    def watch_rows(self) -> list[tuple[Any, ...]]:
        """Dated triggers from the scenario and the policy timeline, in date order."""
        lang, sc = self.language, self.scenario
        rows: list[tuple[Any, ...]] = []
        for ctrl in sc.export_controls:
            names = ", ".join(self.t(f"mineral_lower.{m}") for m in ctrl.minerals)
            if "technology" in ctrl.stages:
                text = self.t("watch.tech_control", mineral=names)
            else:
                text = self.t(
                    "watch.control_start",
                    mineral=names,
                    share=i18n.fmt_pct(ctrl.share_withheld * 100, lang),
                )
            rows.append((ctrl.effective, text, ""))
        for floor in sc.price_floors:
            rows.append(
                (
                    floor.start,
                    self.t(
                        "watch.floor_start",
                        mineral=i18n.mineral_name(floor.mineral, lang),
                        price=i18n.fmt_price(floor.floor.usd_per_kg(), lang),
                    ),
                    "",
                )
            )
        for proj in sc.projects:
            rows.append(
                (proj.start, self.t("watch.project_start", name=escape(proj.name)), "", "month")
            )
        events = self.dataset.policy_events
        if events is not None and len(events):
            ev = events.copy()
            ev["when_"] = pd.to_datetime(ev["date"]).dt.date
            susp = ev[ev["kind"] == "suspension"]
            if len(susp):
                last = susp.loc[susp["when_"].idxmax()]
                if last["when_"] >= self.start:
                    rows.append(
                        (last["when_"], self.t("watch.suspension_end"), str(last["source_id"]))
                    )
            future = ev[(ev["when_"] >= self.start) & (ev["kind"] == "deadline")]
            for row in future.itertuples(index=False):
                key = f"event.{row.event_id}"
                text = (
                    self.t(key)
                    if i18n.has(key, lang)
                    else (
                        escape(row.summary)
                        if lang == "en"
                        else f"{escape(row.summary)} <em>{self.t('situation.english_only')}</em>"
                    )
                )
                rows.append(
                    (
                        row.when_,
                        text,
                        str(row.source_id),
                        str(getattr(row, "date_precision", "day")),
                    )
                )
        rows.append((sc.horizon.end, self.t("watch.horizon_end"), "", "month"))
        seen: set[tuple[dt.date, str]] = set()
        unique: list[tuple[Any, ...]] = []
        for r in sorted(rows, key=lambda r: r[0]):
            if (r[0], r[1]) not in seen:
                seen.add((r[0], r[1]))
                unique.append(r)
        return unique

    def watch(self) -> HTML:
        """What to watch: dates and triggers."""
        rows = [
            (
                i18n.fmt_date(r[0], self.language, r[3] if len(r) > 3 else "day"),
                Safe(r[1]),
                Safe(narrative.source_ref(r[2], breakable=True)),
            )
            for r in self.watch_rows()
        ]
        table = html_table(
            [self.t("watch.col.date"), self.t("watch.col.what"), self.t("watch.col.source")],
            rows,
            css_class="mb-table mb-watch",
        )
        return HTML(_h2("section.watch", self.language) + _p(escape(self.t("watch.intro"))) + table)

    def flag_rows(self) -> pd.DataFrame:
        """Every input used whose confidence is ``unconfirmed`` or ``assumption``.

        Returns
        -------
        DataFrame
            ``what, confidence, source_id, short`` (``short``: the header's compact wording) —
            market-share rows of the scenario's minerals,
            model parameters, sources cited by the results, and scenario assumptions whose
            source is so labelled.
        """
        lang = self.language
        out: list[tuple[str, str, str, str]] = []
        sh = self.shares[self.shares["mineral"].isin(self.minerals)]
        for r in sh[sh["confidence"].isin(FLAG_LEVELS)].itertuples(index=False):
            what = (
                f"{i18n.mineral_name(r.mineral, lang)} · {i18n.stage_name(r.stage, lang)}"
                f" · {i18n.country_name(r.country, lang)}"
            )
            out.append((what, r.confidence, r.source_id, what))
        mp = getattr(self.dataset, "model_parameters", None)
        if mp is not None and len(mp):
            sel = mp[
                mp["mineral"].isin([*self.minerals, "all"]) & mp["confidence"].isin(FLAG_LEVELS)
            ]
            # NOTE: one flag line per (confidence, source) listing every parameter by name, so
            # a long list of assumed coefficients stays readable.
            for (conf, sid), grp in sel.groupby(["confidence", "source_id"], sort=False):
                labels = list(dict.fromkeys(self.parameter_label(str(p)) for p in grp["parameter"]))
                out.append(
                    (
                        self.t("flag.params", names=", ".join(labels)),
                        conf,
                        sid,
                        self.t("flag.params_short", n=len(labels)),
                    )
                )
        src = self.dataset.sources
        used = set(getattr(self.results, "sources", ()) or ()) | set(self.scenario.source_ids)
        flagged = src[src["source_id"].isin(used) & src["confidence"].isin(FLAG_LEVELS)]
        for r in flagged.itertuples(index=False):
            # NOTE: titles in the sources table are English; the flag line is catalogue text
            # naming the publisher, and the source id follows once, as a reference.
            what = self.t(f"flag.source_{r.confidence}", publisher=str(r.publisher))
            out.append((what, r.confidence, r.source_id, what))
        df = pd.DataFrame(out, columns=["what", "confidence", "source_id", "short"])
        df = df.drop_duplicates(["what", "confidence", "source_id"])
        return df.reset_index(drop=True)

    def methods(self) -> HTML:
        """Methods and assumptions, with the visible data flags."""
        src = self.dataset.sources
        rows = []
        english_only = False
        for a in self.scenario.assumptions:
            conf = src.loc[src["source_id"] == a.source_id, "confidence"]
            conf_text = self.t(f"confidence.{conf.iloc[0]}") if len(conf) else "–"
            # NOTE: a claim given as {en, de} is shown in the brief's language; a plain-text
            # claim (user scenarios) is one language only, so a non-English brief shows it
            # marked as English (lang="en") with a note, instead of translating silently.
            claim: Any
            if a.is_localized or self.language == "en":
                claim = a.text(self.language)
            else:
                claim = Safe(f'<span lang="en">{escape(a.text(self.language))}</span>')
                english_only = True
            rows.append((claim, conf_text, Safe(narrative.source_ref(a.source_id, breakable=True))))
        note = _p(escape(self.t("methods.assumptions_english")), "mb-note") if english_only else ""
        table = (
            (
                f"<h3>{escape(self.t('methods.assumptions'))}</h3>"
                + html_table(
                    [
                        self.t("methods.col.assumption"),
                        self.t("methods.col.confidence"),
                        self.t("methods.col.source"),
                    ],
                    rows,
                )
                + note
            )
            if rows
            else ""
        )
        return HTML(
            _h2("section.methods", self.language)
            + _p(escape(self.t("methods.intro")))
            + table
            + narrative.flags_html(self.flag_rows(), self.language)
        )

    def backtest(self) -> HTML:
        """The backtest record (``toolkit.backtest``), or a note that it is not available.

        Only criteria the model could fail are scored; identities and inputs that echo through
        (``role == "check"``) are listed apart and never counted in the pass rate.
        """
        head = _h2("section.backtest", self.language)
        record = _backtest_record(self.dataset)
        if record is None or record.empty:
            return HTML(head + _p(escape(self.t("backtest.unavailable")), "mb-note"))
        role = record["role"] if "role" in record else pd.Series("scored", index=record.index)
        scored, checks = record[role == "scored"], record[role == "check"]
        summary = self.t(
            "backtest.summary_scored",
            passed=int(scored["passed"].sum()),
            total=len(scored),
            episodes=record["episode"].nunique(),
            checks=len(checks),
            checks_ok=int(checks["passed"].sum()),
        )
        parts = [head, _p(escape(self.t("backtest.intro"))), _p(escape(summary))]
        parts.append(self._backtest_table(scored))
        if len(checks):
            parts.append(_p(escape(self.t("backtest.checks_intro")), "mb-note"))
            parts.append(self._backtest_table(checks))
        return HTML("".join(parts))

    def _backtest_table(self, record: pd.DataFrame) -> str:
        """One row per criterion: modelled, observed (with its accepted range), verdict."""
        lang = self.language

        def num(v: float) -> str:
            return "–" if not math.isfinite(v) else i18n.fmt_number(v, lang, i18n.auto_decimals(v))

        rows = []
        for r in record.itertuples(index=False):
            boolean = str(getattr(r, "measure", "number")) == "boolean"
            if boolean:
                modelled = self.t("backtest.bool_yes" if r.predicted >= 0.5 else "backtest.bool_no")
                observed = self.t("backtest.bool_yes" if r.observed >= 0.5 else "backtest.bool_no")
            else:
                band = ""
                if math.isfinite(r.low) and math.isfinite(r.high):
                    band = f" ({num(r.low)}–{num(r.high)})"
                elif math.isfinite(r.high):
                    band = f" ({self.t('backtest.at_most', v=num(r.high))})"
                elif math.isfinite(r.low):
                    band = f" ({self.t('backtest.at_least', v=num(r.low))})"
                modelled, observed = num(r.predicted), num(r.observed) + band
            if "at_guard" in str(getattr(r, "flags", "") or ""):
                modelled += f" ({self.t('chart.cap_note')})"
            verdict = self.t("backtest.yes") if r.passed else self.t("backtest.no")
            rows.append(
                (
                    self._catalogue_or("backtest.episode", str(r.episode)),
                    self._catalogue_or("backtest.metric", str(r.metric)),
                    modelled,
                    observed,
                    Safe(
                        f'<span class="mb-verdict mb-verdict-{"pass" if r.passed else "fail"}">'
                        f"{escape(verdict)}</span>"
                    ),
                    Safe(narrative.source_ref(r.source_id, breakable=True)),
                )
            )
        return html_table(
            [
                self.t(f"backtest.col.{c}")
                for c in ("episode", "metric", "modelled", "observed", "within", "source")
            ],
            rows,
            css_class="mb-table mb-backtest",
            numeric=(2, 3),
        )

    def _catalogue_or(self, prefix: str, ident: str) -> str:
        """Catalogue text ``<prefix>.<ident>``, else the identifier itself."""
        key = f"{prefix}.{ident}"
        return self.t(key) if i18n.has(key, self.language) else ident

    def shown_source_ids(self) -> set[str]:
        """Every source id the brief shows or relies on, in any section.

        Results and scenario assumptions, market-structure rows, policy events, the seed
        claims checked against the data, flagged inputs, dated triggers and the backtest
        observations.
        """
        ids: set[str] = set(getattr(self.results, "sources", ()) or ())
        ids |= set(self.scenario.source_ids)
        ids |= {a.source_id for a in self.scenario.assumptions}
        ids |= set(self.concentration_shares()["source_id"])
        ev = self.dataset.policy_events
        if ev is not None and len(ev):
            ids |= set(ev["source_id"])
        for row in narrative.news_vs_data_rows(
            self.shares,
            self.dataset.demand_multiples,
            self.dataset.sources,
            self.language,
            self.dataset.seed_claims,
        ):
            ids |= set(row[3])
        ids |= set(self.flag_rows()["source_id"])
        ids |= {str(r[2]) for r in self.watch_rows() if r[2]}
        record = _backtest_record(self.dataset)
        if record is not None and len(record):
            ids |= set(record["source_id"])
        split = {p.strip() for sid in ids if sid for p in str(sid).split(";")}
        return {p for p in split if p and p.lower() != "nan"}

    def sources(self) -> HTML:
        """Every source used: results, scenario and every row quoted in the brief."""
        ids = self.shown_source_ids()
        known = set(self.dataset.sources["source_id"])
        if ids - known:
            log.warning("source ids shown but not in sources.csv: %s", sorted(ids - known))
        return narrative.sources_html(self.dataset.sources_for(sorted(ids)), self.language)

    def parameters(self) -> HTML:
        """The run's parameters (scenario, language, draws, seed, digest, vintage, version)."""
        lang = self.language
        rows = [
            (self.t("params.scenario"), f"{self.scenario_id} — {self.title}"),
            (self.t("params.language"), self.t(f"language.{lang}")),
            (self.t("params.draws"), i18n.fmt_number(self.draws, lang)),
            (self.t("params.seed"), str(self.seed)),
            (self.t("params.digest"), str(self.scenario.digest())[:16]),
            (self.t("params.vintage"), str(self.results.data_vintage)),
            (self.t("params.version"), __version__),
        ]
        table = html_table(
            [self.t("params.col.name"), self.t("params.col.value")],
            rows,
            css_class="mb-table mb-params",
        )
        return HTML(_h2("section.parameters", lang) + table)

    # ---------------------------------------------------------------- all at once

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "header",
        "summary",
        "situation",
        "news_vs_data",
        "market",
        "concentration_chart",
        "shock",
        "flow_chart",
        "price_chart",
        "levers",
        "whatif_hint",
        "whatif_chart",
        "sensitivity",
        "tornado_chart",
        "watch",
        "methods",
        "backtest",
        "sources",
        "parameters",
    )
    """Section methods in notebook order (tests call them all)."""

    def sections(self) -> dict[str, Any]:
        """Every section, by method name (for tests and for non-notebook use)."""
        return {name: getattr(self, name)() for name in self.SECTIONS}


_BACKTESTS: dict[tuple[Any, ...], pd.DataFrame | None] = {}


def _backtest_record(dataset: Any) -> pd.DataFrame | None:
    """Backtest scores for a dataset, computed once per process (about 1 s)."""
    key = tuple(sorted(getattr(dataset, "checksums", {}).items()))
    if key not in _BACKTESTS:
        try:
            from toolkit import backtest
        except ImportError:  # pragma: no cover - backtest module absent in an old install
            _BACKTESTS[key] = None
        else:
            try:
                _BACKTESTS[key] = backtest.run_backtests(dataset=dataset)
            except Exception as exc:  # noqa: BLE001 - a failing backtest must not kill a brief
                log.warning("backtests failed: %s", exc)
                _BACKTESTS[key] = None
    return _BACKTESTS[key]


def _market_values(results: Any) -> dict[tuple[str, str], float]:
    """Base-year value of each market [USD/yr]: world demand in the first month × its price."""
    ts = results.timeseries
    if ts is None or ts.empty:
        return {}
    first = ts[ts["time"] == ts["time"].min()]
    out: dict[tuple[str, str], float] = {}
    from toolkit.model.codelist import variable

    kp = results.kpis
    for (mi, st), _ in kp.groupby(["mineral", "stage"], sort=False):
        dem = first[
            (first["variable"] == variable("Demand", mi, st)) & (first["region"] == "World")
        ]
        price = first[
            (first["variable"] == variable("Price", mi, st)) & (first["region"] != "China")
        ]
        if len(dem) and len(price):
            out[(str(mi), str(st))] = (
                float(dem["value"].iloc[0]) * 1e3 * float(price["value"].max())
            )
    return out


def _lever_markets(scenario: Any) -> set[tuple[str, str | None]]:
    """(mineral, stage) pairs the scenario's levers act on; stage ``None`` = every stage."""
    out: set[tuple[str, str | None]] = set()
    for ctrl in getattr(scenario, "export_controls", ()):
        out |= {(m, s) for m in ctrl.minerals for s in ctrl.stages if s != "technology"}
    for item in (*getattr(scenario, "price_floors", ()), *getattr(scenario, "projects", ())):
        out.add((item.mineral, item.stage))
    for stock in getattr(scenario, "stockpiles", ()):
        out |= {(m, None) for m in stock.minerals}  # stocks serve the downstream chain
    for dem in getattr(scenario, "demand", ()):
        out.add((dem.mineral, None))
    return out


def _focal(scenario: Any, results: Any) -> tuple[str, str]:
    """Focal market (mineral, stage) of a brief: among the markets the scenario's levers act
    on, the one with the most at stake, weighted by the market's value.

    # NOTE: stake [USD] = base value [USD/yr] × (peak outside price multiple − 1 + shortfall
    # share) + the money the levers move (consumer and fiscal cost). Weighting by value keeps
    # a cheap stand-in (the rare-earth basket priced as cerium, a few USD/kg) from heading a
    # brief about NdPr and magnets because its multiple is larger; counting the money makes a
    # floor scenario lead with the floor that costs most. A scenario without levers (the
    # baseline) is headed by magnet rare-earth refining.
    """
    kpis = results.kpis if results is not None else None
    levers = _lever_markets(scenario)
    if kpis is None or not len(kpis) or not levers:
        return "magnet_rees", "refining"
    value = _market_values(results)
    wide = kpis.pivot_table(index=["mineral", "stage"], columns="kpi", values="value")
    keep = [(m, s) in levers or (m, None) in levers for m, s in wide.index]
    cand = wide[keep]
    if cand.empty:
        return "magnet_rees", "refining"

    def col(name: str, default: float) -> pd.Series:
        return cand[name].fillna(default) if name in cand else pd.Series(default, cand.index)

    worth = pd.Series([value.get((str(m), str(s)), 0.0) for m, s in cand.index], index=cand.index)
    stake = worth * (
        (col("peak_price_multiple_outside", 1.0) - 1.0).clip(lower=0.0)
        + col("cumulative_shortfall_pct", 0.0) / 100.0
    )
    stake = stake + col("consumer_cost_usd", 0.0) + col("fiscal_cost_usd", 0.0)
    best = stake if float(stake.max()) > 0 else worth
    mi, st = best.idxmax()
    return str(mi), str(st)


def prepare(scenario: str, language: str = "en", draws: int = -1, seed: int = -1) -> Brief:
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

    Raises
    ------
    ScenarioError, DataError
        From the scenario and data layers, with the file and key to fix.
    """
    from toolkit import engine, export
    from toolkit.data import load_dataset
    from toolkit.scenarios import load_scenario

    i18n.check_language(language)
    sc = load_scenario(scenario)
    dataset = load_dataset()
    n_draws = int(sc.uncertainty.draws) if draws is None or draws < 0 else int(draws)
    n_seed = int(sc.uncertainty.seed) if seed is None or seed < 0 else int(seed)
    results = engine.run(sc, dataset, draws=n_draws, seed=n_seed)
    charts.register_theme()
    export.enable_offline_renderer()
    mineral, stage = _focal(sc, results)
    log.info("prepared brief %s/%s (%s draws, seed %s)", sc.id, language, n_draws, n_seed)
    return Brief(
        scenario=sc,
        results=results,
        dataset=dataset,
        language=language,
        draws=n_draws,
        seed=n_seed,
        mineral=mineral,
        stage=stage,
    )


COMPARE_KPIS: Final[tuple[str, ...]] = (
    "peak_price_multiple_outside",
    "cumulative_shortfall_pct",
    "months_to_recovery",
    "stockpile_days_used",
    "consumer_cost_usd_per_year",
    "projects_needed",
)
"""KPIs of the comparison table and small multiples."""


@dataclass
class Comparison:
    """Several prepared briefs side by side (``notebooks/compare.ipynb``)."""

    briefs: list[Brief]
    language: str
    _displayed_meta: bool = field(default=False, repr=False)

    def t(self, key: str, **values: Any) -> str:
        """Translate a catalogue key into the comparison's language."""
        return i18n.t(key, self.language, **values)

    def kpi_frame(self) -> pd.DataFrame:
        """``scenario, kpi, kpi_label, value, value_label, band_label, mineral`` per brief.

        ``band_label`` is the P10–P90 range as printed (``–`` for a deterministic KPI).
        """
        rows = []
        for b in self.briefs:
            for kpi in COMPARE_KPIS:
                k = b.kpis.get(kpi)
                if k is None or not math.isfinite(k.value):
                    continue
                value = (
                    narrative.as_percent(kpi, k.value, k.unit)
                    if kpi in narrative.SHARE_KPIS
                    else k.value
                )
                band = (
                    f"{k.p10_text}–{k.p90_text}"
                    if k.p10 is not None and k.p90 is not None and k.p10 != k.p90
                    else "–"
                )
                rows.append(
                    (b.scenario_id, kpi, self.t(f"kpi.{kpi}"), value, k.text, band, b.mineral)
                )
        df = pd.DataFrame(
            rows,
            columns=[
                "scenario",
                "kpi",
                "kpi_label",
                "value",
                "value_label",
                "band_label",
                "mineral",
            ],
        )
        # NOTE: a KPI that is zero in every scenario (no floor anywhere, say) is left out.
        moving = df.groupby("kpi")["value"].transform(lambda v: (v.abs() > 1e-9).any())
        return df[moving.astype(bool)].reset_index(drop=True)

    def meta_dict(self) -> dict[str, Any]:
        """The meta record of the comparison page."""
        ids = [b.scenario_id for b in self.briefs]
        vintage = str(self.briefs[0].results.data_vintage) if self.briefs else ""
        import hashlib

        digest = hashlib.sha256(
            "|".join(str(b.scenario.digest()) for b in self.briefs).encode()
        ).hexdigest()
        return {
            "title": self.t("brief.compare_title", n=len(ids)),
            "scenario_id": "compare",
            "language": self.language,
            "data_vintage": vintage,
            "toolkit_version": __version__,
            "scenario_digest": digest,
            "headline": [{"label": self.t("chart.scenario"), "value": ", ".join(ids)}],
            "flags": [],
            "kpis": {},
        }

    def meta(self) -> None:
        """Display the meta output once."""
        from IPython.display import display

        if not self._displayed_meta:
            self._displayed_meta = True
            display({META_MIME: self.meta_dict(), "text/plain": "meta"}, raw=True)

    def header(self) -> HTML:
        """One line per scenario: id and title (escaped)."""
        items = "".join(
            f"<li><strong>{escape(b.scenario_id)}</strong> — {escape(b.title)}</li>"
            for b in self.briefs
        )
        return HTML(
            f'<div class="mb-lede"><p>{escape(self.t("compare.intro"))}</p><ul>{items}</ul></div>'
        )

    def kpi_table(self) -> HTML:
        """The KPI table: one row per scenario, one column per KPI."""
        df = self.kpi_frame()
        head = _h2("section.compare_kpis", self.language, "mb-first")
        if df.empty:
            return HTML(head + _p(escape(self.t("compare.none"))))
        cols = [k for k in COMPARE_KPIS if k in set(df["kpi"])]
        rows = []
        for b in self.briefs:
            sel = df[df["scenario"] == b.scenario_id].set_index("kpi")["value_label"]
            # NOTE: a KPI the engine could not attribute (NaN) reads "n/a", not a dash;
            # scenario ids may break after an underscore, never inside a word.
            rows.append(
                [
                    Safe(escape(b.scenario_id).replace("&#95;", "&#95;<wbr>")),
                    i18n.mineral_name(b.mineral, self.language),
                    *[sel.get(k, b.kpis[k].text if k in b.kpis else "–") for k in cols],
                ]
            )
        headers = [
            self.t("compare.col.scenario"),
            self.t("chart.mineral"),
            *[self.t(f"kpi.{k}") for k in cols],
        ]
        table = html_table(
            headers, rows, numeric=tuple(range(2, 2 + len(cols))), css_class="mb-table mb-compare"
        )
        return HTML(head + table + _h2("section.compare_multiples", self.language))

    def small_multiples(self) -> Any:
        """Chart: one panel per KPI, one bar per scenario."""
        df = self.kpi_frame()
        if df.empty:
            return HTML("")
        return charts.small_multiples(
            df, self.language, mineral_of_scenario={b.scenario_id: b.mineral for b in self.briefs}
        )

    def sources(self) -> HTML:
        """Every source used by any of the scenarios."""
        ids: set[str] = set()
        for b in self.briefs:
            ids |= set(getattr(b.results, "sources", ()) or ()) | set(b.scenario.source_ids)
        ds = self.briefs[0].dataset if self.briefs else None
        if ds is None:
            return HTML("")
        return narrative.sources_html(ds.sources_for(sorted(ids)), self.language)

    def parameters(self) -> HTML:
        """Run parameters of every scenario."""
        rows = [
            (
                b.scenario_id,
                i18n.fmt_number(b.draws, self.language),
                str(b.seed),
                str(b.scenario.digest())[:16],
            )
            for b in self.briefs
        ]
        return HTML(
            _h2("section.parameters", self.language)
            + html_table(
                [
                    self.t("params.scenario"),
                    self.t("params.draws"),
                    self.t("params.seed"),
                    self.t("params.digest"),
                ],
                rows,
                css_class="mb-table mb-params",
            )
        )

    def data(self) -> None:
        """Display the KPI table as CSV for the download link."""
        from IPython.display import display

        csv = self.kpi_frame()[["scenario", "mineral", "kpi", "value"]].to_csv(index=False)
        payload = {"filename": f"compare-{self.language}.csv", "csv": csv}
        display({DATA_MIME: payload, "text/plain": payload["filename"]}, raw=True)

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "header",
        "kpi_table",
        "small_multiples",
        "sources",
        "parameters",
    )


def prepare_comparison(
    scenarios: str = "all", language: str = "en", draws: int = -1, seed: int = -1
) -> Comparison:
    """Prepare several scenarios for the comparison brief.

    Parameters
    ----------
    scenarios : str
        Comma-separated scenario ids, or ``all`` (every built-in scenario).
    language : str
        ``en`` or ``de``.
    draws, seed : int
        As in :func:`prepare` (``-1``: each scenario's own setting).
    """
    from toolkit.scenarios import list_scenarios

    if scenarios.strip() in ("", "all"):
        ids = [info.id for info in list_scenarios()]
    else:
        ids = [s.strip() for s in scenarios.split(",") if s.strip()]
    briefs = [prepare(sid, language=language, draws=draws, seed=seed) for sid in ids]
    return Comparison(briefs=briefs, language=language)
