"""USGS Data Series 140, *Rare earths statistics* (1900–2020): world production and U.S. series.

:func:`read_ds140` reads the workbook (last modified 2023-09-27, data through 2020): world production
1900–2020 -> ``production`` (``WLD``, stage ``mine``); the U.S. series (production, imports, exports,
apparent consumption, unit value in current and constant 1998 dollars) -> ``salient`` (country
``USA``), apparent consumption also -> ``consumption`` (method ``apparent``), the two unit values also
-> ``prices``. :func:`parse_ds140` takes a buffer instead of a path. Source id ``usgs-ds140``,
edition ``DS140-2020``; ``file`` is the workbook's file name, ``row`` the sheet row.

Notes
-----
Quirks of the source handled on purpose (each has a test), sheet ``Rare earths``:

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
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from critmin.errors import DataError
from critmin.sources.usgs_history._workbook import (
    _FOOTNOTE,
    COMMODITY,
    REO_PRODUCT,
    _clean,
    _frame,
    _join,
    _load,
    _plain,
    _prov,
    _read_bytes,
    _sheet,
    _split_rich,
    _value,
    _year,
)

__all__ = ["read_ds140", "parse_ds140", "DS140_SOURCE", "DS140_EDITION", "DS140_SHEET"]

DS140_SOURCE, DS140_EDITION = "usgs-ds140", "DS140-2020"

DS140_SHEET = "Rare earths"
"""Sheet of the DS140 workbook that holds the statistics."""

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

