"""Scoring detectors against synthetic truth: precision/recall within ±k months, verdict confusion.

Definitions (``k = 1`` by default):

* a month called ``restriction-like`` is a **true positive** when a true restriction month lies within ±k
  months of it, otherwise a **false positive**; ``precision = TP / (TP + FP)`` counts called months;
* a true restriction is **found** when some month within ±k of it is called ``restriction-like``;
  ``recall = found / true restrictions``;
* the **verdict confusion** has one row per true event (restriction or demand shock; its verdict is the
  most restriction-like verdict within ±k months: restriction-like > ambiguous, cannot tell > demand-like >
  no fall) and one row
  per remaining month (``no event``);
* the **demand false-alarm share** is the share of pure demand-shock cases with *any* month called
  restriction-like.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.monitor.detectors import get_detector
from critmin.monitor.synthetic import SyntheticCase
from critmin.monitor.verdict import CANNOT_TELL, NO_FALL, VERDICTS

__all__ = ["match_months", "CaseOutcome", "ScoreReport", "evaluate_case", "score_cases", "summarise"]

_RANK = {"restriction-like": 3, "ambiguous": 2, CANNOT_TELL: 2, "demand-like": 1, NO_FALL: 0}


def _pos(months: Iterable[str]) -> np.ndarray:
    """``YYYY-MM`` -> months since year 0."""
    out = [int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months]
    return np.asarray(out, int)


def match_months(called: Sequence[str], truth: Sequence[str], tolerance: int = 1) -> dict[str, int]:
    """Match called months to true months within ±``tolerance`` months.

    Parameters
    ----------
    called : sequence of str
        Months called restriction-like (``YYYY-MM``).
    truth : sequence of str
        True restriction months.
    tolerance : int
        Allowed offset [months].

    Returns
    -------
    dict
        ``tp`` and ``fp`` (called months near / not near a true month), ``found`` and ``missed`` (true
        months with / without a called month nearby).

    Examples
    --------
    >>> match_months(["2020-08", "2020-09", "2021-05"], ["2020-08"])
    {'tp': 2, 'fp': 1, 'found': 1, 'missed': 0}
    """
    c, t = _pos(called), _pos(truth)
    if c.size and t.size:
        near = np.abs(c[:, None] - t[None, :]) <= tolerance
        tp = int(near.any(axis=1).sum())
        found = int(near.any(axis=0).sum())
    else:
        tp, found = 0, 0
    return {"tp": tp, "fp": int(c.size - tp), "found": found, "missed": int(t.size - found)}


@dataclass
class CaseOutcome:
    """What a detector said about one synthetic case."""

    kind: str
    called: list[str]
    match: dict[str, int]
    events: list[tuple[str, str]]  # (truth kind, verdict)
    other_verdicts: dict[str, int]
    seconds: float


def evaluate_case(case: SyntheticCase, *, method: str = "evidence", tolerance: int = 1,
                  **params: object) -> CaseOutcome:
    """Run a detector on one case and compare with its truth.

    Parameters
    ----------
    case : SyntheticCase
        The case (its truth is used only here, after detection).
    method : str
        Detector method.
    tolerance : int
        ±months for a match.
    **params
        Detector parameters.
    """
    t0 = time.perf_counter()
    det = get_detector(method, **params).fit(case.panel())
    months = det.months
    secs = time.perf_counter() - t0
    lab = list(months["month"])
    verdict = list(months["verdict"])
    called = [m for m, v in zip(lab, verdict, strict=True) if v == "restriction-like"]
    pos = _pos(lab)
    events: list[tuple[str, str]] = []
    near_any = np.zeros(len(lab), bool)
    for kind, truth in (("restriction", case.restriction_months), ("demand shock", case.demand_months)):
        for m in truth:
            near = np.abs(pos - _pos([m])[0]) <= tolerance
            near_any |= near
            best = max((verdict[i] for i in np.flatnonzero(near)), key=lambda v: _RANK[v])
            events.append((kind, best))
    rest = pd.Series([v for v, n in zip(verdict, near_any, strict=True) if not n]).value_counts()
    return CaseOutcome(kind=case.kind, called=called,
                       match=match_months(called, case.restriction_months, tolerance), events=events,
                       other_verdicts={k: int(v) for k, v in rest.items()}, seconds=secs)


@dataclass
class ScoreReport:
    """Scores of one detector on a set of cases.

    Attributes
    ----------
    method : str
        Detector method.
    precision, recall : float
        Of restriction months within ±tolerance [1].
    demand_false_alarm : float
        Share of pure demand-shock cases with any month called restriction-like [1].
    confusion : DataFrame
        Truth (``restriction``, ``demand shock``, ``no event``) x verdict counts.
    by_kind : DataFrame
        Per case kind: cases, called months, TP, FP, found, missed, cases with a false alarm.
    seconds : float
        Detection time, total [s].
    n_cases : int
        Cases scored.
    """

    method: str
    precision: float
    recall: float
    demand_false_alarm: float
    confusion: pd.DataFrame
    by_kind: pd.DataFrame
    seconds: float
    n_cases: int
    tolerance: int = 1
    outcomes: list[CaseOutcome] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        """Plain numbers and tables (records)."""
        return {"method": self.method, "precision": self.precision, "recall": self.recall,
                "demand_false_alarm": self.demand_false_alarm, "tolerance": self.tolerance,
                "n_cases": self.n_cases, "seconds": self.seconds,
                "confusion": self.confusion.reset_index().to_dict(orient="records"),
                "by_kind": self.by_kind.reset_index().to_dict(orient="records")}


def summarise(outcomes: Sequence[CaseOutcome], *, method: str = "evidence",
              tolerance: int = 1) -> ScoreReport:
    """Pool case outcomes into precision, recall, confusion and the demand false-alarm share."""
    tp = sum(o.match["tp"] for o in outcomes)
    fp = sum(o.match["fp"] for o in outcomes)
    found = sum(o.match["found"] for o in outcomes)
    missed = sum(o.match["missed"] for o in outcomes)
    conf = pd.DataFrame(0, index=["restriction", "demand shock", "no event"], columns=list(VERDICTS))
    for o in outcomes:
        for kind, v in o.events:
            conf.loc[kind, v] += 1
        for v, c in o.other_verdicts.items():
            conf.loc["no event", v] += c
    conf.index.name = "truth"
    rows = []
    for k in dict.fromkeys(o.kind for o in outcomes):
        sel = [o for o in outcomes if o.kind == k]
        rows.append({"kind": k, "cases": len(sel), "called": sum(len(o.called) for o in sel),
                     "tp": sum(o.match["tp"] for o in sel), "fp": sum(o.match["fp"] for o in sel),
                     "found": sum(o.match["found"] for o in sel),
                     "missed": sum(o.match["missed"] for o in sel),
                     "cases_with_false_alarm": sum(o.match["fp"] > 0 for o in sel)})
    by_kind = pd.DataFrame(rows).set_index("kind") if rows else pd.DataFrame()
    dem = [o for o in outcomes if o.kind == "demand"]
    return ScoreReport(
        method=method,
        precision=tp / (tp + fp) if tp + fp else float("nan"),
        recall=found / (found + missed) if found + missed else float("nan"),
        demand_false_alarm=(sum(len(o.called) > 0 for o in dem) / len(dem)) if dem else float("nan"),
        confusion=conf, by_kind=by_kind, seconds=sum(o.seconds for o in outcomes),
        n_cases=len(outcomes), tolerance=tolerance, outcomes=list(outcomes))


def score_cases(cases: Iterable[SyntheticCase], *, method: str = "evidence", tolerance: int = 1,
                progress: Callable[[str], None] | None = None, **params: object) -> ScoreReport:
    """Run a detector on every case and score it.

    Parameters
    ----------
    cases : iterable of SyntheticCase
        E.g. :func:`critmin.monitor.synthetic.generate_many`.
    method : str
        Detector method.
    tolerance : int
        ±months for a match.
    progress : callable, optional
        Called with a short message every 500 cases.
    **params
        Detector parameters.

    Returns
    -------
    ScoreReport
    """
    outcomes = []
    for i, c in enumerate(cases, 1):
        outcomes.append(evaluate_case(c, method=method, tolerance=tolerance, **params))
        if progress and i % 500 == 0:
            progress(f"{method}: {i} cases scored")
    return summarise(outcomes, method=method, tolerance=tolerance)
