"""Small helpers shared by the result objects' ``to_dict()``: JSON-safe numbers."""

from __future__ import annotations

import math

__all__ = ["num"]


def num(x: object) -> float | None:
    """A float for JSON, or None for a missing value (None, NaN, inf, pandas NA, non-numbers)."""
    if x is None:
        return None
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f
