"""The one JSON helper of critmin: JSON-safe values for every result's ``to_dict()`` and the CLI's
``--json``.

:func:`jsonable` turns what results hold (numpy scalars and arrays, pandas NA/NaT/Timestamps,
DataFrames, dataclasses, paths, sets) into plain JSON values, with every missing or non-finite number
as ``None``, so that ``json.dumps(result.to_dict(), allow_nan=False)`` never fails. :func:`num` and
:func:`nan_to_none` are its two common special cases.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
from collections.abc import Mapping
from pathlib import PurePath

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


def jsonable(v: object) -> object:
    """``v`` as plain JSON values, recursively.

    bool and numpy bool -> bool; integers (numpy too) -> int; floats -> float, or None when NaN or
    infinite; None, pandas NA and NaT -> None; str kept; dict -> dict with str keys; list, tuple, set
    and numpy arrays -> list; DataFrame -> list of records; Series -> dict; dataclass -> dict of its
    fields; date/time -> ISO text; paths and anything else -> ``str``.
    """
    import numpy as np
    import pandas as pd

    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return num(v)
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    if isinstance(v, pd.DataFrame):
        return [jsonable(r) for r in v.to_dict(orient="records")]
    if isinstance(v, pd.Series):
        return {str(k): jsonable(x) for k, x in v.items()}
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, PurePath):
        return str(v)
    return str(v)


def dumps(obj: object, **kw) -> str:
    """``obj`` as JSON text through :func:`jsonable`: never a ``NaN``/``Infinity`` token (JSON has none;
    a caller's ``allow_nan``/``default`` are ignored), UTF-8 characters kept.

    Parameters
    ----------
    obj : object
        The value.
    **kw
        Passed to :func:`json.dumps` (``indent``, ``ensure_ascii``, ...).
    """
    kw.pop("allow_nan", None)
    kw.pop("default", None)
    kw.setdefault("ensure_ascii", False)
    return json.dumps(jsonable(obj), allow_nan=False, **kw)
