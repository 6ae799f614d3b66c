"""Restriction monitor (docs/methods.md §3): is a fall in monthly exports a restriction or a demand slump?

Layers, as elsewhere in critmin:

* pure functions — :mod:`~critmin.monitor.baseline` (y/y and m/m change, robust STL seasonal baseline),
  :mod:`~critmin.monitor.breaks` (PELT change points of the deseasonalised series),
  :mod:`~critmin.monitor.signals` (the seven evidence signals, each scored in [0, 1]),
  :mod:`~critmin.monitor.verdict` (one verdict and score per month);
* objects — :class:`Panel` (the monthly rows arranged for the monitor), detectors chosen by a ``method``
  string with ``fit``/``predict`` (:func:`get_detector`), one result object :class:`MonitorResult`;
* jobs — :func:`monitor` and :func:`scan` read the warehouse;
* synthetic truth — :mod:`~critmin.monitor.synthetic` (panels with known demand shocks and restrictions)
  and :mod:`~critmin.monitor.scoring` (precision/recall within ±1 month, verdict confusion);
* known events — :mod:`~critmin.monitor.events` (the catalogue of documented export controls, package
  data ``critmin/data/export_controls.csv``): the jobs name the event behind a flagged month, read a line
  that a control covers only in part as ``cannot tell``, and flag control lines that were controlled.
"""

from critmin.monitor.baseline import Window, changes, deseasonalise, seasonal_baseline
from critmin.monitor.breaks import find_breaks
from critmin.monitor.detectors import (
    CONTRACT_KEYS,
    DETECTORS,
    Detector,
    MonitorResult,
    get_detector,
    register,
)
from critmin.monitor.job import ScanResult, choose_control, monitor, scan
from critmin.monitor.panel import Panel
from critmin.monitor.scoring import ScoreReport, score_cases
from critmin.monitor.signals import SIGNALS
from critmin.monitor.synthetic import SyntheticCase, SyntheticSpec, generate, generate_many
from critmin.monitor.verdict import CANNOT_TELL, NO_FALL, VERDICTS, VerdictRule

__all__ = [
    "CANNOT_TELL",
    "CONTRACT_KEYS",
    "NO_FALL",
    "DETECTORS",
    "Detector",
    "MonitorResult",
    "Panel",
    "SIGNALS",
    "ScanResult",
    "ScoreReport",
    "SyntheticCase",
    "SyntheticSpec",
    "VERDICTS",
    "VerdictRule",
    "Window",
    "changes",
    "choose_control",
    "deseasonalise",
    "find_breaks",
    "generate",
    "generate_many",
    "get_detector",
    "monitor",
    "register",
    "scan",
    "score_cases",
    "seasonal_baseline",
]

from critmin._callable import make_callable  # noqa: E402

make_callable(__name__, "monitor")  # critmin.monitor(...) runs the job; critmin.monitor.<name> still works
