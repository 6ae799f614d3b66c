"""JSON shared by every output: numbers that JSON can hold, and one writer.

JSON has no NaN or infinity: Python's ``json`` writes the tokens ``NaN``/``Infinity``, which are not
JSON and break other readers. Every critmin JSON output goes through :func:`dumps`, which turns a missing
or non-finite number into ``null`` and then refuses (``allow_nan=False``) anything that slipped through.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["nan_to_none", "num", "jsonable", "dumps"]


def num(x: object) -> float | None:
    """A float for JSON, or None for a missing value (None, NaN, inf, pandas NA, non-numbers)."""
    if x is None:
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def nan_to_none(obj: object) -> object:
    """``obj`` with every float NaN replaced by None, through nested dicts and lists (other values kept)."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [nan_to_none(v) for v in obj]
    return obj


def jsonable(obj: Any) -> Any:
    """``obj`` with every value JSON can hold: non-finite and missing numbers -> None, numpy scalars
    and arrays -> Python numbers and lists, dates -> ISO text, paths and other objects -> text.

    Parameters
    ----------
    obj : object
        Dicts, lists, tuples, numbers, strings, numpy and pandas values (nested).
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (_dt.datetime, _dt.date)):
        if obj != obj:  # pandas NaT is a datetime that is not equal to itself
            return None
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        np = None  # type: ignore[assignment]
    if np is not None:
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return num(obj)
        if isinstance(obj, np.ndarray):
            return [jsonable(v) for v in obj.tolist()]
    try:
        import pandas as pd

        if obj is pd.NA or obj is pd.NaT:
            return None
        if isinstance(obj, pd.Timestamp):
            return obj.isoformat()
    except ImportError:  # pragma: no cover
        pass
    return str(obj)


def dumps(obj: Any, **kwargs: Any) -> str:
    """JSON text of ``obj`` (see :func:`jsonable`); never a ``NaN``/``Infinity`` token.

    Parameters
    ----------
    obj : object
        The value.
    **kwargs
        Passed to :func:`json.dumps` (``indent``, ``ensure_ascii``, ...).
    """
    kwargs.pop("allow_nan", None)
    kwargs.pop("default", None)
    return json.dumps(jsonable(obj), allow_nan=False, **kwargs)
