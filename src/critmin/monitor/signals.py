"""The evidence signals of docs/methods.md §3, each computed for every month and scored separately.

Every month ``t`` is treated as a candidate effective date. Each signal function takes deseasonalised log
series (:func:`critmin.monitor.baseline.deseasonalise`; for a series without seasonality ``log(q)`` will
do) on one monthly index and returns a DataFrame indexed by month with at least

``value``
    the measured quantity, in the unit the signal documents (mostly a fraction [1]);
``score``
    in [0, 1]: how *restriction-like* this piece of evidence is. 0.5 is uninformative, below 0.5 points
    to a demand slump, above to a restriction. NaN when the signal cannot be computed (then it counts as
    0.5 and the verdict carries a warning).

plus auxiliary columns used by :func:`note`. Thresholds are of the form ``max(absolute, k * sigma)``: a
change has to be both economically large and large against the series' own month-to-month noise
``sigma`` (:func:`critmin.monitor.baseline.robust_sigma`). The windows are those of
:class:`critmin.monitor.baseline.Window`: pre-period ``t-12 .. t-3``, front-running ``t-2 .. t-1``, post
``t .. t+1``, recovery ``t+1 .. t+3``.

Every function also takes ``pre_start`` (per month, the first month its pre-period may use; see
:func:`critmin.monitor.baseline.pre_start_from_breaks`): the detector cuts each pre-period at the last
change point before it, so that a baseline never mixes two levels.

The level break is special: it is the *gate* of the verdict (is there a large, abrupt, persistent fall at
``t`` at all?), the other six say whether such a fall looks like a restriction or like a demand slump
(:mod:`critmin.monitor.verdict`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from critmin.monitor.baseline import DEFAULT_WINDOW, Window, post_level, pre_level, robust_sigma

__all__ = [
    "SIGNALS",
    "level_break",
    "front_running",
    "control_group",
    "price_wedge",
    "destination_selectivity",
    "licence_recovery",
    "breadth",
    "note",
    "ramp",
]

SIGNALS = (
    "level_break",
    "front_running",
    "control_group",
    "price_wedge",
    "destination_selectivity",
    "licence_recovery",
    "breadth",
)
"""The signal names, in the order of docs/methods.md §3."""


# ----------------------------------------------------------------------------- helpers
def ramp(x: np.ndarray | float, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    """``clip((x - lo) / (hi - lo), 0, 1)``, NaN preserved."""
    x = np.asarray(x, float)
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip((x - lo) / np.maximum(hi - lo, 1e-12), 0.0, 1.0)
    return np.where(np.isnan(x), np.nan, r)


def _thresholds(sigma: float, abs_lo: float, abs_hi: float, k_lo: float, k_hi: float) -> tuple[float, float]:
    s = sigma if np.isfinite(sigma) else 0.0
    return max(abs_lo, k_lo * s), max(abs_hi, k_hi * s)


def _arr(d: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(d, float)


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """``out[t] = a[t - k]`` (k > 0 looks back, k < 0 looks ahead), NaN outside."""
    out = np.full_like(a, np.nan)
    if k > 0:
        out[k:] = a[:-k]
    elif k < 0:
        out[:k] = a[-k:]
    else:
        out[:] = a
    return out


def _index(d: pd.Series | np.ndarray) -> pd.Index:
    return d.index if isinstance(d, pd.Series) else pd.RangeIndex(len(d))


def _sigma(a: np.ndarray, sigma: float | None) -> float:
    return robust_sigma(a) if sigma is None else float(sigma)


# ----------------------------------------------------------------------------- 1. level break
def level_break(d: pd.Series, *, window: Window = DEFAULT_WINDOW, pre_start: np.ndarray | None = None,
                sigma: float | None = None,
                breaks: pd.DataFrame | None = None, break_tolerance: int = 1, no_break: float = 0.5,
                fall_abs: tuple[float, float] = (0.2, 0.4), fall_k: tuple[float, float] = (2.0, 3.5),
                persist_share: tuple[float, float] = (0.05, 0.2),
                abrupt_share: tuple[float, float] = (0.3, 0.7), onset: int = 3,
                extreme_abs: tuple[float, float] = (0.7, 1.2), extreme_k: tuple[float, float] = (6.0, 9.0)
                ) -> pd.DataFrame:
    """A large, abrupt, persistent fall at month ``t`` (the gate of the verdict).

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity of the lines under test [log kg].
    window : Window
        Pre-period and post windows.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    sigma : float, optional
        Month-to-month noise of ``d`` [log kg]; estimated when omitted.
    breaks : DataFrame, optional
        Change points of ``d`` (:func:`critmin.monitor.breaks.find_breaks`). When given, a month without
        a downward break within ``break_tolerance`` months has its score multiplied by ``no_break``: a
        fall the change-point search does not confirm is too short or too small against the noise.
    break_tolerance : int
        See ``breaks`` [months].
    no_break : float
        See ``breaks`` [1].
    fall_abs : tuple of float
        The fall ``L_pre - d_t`` scores from 0 at the first to 1 at the second value [log kg]
        (0.2 is an 18 % fall, 0.4 a 33 % fall) ...
    fall_k : tuple of float
        ... or at these multiples of ``sigma``, whichever is larger [1].
    persist_share : tuple of float
        Share of the lost volume still lost over ``t+1 .. t+2`` (mean log level) for which persistence
        scores 0 and 1 [1]: it tells a one-month dip from a fall (a licence-lag recovery may restore
        much of the flow at once).
    abrupt_share : tuple of float
        Share of the fall that happened at ``t`` for which abruptness scores 0 and 1 [1]. The share is
        measured from the lower of ``d_{t-1}`` and the median of ``d_{t-onset} .. d_{t-1}``, so that a
        month in the middle of a fall that began earlier (a gradual slump, or the months after a
        restriction) is not a new onset.
    onset : int
        Months before ``t`` looked at for an earlier start of the fall [months].
    extreme_abs, extreme_k : tuple of float
        A fall beyond ``max(extreme_abs[1], extreme_k[1] sigma)`` [log kg] counts as persistent even when
        the next months are back (a collapse far beyond the noise, e.g. a licence-lag recovery after one
        month); the credit ramps in from ``max(extreme_abs[0], extreme_k[0] sigma)``.

    Returns
    -------
    DataFrame
        ``value``: the fall at ``t`` against the pre-period level, ``exp(d_t - L_pre) - 1`` [1] (this is
        the baseline deviation); ``magnitude`` in [0, 1] (size of the fall against the thresholds);
        ``persistence`` in [0, 1] (share of the lost volume still lost over ``t+1 .. t+2``: 0 below
        5 %, 1 above 20 %; 0.75 when ``t+1`` is not in the data); ``abruptness`` in [0, 1] (share of
        the fall that happened at ``t``: 0 below 30 %, 1 above 70 %; a front-running spike makes it
        1); ``fall`` = magnitude x persistence; ``break_near`` (1, or ``no_break`` when ``breaks``
        are given and none is near); ``score`` = fall x (1/2 + abruptness/2) x break_near;
        ``level_pre`` [log kg].
    """
    a = _arr(d)
    s = _sigma(a, sigma)
    lvl = pre_level(a, window, pre_start)
    delta = a - lvl
    lo, hi = _thresholds(s, fall_abs[0], fall_abs[1], fall_k[0], fall_k[1])
    mag = ramp(-delta, lo, hi)
    nxt = pd.Series(_shift(a, -1)).rolling(2, min_periods=1).mean().shift(-1).to_numpy() - lvl
    nxt = np.where(np.isfinite(_shift(a, -1)), nxt, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        keep = np.where(delta < 0, np.expm1(nxt) / np.expm1(delta), np.nan)
    persist = np.where(np.isfinite(nxt), ramp(keep, persist_share[0], persist_share[1]), 0.75)
    # a collapse far beyond the noise needs no second month to be believed
    x_lo, x_hi = _thresholds(s, extreme_abs[0], extreme_abs[1], extreme_k[0], extreme_k[1])
    persist = np.fmax(persist, ramp(-delta, x_lo, x_hi))
    persist = np.where(delta < 0, persist, 0.0)
    prev = _shift(a, 1)
    prev = np.where(np.isfinite(prev), prev, _shift(a, 2))
    rec_med = pd.Series(a).shift(1).rolling(onset, min_periods=1).median().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(lvl - a > 0, (np.fmin(prev, rec_med) - a) / (lvl - a), np.nan)
    abrupt = np.where(np.isfinite(share), ramp(share, abrupt_share[0], abrupt_share[1]), 0.5)
    fall = np.where(np.isfinite(delta), mag * persist, np.nan)
    near = np.ones_like(a)
    if breaks is not None:
        near = np.full_like(a, no_break)
        idx = _index(d)
        labels = idx.strftime("%Y-%m") if isinstance(idx, pd.DatetimeIndex) else idx.astype(str)
        pos = {m: i for i, m in enumerate(labels)}
        for m, size in zip(breaks["month"], breaks["size"], strict=True):
            if size < 0 and m in pos:
                i = pos[m]
                near[max(0, i - break_tolerance):i + break_tolerance + 1] = 1.0
    score = fall * (0.5 + 0.5 * abrupt) * near
    return pd.DataFrame({
        "value": np.expm1(delta), "score": score, "magnitude": mag, "persistence": persist,
        "abruptness": np.where(np.isfinite(delta), abrupt, np.nan), "abrupt_share": share,
        "fall": fall, "break_near": near, "next_value": np.expm1(nxt), "prev_value": np.expm1(prev - lvl),
        "level_pre": lvl, "sigma": s,
    }, index=_index(d))


# ----------------------------------------------------------------------------- 2. front-running
def front_running(d: pd.Series, *, window: Window = DEFAULT_WINDOW, pre_start: np.ndarray | None = None,
                  sigma: float | None = None,
                  surge_abs: tuple[float, float] = (0.1, 0.3), surge_k: tuple[float, float] = (1.5, 4.0),
                  floor: float = 0.35) -> pd.DataFrame:
    """A spike in the month(s) just before ``t``, as buyers rush ahead of a control.

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity [log kg].
    window : Window
        ``front`` months before ``t`` are searched; the pre-period leaves them out.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    sigma : float, optional
        Noise of ``d`` [log kg].
    surge_abs, surge_k : tuple of float
        The surge scores from 0 to 1 between ``max(surge_abs[0], surge_k[0] sigma)`` and
        ``max(surge_abs[1], surge_k[1] sigma)`` [log kg].
    floor : float
        Score with no surge at all [1]: absence of front-running is weak evidence of a demand slump
        (controls can come unannounced), hence below 0.5 but not 0.

    Returns
    -------
    DataFrame
        ``value``: the largest of months ``t-front .. t-1`` against the pre-period level,
        ``exp(max d - L_pre) - 1`` [1]; ``lag``: which month held it [months before t]; ``score`` =
        ``floor + (1 - floor) * ramp``.
    """
    a = _arr(d)
    s = _sigma(a, sigma)
    lvl = pre_level(a, window, pre_start)
    before = np.vstack([_shift(a, k) for k in range(1, window.front + 1)])
    with np.errstate(invalid="ignore"):
        all_nan = np.all(np.isnan(before), axis=0)
        filled = np.where(np.isnan(before), -np.inf, before)
        best = np.max(filled, axis=0)
        lag = np.argmax(filled, axis=0) + 1
    best = np.where(all_nan, np.nan, best)
    surge = best - lvl
    lo, hi = _thresholds(s, surge_abs[0], surge_abs[1], surge_k[0], surge_k[1])
    score = floor + (1.0 - floor) * ramp(surge, lo, hi)
    return pd.DataFrame({"value": np.expm1(surge), "score": score,
                         "lag": np.where(all_nan, np.nan, lag).astype(float)}, index=_index(d))


# ----------------------------------------------------------------------------- 3. control group
def _placebo_z(x: np.ndarray, gap: int, min_n: int) -> np.ndarray:
    """Robust z of every month's value against the values more than ``gap`` months away (NaN with fewer
    than ``min_n`` of them); the MAD is floored at 0.02."""
    n = x.size
    ok = np.isfinite(x)
    z = np.full(n, np.nan)
    pos = np.arange(n)
    for t in np.flatnonzero(ok):
        ref = x[ok & (np.abs(pos - t) > gap)]
        if ref.size < min_n:
            continue
        med = float(np.median(ref))
        mad = 1.4826 * float(np.median(np.abs(ref - med)))
        z[t] = (x[t] - med) / max(mad, 0.02)
    return z


def control_group(d: pd.Series, d_control: pd.Series | None, *, window: Window = DEFAULT_WINDOW,
                  pre_start: np.ndarray | None = None,
                  explained: tuple[float, float] = (0.3, 0.8), min_fall: float = 0.05,
                  placebo_z: tuple[float, float] = (1.5, 3.0), placebo_gap: int = 12,
                  min_placebo: int = 12) -> pd.DataFrame:
    """Difference-in-differences against sibling lines not under control, with a placebo-in-time test.

    A demand slump moves related lines together; a restriction moves only the controlled lines. That the
    controls did not follow is evidence of a restriction only when the tested lines and their controls
    do not part this much in ordinary months: a thin, volatile line, or controls that hold mostly other
    products (a mixed line), diverge from each other all the time. So the same difference-in-differences
    is computed at every month of the series, and the month's value is standardised against its value
    at the *placebo dates*: every month more than ``placebo_gap`` months away (robust z: median and MAD),
    so that the month's own fall and its aftermath are not their own reference. The restriction side of
    the score is kept in full from ``|z| >= placebo_z[1]`` and shrinks to uninformative (0.5) at
    ``placebo_z[0]`` and below. The demand side (the controls fell too) is kept whatever ``z``.

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity of the lines under test [log kg].
    d_control : Series or None
        Deseasonalised log index of the control lines on the same months [log]; None gives NaN scores.
    window : Window
        Pre and post windows.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    explained : tuple of float
        The share of the target's fall *not* mirrored by the controls, ``1 - Δc / Δt``, scores from 0 at
        the first to 1 at the second value [1].
    min_fall : float
        Below this target fall (post - pre) [log kg] the comparison is uninformative (score 0.5).
    placebo_z : tuple of float
        Robust z of the difference-in-differences against its values at the placebo dates, below which
        the controls' not following is uninformative and from which it counts in full [1].
    placebo_gap : int
        Placebo dates are the months more than this far from the month tested [months].
    min_placebo : int
        Fewest placebo dates for the test; with fewer the score is not discounted [months].

    Returns
    -------
    DataFrame
        ``value``: the difference-in-differences ``exp(Δt - Δc) - 1`` [1] with ``Δ = post level - pre
        level``; ``target_change`` and ``control_change`` (``exp(Δ) - 1``) [1]; ``unexplained`` (the share
        of the fall the controls do not show) [1]; ``z`` (the placebo-in-time z of ``Δt - Δc``) [1];
        ``score``.
    """
    a = _arr(d)
    idx = _index(d)
    dt = post_level(a, window) - pre_level(a, window, pre_start)
    if d_control is None:
        nan = np.full_like(a, np.nan)
        return pd.DataFrame({"value": nan, "score": nan, "target_change": np.expm1(dt),
                             "control_change": nan, "unexplained": nan, "z": nan}, index=idx)
    c = _arr(d_control)
    dc = post_level(c, window) - pre_level(c, window, pre_start)
    did = dt - dc
    with np.errstate(invalid="ignore", divide="ignore"):
        unexplained = np.where(dt < -min_fall, 1.0 - dc / dt, np.nan)
    raw = np.where(dt < -min_fall, ramp(unexplained, explained[0], explained[1]), 0.5)
    zz = _placebo_z(did, placebo_gap, min_placebo)
    keep = np.where(np.isfinite(zz), ramp(-zz, placebo_z[0], placebo_z[1]), 1.0)
    score = np.where(raw > 0.5, 0.5 + (raw - 0.5) * keep, raw)
    score = np.where(np.isfinite(did), score, np.nan)
    return pd.DataFrame({"value": np.expm1(did), "score": score, "target_change": np.expm1(dt),
                         "control_change": np.expm1(dc), "unexplained": unexplained, "z": zz}, index=idx)


# ----------------------------------------------------------------------------- 4. price wedge
def price_wedge(log_uv: pd.Series, *, window: Window = DEFAULT_WINDOW, pre_start: np.ndarray | None = None,
                sigma: float | None = None,
                change_abs: tuple[float, float] = (0.03, 0.15), change_k: tuple[float, float] = (1.0, 3.0)
                ) -> pd.DataFrame:
    """Export unit value of the lines under test, post against pre.

    A restriction raises export unit values (scarcity abroad, licence premia); a demand slump lowers
    prices and volumes together. Only the export side is measured: domestic prices are not in the
    monthly trade data.

    Parameters
    ----------
    log_uv : Series
        Log unit value (value / quantity) of the lines under test [log USD/kg]; all-NaN (no values
        reported) gives NaN scores.
    window : Window
        Pre and post windows.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    sigma : float, optional
        Month-to-month noise of ``log_uv`` [log USD/kg].
    change_abs, change_k : tuple of float
        A change of the unit value scores from 0.5 (none) towards 1 (rise) or 0 (fall) between
        ``max(change_abs[0], change_k[0] sigma)`` and ``max(change_abs[1], change_k[1] sigma)`` [log].

    Returns
    -------
    DataFrame
        ``value``: the unit-value change ``exp(post - pre) - 1`` [1]; ``score``.
    """
    a = _arr(log_uv)
    s = _sigma(a, sigma)
    ch = post_level(a, window) - pre_level(a, window, pre_start)
    lo, hi = _thresholds(s, change_abs[0], change_abs[1], change_k[0], change_k[1])
    signed = np.sign(ch) * ramp(np.abs(ch), lo, hi)
    return pd.DataFrame({"value": np.expm1(ch), "score": 0.5 + 0.5 * signed}, index=_index(log_uv))


# ----------------------------------------------------------------------------- 5. destination selectivity
def _partner_falls(d_partners: pd.DataFrame, window: Window,
                   pre_start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per month and partner: fall ``1 - exp(post - pre)`` in [-1, 1] and pre-volume weight.

    :func:`destination_selectivity` and :func:`breadth` ask for the same panel's in turn: the last few
    results are kept by input (the matrix' bytes, the window and ``pre_start``), and copies handed out.
    """
    m = d_partners.to_numpy(float)
    st = None if pre_start is None else np.asarray(pre_start, int)
    key = (m.shape, m.tobytes(), window, None if st is None else st.tobytes())
    with _FALLS_LOCK:
        hit = next((v for k, v in _FALLS_MEMO if k == key), None)
    if hit is None:
        hit = _partner_falls_of(m, window, st)
        with _FALLS_LOCK:
            _FALLS_MEMO.append((key, hit))
            del _FALLS_MEMO[:-4]
    return hit[0].copy(), hit[1].copy()


_FALLS_MEMO: list[tuple[tuple, tuple[np.ndarray, np.ndarray]]] = []
_FALLS_LOCK = threading.Lock()


def _partner_falls_of(m: np.ndarray, window: Window,
                      pre_start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    pre = pre_level(m, window, pre_start)
    post = post_level(m, window)
    falls = np.clip(-np.expm1(post - pre), -1.0, 1.0)
    ok = np.isfinite(falls)
    top = np.max(np.where(ok, pre, -np.inf), axis=1, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        w = np.where(ok, np.exp(np.where(ok, pre, 0.0) - np.where(np.isfinite(top), top, 0.0)), 0.0)
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(tot > 0, w / tot, 0.0)
    return falls, w


def destination_selectivity(d_partners: pd.DataFrame | None, *, window: Window = DEFAULT_WINDOW,
                            pre_start: np.ndarray | None = None,
                            z: tuple[float, float] = (1.5, 4.0), spread: tuple[float, float] = (0.1, 0.3),
                            floor: float = 0.4) -> pd.DataFrame:
    """Do flows to some partners stop while others continue?

    Parameters
    ----------
    d_partners : DataFrame or None
        Deseasonalised log quantity of the lines under test by partner (one column each) [log kg];
        fewer than two partners give NaN scores.
    window : Window
        Pre and post windows.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    z : tuple of float
        The dispersion, standardised against its own history (robust z: median and MAD over all
        months), scores from 0 to 1 between these values [1] ...
    spread : tuple of float
        ... and must also be large in absolute terms: from 0 to 1 between these values [1].
    floor : float
        Score of a uniform fall [1]: uniform falls are usual for demand slumps but also for
        restrictions on all destinations, so only weak evidence.

    Returns
    -------
    DataFrame
        ``value``: the pre-volume-weighted standard deviation of the partners' falls
        ``1 - exp(post - pre)`` [1]; ``z`` [1]; ``n_partners``; ``most_hit`` / ``least_hit`` partner with
        ``most_hit_fall`` / ``least_hit_fall`` [1]; ``score`` = ``floor + (1 - floor) * min(ramps)``.
    """
    if d_partners is None or d_partners.shape[1] < 2:
        idx = d_partners.index if d_partners is not None else pd.RangeIndex(0)
        nan = np.full(len(idx), np.nan)
        n = 0 if d_partners is None else d_partners.shape[1]
        return pd.DataFrame({"value": nan, "score": nan, "z": nan, "n_partners": n, "most_hit": None,
                             "most_hit_fall": nan, "least_hit": None, "least_hit_fall": nan}, index=idx)
    falls, w = _partner_falls(d_partners, window, pre_start)
    ok = np.isfinite(falls)
    f0 = np.where(ok, falls, 0.0)
    mean = (w * f0).sum(axis=1)
    disp = np.sqrt((w * (f0 - mean[:, None]) ** 2).sum(axis=1))
    npart = ok.sum(axis=1)
    disp = np.where(npart >= 2, disp, np.nan)
    fin = disp[np.isfinite(disp)]
    med = float(np.median(fin)) if fin.size else np.nan
    mad = float(1.4826 * np.median(np.abs(fin - med))) if fin.size else np.nan
    zz = (disp - med) / max(mad if np.isfinite(mad) else 0.0, 0.02)
    score = floor + (1.0 - floor) * np.minimum(ramp(zz, z[0], z[1]), ramp(disp, spread[0], spread[1]))
    cols = np.asarray(d_partners.columns, dtype=object)
    hi_f = np.where(ok, falls, -np.inf)
    lo_f = np.where(ok, falls, np.inf)
    imax = np.argmax(hi_f, axis=1)
    imin = np.argmin(lo_f, axis=1)
    rows = np.arange(len(falls))
    any_ok = ok.any(axis=1)
    return pd.DataFrame({
        "value": disp, "score": score, "z": zz, "n_partners": npart,
        "most_hit": np.where(any_ok, cols[imax], None),
        "most_hit_fall": np.where(any_ok, falls[rows, imax], np.nan),
        "least_hit": np.where(any_ok, cols[imin], None),
        "least_hit_fall": np.where(any_ok, falls[rows, imin], np.nan),
    }, index=d_partners.index)


# ----------------------------------------------------------------------------- 6. licence-lag recovery
def licence_recovery(d: pd.Series, *, window: Window = DEFAULT_WINDOW, pre_start: np.ndarray | None = None,
                     min_fall: float = 0.1,
                     partial: tuple[float, float] = (0.15, 0.85)) -> pd.DataFrame:
    """Partial recovery 1–3 months after ``t``, as export licences are granted.

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity [log kg].
    window : Window
        ``recovery`` months after ``t`` are searched.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    min_fall : float
        Smallest fall at ``t`` [log kg] for which a recovery is measured.
    partial : tuple of float
        The recovered share counts as *partial* inside this range [1].

    Returns
    -------
    DataFrame
        ``value``: the share of the fall at ``t`` recovered by the best of months ``t+1 .. t+recovery``
        [1] (0 = none, 1 = back to the pre-period level); ``score``: 0.75 for a partial recovery (the
        licence pattern, within ``partial``), 0.3 for a (nearly) full recovery from ``partial[1] + 0.1``
        on (a transient dip), 0.5 for none (below 5 %: a long ban and a long slump look alike), linear in
        between; NaN when the months after ``t`` are not in the data yet.
    """
    a = _arr(d)
    lvl = pre_level(a, window, pre_start)
    fall = lvl - a
    after = np.vstack([_shift(a, -k) for k in range(1, window.recovery + 1)])
    with np.errstate(invalid="ignore"):
        none_after = np.all(np.isnan(after), axis=0)
        best = np.max(np.where(np.isnan(after), -np.inf, after), axis=0)
    best = np.where(none_after, np.nan, best)
    with np.errstate(invalid="ignore", divide="ignore"):
        rec = np.where(fall > min_fall, (best - a) / fall, np.nan)
    lo, hi = partial
    xs = [-1e9, 0.05, lo, hi, hi + 0.1, 1e9]
    ys = [0.5, 0.5, 0.75, 0.75, 0.3, 0.3]
    score = np.where(np.isfinite(rec), np.interp(np.nan_to_num(rec), xs, ys), np.nan)
    score = np.where((fall <= min_fall) & np.isfinite(fall) & ~none_after, 0.5, score)
    return pd.DataFrame({"value": rec, "score": score}, index=_index(d))


# ----------------------------------------------------------------------------- 7. breadth
def breadth(d: pd.Series, d_partners: pd.DataFrame | None = None, d_other: pd.Series | None = None, *,
            window: Window = DEFAULT_WINDOW, pre_start: np.ndarray | None = None, min_fall: float = 0.1,
            partner_share: float = 0.5) -> pd.DataFrame:
    """Is the fall broad, across partners and across the exporter's other exports?

    Parameters
    ----------
    d : Series
        Deseasonalised log quantity of the lines under test [log kg].
    d_partners : DataFrame, optional
        The same by partner [log kg].
    d_other : Series, optional
        Deseasonalised log index of the exporter's other exports (lines outside the tested and control
        lines) [log].
    window : Window
        Pre and post windows.
    pre_start : ndarray of int, optional
        First month each pre-period may use (see the module docstring).
    min_fall : float
        Smallest fall of the tested lines, ``1 - exp(post - pre)`` [1], for which breadth is measured.
    partner_share : float
        A partner counts as falling when its fall is at least this share of the total fall [1].

    Returns
    -------
    DataFrame
        ``partner_breadth``: pre-volume-weighted share of partners falling [1]; ``product_breadth``: the
        other exports' fall as a share of the tested lines' fall, clipped to [0, 1] [1]; ``value``: the
        mean of the two available components [1]; ``score = 0.8 - 0.6 * value`` (a broad fall points to
        demand; a fall confined to the tested lines and to some partners points to a restriction).
    """
    a = _arr(d)
    idx = _index(d)
    ft = -np.expm1(post_level(a, window) - pre_level(a, window, pre_start))
    valid = ft >= min_fall
    pb = np.full_like(a, np.nan)
    if d_partners is not None and d_partners.shape[1] >= 2:
        falls, w = _partner_falls(d_partners, window, pre_start)
        with np.errstate(invalid="ignore"):
            hit = np.where(np.isfinite(falls), falls >= partner_share * ft[:, None], False)
        pb = np.where(valid, (w * hit).sum(axis=1), np.nan)
    ob = np.full_like(a, np.nan)
    other_fall = np.full_like(a, np.nan)
    if d_other is not None:
        o = _arr(d_other)
        other_fall = -np.expm1(post_level(o, window) - pre_level(o, window, pre_start))
        with np.errstate(invalid="ignore", divide="ignore"):
            ob = np.where(valid, np.clip(other_fall / ft, 0.0, 1.0), np.nan)
    both = np.vstack([pb, ob])
    with np.errstate(invalid="ignore"):
        n = np.isfinite(both).sum(axis=0)
        value = np.where(n > 0, np.nansum(both, axis=0) / np.maximum(n, 1), np.nan)
    score = np.where(np.isfinite(value), 0.8 - 0.6 * value, np.where(np.isfinite(ft) & ~valid, 0.5, np.nan))
    return pd.DataFrame({"value": value, "score": score, "partner_breadth": pb, "product_breadth": ob,
                         "target_fall": ft, "other_fall": other_fall}, index=idx)


# ----------------------------------------------------------------------------- notes
def _pct(x: object) -> str:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if math.isnan(f) else f"{f:+.0%}"


def _share(x: object) -> str:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if math.isnan(f) else f"{f:.0%}"


def _note_level(r: pd.Series) -> str:
    if not np.isfinite(r["value"]):
        return "not assessable: too little history before this month"
    if r["value"] >= 0:
        return f"no fall: {_pct(r['value'])} against the pre-period level"
    shape = ("abrupt" if r["abruptness"] >= 0.5 else
             f"not abrupt (already {_pct(r['prev_value'])} the month before)")
    nv = r["next_value"]
    if not np.isfinite(nv):
        keep = "the next months are not in the data yet"
    elif nv / r["value"] >= 0.2:
        keep = f"persists over the next two months ({_pct(nv)})"
    elif r["persistence"] >= 0.5:
        keep = f"mostly back within two months ({_pct(nv)}), but the fall is far beyond the noise"
    else:
        keep = f"mostly gone over the next two months ({_pct(nv)})"
    brk = "" if r["break_near"] >= 1 else "; no change point near this month"
    return f"{_pct(r['value'])} against the pre-period level; {shape}; {keep}{brk}"


def _note_front(r: pd.Series) -> str:
    if not np.isfinite(r["value"]):
        return "not assessable"
    lag = int(r["lag"]) if np.isfinite(r["lag"]) else 1
    if r["score"] > 0.6:
        return f"surge of {_pct(r['value'])} {lag} month(s) before, as buyers rush ahead of a control"
    return f"no surge before (best of the prior months {_pct(r['value'])} against the pre-period)"


def _note_control(r: pd.Series) -> str:
    if not np.isfinite(r["score"]):
        return "no control lines: sibling products not under control are needed for this test"
    t, c = _pct(r["target_change"]), _pct(r["control_change"])
    z = r.get("z", math.nan)
    if r["score"] >= 0.6:
        return f"tested lines {t}, control lines {c}: the controls did not follow (restriction-like)"
    unexp = r.get("unexplained", math.nan)
    if np.isfinite(unexp) and unexp >= 0.8 and np.isfinite(z):
        return (f"tested lines {t}, control lines {c}: the controls did not follow, but the lines part this "
                f"much in ordinary months (placebo z {z:+.1f}): weak evidence")
    if r["score"] <= 0.4:
        return f"tested lines {t}, control lines {c}: the controls fell too (demand-like)"
    return f"tested lines {t}, control lines {c}"


def _note_price(r: pd.Series) -> str:
    if not np.isfinite(r["score"]):
        return "no export values: the unit value cannot be computed"
    d = "rose (restriction-like)" if r["score"] > 0.6 else "fell (demand-like)" if r["score"] < 0.4 \
        else "hardly moved"
    return f"export unit value {_pct(r['value'])}: {d}; domestic prices not available"


def _note_dest(r: pd.Series) -> str:
    if not np.isfinite(r["score"]):
        return "fewer than two partners: selectivity cannot be measured"
    hit = f"{r['most_hit']} {_pct(-r['most_hit_fall'])}, {r['least_hit']} {_pct(-r['least_hit_fall'])}"
    if r["score"] > 0.6:
        return f"selective: partners moved apart ({hit})"
    return f"uniform across {int(r['n_partners'])} partners ({hit})"


def _note_recovery(r: pd.Series) -> str:
    if not np.isfinite(r["score"]):
        return "the months after this one are not in the data yet"
    if not np.isfinite(r["value"]):
        return "no fall to recover from"
    return f"{_share(r['value'])} of the fall recovered within 3 months" + (
        " (partial, the licence-lag pattern)" if r["score"] >= 0.7 else
        " (full: a transient dip)" if r["score"] <= 0.35 else "")


def _note_breadth(r: pd.Series) -> str:
    if not np.isfinite(r["score"]):
        return "not assessable"
    if not np.isfinite(r["value"]):
        return "no fall of the tested lines"
    parts = []
    if np.isfinite(r["partner_breadth"]):
        parts.append(f"{_share(r['partner_breadth'])} of partner volume fell")
    if np.isfinite(r["product_breadth"]):
        parts.append(f"other exports {_pct(-r['other_fall'])}")
    head = "broad (demand-like)" if r["score"] < 0.4 else "narrow (restriction-like)" if r["score"] > 0.6 \
        else "mixed"
    return head + ": " + "; ".join(parts)


_NOTES: dict[str, Callable[[pd.Series], str]] = {
    "level_break": _note_level,
    "front_running": _note_front,
    "control_group": _note_control,
    "price_wedge": _note_price,
    "destination_selectivity": _note_dest,
    "licence_recovery": _note_recovery,
    "breadth": _note_breadth,
}


def note(name: str, row: pd.Series) -> str:
    """A one-line explanation of a signal's value at one month (a row of the signal's DataFrame)."""
    return _NOTES[name](row)
