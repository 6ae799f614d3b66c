"""USGS Minerals Yearbook world production tables, by country (editions 2016, 2017 and 2019).

:func:`read_myb_world` reads one chapter workbook of the *Minerals Yearbook, Volume I*
(``myb1-2016-raree.xls``, ``myb1-2017-cobal.xls``, ``myb1-2019-raree-adv.xlsx``, ...) and returns its
"WORLD ... PRODUCTION, BY COUNTRY OR LOCALITY" table(s) as the canonical ``production`` table
(:mod:`critmin.schema`). Five year columns per table (the edition year and the four before it).
:func:`parse_myb_world` does the same from a buffer. Source id ``usgs-myb-world``; the edition is
``MYB<year>`` from the file name (``myb1-2017-...`` -> ``MYB2017``). ``file`` is the workbook's name,
``row`` the sheet row; errors name the workbook and sheet (``myb1-2017-cobal.xls [T8]``), the row and
the column letter.

Both layouts are read: old Excel ``.xls`` (BIFF, through :mod:`xlrd`, with its rich-text runs) and
``.xlsx`` (:mod:`openpyxl`).

Notes
-----
Quirks of the source handled on purpose (each has a test in ``tests/test_history_sources.py``):

* The world table is found by its title ("RARE EARTHS: WORLD MINE PRODUCTION, BY COUNTRY OR LOCALITY",
  "TUNGSTEN: WORLD CONCENTRATE PRODUCTION, ...", "GALLIUM: LOW-GRADE PRIMARY WORLD PRODUCTION, ..."),
  not by its number (rare earths are T6 in 2016, T8 in 2017; gallium T7 in 2016, T6 in 2017). Capacity
  tables ("WORLD ANNUAL ... CAPACITY") are not production. A workbook without such a table (germanium)
  raises :class:`~critmin.errors.DataError`.
* Stage from the title: ``MINE`` and ``CONCENTRATE`` -> ``mine``, ``REFINERY`` and gallium's
  ``LOW-GRADE PRIMARY`` -> ``refinery``; natural graphite and lithium minerals (no word) -> ``mine``.
* Unit and basis from the unit line above the header: "(Metric tons, rare-earth-oxide equivalent)" ->
  t, ``REO``; "(Metric tons, cobalt content)" -> ``contained``; "(Metric tons, gross weight)" -> ``gross``;
  "(Metric tons)" (graphite) -> ``gross``; "(Kilograms)" (gallium) -> kg, converted to t in
  ``quantity_t`` (``value`` keeps the kilograms). The product is the catalogue's headline product when
  the stage and basis are the catalogue's (``rare-earth-oxide equivalent``, ``cobalt content``), else the
  table's own (``refined cobalt``, ``lithium minerals and brine``), so that series of different bases are
  never chained.
* Year headers are numbers (``2013.0``) in some workbooks and text (``'2012'``) in others.
* USGS flags sit in the column right of each value: ``e`` estimated, ``r`` revised, ``p`` preliminary
  (both kept in ``notes``), a footnote number (``6.0``, ``"e, 4"``, ``"r, e"``), or a lone space (ignored).
  Flags on the row label ("Russiae", "Congo (Kinshasa)e, 7") apply to every year of the row. In ``.xls``
  workbooks the label's flags are superscript rich-text runs and are split off exactly; in ``.xlsx``
  workbooks (plain text) trailing footnote numbers are stripped and a glued ``e`` is recognised on the
  country name ("Burmae", "Korea, Republic of e") or on a known detail word ("Tajikistan, oree",
  "Turkey, concentratee", "China, lithium carbonate equivalente, 3").
* Value cells: numbers; ``--`` and `` --`` zero (``qualifier="zero_dash"``); ``NA`` not available;
  ``W`` withheld; a footnote reference in parentheses (``(4)`` "Less than ½ unit." -> 0.5 with
  qualifier ``<``; ``(18)`` "Negligible." -> missing ``text``, the footnote in ``notes``).
* Country names as USGS writes them: "Burma" (MMR), "Congo (Kinshasa)" (COD), "Korea, North",
  "Korea, Republic of"; a detail after a comma ("Kazakhstan, concentrate", "China, metal, metal powder,
  oxide, salts") goes to ``country_detail``.
* Section rows ("China:", "India:e", "Argentina, subsurface brine:") open a country whose sub-rows
  ("Amorphous", "Crystalline flake", "Lithium carbonate") follow; the section's own "Total" row is a
  subtotal and is skipped (the sub-rows carry the figures). A top-level "Total", "Grand total" (graphite)
  or "\\u2003Total" (em-space indent) is the world total (``WLD``); graphite's "Of which:" rows after the
  grand total split the world total by type and are skipped.
* Footnotes below the legend line; the 2017 cobalt mine table numbers two footnotes ``18`` and none
  ``19`` ("Zimbabwe19"): a repeated number followed by a missing one is renumbered by position.
* Lithium (T4) has no total row and mixes products in gross weight (spodumene, lithium carbonate,
  chloride, hydroxide ...): rows are kept as published, product ``lithium minerals and brine``.
* The country rows must add up to the total within :data:`TOTAL_TOLERANCE` (USGS rounds totals to
  three significant digits); a larger gap warns, or raises
  :class:`~critmin.errors.ConsistencyError` with ``strict=True``.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.countries import UnknownCountryError, resolve
from critmin.errors import ConsistencyError, DataError
from critmin.schema import conform, empty
from critmin.sources._io import open_workbook, workbook_errors
from critmin.sources._tokens import parse_value
from critmin.sources.editions import edition_date

__all__ = ["read_myb_world", "parse_myb_world", "SOURCE", "TOTAL_TOLERANCE"]

SOURCE = "usgs-myb-world"
"""Source id of the Minerals Yearbook world-by-country tables."""

TOTAL_TOLERANCE = 0.05
"""Relative gap allowed between the sum of the country rows and the published total."""

_TITLE = re.compile(r"^(?P<what>[A-Z][A-Z ,\-]+?):\s*(?P<rest>.*\bWORLD\b.*PRODUCTION.*|"
                    r".*PRODUCTION.*\bWORLD\b.*)$")
_UNITS = {"metric tons": ("t", 1.0), "kilograms": ("kg", 1e-3)}
_LEGEND = re.compile(r"^\s*(e\s*Estimated|r\s*Revised|p\s*Preliminary|NA\s+Not available|"
                     r"W\s+With|--\s*Zero)")
_FOOTNOTE = re.compile(r"^\s*(\d{1,2})\s*(\S.*)$", re.DOTALL)
_TRAILING_FN = re.compile(r"^(?P<t>.*?\D)\s*(?P<fn>\d{1,2}(?:\s*,\s*\d{1,2})*)$")
_DETAIL_WORDS = frozenset({
    "ore", "concentrate", "concentrates", "flake", "amorphous", "vein", "metal", "powder", "oxide",
    "hydroxide", "salts", "chloride", "sulfate", "carbonate", "equivalent", "spodumene", "lepidolite",
    "petalite", "brine", "run-of-mine", "lump",
})
"""Words that end a country detail in these tables; "oree" is "ore" + the estimate flag."""


# ---------------------------------------------------------------------------------------------
# one cell grammar for .xls and .xlsx


@dataclass(frozen=True)
class _Cell:
    value: Any  # number, str or None
    text: str  # the cell's text without superscript runs
    sup: str  # superscript runs, comma-joined ("" for none or plain text)
    rich: bool  # True when the text came with its run formatting


class _Sheet:
    """A worksheet as rows of :class:`_Cell` (1-based rows and columns), from either format."""

    def __init__(self, title: str, cells: dict[tuple[int, int], _Cell], nrows: int, ncols: int):
        self.title, self._cells, self.nrows, self.ncols = title, cells, nrows, ncols

    def cell(self, r: int, c: int) -> _Cell:
        return self._cells.get((r, c), _Cell(None, "", "", False))


def _col(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _xls_sheets(data: bytes, name: str) -> list[_Sheet]:
    try:
        import xlrd
    except ImportError as err:  # pragma: no cover - xlrd is a dependency
        raise DataError("reading .xls workbooks needs the package xlrd", file=name) from err
    try:
        with open(os.devnull, "w") as quiet:  # xlrd writes its warnings to stdout by default
            wb = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=quiet,
                                    verbosity=0)
    except Exception as err:  # noqa: BLE001 - xlrd raises XLRDError, struct errors, ...
        raise DataError(f"not a readable .xls workbook ({type(err).__name__}: {err})",
                        file=name) from None
    out = []
    for sh in wb.sheets():
        cells: dict[tuple[int, int], _Cell] = {}
        for r in range(sh.nrows):
            for c in range(sh.ncols):
                v = sh.cell_value(r, c)
                if v in ("", None):
                    continue
                if isinstance(v, str):
                    runs = sh.rich_text_runlist_map.get((r, c))
                    if runs:
                        text, sup = [], []
                        bounds = [*runs, (len(v), None)]
                        if bounds[0][0] > 0:
                            text.append(v[: bounds[0][0]])
                        for (start, font), (end, _) in zip(bounds[:-1], bounds[1:], strict=True):
                            part = v[start:end]
                            sup_run = (0 <= font < len(wb.font_list)
                                       and wb.font_list[font].escapement == 1)
                            (sup if sup_run else text).append(part)
                        cells[(r + 1, c + 1)] = _Cell(v, "".join(text), ",".join(
                            s.strip() for s in sup if s.strip()), True)
                    else:
                        cells[(r + 1, c + 1)] = _Cell(v, v, "", False)
                else:
                    cells[(r + 1, c + 1)] = _Cell(v, str(v), "", True)
        out.append(_Sheet(sh.name, cells, sh.nrows, sh.ncols))
    return out


def _xlsx_sheets(data: bytes, name: str) -> list[_Sheet]:
    wb = open_workbook(data, name, read_only=False, rich_text=True)
    out = []
    for ws in wb.worksheets:
        cells: dict[tuple[int, int], _Cell] = {}
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None or v == "":
                    continue
                if isinstance(v, (str, int, float)) or not hasattr(v, "__iter__"):
                    cells[(cell.row, cell.column)] = _Cell(v, str(v), "", not isinstance(v, str))
                    continue
                text, sup = [], []  # CellRichText: str and TextBlock runs
                for block in v:
                    if isinstance(block, str):
                        text.append(block)
                    elif getattr(block.font, "vertAlign", None) == "superscript":
                        sup.append(block.text)
                    else:
                        text.append(block.text)
                plain = "".join(b if isinstance(b, str) else b.text for b in v)
                cells[(cell.row, cell.column)] = _Cell(plain, "".join(text), ",".join(
                    s.strip() for s in sup if s.strip()), True)
        out.append(_Sheet(ws.title, cells, ws.max_row, ws.max_column))
    return out


def _sheets(data: bytes, name: str) -> list[_Sheet]:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: old Excel
        with workbook_errors(name, ".xls workbook"):
            return _xls_sheets(data, name)
    if data[:2] == b"PK":
        return _xlsx_sheets(data, name)
    raise DataError("not an Excel workbook (.xls or .xlsx)", file=name)


# ---------------------------------------------------------------------------------------------
# flags and labels


def _full(cell: _Cell) -> str:
    """The whole text of a cell, superscript runs included."""
    return "" if cell.value is None else str(cell.value)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("\u00a0", " ").replace("\u2003", " ")).strip()


@dataclass
class _Marks:
    estimated: bool = False
    revised: bool = False
    preliminary: bool = False
    footnotes: list[str] = field(default_factory=list)

    def __or__(self, o: _Marks) -> _Marks:
        return _Marks(self.estimated or o.estimated, self.revised or o.revised,
                      self.preliminary or o.preliminary,
                      [*self.footnotes, *[f for f in o.footnotes if f not in self.footnotes]])


def _marks(raw: Any, where: str, r: int, c: int) -> _Marks:
    """Parse a flag cell ("e", "r, e", "p", 6.0, "e, 4", " ")."""
    if raw is None:
        return _Marks()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer():
            return _Marks(footnotes=[str(int(raw))])
        raise DataError("expected a flag (e, r, p or a footnote number)", file=where, row=r,
                        column=_col(c), value=raw)
    out = _Marks()
    for tok in re.split(r"[,\s]+", str(raw).strip()):
        t = tok.lower()
        if not t:
            continue
        if t == "e":
            out.estimated = True
        elif t == "r":
            out.revised = True
        elif t == "p":
            out.preliminary = True
        elif t.isdigit():
            out.footnotes.append(str(int(t)))
        else:
            raise DataError("expected a flag (e, r, p or a footnote number)", file=where, row=r,
                            column=_col(c), value=raw)
    return out


def _split_label(cell: _Cell) -> tuple[str, str]:
    """(label text, flags) of a row label; plain text falls back to stripping trailing footnotes."""
    text = _clean(cell.text)
    if cell.sup or cell.rich:
        return text, cell.sup
    m = _TRAILING_FN.match(text)
    flags = []
    if m and not re.search(r"\d", m.group("t")[-1:]):
        text, flags = m.group("t").rstrip(" ,"), [m.group("fn")]
    return text, ",".join(flags)


def _glued_e(text: str) -> tuple[str, bool]:
    """Strip an estimate flag glued to a known detail word ("Tajikistan, oree")."""
    if "," not in text and ":" not in text:
        return text, False
    core = text.rstrip(":")
    colon = text[len(core):]
    words = re.split(r"[\s,]+", core)
    last = words[-1] if words else ""
    if last.endswith("e") and last.lower() not in _DETAIL_WORDS and last[:-1].lower() in _DETAIL_WORDS:
        return core[:-1] + colon, True
    return text, False


# ---------------------------------------------------------------------------------------------
# the table


@dataclass
class _Table:
    sheet: _Sheet
    where: str
    what: str
    stage: str
    header_row: int
    years: list[tuple[int, int]]
    first: int
    last: int
    footnotes: dict[str, str]
    unit: str
    factor: float
    basis: str
    unit_line: str


def _year(cell: _Cell) -> int | None:
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return int(v) if float(v).is_integer() and 1900 <= v <= 2100 else None
    t = _clean(cell.text)
    return int(t) if re.fullmatch(r"(19|20)\d\d", t) else None


def _footnotes(lines: list[str]) -> dict[str, str]:
    """Footnote number -> text; a repeated number followed by a gap is renumbered by position."""
    parsed = []
    for line in lines:
        m = _FOOTNOTE.match(line)
        if m:
            parsed.append((int(m.group(1)), _clean(m.group(2))))
    out: dict[str, str] = {}
    prev = 0
    numbers = {n for n, _ in parsed}
    for n, text in parsed:
        if str(n) in out and n == prev and (n + 1) not in numbers:
            n = n + 1  # "18 ... 18" with no 19: the second is 19
        out[str(n)] = text
        prev = n
    return out


def _stage(rest: str) -> str:
    r = rest.upper()
    if "REFINERY" in r or "LOW-GRADE PRIMARY" in r or "SMELTER" in r:
        return "refinery"
    return "mine"


def _basis(unit_line: str, commodity: str) -> str:
    """Basis named by the unit line; a line without one ("(Metric tons)", "(Kilograms)") takes the
    catalogue's basis of the commodity (natural graphite: gross; gallium: contained)."""
    t = unit_line.casefold()
    if re.search(r"rare-earth[- ]oxide|\breo\b", t):
        return "REO"
    if "gross weight" in t:
        return "gross"
    if "content" in t:
        return "contained"
    return get_commodity(commodity).basis


def _find_tables(sheets: list[_Sheet], name: str, commodity: str) -> list[_Table]:
    tables = []
    for sh in sheets:
        title = " ".join(_clean(sh.cell(r, 1).text) for r in range(1, 4)).upper()
        title = re.sub(r"TABLE\s+\d+\s*", "", title).strip()
        m = _TITLE.match(title)
        if not m or "CAPACITY" in title or "BY COUNTRY" not in title:
            continue
        tables.append(_layout(sh, name, m.group("what").strip(), _stage(m.group("rest")), commodity))
    if not tables:
        raise DataError("no 'WORLD ... PRODUCTION, BY COUNTRY OR LOCALITY' table in the workbook "
                        f"(sheets {[s.title for s in sheets]})", file=name)
    return tables


def _layout(sh: _Sheet, name: str, what: str, stage: str, commodity: str) -> _Table:
    where = f"{name} [{sh.title.strip()}]"
    header_row, years = None, []
    for r in range(1, min(sh.nrows, 20) + 1):
        found = [(c, _year(sh.cell(r, c))) for c in range(2, sh.ncols + 1)]
        found = [(c, y) for c, y in found if y is not None]
        if len(found) >= 2:
            header_row, years = r, found
            break
    if header_row is None:
        raise DataError("no header row with the years in the first 20 rows", file=where)
    if not _clean(sh.cell(header_row, 1).text).casefold().startswith("country"):
        raise DataError("expected the header 'Country or locality' in column A", file=where,
                        row=header_row, column="A", value=sh.cell(header_row, 1).text or None)
    unit_line = ""
    for r in range(1, header_row):
        t = _clean(sh.cell(r, 1).text)
        if re.fullmatch(r"\(.+\)", t):
            unit_line = t[1:-1].strip()
    if not unit_line:
        raise DataError("expected a unit line such as '(Metric tons, cobalt content)' above the "
                        "header", file=where, row=header_row)
    unit_word = unit_line.split(",")[0].strip().casefold()
    if unit_word not in _UNITS:
        raise DataError(f"unknown unit {unit_word!r} in the unit line; expected metric tons or "
                        "kilograms", file=where, value=unit_line)
    unit, factor = _UNITS[unit_word]
    end = sh.nrows + 1
    last = header_row
    for r in range(header_row + 1, sh.nrows + 1):
        if _LEGEND.match(_full(sh.cell(r, 1))):
            end = r
            break
        if any(sh.cell(r, c).value is not None for c in range(1, sh.ncols + 1)):
            last = r
    # footnote numbers are superscript runs: read the full text
    lines = [_clean(_full(sh.cell(r, 1))) for r in range(end + 1, sh.nrows + 1)]
    for r in range(end, sh.nrows + 1):
        for c, _ in years:
            if isinstance(sh.cell(r, c).value, (int, float)):
                raise DataError("a value below the table's notes; expected the data in one block",
                                file=where, row=r, column=_col(c), value=sh.cell(r, c).value)
    return _Table(sh, where, what, stage, header_row, years, header_row + 1, last,
                  _footnotes(lines), unit, factor, _basis(unit_line, commodity), unit_line)


def _product(commodity: str, stage: str, basis: str) -> str:
    com = get_commodity(commodity)
    if stage == com.default_stage and basis == com.basis:
        return com.product
    if commodity == "cobalt" and stage == "refinery":
        return "refined cobalt"
    if commodity == "lithium":
        return "lithium minerals and brine"
    return f"{stage} production ({basis})"


def _value(raw: Any, t: _Table, r: int, c: int, what: str):
    """(value, missing, qualifier, note) of a value cell."""
    if isinstance(raw, str):
        m = re.fullmatch(r"\s*\((\d{1,2})\)\s*", raw)
        if m:
            fn = t.footnotes.get(m.group(1))
            if fn is None:
                raise DataError(f"footnote {m.group(1)} is referenced but not defined below the "
                                "table", file=t.where, row=r, column=_col(c), value=raw)
            if re.search(r"less than (½|1/2) unit", fn, re.IGNORECASE):
                return 0.5, None, "<", fn
            return math.nan, "text", None, fn
    pv = parse_value(raw.strip() if isinstance(raw, str) else raw)
    if pv is None or isinstance(raw, bool):
        raise DataError(f"expected a number or one of the tokens NA, W, -- for {what}",
                        file=t.where, row=r, column=_col(c), value=raw)
    return pv.value, pv.missing, pv.qualifier, None


def read_myb_world(path: str | Path, *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Read the world production table(s) of one Minerals Yearbook chapter workbook.

    Parameters
    ----------
    path : str or Path
        ``myb1-<year>-<code>.xls`` or ``.xlsx`` (``myb1-2019-raree-adv.xlsx``).
    strict : bool
        Raise :class:`~critmin.errors.ConsistencyError` instead of warning when the country rows do
        not add up to the published total within :data:`TOTAL_TOLERANCE`.

    Returns
    -------
    dict of str to DataFrame
        ``production``: one row per country (or country and detail) and year; ``quantity_t`` [t]
        (kilograms converted), ``value`` and ``unit`` as published; ``WLD`` for the total row.

    Raises
    ------
    DataError
        When the file name does not tell the edition and commodity, no world table is found, a
        header or unit line is missing, a cell holds an unexpected value or a country is unknown.

    See Also
    --------
    parse_myb_world : the same from a buffer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_myb_world(p.read_bytes(), name=p.name, strict=strict)


def parse_myb_world(buf: bytes | io.IOBase, name: str, *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Parse a Minerals Yearbook chapter workbook from a buffer (see :func:`read_myb_world`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name (``myb1-2017-raree.xls``): it gives the edition and the commodity code, and is
        recorded in ``file`` and in errors.
    strict : bool
        See :func:`read_myb_world`.
    """
    m = re.match(r"^myb1-(?P<year>(19|20)\d\d)-(?P<code>[a-z]+)", Path(name).name, re.IGNORECASE)
    if not m:
        raise DataError("expected a file name like myb1-2017-raree.xls (edition year and USGS "
                        "commodity code)", file=name)
    edition = f"MYB{m.group('year')}"
    try:
        commodity = get_commodity(m.group("code").lower()).id
    except KeyError as err:
        raise DataError(f"unknown USGS commodity code {m.group('code')!r}", file=name) from err
    data = buf if isinstance(buf, (bytes, bytearray)) else buf.read()
    if not data:
        raise DataError("the workbook is empty", file=name)
    rows: list[dict[str, Any]] = []
    for t in _find_tables(_sheets(bytes(data), name), name, commodity):
        rows.extend(_rows(t, commodity, edition, name, strict))
    df = pd.DataFrame(rows) if rows else empty("production")
    return {"production": conform(df, "production", file=name)}


def _rows(t: _Table, commodity: str, edition: str, name: str, strict: bool) -> list[dict[str, Any]]:
    sh = t.sheet
    product = _product(commodity, t.stage, t.basis)
    out: list[dict[str, Any]] = []
    section = None  # (Country, label marks, section label) while inside "China:" ...
    after_grand_total = False
    for r in range(t.first, t.last + 1):
        label_cell = sh.cell(r, 1)
        text, flags = _split_label(label_cell)
        has_values = any(sh.cell(r, c).value is not None for c, _ in t.years)
        if not text:
            if has_values:
                raise DataError("values without a country name", file=t.where, row=r, column="A")
            continue
        marks = _marks(flags or None, t.where, r, 1)
        key = text.casefold()
        if after_grand_total:
            continue  # "Of which:" breakdown of the world total by type
        if not has_values:
            if not text.endswith(":"):
                raise DataError("a row label without values that is not a section ('China:')",
                                file=t.where, row=r, column="A", value=label_cell.text)
            if key == "of which:":
                after_grand_total = True
                continue
            base, glued = _glued_e(text)
            country = _country(base.rstrip(":").strip(), t, r, label_cell)
            section = (country, marks | _Marks(estimated=glued or country.estimated),
                       _clean(_full(label_cell)))
            continue
        is_total = key in ("total", "grand total") or key.startswith("world total")
        if is_total and section is not None:
            section = None  # the section's subtotal: its sub-rows carry the figures
            continue
        if is_total:
            country, detail = resolve("World total"), ""
            after_grand_total = key == "grand total"
            row_marks = marks
            raw_label = _clean(_full(label_cell))
        else:
            sub_country = None
            raw_label = _clean(_full(label_cell))
            if section is not None:
                try:
                    sub_country = resolve(_glued_e(text)[0])
                except UnknownCountryError:
                    sub_country = None
            if section is not None and sub_country is None:
                country, sec_marks, sec_label = section
                base, glued = _glued_e(text + ",")  # sub-row: "Amorphouse" -> glued flag
                detail = base.rstrip(",").strip()
                if detail.endswith("e") and detail[:-1].lower() in _DETAIL_WORDS:
                    detail, glued = detail[:-1], True
                detail = ", ".join(x for x in (country.detail, detail.lower()) if x)
                row_marks = sec_marks | marks | _Marks(estimated=glued)
                raw_label = f"{sec_label} {raw_label}"
            else:
                section = None
                base, glued = _glued_e(text)
                country = _country(base, t, r, label_cell)
                detail = country.detail
                row_marks = marks | _Marks(estimated=glued or country.estimated,
                                           footnotes=[country.footnote] if country.footnote else [])
        for c, year in t.years:
            raw = sh.cell(r, c).value
            value, missing, qualifier, fn_note = _value(raw, t, r, c, f"{text} {year}")
            cm = row_marks | _marks(sh.cell(r, c + 1).value if not any(
                yc == c + 1 for yc, _ in t.years) else None, t.where, r, c + 1)
            notes = [f"table {sh.title.strip()}"]
            if cm.revised:
                notes.append("revised")
            if cm.preliminary:
                notes.append("preliminary")
            for fn in cm.footnotes:
                if fn not in t.footnotes:
                    raise DataError(f"footnote {fn} is referenced but not defined below the table",
                                    file=t.where, row=r, column=_col(c))
                notes.append(t.footnotes[fn])
            if fn_note:
                notes.append(fn_note)
            out.append({
                "commodity": commodity, "stage": t.stage, "measure": "production",
                "product": product, "country": country.code, "country_kind": country.kind,
                "country_raw": raw_label, "country_detail": detail, "year": year,
                "quantity_t": value * t.factor if value == value else math.nan, "value": value,
                "unit": t.unit, "missing": missing, "qualifier": qualifier, "basis": t.basis,
                "estimated": cm.estimated, "notes": "; ".join(notes),
                "source": SOURCE, "edition": edition, "edition_date": edition_date(edition),
                "file": name, "row": r,
            })
    _check_total(out, t.where, strict)
    return out


def _country(text: str, t: _Table, r: int, cell: _Cell):
    try:
        return resolve(text)
    except UnknownCountryError as err:
        raise DataError(f"unknown country or locality ({err})", file=t.where, row=r, column="A",
                        value=cell.text) from err


def _check_total(rows: list[dict[str, Any]], where: str, strict: bool) -> None:
    df = pd.DataFrame(rows)
    if df.empty or not (df["country"] == "WLD").any():
        return
    for year, d in df.groupby("year"):
        total = d.loc[d["country"] == "WLD", "quantity_t"].sum()
        parts = d.loc[d["country"] != "WLD", "quantity_t"].sum()
        if total > 0 and abs(parts - total) > TOTAL_TOLERANCE * total:
            msg = (f"{where}: the rows of {year} add up to {parts:,.0f} t but the total is "
                   f"{total:,.0f} t (more than {TOTAL_TOLERANCE:.0%} apart)")
            if strict:
                raise ConsistencyError(msg)
            warnings.warn(msg, stacklevel=4)
