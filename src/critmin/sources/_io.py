"""The one way readers open their input: size limits, decoding, CSV records, JSON and workbooks.

Every reader goes through these functions, so that a damaged or hostile file gives a
:class:`~critmin.errors.DataError` naming the file (and the line, column or part of a workbook),
never a traceback from :mod:`csv`, :mod:`zipfile`, :mod:`zlib`, an XML parser or a recursion:

* :func:`check_size` refuses a file above a stated size (see :data:`critmin.sources.registry.MAX_MB`);
* :func:`decode_bytes` decodes text: a byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16
  without a mark is recognised by its NUL bytes; else UTF-8, then Windows-1252, except that a file
  that is UTF-8 apart from a few bad bytes is refused (not read as Windows-1252 mojibake). A NUL
  byte in the decoded text (a binary file) is refused with its line;
* :func:`csv_records` splits delimited text into records with the 1-based line each starts on, and
  refuses a record whose field count differs from the header's (a cut or damaged row), a bare
  carriage return inside a field, a field over :data:`MAX_FIELD` characters (an unclosed quote) and a
  quoted field that the file ends inside (a truncated file);
* :func:`load_json` parses JSON, refusing nesting deeper than :data:`MAX_DEPTH`;
* :func:`open_workbook` opens an ``.xlsx`` workbook after checking every part of the zip archive
  (CRC), and :func:`workbook_errors` turns what openpyxl or xlrd raise on a damaged workbook into a
  DataError;
* :func:`gunzip` decompresses with a bound on the output (a "zip bomb" is refused).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from critmin.errors import DataError

__all__ = [
    "MAX_FIELD",
    "MAX_DEPTH",
    "check_size",
    "max_bytes",
    "decode_bytes",
    "read_text",
    "as_text_buffer",
    "csv_records",
    "first_record",
    "load_json",
    "json_depth",
    "gunzip",
    "open_workbook",
    "workbook_errors",
    "parser_errors",
]

MAX_FIELD = csv.field_size_limit()
"""Longest CSV field accepted [characters] (the :mod:`csv` default, 131,072): a longer one is an
unclosed quote swallowing the rest of the file, or not a CSV file."""

MAX_DEPTH = 64
"""Deepest JSON nesting accepted [levels] (the sources nest 5 levels at most)."""

_ENV_MAX_MB = "CRITMIN_MAX_FILE_MB"


# ---------------------------------------------------------------------------------------------
# size


def max_bytes(default_mb: float) -> int:
    """The size limit [bytes]: ``$CRITMIN_MAX_FILE_MB`` [MB] when set, else ``default_mb`` [MB]."""
    env = os.environ.get(_ENV_MAX_MB, "").strip()
    if env:
        try:
            mb = float(env)
        except ValueError:
            raise DataError(f"{_ENV_MAX_MB}={env!r} is not a number of megabytes") from None
        if not mb > 0:
            raise DataError(f"{_ENV_MAX_MB}={env!r}; expected a positive number of megabytes")
        return int(mb * 1_000_000)
    return int(default_mb * 1_000_000)


def check_size(path: str | Path, limit_mb: float, what: str) -> None:
    """Refuse a file larger than ``limit_mb`` megabytes [MB] (overridable, see :func:`max_bytes`).

    Parameters
    ----------
    path : str or Path
        The file.
    limit_mb : float
        The source's limit [MB] (1 MB = 10^6 bytes).
    what : str
        What the file should be (named in the message, e.g. ``"a usgs-mcs file"``).

    Raises
    ------
    DataError
        When the file is larger, naming its size, the limit and how to raise it.
    """
    p = Path(path)
    size = p.stat().st_size
    limit = max_bytes(limit_mb)
    if size > limit:
        if os.environ.get(_ENV_MAX_MB, "").strip():
            raise DataError(f"the file is {size / 1e6:,.1f} MB, more than the {limit / 1e6:,.1f} MB "
                            f"{_ENV_MAX_MB} allows", file=p.name)
        raise DataError(
            f"the file is {size / 1e6:,.1f} MB, more than the {limit / 1e6:,.1f} MB accepted for "
            f"{what} (about ten times the largest real one; reading takes some 10-40 times a "
            f"file's size in memory); set {_ENV_MAX_MB} (megabytes) to read it anyway",
            file=p.name)


# ---------------------------------------------------------------------------------------------
# text

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the first bytes look like UTF-16 text without a mark."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = head[0:pairs * 2:2].count(0)
    odd = head[1:pairs * 2:2].count(0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _undecodable(data: bytes, err: UnicodeDecodeError, name: str, what: str) -> DataError:
    line = data[: err.start].count(b"\n") + 1
    return DataError(f"cannot decode byte 0x{data[err.start]:02x} at offset {err.start}; {what}",
                     file=name, row=line)


def decode_bytes(data: bytes, name: str, encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")) -> str:
    """Decode a file's bytes.

    Parameters
    ----------
    data : bytes
        The file content.
    name : str
        The file name, for error messages.
    encodings : tuple of str
        Encodings to try in order when the file has no byte-order mark. UTF-8 is strict, so a
        Windows-1252 file (USGS MCS 2026) fails it and falls through to ``cp1252`` -- unless the
        bytes hold more valid UTF-8 sequences than other non-ASCII bytes: that is a UTF-8 file with a
        bad byte, refused rather than read as mojibake.

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    DataError
        When the file is empty, the bytes do not decode (naming the byte offset and line), or the
        text holds a NUL character (naming the line).
    """
    if not data.strip():
        raise DataError("the file is empty; expected a header row and data rows", file=name)
    text: str | None = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as err:
                raise _undecodable(data, err, name, f"the file starts with a {enc.upper()} "
                                   "byte-order mark but is not valid text in that encoding") from None
            text = text.lstrip("\ufeff")
            break
    if text is None:
        enc16 = _utf16_without_bom(data)
        if enc16:
            try:
                text = data.decode(enc16)
            except UnicodeDecodeError as err:
                raise _undecodable(data, err, name, f"the file looks like {enc16.upper()} text "
                                   "(NUL bytes between characters) but does not decode") from None
    if text is None:
        first_err: UnicodeDecodeError | None = None
        for enc in encodings:
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError as err:
                if first_err is None:
                    first_err = err
                    if enc.startswith("utf-8"):
                        valid = len(_UTF8_SEQ.findall(data))
                        other = len(_HIGH.findall(data)) - sum(
                            len(m) for m in _UTF8_SEQ.findall(data))
                        if valid and valid >= other:
                            raise _undecodable(data, err, name, "the file is UTF-8 text but this "
                                               "byte is not valid UTF-8 (a damaged file?)") from None
        if text is None:
            assert first_err is not None
            raise _undecodable(data, first_err, name,
                               f"expected text in one of {', '.join(encodings)}")
        text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError("the text holds a NUL character (a binary file, or UTF-16 text "
                        "without a byte-order mark?); expected UTF-8, UTF-16 or Windows-1252 text",
                        file=name, row=line)
    return text


def read_text(path: str | Path, encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")) -> str:
    """Read and decode a text file (see :func:`decode_bytes`)."""
    p = Path(path)
    return decode_bytes(p.read_bytes(), p.name, encodings)


def as_text_buffer(buf: str | bytes | io.IOBase, name: str) -> str:
    """Turn a ``parse_*`` buffer argument (text, bytes or a file object) into decoded text."""
    if isinstance(buf, str):
        if not buf.strip():
            raise DataError("the buffer is empty; expected a header row and data rows", file=name)
        if "\x00" in buf:
            line = buf[: buf.index("\x00")].count("\n") + 1
            raise DataError("the text holds a NUL character (a binary file?)", file=name, row=line)
        return buf.lstrip("\ufeff")
    if isinstance(buf, (bytes, bytearray)):
        return decode_bytes(bytes(buf), name)
    data = buf.read()
    return as_text_buffer(data, name)


# ---------------------------------------------------------------------------------------------
# CSV

_CSV_REASONS = (
    ("field larger than field limit",
     f"a field longer than {MAX_FIELD:,} characters (a quote that is never closed, or not a "
     "delimited text file)"),
    ("new-line character seen in unquoted field",
     "a carriage return (CR) inside a field; expected CR only in a CR LF line ending, or the "
     "field in double quotes"),
    ("unexpected end of data",
     "the file ends inside a quoted field (a truncated file, or a quote that is never closed)"),
    ("expected after '\"'",
     "a double quote inside a field; expected it doubled (\"\") inside a quoted field"),
)


def _csv_reason(err: csv.Error) -> str:
    msg = str(err)
    for key, reason in _CSV_REASONS:
        if key in msg:
            return reason
    return f"not a readable delimited text ({msg})"


def csv_records(text: str, name: str, *, delimiter: str = ",", check_width: bool = True,
                header_line: int = 1) -> list[tuple[int, list[str]]]:
    """Split delimited text into records, each with the 1-based line it starts on.

    Parameters
    ----------
    text : str
        The decoded text (see :func:`decode_bytes`).
    name : str
        The file name, for errors.
    delimiter : str
        The field delimiter.
    check_width : bool
        Refuse a record whose field count differs from the header's (the first non-empty record):
        the records of every real file have the header's width, so another width is a row cut short
        (a truncated file), a lost or added delimiter, or a line break inside a field.
    header_line : int
        Ignored (kept for symmetry with readers that name the header line).

    Returns
    -------
    list of (int, list of str)
        ``(line, cells)`` of every record, the header included; empty lines (no field at all) are
        left out, lines of empty fields kept.

    Raises
    ------
    DataError
        Naming the file, the line and (for a width mismatch) what was expected.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    out: list[tuple[int, list[str]]] = []
    width: int | None = None
    start = 1
    try:
        for rec in reader:
            line = start
            start = reader.line_num + 1
            if not rec:
                continue
            if width is None:
                width = len(rec)
            elif check_width and len(rec) != width:
                shown = delimiter.join(rec)
                raise DataError(
                    f"{len(rec)} fields where the header has {width}; expected one field per "
                    f"column ({delimiter!r}-separated): a row cut short (a truncated file?) or a "
                    "delimiter lost or added",
                    file=name, row=line, value=shown[:80] + ("..." if len(shown) > 80 else ""))
            out.append((line, rec))
    except csv.Error as err:
        reason = _csv_reason(err)
        row = start if "quoted field" in reason or "never closed" in reason else reader.line_num
        raise DataError(reason, file=name, row=row) from None
    return out


def first_record(text: str, delimiter: str = ",") -> list[str]:
    """The cells of the first line of a text (for layout detection); [] when it is unreadable."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        return next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error:
        return first.split(delimiter)


# ---------------------------------------------------------------------------------------------
# JSON


def json_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, up to ``limit + 1`` (it stops there)."""
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > limit:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def _check_depth(text: str, name: str) -> None:
    # fast path: few brackets cannot nest deeply
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    if json_depth(text) > MAX_DEPTH:
        raise DataError(f"JSON nested more than {MAX_DEPTH} levels deep; expected a data file "
                        "(the sources nest a few levels)", file=name)


def load_json(text: str, name: str, *, what: str = "") -> object:
    """Parse JSON text, refusing nesting deeper than :data:`MAX_DEPTH` levels.

    Raises
    ------
    DataError
        On malformed JSON (naming the line and column), the non-JSON tokens ``NaN`` and
        ``Infinity`` (which :func:`json.loads` would accept), or too deep a nesting.
    """
    _check_depth(text, name)

    def constant(token: str) -> float:
        raise DataError(f"not valid JSON: {token} is not a JSON number"
                        + (f"; expected {what}" if what else ""), file=name)

    try:
        return json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as err:
        raise DataError(f"not readable JSON ({err.msg}, column {err.colno})"
                        + (f"; expected {what}" if what else ""), file=name,
                        row=err.lineno) from None
    except RecursionError:
        raise DataError(f"JSON nested too deeply; expected {what or 'a data file'}",
                        file=name) from None


# ---------------------------------------------------------------------------------------------
# compressed and binary files


def gunzip(data: bytes, name: str, limit: int) -> bytes:
    """Decompress gzip ``data``, refusing more than ``limit`` bytes of output or a damaged stream.

    Raises
    ------
    DataError
        When the stream is damaged or truncated, or it expands beyond ``limit`` bytes.
    """
    out = io.BytesIO()
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        chunk = d.decompress(data, limit + 1)
        out.write(chunk)
        if out.tell() > limit or d.unconsumed_tail:
            raise DataError(f"the gzip stream expands to more than {limit / 1e6:,.1f} MB; expected "
                            "a smaller file", file=name)
        if not d.eof:
            raise DataError("the gzip stream ends early (a truncated file)", file=name)
        if d.unused_data.strip(b"\x00"):
            raise DataError("bytes after the end of the gzip stream (a damaged file?)", file=name)
    except zlib.error as err:
        raise DataError(f"not a readable gzip file ({err})", file=name) from None
    return out.getvalue()


@functools.cache
def parser_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that parsing libraries (zipfile, zlib, XML parsers, openpyxl, xlrd) raise on a damaged
    file; :func:`workbook_errors` turns them into DataError.

    Computed on first use (importing openpyxl, xlrd and lxml costs time a ``--help`` should not pay);
    also available as the module attribute ``PARSER_ERRORS``.
    """
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    errs: list[type[BaseException]] = [zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
                                       ParseError, ExpatError, EOFError, RecursionError]
    with contextlib.suppress(ImportError):
        from lxml.etree import LxmlError

        errs.append(LxmlError)
    with contextlib.suppress(ImportError):
        from openpyxl.utils.exceptions import InvalidFileException

        errs.append(InvalidFileException)
    with contextlib.suppress(ImportError):
        from xlrd.biffh import XLRDError

        errs.append(XLRDError)
    return tuple(errs)


def __getattr__(name: str) -> object:
    if name == "PARSER_ERRORS":
        return parser_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextlib.contextmanager
def workbook_errors(name: str, what: str = "workbook") -> Iterator[None]:
    """Turn the errors a damaged workbook raises inside openpyxl or xlrd into a DataError.

    Use around the code that opens *and reads* a workbook (openpyxl's read-only sheets parse their
    XML while rows are iterated). A DataError raised inside passes through unchanged; so does any
    other exception raised by critmin's own code.
    """
    try:
        yield
    except DataError:
        raise
    except parser_errors() as err:
        raise DataError(f"not a readable {what} ({type(err).__name__}: {str(err)[:200]})",
                        file=name) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError,
            OverflowError) as err:
        if not _raised_by_library(err):
            raise
        raise DataError(f"not a readable {what} ({type(err).__name__} in "
                        f"{_library_of(err)}: {str(err)[:200]})", file=name) from None


_LIBRARIES = ("openpyxl", "xlrd", "zipfile", "et_xmlfile", "xml")


def _library_of(err: BaseException) -> str:
    tb = err.__traceback__
    last = ""
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    for lib in _LIBRARIES:
        if f"{os.sep}{lib}{os.sep}" in last or last.endswith(f"{os.sep}{lib}.py"):
            return lib
    return ""


def _raised_by_library(err: BaseException) -> bool:
    """True when the innermost frame of ``err`` is in a workbook library (not in critmin)."""
    return bool(_library_of(err))


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a workbook whose zip archive is damaged (checks every member's CRC)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError) as err:
        raise DataError(f"not a readable .xlsx workbook (a damaged or truncated zip archive: {err})",
                        file=name) from None
    if bad is not None:
        raise DataError(f"not a readable .xlsx workbook (part {bad} is damaged: bad CRC)",
                        file=name)


def open_workbook(buf: bytes | bytearray | io.IOBase, name: str, *, read_only: bool = True,
                  data_only: bool = True, rich_text: bool = False):
    """Open an .xlsx workbook with openpyxl (cached values), after checking its zip archive.

    Parameters
    ----------
    buf : bytes or file object
        The workbook's bytes.
    name : str
        The file name, for error messages.
    read_only, data_only, rich_text : bool
        Passed to :func:`openpyxl.load_workbook`. A read-only workbook parses its sheets while they
        are read: wrap the reading in :func:`workbook_errors`.

    Raises
    ------
    DataError
        When the buffer is empty, not a zip archive, damaged (bad CRC, truncated) or not a workbook.
    """
    import warnings

    import openpyxl

    data = buf if isinstance(buf, (bytes, bytearray)) else buf.read()
    if not data:
        raise DataError("the workbook is empty", file=name)
    data = bytes(data)
    _check_zip(data, name)
    with workbook_errors(name, ".xlsx workbook"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only,
                                          data_only=data_only, rich_text=rich_text)
        except (KeyError, OSError) as err:
            raise DataError(f"not a readable .xlsx workbook ({err})", file=name) from None
