"""Exceptions raised by critmin.

Every error about input data names where the problem is (file, row, column), the offending value and what
was expected, so that a user can open the file and fix it.
"""

from __future__ import annotations

__all__ = ["CritminError", "DataError", "ConsistencyError", "ScenarioError", "ParameterError",
           "UnknownCommodityError"]


class CritminError(Exception):
    """Base class of every critmin error."""


class DataError(CritminError, ValueError):
    """A source file or buffer does not hold what its reader expects.

    Parameters
    ----------
    reason : str
        What is wrong and what was expected, in words.
    file : str, optional
        The file (or buffer name) being read.
    row : int, optional
        1-based line number in the file as a text editor shows it (the header is line 1), or the
        spreadsheet row number for workbooks.
    column : str, optional
        The column name (or spreadsheet column letter) of the offending cell.
    value : object, optional
        The offending value, as read.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        head = ", ".join(where)
        val = f" value {self.value!r}:" if self.value is not None else ""
        return f"{head}:{val} {self.reason}" if head else f"{val} {self.reason}".strip()


class ConsistencyError(CritminError):
    """A consistency check failed in strict mode (shares not summing to 1, country sum vs world total)."""


class ScenarioError(CritminError, ValueError):
    """A scenario specification is invalid."""


class UnknownCommodityError(CritminError, KeyError):
    """A commodity name or code is not in the catalogue."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "unknown commodity"


class ParameterError(CritminError, ValueError):
    """A job's argument or a parameter object (planning assumptions, options) holds a value it does not
    accept (an unknown region, a month 13, infinite days); the message names the argument, the value and
    what is accepted."""
