"""USGS *Minerals Yearbook 2022, rare earths, advance data release* (tables T1, T3, T8).

:func:`read_myb2022` reads the workbook (posted 2025-03-19): table T8 world mine production by
country 2018–2022 -> ``production``; table T3 average rare-earth oxide prices 2021–2022 -> ``prices``;
table T1 U.S. salient statistics 2018–2022 -> ``salient`` (its two price rows also -> ``prices``).
:func:`parse_myb2022` takes a buffer instead of a path. Source id ``usgs-myb``, edition ``MYB2022``;
``file`` is the workbook's file name, ``row`` the sheet row.

Notes
-----
Quirks of the source handled on purpose (each has a test), sheets ``Note``, ``T1`` … ``T8``:

* Footnote markers are superscript runs in rich-text cells ("China" + superscript "3", "India" +
  superscript "e, 4"), split off the text; without rich text ("Indiae, 4") trailing footnote numbers
  and a glued ``e`` are stripped (see :mod:`._workbook`).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import ConsistencyError, DataError
from critmin.sources.usgs_history._workbook import (
    _FOOTNOTE,
    COMMODITY,
    REO_PRODUCT,
    _clean,
    _frame,
    _join,
    _label,
    _load,
    _Marks,
    _marks,
    _plain,
    _prov,
    _read_bytes,
    _sheet,
    _split_rich,
    _value,
    _year,
)

__all__ = ["read_myb2022", "parse_myb2022", "MYB_SOURCE", "MYB_EDITION", "TOTAL_TOLERANCE"]

MYB_SOURCE, MYB_EDITION = "usgs-myb", "MYB2022"

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
