"""The change-point search (:func:`critmin.monitor.breaks.pelt_l2`) is ruptures' ``KernelCPD(kernel=
"linear").predict(pen=...)``: the same breaks on every monthly export series of the bundled dataset (as
the monitor searches them) and on random series, segment lengths and penalties; known answers; bad
arguments refused; the monitor no longer imports ruptures."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from critmin.monitor import baseline
from critmin.monitor.breaks import find_breaks, pelt_l2, penalty
from critmin.monitor.panel import Panel, PanelRows

rpt = pytest.importorskip("ruptures")


def _reference(x, pen, min_size):
    return rpt.KernelCPD(kernel="linear", min_size=min_size).fit(np.asarray(x, float).reshape(-1, 1)
                                                                 ).predict(pen=pen)


def test_every_export_series_of_the_dataset(warehouse_path):
    from critmin.monitor.job import export_rows
    from critmin.warehouse import open_warehouse

    with open_warehouse(warehouse_path, read_only=True) as wh:
        rows = PanelRows(export_rows(wh, "CHN"))
        lines = rows.lines
        assert len(lines) == 12
        found = 0
        for code in lines:
            panel = Panel.from_rows(rows, (code,), control=(), exporter="CHN")
            q = baseline.monthly(panel.quantity)
            d = baseline.deseasonalise(q, jan_feb=True).dropna().to_numpy()
            for beta in (1.0, 3.0, 6.0):
                pen = penalty(d, beta=beta)
                ends = pelt_l2(d, pen)
                assert ends == _reference(d, pen, 2), (code, beta)
                found += len(ends) - 1
    assert found > 0  # the dataset's series do break


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 150), min_size=st.integers(1, 5), pen=st.sampled_from([1e-3, 0.05, 0.5, 3.0, 40.0]),
       seed=st.integers(0, 2**31 - 1), rounded=st.booleans())
def test_random_series(n, min_size, pen, seed, rounded):
    n += 2 * min_size
    rng = np.random.default_rng(seed)
    steps = np.repeat(rng.normal(0, 2, 8), -(-n // 8))[:n]
    x = steps + rng.normal(0, rng.choice([0.05, 0.5, 2.0]), n)
    if rounded:  # ties between segmentations
        x = np.round(x)
    assert pelt_l2(x, pen, min_size=min_size) == _reference(x, pen, min_size)


def test_known_answers():
    x = np.r_[np.zeros(10), np.full(10, 5.0), np.ones(10)]
    assert pelt_l2(x, 1.0) == [10, 20, 30]
    assert pelt_l2(x, 1e6) == [30]  # a penalty above any gain: no break
    assert pelt_l2(np.zeros(6), 0.1) == [6]
    # a one-month spike is not a segment of two months
    spike = np.r_[np.zeros(8), [9.0], np.zeros(8)]
    assert all(b - a >= 2 for a, b in zip([0, *pelt_l2(spike, 0.5)], pelt_l2(spike, 0.5), strict=False))


def test_bad_arguments():
    with pytest.raises(ValueError, match="penalty"):
        pelt_l2(np.arange(10.0), 0.0)
    with pytest.raises(ValueError, match="two segments"):
        pelt_l2(np.arange(3.0), 1.0, min_size=2)


def test_find_breaks_sizes():
    idx = pd.date_range("2020-01-01", periods=24, freq="MS")
    d = pd.Series(np.r_[np.zeros(12), np.full(12, np.log(0.5))], index=idx)
    b = find_breaks(d, sigma=0.05)
    assert list(b["month"]) == ["2021-01"]
    assert b["size"].iloc[0] == pytest.approx(-0.5, rel=1e-12)
    assert b["direction"].iloc[0] == "down"


def test_the_monitor_does_not_import_ruptures():
    code = ("import sys, numpy as np, pandas as pd; from critmin.monitor.breaks import find_breaks; "
            "find_breaks(pd.Series(np.r_[np.zeros(9), np.ones(9)], "
            "index=pd.date_range('2020-01-01', periods=18, freq='MS'))); "
            "print('ruptures' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
