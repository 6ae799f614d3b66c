"""The cell grammar of the USGS MCS tables: what a value cell may hold, and how it is read.

Every MCS cell is text. Numbers, thousands separators and the USGS tokens (``W``, ``NA``, ``XX``, ``E``,
``—``, ``>95``, ``<1``) are read by :func:`critmin.sources._tokens.parse_value`; this module adds the
words and forms the MCS tables write besides. There are two grammars, because the world tables
(production, capacity, reserves) and the salient tables store some forms differently, and what is
stored must not change:

* :func:`parse_cell` (world tables, all vintages): returns a
  :class:`~critmin.sources._tokens.ParsedValue` and a note, or None for text it does not know (the
  caller raises with file, row and column).
* :func:`parse_salient_cell` (salient tables: the MCS 2022-2025 wide files and the salient and
  import-source sections of MCS 2026) and :func:`parse_salient_cell_2026` (the MCS 2026 value
  column): return a :class:`SalientCell` and raise :class:`~critmin.errors.DataError` themselves.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **World tables.** Leading spaces (``"     NA"``); a leading ``e`` marks an estimate (``e5,000``,
  ``e 5,000``); words instead of a figure: "Large", "Moderate", "Moderate to large", "Small", "Very
  small", ``Categorized as "large"`` -> NaN with ``missing="descriptive"`` (the word goes to
  ``notes``); "Included in World total.", "Included with “Other countries.”", "included with
  ilmenite" -> NaN with ``missing="included_elsewhere"``; "Less than ½ unit." (also ``1/2``, also
  without a space before "unit") -> 0.5 with qualifier ``"<"``. MCS 2026 writes ``s`` in the value
  cell and the reason ("Included in “World total.”", "Less than ½ unit.") in ``Notes``. A range
  ("330 - 390" [Mt] of iron slag in MCS 2026; dashes ``-`` and ``–``) is read as its lower bound
  with qualifier ``"range"``, the range going to ``notes``.
* **Salient tables.** Besides the tokens, cells hold ``e150`` (leading estimate marker, digits
  only), ``>50%``, a Unicode minus (``−88``, government stock releases), "Less than ½ unit" and its
  spellings (``1/2``, ``one-half``, ``a half``; value 0.5, qualifier ``"<"``), "Less than 50,000
  tons" / "Less than 500 carats" (converted to the column's unit, qualifier ``"<"``), ranges
  ``500–14,000`` (dashes ``–``, ``—``, ``-``; NaN with ``missing="range"``, the text in ``notes``)
  and a few words ("Small", "Variable, depending on type of product": NaN with
  ``missing="text"``). Any other text raises.
* **MCS 2026 salient values.** ``s`` means "see the note": "Less than ½ unit.", "Less than 500
  carats." are read from the note, any other note gives NaN with ``missing="text"``; ``?1`` and
  ``?10`` are ``−1`` and ``−10`` whose minus sign did not survive the Windows-1252 encoding (MCS2025
  prints −1 and −10 for the same figures).
* **Where the two grammars disagree** (kept apart on purpose, as unifying them would change stored
  values): a range is a lower bound (``qualifier="range"``) in the world tables but missing
  (``missing="range"``) in the salient tables; "Small" is ``missing="descriptive"`` in the world
  tables but ``missing="text"`` in the salient tables; the note of "Less than ½ unit" reads "Less
  than 1/2 unit." (world) or "published as '...'" (salient); ``e 5,000`` and ``e.5`` are read only
  by the world grammar, ``>50%``, ``−88`` and "Less than N tons" only by the salient grammar; an
  ``s`` whose note gives no reason is an error in a world section and ``missing="text"`` in a
  salient section.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from critmin import units
from critmin.errors import DataError
from critmin.sources._tokens import ParsedValue, parse_value

__all__ = [
    "EXTRA_MISSING",
    "parse_cell",
    "SalientCell",
    "parse_salient_cell",
    "parse_salient_cell_2026",
    "MISSING_TEXT",
    "MISSING_RANGE",
]

EXTRA_MISSING: dict[str, str] = {
    "included_elsewhere": "the figure is included in another row (world total, other countries, "
    "another product)",
    "descriptive": "the source gives a word, not a number (Large, Moderate, Small, Very small)",
}
"""Missing reasons used by the world grammar beyond :data:`critmin.sources._tokens.MISSING_REASONS`."""

# ---------------------------------------------------------------------------------------------
# World tables
# ---------------------------------------------------------------------------------------------

_LEADING_E = re.compile(r"^e\s*(?=[\d.])", re.IGNORECASE)
_DESCRIPTIVE = re.compile(
    r"^(?:categori[sz]ed as\s*)?[\"“]?(?P<w>large|moderate|moderate to large|small|very small)"
    r"[\"”]?\.?$",
    re.IGNORECASE,
)
_INCLUDED = re.compile(r"^included (?:in|with)\b", re.IGNORECASE)
_LESS_HALF = re.compile(r"^less than (?:½|1/2)\s*unit\.?$", re.IGNORECASE)
_RANGE = re.compile(r"^(?P<lo>\d[\d,]*(?:\.\d+)?)\s*[-–]\s*(?P<hi>\d[\d,]*(?:\.\d+)?)$")


def parse_cell(cell: object, notes: str = "") -> tuple[ParsedValue | None, str]:
    """Parse one MCS value cell, including the words MCS writes in value cells.

    Parameters
    ----------
    cell : object
        The cell as read.
    notes : str, optional
        The notes of the same figure; MCS 2026 writes ``s`` in the value cell and the reason in its
        notes.

    Returns
    -------
    (ParsedValue or None, str)
        The parsed value (None when the text is not understood) and a note to add to ``notes``
        (the word of a descriptive value, the range of a range), else "".
    """
    raw = "" if cell is None else str(cell)
    if isinstance(cell, float) and math.isnan(cell):
        raw = ""
    text = raw.replace("\u00a0", " ").strip()
    p = parse_value(text)
    if p is not None:
        return replace(p, raw=raw), ""
    m = _LEADING_E.match(text)
    if m:
        p = parse_value(text[m.end():])
        if p is not None and p.missing is None:
            return replace(p, estimated=True, raw=raw), ""
    if _LESS_HALF.match(text):
        return ParsedValue(0.5, None, "<", False, raw), "Less than 1/2 unit."
    m = _DESCRIPTIVE.match(text)
    if m:
        return ParsedValue(math.nan, "descriptive", None, False, raw), m.group("w").capitalize()
    if _INCLUDED.match(text):
        return ParsedValue(math.nan, "included_elsewhere", None, False, raw), text
    m = _RANGE.match(text)
    if m:
        lo = float(m.group("lo").replace(",", ""))
        return ParsedValue(lo, None, "range", False, raw), f"Published as a range: {text}."
    if text.casefold() == "s":
        low = notes.casefold()
        if "less than ½" in low or "less than 1/2" in low:
            return ParsedValue(0.5, None, "<", False, raw), ""
        if "included in" in low or "included with" in low:
            return ParsedValue(math.nan, "included_elsewhere", None, False, raw), ""
    return None, ""


_EXPECTED = (
    "a number (thousands separators allowed), a USGS token (W, NA, XX, —, >N, <N), or one of "
    "Large/Moderate/Small, 'Included in/with ...', 'Less than ½ unit'"
)

# ---------------------------------------------------------------------------------------------
# Salient tables
# ---------------------------------------------------------------------------------------------

_TEXT_VALUES = frozenset({
    "small",
    "variable, depending on type of product",
    "variable, depending on size, type, and quality",
})
"""Casefolded descriptive cell texts accepted as missing (``missing="text"``)."""

_HALF_UNIT = re.compile(r"^less than (?:1/2|½|one-half|a half) unit\.?$", re.I)
_LESS_QTY = re.compile(r"^less than (?P<num>[\d,]+(?:\.\d+)?)\s+(?P<what>tons|carats)\.?$", re.I)
_SALIENT_RANGE = re.compile(r"^(?P<lo>\d[\d,]*(?:\.\d+)?)\s*[–—-]\s*(?P<hi>\d[\d,]*(?:\.\d+)?)$")
_EPREFIX = re.compile(r"^e(?P<num>\d[\d,]*(?:\.\d+)?)$")
MISSING_TEXT = "text"
MISSING_RANGE = "range"


@dataclass(frozen=True)
class SalientCell:
    """One parsed salient cell: ``value`` (NaN when missing), ``missing`` (the reason), ``qualifier``
    (``"<"``, ``">"``, ``"zero_dash"`` ...), ``estimated`` and ``note`` (text for ``notes``)."""

    value: float
    missing: str | None
    qualifier: str | None
    estimated: bool
    note: str


def _carats_factor(unit: str) -> float | None:
    return {"carats": 1.0, "thousand carats": 1e3, "million carats": 1e6}.get(unit)


def parse_salient_cell(cell: object, unit: str | None, *, file: str, row: int,
                       column: str) -> SalientCell:
    """Parse one salient cell; raise DataError naming the place when it is not understood."""
    if isinstance(cell, str):
        text = cell.replace("\u00a0", " ").replace("\u2212", "-").strip()
        text = re.sub(r"\s+", " ", text)
    else:
        text = cell  # numbers and None
    if text is not None and (not isinstance(text, (str, int, float)) or isinstance(text, bool)):
        raise DataError(f"expected a number or text, got a {type(cell).__name__} cell", file=file,
                        row=row, column=column, value=cell)
    pv = parse_value(text)
    if pv is not None:
        return SalientCell(pv.value, pv.missing, pv.qualifier, pv.estimated, "")
    if not isinstance(text, str):
        raise DataError("expected a finite number", file=file, row=row, column=column, value=cell)
    raw = str(cell)
    m = _EPREFIX.match(text)
    if m:
        return SalientCell(float(m.group("num").replace(",", "")), None, None, True, "")
    if text.endswith("%"):
        pv = parse_value(text[:-1])
        if pv is not None and pv.missing is None:
            return SalientCell(pv.value, None, pv.qualifier, pv.estimated, "")
    if _HALF_UNIT.match(text):
        return SalientCell(0.5, None, "<", False, f"published as {raw!r}")
    m = _LESS_QTY.match(text)
    if m and unit is not None:
        num = float(m.group("num").replace(",", ""))
        what = m.group("what").lower()
        factor: float | None = None
        if what == "tons" and units.is_mass(unit):
            factor = 1.0 / units.tonnes_factor(unit)
        elif what == "carats" and _carats_factor(unit):
            factor = 1.0 / _carats_factor(unit)  # type: ignore[operator]
        if factor is not None:
            return SalientCell(num * factor, None, "<", False, f"published as {raw!r}")
    m = _SALIENT_RANGE.match(text)
    if m:
        return SalientCell(math.nan, MISSING_RANGE, None, False,
                           f"published as a range: {raw.strip()}")
    if text.casefold() in _TEXT_VALUES:
        return SalientCell(math.nan, MISSING_TEXT, None, False,
                           f"published as text: {raw.strip()}")
    raise DataError(
        "expected a number, a USGS token (W, NA, XX, E, —, >95, <1), 'Less than ½ unit', "
        "a range 'a–b' or a known descriptive text",
        file=file, row=row, column=column, value=raw,
    )


_QMINUS = re.compile(r"^\?(?P<num>\d[\d,]*(?:\.\d+)?)$")
_LESS_NOTE = re.compile(r"less than (?:1/2|½|one-half|a half) unit|less than [\d,.]+\s+(?:tons|carats)",
                        re.I)


def parse_salient_cell_2026(value: str, unit: str | None, notes: str, *, file: str,
                            row: int) -> SalientCell:
    """An MCS 2026 value: ``s`` points to the notes ("Less than ½ unit."), ``?1`` is ``−1`` whose
    minus sign did not survive the Windows-1252 encoding."""
    text = value.strip()
    if text == "s":
        m = _LESS_NOTE.search(notes)
        if m:
            c = parse_salient_cell(m.group(0), unit, file=file, row=row, column="Value")
            return SalientCell(c.value, c.missing, c.qualifier, c.estimated, "value 's': see notes")
        return SalientCell(math.nan, MISSING_TEXT, None, False, "value 's': see notes")
    m = _QMINUS.match(text)
    if m:
        return SalientCell(-float(m.group("num").replace(",", "")), None, None, False,
                           f"published as {text!r}: a minus sign lost in the Windows-1252 encoding")
    return parse_salient_cell(value, unit, file=file, row=row, column="Value")

