"""Monthly changes and the seasonal baseline of an export series (docs/methods.md §3).

Everything here works on one monthly quantity series (a :class:`pandas.Series` of kilograms indexed by the
first day of each month). Gaps are kept as missing, never as zero.

The seasonal model is a robust STL decomposition (Cleveland et al. 1990; :func:`critmin.monitor.stl.stl`,
statsmodels' algorithm in NumPy) of the *log* of the quantity, with a stiff seasonal smoother
(``seasonal=13`` cycles, local constant ``seasonal_deg=0``): the seasonal pattern may drift over a decade
but not follow one year's events. With
STL's defaults (7 cycles, local linear) the last year's seasonal component bends towards a fall near the
end of the series and hides part of it. Zero months are floored first: the log is taken of
``max(q, floor_share * median(q > 0))`` so that a month of zero exports reads as a ~99 % fall instead of
minus infinity (this is the "equivalent of log(1 + q)" that stays scale-free: kilograms and tonnes give the
same answer). Subtracting the seasonal component gives the *deseasonalised log series* ``d``; all the
evidence signals and the change-point search use ``d``.

**The Lunar New Year.** China's factories, ports and customs close for the Spring Festival, a moving
holiday between 21 January and 20 February; exports surge in the weeks before it and slump in the weeks
after, so that a January or a February can fall by half against a fixed seasonal pattern in one year and
not in the next (February 2019 against February 2018). For exporters with such a holiday
(:data:`LUNAR_NEW_YEAR_EXPORTERS`), January and February are analysed as their average
(:func:`combine_jan_feb`), as China's customs publish them and as customs analysts read them: the pair is
hardly moved by the holiday's date. A fall in one of the two months alone is then not tested, and a fall
from February on shows in January and February together (half its size).

The *baseline* of month ``t`` is what the month would have been without a change at ``t``: the
pre-period level (the median of ``d`` over months ``t-12 .. t-3``; the two months just before ``t`` are
left out because front-running inflates them) plus the month's seasonal component. The *baseline
deviation* is ``q_t / baseline_t - 1`` [1].
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "LUNAR_NEW_YEAR_EXPORTERS",
    "combine_jan_feb",
    "lunar_new_year",
    "Window",
    "DEFAULT_WINDOW",
    "monthly",
    "changes",
    "log_level",
    "robust_sigma",
    "stl_decompose",
    "deseasonalise",
    "pre_level",
    "pre_start_from_breaks",
    "post_level",
    "seasonal_baseline",
]

STL_SEASONAL = 13
"""STL seasonal smoother length [cycles]: a stiff seasonal pattern (see the module docstring)."""
STL_SEASONAL_DEG = 0
"""Degree of STL's seasonal loess: local constant, so that the last year is not extrapolated."""
MIN_STL_MONTHS = 25
"""STL needs two full years (plus one month) of data; shorter series get no seasonal adjustment."""

LUNAR_NEW_YEAR_EXPORTERS = frozenset({"CHN", "HKG", "MAC", "TWN", "KOR", "VNM"})
"""Exporters whose factories and ports close for several days at the Lunar New Year (a lunar date between
21 January and 20 February): their January and February are analysed together (:func:`combine_jan_feb`)."""


def lunar_new_year(exporter: str | None) -> bool:
    """True when an exporter's January and February are analysed together (see the module docstring)."""
    return bool(exporter) and str(exporter).upper() in LUNAR_NEW_YEAR_EXPORTERS


def combine_jan_feb(values: np.ndarray | pd.Series | pd.DataFrame,
                    index: pd.DatetimeIndex | None = None) -> np.ndarray:
    """January and February of every year replaced by their mean (the Lunar New Year moves between them).

    Parameters
    ----------
    values : ndarray, Series or DataFrame
        Monthly quantities [kg] (or values [USD]), 1-D or months x series; NaN for missing months.
    index : DatetimeIndex, optional
        The months (first day of each); default the index of ``values``.

    Returns
    -------
    ndarray
        A copy in which January and February of each year both hold ``(jan + feb) / 2``; when one of
        the two is missing (or not in the index), both are missing: one month alone would carry the
        holiday's shift.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.Series([100.0, 40.0, 90.0, 120.0], index=pd.date_range("2019-01", periods=4, freq="MS"))
    >>> combine_jan_feb(q).tolist()
    [70.0, 70.0, 90.0, 120.0]
    """
    idx = pd.DatetimeIndex(values.index if index is None else index)  # type: ignore[union-attr]
    a = np.array(values, dtype=float, copy=True)
    if a.shape[0] != len(idx):
        raise ValueError(f"{a.shape[0]} values for {len(idx)} months")
    jan, feb, alone = _jan_feb_positions(idx)
    a[alone] = np.nan
    a[jan] = a[feb] = (a[jan] + a[feb]) / 2.0
    return a


def _jan_feb_positions(idx: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of each year's January and February in a month index, and of a January or February
    without its pair; kept by index (the monitor pairs the months of one index for every series of a
    panel). Read-only arrays."""
    key = (idx.asi8.tobytes(), str(idx.dtype))
    hit = _JAN_FEB_MEMO.get(key)
    if hit is not None:
        return hit
    years, months = np.asarray(idx.year), np.asarray(idx.month)
    jf = np.flatnonzero((months == 1) | (months == 2))
    pos = {(int(years[i]), int(months[i])): int(i) for i in jf}
    jan, feb, alone = [], [], []
    for year in sorted({int(years[i]) for i in jf}):
        j, f = pos.get((year, 1)), pos.get((year, 2))
        if j is None or f is None:
            alone += [k for k in (j, f) if k is not None]
            continue
        jan.append(j)
        feb.append(f)
    out = tuple(np.array(x, dtype=np.intp) for x in (jan, feb, alone))
    for x in out:
        x.flags.writeable = False
    with _JAN_FEB_LOCK:
        _JAN_FEB_MEMO[key] = out  # type: ignore[assignment]
        while len(_JAN_FEB_MEMO) > 64:
            _JAN_FEB_MEMO.pop(next(iter(_JAN_FEB_MEMO)))
    return out  # type: ignore[return-value]


_JAN_FEB_MEMO: dict[tuple[bytes, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_JAN_FEB_LOCK = threading.Lock()


@dataclass(frozen=True)
class Window:
    """The month windows every signal uses, relative to the month ``t`` under test.

    Parameters
    ----------
    pre : tuple of int
        First and last lag of the pre-period [months]: ``(12, 3)`` means months ``t-12 .. t-3``.
    min_pre : int
        Fewest non-missing pre-period months needed to assess a month [months].
    front : int
        Months before ``t`` searched for front-running [months].
    post : int
        Months from ``t`` on averaged for the post level (``t .. t+post-1``) [months].
    recovery : int
        Months after ``t`` searched for a licence-lag recovery [months].
    min_segment : int
        Fewest months of a pre-period cut short at an earlier change point [months].
    """

    pre: tuple[int, int] = (12, 3)
    min_pre: int = 6
    front: int = 2
    post: int = 2
    recovery: int = 3
    min_segment: int = 3


DEFAULT_WINDOW = Window()
"""The default windows (pre-period t-12..t-3, front-running t-2..t-1, post t..t+1, recovery t+1..t+3)."""


def monthly(series: pd.Series) -> pd.Series:
    """Put a series on a complete month-start index (missing months become NaN).

    Parameters
    ----------
    series : Series
        Values indexed by dates or ``'YYYY-MM-01'`` strings.

    Returns
    -------
    Series
        The same values on a ``DatetimeIndex`` with frequency ``MS`` from the first to the last month;
        duplicate months are summed.
    """
    s = series.copy()
    s.index = pd.to_datetime(s.index).to_period("M").to_timestamp()
    s = s.groupby(level=0).sum(min_count=1)
    if len(s) == 0:
        return s.astype(float)
    full = pd.date_range(s.index.min(), s.index.max(), freq="MS")
    return s.reindex(full).astype(float)


def changes(quantity: pd.Series) -> pd.DataFrame:
    """Year-on-year and month-on-month change of a monthly series.

    Parameters
    ----------
    quantity : Series
        Monthly quantities [kg] (any unit works: the changes are ratios).

    Returns
    -------
    DataFrame
        ``yoy_change = q_t / q_{t-12} - 1`` [1] and ``mom_change = q_t / q_{t-1} - 1`` [1]; NaN where a
        month is missing or the earlier month is zero.
    """
    q = monthly(quantity)
    prev_y = q.shift(12)
    prev_m = q.shift(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        yoy = np.where(prev_y > 0, q / prev_y - 1.0, np.nan)
        mom = np.where(prev_m > 0, q / prev_m - 1.0, np.nan)
    return pd.DataFrame({"yoy_change": yoy, "mom_change": mom}, index=q.index)


def log_level(quantity: pd.Series | np.ndarray, *, floor_share: float = 0.01,
              floor: float | None = None) -> np.ndarray:
    """Log of a quantity floored at a share of its median positive value.

    Parameters
    ----------
    quantity : Series or ndarray
        Quantities [kg]; NaN stays NaN.
    floor_share : float
        Floor as a share of the median positive quantity [1].
    floor : float, optional
        An explicit floor [kg] instead.

    Returns
    -------
    ndarray
        ``log(max(q, floor))`` [log kg].
    """
    q = np.asarray(quantity, float)
    if floor is None:
        pos = q[np.isfinite(q) & (q > 0)]
        floor = float(np.median(pos)) * floor_share if pos.size else 1.0
    floor = max(floor, 1e-12)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(q), np.nan, np.log(np.maximum(q, floor)))


def robust_sigma(x: np.ndarray | pd.Series) -> float:
    """Month-to-month noise of a series: ``1.4826 * MAD(diff(x)) / sqrt(2)``.

    Robust to level shifts and isolated outliers (they touch few differences).

    Parameters
    ----------
    x : array-like
        A (deseasonalised log) series; NaN ignored.

    Returns
    -------
    float
        Noise standard deviation in the units of ``x``; NaN with fewer than 4 differences.
    """
    a = np.asarray(x, float)
    dx = np.diff(a)
    dx = dx[np.isfinite(dx)]
    if dx.size < 4:
        return float("nan")
    mad = np.median(np.abs(dx - np.median(dx)))
    return float(1.4826 * mad / np.sqrt(2.0))


def _interpolate(a: np.ndarray) -> np.ndarray:
    ok = np.isfinite(a)
    if ok.all() or not ok.any():
        return a
    idx = np.arange(a.size)
    return np.interp(idx, idx[ok], a[ok])


def stl_decompose(log_q: np.ndarray, *, period: int = 12, robust: bool = True,
                  seasonal: int | None = None, seasonal_deg: int | None = None) -> dict[str, np.ndarray]:
    """Robust STL of a log series with gaps (filled by interpolation for the fit only).

    Parameters
    ----------
    log_q : ndarray
        Log quantities [log kg], monthly, NaN for missing months.
    period : int
        Season length [months].
    robust : bool
        Use STL's robust (outlier-downweighting) iterations.
    seasonal : int, optional
        STL seasonal smoother length (odd, >= 3) [cycles]; default :data:`STL_SEASONAL` (13).
    seasonal_deg : int, optional
        Degree of the seasonal loess (0 or 1); default :data:`STL_SEASONAL_DEG` (0).

    Returns
    -------
    dict
        ``seasonal``, ``trend``, ``resid`` arrays [log kg]; with fewer than :data:`MIN_STL_MONTHS` finite
        months the seasonal component is zero and the trend is the series itself.

    Notes
    -----
    The last fits are kept by input (the series' bytes and the settings) and handed out as copies: the
    monitor decomposes the same series more than once (a line's control index recurs across panels).
    """
    a = np.asarray(log_q, float)
    n_ok = int(np.isfinite(a).sum())
    if n_ok < MIN_STL_MONTHS or a.size < 2 * period + 1:
        return {"seasonal": np.zeros_like(a), "trend": a.copy(), "resid": np.zeros_like(a)}
    seasonal = STL_SEASONAL if seasonal is None else seasonal
    seasonal_deg = STL_SEASONAL_DEG if seasonal_deg is None else seasonal_deg
    key = (a.tobytes(), int(period), bool(robust), seasonal, seasonal_deg)
    with _STL_LOCK:
        hit = _STL_MEMO.get(key)
        if hit is not None:
            _STL_MEMO.move_to_end(key)
    if hit is None:
        from critmin.monitor.stl import stl

        seas, trend, _w = stl(_interpolate(a), period, robust=robust, seasonal=seasonal,
                              seasonal_deg=seasonal_deg)
        hit = (seas, trend)
        with _STL_LOCK:
            _STL_MEMO[key] = hit
            while len(_STL_MEMO) > _STL_MEMO_SIZE:
                _STL_MEMO.popitem(last=False)
    seas, trend = hit[0].copy(), hit[1].copy()
    resid = np.where(np.isfinite(a), a - seas - trend, np.nan)
    return {"seasonal": seas, "trend": trend, "resid": resid}


# STL fits by input (the series' bytes and the settings): equal inputs give equal fits, and the monitor
# decomposes the same series more than once (a series tested on its own and as a control of another).
_STL_MEMO: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_STL_MEMO_SIZE = 256
_STL_LOCK = threading.Lock()


def deseasonalise(quantity: pd.Series, *, period: int = 12, robust: bool = True,
                  seasonal: int | None = None, jan_feb: bool = False) -> pd.Series:
    """The deseasonalised log series ``d = log q - seasonal`` of a monthly quantity.

    Parameters
    ----------
    quantity : Series
        Monthly quantities [kg].
    period, robust, seasonal
        See :func:`stl_decompose`.
    jan_feb : bool
        Analyse January and February as their average (:func:`combine_jan_feb`; for exporters with a
        Lunar New Year holiday).

    Returns
    -------
    Series
        ``d`` [log kg] on a complete monthly index.
    """
    q = monthly(quantity)
    lq = log_level(combine_jan_feb(q) if jan_feb else q.to_numpy())
    parts = stl_decompose(lq, period=period, robust=robust, seasonal=seasonal)
    return pd.Series(lq - parts["seasonal"], index=q.index, name="deseasonalised")


def pre_level(d: pd.Series | np.ndarray, window: Window = DEFAULT_WINDOW,
              start: np.ndarray | None = None) -> np.ndarray:
    """Pre-period level of every month: median of ``d`` over months ``t-pre[0] .. t-pre[1]``.

    Parameters
    ----------
    d : Series or ndarray
        Deseasonalised log series [log kg]; a 2-D input (months x series) gives one level per column.
    window : Window
        The windows.
    start : ndarray of int, optional
        Per month, the first month (position) the pre-period may use, e.g. from
        :func:`pre_start_from_breaks`, so that the pre-period does not straddle an earlier change of
        level. A truncated pre-period is used when it still holds ``window.min_segment`` months;
        otherwise the full one.

    Returns
    -------
    ndarray
        The level [log kg]; NaN with fewer than ``window.min_pre`` months available.

    Notes
    -----
    The last results are kept by input (the series' bytes, the window and ``start``) and handed out as
    copies: the signals of one panel ask for the same levels in turn.
    """
    a = np.asarray(d, float)
    st = None if start is None else np.asarray(start, int)
    # the signals of one panel ask for the same levels in turn: kept by input, copies handed out
    key = (a.shape, a.tobytes(), window, None if st is None else st.tobytes())
    with _PRE_LOCK:
        hit = _PRE_MEMO.get(key)
        if hit is not None:
            _PRE_MEMO.move_to_end(key)
    if hit is None:
        hit = _pre_level(a, window, st)
        with _PRE_LOCK:
            _PRE_MEMO[key] = hit
            while len(_PRE_MEMO) > 32:
                _PRE_MEMO.popitem(last=False)
    return hit.copy()


_PRE_MEMO: OrderedDict[tuple, np.ndarray] = OrderedDict()
_PRE_LOCK = threading.Lock()


def _pre_level(a: np.ndarray, window: Window, start: np.ndarray | None) -> np.ndarray:
    s = pd.DataFrame(a) if a.ndim == 2 else pd.Series(a)
    lo, hi = window.pre
    full = s.shift(hi).rolling(lo - hi + 1, min_periods=window.min_pre).median().to_numpy()
    if start is None:
        return full
    n = a.shape[0]
    st = np.asarray(start, int)
    cut = st > np.arange(n) - lo  # the pre-period is cut short at an earlier change point
    if not cut.any():
        return full
    pos = np.arange(n)[:, None] - np.arange(lo, hi - 1, -1)[None, :]  # months t-lo .. t-hi
    valid = (pos >= 0) & (pos >= st[:, None])
    vals = a[np.clip(pos, 0, n - 1)]
    if a.ndim == 2:
        valid = valid[:, :, None]
    vals = np.where(valid, vals, np.nan)
    count = np.isfinite(vals).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(vals, axis=1)
    use = (count >= window.min_segment) & (cut[:, None] if a.ndim == 2 else cut)
    return np.where(use, med, full)


def pre_start_from_breaks(n: int, break_positions: list[int] | np.ndarray, window: Window = DEFAULT_WINDOW
                          ) -> np.ndarray:
    """First month each pre-period may use: the latest change point at or before ``t - pre[1]``.

    Parameters
    ----------
    n : int
        Number of months.
    break_positions : list of int
        Positions (month index) where a new segment starts (:func:`critmin.monitor.breaks.find_breaks`).
    window : Window
        The windows.

    Returns
    -------
    ndarray of int
        ``start[t]`` (0 when no break precedes the pre-period).
    """
    start = np.zeros(n, int)
    bp = np.sort(np.asarray(list(break_positions), int))
    for t in range(n):
        prior = bp[bp <= t - window.pre[1]]
        if prior.size:
            start[t] = prior[-1]
    return start


def post_level(d: pd.Series | np.ndarray, window: Window = DEFAULT_WINDOW) -> np.ndarray:
    """Post level of every month: mean of ``d`` over months ``t .. t+post-1`` (fewer at the end).

    Returns
    -------
    ndarray
        The level [log kg]; NaN when month ``t`` itself is missing; 2-D inputs work column-wise.
    """
    a = np.asarray(d, float)
    s = pd.DataFrame(a[::-1]) if a.ndim == 2 else pd.Series(a[::-1])
    fwd = s.rolling(window.post, min_periods=1).mean().to_numpy()[::-1]
    return np.where(np.isfinite(a), fwd, np.nan)


def seasonal_baseline(quantity: pd.Series, *, period: int = 12, robust: bool = True,
                      seasonal: int | None = None,
                      window: Window = DEFAULT_WINDOW, jan_feb: bool = False) -> pd.DataFrame:
    """The seasonal baseline of a monthly series and each month's deviation from it.

    Parameters
    ----------
    quantity : Series
        Monthly quantities [kg] indexed by month.
    period, robust, seasonal
        See :func:`stl_decompose`.
    window : Window
        The pre-period that sets the baseline level.
    jan_feb : bool
        Analyse January and February as their average (:func:`combine_jan_feb`): their baseline is
        that of the pair's average and their deviation is the average's.

    Returns
    -------
    DataFrame
        Indexed by month: ``quantity_kg`` [kg] (as reported), ``yoy_change`` and ``mom_change`` [1],
        ``log_q``, ``seasonal``, ``trend``, ``resid`` and ``deseasonalised`` [log kg], ``level_pre``
        [log kg], ``baseline_kg`` (expected quantity: ``exp(level_pre + seasonal)``) [kg] and
        ``baseline_deviation`` (``q / baseline - 1``, of the analysed quantity) [1].

    Examples
    --------
    A flat series of 100 t a month that halves in its last two months deviates by -50 % from its baseline:

    >>> import pandas as pd
    >>> q = pd.Series([1e5] * 34 + [5e4] * 2, index=pd.date_range("2020-01", periods=36, freq="MS"))
    >>> round(float(seasonal_baseline(q)["baseline_deviation"].iloc[-2]), 2)
    -0.5
    """
    q = monthly(quantity)
    qa = combine_jan_feb(q) if jan_feb else q.to_numpy()
    lq = log_level(qa)
    parts = stl_decompose(lq, period=period, robust=robust, seasonal=seasonal)
    d = lq - parts["seasonal"]
    lvl = pre_level(d, window)
    base = np.exp(lvl + parts["seasonal"])
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.where(np.isfinite(qa) & (base > 0), qa / base - 1.0, np.nan)
    ch = changes(q)
    return pd.DataFrame({
        "quantity_kg": q.to_numpy(),
        "yoy_change": ch["yoy_change"].to_numpy(),
        "mom_change": ch["mom_change"].to_numpy(),
        "log_q": lq,
        "seasonal": parts["seasonal"],
        "trend": parts["trend"],
        "resid": parts["resid"],
        "deseasonalised": d,
        "level_pre": lvl,
        "baseline_kg": base,
        "baseline_deviation": dev,
    }, index=q.index)
