"""Warehouse-backed restriction monitoring: one exporter's lines (:func:`monitor`) or all (:func:`scan`).

The jobs read the monthly export rows of the ``trade`` table (latest edition of each value), pick the
control lines from the HS catalogue (:mod:`critmin.hs`) when none are given, attach the catalogue's
warnings (a *mixed* line holds more than the product, which dilutes every signal), and hand a
:class:`critmin.monitor.panel.Panel` to a detector (:mod:`critmin.monitor.detectors`). Then they apply
the catalogue of known export-control events (:mod:`critmin.monitor.events`,
:func:`apply_known_events`): in a month when a known control is in force on the tested lines, which it
covers only in part, a ``no fall`` or ``demand-like`` reading becomes
:data:`critmin.monitor.verdict.CANNOT_TELL`; a control line under a known control that month is flagged;
the known events of the series go with the result (chart annotations).

What the jobs share between calls on one warehouse (its memo, :meth:`critmin.warehouse.Warehouse.cached`,
cleared when the data change): the monthly export rows of every exporter, read in one query and put in
one fixed order (the ``_latest`` view returns them in an order that varies from query to query, and a
sum over rows depends on it in the last bits); each exporter's rows arranged once
(:class:`critmin.monitor.panel.PanelRows`); and each series' fitted detector with its known events, for
the built-in detectors with their default parameters (the last :data:`_FIT_MEMO_SIZE`), so that a
report's :func:`monitor` calls and its :func:`scan` fit every series once between them. Shared objects
are never changed after they are made, and what a caller gets (results, rows, events) is its own copy.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from critmin._json import num as _num
from critmin._result import Result
from critmin.errors import DataError, ParameterError
from critmin.monitor.detectors import Detector, MonitorResult, get_detector
from critmin.monitor.panel import Panel, PanelRows, normalise_hs
from critmin.monitor.verdict import CANNOT_TELL, known_control_verdict
from critmin.warehouse import Warehouse, with_default_warehouse

__all__ = ["monitor", "scan", "ScanResult", "export_rows", "choose_control", "line_warnings",
           "SCAN_COLUMNS", "parse_month", "apply_known_events", "EVENT_TOLERANCE"]

SCAN_COLUMNS = ["exporter", "hs", "month", "score", "verdict", "quantity_kg", "yoy_change",
                "baseline_deviation", "control", "evidence", "event", "event_distance", "control_controlled"]

EVENT_TOLERANCE = 2
"""A flagged month is matched with a known event whose effective month is at most this far [months]."""

_ROW_COLUMNS = ["reporter", "partner", "partner_kind", "hs_code", "period", "quantity_kg", "value_usd",
                "missing"]


_SHAREABLE_METHODS = ("evidence", "breaks", "yoy")
"""Detectors whose fits :func:`monitor` and :func:`scan` keep on the warehouse (their results depend on
the data and the arguments only; a detector registered later is fitted on every call)."""

_MONTH = re.compile(r"(\d{4})-(\d{1,2})(?:-01)?")


def parse_month(value: object, *, name: str = "month") -> pd.Timestamp:
    """The first day of a month given as ``YYYY-MM`` (or ``YYYY-MM-01``, or a Timestamp).

    Parameters
    ----------
    value : str or Timestamp
        ``2020-08``.
    name : str
        The argument's name, for the message (``month``, ``since``).

    Returns
    -------
    Timestamp
        The month's first day.

    Raises
    ------
    ParameterError
        For anything else (``2031-13``, ``yesterday``, ``2020-8-15``), saying what is accepted.
    """
    if isinstance(value, pd.Timestamp):
        return value.to_period("M").to_timestamp()
    text = str(value).strip()
    m = _MONTH.fullmatch(text)
    ok = m is not None and 1 <= int(m.group(2)) <= 12 and 1800 <= int(m.group(1)) <= 2100
    if not ok:
        raise ParameterError(f"{name} {text!r} is not a month; expected YYYY-MM with a year from 1800 "
                             "to 2100 and a month from 01 to 12, e.g. 2020-08")
    return pd.Timestamp(year=int(m.group(1)), month=int(m.group(2)), day=1)


def _cached(warehouse: object, key: tuple, compute: Callable[[], object]) -> object:
    """``compute()`` once per warehouse and ``key`` (:meth:`critmin.warehouse.Warehouse.cached`, cleared
    when the data change); every time for an object without that memo."""
    cached = getattr(warehouse, "cached", None)
    return compute() if cached is None else cached(("monitor", *key), compute)


def _read_export_rows(warehouse: Warehouse) -> pd.DataFrame:
    # the columns the monitor uses, from the warehouse's view of the latest edition of each value
    # (``warehouse.table("trade", latest=True, ...)`` less the other columns, half the time)
    cols = ", ".join(f'"{c}"' for c in _ROW_COLUMNS)
    df = warehouse.query(f'SELECT {cols} FROM "trade_latest" WHERE "flow" = ? AND "freq" = ?',
                         ["export", "M"])
    if df.empty:
        return pd.DataFrame(columns=_ROW_COLUMNS)
    out = df[_ROW_COLUMNS].copy()
    out["hs_code"] = out["hs_code"].astype(str)
    out["period"] = pd.to_datetime(out["period"])
    # one fixed order (the view's order varies from query to query), so that every sum over rows is
    # taken in the same order each time
    return out.sort_values(["reporter", "hs_code", "partner", "period"], kind="stable", ignore_index=True)


def _all_export_rows(warehouse: Warehouse) -> pd.DataFrame:
    """Every exporter's monthly export rows, read in one query and kept on the warehouse (do not edit)."""
    return _cached(warehouse, ("export-rows",), lambda: _read_export_rows(warehouse))  # type: ignore[return-value]


def _exporter_rows(warehouse: Warehouse, exporter: str) -> PanelRows | None:
    """One exporter's rows arranged for its panels (:class:`PanelRows`), kept on the warehouse; None
    without rows."""
    def build() -> PanelRows | None:
        df = _all_export_rows(warehouse)
        sub = df[df["reporter"] == exporter].reset_index(drop=True)
        return PanelRows(sub) if len(sub) else None

    return _cached(warehouse, ("panel-rows", exporter), build)  # type: ignore[return-value]


def export_rows(warehouse: Warehouse, exporter: str | None = None) -> pd.DataFrame:
    """Monthly export rows (latest edition of each value) of one exporter or of all.

    The rows of every exporter are read in one query and kept on the warehouse
    (:meth:`critmin.warehouse.Warehouse.cached`); each call returns a copy.

    Parameters
    ----------
    warehouse : Warehouse, optional
        The warehouse. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    exporter : str, optional
        ISO3 of the reporter; all reporters when omitted.

    Returns
    -------
    DataFrame
        Columns ``reporter, partner, partner_kind, hs_code, period, quantity_kg [kg], value_usd [USD],
        missing``, sorted by reporter, line, partner and month.
    """
    df = _all_export_rows(warehouse)
    if exporter:
        df = df[df["reporter"] == exporter.upper()].reset_index(drop=True)
    return df.copy()


@lru_cache(maxsize=4096)
def _catalogue_commodities(code: str) -> tuple[str, ...]:
    from critmin.hs import UnknownHSCodeError, describe

    try:
        return tuple(describe(code)["commodities"])
    except (UnknownHSCodeError, ValueError):
        return ()


@lru_cache(maxsize=1024)
def _catalogue_lines(commodity: str) -> tuple[str, ...]:
    from critmin.hs import lines_for

    return tuple(lines_for(commodity)["hs_code"])


def choose_control(hs_codes: Sequence[str], available: Iterable[str]) -> tuple[str, ...]:
    """Sibling lines for the difference-in-differences: same catalogue commodity, not tested, present.

    Parameters
    ----------
    hs_codes : sequence of str
        The tested lines.
    available : iterable of str
        The 6-digit lines the exporter has monthly data for.

    Returns
    -------
    tuple of str
        The 6-digit catalogue lines of the tested lines' commodities that are not tested, not nested in
        a tested line, and present in ``available``; empty when there are none.
    """
    tested = set(hs_codes)
    present = {c for c in available if len(c) == 6 and c.isdigit()}
    out: list[str] = []
    for code in hs_codes:
        for com in _catalogue_commodities(code):
            for c in _catalogue_lines(com):
                if (c in present and c not in tested and c not in out
                        and not any(c.startswith(t) or t.startswith(c) for t in tested)):
                    out.append(c)
    return tuple(sorted(out))


def line_warnings(hs_codes: Sequence[str], control: Sequence[str] = ()) -> list[str]:
    """Catalogue warnings: mixed (coarser than the product) or uncatalogued lines.

    Parameters
    ----------
    hs_codes : sequence of str
        Tested lines.
    control : sequence of str
        Control lines.

    Returns
    -------
    list of str
    """
    out = []
    for role, codes in (("tested", hs_codes), ("control", control)):
        for code in codes:
            w = _line_warning(role, code)
            if w is not None:
                out.append(w)
    return out


@lru_cache(maxsize=4096)
def _line_warning(role: str, code: str) -> str | None:
    """The catalogue warning of one line (the HS catalogue is package data: once per line and role)."""
    from critmin.hs import UnknownHSCodeError, describe

    try:
        info = describe(code)
    except (UnknownHSCodeError, ValueError):
        return (f"HS {code} ({role}) is not in the HS catalogue: whether it mixes several "
                "products is unknown")
    if info["mixed"]:
        mixes = "; ".join(f"{k}: {v}" for k, v in info["mixes"].items())
        if role == "tested":
            return (f"HS {code} is coarser than the product ({mixes}): a fall of one product is "
                    "diluted by the others, so every signal is weaker than for the product itself")
        return f"control line HS {code} is mixed ({mixes}): it is an imperfect control"
    return None


def _panel(rows: PanelRows | pd.DataFrame | None, exporter: str, hs: tuple[str, ...], *,
           partners: Sequence[str] | None, control: str | Iterable[str] | None) -> Panel:
    if isinstance(rows, pd.DataFrame):
        rows = PanelRows(rows) if not rows.empty else None
    if rows is None:
        raise DataError(f"no monthly export data for {exporter} in the warehouse")
    lines = rows.lines
    ctl = normalise_hs(control) if control is not None else choose_control(hs, lines)
    missing_ctl = [c for c in ctl if c not in lines]
    panel = Panel.from_rows(rows, hs, control=ctl, partners=partners, exporter=exporter)
    warn = line_warnings(hs, panel.control_hs)
    if missing_ctl:
        warn.append(f"control HS {', '.join(missing_ctl)}: no monthly {exporter} exports in the warehouse")
    if control is None and panel.control_hs:
        warn.append(f"control lines chosen from the HS catalogue: {', '.join(panel.control_hs)} "
                    "(pass --control to choose others)")
    panel.warnings[:0] = warn
    return panel


def _fitted(warehouse: Warehouse, exporter: str, hs: tuple[str, ...], *, partners: Sequence[str] | None,
            control: str | Iterable[str] | None, method: str, params: dict) -> tuple[Detector, list[dict]]:
    """The detector fitted on one series with the known events applied, and those events
    (:func:`apply_known_events`).

    Kept on the warehouse when the detector takes its default parameters, so that :func:`monitor` and
    :func:`scan` fit a series once between them (equal data and arguments give equal fits). Both are
    shared: read them, never change them.
    """
    def fit() -> tuple[Detector, list[dict]]:
        panel = _panel(_exporter_rows(warehouse, exporter), exporter, hs, partners=partners, control=control)
        det = get_detector(method, **params).fit(panel)
        return det, apply_known_events(det)

    if params or method not in _SHAREABLE_METHODS:
        return fit()
    ctl = normalise_hs(control) if control is not None else None
    par = tuple(partners) if partners else None
    key = (exporter, hs, ctl, par, method)
    fits: OrderedDict = _cached(warehouse, ("fits",), OrderedDict)  # type: ignore[assignment]
    with _FIT_LOCK:
        hit = fits.get(key)
        if hit is not None:
            fits.move_to_end(key)
            return hit
    value = fit()
    with _FIT_LOCK:
        fits[key] = value
        while len(fits) > _FIT_MEMO_SIZE:
            fits.popitem(last=False)
    return value


_FIT_MEMO_SIZE = 256
"""Most fitted series kept per warehouse (the least recently used go first)."""
_FIT_LOCK = threading.Lock()


def _in_window(idx: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    ok = idx >= start
    if pd.notna(end):
        ok &= idx <= end
    return np.asarray(ok)


def apply_known_events(det: Detector, catalogue: pd.DataFrame | None = None) -> list[dict]:
    """Apply the catalogue of known export-control events to a fitted detector's months (in place).

    Adds two columns to ``det.months``: ``known_event`` (ids of the restrictive events in force on the
    tested lines that month, comma-separated, else empty) and ``control_controlled`` (control lines under a
    known control that month, ``HS (event id)``, else empty). In a month with a known event in force, a
    ``no fall`` or ``demand-like`` verdict becomes :data:`critmin.monitor.verdict.CANNOT_TELL` (the
    catalogue's lines are only partly controlled: :mod:`critmin.monitor.events`).

    Parameters
    ----------
    det : Detector
        A fitted detector (its panel names the exporter and the lines).
    catalogue : DataFrame, optional
        Events as :func:`critmin.monitor.events.parse_events` returns them; default the bundled one.

    Returns
    -------
    list of dict
        The restrictive events on the tested lines announced or in effect within the data's months (for
        chart annotations): ``id``, ``kind``, ``announced``, ``effective``, ``ended`` (``YYYY-MM-DD`` or
        None), ``destinations``, ``hs_codes`` (the tested lines it falls on), ``document``, ``url``.
    """
    from critmin.monitor.events import event_windows, events_for, hs_overlap

    panel = det.panel
    if panel is None:
        raise RuntimeError("call fit(panel) first")
    m = det.months
    idx = pd.DatetimeIndex(m.index)
    n = len(idx)
    known = [[] for _ in range(n)]
    # columns zipped, not itertuples: a namedtuple class per call cost more than the loop
    w = event_windows(panel.hs, exporter=panel.exporter, catalogue=catalogue)
    for wid, start, end in zip(w["id"], w["start"], w["end"], strict=True):
        for i in np.flatnonzero(_in_window(idx, start, end)):
            known[i].append(wid)
    ctl = [[] for _ in range(n)]
    if panel.control_hs:
        w = event_windows(panel.control_hs, exporter=panel.exporter, catalogue=catalogue)
        for wid, start, end, lines in zip(w["id"], w["start"], w["end"], w["lines"], strict=True):
            for i in np.flatnonzero(_in_window(idx, start, end)):
                ctl[i] += [f"{ln} ({wid})" for ln in lines]
    m["known_event"] = [",".join(k) for k in known]
    m["control_controlled"] = [", ".join(dict.fromkeys(c)) for c in ctl]
    m["verdict"] = [known_control_verdict(v) if k else v for v, k in zip(m["verdict"], known, strict=True)]
    if n == 0:
        return []
    ev = events_for(panel.hs, exporter=panel.exporter, start=idx[0], end=idx[-1], catalogue=catalogue)
    out = []
    for e in ev.itertuples(index=False):
        out.append({
            "id": e.id, "kind": e.kind, "announced": f"{e.announced:%Y-%m-%d}",
            "effective": f"{e.effective:%Y-%m-%d}",
            "ended": None if pd.isna(e.ended) else f"{e.ended:%Y-%m-%d}",
            "destinations": list(e.destinations),
            "hs_codes": [ln for ln in panel.hs if any(hs_overlap(c, ln) for c in e.hs_codes)],
            "document": e.document, "url": e.url,
        })
    return out


def _event_warnings(res: MonitorResult, months: pd.DataFrame, i: int) -> list[str]:
    from critmin.monitor.events import events, nearest_event

    out = []
    row = months.iloc[i]
    docs = events().set_index("id")
    for eid in filter(None, str(row.get("known_event", "")).split(",")):
        e = docs.loc[eid]
        to = "all destinations" if e["destinations"] == ("all",) else ", ".join(e["destinations"])
        tail = (", so a month without a restriction-like fall cannot tell whether the controlled products "
                "fell" if res.verdict == CANNOT_TELL else "")
        out.append(f"known export control in force in {res.month}: {eid} ({e['document']}; effective "
                   f"{e['effective']:%Y-%m-%d}; to {to}). It covers only part of HS {'+'.join(res.hs)}"
                   + tail)
    cc = str(row.get("control_controlled", ""))
    if cc:
        out.append(f"control line(s) {cc} partly under a known export control in {res.month}: not an "
                   "uncontrolled sibling, so the difference-in-differences understates the fall of the "
                   "tested lines")
    near = nearest_event(res.hs, res.month, exporter=res.exporter, tolerance=EVENT_TOLERANCE)
    if near and near["distance"] != 0 and near["id"] not in str(row.get("known_event", "")):
        when = (f"{-near['distance']} month(s) after" if near["distance"] < 0
                else f"{near['distance']} month(s) before")
        out.append(f"known export control {near['id']} took effect in {near['effective_month']}, {when} "
                   f"{res.month}")
    return out


@with_default_warehouse
def monitor(
    exporter: str,
    hs_codes: str | Iterable[str],
    *,
    partners: Sequence[str] | None = None,
    control: str | Iterable[str] | None = None,
    month: str | None = None,
    method: str = "evidence",
    warehouse: Warehouse | None = None,
    progress: Callable[[str], None] | None = None,
    **params: object,
) -> MonitorResult:
    """Is a month's fall in an exporter's exports of some HS lines restriction-like or demand-like?

    Parameters
    ----------
    exporter : str
        ISO3 of the exporter (the ``trade`` reporter), e.g. ``CHN``.
    hs_codes : str or iterable of str
        The lines tested together (``"280530,284690"``).
    partners : sequence of str, optional
        Only these partners (``USA``, ``BLOC:Adversary``); default: every partner row of the source.
    control : str or iterable of str, optional
        Control (sibling, not controlled) lines; default: chosen from the HS catalogue
        (:func:`choose_control`).
    month : str, optional
        ``YYYY-MM``; default: the latest month with data (see :func:`parse_month`).
    method : str
        Detector (:data:`critmin.monitor.detectors.DETECTORS`).
    warehouse : Warehouse, optional
        The warehouse. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    progress : callable, optional
        Called with short messages.
    **params
        Detector parameters.

    Returns
    -------
    MonitorResult

    Raises
    ------
    DataError
        When the warehouse holds no monthly exports of those lines, or the month is outside the data.
    ParameterError
        When ``month`` is not a month (``2031-13``).
    """
    when = parse_month(month) if month is not None else None
    exporter = exporter.upper()
    hs = normalise_hs(hs_codes)
    if not hs:
        raise DataError("no HS codes given")
    rows = _exporter_rows(warehouse, exporter)
    if rows is None:
        have = _all_export_rows(warehouse)["reporter"].unique()
        raise DataError(f"no monthly export data for {exporter} in the warehouse; exporters with monthly "
                        f"data: {', '.join(sorted(have)) or 'none'}")
    if progress:
        progress(f"{exporter}: {len(rows.frame):,} monthly export rows")
    det, known = _fitted(warehouse, exporter, hs, partners=partners, control=control, method=method,
                         params=params)
    res = det.predict(when)
    res.events = copy.deepcopy(known)
    i = int(np.flatnonzero(det.months["month"].to_numpy() == res.month)[0])
    res.warnings = list(dict.fromkeys([*res.warnings, *_event_warnings(res, det.months, i)]))
    return res


@dataclass(repr=False)
class ScanResult(Result):
    """Restriction-like months across every monthly export series in the warehouse, ranked by score.

    The main table is ``table``; ``to_frame()`` adds since and method.

    Attributes
    ----------
    table : DataFrame
        Columns :data:`SCAN_COLUMNS`: ``exporter``, ``hs`` (one line), ``month``, ``score`` [1],
        ``verdict``, ``quantity_kg`` [kg], ``yoy_change`` and ``baseline_deviation`` [1], ``control``
        (lines used), ``evidence`` (the strongest restriction-like signals), ``event`` (the known export
        control on the line whose effective month is nearest, within :data:`EVENT_TOLERANCE` months, else
        None), ``event_distance`` (months from its effective month to the flagged month) and
        ``control_controlled`` (control lines under a known control that month).
    since : str or None
        First month scanned.
    series : int
        Series scanned.
    method : str
        Detector used.
    warnings : list of str
        Series that could not be scanned and why; mixed lines.
    """

    table: pd.DataFrame
    since: str | None
    series: int
    method: str = "evidence"
    warnings: list[str] = field(default_factory=list)

    _key_fields = ("since", "method")
    _repr_fields = ("series",)

    def sources_used(self) -> list[dict[str, str]]:
        """Monthly exports come from the ``trade`` table (monthly rows)."""
        return [{"source": "comtrade-monthly-derived", "edition": ""}]

    def headline(self) -> str:
        """One line: how many restriction-like months in how many series."""
        return (f"restriction-like months since {self.since or 'the start'}: {len(self.table)} in "
                f"{self.series} series (method {self.method})")

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin monitor scan --json``."""
        months = []
        for r in self.table.itertuples(index=False):
            months.append({
                "exporter": r.exporter, "hs": r.hs, "month": r.month, "score": _num(r.score),
                "verdict": r.verdict, "quantity_kg": _num(r.quantity_kg), "yoy_change": _num(r.yoy_change),
                "baseline_deviation": _num(r.baseline_deviation), "control": r.control,
                "evidence": r.evidence, "event": r.event if isinstance(r.event, str) else None,
                "event_distance": None if pd.isna(r.event_distance) else int(r.event_distance),
                "control_controlled": r.control_controlled,
            })
        return {"since": self.since, "series": self.series, "method": self.method, "months": months,
                "warnings": list(self.warnings)}


def _evidence_summary(det_signals: dict[str, pd.DataFrame], i: int) -> str:
    parts = []
    for name, df in det_signals.items():
        s = df["score"].iloc[i]
        if name != "level_break" and s == s and s >= 0.7:
            parts.append(name)
    return ", ".join(parts)


def scan_series(warehouse: Warehouse, exporters: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """The series :func:`scan` tests, in its order: ``(exporter, 6-digit HS line)`` for each exporter
    (sorted) and each of its lines with monthly export data.

    Parameters
    ----------
    warehouse : Warehouse
        The warehouse.
    exporters : sequence of str, optional
        Only these exporters (ISO3).

    Returns
    -------
    list of (str, str)
    """
    reporters = sorted(_all_export_rows(warehouse)["reporter"].dropna().unique())
    if exporters:
        wanted = {e.upper() for e in exporters}
        reporters = [r for r in reporters if r in wanted]
    out = []
    for exporter in reporters:
        rows = _exporter_rows(warehouse, str(exporter))
        out += [(str(exporter), code) for code in (rows.lines if rows is not None else ())]
    return out


def scan_one(warehouse: Warehouse, exporter: str, code: str, start: pd.Timestamp | None, *,
             method: str = "evidence", params: dict | None = None) -> tuple[list[dict], list[str]]:
    """One series of :func:`scan`: its restriction-like months from ``start`` on, and its warnings.

    The fitted detector is shared with :func:`monitor` (see :func:`_fitted`), so a process that has
    monitored the series scans it without fitting it again.

    Parameters
    ----------
    warehouse : Warehouse
        The warehouse.
    exporter : str
        ISO3 of the exporter.
    code : str
        6-digit HS line.
    start : Timestamp, optional
        First month reported (:func:`parse_month`); None: every month.
    method : str
        Detector.
    params : dict, optional
        Detector parameters.

    Returns
    -------
    (list of dict, list of str)
        Rows of the scan's table (:data:`SCAN_COLUMNS`), in month order, and warnings.
    """
    from critmin.monitor.events import nearest_event

    try:
        det, _known = _fitted(warehouse, exporter, (code,), partners=None, control=None,
                              method=method, params=dict(params or {}))
    except DataError as exc:
        return [], [f"{exporter} HS {code}: {exc}"]
    panel = det.panel
    assert panel is not None
    warnings = []
    if any("coarser than the product" in w for w in panel.warnings):
        warnings.append(f"{exporter} HS {code} is a mixed line: its signals are diluted")
    m = det.months
    flagged = m["verdict"].to_numpy() == "restriction-like"
    if start is not None:
        flagged &= np.asarray(m.index >= start)
    found = []
    for i in np.flatnonzero(flagged):
        r = m.iloc[i]
        near = nearest_event(code, r["month"], exporter=exporter, tolerance=EVENT_TOLERANCE)
        found.append({
            "exporter": exporter, "hs": code, "month": r["month"], "score": r["score"],
            "verdict": r["verdict"], "quantity_kg": r["quantity_kg"], "yoy_change": r["yoy_change"],
            "baseline_deviation": r["baseline_deviation"],
            "control": ",".join(panel.control_hs),
            "evidence": _evidence_summary(det.signals, int(i)) if det.signals else "",
            "event": near["id"] if near else None,
            "event_distance": near["distance"] if near else None,
            "control_controlled": r.get("control_controlled", ""),
        })
    return found, warnings


@with_default_warehouse
def scan(
    since: str | None = None,
    *,
    warehouse: Warehouse | None = None,
    method: str = "evidence",
    exporters: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    done: Mapping[tuple[str, str], tuple[list[dict], list[str]]] | None = None,
    **params: object,
) -> ScanResult:
    """Scan every monthly export line in the warehouse for restriction-like months.

    Each (exporter, 6-digit HS line) with monthly export data is one series, tested with its catalogue
    control lines (:func:`choose_control`).

    Parameters
    ----------
    since : str, optional
        First month to report (``YYYY-MM``); earlier months still serve as history.
    warehouse : Warehouse, optional
        The warehouse. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    method : str
        Detector.
    exporters : sequence of str, optional
        Only these exporters.
    progress : callable, optional
        Called once per series.
    done : mapping, optional
        Series scanned already, ``(exporter, line) -> scan_one(...)`` with the same ``since``,
        method and parameters (e.g. by the processes that built a report's commodities): taken as
        they are; the others are scanned here.
    **params
        Detector parameters.

    Returns
    -------
    ScanResult
        Restriction-like months, highest score first.

    Raises
    ------
    ParameterError
        When ``since`` is not a month (``yesterday``).
    """
    start = parse_month(since, name="since") if since else None
    found, warnings, n = [], [], 0
    for exporter, code in scan_series(warehouse, exporters):
        n += 1
        if progress:
            progress(f"{exporter} HS {code}")
        hit = done.get((exporter, code)) if done else None
        rows, warn = hit if hit is not None else scan_one(warehouse, exporter, code, start, method=method,
                                                          params=params)
        found += rows
        warnings += warn
    table = pd.DataFrame(found, columns=SCAN_COLUMNS)
    if len(table):
        table = table.sort_values(["score", "month"], ascending=[False, True], ignore_index=True)
    return ScanResult(table=table, since=f"{start:%Y-%m}" if start is not None else None, series=n,
                      method=method, warnings=warnings)
