"""Monitor baseline and change points on hand-made series with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.monitor.baseline import (
    Window,
    changes,
    deseasonalise,
    log_level,
    monthly,
    post_level,
    pre_level,
    pre_start_from_breaks,
    robust_sigma,
    seasonal_baseline,
    stl_decompose,
)
from critmin.monitor.breaks import find_breaks, penalty


def _months(n: int, start: str = "2017-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def _seasonal(n: int, amp: float = 0.3, level: float = 1e6) -> pd.Series:
    idx = _months(n)
    return pd.Series(level * np.exp(amp * np.cos(2 * np.pi * (idx.month - 1) / 12)), index=idx)


def test_changes_year_on_year_and_month_on_month():
    q = pd.Series([100.0] * 12 + [50.0, 60.0], index=_months(14))
    ch = changes(q)
    assert math.isnan(ch["yoy_change"].iloc[11])
    assert ch["yoy_change"].iloc[12] == pytest.approx(-0.5)
    assert ch["yoy_change"].iloc[13] == pytest.approx(-0.4)
    assert ch["mom_change"].iloc[12] == pytest.approx(-0.5)
    assert ch["mom_change"].iloc[13] == pytest.approx(0.2)


def test_changes_after_zero_or_gap_are_missing():
    q = pd.Series([0.0, 10.0, 20.0], index=_months(3))
    assert math.isnan(changes(q)["mom_change"].iloc[1])
    gap = pd.Series([10.0, 20.0], index=pd.to_datetime(["2020-01-01", "2020-03-01"]))
    ch = changes(gap)
    assert len(ch) == 3 and ch["mom_change"].isna().all()


def test_monthly_fills_gaps_and_sums_duplicates():
    s = pd.Series([1.0, 2.0, 5.0], index=["2020-01-01", "2020-01-01", "2020-03-01"])
    m = monthly(s)
    assert list(m.index.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03"]
    assert m.iloc[0] == 3.0 and math.isnan(m.iloc[1]) and m.iloc[2] == 5.0


def test_log_level_floors_zero_at_one_percent_of_median():
    out = log_level(np.array([0.0, 100.0, 100.0, np.nan]))
    assert out[0] == pytest.approx(math.log(1.0))
    assert out[1] == pytest.approx(math.log(100.0))
    assert math.isnan(out[3])


def test_robust_sigma_of_alternating_series_and_robust_to_a_step():
    x = np.array([0.0, 0.1] * 20 + [0.0])  # 40 differences of +-0.1: median 0, MAD 0.1
    assert robust_sigma(x) == pytest.approx(1.4826 * 0.1 / math.sqrt(2))
    stepped = x.copy()
    stepped[20:] -= 2.0  # one big difference (at an even position) does not move the MAD
    assert robust_sigma(stepped) == pytest.approx(robust_sigma(x))
    assert math.isnan(robust_sigma([1.0, 2.0]))


def test_stl_recovers_a_fixed_seasonal_pattern():
    q = _seasonal(60)
    parts = stl_decompose(np.log(q.to_numpy()))
    expected = 0.3 * np.cos(2 * np.pi * (q.index.month.to_numpy() - 1) / 12)
    np.testing.assert_allclose(parts["seasonal"], expected - expected.mean(), atol=0.01)
    d = deseasonalise(q)
    assert d.std() < 0.01


def test_stl_needs_two_years():
    short = np.log(_seasonal(20).to_numpy())
    parts = stl_decompose(short)
    assert not parts["seasonal"].any()
    np.testing.assert_array_equal(parts["trend"], short)


def test_seasonal_baseline_deviation_of_a_halving():
    q = _seasonal(48)
    q.iloc[-3:] *= 0.5
    b = seasonal_baseline(q)
    assert b["baseline_deviation"].iloc[-3] == pytest.approx(-0.5, abs=0.03)
    assert b["baseline_deviation"].iloc[-1] == pytest.approx(-0.5, abs=0.03)
    # the months before the fall sit on their baseline
    assert b["baseline_deviation"].iloc[24:-3].abs().max() < 0.03
    # the baseline carries the season: the expected quantity of January is e^0.6 that of July
    jan, jul = b["baseline_kg"].iloc[36], b["baseline_kg"].iloc[42]
    assert jan / jul == pytest.approx(math.exp(0.6), rel=0.03)
    assert b["yoy_change"].iloc[-1] == pytest.approx(-0.5)
    assert {"quantity_kg", "deseasonalised", "level_pre", "seasonal", "trend", "resid"} <= set(b)


def test_pre_level_window_and_cut_at_a_change_point():
    d = np.arange(30, dtype=float)
    w = Window()
    lvl = pre_level(d, w)
    assert lvl[20] == pytest.approx(np.median(d[8:18]))  # months t-12 .. t-3
    assert math.isnan(lvl[7]) and lvl[8] == pytest.approx(np.median(d[0:6]))  # min_pre = 6
    start = np.zeros(30, int)
    start[20] = 14
    cut = pre_level(d, w, start)
    assert cut[20] == pytest.approx(np.median(d[14:18]))
    start[20] = 16  # only two months left: too few, the full window is kept
    assert pre_level(d, w, start)[20] == pytest.approx(lvl[20])
    two = pre_level(np.column_stack([d, 2 * d]), w)
    np.testing.assert_allclose(two[20], [lvl[20], 2 * lvl[20]])


def test_post_level_is_mean_of_t_and_t_plus_1():
    d = np.array([1.0, 3.0, 5.0, np.nan])
    np.testing.assert_allclose(post_level(d, Window())[:3], [2.0, 4.0, 5.0])
    assert math.isnan(post_level(d, Window())[3])


def test_pre_start_from_breaks():
    st = pre_start_from_breaks(20, [5, 12], Window())
    assert st[7] == 0 and st[8] == 5 and st[14] == 5 and st[15] == 12 and st[19] == 12


def test_find_breaks_on_a_step():
    idx = _months(72)
    d = pd.Series(np.r_[np.zeros(40), np.full(32, -1.0)] + 0.02 * np.sin(np.arange(72) * 1.7), index=idx)
    b = find_breaks(d)
    assert list(b["month"]) == [idx[40].strftime("%Y-%m")]
    assert b["size"].iloc[0] == pytest.approx(math.expm1(-1.0), abs=0.02)
    assert b["direction"].iloc[0] == "down"
    assert b["level_after_kg"].iloc[0] / b["level_before_kg"].iloc[0] == pytest.approx(math.exp(-1), rel=0.02)


def test_no_break_in_noise_and_penalty_formula():
    rng = np.random.default_rng(3)
    d = pd.Series(rng.normal(0, 0.1, 96), index=_months(96))
    assert find_breaks(d).empty
    x = np.array([0.0, 0.1] * 10 + [0.0])
    s = robust_sigma(x)
    assert s > 0.02
    assert penalty(x) == pytest.approx(3.0 * s * s * math.log(21))
    assert penalty(np.zeros(20)) == pytest.approx(3.0 * 0.02**2 * math.log(20))  # noise floor
    assert find_breaks(d.iloc[:4]).empty
