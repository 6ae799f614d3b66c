"""USITC DataWeb: U.S. imports for consumption and domestic exports by partner and HTS heading.

:func:`read_usitc` / :func:`parse_usitc` read a DataWeb XLSX export ("Data Format 1": one sheet per
measure, countries and HTS numbers in rows, years in columns) into the canonical ``trade`` table
(:mod:`critmin.schema`): reporter ``USA``, the partner country, flow ``import`` (imports for
consumption, customs value) or ``export`` (domestic exports, FAS value), the 4-digit HTS heading, annual
periods, quantity_kg [kg] and value_usd [USD]. Source id ``usitc``; the edition is the download date
(``USITC-DATAWEB-2026-07-10`` for the bundled files, docs/data.md §5a).

Notes
-----
* **Sheets.** ``Query Parameters`` (download date, trade flow, country and commodity lists), the value
  sheet (``Customs Value`` for imports, ``FAS Value`` for exports), ``First Unit of Quantity``,
  ``Second Unit of Quantity`` and a ``... YTD`` twin of each. Each data sheet has a title row, a
  ``Data Row Count`` row, the header (``Data Type, Country, HTS Number, Description, Quantity
  Description, 1993, ..., 2026[, 1993_Suppressed, ...]``), the data rows and, on value sheets, a
  ``Total:`` row with text numbers (``"1,052,836,705"``; not read). The row count is checked.
  The workbooks declare wrong sheet dimensions (A1:A1): they are reset before reading.
* **Incomplete years.** The query asks for "Full Years" 1993–2026 but was downloaded on 2026-07-10: the
  2026 column of the annual sheets is all zeros. Years from the download year on are not full years and
  are not read. The ``YTD`` sheets (January–April of every year, including 2026) are not read either:
  a year-to-date figure is neither a month nor a year, and must never pass for a full year.
* **Quantity units.** Values and quantities are split by the unit the quantity is collected in: one
  row per (country, HTS4, unit) — ``kilograms``, ``metric tons``, ``grams``, ``number``, ``no units
  collected``, ``component kilograms``, ``component tons``, ``gold content grams``... The value sheet
  labels them ``Value for: <unit>``. critmin sums the value over the unit rows of a (country, HTS4,
  year); the quantity is the sum of the net-weight rows (kilograms, metric tons x 1,000, grams x
  0.001) when every row carrying value that year is in net weight, else NaN with
  ``missing="other_unit"`` (8505 magnets are counted by number; content weights are not net weight).
  ``notes`` names the value sheet rows summed and their units.
* **Suppression.** ``<year>_Suppressed`` columns of the quantity sheets are non-zero where Census
  suppressed quantity detail (the figure is then 0 or partial beside a full value, e.g. Australia
  2825 imports 1997: 37,026 kg for USD 4.6 million): the quantity is NaN with
  ``missing="suppressed"`` and the flag in ``notes``. Values are never suppressed.
* **Zeros are zeros.** DataWeb writes 0 for no trade; a partner and heading with zero value and zero
  quantity in a year is kept as a zero row. A positive value with zero net weight (not suppressed) is a
  missing quantity (``missing="not_reported"``).
* **Coverage.** The bundled query covers 18 partner countries (AUS, BRA, CAN, CHL, CHN, COD, EST,
  FRA, DEU, HKG, IND, JPN, MYS, MMR, RUS, ZAF, KOR, VNM) and 25 headings; it has **no World total**, so
  shares computed from it are shares of these partners only.
* Country names are DataWeb's ("Democratic Republic of the Congo", "Myanmar (Burma)", "South Korea")
  and resolved with :func:`critmin.countries.resolve` (aliases in ``country_aliases.csv``).
* ``row`` is the sheet row of the (first) value-sheet row; ``file`` the workbook name.
* Second units (contained metal of ores and ferroalloys) are not read.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
from pathlib import Path

import openpyxl
import pandas as pd

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.sources._io import open_workbook, workbook_errors
from critmin.sources._trade import finish, number

__all__ = ["SOURCE", "FLOWS", "MASS_UNITS", "read_usitc", "parse_usitc"]

SOURCE = "usitc"
"""Source id written to the ``source`` column."""

FLOWS: dict[str, tuple[str, str]] = {
    "imports for consumption": ("import", "customs"),
    "general imports": ("import", "customs"),
    "domestic exports": ("export", "fas"),
    "total exports": ("export", "fas"),
}
"""DataWeb trade flow -> (critmin flow, value basis)."""

MASS_UNITS: dict[str, float] = {"kilograms": 1.0, "metric tons": 1000.0, "grams": 0.001}
"""DataWeb quantity units that are net weight -> kg per unit."""

_HEAD = ("Data Type", "Country", "HTS Number", "Description", "Quantity Description")


def read_usitc(path: str | Path) -> pd.DataFrame:
    """Read a USITC DataWeb XLSX export (annual, by country and HTS4).

    Parameters
    ----------
    path : str or Path
        ``us_imports_for_consumption_1993-2026.xlsx`` or ``us_domestic_exports_1993-2026.xlsx``.

    Returns
    -------
    DataFrame
        Table ``trade``: reporter ``USA``, partner [ISO3], flow, hs_code [HTS4], period
        ``YYYY-01-01``, freq ``A``, quantity_kg [kg] (NaN when suppressed or not in net weight),
        value_usd [USD] (customs value of imports, FAS value of exports).

    Raises
    ------
    DataError
        When the workbook is unreadable, a sheet or column is missing, a cell holds text where a
        number is expected, a country is unknown, a row count disagrees, or a (country, HTS, unit)
        row repeats; naming workbook and sheet, row and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_usitc(p.read_bytes(), p.name)


def parse_usitc(buf: bytes | io.IOBase, name: str = "dataweb.xlsx") -> pd.DataFrame:
    """Parse a USITC DataWeb XLSX export from a buffer (see :func:`read_usitc`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name recorded in ``file`` and named in errors.
    """
    wb = open_workbook(buf, name)
    try:
        with workbook_errors(name, ".xlsx workbook"):
            day, flow_text = _query(wb, name)
            flow, basis = FLOWS[flow_text.casefold()]
            value_sheet = next((ws for ws in wb.worksheets if ws.title.strip().endswith("Value")
                                and "ytd" not in ws.title.casefold()), None)
            qty_sheet = next((ws for ws in wb.worksheets
                              if ws.title.strip().casefold() == "first unit of quantity"), None)
            if value_sheet is None or qty_sheet is None:
                raise DataError("expected a value sheet ('Customs Value' or 'FAS Value') and a 'First Unit "
                                f"of Quantity' sheet; sheets: {wb.sheetnames}", file=name)
            values = _sheet(value_sheet, name, value=True)
            qtys = _sheet(qty_sheet, name, value=False)
    finally:
        wb.close()
    last_year = int(day[:4])  # the download year and later are incomplete
    edition = f"USITC-DATAWEB-{day}"
    return _combine(values, qtys, name, flow, basis, last_year, edition, day)


def _query(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    """(download date ISO, trade flow text) from the Query Parameters sheet."""
    if "Query Parameters" not in wb.sheetnames:
        raise DataError(f"no 'Query Parameters' sheet (download date, trade flow); sheets: "
                        f"{wb.sheetnames}", file=name)
    ws = wb["Query Parameters"]
    ws.reset_dimensions()
    params: dict[str, tuple[object, int]] = {}
    for i, rec in enumerate(ws.iter_rows(values_only=True), start=1):
        if rec and rec[0] is not None:
            params.setdefault(str(rec[0]).strip(), (rec[1] if len(rec) > 1 else None, i))
    where = f"{name} [Query Parameters]"
    if "Download Date" not in params:
        raise DataError("no 'Download Date' row; expected it in column A", file=where)
    when, row = params["Download Date"]
    if isinstance(when, _dt.datetime):
        day = when.date().isoformat()
    else:
        m = re.search(r"(\d{4}-\d{2}-\d{2})", str(when))
        if not m:
            raise DataError("expected a date", file=where, row=row, column="B", value=when)
        day = m.group(1)
    flow, row = params.get("Trade Flow", (None, None))
    if flow is None or str(flow).strip().casefold() not in FLOWS:
        raise DataError(f"unknown trade flow; expected one of {sorted(FLOWS)}", file=where, row=row,
                        column="B", value=flow)
    return day, str(flow).strip()


def _sheet(ws, name: str, *, value: bool) -> pd.DataFrame:
    """Rows of one data sheet: country, hts, unit, sheet row, {year: number}, {year: suppressed}."""
    where = f"{name} [{ws.title}]"
    ws.reset_dimensions()
    rows = list(ws.iter_rows(values_only=True))
    head_i = next((i for i, r in enumerate(rows) if r and r[0] is not None
                   and str(r[0]).strip() == "Data Type"), None)
    if head_i is None:
        raise DataError("no header row starting with 'Data Type'", file=where)
    header = ["" if h is None else str(h).strip() for h in rows[head_i]]
    lacking = [c for c in _HEAD if c not in header]
    if lacking:
        raise DataError(f"the header lacks the column(s) {lacking}; expected {', '.join(_HEAD)}, "
                        "then years", file=where, row=head_i + 1, column=lacking[0])
    idx = {c: header.index(c) for c in _HEAD}
    years = {int(h): j for j, h in enumerate(header) if re.fullmatch(r"\d{4}", h)}
    supp = {int(h[:4]): j for j, h in enumerate(header) if re.fullmatch(r"\d{4}_Suppressed", h)}
    if not years:
        raise DataError("no year columns (1993, 1994, ...) in the header", file=where,
                        row=head_i + 1)
    count = next((r[1] for r in rows[:head_i] if r and str(r[0]).strip() == "Data Row Count"), None)
    out = []
    for i in range(head_i + 1, len(rows)):
        r = rows[i]
        sheet_row = i + 1
        if r is None or all(v is None or str(v).strip() == "" for v in r):
            continue
        first = "" if r[0] is None else str(r[0]).strip()
        if first.startswith("Total"):
            break
        country = "" if r[idx["Country"]] is None else str(r[idx["Country"]]).strip()
        hts = "" if r[idx["HTS Number"]] is None else str(r[idx["HTS Number"]]).strip()
        unit = "" if r[idx["Quantity Description"]] is None else \
            str(r[idx["Quantity Description"]]).strip()
        if not country:
            raise DataError("the country is empty", file=where, row=sheet_row, column="Country")
        if not re.fullmatch(r"\d{2,10}", hts):
            raise DataError("expected an HTS number of digits", file=where, row=sheet_row,
                            column="HTS Number", value=r[idx["HTS Number"]])
        if value:
            if not unit.startswith("Value for:"):
                raise DataError("expected 'Value for: <unit>'", file=where, row=sheet_row,
                                column="Quantity Description", value=unit)
            unit = unit[len("Value for:"):].strip()
        nums = {y: number(r[j] if j < len(r) else None, file=where, row=sheet_row, column=str(y),
                          blank_ok=False) for y, j in years.items()}
        flags = {y: number(r[j] if j < len(r) else None, file=where, row=sheet_row,
                           column=f"{y}_Suppressed") for y, j in supp.items()}
        out.append({"country": country, "hts": hts, "unit": unit, "row": sheet_row, "nums": nums,
                    "supp": flags})
    if not out:
        raise DataError("no data rows below the header", file=where, row=head_i + 2)
    if count is not None:
        try:
            expected = int(float(count))
        except (TypeError, ValueError):
            expected = None
        if expected is not None and expected != len(out):
            raise DataError(f"'Data Row Count' says {expected} rows but the sheet holds {len(out)}; "
                            "expected the complete export", file=where)
    df = pd.DataFrame(out)
    dup = df.duplicated(["country", "hts", "unit"], keep=False)
    if dup.any():
        d = df[dup].sort_values(["country", "hts", "unit", "row"])
        raise DataError(f"rows {', '.join(str(x) for x in d['row'].iloc[:2])} repeat country "
                        f"{d['country'].iloc[0]!r}, HTS {d['hts'].iloc[0]} and unit "
                        f"{d['unit'].iloc[0]!r}; expected each once", file=where,
                        row=int(d["row"].iloc[1]), column="Country")
    df.attrs["where"] = where
    return df


def _combine(values: pd.DataFrame, qtys: pd.DataFrame, name: str, flow: str, basis: str,
             last_year: int, edition: str, day: str) -> pd.DataFrame:
    vwhere = values.attrs["where"]
    qmap = {(r["country"], r["hts"], r["unit"]): r for r in qtys.to_dict("records")}
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in sorted(values.to_dict("records"), key=lambda x: x["row"]):
        groups.setdefault((r["country"], r["hts"]), []).append(r)
    countries: dict[str, str] = {}
    for (country, _hts), grp in groups.items():
        if country in countries:
            continue
        try:
            c = resolve(country)
        except UnknownCountryError:
            c = None
        if c is None or not c.is_country:
            raise DataError("unknown country; add an alias to critmin/data/country_aliases.csv",
                            file=vwhere, row=grp[0]["row"], column="Country", value=country)
        countries[country] = c.code
    records = []
    for (country, hts), grp in groups.items():
        years = sorted(y for y in grp[0]["nums"] if y < last_year)
        for year in years:
            total = 0.0
            kg = 0.0
            reasons: list[str] = []
            parts: list[str] = []
            for r in grp:
                v = r["nums"][year]
                total += v
                q = qmap.get((country, hts, r["unit"]))
                parts.append(f"{r['row']} ({r['unit']})")
                if v == 0 and (q is None or q["nums"].get(year, 0.0) == 0):
                    continue
                if q is None:
                    reasons.append("not_reported")
                    continue
                flag = q["supp"].get(year, 0.0)
                if flag and flag > 0:
                    reasons.append("suppressed")
                    parts[-1] += f" suppressed flag {flag:g}"
                    continue
                if r["unit"] not in MASS_UNITS:
                    reasons.append("other_unit")
                    continue
                qv = q["nums"].get(year, math.nan)
                if qv == 0 and v > 0:
                    reasons.append("not_reported")
                    continue
                kg += qv * MASS_UNITS[r["unit"]]
            missing = None
            quantity: float = kg
            if reasons:
                quantity = math.nan
                missing = ";".join(x for x in ("suppressed", "other_unit", "not_reported")
                                   if x in reasons)
            notes = (f"value = {', '.join(parts)} of the value sheet" if len(parts) > 1
                     else f"unit {parts[0].split('(', 1)[1].replace(')', '')}")
            if flow == "import":
                notes += "; imports for consumption"
            records.append({
                "reporter": "USA", "partner": countries[country], "partner_kind": "country",
                "partner_raw": country, "flow": flow, "hs_code": hts, "period": f"{year}-01-01",
                "freq": "A", "quantity_kg": quantity, "value_usd": total, "value_basis": basis,
                "missing": missing, "notes": notes, "source": SOURCE, "edition": edition,
                "edition_date": day, "file": name, "row": int(grp[0]["row"]),
            })
    return finish(records, name, dup_column="Country")
