"""Change points of the deseasonalised series (docs/methods.md §3: deseasonalise first, then search).

The search is PELT (Killick, Fearnhead & Eckley 2012) with the least-squares (``l2``) cost, a shift in the
mean of the deseasonalised log series ``d``, as ruptures (Truong, Oudre & Vayatis 2020) runs it in
``KernelCPD(kernel="linear").predict(pen=...)`` (the linear kernel's cost *is* the l2 cost):
:func:`pelt_l2` is that search, the same sums in the same order and the same pruning, so it returns
ruptures' breaks (``tests/test_monitor_breaks.py`` compares them). It is written here because importing
ruptures imports ``scipy.stats`` and ``scipy.signal`` too (0.5 to 0.9 s in each process that runs the
monitor), for a search that takes a millisecond on a decade of months.

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

__all__ = ["BREAK_COLUMNS", "find_breaks", "penalty", "pelt_l2"]

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
    s = d.dropna()
    out = pd.DataFrame(columns=BREAK_COLUMNS)
    n = len(s)
    if n < 2 * min_size + 1:
        return out
    x = s.to_numpy(float)
    p = pen if pen is not None else penalty(x, beta=beta, sigma=sigma)
    bounds = [0, *pelt_l2(x, p, min_size=min_size)]
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


def pelt_l2(x: np.ndarray, pen: float, *, min_size: int = 2) -> list[int]:
    """Optimal segmentation of ``x`` into segments of constant mean: the least-squares cost of the
    segments plus ``pen`` per segment, minimised by PELT, as ruptures' ``KernelCPD(kernel="linear",
    min_size=min_size).fit(x).predict(pen=pen)``.

    The segment cost is ``sum(x**2) - sum(x)**2 / length``, from running sums: ``D[t]``, the sum of
    squares of the first ``t`` values, and ``S[s]``, the sum of ``x_i x_j`` over the segment
    ``[s, t)``, updated as ``t`` grows. Candidates ``s`` (the last break before ``t``) are the oldest
    one kept, then every ``s`` leaving ``min_size`` values on each side; the first of equal totals
    wins. Candidates whose unpenalised total already exceeds the best penalised one are pruned from
    the oldest on (the first step skips to ``min_size``), as ruptures' C code does.

    Parameters
    ----------
    x : ndarray
        The series, finite, one dimension.
    pen : float
        Penalty per segment [the unit of ``x``, squared], > 0.
    min_size : int
        Shortest segment [values].

    Returns
    -------
    list of int
        The ends of the segments (exclusive), the last one ``len(x)``; empty for an empty ``x``.
    """
    v = [float(a) for a in np.asarray(x, dtype=float).ravel()]
    n = len(v)
    if not pen > 0:
        raise ValueError(f"the penalty must be > 0, not {pen}")
    m = max(int(min_size), 1)
    if n < 2 * m:
        raise ValueError(f"{n} values cannot hold two segments of {m}")
    d = [0.0] * (n + 1)      # sum of squares of x[:t]
    ss = [0.0] * (n + 1)     # ss[s]: sum of x_i x_j over [s, t)
    best = [0.0] * (n + 1)   # best penalised total of x[:t]
    path = [0] * (n + 1)     # the last break of that best segmentation
    pruning = [0.0] * (n + 1)
    s_min = 0
    for t in range(1, n + 1):
        xt = v[t - 1]
        diag = xt * xt
        d[t] = d[t - 1] + diag
        c_r = 0.0
        for s in range(t - 1, s_min - 1, -1):
            c_r += v[s] * xt
            ss[s] += 2 * c_r - diag
        if t < 2 * m:  # no break possible yet
            best[t] = (d[t] - d[0] - ss[0] / t) + pen
            continue
        s = s_min
        total = best[s] + (d[t] - d[s] - ss[s] / (t - s))
        pruning[s] = total
        best[t], path[t] = total + pen, s
        for s in range(max(s_min + 1, m), t - m + 1):
            total = best[s] + (d[t] - d[s] - ss[s] / (t - s))
            pruning[s] = total
            if best[t] > total + pen:
                best[t], path[t] = total + pen, s
        while pruning[s_min] >= best[t] and s_min < t - m + 1:
            s_min += m if s_min == 0 else 1
    ends, t = [], n
    while t > 0:
        ends.append(t)
        t = path[t]
    return ends[::-1]
