"""Worldwide Governance Indicators (World Bank, Kaufmann & Kraay), 2024 update: years 1996–2023.

:func:`read_wgi` reads the XLSX (full precision, the default); :func:`read_wgi_csv` reads the CSV
export, whose values are rounded to two decimals. Both return the ``governance`` table (see
:mod:`critmin.schema`): one row per country, year and indicator with the estimate, its standard
error, the number of sources and the percentile rank. Source id ``wgi``, edition ``WGI2024``.

Notes
-----
* Long format, one sheet (``Sheet1``), header in row 1: ``codeindyr, code, countryname, year,
  indicator, estimate, stddev, nsource, pctrank, pctranklower, pctrankupper``; 214 economies x 6
  indicators (``va`` voice and accountability, ``pv`` political stability and absence of
  violence/terrorism, ``ge`` government effectiveness, ``rq`` regulatory quality, ``rl`` rule of
  law, ``cc`` control of corruption) x 25 years (1996, 1998, 2000, 2002–2023) = 32,100 rows. The
  sheet is found by its header, not its name.
* Missing values are ``..`` (1,126 rows of each value column, e.g. Niue, Cook Islands, Netherlands
  Antilles after 2010) -> NaN; any other text in a value column raises
  :class:`~critmin.errors.DataError` naming file, row and column.
* The XLSX stores the estimates as binary floats that came from single precision
  (``-1.291704773902893``); they are kept as published. The CSV holds the same numbers rounded to 2
  decimals (``-1.29``): fine for display, not for recomputing published indices.
* Codes are WGI codes, not all ISO 3166: ``ADO`` Andorra, ``ZAR`` DR Congo, ``ROM`` Romania,
  ``TMP`` Timor-Leste, ``WBG`` West Bank and Gaza, ``KSV`` Kosovo (-> ``XKX``, the user-assigned
  code the World Bank and the EU use), ``ANT`` Netherlands Antilles (former; the withdrawn ISO
  code is kept). Each code is resolved with :func:`critmin.countries.resolve` (the alias table
  knows the WGI codes), and only when that fails by the country name; a row neither resolves raises
  :class:`~critmin.errors.DataError`. ``country_raw`` keeps ``"CODE: name"`` as published.
* ``codeindyr`` (code + indicator + year) is redundant and not kept; ``pctranklower`` and
  ``pctrankupper`` (the 90 % interval of the rank) are not in the canonical table.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.schema import conform
from critmin.sources._io import (
    as_text_buffer,
    check_size,
    csv_records,
    open_workbook,
    workbook_errors,
)
from critmin.sources.editions import edition_date

__all__ = ["read_wgi", "parse_wgi", "read_wgi_csv", "parse_wgi_csv", "INDICATORS", "SOURCE",
           "EDITION"]

SOURCE, EDITION = "wgi", "WGI2024"

INDICATORS: dict[str, str] = {
    "va": "Voice and Accountability",
    "pv": "Political Stability and Absence of Violence/Terrorism",
    "ge": "Government Effectiveness",
    "rq": "Regulatory Quality",
    "rl": "Rule of Law",
    "cc": "Control of Corruption",
}
"""WGI indicator code -> name."""

_REQUIRED = ("code", "countryname", "year", "indicator", "estimate", "stddev", "nsource", "pctrank")
_VALUES = {"estimate": "float", "stddev": "float", "nsource": "int", "pctrank": "float"}
_MISSING = ".."


def read_wgi(path: str | Path) -> pd.DataFrame:
    """Read the WGI XLSX (full precision).

    Parameters
    ----------
    path : str or Path
        ``wgidataset_2024update_1996-2023.xlsx`` (long format).

    Returns
    -------
    DataFrame
        Table ``governance``: country [ISO3], year, indicator (va, pv, ge, rq, rl, cc), estimate
        [1, about -2.5..+2.5, higher is better governance], stddev [1], nsource, pctrank [%],
        country_raw and provenance (``row`` is the sheet row).

    Raises
    ------
    DataError
        When no sheet has the WGI header, a column is missing, a value cell holds text other than
        ``..``, an indicator is unknown, a code resolves to no country, or two rows give the same
        country, year and indicator; the error names the workbook and sheet, row and column.

    See Also
    --------
    read_wgi_csv : the rounded CSV export.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_wgi(p.read_bytes(), name=p.name)


def parse_wgi(buf: bytes | io.IOBase, name: str = "wgidataset.xlsx") -> pd.DataFrame:
    """Parse the WGI XLSX from a buffer (see :func:`read_wgi`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name recorded in the ``file`` column and in errors.
    """
    wb = open_workbook(buf, name)
    try:
        with workbook_errors(name, ".xlsx workbook"):
            for ws in wb.worksheets:
                rows = ws.iter_rows(values_only=True)
                header = next(rows, None)
                if header is None:
                    continue
                cols = [str(h).strip().casefold() if h is not None else "" for h in header]
                if "code" not in cols or "indicator" not in cols:
                    continue
                where = f"{name} [{ws.title}]"
                lacking = [c for c in _REQUIRED if c not in cols]
                if lacking:
                    raise DataError(f"the header lacks the column(s) {lacking}; expected "
                                    f"{', '.join(_REQUIRED)}", file=where, row=1)
                idx = {c: cols.index(c) for c in _REQUIRED}
                records = [tuple(r[idx[c]] if idx[c] < len(r) else None for c in _REQUIRED)
                           for r in rows]
                # trailing empty rows of the sheet
                while records and all(v is None for v in records[-1]):
                    records.pop()
                raw = pd.DataFrame.from_records(records, columns=list(_REQUIRED))
                letters = {c: get_column_letter(idx[c] + 1) for c in _REQUIRED}
                return _tidy(raw, np.arange(2, len(raw) + 2), where, name, letters)
    finally:
        wb.close()
    raise DataError(f"no sheet whose first row is the WGI header ({', '.join(_REQUIRED)}); "
                    f"sheets: {wb.sheetnames}", file=name)


def read_wgi_csv(path: str | Path) -> pd.DataFrame:
    """Read the WGI CSV export (values rounded to 2 decimals; prefer :func:`read_wgi`).

    Parameters
    ----------
    path : str or Path
        ``wgidataset_2024update_1996-2023.csv``.

    Returns
    -------
    DataFrame
        Table ``governance`` as :func:`read_wgi`, with estimates rounded to 0.01 [1] and ``row`` the
        1-based line number (header = line 1).

    Raises
    ------
    DataError
        As :func:`read_wgi`, naming the line and the column header.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    check_size(p, 64, "a WGI CSV file")  # the real one is 4.9 MB
    return parse_wgi_csv(p.read_bytes(), name=p.name)


def parse_wgi_csv(buf: str | bytes | io.IOBase, name: str = "wgidataset.csv") -> pd.DataFrame:
    """Parse the WGI CSV from a buffer (see :func:`read_wgi_csv`).

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text.
    name : str
        The file name recorded in the ``file`` column and in errors.
    """
    text = as_text_buffer(buf, name)
    recs = csv_records(text, name)
    if len(recs) < 2:
        raise DataError("no data rows below the header", file=name, row=2)
    raw = pd.DataFrame([r for _ln, r in recs[1:]], columns=recs[0][1], dtype=object)
    lines = np.array([ln for ln, _r in recs[1:]])
    raw.columns = [str(c).strip().casefold() for c in raw.columns]
    lacking = [c for c in _REQUIRED if c not in raw.columns]
    if lacking:
        raise DataError(f"the header lacks the column(s) {lacking}; expected "
                        f"{', '.join(_REQUIRED)}", file=name, row=1)
    raw = raw.loc[:, list(_REQUIRED)].replace({"": None})
    return _tidy(raw, lines, name, name, {c: c for c in _REQUIRED})


@lru_cache(maxsize=1024)
def _country(code: str, cname: str) -> tuple[str, str] | None:
    """ISO3 of a WGI code (then name), with the kind; None when neither resolves."""
    for text in (code, cname):
        if not text:
            continue
        try:
            c = resolve(text)
        except UnknownCountryError:
            continue
        return c.code, c.kind
    return None


def _numbers(col: pd.Series, kind: str, where: str, rows: np.ndarray, label: str) -> pd.Series:
    """Convert a value column: numbers kept, ``..`` and blanks -> NaN, anything else an error."""
    s = col.where(col.astype(str).str.strip() != _MISSING, None)
    num = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & num.isna()
    isbool = s.map(lambda v: isinstance(v, bool))
    bad |= isbool | (num.notna() & ~np.isfinite(num.astype("float64")))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError("expected a number or '..' (missing)", file=where, row=int(rows[i]),
                        column=label, value=col.iloc[i])
    if kind == "int":
        frac = num.notna() & ((num % 1 != 0) | (num.abs() >= 2**53))
        if frac.any():
            i = int(np.flatnonzero(frac.to_numpy())[0])
            raise DataError("expected a whole number", file=where, row=int(rows[i]), column=label,
                            value=col.iloc[i])
    return num.astype("float64")


def _tidy(raw: pd.DataFrame, rows: np.ndarray, where: str, file: str,
          labels: dict[str, str]) -> pd.DataFrame:
    if raw.empty:
        raise DataError("no data rows below the header", file=where, row=2)
    # year
    year = pd.to_numeric(raw["year"], errors="coerce")
    bad = year.isna() | (year % 1 != 0) | ~year.between(1900, 2100)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError("expected a year", file=where, row=int(rows[i]), column=labels["year"],
                        value=raw["year"].iloc[i])
    # indicator
    ind = raw["indicator"].astype(str).str.strip().str.casefold()
    bad = ~ind.isin(list(INDICATORS))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"unknown indicator; expected one of {', '.join(INDICATORS)}", file=where,
                        row=int(rows[i]), column=labels["indicator"],
                        value=raw["indicator"].iloc[i])
    values = {c: _numbers(raw[c], k, where, rows, labels[c]) for c, k in _VALUES.items()}
    # countries: one resolution per (code, name) pair
    code = raw["code"].fillna("").astype(str).str.strip()
    cname = raw["countryname"].fillna("").astype(str).str.strip()
    pairs = pd.MultiIndex.from_arrays([code, cname]).unique()
    mapping: dict[tuple[str, str], str] = {}
    for c, n in pairs:
        hit = _country(c, n)
        if hit is None or hit[1] != "country":
            i = int(np.flatnonzero(((code == c) & (cname == n)).to_numpy())[0])
            why = ("neither the code nor the name is a known country" if hit is None
                   else f"it resolves to {hit[0]}, not a country")
            raise DataError(f"cannot map WGI economy {c!r} ({n}) to ISO3: {why}; add an alias to "
                            "critmin/data/country_aliases.csv", file=where, row=int(rows[i]),
                            column=labels["code"], value=c)
        mapping[(c, n)] = hit[0]
    iso = [mapping[(c, n)] for c, n in zip(code, cname, strict=True)]
    out = pd.DataFrame({
        "country": iso,
        "year": year.astype("int64"),
        "indicator": ind,
        "estimate": values["estimate"],
        "stddev": values["stddev"],
        "nsource": values["nsource"],
        "pctrank": values["pctrank"],
        "country_raw": (code + ": " + cname).to_numpy(),
        "source": SOURCE,
        "edition": EDITION,
        "edition_date": edition_date(EDITION),
        "file": file,
        "row": rows,
    })
    dup = out.duplicated(["country", "year", "indicator"], keep=False)
    if dup.any():
        d = out[dup].sort_values(["country", "year", "indicator", "row"])
        first = d.iloc[0]
        same = d[(d["country"] == first["country"]) & (d["year"] == first["year"])
                 & (d["indicator"] == first["indicator"])]
        raise DataError(f"rows {', '.join(str(r) for r in same['row'])} give the same country "
                        f"({', '.join(same['country_raw'])} -> {first['country']}), year "
                        f"{first['year']} and indicator {first['indicator']}", file=where,
                        row=int(same["row"].iloc[1]), column=labels["code"])
    return conform(out, "governance", file=file)
