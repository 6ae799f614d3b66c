"""quantile_summary / quantile_summaries (critmin.market.results): one NumPy call for many columns gives
exactly what one np.quantile call per quantile and column gave (the figures of every simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from critmin.market.results import QUANTILES, quantile_summaries, quantile_summary


def _one_by_one(col) -> dict[str, float]:
    v = np.asarray(col, float)
    return {**{k: float(np.quantile(v, p)) for k, p in QUANTILES.items()}, "mean": float(v.mean())}


finite = st.floats(-1e9, 1e9, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: st.integers(1, 300).flatmap(
    lambda n: st.lists(arrays(np.float32, n, elements=finite), min_size=k, max_size=k))))
def test_equal_to_one_call_per_quantile(cols):
    assert quantile_summaries(cols) == [_one_by_one(c) for c in cols]
    assert quantile_summary(cols[0]) == _one_by_one(cols[0])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7).flatmap(lambda k: st.integers(1, 40).flatmap(
    lambda n: st.lists(arrays(np.float32, n, elements=finite), min_size=k, max_size=k))),
    st.integers(1, 100))
def test_batches_give_the_same_values(cols, batch):
    """Columns summarised a few at a time (QUANTILE_BATCH values per call, as at 1M runs) give the values
    of one call for all and of one call per column, in the columns' order."""
    import critmin.market.results as results

    whole = quantile_summaries(cols)
    old = results.QUANTILE_BATCH
    results.QUANTILE_BATCH = batch
    try:
        assert quantile_summaries(cols) == whole == [_one_by_one(c) for c in cols]
    finally:
        results.QUANTILE_BATCH = old


def test_big_columns_are_summarised_a_few_at_a_time():
    """Six columns of 1M runs (a 1M-run simulation's region metrics): the traced peak stays near one
    column's two float64 copies (15 MiB), not six columns' (92 MiB, which put a 1M-run simulation over
    500 MiB)."""
    import tracemalloc

    cols = [np.random.default_rng(i).random(1_000_000, dtype=np.float32) for i in range(6)]
    tracemalloc.start()
    try:
        got = quantile_summaries(cols)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, peak / 2**20
    assert got == [_one_by_one(c) for c in cols]


def test_known_values():
    got = quantile_summary(np.arange(101.0))  # 0..100: quantile p is 100 p
    assert got == {"p05": 5.0, "p50": 50.0, "p95": 95.0, "mean": 50.0}


def test_empty_or_ragged_columns_are_refused():
    with pytest.raises(ValueError, match="equal, non-zero length"):
        quantile_summaries([np.array([])])
    with pytest.raises(ValueError, match="equal, non-zero length"):
        quantile_summaries([np.ones(3), np.ones(4)])
    with pytest.raises(ValueError, match="equal, non-zero length"):
        quantile_summaries([])
