"""Words for readers, shared by the report's sentences and tables and the dashboard: numbers with sensible
digits and their units, price multiples at the market model's price cap, the kind and source of an input
without repeats, and the ids of the analyses (HS lines, monitor signals, known export controls, criticality
methods and stages, commodities) in words. The ids stay in every CSV download and in the CLI; the symbols
are in the appendix's methods.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from critmin.report.charts import display_name

__all__ = [
    "at_cap",
    "multiple_text",
    "peak_price_text",
    "number_text",
    "value_text",
    "source_text",
    "METHOD_WORDS",
    "STAGE_WORDS",
    "commodity_name",
    "critical_words",
    "missing_words",
    "lines_words",
    "SIGNAL_WORDS",
    "plain_words",
    "signal_words",
    "event_words",
]


def at_cap(x: object, cap: object) -> bool:
    """True when a price multiple sits at the market model's price cap (its choke multiple, where
    purchases are rationed): the model lets the price go no higher, so the value is a bound, not an
    ordinary quantile."""
    try:
        v, c = float(x), float(cap)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return c == c and v == v and v >= c * (1 - 1e-9)


def multiple_text(x: object, cap: object = None, digits: int = 1) -> str:
    """A price multiple ``4.1×``; ``20.0× (at the 20× price cap)`` when it sits at the cap."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    txt = f"{float(x):.{digits}f}×"  # type: ignore[arg-type]
    return f"{txt} (at the {float(cap):g}× price cap)" if at_cap(x, cap) else txt  # type: ignore[arg-type]


def peak_price_text(pk: dict, cap: object) -> str:
    """The peak price multiple of a simulation in words: median and 5–95 % range of the runs, the values
    at the model's price cap marked (``pk``: ``p05``, ``p50``, ``p95`` [1]; ``cap``: choke multiple [1])."""
    lo, mid, hi = (at_cap(pk[q], cap) for q in ("p05", "p50", "p95"))
    text = f"peak price {pk['p50']:.1f}× the baseline in the median run"
    if mid:
        text += f", at the {float(cap):g}× price cap"
    text += f" (5–95 % of runs: {pk['p05']:.1f}–{pk['p95']:.1f}×"
    if lo:
        text += f", all at the {float(cap):g}× price cap"
    elif hi and not mid:
        text += f", the upper end at the {float(cap):g}× price cap"
    return text + ")"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number_text(value: object) -> str:
    """A number with sensible digits for reading (the CSV keeps it whole): whole numbers with thousands
    separators (``246,000``), others to three significant digits (``4.75``, ``0.0283``; from 100 up to
    whole units, ``13,038``), very small or large ones as a power of ten (``1 × 10⁻¹²``); booleans as
    yes/no; anything else as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    a = abs(v)
    if a != 0 and (a < 1e-4 or a >= 1e15):
        mant, exp = f"{v:.2e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant} × 10{str(int(exp)).translate(_SUPERSCRIPT)}"
    if a >= 100 or abs(v - round(v)) < 1e-9 * max(1.0, a):
        return f"{v:,.0f}"
    return f"{float(f'{v:.3g}'):,.{max(0, 2 - math.floor(math.log10(a)))}f}".rstrip("0").rstrip(".")


def value_text(value: object, unit: object = None) -> str:
    """A value and its unit for reading: ``number_text(value)`` then the unit; a dimensionless unit
    (``1``, ``1 (share of the cut)``) shows only its words."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            text = _ABS_PATH.sub(lambda m: m[1], value)
        else:
            text = number_text(float(value))
    else:
        text = number_text(value)
    u = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit).strip()
    if u in ("", "1", "-"):
        return text
    if u.startswith("1 ("):
        return f"{text} {u[2:]}"
    return f"{text} {u}"


_ABS_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[^/\s:;,]+)+/([^/\s:;,]+\.toml)")


def source_text(kind: object, source: object) -> str:
    """The kind and source of an input in one phrase without repeating the kind ("assumption; assumption:
    few producers" -> "assumption: few producers"), local file paths cut to the file name."""
    k = "" if kind is None or (isinstance(kind, float) and math.isnan(kind)) else str(kind).strip()
    src = "" if source is None or (isinstance(source, float) and math.isnan(source)) else str(source).strip()
    src = _ABS_PATH.sub(lambda m: m[1], src)
    if k:
        for sep in (": ", "; "):
            if src.startswith(k + sep):
                src = src[len(k) + len(sep):]
                break
        if src == k:
            src = ""
    if k and src:
        return f"{k}: {src}"
    return k or src


#: Criticality methods (:mod:`critmin.criticality`) in words.
METHOD_WORDS = {"eu": "EU (JRC) method", "usgs": "USGS-style", "geopolrisk": "GeoPolRisk"}
#: Supply stages in words: the EU method's codes (E extraction, P processing) and the catalogue's.
STAGE_WORDS = {"E": "extraction (mining)", "P": "processing (refining)", "mine": "mining",
               "refinery": "refining", "nan": "—", "None": "—"}


def commodity_name(cid: object) -> str:
    """The catalogue's display name of a commodity id (:func:`critmin.commodities.get`); the value itself
    when the catalogue does not know it."""
    if not isinstance(cid, str):
        return "—"
    from critmin.commodities import get

    try:
        return get(cid).name
    except Exception:  # noqa: BLE001 - a label never fails the report
        return cid


def critical_words(x: object) -> str:
    """A method's critical call in words: critical, not critical, or not decided (inputs missing)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "not decided (inputs missing)"
    return "critical" if bool(x) else "not critical"


def missing_words(x: object) -> str:
    if not isinstance(x, str) or not x.strip():
        return "—"
    # "ev: no economic-vulnerability data (supply parameter 'ev')" -> the words after the factor id
    return "; ".join(p.split(": ", 1)[-1] for p in x.split("; "))


#: The catalogue's stage of an HS line in words (:func:`critmin.hs.describe`).
_STAGE_WORDS = {"metal": "metal", "compound": "compounds", "magnet": "magnets",
                "mineral": "ores and minerals", "synthetic": "synthetic form", "alloy": "alloys",
                "intermediate": "intermediate products"}


def lines_words(codes) -> str:
    """What a group of HS lines holds, in words from the HS catalogue's stages (``280530``, ``284690``
    -> "metal and compounds"); "uncatalogued lines" for codes the catalogue does not hold."""
    from critmin.hs import UnknownHSCodeError, describe

    words = []
    for code in codes:
        try:
            st = str(describe(code)["stage"])
        except (UnknownHSCodeError, ValueError):
            st = "uncatalogued lines"
        words.append(_STAGE_WORDS.get(st, st))
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: The monitor's signals (:data:`critmin.monitor.signals.SIGNALS`) in words for the tables; the ids stay in
#: the CSV and the methods (docs/methods.md §3).
SIGNAL_WORDS = {
    "level_break": "break in the level of exports",
    "front_running": "exports rushed out before the measure (front-running)",
    "control_group": "against related lines (control group)",
    "price_wedge": "export price against the world price",
    "destination_selectivity": "which destinations lost exports",
    "licence_recovery": "recovery after licensing delays",
    "breadth": "how widely the fall spread across lines and partners",
}


_SERIES = re.compile(r"\b([A-Z]{3}) HS (\d{4,6}(?:\+\d{4,6})*)\b")
_BLOC = re.compile(r"\bBLOC:([A-Za-z+]+)")


def plain_words(text: object) -> object:
    """A monitor message for readers: ``CHN HS 282560`` -> ``China compounds (HS 282560)``, signal ids in
    words (:data:`SIGNAL_WORDS`), ``BLOC:Adversary`` -> ``the source's “adversary” bloc`` (the codes stay in
    the CSV and the CLI)."""
    if not isinstance(text, str):
        return text
    text = _SERIES.sub(lambda m: f"{display_name(m[1])} {lines_words(m[2].split('+'))} (HS {m[2]})", text)
    text = _SIGNAL_ID.sub(lambda m: SIGNAL_WORDS[m[1]], text)
    return _BLOC.sub(lambda m: "the source's “" + m[1].lower().replace("+", " and ") + "” bloc", text)


_SIGNAL_ID = re.compile(r"\b(" + "|".join(SIGNAL_WORDS) + r")\b")


def signal_words(ids: object) -> str:
    """Signal ids (one, or several separated by commas) in words (:data:`SIGNAL_WORDS`)."""
    if not isinstance(ids, str) or not ids.strip():
        return "—"
    return "; ".join(SIGNAL_WORDS.get(x.strip(), x.strip().replace("_", " ")) for x in ids.split(","))


def event_words(event_id: object) -> str:
    """A known export-control event (:func:`critmin.monitor.events.events`) in words: exporter, kind,
    date in force and products; the id where the catalogue does not hold it."""
    if not isinstance(event_id, str) or event_id in ("", "none"):
        return "none"
    from critmin.monitor.events import events

    ev = events().set_index("id")
    if event_id not in ev.index:
        return event_id
    e = ev.loc[event_id]
    when = pd.Timestamp(e["effective"]).strftime("%B %Y") if pd.notna(e["effective"]) else "date unknown"
    return f"{display_name(e['exporter'])}: {e['kind']} on {e['products']}, from {when}"
