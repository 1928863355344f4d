"""Methods sections: assumptions, flagged inputs and the backtest record."""

from __future__ import annotations

import logging
import math
from functools import cached_property
from typing import Any, Final

import pandas as pd

from mineral_briefs import i18n, narrative
from mineral_briefs.brief._html import _h2, _p
from mineral_briefs.brief.ahead import computed_ahead
from mineral_briefs.brief.base import BriefBase
from mineral_briefs.i18n import escape
from mineral_briefs.narrative import HTML, Safe, html_table

# NOTE: one logger for the whole brief layer, named as before the split.
log = logging.getLogger("mineral_briefs.brief")

FLAG_LEVELS: Final[tuple[str, ...]] = ("unconfirmed", "low_grade", "assumption")


def _capital(text: str) -> str:
    """``text`` with its first letter upper-case (a line of the header's flag box)."""
    return text[:1].upper() + text[1:]


class MethodsSection(BriefBase):
    """``methods`` (with ``flag_rows``) and ``backtest``."""

    def flag_rows(self) -> pd.DataFrame:
        """Every input used whose confidence is ``unconfirmed`` or ``assumption``.

        Computed once per brief (the header, Methods and Sources each read it); a copy is
        returned.

        Returns
        -------
        DataFrame
            ``what, confidence, source_id, short, market, n_params`` (``short``: the header's
            compact wording; ``market``: ``mineral|stage`` of a market-share row, else empty;
            ``n_params``: model parameters a parameter line names) —
            market-share rows of the scenario's minerals,
            model parameters, sources cited by the results, and scenario assumptions whose
            source is so labelled.
        """
        return self._flag_frame.copy()

    @cached_property
    def _flag_frame(self) -> pd.DataFrame:
        """:meth:`flag_rows`, computed once."""
        lang = self.language
        # NOTE: a run on data from after its start year is flagged first (the header shows
        # the headline market's first flags; the country shares would push it off).
        out: list[tuple[str, str, str, str, str, int]] = self._before_data_rows()
        sh = self.shares[self.shares["mineral"].isin(self.minerals)]
        for r in sh[sh["confidence"].isin(FLAG_LEVELS)].itertuples(index=False):
            what = (
                f"{i18n.mineral_name(r.mineral, lang)} · {i18n.stage_name(r.stage, lang)}"
                f" · {i18n.country_name(r.country, lang)}"
            )
            # NOTE: the header names what is assumed ("Germany – share of world magnet
            # production of magnet rare earths"), not a bare "market · stage · country".
            market = i18n.market_phrase(r.mineral, r.stage, lang)
            short = (
                self.t("flag.share_line", country=i18n.country_name(r.country, lang), market=market)
                if market is not None
                else what
            )
            out.append((what, r.confidence, r.source_id, short, f"{r.mineral}|{r.stage}", 0))
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
                        # "; ": some display names hold a comma themselves
                        self.t("flag.params", names="; ".join(labels)),
                        conf,
                        sid,
                        self.t("flag.params_short", n=len(labels)),
                        "",
                        len(labels),
                    )
                )
        src = self.dataset.sources
        used = set(getattr(self.results, "sources", ()) or ()) | set(self.scenario.source_ids)
        # NOTE: the policy timeline and the backtest table are shown in every brief, so their
        # sources are flagged too (the low-grade ones are news aggregators behind episodes).
        ev = self.dataset.policy_events
        record = _backtest_record(self.dataset)
        for frame in (ev, record):
            if frame is not None and len(frame):
                used |= {p.strip() for sid in frame["source_id"] for p in str(sid).split(";")}
        flagged = src[src["source_id"].isin(used) & src["confidence"].isin(FLAG_LEVELS)]
        for r in flagged.itertuples(index=False):
            # NOTE: titles in the sources table are English; the flag line is catalogue text
            # naming the publisher, and the source id follows once, as a reference.
            # NOTE: a source without a publisher ("-": an analyst's recollection, MEMORY) is
            # called an unpublished source; the header of a replay citing it read
            # "Unconfirmed: -".
            name = short_name = str(r.publisher).strip()
            if name in ("", "-", "nan", "None"):
                name, short_name = self.t("flag.unpublished"), self.t("flag.unpublished_short")
            what = self.t(f"flag.source_{r.confidence}", publisher=name)
            # NOTE: in the header's group line a doubtful source is named by its publisher
            # alone (the line already says what is wrong with it).
            short = what if r.confidence == "assumption" else short_name
            out.append((what, r.confidence, r.source_id, short, "", 0))
        cols = ["what", "confidence", "source_id", "short", "market", "n_params"]
        df = pd.DataFrame(out, columns=cols)
        df = df.drop_duplicates(["what", "confidence", "source_id"])
        return df.reset_index(drop=True)

    def _before_data_rows(self) -> list[tuple[str, str, str, str, str, int]]:
        """Flag rows for the brief's markets whose base price or tonnage is from a year after
        the horizon starts (a 2010 start without ``base_overrides`` runs on 2024 markets).

        NOTE: such a run reads like a replay of its start year; the brief says which year
        its figures are from, so a reader does not take a 2024 market for 2010's.
        """
        from mineral_briefs.engine.base import quantity_year

        start = self.scenario.horizon.start.year
        ov = self.scenario.base_overrides
        # NOTE: the scenario's own tonnages need production rows: a demand override sizes the
        # market, but its country shares still come from the data year
        own_q = {(r.mineral, r.stage) for r in (ov.production if ov else ())}
        pb = self.results.price_basis
        out: list[tuple[str, str, str, str, str, int]] = []
        for r in pb[pb["mineral"].isin(self.minerals)].itertuples(index=False):
            years = [int(r.p0_year)] if pd.notna(r.p0_year) else []
            if (r.mineral, r.stage) not in own_q:
                years.append(quantity_year(self.scenario, self.dataset, r.mineral, r.stage))
            late = max(years, default=start)
            if late <= start:
                continue
            market = i18n.market_phrase(str(r.mineral), str(r.stage), self.language) or (
                f"{r.mineral}/{r.stage}"
            )
            text = self.t("flag.before_data", market=market, year=late, start=start)
            out.append((_capital(text), "assumption", "", text, f"{r.mineral}|{r.stage}", 0))
        return out

    HEADER_FLAG_LINES: Final[int] = 5
    """Most lines the page header's flag box holds (the rest is summarised by group)."""

    def header_flags(self) -> list[str]:
        """The page header's flag lines: first each flagged input of the headline market
        (the focal mineral), then one line per confidence level summarising the rest by group
        (country shares per market, model parameters, sources), pointing to Methods."""
        rows = self.flag_rows()
        own = rows["market"].str.startswith(f"{self.mineral}|")
        lines = [
            f"{_capital(self.t('confidence.' + r.confidence))}: {r.short}"
            for r in rows[own].itertuples(index=False)
        ]
        rest = rows[~own]
        room = self.HEADER_FLAG_LINES - len(rest["confidence"].unique())
        if len(lines) > max(room, 1):
            # NOTE: even the headline market's own flags are summarised when they would push
            # the others off the box.
            keep = max(room - 1, 1)
            lines = [*lines[:keep], self.t("flag.more", n=len(lines) - keep)]
        for conf in FLAG_LEVELS:
            grp = rest[rest["confidence"] == conf]
            if grp.empty:
                continue
            lines.append(
                self.t(f"flag.group.{conf}", n=len(grp), groups="; ".join(self._flag_groups(grp)))
            )
        # NOTE: one pointer to Methods for the whole box, on its last line (not on every one).
        if lines and not rest.empty:
            lines[-1] += " " + self.t("flag.see")
        return lines

    def _flag_groups(self, grp: pd.DataFrame) -> list[str]:
        """Group labels of flag rows: the markets whose country shares are flagged (with the
        number of shares), the model parameters (summed), then each source once."""
        out: list[str] = []
        shares = grp[grp["market"] != ""]
        if len(shares):
            names = []
            for m in dict.fromkeys(shares["market"]):
                mineral, stage = m.split("|")
                names.append(
                    f"{self.t(f'mineral_lower.{mineral}')} ({self.t(f'stage_lower.{stage}')})"
                )
            out.append(self.t("flag.group_shares", markets=", ".join(names), n=len(shares)))
        n = int(grp["n_params"].sum())
        if n:
            out.append(self.t("flag.params_one") if n == 1 else self.t("flag.params_short", n=n))
        others = grp[(grp["market"] == "") & (grp["n_params"] == 0)]
        out.extend(dict.fromkeys(str(x) for x in others["short"]))
        return out

    @computed_ahead
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
            + _p(escape(self.t("methods.intro")) + " " + self._equations_link())
            + table
            + narrative.flags_html(self.flag_rows(), self.language)
        )

    def _methodology_link(self) -> str:
        """A link to the methodology page written beside the briefs (the same target as the
        header's link), not a path in the repository. HTML."""
        from mineral_briefs.naming import METHODOLOGY_PAGE

        label = escape(self.t("methods.equations_link"))
        return f'<a href="{escape(METHODOLOGY_PAGE)}">{label}</a>'

    def _equations_link(self) -> str:
        """Where the equations are: the methodology page."""
        return self.t("methods.equations", link=self._methodology_link())

    def _in_sample_note(self) -> str:
        """That the record is in-sample: the global parameters fitted on these same episodes
        (``backtest_loo.FITTED``), and where each is scored without them (§15a). HTML."""
        from mineral_briefs.backtest_loo import FITTED

        # NOTE: "; " between names: some display names hold a comma themselves
        names = escape("; ".join(self.parameter_label(p) for p in FITTED))
        return self.t(
            "backtest.in_sample", n=len(FITTED), names=names, link=self._methodology_link()
        )

    @computed_ahead
    def backtest(self) -> HTML:
        """The backtest record (``mineral_briefs.backtest``), or a note that it is not available.

        Only criteria the model could fail are scored; identities and inputs that echo through
        (``role == "check"``) are listed apart and never counted in the pass rate.
        """
        head = _h2("section.backtest", self.language)
        record = _backtest_record(self.dataset)
        if record is None or record.empty:
            return HTML(head + _p(escape(self.t("backtest.unavailable")), "mb-note"))
        role = record["role"] if "role" in record else pd.Series("scored", index=record.index)
        scored, checks = record[role == "scored"], record[role == "check"]
        records = record[role == "record"]
        summary = self.t(
            "backtest.summary_scored",
            passed=int(scored["passed"].sum()),
            total=len(scored),
            episodes=record["episode"].nunique(),
            checks=len(checks),
            checks_ok=int(checks["passed"].sum()),
        )
        parts = [head, _p(escape(self.t("backtest.intro"))), _p(escape(summary))]
        parts.append(_p(self._in_sample_note(), "mb-note"))
        parts.append(self._backtest_table(scored))
        if len(checks):
            parts.append(_p(escape(self.t("backtest.checks_intro")), "mb-note"))
            parts.append(self._backtest_table(checks))
        if len(records):  # derived values kept for comparison, no pass line (BT-08)
            parts.append(_p(escape(self.t("backtest.records_intro")), "mb-note"))
            parts.append(self._backtest_table(records))
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
            state = "pass" if r.passed else "fail"
            if str(getattr(r, "role", "scored")) == "record":
                verdict, state = self.t("backtest.recorded"), "record"
            rows.append(
                (
                    self._catalogue_or("backtest.episode", str(r.episode)),
                    self._catalogue_or("backtest.metric", str(r.metric)),
                    modelled,
                    observed,
                    Safe(f'<span class="mb-verdict mb-verdict-{state}">{escape(verdict)}</span>'),
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


_BACKTESTS: dict[tuple[Any, ...], pd.DataFrame | None] = {}


def _backtest_record(dataset: Any) -> pd.DataFrame | None:
    """Backtest scores for a dataset, computed once per process (about 1 s)."""
    key = tuple(sorted(getattr(dataset, "checksums", {}).items()))
    if key not in _BACKTESTS:
        try:
            from mineral_briefs import backtest_cache
        except ImportError:  # pragma: no cover - backtest module absent in an old install
            _BACKTESTS[key] = None
        else:
            try:
                # NOTE: from disk when scored before with the same inputs (issue 16)
                _BACKTESTS[key] = backtest_cache.cached_backtests(dataset)
            except Exception as exc:  # noqa: BLE001 - a failing backtest must not kill a brief
                log.warning("backtests failed: %s", exc)
                _BACKTESTS[key] = None
    return _BACKTESTS[key]
