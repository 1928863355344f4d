"""Observed history beside the modelled path: the observed months of the focal market (from
``observed.csv``, up to the brief's as-of date), converted to the chart's basis and unit, and
the exports chart that shows them against China's modelled exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from mineral_briefs import charts, i18n
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.narrative import HTML

MONTHS_PER_YEAR = 12.0


class ObservedSection(BriefBase):
    """``observed_points`` and ``exports_chart``."""

    if TYPE_CHECKING:  # provided by FiguresSection in the composed Brief

        def figure(self, chart: Any, ids: Any, *, model: bool = True) -> Any: ...

        def market_source_ids(self, *, parameters: bool = False) -> list[str]: ...

    def _basis(self) -> tuple[str, str]:
        """(quantity basis, quoted price product) of the focal market (``price_basis``)."""
        pb = self.results.price_basis
        hit = pb[(pb["mineral"] == self.mineral) & (pb["stage"] == self.stage)]
        if hit.empty:
            return "", ""
        return str(hit["quantity_basis"].iloc[0]), str(hit["price_product"].iloc[0])

    def observed_points(self, variable: str, region: str = "CHN") -> pd.DataFrame:
        """Observed months of the focal market up to the as-of date, in the chart's terms.

        ``Exports`` become an annual rate [t/yr] of the market's quantity basis (× 12, and
        through ``conversions.csv`` from the series' basis); ``Price`` becomes USD per kg of
        the market's quoted product. Columns: ``time``, ``value``, ``label``, ``source_id``.

        Raises
        ------
        DataError
            When no conversion links the series' basis to the market's (never a silent 1).
        """
        from mineral_briefs.data.basis import conversion_factor

        obs = getattr(self.dataset, "observed", None)
        cols = ["time", "value", "label", "source_id"]
        if obs is None or obs.empty:
            return pd.DataFrame(columns=cols)
        months = pd.to_datetime(obs["month"])
        sel = obs[
            (obs["mineral"] == self.mineral)
            & (obs["stage"] == self.stage)
            & (obs["variable"] == variable)
            & (obs["region"] == region)
            & (months <= pd.Timestamp(self.as_of))
        ]
        if sel.empty:
            return pd.DataFrame(columns=cols)
        quantity_basis, product = self._basis()
        market = f"{self.mineral}/{self.stage}"
        rows = []
        for r in sel.itertuples(index=False):
            if variable == "Exports":
                f, *_ = conversion_factor(
                    self.dataset, self.mineral, str(r.basis), quantity_basis, market
                )
                value = float(r.value) * f * MONTHS_PER_YEAR
                label = i18n.fmt_tonnes(value, self.language)
            else:
                f, *_ = conversion_factor(self.dataset, self.mineral, str(r.basis), product, market)
                value = float(r.value) / f
                label = i18n.fmt_price(value, self.language)
            rows.append((pd.Timestamp(r.month).strftime("%Y-%m-%d"), value, label, r.source_id))
        return pd.DataFrame(rows, columns=cols).sort_values("time").reset_index(drop=True)

    @computed_ahead
    def exports_chart(self) -> Any:
        """Chart: China's exports of the focal market, modelled and observed (only when
        observed months exist up to the as-of date; otherwise nothing)."""
        points = self.observed_points("Exports")
        if points.empty:
            return HTML("")
        ts = self.results.timeseries
        model = ts[(ts["variable"] == self._variable("Exports")) & (ts["region"] == "China")]
        if model.empty:
            return HTML("")
        pb = self.results.price_basis
        hit = pb[(pb["mineral"] == self.mineral) & (pb["stage"] == self.stage)]
        basis = str(hit["content_label"].iloc[0]) if len(hit) else ""
        # NOTE: the data's basis label is English ("NdPr content"); the German chart read
        # "Jahresrate in t NdPr content". A label without a catalogue entry is shown as it is.
        if i18n.has(f"basis.{basis}", self.language):
            basis = i18n.t(f"basis.{basis}", self.language)
        chart = charts.exports_chart(
            model[["time", "value"]],
            points,
            self.language,
            mineral=self.mineral,
            basis=basis,
        )
        # NOTE: a numbered figure like the others; the observed months' sources come first
        # so the source line names them before the model's inputs.
        ids = [*dict.fromkeys(points["source_id"]), *self.market_source_ids()]
        return self.figure(chart, ids)
