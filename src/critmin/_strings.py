"""Python-backed pandas strings while critmin's jobs run (issue 16 item 4).

pandas 3 stores text columns in pyarrow arrays by default. critmin's tables are small (tens to a few
thousand rows) and its jobs filter, reindex and look them up thousands of times; on such frames each
pyarrow ``take`` costs ~40 µs against a few µs for an array of Python objects, about a tenth of a
report's time. Inside :func:`python_strings` new text columns (DuckDB's included) use pandas's
``"python"`` string storage: the same ``str`` dtype, the same values and missing values, only the
storage differs, so results are equal either way (``tests/test_strings.py``).

The option is pandas's global ``mode.string_storage``: it is set when the first job (in any thread)
enters and put back as it was when the last one leaves, so nested jobs and jobs running side by side in
threads (the dashboard) never leave it changed for the caller.
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
