"""Small helpers shared by the result objects' ``to_dict()``: JSON-safe numbers."""

from __future__ import annotations

import math

__all__ = ["nan_to_none", "num"]


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
