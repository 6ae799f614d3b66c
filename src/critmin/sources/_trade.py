"""Helpers shared by the trade readers (:mod:`comtrade`, :mod:`usitc`, :mod:`oec`).

Text tables are split with :mod:`csv` so that every record keeps its 1-based line number (header =
line 1), numbers are parsed strictly (a stray token is an error naming file, row, column and value),
and the records become the canonical ``trade`` table through :func:`critmin.schema.conform` after a
duplicate-key check.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd

from critmin.errors import DataError
from critmin.schema import KEYS, conform, empty
from critmin.sources._io import as_text_buffer, csv_records

__all__ = ["MISSING", "text_of", "csv_rows", "require_columns", "number", "check_duplicates",
           "finish", "period_of"]

MISSING: dict[str, str] = {
    "not_reported": "the source gives no quantity (zero or blank weight beside a positive value, or "
    "no quantity unit)",
    "suppressed": "the source suppressed the figure to avoid disclosing individual company data",
    "other_unit": "the quantity is published in a unit that is not net weight (number, content "
    "weight, no unit collected)",
    "blank": "the cell is empty",
    "value_not_reported": "the source gives no trade value",
}
"""Missing reasons used in the ``missing`` column of ``trade`` rows (about ``quantity_kg`` unless
the note says value)."""

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def text_of(buf: str | bytes | io.IOBase, name: str) -> str:
    """Decoded text of a ``parse_*`` buffer (see :func:`critmin.sources._io.decode_bytes`: a
    byte-order mark decides, else UTF-8, then Windows-1252); NUL bytes (a binary file) raise
    :class:`DataError` naming the line."""
    return as_text_buffer(buf, name)


def csv_rows(text: str, name: str, *, sep: str = ",") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Split a delimited text into its header and ``(line number, cells)`` records.

    Blank lines are skipped (their numbers are kept for the lines after them); a record with more or
    fewer cells than the header, a bare CR inside a field, an over-long field or a quoted field the
    file ends inside raise :class:`DataError` naming its line (:func:`critmin.sources._io.csv_records`).
    """
    recs = csv_records(text, name, delimiter=sep)
    header: list[str] | None = None
    out: list[tuple[int, list[str]]] = []
    for line, rec in recs:
        if all(not c.strip() for c in rec):
            continue
        if header is None:
            header = [c.strip().lstrip("\ufeff") for c in rec]
            continue
        out.append((line, rec))
    if header is None:
        raise DataError("the file is empty; expected a header row and data rows", file=name)
    if not out:
        raise DataError("no data rows below the header", file=name, row=2)
    return header, out


def require_columns(header: list[str], required: tuple[str, ...], name: str, *, row: int = 1,
                    what: str = "") -> dict[str, int]:
    """Column positions of ``required`` (case-insensitive); a missing one raises :class:`DataError`."""
    low = [h.strip().casefold() for h in header]
    missing = [c for c in required if c.casefold() not in low]
    if missing:
        raise DataError(f"the header lacks the column(s) {missing}; expected {what or ', '.join(required)}",
                        file=name, row=row, column=missing[0])
    return {c: low.index(c.casefold()) for c in required}


def number(cell: object, *, file: str, row: int, column: str, blank_ok: bool = True,
           inf_ok: bool = False, negative_ok: bool = False) -> float:
    """Parse one numeric cell strictly.

    Parameters
    ----------
    cell : object
        The cell (str, number, None).
    file, row, column : str, int, str
        Named in the error.
    blank_ok : bool
        An empty cell gives NaN (else an error).
    inf_ok : bool
        ``inf`` (a ratio over a zero quantity) gives ``inf``.
    negative_ok : bool
        Negative numbers are allowed (net trade).

    Returns
    -------
    float
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        if blank_ok:
            return math.nan
        raise DataError("the cell is empty; expected a number", file=file, row=row, column=column)
    if isinstance(cell, bool):
        raise DataError("expected a number", file=file, row=row, column=column, value=cell)
    if isinstance(cell, (int, float)):
        val = float(cell)
    else:
        text = str(cell).strip()
        if text == "":
            if blank_ok:
                return math.nan
            raise DataError("the cell is empty; expected a number", file=file, row=row,
                            column=column)
        if inf_ok and text.casefold() in ("inf", "+inf", "infinity"):
            return math.inf
        if not _NUMBER.match(text):
            raise DataError("expected a number (digits, '.' decimal point, no thousands separator)",
                            file=file, row=row, column=column, value=cell)
        val = float(text)
    if math.isinf(val) and not inf_ok:
        raise DataError("expected a finite number", file=file, row=row, column=column, value=cell)
    if val < 0 and not negative_ok:
        raise DataError("expected a number >= 0", file=file, row=row, column=column, value=cell)
    return val


def period_of(text: object, freq: str, *, file: str, row: int, column: str) -> str:
    """The canonical period ``YYYY-MM-01`` (freq M) or ``YYYY-01-01`` (freq A) of a source's period
    cell: ``2020``, ``202008``, ``2020-08``, ``2020-08-01``."""
    t = str(text).strip()
    if t.endswith(".0"):
        t = t[:-2]
    m = re.fullmatch(r"(\d{4})(?:-?(\d{2})(?:-(\d{2}))?)?(?: 00:00:00)?", t)
    if m is None:
        raise DataError("expected a period YYYY, YYYYMM or YYYY-MM-01", file=file, row=row,
                        column=column, value=text)
    year, month, day = m.group(1), m.group(2), m.group(3)
    if freq == "A":
        if month not in (None, "01") or day not in (None, "01"):
            raise DataError("expected a year for annual data", file=file, row=row, column=column,
                            value=text)
        return f"{year}-01-01"
    if month is None or not 1 <= int(month) <= 12 or day not in (None, "01"):
        raise DataError("expected a month (YYYYMM or YYYY-MM-01) for monthly data", file=file,
                        row=row, column=column, value=text)
    return f"{year}-{month}-01"


def check_duplicates(df: pd.DataFrame, file: str, column: str | None = None) -> None:
    """Refuse two rows of one file giving the same trade value (the table's key)."""
    key = list(KEYS["trade"])
    dup = df.duplicated(subset=key, keep=False)
    if not dup.any():
        return
    d = df.loc[dup].sort_values([*key, "row"])
    first = d.iloc[0]
    same = d[(d[key] == first[key]).all(axis=1)]
    rows = ", ".join(str(r) for r in same["row"].tolist()[:5])
    desc = ", ".join(f"{k}={first[k]!r}" for k in key)
    raise DataError(f"rows {rows} give the same trade value ({desc}); expected each value once",
                    file=file, row=int(same["row"].iloc[1]), column=column)


def finish(records: list[dict], file: str, *, dup_column: str | None = None) -> pd.DataFrame:
    """Records -> the canonical ``trade`` table (duplicate check, schema check, column order)."""
    if not records:
        return empty("trade")
    df = pd.DataFrame.from_records(records)
    check_duplicates(df, file, dup_column)
    return conform(df, "trade", file=file)
