"""Text of the MCS CSV files: decoding, CSV records with their line numbers, blank rows and cells.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Encodings.** MCS 2022-2024 and 2025 files are UTF-8 with a byte-order mark; MCS 2026 is
  Windows-1252 (``—``, ``’``, ``½`` are single bytes). Decoding is UTF-8 first, then cp1252
  (:func:`critmin.sources._io.decode_bytes`). A byte neither can decode is reported with the file,
  the line and the column it sits in.
* **Line numbers.** ``row`` is the 1-based line on which a CSV record starts (header = line 1), so
  quoted fields spanning lines do not shift the rows named in errors.

Two decoders remain, with the error texts of the two former modules: :func:`_decode` (world
tables and the MCS 2026 long file read whole) and :func:`_decode_salient` (the salient readers). They
return the same text; they differ only in the wording and the column lookup of their errors.
:func:`_rows` and :func:`_rows_from_csv` split records through
:func:`critmin.sources._io.csv_records`: a record whose field count differs from the header's (a
row cut short by a truncated file), a bare CR inside a field, a field over 131,072 characters or a
quoted field the file ends inside raise :class:`~critmin.errors.DataError` naming file and line.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable

from critmin.errors import DataError
from critmin.sources._io import as_text_buffer, csv_records, first_record

# ---------------------------------------------------------------------------------------------
# World tables and the MCS 2026 long file
# ---------------------------------------------------------------------------------------------


def _decode(buf: str | bytes | io.IOBase, name: str) -> str:
    """Decode a buffer; errors name the line and the column of the first undecodable byte, and an
    empty buffer is reported at line 1."""
    if isinstance(buf, io.IOBase):
        buf = buf.read()
    try:
        text = as_text_buffer(buf, name)
    except DataError as err:
        m = re.search(r"at offset (\d+)", err.reason)
        if m and isinstance(buf, (bytes, bytearray)):
            raise DataError(err.reason, file=name, row=err.row,
                            column=_column_at(bytes(buf), int(m.group(1)))) from None
        if err.row is None:
            raise DataError(f"{err.reason} (no header line)", file=name, row=1,
                            column="header") from None
        raise
    if not text.strip():
        raise DataError("the file is empty; expected a header row and data rows", file=name,
                        row=1, column="header")
    return text


def _column_at(data: bytes, offset: int) -> str:
    """Header name of the CSV column holding byte ``offset`` (for decoding errors)."""
    start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[start:offset].decode("utf-8", errors="replace").replace("\r", " ")
    idx = len(first_record(prefix + "x")) - 1
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    header = first_record(first) if first else []
    return header[idx].strip() if idx < len(header) else f"column {idx + 1}"


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """CSV records with the 1-based line on which each starts (empty lines left out); a record
    whose field count differs from the header's, or a malformed CSV, raises a DataError naming the
    line (:func:`critmin.sources._io.csv_records`)."""
    return csv_records(text, name)


def _header(text: str) -> tuple[str, ...]:
    """The casefolded, stripped cells of the first line: what layout detection looks at."""
    return tuple(c.strip().casefold() for c in first_record(text))


def _blank(rec: Iterable[str]) -> bool:
    return all(not str(c).replace("\u00a0", " ").strip() for c in rec)


# ---------------------------------------------------------------------------------------------
# Salient tables
# ---------------------------------------------------------------------------------------------


def _decode_salient(buf: str | bytes | io.IOBase, fname: str) -> str:
    """Decoded text of a CSV buffer; errors name the file, the line (row 1 for an empty file) and,
    for an undecodable byte, the column it sits in."""
    if hasattr(buf, "read"):
        buf = buf.read()  # type: ignore[union-attr]
    if isinstance(buf, (str, bytes, bytearray)) and not (
            buf.strip() if isinstance(buf, str) else bytes(buf).strip()):
        raise DataError("the file is empty; expected a header row and one row per year",
                        file=fname, row=1)
    try:
        return as_text_buffer(buf, fname)  # type: ignore[arg-type]
    except DataError as err:
        if not isinstance(buf, (bytes, bytearray)) or err.row is None:
            raise
        lines = bytes(buf).decode("cp1252", errors="replace").splitlines()
        header = first_record(lines[0]) if lines else []
        column = None
        if 0 < err.row <= len(lines):
            cells = first_record(lines[err.row - 1])
            bad = [i for i, c in enumerate(cells) if "\ufffd" in c]
            if bad:
                column = header[bad[0]] if bad[0] < len(header) else f"#{bad[0] + 1}"
        raise DataError(err.reason, file=fname, row=err.row, column=column) from err


def _rows_from_csv(text: str, name: str) -> list[tuple[int, list[str]]]:
    """(1-based first line number, cells) of every record of a CSV text (see :func:`_rows`)."""
    return csv_records(text, name)


def _blank_cell(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or (
        isinstance(cell, str) and cell.strip() == "")
