"""Job results memoised on the warehouse: a report asks for the same supply table or importer
dependence from several sections and methods (issue 16 item 4).

:func:`memo_result` keeps a job's result (or the :class:`~critmin.errors.CritminError` it raised) in
:meth:`critmin.warehouse.Warehouse.cached` under the job's normalised arguments, so it is cleared with
the warehouse's other derived values when the data change, and hands out a deep copy each time: a
caller that edits its result cannot change what the next caller gets.

:func:`memo_shared` keeps an intermediate value the jobs read without changing it (a table read
once per warehouse, a parameters index): the same object on every call, no copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TypeVar

from critmin.errors import CritminError

T = TypeVar("T")


def memo_result(warehouse: object, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per warehouse and ``key``; a deep copy of its result on every call.

    Parameters
    ----------
    warehouse : Warehouse
        Where the memo lives (:meth:`~critmin.warehouse.Warehouse.cached`); an object without one
        computes every time.
    key : tuple
        The job's name and normalised arguments (hashable).
    compute : callable
        Runs the job.

    Returns
    -------
    object
        The result (a copy); a :class:`~critmin.errors.CritminError` the job raised is raised again
        (also memoised: the data that caused it have not changed).
    """
    cached = getattr(warehouse, "cached", None)
    if cached is None:
        return compute()

    def run() -> tuple[bool, object]:
        try:
            return True, compute()
        except CritminError as exc:
            return False, exc

    ok, value = cached(("job-result", *key), run)
    if not ok:
        raise value.with_traceback(None)  # type: ignore[union-attr]
    return copy.deepcopy(value)  # type: ignore[return-value]


def memo_shared(warehouse: object, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per warehouse and ``key``; the same object on every call (no copy).

    For inputs the jobs only read (the governance table, U.S. net import reliance rows): a caller
    must not change what it gets. Cleared with the warehouse's other derived values when the data
    change; an error is raised again on the next call (not memoised).

    Parameters
    ----------
    warehouse : Warehouse
        Where the memo lives (:meth:`~critmin.warehouse.Warehouse.cached`); an object without one
        computes every time.
    key : tuple
        Names the value and everything it depends on besides the warehouse's data (hashable).
    compute : callable
        Computes it.

    Returns
    -------
    object
        The value, shared by every caller.
    """
    cached = getattr(warehouse, "cached", None)
    if cached is None:
        return compute()
    return cached(("shared", *key), compute)  # type: ignore[return-value]
