"""What one run hands back: the :class:`Results` dataclass and its IAMC export/writers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineral_briefs import __version__, iamc
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
    draws: int = 0
    """Monte Carlo draws of the run (0 = deterministic only)."""
    seed: int | None = None
    """Random seed of the draws."""
    data_checksum: str = ""
    """SHA-256 over the data files' checksums (``Dataset.checksums``): which data ran."""
    price_basis: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per market (:data:`PRICE_BASIS_COLUMNS`): what a tonne is (``content_label``,
    e.g. ``Li content``), what the price is quoted on (``price_label``, e.g. ``LCE``), the
    factor between them (``content_per_product_factor``: USD/kg content = USD/kg product ×
    factor) and the base price both ways. ``Price|…`` series are per kg of the product; the
    money series and KPIs are priced per kg of the quantity basis."""

    def to_iamc(self, annual: bool = False) -> pd.DataFrame:
        """The timeseries in IAMC long format, readable by ``pyam.IamDataFrame`` unchanged.

        Parameters
        ----------
        annual : bool
            False: monthly (``time`` = ``YYYY-MM-01 00:00:00+00:00``); True: calendar years
            (``year``; :data:`mineral_briefs.iamc.ANNUAL_RULES`, ``Months Covered`` per year).
        """
        return iamc.annual(self.timeseries) if annual else iamc.monthly(self.timeseries)

    def meta(self, **extra: Any) -> pd.DataFrame:
        """The run's ``meta`` table in pyam's layout (one row, one column per indicator).

        Indicators: ``title``, ``toolkit_version``, ``data_vintage``, ``data_checksum``,
        ``scenario_digest``, ``horizon_start`` (``YYYY-MM``), ``horizon_months``,
        ``first_full_year``/``last_full_year`` (calendar years with 12 modelled months),
        ``draws``, ``seed``, ``sources`` (space-separated ids), ``time_zone`` and ``extra``.
        """
        months = self.scenario.horizon.month_starts()
        years = pd.Series([m.year for m in months]).value_counts()
        full = sorted(int(y) for y, n in years.items() if n == 12)
        first, last = (full[0], full[-1]) if full else (None, None)
        fields: dict[str, Any] = {
            "title": self.scenario.text("title"),
            "toolkit_version": __version__,
            "data_vintage": self.data_vintage,
            "data_checksum": self.data_checksum,
            "scenario_digest": self.scenario.digest(),
            "horizon_start": months[0].strftime("%Y-%m"),
            "horizon_months": len(months),
            "first_full_year": first,
            "last_full_year": last,
            "draws": self.draws,
            "seed": self.seed,
            "sources": " ".join(self.sources),
            "time_zone": "UTC",
            **extra,
        }
        return iamc.meta_frame(MODEL_NAME, self.scenario.id, fields)

    def kpi(self, mineral: str, stage: str, kpi: str) -> float:
        """Central value of one KPI (NaN if absent)."""
        k = self.kpis
        hit = k.loc[(k["mineral"] == mineral) & (k["stage"] == stage) & (k["kpi"] == kpi), "value"]
        return float(hit.iloc[0]) if len(hit) else float("nan")

    def write(self, path: str | Path, annual: bool = False) -> Path:
        """Write the results under the IAMC contract (docs/architecture.md, IAMC outputs).

        ``.csv``/``.parquet``: the IAMC long table (monthly, or calendar years with
        ``annual``), and its ``meta`` table beside it as ``<stem>-meta.csv``/``.parquet``.
        ``.xlsx``: sheets ``data`` (IAMC wide) and ``meta`` (``pyam.IamDataFrame("x.xlsx")``
        reads both), then ``bands`` (IAMC wide plus ``quantile``), ``kpis``, ``sensitivity``,
        ``whatif`` and ``stockpile_use``. Every text cell is neutralised
        (:func:`neutralise_formulas`).

        Returns
        -------
        Path
            The data file (the meta file of ``.csv``/``.parquet`` is :func:`meta_path` of it).

        Raises
        ------
        ScenarioError
            For any other extension.
        """
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".parquet", ".xlsx"):
            raise ScenarioError(
                f"cannot write results to {out.name!r}: the extension must be .csv, .parquet "
                "or .xlsx"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        data = neutralise_formulas(self.to_iamc(annual=annual))
        meta = neutralise_formulas(self.meta(resolution="annual" if annual else "monthly"))
        tmp = out.with_name(f".{out.name}.tmp")
        meta_out = meta_path(out)
        meta_tmp = meta_out.with_name(f".{meta_out.name}.tmp")
        try:
            if suffix == ".xlsx":
                self._write_xlsx(tmp, data, meta)
                tmp.replace(out)
                return out
            if suffix == ".parquet":
                from mineral_briefs.extras import require

                require("pyarrow", f"writing {out.name}")
            if suffix == ".csv":
                data.to_csv(tmp, index=False)
                meta.to_csv(meta_tmp, index=False)
            else:
                data.to_parquet(tmp, index=False)
                meta.to_parquet(meta_tmp, index=False)
            meta_tmp.replace(meta_out)
            tmp.replace(out)
            return out
        finally:
            for leftover in (tmp, meta_tmp):  # never leave a temp file behind
                leftover.unlink(missing_ok=True)

    def _write_xlsx(self, tmp: Path, data: pd.DataFrame, meta: pd.DataFrame) -> None:
        """The workbook: ``data`` and ``meta`` first (pyam's sheet names), then the tables.

        # NOTE: the time series are IAMC *wide* (one column per month or year, as in the IAMC
        # Excel template; bands keep ``quantile`` as an extra column), a fifth of the cells of
        # the long table, and xlsxwriter writes them row by row instead of pandas + openpyxl:
        # timings in docs/architecture.md. Strings are never read as formulas or URLs.
        """
        bands = self.bands.copy()
        bands["time"] = bands["time"].astype(str) + iamc.TIME_SUFFIX
        bands = bands.pivot_table(
            index=[*iamc.INDEX, "quantile"], columns="time", values="value", aggfunc="first"
        ).reset_index()
        bands.columns = [str(c) for c in bands.columns]
        sheets = {
            "data": iamc.wide(data),
            "meta": meta,
            "bands": neutralise_formulas(bands),
            "kpis": neutralise_formulas(self.kpis),
            "sensitivity": neutralise_formulas(self.sensitivity),
            "whatif": neutralise_formulas(self.whatif),
            "stockpile_use": neutralise_formulas(self.stockpile_use),
        }
        import xlsxwriter

        # NOTE: constant_memory streams each row to disk (rows in order, strings inline);
        # pandas' to_excel walks cells column by column and cannot use it.
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        with xlsxwriter.Workbook(str(tmp), options) as wb:
            for name, frame in sheets.items():
                _write_sheet(wb.add_worksheet(name), frame)


def _write_sheet(ws: Any, frame: pd.DataFrame) -> None:
    """One sheet: the header, then each row; numbers as numbers (NaN/inf blank), the rest as
    text (cells are written as strings, never parsed as formulas)."""
    ws.write_row(0, 0, [str(c) for c in frame.columns])
    columns = []
    for col in frame.columns:
        ser = frame[col]
        if pd.api.types.is_bool_dtype(ser):
            columns.append(("b", ser.tolist()))
        elif pd.api.types.is_numeric_dtype(ser):
            columns.append(("n", ser.astype(float).tolist()))
        else:
            columns.append(("s", ["" if pd.isna(v) else str(v) for v in ser.tolist()]))
    write_n, write_s, write_b = ws.write_number, ws.write_string, ws.write_boolean
    for i in range(len(frame)):
        row = i + 1
        for j, (kind, values) in enumerate(columns):
            v = values[i]
            if kind == "n":
                if math.isfinite(v):
                    write_n(row, j, v)
            elif kind == "s":
                if v:
                    write_s(row, j, v)
            else:
                write_b(row, j, bool(v))


def meta_path(data_path: str | Path) -> Path:
    """Where the ``meta`` table of a ``.csv``/``.parquet`` results file goes:
    ``<stem>-meta<suffix>`` beside it."""
    p = Path(data_path)
    return p.with_name(f"{p.stem}-meta{p.suffix}")
