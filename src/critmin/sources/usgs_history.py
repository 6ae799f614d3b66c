"""USGS rare-earth workbooks: Data Series 140 (1900–2020) and the Minerals Yearbook 2022 tables.

Two readers, each returning critmin's canonical tables (see :mod:`critmin.schema`) as a dict
``{table name: DataFrame}``:

* :func:`read_ds140` — *Rare earths statistics*, USGS Data Series 140 (workbook last modified
  2023-09-27, data through 2020): world production 1900–2020 -> ``production`` (``WLD``, stage
  ``mine``); the U.S. series (production, imports, exports, apparent consumption, unit value in
  current and constant 1998 dollars) -> ``salient`` (country ``USA``), apparent consumption also ->
  ``consumption`` (method ``apparent``), the two unit values also -> ``prices``.
* :func:`read_myb2022` — *Minerals Yearbook 2022, rare earths, advance data release* (posted
  2025-03-19): table T8 world mine production by country 2018–2022 -> ``production``; table T3
  average rare-earth oxide prices 2021–2022 -> ``prices``; table T1 U.S. salient statistics
  2018–2022 -> ``salient`` (its two price rows also -> ``prices``).

``parse_ds140`` and ``parse_myb2022`` take a buffer (bytes or a binary file object) instead of a
path. Source ids: ``usgs-ds140`` (edition ``DS140-2020``) and ``usgs-myb`` (edition ``MYB2022``).
The ``file`` column holds the workbook's file name; ``row`` the sheet row number. Errors name the
workbook and sheet (``name.xlsx [T8]``), the sheet row and the column letter.

Notes
-----
Data Series 140, sheet ``Rare earths``:

* Title rows, then a unit line "[All quantities in metric tons (t) rare-earth oxide equivalent
  unless otherwise noted]" (checked: the basis is REO, quantities in t), a "Last modification" line,
  the header row (``Year``, ``Production``, ``Imports``, ``Exports``, ``Apparent consumption``,
  ``Unit value ($/t)``, ``Unit value (98$/t)``, ``World production``), one row per year 1900–2020,
  then note rows: the legend "NA Not available. W Withheld ...", footnote 1 (compilers) and
  "Data are calculated, estimated, or reported. See embedded notes document ...". The general
  note is kept in ``notes``; the embedded Word document (which years are interpolated or estimated)
  is not read, so no cell is flagged ``estimated``.
* Tokens: ``NA`` -> missing ``not_available``; ``W`` (U.S. production 1956, 1962) -> missing
  ``withheld``. Never zero.
* Apparent consumption 2001–2006 (cells E107:E112) are formulas ``=(Cn-Dn)`` (imports minus
  exports; U.S. production was 0). Their cached values are read (``data_only``) and the formula is
  recorded in ``notes``; a formula cell without a cached value (a workbook saved by a library that
  does not compute formulas) raises :class:`~critmin.errors.DataError`.
* Apparent consumption 2011 is ``NA`` (imports minus exports would be negative).
* The unit value in constant dollars is kept apart: product ``unit value (constant 1998 dollars)``,
  unit ``USD1998/t`` (current dollars: product ``unit value``, unit ``USD/t``).

Minerals Yearbook 2022 advance tables (sheets ``Note``, ``T1`` … ``T8``):

* Footnote markers are superscript runs in rich-text cells ("China" + superscript "3",
  "India" + superscript "e, 4"); the workbook is read with ``rich_text=True`` and the superscript
  runs are split off. Workbooks without rich text (plain "Indiae, 4") fall back to stripping
  trailing footnote numbers and, for country names, a glued ``e`` (see
  :func:`critmin.countries.resolve`); a glued ``e`` on a non-country label ("Other rare-earth
  compoundse") is then not recognised.
* Value columns alternate with marker columns (T8: values C, E, G, I, K, markers D, F, H, J, L):
  ``e`` estimated, ``r`` revised (recorded in ``notes``), a number refers to a footnote
  (T8 J17 holds the number 6, L17 the text "6"). A marker on the row label applies to every year.
  Footnote texts are copied into ``notes``.
* T8's unit line reads "(Metric tons, rare-earth oxide equivalent)": quantities are t REO
  (basis ``REO``, not gross weight of concentrate); footnote 5 (Thailand, Vietnam) says the
  figures are the REO content of exports, footnote 3 (China) that they are the official quota.
  The row "Total" is the world total (``WLD``); T8 has no "Other countries" row (footnote 2 names
  Indonesia, Nigeria, North Korea and CIS countries as unquantified producers). ``--`` is zero.
  The country rows add up to the total within the table's rounding (three significant digits);
  a larger gap warns (or raises :class:`~critmin.errors.ConsistencyError` with ``strict=True``).
* T3 prices are in "(Dollars per kilogram)"; purity (percent) is part of the product
  ("neodymium oxide 99.5%"). Scandium (Stanford Materials, 5-kg lots) is listed with the rare
  earths; the others are Argus prices, China FOB.
* T1: indentation (cell alignment) nests the rows under section headers ("Exports, REO
  equivalent:" > "Compounds:" > "Cerium compounds"); the unit column says ``do.`` (ditto) or is
  blank for "same as above". The mischmetal price row's unit reads "metric tons", a misprint (the
  values, 5–7, are dollars per kilogram as in the MCS salient files' ``Price_Mischmetal_dkg``):
  a mass unit on a price row takes the unit of the price row above, with a note. The row "World
  production, REO equivalent" goes to ``salient`` with country ``WLD`` (it repeats T8's total).
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import ConsistencyError, DataError
from critmin.schema import conform, empty
from critmin.sources._tokens import ParsedValue, parse_value
from critmin.sources.editions import edition_date

__all__ = ["read_ds140", "parse_ds140", "read_myb2022", "parse_myb2022", "COMMODITY"]

COMMODITY = "rare-earths"
"""Catalogue id of the commodity both workbooks describe."""
REO_PRODUCT = "rare-earth-oxide equivalent"
"""Product label of rare-earth mine production in REO, the same as the MCS reader uses."""

DS140_SOURCE, DS140_EDITION = "usgs-ds140", "DS140-2020"
MYB_SOURCE, MYB_EDITION = "usgs-myb", "MYB2022"

DS140_SHEET = "Rare earths"
"""Sheet of the DS140 workbook that holds the statistics."""

TOTAL_TOLERANCE = 0.01
"""Relative gap allowed between the sum of T8's country rows and its total (rounding to three
significant digits of a dozen entries stays well inside 1 %)."""

_MASS_UNITS = {"metric tons": ("t", 1.0), "metric ton": ("t", 1.0), "kilograms": ("kg", 1e-3)}
_PRICE_UNITS = {
    "dollars per kilogram": "USD/kg",
    "dollars per metric ton": "USD/t",
    "dollars per pound": "USD/lb",
}
_DITTO = {"do.", "do", "ditto"}
_NOTE_START = re.compile(
    r"^\s*(\d{1,2}\s*[A-Z(]|e\s*Estimated|NA\s+Not available|W\s+Withheld|--\s*Zero)"
)
_FOOTNOTE = re.compile(r"^\s*(\d{1,2})\s*(\S.*)$", re.DOTALL)


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, rich_text=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise DataError(f"not a readable .xlsx workbook ({err})", file=name) from err


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


# ---------------------------------------------------------------------------------------------
# Data Series 140

_DS140_HEADERS: dict[str, str] = {
    "year": r"year",
    "production": r"production",
    "imports": r"imports",
    "exports": r"exports",
    "consumption": r"apparent consumption",
    "unit_value": r"unit value \(\$/t\)",
    "unit_value_real": r"unit value \((?P<base>\d{2}|\d{4})\$/t\)",
    "world": r"world production",
}
_DS140_SALIENT = {
    "production": "production",
    "imports": "imports",
    "exports": "exports",
    "consumption": "consumption",
    "unit_value": "price",
    "unit_value_real": "price",
}


def read_ds140(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the USGS Data Series 140 rare-earths workbook.

    Parameters
    ----------
    path : str or Path
        ``ds140_rare_earths_historical_statistics_2020.xlsx`` (or another DS140 rare-earths vintage
        with the same layout).

    Returns
    -------
    dict of str to DataFrame
        ``production`` (world production [t REO], country ``WLD``), ``salient`` (U.S. production,
        imports, exports, apparent consumption [t REO] and unit values [USD/t], [USD1998/t]),
        ``consumption`` (U.S. apparent consumption [t REO], method ``apparent``) and ``prices``
        (U.S. unit values), each conforming to :data:`critmin.schema.TABLES`.

    Raises
    ------
    DataError
        When the sheet, the unit line or a header is missing, or a cell holds an unexpected value;
        the error names the workbook and sheet, the sheet row and the column letter.

    See Also
    --------
    parse_ds140 : the same from a buffer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_ds140(p.read_bytes(), name=p.name)


def parse_ds140(buf: bytes | io.IOBase, name: str = "ds140.xlsx") -> dict[str, pd.DataFrame]:
    """Parse a DS140 rare-earths workbook from a buffer (see :func:`read_ds140`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name recorded in the ``file`` column and in errors.
    """
    data = _read_bytes(buf, name)
    ws = _sheet(_load(data, name, data_only=True), DS140_SHEET, name)
    wsf = _sheet(_load(data, name, data_only=False), DS140_SHEET, name)
    where = f"{name} [{ws.title}]"

    # header row: "Year" in column A
    header_row = None
    for r in range(1, min(ws.max_row, 40) + 1):
        if _clean(_split_rich(ws.cell(r, 1).value)[0]).casefold() == "year":
            header_row = r
            break
    if header_row is None:
        raise DataError("no header row with 'Year' in column A in the first 40 rows", file=where,
                        column="A")
    # unit line above the header
    above = " ".join(_plain(ws.cell(r, 1).value) for r in range(1, header_row))
    if not re.search(r"metric tons.*rare[- ]earth[- ]oxide equivalent", above, re.IGNORECASE):
        raise DataError("expected the unit line '[All quantities in metric tons (t) rare-earth "
                        "oxide equivalent ...]' above the header", file=where, row=header_row)
    # header columns
    cols: dict[str, int] = {}
    labels: dict[str, str] = {}
    base_year = 1998
    for c in range(1, ws.max_column + 1):
        text = _clean(_split_rich(ws.cell(header_row, c).value)[0])
        for key, pattern in _DS140_HEADERS.items():
            m = re.fullmatch(pattern, text, re.IGNORECASE)
            if m and key not in cols:
                cols[key], labels[key] = c, text
                if key == "unit_value_real":
                    b = int(m.group("base"))
                    base_year = b if b > 99 else (1900 + b if b > 30 else 2000 + b)
    lacking = [k for k in _DS140_HEADERS if k not in cols]
    if lacking:
        wanted = ", ".join(repr(_DS140_HEADERS[k].replace("\\", "")) for k in lacking)
        raise DataError(f"header row lacks the column(s) {wanted}", file=where, row=header_row)

    # data block: consecutive year rows, then notes
    year_rows: list[tuple[int, int]] = []
    notes: list[str] = []
    r = header_row + 1
    while r <= ws.max_row:
        raw = ws.cell(r, cols["year"]).value
        y = _year(raw)
        if y is None:
            if raw is not None and isinstance(raw, (int, float)):
                raise DataError("expected a calendar year", file=where, row=r,
                                column=get_column_letter(cols["year"]), value=raw)
            break
        if year_rows and y <= year_rows[-1][1]:
            raise DataError(f"years must increase; {y} follows {year_rows[-1][1]}", file=where,
                            row=r, column=get_column_letter(cols["year"]), value=raw)
        year_rows.append((r, y))
        r += 1
    if not year_rows:
        raise DataError("no year rows below the header", file=where, row=header_row + 1,
                        column=get_column_letter(cols["year"]))
    for rr in range(r, ws.max_row + 1):
        if _year(ws.cell(rr, cols["year"]).value) is not None:
            raise DataError("a year row below the notes; expected the years in one block",
                            file=where, row=rr, column=get_column_letter(cols["year"]))
        text = _clean(_plain(ws.cell(rr, 1).value))
        if text and not re.match(r"^(NA|W)\s+\S", text) and not _FOOTNOTE.match(text):
            notes.append(text)
    general = _join(notes)

    production, salient, consumption, prices = [], [], [], []
    for r, year in year_rows:
        for key, c in cols.items():
            if key == "year":
                continue
            raw = ws.cell(r, c).value
            formula = wsf.cell(r, c).value
            formula = formula if isinstance(formula, str) and formula.startswith("=") else None
            if formula and raw is None:
                raise DataError(f"formula {formula} has no cached value; open and save the "
                                "workbook in a spreadsheet program to compute it", file=where,
                                row=r, column=get_column_letter(c))
            pv = _value(raw, where, r, c, labels[key])
            note = _join([general, f"computed in the workbook as {formula}" if formula else ""])
            prov = _prov(DS140_SOURCE, DS140_EDITION, name, r)
            common = {"value": pv.value, "missing": pv.missing, "qualifier": pv.qualifier,
                      "estimated": pv.estimated}
            if key == "world":
                production.append({
                    "commodity": COMMODITY, "stage": "mine", "measure": "production",
                    "product": REO_PRODUCT, "country": "WLD", "country_kind": "aggregate",
                    "country_raw": labels[key], "country_detail": "", "year": year,
                    "quantity_t": pv.value, "unit": "t", "basis": "REO", "notes": note,
                    **common, **prov})
                continue
            if key.startswith("unit_value"):
                unit = "USD/t" if key == "unit_value" else f"USD{base_year}/t"
                product = ("unit value" if key == "unit_value"
                           else f"unit value (constant {base_year} dollars)")
                prices.append({
                    "commodity": COMMODITY, "product": product, "year": year, "price": pv.value,
                    "unit": unit, "missing": pv.missing, "qualifier": pv.qualifier,
                    "estimated": pv.estimated, "notes": note, **prov})
                qty = math.nan
            else:
                unit, qty = "t", pv.value
            if key == "consumption":
                consumption.append({
                    "commodity": COMMODITY, "country": "USA", "year": year, "quantity_t": pv.value,
                    "basis": "REO", "method": "apparent", "missing": pv.missing,
                    "estimated": pv.estimated, **prov})
            salient.append({
                "commodity": COMMODITY, "country": "USA", "year": year,
                "statistic": _DS140_SALIENT[key], "detail": labels[key], "quantity_t": qty,
                "unit": unit, "notes": note, **common, **prov})
    return {
        "production": _frame(production, "production", name),
        "salient": _frame(salient, "salient", name),
        "consumption": _frame(consumption, "consumption", name),
        "prices": _frame(prices, "prices", name),
    }


# ---------------------------------------------------------------------------------------------
# Minerals Yearbook advance tables


@dataclass
class _Grid:
    """Layout of one yearbook table: header row, year columns, data block and footnotes."""

    ws: Any
    where: str
    header_row: int
    years: list[tuple[int, int]]  # (column, year)
    first: int
    last: int  # last row of the data block (inclusive)
    footnotes: dict[str, str]

    def marker_col(self, c: int) -> int | None:
        nxt = [yc for yc, _ in self.years if yc > c]
        m = c + 1
        return m if (not nxt or m < nxt[0]) else None

    def cell_marks(self, r: int, c: int) -> _Marks:
        mc = self.marker_col(c)
        return _Marks() if mc is None else _marks(self.ws.cell(r, mc).value, self.where, r, mc)

    def notes(self, marks: _Marks, r: int, c: int, table: str) -> str | None:
        parts = [f"table {table}"]
        if marks.revised:
            parts.append("revised")
        for fn in marks.footnotes:
            if fn not in self.footnotes:
                raise DataError(f"footnote {fn} is referenced but not defined below the table",
                                file=self.where, row=r, column=get_column_letter(c))
            parts.append(self.footnotes[fn])
        return _join(parts)


def _grid(ws, name: str) -> _Grid:
    where = f"{name} [{ws.title}]"
    header_row, years = None, []
    for r in range(1, min(ws.max_row, 20) + 1):
        found = [(c, _year(ws.cell(r, c).value)) for c in range(2, ws.max_column + 1)]
        found = [(c, y) for c, y in found if y is not None]
        if len(found) >= 2:
            header_row, years = r, found
            break
    if header_row is None:
        raise DataError("no header row with the years in the first 20 rows", file=where)
    ys = [y for _, y in years]
    if len(set(ys)) != len(ys):
        raise DataError(f"the header repeats a year: {ys}", file=where, row=header_row)
    last = header_row
    end = ws.max_row + 1
    for r in range(header_row + 1, ws.max_row + 1):
        if _NOTE_START.match(_plain(ws.cell(r, 1).value)):
            end = r
            break
        if any(ws.cell(r, c).value is not None for c in range(1, ws.max_column + 1)):
            last = r
    footnotes: dict[str, str] = {}
    for r in range(end, ws.max_row + 1):
        for c, _ in years:
            if isinstance(ws.cell(r, c).value, (int, float)):
                raise DataError("a value below the table's notes; expected the data in one block",
                                file=where, row=r, column=get_column_letter(c),
                                value=ws.cell(r, c).value)
        m = _FOOTNOTE.match(_plain(ws.cell(r, 1).value))
        if m:
            footnotes[str(int(m.group(1)))] = _clean(m.group(2))
    return _Grid(ws, where, header_row, years, header_row + 1, last, footnotes)


def _unit_line(ws, grid: _Grid) -> str:
    """The "(Metric tons, ...)" / "(Dollars per kilogram)" line above the header, lower-cased."""
    for r in range(1, grid.header_row):
        text = _clean(_plain(ws.cell(r, 1).value))
        if re.fullmatch(r"\(.+\)", text):
            return text[1:-1].strip().casefold()
    raise DataError("expected a unit line such as '(Metric tons, rare-earth oxide equivalent)' "
                    "above the header", file=grid.where, row=grid.header_row)


def _basis(text: str) -> str | None:
    if re.search(r"rare[- ]earth[- ]oxide(?: \(REO\))? equivalent|\bREO\b", text, re.IGNORECASE):
        return "REO"
    if re.search(r"gross weight|concentrate", text, re.IGNORECASE):
        return "gross"
    if re.search(r"content", text, re.IGNORECASE):
        return "contained"
    return None


def read_myb2022(path: str | Path, *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Read the USGS Minerals Yearbook 2022 rare-earths advance tables (T1, T3, T8).

    Parameters
    ----------
    path : str or Path
        ``myb2022_rare_earths_advance_tables.xlsx``.
    strict : bool
        Raise :class:`~critmin.errors.ConsistencyError` instead of warning when T8's country rows
        do not add up to its total within :data:`TOTAL_TOLERANCE`.

    Returns
    -------
    dict of str to DataFrame
        ``production`` (T8 mine production by country 2018–2022 [t REO]; ``Total`` -> ``WLD``),
        ``prices`` (T3 oxide prices 2021–2022 [USD/kg] and T1's monazite and mischmetal prices
        [USD/kg]) and ``salient`` (T1 U.S. statistics 2018–2022 [t REO, USD/kg]).

    Raises
    ------
    DataError
        When a sheet, header or unit line is missing, a cell holds an unexpected value, or a
        country is unknown; the error names the workbook and sheet, the sheet row and the column.

    See Also
    --------
    parse_myb2022 : the same from a buffer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_myb2022(p.read_bytes(), name=p.name, strict=strict)


def parse_myb2022(buf: bytes | io.IOBase, name: str = "myb2022.xlsx", *,
                  strict: bool = False) -> dict[str, pd.DataFrame]:
    """Parse the Minerals Yearbook 2022 rare-earths tables from a buffer (see :func:`read_myb2022`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name recorded in the ``file`` column and in errors.
    strict : bool
        See :func:`read_myb2022`.
    """
    wb = _load(_read_bytes(buf, name), name, data_only=True)
    production = _myb_t8(_sheet(wb, "T8", name), name, strict)
    prices = _myb_t3(_sheet(wb, "T3", name), name)
    salient, t1_prices = _myb_t1(_sheet(wb, "T1", name), name)
    return {
        "production": _frame(production, "production", name),
        "prices": _frame(prices + t1_prices, "prices", name),
        "salient": _frame(salient, "salient", name),
    }


def _myb_t8(ws, name: str, strict: bool) -> list[dict[str, Any]]:
    g = _grid(ws, name)
    head = _clean(_split_rich(ws.cell(g.header_row, 1).value)[0])
    if not head.casefold().startswith("country"):
        raise DataError("expected the header 'Country or locality' in column A", file=g.where,
                        row=g.header_row, column="A", value=head or None)
    line = _unit_line(ws, g)
    unit_text = line.split(",")[0].strip()
    if unit_text not in _MASS_UNITS:
        raise DataError(f"unknown unit {unit_text!r} in the unit line; expected metric tons or "
                        "kilograms", file=g.where)
    unit, factor = _MASS_UNITS[unit_text]
    basis = _basis(line)
    if basis is None:
        raise DataError(f"the unit line '({line})' does not say what the tonnage counts "
                        "(rare-earth oxide equivalent, gross weight, content)", file=g.where)
    out: list[dict[str, Any]] = []
    for r in range(g.first, g.last + 1):
        raw_label = ws.cell(r, 1).value
        text, sup = _label(raw_label)
        has_values = any(ws.cell(r, c).value is not None for c, _ in g.years)
        if not text:
            if has_values:
                raise DataError("values without a country name", file=g.where, row=r, column="A")
            continue
        lab_marks = _marks(sup, g.where, r, 1)
        try:
            country = resolve("World total" if text.casefold() == "total" else text)
        except UnknownCountryError as err:
            raise DataError(f"unknown country or locality ({err})", file=g.where, row=r,
                            column="A", value=_plain(raw_label)) from err
        if country.estimated:
            lab_marks.estimated = True
        if country.footnote:
            lab_marks.footnotes.append(country.footnote)
        for c, year in g.years:
            pv = _value(ws.cell(r, c).value, g.where, r, c, f"{text} {year}")
            m = lab_marks | g.cell_marks(r, c)
            out.append({
                "commodity": COMMODITY, "stage": "mine", "measure": "production",
                "product": REO_PRODUCT, "country": country.code,
                "country_kind": country.kind, "country_raw": _plain(raw_label),
                "country_detail": country.detail, "year": year,
                "quantity_t": pv.value * factor, "value": pv.value, "unit": unit,
                "missing": pv.missing, "qualifier": pv.qualifier, "basis": basis,
                "estimated": m.estimated or pv.estimated, "notes": g.notes(m, r, c, ws.title),
                **_prov(MYB_SOURCE, MYB_EDITION, name, r)})
    _check_total(out, g.where, strict)
    return out


def _check_total(rows: list[dict[str, Any]], where: str, strict: bool) -> None:
    df = pd.DataFrame(rows)
    if df.empty or not (df["country"] == "WLD").any():
        return
    for year, d in df.groupby("year"):
        total = d.loc[d["country"] == "WLD", "quantity_t"].sum()
        parts = d.loc[d["country_kind"] != "aggregate", "quantity_t"].sum() + d.loc[
            d["country"] == "OTH", "quantity_t"].sum()
        if total > 0 and abs(parts - total) > TOTAL_TOLERANCE * total:
            msg = (f"{where}: the rows of {year} add up to {parts:,.0f} t but the total is "
                   f"{total:,.0f} t (more than {TOTAL_TOLERANCE:.0%} apart)")
            if strict:
                raise ConsistencyError(msg)
            warnings.warn(msg, stacklevel=4)


def _myb_t3(ws, name: str) -> list[dict[str, Any]]:
    g = _grid(ws, name)
    line = _unit_line(ws, g)
    if line not in _PRICE_UNITS:
        raise DataError(f"unknown price unit '({line})'; expected e.g. '(Dollars per kilogram)'",
                        file=g.where)
    unit = _PRICE_UNITS[line]
    purity_col = None
    for c in range(2, ws.max_column + 1):
        head = " ".join(_plain(ws.cell(r, c).value) for r in range(1, g.header_row + 1))
        if "purity" in head.casefold():
            purity_col = c
            break
    out: list[dict[str, Any]] = []
    for r in range(g.first, g.last + 1):
        raw_label = ws.cell(r, 1).value
        text, sup = _label(raw_label)
        if not text:
            if any(ws.cell(r, c).value is not None for c, _ in g.years):
                raise DataError("prices without a product name", file=g.where, row=r, column="A")
            continue
        lab_marks = _marks(sup, g.where, r, 1)
        product = f"{text[0].lower()}{text[1:]} oxide"
        if purity_col is not None:
            pur = _value(ws.cell(r, purity_col).value, g.where, r, purity_col, "purity [%]")
            if pur.ok:
                product += f" {pur.value:g}%"
        for c, year in g.years:
            pv = _value(ws.cell(r, c).value, g.where, r, c, f"{text} {year}")
            m = lab_marks | g.cell_marks(r, c)
            out.append({
                "commodity": COMMODITY, "product": product, "year": year, "price": pv.value,
                "unit": unit, "missing": pv.missing, "qualifier": pv.qualifier,
                "estimated": m.estimated or pv.estimated, "notes": g.notes(m, r, c, ws.title),
                **_prov(MYB_SOURCE, MYB_EDITION, name, r)})
    return out


def _statistic(top: str) -> tuple[str, str]:
    """(statistic, country) for a T1 top-level label."""
    t = top.casefold()
    if t.startswith("world"):
        return ("production" if "production" in t else "other"), "WLD"
    for word, stat in (("production", "production"), ("export", "exports"),
                       ("import", "imports"), ("price", "price"), ("consumption", "consumption"),
                       ("stock", "stocks"), ("employ", "employment"),
                       ("net import reliance", "nir")):
        if t.startswith(word) or (stat == "consumption" and "consumption" in t):
            return stat, "USA"
    return "other", "USA"


def _myb_t1(ws, name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    g = _grid(ws, name)
    unit_col = 2
    stack: list[tuple[int, str, _Marks]] = []  # (indent, label, marks) of open section headers
    last_unit: tuple[str, float | None] | None = None
    last_price_unit: str | None = None
    salient: list[dict[str, Any]] = []
    prices: list[dict[str, Any]] = []
    for r in range(g.first, g.last + 1):
        cell = ws.cell(r, 1)
        text, sup = _label(cell.value)
        has_values = any(ws.cell(r, c).value is not None for c, _ in g.years)
        if not text:
            if has_values:
                raise DataError("values without a label", file=g.where, row=r, column="A")
            continue
        indent = int(getattr(cell.alignment, "indent", 0) or 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        marks = _marks(sup, g.where, r, 1)
        if not has_values:
            stack.append((indent, text, marks))
            continue
        path = [s[1] for s in stack] + [text]
        statistic, country = _statistic(path[0])
        for s in stack:
            marks = s[2] | marks
        # unit column: text, "do." (ditto) or blank = same as above
        unit_raw = _clean(_plain(ws.cell(r, unit_col).value)).casefold()
        note_unit = ""
        if unit_raw and unit_raw not in _DITTO:
            if unit_raw in _MASS_UNITS:
                last_unit = _MASS_UNITS[unit_raw]
            elif unit_raw in _PRICE_UNITS:
                last_unit = (_PRICE_UNITS[unit_raw], None)
            else:
                raise DataError("unknown unit; expected metric tons, kilograms or dollars per "
                                "kilogram / metric ton / pound, 'do.' or blank", file=g.where,
                                row=r, column=get_column_letter(unit_col),
                                value=ws.cell(r, unit_col).value)
        if last_unit is None:
            raise DataError("no unit for this row or any row above", file=g.where, row=r,
                            column=get_column_letter(unit_col))
        unit, factor = last_unit
        if statistic == "price":
            if factor is not None:  # a mass unit on a price row: a misprint
                if last_price_unit is None:
                    raise DataError("a price row with a mass unit and no price row above",
                                    file=g.where, row=r, column=get_column_letter(unit_col),
                                    value=ws.cell(r, unit_col).value)
                note_unit = (f"the unit column reads {unit_raw!r}, not a price unit; taken as "
                             f"{last_price_unit} like the price row above")
                unit, factor = last_price_unit, None
            last_price_unit = unit
        detail = " ".join(path)
        for c, year in g.years:
            pv = _value(ws.cell(r, c).value, g.where, r, c, f"{detail} {year}")
            m = marks | g.cell_marks(r, c)
            note = _join([g.notes(m, r, c, ws.title) or "", note_unit])
            prov = _prov(MYB_SOURCE, MYB_EDITION, name, r)
            salient.append({
                "commodity": COMMODITY, "country": country, "year": year,
                "statistic": statistic, "detail": detail,
                "quantity_t": pv.value * factor if factor is not None else math.nan,
                "value": pv.value, "unit": unit, "missing": pv.missing,
                "qualifier": pv.qualifier, "estimated": m.estimated or pv.estimated,
                "notes": note, **prov})
            if statistic == "price":
                prices.append({
                    "commodity": COMMODITY, "product": f"{text[0].lower()}{text[1:]}",
                    "year": year, "price": pv.value, "unit": unit, "missing": pv.missing,
                    "qualifier": pv.qualifier, "estimated": m.estimated or pv.estimated,
                    "notes": note, **prov})
    return salient, prices
