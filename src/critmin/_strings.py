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

The option is pandas's global ``mode.string_storage``: it is set when the first block (in any thread)
enters and put back as it was when the last one leaves, so nested blocks and blocks running side by side
in threads never leave it changed for the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["python_strings"]

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
