"""Shock sections: the shortfall path outside China and the price bands by region."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pandas as pd

from mineral_briefs import charts, i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.figures import FiguresSection
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML


class ShockSection(FiguresSection):
    """``shock``, ``flow_chart`` and ``price_chart`` with the frames and title they draw."""

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

    @computed_ahead
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
        start = self.stocks_start_thin()
        if start:
            items = [
                self.t(
                    "shock.stock_start_item",
                    market=i18n.market_phrase(mineral, stage, self.language),
                    months=i18n.fmt_number(months, self.language),
                    normal=i18n.fmt_number(normal, self.language),
                )
                for mineral, stage, months, normal in start
            ]
            text += _p(escape(self.t("shock.stocks_start", items="; ".join(items))))
        out = self.stocks_thin()
        if out:
            # the sentence quotes one share: the first market's (every shipped market has 0.5);
            # with the taper off (φ_c = 0) the stocks are reported where they run out
            phi = self.taper_share(out[0][0], out[0][1])
            items = [
                self.t(
                    "shock.stock_item",
                    market=i18n.market_phrase(mineral, stage, self.language),
                    date=i18n.fmt_date(month, self.language),
                )
                for mineral, stage, month in (out if len(out) <= 4 else out[:3])
            ]
            if len(out) > 4:
                items.append(self.t("shock.stock_more", n=len(out) - 3))
            key = "shock.stocks_out" if phi > 0 else "shock.stocks_empty"
            share = i18n.fmt_pct(100.0 * phi, self.language)
            text += _p(escape(self.t(key, items="; ".join(items), share=share)))
        return HTML(_h2("section.shock", self.language) + text)

    def taper_share(self, mineral: str = "all", stage: str | None = None) -> float:
        """``inventory_taper_share`` φ_c of the run's data for a market (its own row, its
        mineral's, else ``all``): the fill ratio below which holders release less of a gap
        (methodology §6); 0 where the taper is off [0–1]."""
        return self._model_params.value("inventory_taper_share", mineral, stage, default=0.0)

    @cached_property
    def _model_params(self) -> Any:
        """The run's parameter table, indexed once (``engine.params._Params``)."""
        from mineral_briefs.engine.params import _Params

        return _Params(self.dataset.model_parameters)

    def _start_months(self) -> dict[tuple[str, str], float]:
        """Stocks at the horizon start that the scenario sets (``base_overrides.inventory``)
        [months of world demand], by (mineral, stage)."""
        ov = self.scenario.base_overrides
        return {(r.mineral, r.stage): float(r.months) for r in (ov.inventory if ov else ())}

    def stocks_start_thin(self) -> list[tuple[str, str, float, float]]:
        """``(mineral, stage, months at the start, normal months)`` of the brief's markets whose
        scenario starts their commercial stocks below :meth:`taper_share` of the normal cover
        (below 1 % of it where the taper is off): thin from the first month (methodology §6)."""
        out = []
        for (mineral, stage), months in self._start_months().items():
            if (
                mineral not in self.minerals
                or i18n.market_phrase(mineral, stage, self.language) is None
            ):
                continue
            normal = float(self._model_params.value("inventory_months", mineral, stage))
            phi = self.taper_share(mineral, stage)
            if months < (phi if phi > 0 else 0.01) * normal:
                out.append((mineral, stage, months, normal))
        return out

    def stocks_thin(self) -> list[tuple[str, str, str]]:
        """``(mineral, stage, YYYY-MM)`` of the brief's markets whose commercial stocks outside
        China fall below :meth:`taper_share` (the market's own φ_c) of their starting level (the
        normal level ``I_max``) within the horizon, earliest first; where φ_c is 0 (no taper),
        the month they fall to 1 % of it (run out).

        # NOTE: the model meets a share of a market's gap from these stocks, in full while they
        # are above φ_c and less and less below it (methodology §6), so the month the stock
        # thins is when a lasting shortage starts to lift the price step by step; a price that
        # stays mild for a year and then climbs needs this sentence to be read.
        """
        from mineral_briefs.model.codelist import MINERAL_LABELS, STAGE_LABELS

        ts = self.results.timeseries
        inv = ts[(ts["region"] == "World") & ts["variable"].str.startswith("Inventory|")]
        markets = {
            f"Inventory|{MINERAL_LABELS.get(m, m)}|{label}": (m, stage)
            for m in self.minerals
            for stage, label in STAGE_LABELS.items()
            if i18n.market_phrase(m, stage, self.language) is not None
        }
        out: list[tuple[str, str, str]] = []
        starts = self._start_months()
        thin_at_start = {(m, st) for m, st, _, _ in self.stocks_start_thin()}
        for var, grp in inv[inv["variable"].isin(list(markets))].groupby("variable", sort=False):
            grp = grp.sort_values("time")
            path = grp["value"].to_numpy()
            mineral, stage = markets[str(var)]
            if (mineral, stage) in thin_at_start:
                continue  # said apart (stocks_start_thin): thin from the first month
            phi = self.taper_share(mineral, stage)
            # NOTE: the normal level is the first month's stock unless the scenario sets the
            # starting stocks; then it is scaled from them by the normal cover (a replay whose
            # stocks start at a quarter of normal must not read "fall below half" when they
            # halve again)
            normal = path[0]
            if (mineral, stage) in starts and starts[(mineral, stage)] > 0:
                cover = float(self._model_params.value("inventory_months", mineral, stage))
                normal = path[0] * cover / starts[(mineral, stage)]
            limit = phi * normal if phi > 0 else 0.01 * normal * (1 + 1e-9)
            gone = (path < limit).nonzero()[0] if path[0] > 0 else []
            if len(path) > 1 and len(gone):
                out.append((mineral, stage, str(grp["time"].iloc[gone[0]])[:7]))
        return sorted(out, key=lambda x: x[2])

    @computed_ahead
    def flow_chart(self) -> Any:
        """Chart: supply, demand and shortfall outside China."""
        fl = self.flows()
        if fl.empty:
            return HTML(_p(escape(self.t("chart.flow.title_none")), "mb-note"))
        chart = charts.flow_chart(fl, self.language, mineral=self.mineral)
        return self.figure(chart, self.market_source_ids())

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
            narrative.month_text(self.start, month.value, self.language)
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

    @computed_ahead
    def price_chart(self) -> Any:
        """Chart: prices by region, central estimate with the draws' P10–P90 band."""
        pb = self.price_bands()
        if pb.empty:
            return HTML("")
        observed = getattr(self, "observed_points", None)
        chart = charts.price_band_chart(
            pb,
            self.language,
            mineral=self.mineral,
            title=self.price_title(),
            observed=observed("Price", "World") if observed is not None else None,
        )
        return self.figure(chart, self.market_source_ids())
