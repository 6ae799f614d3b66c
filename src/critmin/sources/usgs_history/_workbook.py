"""Workbook helpers shared by the USGS rare-earth workbook readers (:mod:`.ds140`, :mod:`.myb2022`).

Opening a workbook from bytes (with rich text, so superscript footnote markers can be told from the
text), finding a sheet, splitting a cell's superscript runs off its text, parsing footnote markers
(``e`` estimated, ``r`` revised, footnote numbers), reading values and years, and building the
provenance columns and conformed tables. Errors name the workbook and sheet (``name.xlsx [T8]``),
the sheet row and the column letter.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* Footnote markers are superscript runs in rich-text cells ("China" + superscript "3",
  "India" + superscript "e, 4"); the workbook is read with ``rich_text=True`` and the superscript
  runs are split off (:func:`_split_rich`). Workbooks without rich text (plain "Indiae, 4") fall back
  to stripping trailing footnote numbers and, for country names, a glued ``e`` (see
  :func:`critmin.countries.resolve`); a glued ``e`` on a non-country label ("Other rare-earth
  compoundse") is then not recognised (:func:`_label`).
* A marker cell may hold a number instead of text (MYB 2022 T8 J17 holds the number 6, L17 the
  text "6"): both are footnote 6 (:func:`_marks`).
* Tokens: ``NA`` -> missing ``not_available``, ``W`` -> missing ``withheld``, ``--`` -> zero
  (:func:`critmin.sources._tokens.parse_value`); never zero for a missing value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from critmin.errors import DataError
from critmin.schema import conform, empty
from critmin.sources._io import open_workbook
from critmin.sources._tokens import ParsedValue, parse_value
from critmin.sources.editions import edition_date

COMMODITY = "rare-earths"
"""Catalogue id of the commodity both workbooks describe."""
REO_PRODUCT = "rare-earth-oxide equivalent"
"""Product label of rare-earth mine production in REO, the same as the MCS reader uses."""

_FOOTNOTE = re.compile(r"^\s*(\d{1,2})\s*(\S.*)$", re.DOTALL)
"""A footnote line below a table: its number and text."""


# ---------------------------------------------------------------------------------------------
# workbook helpers


def _read_bytes(buf: Any, name: str) -> bytes:
    if isinstance(buf, (bytes, bytearray)):
        data = bytes(buf)
    elif hasattr(buf, "read"):
        data = buf.read()
    else:
        raise DataError(f"expected bytes or a binary file object, got {type(buf).__name__}",
                        file=name)
    if not data:
        raise DataError("the workbook is empty", file=name)
    return data


def _load(data: bytes, name: str, *, data_only: bool) -> openpyxl.Workbook:
    """Open an xlsx workbook from bytes (openpyxl's warnings about print areas are silenced)."""
    return open_workbook(data, name, read_only=False, data_only=data_only, rich_text=True)


def _sheet(wb: openpyxl.Workbook, title: str, name: str):
    for ws in wb.worksheets:
        if ws.title.strip().casefold() == title.casefold():
            return ws
    raise DataError(f"no sheet {title!r}; the workbook has sheets {wb.sheetnames}", file=name)


def _split_rich(value: Any) -> tuple[str, str]:
    """Split a cell into (text, superscript markers) using its rich-text runs."""
    if value is None:
        return "", ""
    blocks = getattr(value, "__iter__", None) and not isinstance(value, str)
    if not blocks:
        return str(value), ""
    text, sup = [], []
    for block in value:
        if isinstance(block, str):
            text.append(block)
            continue
        font = getattr(block, "font", None)
        if font is not None and getattr(font, "vertAlign", None) == "superscript":
            sup.append(block.text)
        else:
            text.append(block.text)
    return "".join(text), ",".join(s for s in sup if s.strip())


def _plain(value: Any) -> str:
    """The full text of a cell (rich-text runs joined, superscripts included)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float)) and hasattr(value, "__iter__"):
        return "".join(b if isinstance(b, str) else b.text for b in value)
    return str(value)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


_TRAILING_FN = re.compile(r"^(?P<t>.*?\D)\s*(?P<fn>\d{1,2}(?:\s*,\s*\d{1,2})*)$")


def _label(value: Any) -> tuple[str, str]:
    """A row label and its footnote markers ("China" + "3"); plain-text fallback, no rich text."""
    text, sup = _split_rich(value)
    text = _clean(text)
    if sup or not text:
        return text, sup
    # Plain text: "China3", "Indiae, 4", "Exports, REO equivalent:e".
    markers = []
    m = _TRAILING_FN.match(text)
    if m:
        text, markers = m.group("t").rstrip(" ,"), [m.group("fn")]
    m = re.match(r"^(?P<t>.*:)\s*e$", text)
    if m:
        text, markers = m.group("t"), ["e", *markers]
    return text, ",".join(markers)


@dataclass
class _Marks:
    """Parsed footnote markers of one cell or label."""

    estimated: bool = False
    revised: bool = False
    footnotes: list[str] = field(default_factory=list)

    def __or__(self, other: _Marks) -> _Marks:
        return _Marks(self.estimated or other.estimated, self.revised or other.revised,
                      [*self.footnotes, *[f for f in other.footnotes if f not in self.footnotes]])


def _marks(raw: Any, where: str, row: int, col: int) -> _Marks:
    """Parse marker text ("e", "r", "e, 4", 6) naming the cell on an unknown marker."""
    if raw is None:
        return _Marks()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer():
            return _Marks(footnotes=[str(int(raw))])
        raise DataError("expected a footnote marker (e, r or a footnote number)", file=where,
                        row=row, column=get_column_letter(col), value=raw)
    out = _Marks()
    for tok in re.split(r"[,\s]+", _plain(raw).strip()):
        if not tok:
            continue
        if tok.lower() == "e":
            out.estimated = True
        elif tok.lower() == "r":
            out.revised = True
        elif tok.isdigit():
            out.footnotes.append(str(int(tok)))
        else:
            raise DataError("expected a footnote marker (e, r or a footnote number)", file=where,
                            row=row, column=get_column_letter(col), value=raw)
    return out


def _value(raw: Any, where: str, row: int, col: int, what: str) -> ParsedValue:
    pv = parse_value(_plain(raw) if raw is not None and not isinstance(raw, (int, float)) else raw)
    if pv is None or isinstance(raw, bool):
        raise DataError(f"expected a number or one of the tokens NA, W, -- for {what}", file=where,
                        row=row, column=get_column_letter(col), value=_plain(raw))
    return pv


def _year(raw: Any) -> int | None:
    """A calendar year from a header or year cell, else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        if float(raw).is_integer() and 1800 <= raw <= 2200:
            return int(raw)
        return None
    text = _clean(_split_rich(raw)[0])
    if re.fullmatch(r"(18|19|20|21)\d\d", text):
        return int(text)
    return None


def _prov(source: str, edition: str, file: str, row: int) -> dict[str, Any]:
    return {"source": source, "edition": edition, "edition_date": edition_date(edition),
            "file": file, "row": row}


def _frame(rows: list[dict[str, Any]], table: str, name: str) -> pd.DataFrame:
    """Rows -> a conformed table (an empty one when there are no rows)."""
    return conform(pd.DataFrame(rows) if rows else empty(table), table, file=name)


def _join(parts: list[str]) -> str | None:
    parts = [p for p in parts if p]
    return "; ".join(parts) if parts else None

