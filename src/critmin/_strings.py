"""Python-backed pandas strings while the report builds (issue 16 item 4).

pandas 3 stores text columns in pyarrow arrays by default. critmin's tables are small (tens to a few
thousand rows) and a report filters, reindexes and looks them up tens of thousands of times; on such
frames each pyarrow ``take`` costs ~40 µs against a few µs for an array of Python objects, about a
tenth of a report's time. Inside :func:`python_strings` new text columns (DuckDB's included) use
pandas's ``"python"`` string storage: the same ``str`` dtype, values and missing values, only the
storage differs, so the report is the same byte for byte (``tests/test_strings.py``).

Only the report's own work runs inside it (:func:`critmin.report.build_report`,
:func:`~critmin.report.write_report` and each commodity's part, in this process or a worker): the jobs
called directly keep pandas's default storage, so their results compare equal, dtype included, with
frames a user builds.

Caches never mix the two: a value cached inside the report is only handed out inside it, and one cached
outside only outside (:meth:`critmin.warehouse.Warehouse.cached` tags its keys with :func:`storage_key`,
and the module-level caches of frames use :func:`cache_per_storage`), so a job called after a report
in the same process returns what it returns in a fresh one, dtypes included.

The option is pandas's global ``mode.string_storage``: it is set when the first block (in any thread)
enters and put back as it was when the last one leaves, so nested blocks and blocks running side by side
in threads never leave it changed for the caller.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["cache_per_storage", "inside", "python_strings", "storage_key"]

F = TypeVar("F", bound=Callable)

OPTION = "mode.string_storage"
_lock = threading.Lock()
_state: dict = {"depth": 0, "saved": None}


@contextmanager
def python_strings() -> Iterator[None]:
    """Run the block with pandas's string storage set to ``"python"`` (re-entrant, thread-safe)."""
    import pandas as pd

    with _lock:
        if _state["depth"] == 0:
            _state["saved"] = pd.get_option(OPTION)
            pd.set_option(OPTION, "python")
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                pd.set_option(OPTION, _state["saved"])


def inside() -> bool:
    """Whether a :func:`python_strings` block is running (in any thread: the option is global)."""
    return _state["depth"] > 0


def storage_key(key: object) -> object:
    """``key`` for a cache of values that may hold text columns: tagged inside :func:`python_strings`,
    unchanged outside (so caches outside a report keep their keys)."""
    return ("python-strings", key) if inside() else key


def cache_per_storage(maxsize: int | None = 128) -> Callable[[F], F]:
    """:func:`functools.lru_cache` with :func:`inside` as part of every key: for functions whose
    results hold text columns (a frame cached inside the report is not handed out outside it). The
    wrapper keeps ``cache_clear``."""

    def deco(func: F) -> F:
        @functools.lru_cache(maxsize=maxsize)
        def cached(python: bool, *args, **kwargs):
            return func(*args, **kwargs)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return cached(inside(), *args, **kwargs)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco
