"""Change points of the deseasonalised series (docs/methods.md §3: deseasonalise first, then search).

The search is PELT (Killick, Fearnhead & Eckley 2012) with the least-squares (``l2``) cost, a shift in the
mean of the deseasonalised log series ``d``, run by ruptures (Truong, Oudre & Vayatis 2020). ruptures'
``KernelCPD(kernel="linear")`` is that same search (the linear kernel's cost *is* the l2 cost) in its C
implementation, about a thousand times faster than ``Pelt(model="l2")``; both give the same breaks.

Penalty (documented assumption): ``pen = beta * sigma**2 * log(n)`` with ``sigma`` the month-to-month noise of
``d`` (:func:`critmin.monitor.baseline.robust_sigma`) and ``beta = 3``: a BIC-type penalty (one mean and one
location per break, ``2 sigma**2 log n``) made a little stricter, so that ordinary noise gives no break and
a shift of about 3 sigma lasting a few months does. Segments are at least ``min_size = 2`` months long.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from critmin.monitor.baseline import robust_sigma

__all__ = ["BREAK_COLUMNS", "find_breaks", "penalty"]

BREAK_COLUMNS = ["month", "size", "log_size", "level_before_kg", "level_after_kg", "direction"]


def penalty(d: np.ndarray, *, beta: float = 3.0, sigma: float | None = None) -> float:
    """The PELT penalty ``beta * sigma**2 * log(n)`` for a deseasonalised log series.

    Parameters
    ----------
    d : ndarray
        Deseasonalised log series [log kg] (NaN ignored).
    beta : float
        Multiplier of the BIC-type penalty [1].
    sigma : float, optional
        Noise [log kg]; estimated with :func:`robust_sigma` when omitted.

    Returns
    -------
    float
        The penalty [log kg squared]; a noise floor of 0.02 keeps it positive for noiseless series.
    """
    a = np.asarray(d, float)
    n = int(np.isfinite(a).sum())
    s = robust_sigma(a) if sigma is None else sigma
    if not np.isfinite(s):
        s = float(np.nanstd(a)) if n > 1 else 0.0
    s = max(s, 0.02)
    return beta * s * s * math.log(max(n, 2))


def find_breaks(d: pd.Series, *, beta: float = 3.0, min_size: int = 2, sigma: float | None = None,
                pen: float | None = None) -> pd.DataFrame:
    """Breaks in the mean of a deseasonalised log series, with their months and sizes.

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity [log kg] indexed by month; missing months are skipped (the search
        runs on the months present).
    beta : float
        Penalty multiplier, see :func:`penalty` [1].
    min_size : int
        Shortest segment [months].
    sigma : float, optional
        Noise of ``d`` [log kg]; estimated when omitted.
    pen : float, optional
        An explicit penalty, overriding ``beta`` and ``sigma``.

    Returns
    -------
    DataFrame
        One row per break, columns :data:`BREAK_COLUMNS`: ``month`` (first month of the new segment,
        ``YYYY-MM``), ``size`` (``exp(after - before) - 1``, the relative change of the seasonally
        adjusted level) [1], ``log_size`` [log kg], ``level_before_kg`` and ``level_after_kg`` (segment
        means as seasonally adjusted monthly quantities) [kg] and ``direction`` (``down``/``up``).
    """
    import ruptures as rpt

    s = d.dropna()
    out = pd.DataFrame(columns=BREAK_COLUMNS)
    n = len(s)
    if n < 2 * min_size + 1:
        return out
    x = s.to_numpy(float)
    p = pen if pen is not None else penalty(x, beta=beta, sigma=sigma)
    algo = rpt.KernelCPD(kernel="linear", min_size=min_size).fit(x.reshape(-1, 1))
    ends = algo.predict(pen=p)
    bounds = [0, *ends]
    rows = []
    for k in range(1, len(bounds) - 1):
        before = x[bounds[k - 1]:bounds[k]].mean()
        after = x[bounds[k]:bounds[k + 1]].mean()
        delta = after - before
        rows.append({
            "month": s.index[bounds[k]].strftime("%Y-%m"),
            "size": math.expm1(delta),
            "log_size": delta,
            "level_before_kg": math.exp(before),
            "level_after_kg": math.exp(after),
            "direction": "down" if delta < 0 else "up",
        })
    return pd.DataFrame(rows, columns=BREAK_COLUMNS) if rows else out
