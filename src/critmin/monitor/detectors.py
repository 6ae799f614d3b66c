"""Pluggable restriction detectors (fit/predict, as in ruptures) and the one result object.

>>> det = get_detector("evidence").fit(panel)        # doctest: +SKIP
>>> res = det.predict("2020-08")                     # a MonitorResult
>>> res.months                                       # every month's score and verdict

Methods (the ``method`` string):

``evidence`` (default)
    The docs/methods.md §3 evidence: seven signals scored separately, combined by
    :func:`critmin.monitor.verdict.combine`.
``breaks``
    Change points only: a month is restriction-like when the deseasonalised series has a downward break
    of at least 30 % there. A naive baseline, kept to show what the evidence adds.
``yoy``
    The press reading: a month is restriction-like when exports fell by at least 50 % year on year.
    Another naive baseline.

Register more with :func:`register`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin._json import num as _num
from critmin._result import Result
from critmin.errors import DataError
from critmin.monitor.baseline import Window, changes, pre_start_from_breaks
from critmin.monitor.breaks import BREAK_COLUMNS, find_breaks
from critmin.monitor.panel import Panel, Prepared, prepare
from critmin.monitor.signals import (
    SIGNALS,
    breadth,
    control_group,
    destination_selectivity,
    front_running,
    level_break,
    licence_recovery,
    price_wedge,
)
from critmin.monitor.verdict import VerdictRule, combine, evidence_table

__all__ = [
    "MonitorResult",
    "Detector",
    "EvidenceDetector",
    "BreakDetector",
    "YoYDetector",
    "DETECTORS",
    "get_detector",
    "register",
    "CONTRACT_KEYS",
]

CONTRACT_KEYS = ("exporter", "hs", "month", "quantity_kg", "yoy_change", "baseline_deviation", "verdict",
                 "score", "signals", "breaks", "warnings")
"""The keys ``MonitorResult.to_dict()`` always has (the JSON contract of ``critmin monitor --json``)."""

MONTH_COLUMNS = ["month", "quantity_kg", "yoy_change", "mom_change", "baseline_kg", "baseline_deviation",
                 "fall", "p_restriction", "score", "verdict"]


@dataclass(repr=False)
class MonitorResult(Result):
    """One exporter's tested lines: the month's evidence and verdict, and every month's score.

    The main table is ``months``; ``to_frame()`` adds exporter, hs (``+``-joined) and method.

    Attributes
    ----------
    exporter : str
        ISO3 of the exporter.
    hs : list of str
        The lines tested (summed).
    month : str
        The month assessed, ``YYYY-MM``.
    quantity_kg : float
        Exports of the tested lines that month [kg].
    yoy_change, mom_change : float
        Change against the same month a year before and the month before [1].
    baseline_kg : float
        Expected quantity (pre-period level + seasonal component) [kg]; for January and February of an
        exporter with a Lunar New Year holiday, the expected average of the pair.
    baseline_deviation : float
        ``quantity / baseline - 1`` [1], of the analysed quantity (the January–February average in
        those months for such exporters).
    verdict : str
        One of :data:`critmin.monitor.verdict.VERDICTS`: ``restriction-like``, ``demand-like``,
        ``ambiguous``, ``no fall`` or ``cannot tell: the line mixes controlled and uncontrolled products``.
    score : float
        Restriction score in [0, 1] (NaN when the month cannot be assessed).
    p_restriction : float
        Probability-like weight of the evidence for a restriction given a fall [1].
    signals : DataFrame
        The evidence table: ``name``, ``value``, ``score``, ``weight``, ``note``.
    breaks : DataFrame
        Change points of the deseasonalised series (:func:`critmin.monitor.breaks.find_breaks`).
    warnings : list of str
        Data problems and limits of the evidence.
    method : str
        Detector used.
    control, partners : list of str
        Control lines and partners used.
    months : DataFrame
        Every month: columns ``MONTH_COLUMNS`` plus ``score_<signal>``; from the jobs also
        ``known_event`` and ``control_controlled`` (:func:`critmin.monitor.job.apply_known_events`).
    events : list of dict
        Known export-control events on the tested lines within the data's months (from the jobs; for
        chart annotations): ``id``, ``kind``, ``announced``, ``effective``, ``ended``, ``destinations``,
        ``hs_codes``, ``document``, ``url``.
    """

    exporter: str
    hs: list[str]
    month: str
    quantity_kg: float
    yoy_change: float
    mom_change: float
    baseline_kg: float
    baseline_deviation: float
    verdict: str
    score: float
    p_restriction: float
    signals: pd.DataFrame
    breaks: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    method: str = "evidence"
    control: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    months: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: list[dict] = field(default_factory=list)

    _key_fields = ("exporter", "hs", "method")
    _repr_fields = ("month", "verdict", "score", "p_restriction", "quantity_kg", "yoy_change")
    _main = "months"

    def sources_used(self) -> list[dict[str, str]]:
        """Monthly exports come from the ``trade`` table (monthly rows)."""
        return [{"source": "comtrade-monthly-derived", "edition": ""}]

    def headline(self) -> str:
        """One line: the month assessed and its verdict."""
        score = "" if self.score != self.score else f", score {self.score:.2f}"
        return (f"{self.exporter} exports of HS {'+'.join(self.hs)}, {self.month}: {self.verdict}"
                f"{score}")

    def top_months(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` months with the highest restriction score."""
        m = self.months.dropna(subset=["score"])
        return m.sort_values("score", ascending=False).head(n)

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin monitor --json`` (the keys of :data:`CONTRACT_KEYS` and more)."""
        sig = [{"name": r.name, "value": _num(r.value), "score": _num(r.score),
                "note": r.note, "weight": r.weight} for r in self.signals.itertuples(index=False)]
        brk = [{"month": r.month, "size": _num(r.size), "level_before_kg": _num(r.level_before_kg),
                "level_after_kg": _num(r.level_after_kg), "direction": r.direction}
               for r in self.breaks.itertuples(index=False)]
        known = "known_event" in self.months
        series = [{"month": r.month, "quantity_kg": _num(r.quantity_kg), "yoy_change": _num(r.yoy_change),
                   "baseline_deviation": _num(r.baseline_deviation), "score": _num(r.score),
                   "verdict": r.verdict, **({"known_event": r.known_event or None} if known else {})}
                  for r in self.months.itertuples(index=False)]
        top = [{"month": r.month, "score": _num(r.score), "verdict": r.verdict}
               for r in self.top_months().itertuples(index=False)]
        return {
            "exporter": self.exporter,
            "hs": list(self.hs),
            "month": self.month,
            "quantity_kg": _num(self.quantity_kg),
            "yoy_change": _num(self.yoy_change),
            "baseline_deviation": _num(self.baseline_deviation),
            "verdict": self.verdict,
            "score": _num(self.score),
            "signals": sig,
            "breaks": brk,
            "warnings": list(self.warnings),
            "mom_change": _num(self.mom_change),
            "baseline_kg": _num(self.baseline_kg),
            "p_restriction": _num(self.p_restriction),
            "method": self.method,
            "control": list(self.control),
            "partners": list(self.partners),
            "top_months": top,
            "series": series,
            "events": [dict(e) for e in self.events],
        }


class Detector(ABC):
    """Base detector: deseasonalise, find breaks, score every month (subclasses set the score).

    Parameters
    ----------
    window : Window
        Signal windows.
    rule : VerdictRule
        Verdict weights and thresholds.
    beta : float
        Change-point penalty multiplier (:func:`critmin.monitor.breaks.penalty`).
    robust : bool
        Robust STL.
    segment_baseline : bool
        Cut every pre-period at the last change point before it
        (:func:`critmin.monitor.baseline.pre_start_from_breaks`), so that a baseline never mixes two
        levels (e.g. a month soon after an earlier slump).
    jan_feb : bool, optional
        Analyse January and February as their average (the Lunar New Year moves between them); default:
        for exporters with that holiday (:data:`critmin.monitor.baseline.LUNAR_NEW_YEAR_EXPORTERS`).
    """

    method = "base"

    def __init__(self, *, window: Window | None = None, rule: VerdictRule | None = None, beta: float = 3.0,
                 robust: bool = True, segment_baseline: bool = True, jan_feb: bool | None = None) -> None:
        self.window = window or Window()
        self.jan_feb = jan_feb
        self.segment_baseline = segment_baseline
        self.pre_start: np.ndarray | None = None
        self.rule = rule or VerdictRule()
        self.beta = beta
        self.robust = robust
        self.panel: Panel | None = None
        self.prepared: Prepared | None = None
        self.signals: dict[str, pd.DataFrame] = {}
        self.breaks: pd.DataFrame = pd.DataFrame(columns=BREAK_COLUMNS)
        self.months: pd.DataFrame = pd.DataFrame(columns=MONTH_COLUMNS)

    # -------------------------------------------------------------- fit
    def fit(self, panel: Panel) -> Detector:
        """Compute the baseline, breaks, signals and every month's score and verdict."""
        self.panel = panel
        pr = prepare(panel, window=self.window, robust=self.robust, jan_feb=self.jan_feb)
        self.prepared = pr
        d = pr.series("d")
        self.breaks = find_breaks(d, beta=self.beta, sigma=pr.sigma)
        self.pre_start = None
        if self.segment_baseline:
            pos = {m: i for i, m in enumerate(pr.index.strftime("%Y-%m"))}
            self.pre_start = pre_start_from_breaks(len(pr.index), [pos[m] for m in self.breaks["month"]],
                                                   self.window)
        self.signals = {"level_break": level_break(d, window=self.window, pre_start=self.pre_start,
                                                   sigma=pr.sigma, breaks=self.breaks)}
        lb = self.signals["level_break"]
        base = np.exp(lb["level_pre"].to_numpy() + pr.seasonal)
        ch = changes(pd.Series(pr.quantity, index=pr.index))
        with np.errstate(invalid="ignore", divide="ignore"):
            dev = np.where(base > 0, pr.analysed / base - 1.0, np.nan)
        verdicts = self._score(pr)
        months = pd.DataFrame({
            "month": pr.index.strftime("%Y-%m"),
            "quantity_kg": pr.quantity,
            "yoy_change": ch["yoy_change"].to_numpy(),
            "mom_change": ch["mom_change"].to_numpy(),
            "baseline_kg": base,
            "baseline_deviation": dev,
        }, index=pr.index)
        self.months = pd.concat([months, verdicts], axis=1)
        return self

    @abstractmethod
    def _score(self, pr: Prepared) -> pd.DataFrame:
        """Per-month verdict columns (verdict, score, ...) of a prepared panel; each method's own."""

    # -------------------------------------------------------------- predict
    def predict(self, month: str | pd.Timestamp | None = None) -> MonitorResult:
        """The result for one month (default: the latest month with data).

        Parameters
        ----------
        month : str or Timestamp, optional
            ``YYYY-MM`` (or a date in the month).

        Raises
        ------
        DataError
            When the month is outside the data.
        """
        if self.prepared is None or self.panel is None:
            raise RuntimeError("call fit(panel) first")
        pr, panel = self.prepared, self.panel
        if month is None:
            ts = pd.Series(pr.quantity, index=pr.index).last_valid_index()
        else:
            ts = pd.Timestamp(str(month)[:7] + "-01") if isinstance(month, str) else \
                pd.Timestamp(month).to_period("M").to_timestamp()
        if ts not in pr.index:
            raise DataError(f"month {ts:%Y-%m} is outside the data ({pr.index[0]:%Y-%m} .. "
                            f"{pr.index[-1]:%Y-%m}) for HS {', '.join(panel.hs)}")
        i = int(pr.index.get_loc(ts))
        row = self.months.iloc[i]
        table = evidence_table(self.signals, i, self.rule)
        return MonitorResult(
            exporter=panel.exporter, hs=list(panel.hs), month=f"{ts:%Y-%m}",
            quantity_kg=float(row["quantity_kg"]), yoy_change=float(row["yoy_change"]),
            mom_change=float(row["mom_change"]), baseline_kg=float(row["baseline_kg"]),
            baseline_deviation=float(row["baseline_deviation"]), verdict=str(row["verdict"]),
            score=float(row["score"]), p_restriction=float(row.get("p_restriction", math.nan)),
            signals=table, breaks=self.breaks.copy(), warnings=self._warnings(i, table),
            method=self.method, control=list(panel.control_hs), partners=list(panel.partners),
            months=self.months.reset_index(drop=True),
        )

    def fit_predict(self, panel: Panel, month: str | None = None) -> MonitorResult:
        """``fit(panel).predict(month)``."""
        return self.fit(panel).predict(month)

    def _warnings(self, i: int, table: pd.DataFrame) -> list[str]:
        pr, panel = self.prepared, self.panel
        assert pr is not None and panel is not None
        out = list(panel.warnings)
        if not np.isfinite(pr.quantity[i]):
            out.append(f"no data for {pr.index[i]:%Y-%m}: the month cannot be assessed")
        elif not np.isfinite(self.signals["level_break"]["level_pre"].iloc[i]):
            w = self.window
            out.append(f"too little history before {pr.index[i]:%Y-%m} (needs {w.min_pre} of months "
                       f"t-{w.pre[0]}..t-{w.pre[1]}): the month cannot be assessed")
        if pr.jan_feb and pr.index[i].month in (1, 2):
            out.append(f"{pr.index[i]:%Y-%m}: January and February are assessed as their average (the Lunar "
                       "New Year holiday moves between them); the baseline and its deviation are the pair's, "
                       "and a fall in one of the two months alone is not tested")
            if not np.isfinite(pr.analysed[i]) and np.isfinite(pr.quantity[i]):
                out.append(f"{pr.index[i].year}: January or February is not in the data: the pair cannot "
                           "be assessed yet")
        if i >= len(pr.index) - 1:
            out.append("the months after this one are not in the data yet: persistence and licence-lag "
                       "recovery cannot be checked")
        if pr.sigma > 0.35:
            out.append(f"the series is noisy (month-to-month noise {pr.sigma:.2f} in log units): only large "
                       "falls can be told from noise")
        for r in table.itertuples(index=False):
            if r.name != "level_break" and not np.isfinite(r.score):
                out.append(f"{r.name} not computed: {r.note}")
        return list(dict.fromkeys(out))


class EvidenceDetector(Detector):
    """The docs/methods.md §3 evidence detector (``method="evidence"``)."""

    method = "evidence"

    def _score(self, pr: Prepared) -> pd.DataFrame:
        w, ps = self.window, self.pre_start
        d = pr.series("d")
        ctl = pd.Series(pr.d_control, index=pr.index) if pr.d_control is not None else None
        oth = pd.Series(pr.d_other, index=pr.index) if pr.d_other is not None else None
        self.signals.update({
            "front_running": front_running(d, window=w, pre_start=ps, sigma=pr.sigma),
            "control_group": control_group(d, ctl, window=w, pre_start=ps),
            "price_wedge": price_wedge(pr.series("log_uv"), window=w, pre_start=ps, sigma=pr.uv_sigma),
            "destination_selectivity": destination_selectivity(
                pr.d_partners if pr.d_partners is not None else pd.DataFrame(index=pr.index),
                window=w, pre_start=ps),
            "licence_recovery": licence_recovery(d, window=w, pre_start=ps),
            "breadth": breadth(d, pr.d_partners, oth, window=w, pre_start=ps),
        })
        assert set(self.signals) == set(SIGNALS)
        return combine(self.signals, self.rule)


class BreakDetector(Detector):
    """Change points only (``method="breaks"``): a downward break of >= ``min_size`` is restriction-like.

    Parameters
    ----------
    min_size : float
        Smallest fall of a break to count [1] (default 0.3, a 30 % fall).
    **kwargs
        See :class:`Detector`.
    """

    method = "breaks"

    def __init__(self, *, min_size: float = 0.3, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.min_size = min_size

    def _score(self, pr: Prepared) -> pd.DataFrame:
        n = len(pr.index)
        score = np.zeros(n)
        months = list(pr.index.strftime("%Y-%m"))
        for r in self.breaks.itertuples(index=False):
            if r.size < 0:
                score[months.index(r.month)] = min(1.0, -r.size / (2 * self.min_size))
        verdict = np.where(score >= 0.5, "restriction-like", "demand-like")
        lb = self.signals["level_break"]
        return pd.DataFrame({"fall": lb["fall"].to_numpy(), "p_restriction": np.nan, "score": score,
                             "verdict": verdict}, index=pr.index)


class YoYDetector(Detector):
    """Year-on-year fall only (``method="yoy"``): a fall of >= ``threshold`` is restriction-like.

    Parameters
    ----------
    threshold : float
        Year-on-year fall that counts [1] (default 0.5).
    **kwargs
        See :class:`Detector`.
    """

    method = "yoy"

    def __init__(self, *, threshold: float = 0.5, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.threshold = threshold

    def _score(self, pr: Prepared) -> pd.DataFrame:
        yoy = changes(pd.Series(pr.quantity, index=pr.index))["yoy_change"].to_numpy()
        score = np.clip(-yoy / (2 * self.threshold), 0.0, 1.0)
        verdict = np.where(np.isfinite(yoy) & (score >= 0.5), "restriction-like",
                           np.where(np.isfinite(yoy), "demand-like", "ambiguous"))
        lb = self.signals["level_break"]
        return pd.DataFrame({"fall": lb["fall"].to_numpy(), "p_restriction": np.nan, "score": score,
                             "verdict": verdict}, index=pr.index)


DETECTORS: dict[str, Callable[..., Detector]] = {
    "evidence": EvidenceDetector,
    "breaks": BreakDetector,
    "yoy": YoYDetector,
}
"""Method string -> detector class."""


def register(method: str, cls: Callable[..., Detector]) -> None:
    """Make a detector available as ``get_detector(method)``."""
    DETECTORS[method] = cls


def get_detector(method: str = "evidence", **params: object) -> Detector:
    """A detector by its method string.

    Parameters
    ----------
    method : str
        One of :data:`DETECTORS` (``evidence``, ``breaks``, ``yoy``).
    **params
        Passed to the detector (``window``, ``rule``, ``beta``, ...).

    Raises
    ------
    ValueError
        For an unknown method.
    """
    try:
        cls = DETECTORS[method]
    except KeyError:
        raise ValueError(f"unknown monitor method {method!r}; choose one of "
                         f"{', '.join(sorted(DETECTORS))}") from None
    return cls(**params)
