"""STL, the seasonal-trend decomposition by loess (Cleveland et al. 1990), in NumPy.

The monitor's seasonal model (:func:`critmin.monitor.baseline.stl_decompose`) is STL. This module is the
algorithm of the authors' Fortran program as :class:`statsmodels.tsa.seasonal.STL` implements it, step for
step (the inner loop's cycle-subseries smoothing, low-pass filter and trend smoothing; the outer loop's
bisquare robustness weights from six times the median absolute residual), with every loess estimate of a
pass computed at once on arrays instead of one point after another, and each sum taken in the same order.
Its results equal statsmodels' to the last bits (``tests/test_monitor_stl.py`` compares them on every
monthly export series of the bundled dataset and on random ones).

Why not statsmodels itself: importing its STL imports ``scipy.signal`` and ``scipy.stats`` too, 0.55 to
1.4 s in each process that runs the monitor (a report's worker processes, each ``critmin monitor``),
while the decompositions take milliseconds.

Only what the monitor uses is offered: every smoother evaluated at every point (statsmodels'
``*_jump = 1``, its default).

Cleveland, R. B., Cleveland, W. S., McRae, J. E. and Terpenning, I. (1990). STL: a seasonal-trend
decomposition procedure based on loess. *Journal of Official Statistics* 6(1), 3-73.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["stl"]


def stl(y: np.ndarray, period: int, *, seasonal: int = 7, trend: int | None = None,
        low_pass: int | None = None, seasonal_deg: int = 1, trend_deg: int = 1, low_pass_deg: int = 1,
        robust: bool = False, inner_iter: int | None = None,
        outer_iter: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seasonal, trend and robustness weights of a series by STL (arguments as statsmodels' ``STL``).

    Parameters
    ----------
    y : ndarray
        The series, finite, evenly spaced, two periods at least [any unit].
    period : int
        Season length [observations], >= 2.
    seasonal : int
        Seasonal smoother length [cycles], odd, >= 3.
    trend : int, optional
        Trend smoother length [observations], odd, > ``period``; default the smallest odd integer
        >= ``1.5 period / (1 - 1.5 / seasonal)``.
    low_pass : int, optional
        Low-pass filter length [observations], odd, > ``period``; default the smallest odd integer
        > ``period``.
    seasonal_deg, trend_deg, low_pass_deg : int
        Degrees of the loess fits (0: local constant, 1: local linear).
    robust : bool
        Downweight outlying observations (bisquare weights of the residuals) in further passes.
    inner_iter, outer_iter : int, optional
        Passes of the inner and the outer loop; default 2 and 15 when robust, else 5 and 0.

    Returns
    -------
    (ndarray, ndarray, ndarray)
        Seasonal and trend components [the unit of ``y``] and the robustness weights [1].

    Raises
    ------
    ValueError
        When a setting is out of range, ``y`` is shorter than two periods or holds a value that is
        not finite.
    """
    y = np.ascontiguousarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError("y must be one-dimensional")
    if not np.isfinite(y).all():
        raise ValueError("y must be finite (fill the gaps first)")
    period = int(period)
    if period < 2:
        raise ValueError("period must be an integer >= 2")
    if y.size < 2 * period:
        raise ValueError(f"y must hold two periods at least ({2 * period} values), not {y.size}")
    if seasonal < 3 or seasonal % 2 == 0:
        raise ValueError("seasonal must be an odd integer >= 3")
    if trend is None:
        trend = int(np.ceil(1.5 * period / (1 - 1.5 / seasonal)))
        trend += trend % 2 == 0
    if trend < 3 or trend % 2 == 0 or trend <= period:
        raise ValueError("trend must be an odd integer >= 3 and > period")
    if low_pass is None:
        low_pass = period + 1
        low_pass += low_pass % 2 == 0
    if low_pass < 3 or low_pass % 2 == 0 or low_pass <= period:
        raise ValueError("low_pass must be an odd integer >= 3 and > period")
    for deg in (seasonal_deg, trend_deg, low_pass_deg):
        if deg not in (0, 1):
            raise ValueError("the loess degrees must be 0 or 1")
    inner = (2 if robust else 5) if inner_iter is None else int(inner_iter)
    outer = (15 if robust else 0) if outer_iter is None else int(outer_iter)

    n = y.size
    season = np.zeros(n)
    trend_c = np.zeros(n)
    rw = np.ones(n)
    use_rw = False
    k = 0
    while True:
        for _ in range(inner):
            cycle = _cycle_subseries(y - trend_c, period, seasonal, seasonal_deg, rw if use_rw else None)
            low = _moving_average(_moving_average(_moving_average(cycle, period), period), 3)
            low = _smooth(low, low_pass, low_pass_deg, None)
            season = cycle[period:period + n] - low
            trend_c = _smooth(y - season, trend, trend_deg, rw if use_rw else None)
        k += 1
        if k > outer:
            break
        rw = _robustness_weights(y, trend_c + season)
        use_rw = True
    return season, trend_c, rw


@lru_cache(maxsize=64)
def _windows(n: int, length: int, extend: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the loess of a series of ``n`` points with window ``length`` is evaluated (1-based
    positions ``xs``, the points themselves, and with ``extend`` one before and one after them, as the
    cycle-subseries need) and each estimate's window (its first point, 1-based), bandwidth and base
    (tricube) weights ``(window, estimate)``, all as STL's ``ess`` and ``est`` choose them."""
    span = min(length, n)
    xs = np.arange(1, n + 1, dtype=float)
    if length >= n:
        left = np.ones(n, dtype=np.int64)
    else:  # the window slides once the point passes its middle, and stops at the end
        left = 1 + np.clip(np.arange(1, n + 1) - (length + 2) // 2, 0, n - length)
    if extend:
        xs = np.concatenate([[0.0], xs, [n + 1.0]])
        left = np.concatenate([[1], left, [max(1, n - length + 1)]]).astype(np.int64)
    right = left + span - 1
    h = np.maximum(xs - left, right - xs)
    if length > n:
        h = h + (length - n) // 2.0
    pos = left[None, :] + np.arange(span)[:, None]  # (window, estimate), 1-based
    r = np.abs(pos - xs[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(r <= 0.999 * h, np.where(r <= 0.001 * h, 1.0, _cube(1.0 - _cube(r / h))), 0.0)
    for a in (xs, h, pos, w):
        a.setflags(write=False)
    return xs, h, pos, w


def _cube(x: np.ndarray) -> np.ndarray:
    """``x ** 3`` element by element through the C library's ``pow``, as STL's compiled loess takes it:
    NumPy's own ``power`` is not the C library's on every CPU (with AVX-512 it takes a vector ``pow``
    that differs in the last bit for about 5 % of values), and the tricube weights are computed once
    per window shape (:func:`_windows` is cached)."""
    return np.frompyfunc(math.pow, 2, 1)(x, 3.0).astype(float)


def _loess(y: np.ndarray, n: int, length: int, deg: int, rw: np.ndarray | None, *,
           extend: bool = False) -> np.ndarray:
    """STL's loess estimates (``est``) of the columns of ``y`` (``(n, series)``) at every point (and
    with ``extend`` one before and one after), NaN where every weight is zero; each sum taken over the
    window in order, as the Fortran program adds."""
    xs, h, pos, w0 = _windows(n, length, extend)  # read-only arrays, shared between threads
    idx = pos - 1
    w = w0[:, :, None] * rw[idx] if rw is not None else np.repeat(w0[:, :, None], y.shape[1], axis=2)
    a = np.add.reduce(w, axis=0)
    ok = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        w = w / a
        if deg > 0:
            p = pos[:, :, None].astype(float)
            m = np.add.reduce(w * p, axis=0)
            c = np.add.reduce(w * (p - m) ** 2, axis=0)
            fit = (h[:, None] > 0) & (np.sqrt(c) > 0.001 * (n - 1.0))
            b = (xs[:, None] - m) / c
            w = np.where(fit, w * (b * (p - m) + 1.0), w)
        out = np.add.reduce(w * y[idx], axis=0)
    return np.where(ok, out, np.nan)


def _smooth(y: np.ndarray, length: int, deg: int, rw: np.ndarray | None) -> np.ndarray:
    """STL's ``ess`` of one series at every point; a point without weight keeps its value."""
    n = y.size
    if n < 2:
        return y.copy()
    out = _loess(y[:, None], n, length, deg, None if rw is None else rw[:, None])[:, 0]
    return np.where(np.isnan(out), y, out)


def _cycle_subseries(y: np.ndarray, period: int, length: int, deg: int, rw: np.ndarray | None) -> np.ndarray:
    """STL's ``ss``: each cycle-subseries (every ``period``-th point) smoothed, and extended by one
    estimate before and after; the result has ``n + 2 period`` points, cycle ``m`` of subseries ``j``
    at ``m period + j``."""
    n = y.size
    out = np.empty(n + 2 * period)
    sizes = np.array([(n - (j + 1)) // period + 1 for j in range(period)])
    for k in np.unique(sizes):
        cols = np.flatnonzero(sizes == k)
        k = int(k)
        idx = cols[None, :] + period * np.arange(k)[:, None]  # (k, subseries)
        est = _loess(y[idx], k, length, deg, None if rw is None else rw[idx], extend=True)
        inner = np.where(np.isnan(est[1:-1]), y[idx], est[1:-1])
        first = np.where(np.isnan(est[0]), inner[0], est[0])
        last = np.where(np.isnan(est[-1]), inner[-1], est[-1])
        full = np.vstack([first, inner, last])  # (k + 2, subseries)
        out[cols[None, :] + period * np.arange(k + 2)[:, None]] = full
    return out


def _moving_average(x: np.ndarray, length: int) -> np.ndarray:
    """STL's ``ma``: the running mean of ``length`` points, updated point by point as the Fortran
    program does (the first sum in order, then adding the point that enters less the one that
    leaves)."""
    steps = np.empty(x.size - length + 1)
    steps[0] = np.cumsum(x[:length])[-1]
    steps[1:] = x[length:] - x[:x.size - length]
    return np.cumsum(steps) / float(length)


def _robustness_weights(y: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """STL's ``rwts``: bisquare weights of the absolute residuals scaled by six times their median."""
    r = np.abs(y - fit)
    n = r.size
    mid = [n // 2, n - n // 2 - 1]
    part = np.partition(r, mid)
    cmad = 3.0 * (part[mid[0]] + part[mid[1]])
    if cmad == 0:
        return np.ones(n)
    return np.where(r <= 0.001 * cmad, 1.0, np.where(r <= 0.999 * cmad, (1.0 - (r / cmad) ** 2) ** 2, 0.0))
