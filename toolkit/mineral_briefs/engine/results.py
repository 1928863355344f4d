"""What one run hands back: the :class:`Results` dataclass and its IAMC export/writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mineral_briefs import __version__
from mineral_briefs.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from mineral_briefs.scenarios import Scenario

MODEL_NAME = f"mineral-briefs {__version__}"


FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters with which a spreadsheet reads a text cell as a formula (OWASP CSV
injection)."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    apostrophe (it then shows as text in Excel and LibreOffice); numbers are left alone. Every
    CSV and XLSX the project writes goes through this, so a scenario title such as
    ``=HYPERLINK(…)`` or a data note like ``=cmd|' /C calc'!A0`` stays inert.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            risky = out[col].str.startswith(FORMULA_STARTS, na=False).astype(bool)
            if risky.any():
                out.loc[risky, col] = "'" + out.loc[risky, col].astype(str)
    return out


@dataclass(frozen=True)
class Results:
    """Everything one run produces (docs/architecture.md, Engine)."""

    scenario: Scenario
    timeseries: pd.DataFrame
    bands: pd.DataFrame
    kpis: pd.DataFrame
    sensitivity: pd.DataFrame
    whatif: pd.DataFrame
    sources: tuple[str, ...]
    data_vintage: str
    stockpile_use: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per stockpile and mineral: ``holder, mineral, stage, days_of_cover, value, p10,
    p90`` — days of the holder's own demand used (central run; P10/P90 over the draws)."""
    price_basis: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per market (:data:`PRICE_BASIS_COLUMNS`): what a tonne is (``content_label``,
    e.g. ``Li content``), what the price is quoted on (``price_label``, e.g. ``LCE``), the
    factor between them (``content_per_product_factor``: USD/kg content = USD/kg product ×
    factor) and the base price both ways. ``Price|…`` series are per kg of the product; the
    money series and KPIs are priced per kg of the quantity basis."""

    def to_iamc(self) -> pd.DataFrame:
        """The timeseries in IAMC long format (``model, scenario, region, variable, unit,
        time, value``), readable by ``pyam.IamDataFrame`` unchanged."""
        return self.timeseries.copy()

    def kpi(self, mineral: str, stage: str, kpi: str) -> float:
        """Central value of one KPI (NaN if absent)."""
        k = self.kpis
        hit = k.loc[(k["mineral"] == mineral) & (k["stage"] == stage) & (k["kpi"] == kpi), "value"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def write(self, path: str | Path) -> Path:
        """Write the results to ``.csv`` (IAMC long table), ``.parquet`` (IAMC long table) or
        ``.xlsx`` (sheets ``data`` = IAMC, ``bands``, ``kpis``, ``sensitivity``, ``whatif``,
        ``meta`` = one row per model/scenario, as pyam reads it).

        Raises
        ------
        ScenarioError
            For any other extension.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        if suffix == ".csv":
            neutralise_formulas(self.timeseries).to_csv(tmp, index=False)
        elif suffix == ".parquet":
            from mineral_briefs.extras import require

            require("pyarrow", f"writing {out.name}")
            self.timeseries.to_parquet(tmp, index=False)
        elif suffix == ".xlsx":
            # NOTE: the meta sheet uses pyam's layout (one row per model/scenario, one column per
            # indicator), so ``pyam.IamDataFrame("results.xlsx")`` reads the workbook unchanged.
            meta = pd.DataFrame(
                [
                    {
                        "model": MODEL_NAME,
                        "scenario": self.scenario.id,
                        "title": self.scenario.text("title"),
                        "data_vintage": self.data_vintage,
                        "sources": ", ".join(self.sources),
                        "digest": self.scenario.digest(),
                    }
                ]
            )
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                sheets = {
                    "data": self.timeseries,
                    "bands": self.bands,
                    "kpis": self.kpis,
                    "sensitivity": self.sensitivity,
                    "whatif": self.whatif,
                    "meta": meta,
                }
                for name, frame in sheets.items():
                    neutralise_formulas(frame).to_excel(xw, sheet_name=name, index=False)
        else:
            raise ScenarioError(
                f"cannot write results to {out.name!r}: the extension must be .csv, .parquet "
                "or .xlsx"
            )
        tmp.replace(out)
        return out
