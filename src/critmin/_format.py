"""Number words shared by the CLI, the report and the dashboard, so that every output says the same.

Percentages follow one rule (:func:`percent`): a fraction is shown with ``digits`` decimals of a
percent; a value that would round to zero but is not zero shows as ``<0.1%`` (or ``>-0.1%`` for a
small negative value), never ``0.0%``; zero is ``0.0%``; a missing value is an em dash.
"""

from __future__ import annotations

import math

__all__ = ["percent", "MISSING"]

MISSING = "—"
"""How a missing value shows."""


def percent(x: object, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.6918`` -> ``69.2%``; ``0.0002`` -> ``<0.1%``.

    Parameters
    ----------
    x : float
        The fraction [1] (1.0 is 100 %).
    digits : int
        Decimals of the percentage.
    """
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING if x is None else str(x)
    if math.isnan(v):
        return MISSING
    if math.isinf(v):
        return "∞%" if v > 0 else "-∞%"
    step = 10.0 ** -digits            # the last digit shown [percent]
    pct = v * 100.0
    if 0 < abs(pct) < step / 2:
        smallest = f"{step:.{digits}f}%"
        return f"<{smallest}" if pct > 0 else f">-{smallest}"
    return f"{pct:.{digits}f}%"
