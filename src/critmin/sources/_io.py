"""Text decoding shared by the readers: UTF-8 (with or without BOM) first, then Windows-1252."""

from __future__ import annotations

import io
from pathlib import Path

from critmin.errors import DataError

__all__ = ["decode_bytes", "read_text", "as_text_buffer", "open_workbook"]


def decode_bytes(data: bytes, name: str, encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")) -> str:
    """Decode a file's bytes trying each encoding in turn.

    Parameters
    ----------
    data : bytes
        The file content.
    name : str
        The file name, for error messages.
    encodings : tuple of str
        Encodings to try in order. UTF-8 is strict, so a Windows-1252 file (USGS MCS 2026) fails it and
        falls through to ``cp1252``.

    Raises
    ------
    DataError
        When no encoding decodes the bytes, naming the byte offset and line of the first bad byte.
    """
    if not data.strip():
        raise DataError("the file is empty; expected a header row and data rows", file=name)
    first_err: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as err:
            first_err = first_err or err
    assert first_err is not None
    line = data[: first_err.start].count(b"\n") + 1
    raise DataError(
        f"cannot decode byte 0x{data[first_err.start]:02x} at offset {first_err.start}; "
        f"expected text in one of {', '.join(encodings)}",
        file=name,
        row=line,
    )


def read_text(path: str | Path, encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")) -> str:
    """Read and decode a text file (see :func:`decode_bytes`)."""
    p = Path(path)
    return decode_bytes(p.read_bytes(), p.name, encodings)


def as_text_buffer(buf: str | bytes | io.IOBase, name: str) -> str:
    """Turn a ``parse_*`` buffer argument (text, bytes or a file object) into decoded text."""
    if isinstance(buf, str):
        if not buf.strip():
            raise DataError("the buffer is empty; expected a header row and data rows", file=name)
        return buf.lstrip("\ufeff")
    if isinstance(buf, (bytes, bytearray)):
        return decode_bytes(bytes(buf), name)
    data = buf.read()
    return as_text_buffer(data, name)


def open_workbook(buf: bytes | bytearray | io.IOBase, name: str):
    """Open an .xlsx workbook read-only with cached values (openpyxl).

    Parameters
    ----------
    buf : bytes or file object
        The workbook's bytes.
    name : str
        The file name, for error messages.

    Raises
    ------
    DataError
        When the buffer is empty or not a readable .xlsx workbook.
    """
    import warnings
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    data = buf if isinstance(buf, (bytes, bytearray)) else buf.read()
    if not data:
        raise DataError("the workbook is empty", file=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise DataError(f"not a readable .xlsx workbook ({err})", file=name) from err
