"""critmin's STL (:mod:`critmin.monitor.stl`) is statsmodels' STL: the same components, bit for bit, on
every monthly export series of the bundled dataset (as the monitor decomposes them) and on random series
of every setting the function takes; bad settings are refused; the monitor no longer imports
statsmodels."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.monitor import baseline
from critmin.monitor.panel import Panel, PanelRows
from critmin.monitor.stl import stl

STL = pytest.importorskip("statsmodels.tsa.seasonal").STL


def _reference(y, period, **kw):
    res = STL(y, period=period, **kw).fit()
    return np.asarray(res.seasonal), np.asarray(res.trend), np.asarray(res.weights)


def _same(y, period, **kw):
    s, t, w = stl(y, period, **kw)
    rs, rt, rw = _reference(y, period, **kw)
    # bit for bit: the same loess sums in the same order
    np.testing.assert_array_equal(s, rs)
    np.testing.assert_array_equal(t, rt)
    np.testing.assert_array_equal(w, rw)


@pytest.fixture(scope="module")
def series(warehouse_path):
    """The log series the monitor decomposes: each exporter line's monthly quantities, with Lunar
    New Year months combined where the monitor combines them."""
    from critmin.monitor.job import export_rows
    from critmin.warehouse import open_warehouse

    out = []
    with open_warehouse(warehouse_path, read_only=True) as wh:
        rows = PanelRows(export_rows(wh, "CHN"))
        for code in rows.lines:
            panel = Panel.from_rows(rows, (code,), control=(), exporter="CHN")
            q = baseline.monthly(panel.quantity)
            lq = baseline.log_level(baseline.combine_jan_feb(q.to_numpy(float), q.index))
            out.append((code, baseline._interpolate(lq)))
    assert len(out) == 12
    return out


def test_every_export_series_of_the_dataset(series):
    for _code, y in series:
        for robust in (True, False):
            _same(y, 12, seasonal=baseline.STL_SEASONAL, seasonal_deg=baseline.STL_SEASONAL_DEG,
                  robust=robust)
            _same(y, 12, robust=robust)  # statsmodels' defaults (7 cycles, local linear)


def test_the_monitor_decomposition_is_unchanged(series):
    """stl_decompose, which the monitor calls, gives what it gave with statsmodels."""
    for _code, y in series:
        got = baseline.stl_decompose(y)
        s, t, _w = _reference(y, 12, seasonal=13, seasonal_deg=0, robust=True)
        np.testing.assert_array_equal(got["seasonal"], s)
        np.testing.assert_array_equal(got["trend"], t)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 136), period=st.sampled_from([2, 3, 4, 7, 12]),
       seasonal=st.sampled_from([3, 5, 7, 13, 25]), seasonal_deg=st.integers(0, 1),
       trend_deg=st.integers(0, 1), low_pass_deg=st.integers(0, 1), robust=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_random_series_and_settings(n, period, seasonal, seasonal_deg, trend_deg, low_pass_deg, robust, seed):
    n += 2 * period  # two periods at least
    rng = np.random.default_rng(seed)
    y = (np.cumsum(rng.normal(size=n)) + 3 * np.sin(2 * np.pi * np.arange(n) / period)
         + (rng.random(n) < 0.08) * rng.normal(0, 20, n))
    _same(y, period, seasonal=seasonal, seasonal_deg=seasonal_deg, trend_deg=trend_deg,
          low_pass_deg=low_pass_deg, robust=robust)


def test_constant_and_step_series():
    """Known answers: a constant has no season and is its own trend (to rounding: the robustness
    weights then come from rounding residuals, as in statsmodels)."""
    y = np.full(48, 2.5)
    s, t, _w = stl(y, 12, seasonal=13, seasonal_deg=0, robust=True)
    np.testing.assert_allclose(s, 0.0, atol=1e-12)
    np.testing.assert_allclose(t, 2.5, rtol=1e-12)
    _same(y, 12, seasonal=13, seasonal_deg=0, robust=True)
    step = np.r_[np.zeros(30), np.ones(30)]
    _same(step, 12, seasonal=13, seasonal_deg=0, robust=True)
    # a pure season of period 4: found whole, the trend flat
    pure = np.tile([1.0, -1.0, 2.0, -2.0], 12)
    s, t, _w = stl(pure, 4, seasonal=7, robust=False)
    np.testing.assert_allclose(s + t, pure, atol=1e-9)
    np.testing.assert_allclose(t, t.mean(), atol=1e-6)


@pytest.mark.parametrize("kw, match", [
    ({"period": 1}, "period"),
    ({"seasonal": 4}, "seasonal"),
    ({"trend": 11}, "trend"),
    ({"low_pass": 12}, "low_pass"),
    ({"seasonal_deg": 2}, "degrees"),
    ({"period": 25}, "two periods"),
])
def test_bad_settings_are_refused(kw, match):
    args = {"period": 12, **kw}
    with pytest.raises(ValueError, match=match):
        stl(np.arange(48.0), args.pop("period"), **args)


def test_gaps_are_refused():
    y = np.arange(48.0)
    y[5] = np.nan
    with pytest.raises(ValueError, match="finite"):
        stl(y, 12)


def test_the_monitor_does_not_import_statsmodels():
    code = ("import sys, numpy as np; from critmin.monitor import baseline; "
            "baseline.stl_decompose(np.log(np.arange(1.0, 61.0))); "
            "print('statsmodels' in sys.modules, 'scipy.signal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
