"""The Monte Carlo engine: reproducible draws, chunking, runners (in-process, process pool, Dask),
quantile summaries, Parquet output. Uses a small hand-made baseline (no warehouse)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from critmin.market import (
    Baseline,
    DaskRunner,
    InProcessRunner,
    ProcessPoolRunner,
    Region,
    ScenarioSpec,
    Supplier,
    draw_runs,
    simulate,
)
from critmin.market.engine import SAMPLING_BLOCK, plan_chunks
from critmin.market.results import _hist_quantile
from critmin.market.runners import DASK_QUIET_CONFIG


def _baseline() -> Baseline:
    sup = [Supplier("AAA", "Exporter", 600.0, "data", "test"),
           Supplier("BBB", "B", 250.0, "data", "test"),
           Supplier("CCC", "C", 100.0, "data", "test"),
           Supplier("DDD", "D", 50.0, "data", "test")]
    # exporter exports 200 of 600; outside demand = 400 + 200 = 600
    regs = [Region("USA", "United States", 150.0, "data", "test", 50.0),
            Region("JPN", "Japan", 120.0, "estimate", "test", 40.0),
            Region("ROW", "Rest of world", 330.0, "residual", "test", 110.0)]
    return Baseline(commodity="test", name="Test metal", year=2025, stage="mine", product="x", basis="t",
                    edition="T1", source="test", suppliers=sup, exporter="AAA",
                    exporter_exports_t_per_year=200.0, exporter_home_demand_t_per_year=400.0,
                    exporter_source="test", regions=regs, p0_usd_per_t=10_000.0, price_source="test")


def _spec(**disruption) -> ScenarioSpec:
    d = {"exporter": "AAA", "probability": 0.7, "start_month": {"dist": "uniform", "low": 0, "high": 6},
         "duration_months": {"dist": "triangular", "low": 1, "mode": 4, "high": 12},
         "cut": {"dist": "beta", "a": 2, "b": 2}, "leakage": {"dist": "uniform", "low": 0, "high": 0.2}}
    d.update(disruption)
    return ScenarioSpec.from_dict({
        "name": "toy", "commodity": "test", "horizon_months": 18,
        "baseline": {"exporter_export_share": 0.33, "price": {"usd_per_t": 10_000}},
        "market": {"demand_elasticity_short": {"dist": "uniform", "low": -0.3, "high": -0.05},
                   "demand_elasticity_long": -0.6, "supply_elasticity": 0.2, "spare_capacity": 0.3,
                   "ramp_lag_months": 3, "ramp_months": 6, "choke_multiple": 8},
        "stockpiles": {"JPN": {"days_of_cover": 60, "release_share_of_demand": 0.5, "trigger": "price",
                               "trigger_level": 1.5, "refill_share_of_demand": 0.05,
                               "refill_below_multiple": 1.1},
                       "USA": {"tonnes": 10, "release_t_per_month": 5, "trigger": "disruption"}},
        "disruption": d,
    }, source="toy")


def test_draws_do_not_depend_on_chunking():
    params = _spec().random_params()
    whole = draw_runs(params, 42, 0, 5000)
    parts = [draw_runs(params, 42, t.first, t.n) for t in plan_chunks(5000, 2048)]
    for f in ("occurs", "start", "duration", "cut", "leakage", "eps_short"):
        np.testing.assert_array_equal(getattr(whole, f), np.concatenate([getattr(p, f) for p in parts]))
    other = draw_runs(params, 43, 0, 5000)
    assert not np.array_equal(whole.cut, other.cut)
    # distributions respected
    assert 0.6 < whole.occurs.mean() < 0.8
    assert whole.start.min() >= 0 and whole.start.max() <= 6
    assert whole.duration.min() >= 1 and whole.duration.max() <= 12
    assert np.all((whole.cut >= 0) & (whole.cut <= 1)) and abs(whole.cut.mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match="multiple of the sampling block"):
        draw_runs(params, 42, 100, 10)


def test_plan_chunks_covers_every_run_once():
    tasks = plan_chunks(10_000, 3000)
    assert all(t.first % SAMPLING_BLOCK == 0 for t in tasks)
    assert sum(t.n for t in tasks) == 10_000
    assert [t.first for t in tasks] == sorted({t.first for t in tasks})


def test_results_do_not_depend_on_chunk_size_and_progress_is_reported():
    seen = []
    a = simulate(_spec(), baseline=_baseline(), runs=3000, seed=5, chunk_size=1024,
                 progress=lambda done, total: seen.append((done, total)))
    b = simulate(_spec(), baseline=_baseline(), runs=3000, seed=5, chunk_size=4096)
    for k in a.columns:
        np.testing.assert_array_equal(a.columns[k], b.columns[k], err_msg=k)
    assert a.to_dict() == {**b.to_dict(), "chunk_size": a.chunk_size}
    assert seen[-1] == (3000, 3000) and [s[0] for s in seen] == sorted(s[0] for s in seen)


def _same(r1, r2):
    for k in r1.columns:
        np.testing.assert_array_equal(r1.columns[k], r2.columns[k], err_msg=k)
    np.testing.assert_array_equal(r1.price_hist, r2.price_hist)
    for k in r1.sums:
        np.testing.assert_array_equal(r1.sums[k], r2.sums[k], err_msg=k)
    d1, d2 = r1.to_dict(), r2.to_dict()
    d1.pop("runner"), d2.pop("runner")
    assert d1 == d2


def test_same_seed_same_numbers_on_every_runner():
    kw = dict(baseline=_baseline(), runs=5000, seed=2024, chunk_size=1024)
    local = simulate(_spec(), runner=InProcessRunner(), **kw)
    pool = simulate(_spec(), runner=ProcessPoolRunner(2), small_in_process=False, **kw)
    with DaskRunner(workers=2, processes=False) as runner:
        dask = simulate(_spec(), runner=runner, small_in_process=False, **kw)
    _same(local, pool)
    _same(local, dask)
    assert local.runner == "in-process" and pool.runner.startswith("process-pool")
    assert dask.runner.startswith("dask")


class _Backwards:
    """A runner whose chunks come back last first (as a pool's or a cluster's may, out of order)."""

    name = "backwards"

    def run(self, fn, payload, tasks, on_result):
        for task in reversed(list(tasks)):
            on_result(fn(payload, task))


def test_chunks_out_of_order_give_the_same_sums():
    """Histograms and per-block sums are added as the chunks come, in chunk order whatever the order
    they come in: bit for bit the figures of chunks that came in order."""
    kw = dict(baseline=_baseline(), runs=5000, seed=7, chunk_size=1024, small_in_process=False)
    _same(simulate(_spec(), runner=InProcessRunner(), **kw), simulate(_spec(), runner=_Backwards(), **kw))


def test_chunk_sums_are_not_kept_chunk_by_chunk():
    """What a simulation holds beyond its per-run table does not grow with its chunks: 40 chunks' price
    histograms (0.27 MiB each here) are one running total (traced peak 1.5 MiB over the table; keeping
    one per chunk until the end held 12 MiB)."""
    import tracemalloc

    kw = dict(baseline=_baseline(), runs=40 * 1024, seed=1, chunk_size=1024)
    simulate(_spec(), **kw)  # imports and first-call caches out of the measure
    tracemalloc.start()
    try:
        res = simulate(_spec(), **kw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    table = sum(a.nbytes for a in res.columns.values())
    assert res.price_hist.nbytes > 0.25 * 2**20
    assert peak - table < 6 * 2**20, (peak - table) / 2**20


def test_to_dict_contract_and_quantiles():
    res = simulate(_spec(), baseline=_baseline(), runs=4000, seed=9)
    d = res.to_dict()
    assert {"runs", "seed", "commodity", "price_peak_multiple", "regions", "assumptions"} <= set(d)
    assert d["runs"] == 4000 and d["seed"] == 9 and d["commodity"] == "test"
    pk = res.columns["peak_price_multiple"]
    assert d["price_peak_multiple"]["p05"] == pytest.approx(np.quantile(pk, 0.05))
    assert d["price_peak_multiple"]["p50"] == pytest.approx(np.quantile(pk, 0.50))
    assert d["price_peak_multiple"]["p95"] == pytest.approx(np.quantile(pk, 0.95))
    # about 30 % of runs have no disruption: their peak is exactly 1
    assert np.all(pk[~res.columns["occurs"]] == 1.0) and d["price_peak_multiple"]["p05"] == 1.0
    assert [r["region"] for r in d["regions"]] == ["USA", "JPN", "ROW"]
    for r in d["regions"]:
        for key in ("shortfall_t", "stock_end_t", "shortfall_months"):
            assert set(r[key]) >= {"p05", "p50", "p95"}
            assert r[key]["p05"] <= r[key]["p50"] <= r[key]["p95"]
    jpn = d["regions"][1]
    assert jpn["stock_start_t"] == pytest.approx(120.0 * 60 / 365)
    assert jpn["estimate"] is True and d["regions"][0]["estimate"] is False
    names = {a["name"] for a in d["assumptions"]}
    assert {"market.demand_elasticity_short", "disruption.cut", "stockpiles.JPN", "baseline.p0",
            "baseline.demand.JPN", "market.choke_multiple"} <= names
    kinds = {a["name"]: a["kind"] for a in d["assumptions"]}
    assert kinds["baseline.demand.JPN"] == "estimate" and kinds["market.substitution_months"] == "default"
    json.dumps(d)                                   # JSON-serialisable as it is
    band = res.price_band()
    assert len(band) == 18 and (band["p05"] <= band["p50"]).all() and (band["p50"] <= band["p95"]).all()
    assert band["p05"].min() >= 1.0 and band["p95"].max() <= 8.0


def test_histogram_quantiles_are_exact_at_p0_and_the_choke():
    counts = np.zeros(102, np.int64)
    counts[0] = 60          # P = P0
    counts[101] = 40        # choke
    assert _hist_quantile(counts, 0.5, np.log(8)) == 1.0
    assert _hist_quantile(counts, 0.9, np.log(8)) == pytest.approx(8.0)


def test_parquet_round_trip(tmp_path):
    res = simulate(_spec(), baseline=_baseline(), runs=1500, seed=3)
    path = res.to_parquet(tmp_path / "runs.parquet")
    table = pq.read_table(path)
    assert table.num_rows == 1500
    df = table.to_pandas()
    for k in ("peak_price_multiple", "shortfall_t[JPN]", "stock_end_t[USA]", "cut"):
        np.testing.assert_array_equal(df[k].to_numpy(), res.columns[k])
    meta = json.loads(table.schema.metadata[b"critmin.simulation"])
    assert meta["seed"] == 3 and meta["runs"] == 1500
    assert {a["name"] for a in meta["assumptions"]} == {a["name"] for a in res.assumptions}
    assert meta["baseline"]["exporter"]["country"] == "AAA"


def test_a_certain_zero_cut_changes_nothing():
    res = simulate(_spec(probability=1.0, cut=0.0), baseline=_baseline(), runs=2000, seed=1)
    assert np.all(res.columns["peak_price_multiple"] == 1.0)
    for r in ("USA", "JPN", "ROW"):
        assert np.all(res.columns[f"shortfall_t[{r}]"] == 0.0)
    band = res.price_band()
    assert (band[["p05", "p50", "p95", "mean"]] == 1.0).all().all()


def test_small_job_stays_in_process_and_says_so():
    kw = dict(baseline=_baseline(), runs=2000, seed=5)
    res = simulate(_spec(), runner=ProcessPoolRunner(2), **kw)
    assert res.runner.startswith("in-process (small job")
    assert "process-pool(2)" in res.runner
    _same(res, simulate(_spec(), runner=InProcessRunner(), **kw))


def test_estimate_scales_with_runs_and_months():
    from critmin.market.engine import estimate_seconds
    from critmin.market.model import MarketInputs

    inputs = MarketInputs.from_spec(_spec(), _baseline())
    one = estimate_seconds(1000, inputs)
    assert estimate_seconds(2000, inputs) == pytest.approx(2 * one)
    assert one > 0


def test_dask_local_cluster_warm_no_dashboard_no_trim_env():
    pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dev]'")
    import os

    kw = dict(baseline=_baseline(), runs=3000, seed=11, chunk_size=1024, small_in_process=False)
    with DaskRunner(workers=1) as runner:
        first = simulate(_spec(), runner=runner, **kw)
        client = runner.client
        second = simulate(_spec(), runner=runner, **kw)
        assert runner.client is client  # the same warm client for the second simulation
        env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        assert set(env.values()) == {os.environ.get("MALLOC_TRIM_THRESHOLD_")}
        # the workers run without the dashboard's profiler and with the slower diagnostics ticks
        import dask

        conf = client.run(lambda: [dask.config.get(k) for k in DASK_QUIET_CONFIG])
        assert list(conf.values()) == [[q for _, q in DASK_QUIET_CONFIG.values()]]
        info = client.scheduler_info()
        # the HTTP server Dask always starts is on an ephemeral loopback port, never 8787
        assert info.get("services", {}).get("dashboard", 0) != 8787
        assert info["address"].startswith("tcp://127.0.0.1:")
    assert runner.client is None
    _same(first, second)


def test_dask_quiet_config_keeps_what_the_user_set():
    pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dev]'")
    import dask

    from critmin.market.runners import dask_quiet_config

    with dask.config.set({"distributed.worker.profile.enabled": True,
                          "distributed.admin.tick.interval": "20ms",
                          "distributed.admin.system-monitor.interval": "500ms"}):
        assert dask_quiet_config() == {k: q for k, (_, q) in DASK_QUIET_CONFIG.items()}
    with dask.config.set({"distributed.admin.tick.interval": "50ms"}):  # the user's own value stays
        assert "distributed.admin.tick.interval" not in dask_quiet_config()
        assert dask_quiet_config()["distributed.worker.profile.enabled"] is False


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dev]'")
    from critmin.errors import CritminError

    with pytest.raises(CritminError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        simulate(_spec(), baseline=_baseline(), runs=100, seed=1,
                 runner=DaskRunner("tcp://127.0.0.1:1", connect_timeout=2))


def test_too_many_runs_refused_before_allocating():
    from critmin.market.memory import MemoryEstimateError

    with pytest.raises(MemoryEstimateError, match=r"1,000,000,000 runs would need about .*Use at most"):
        simulate(_spec(), baseline=_baseline(), runs=1_000_000_000, seed=1)


def test_memory_check_arithmetic():
    from critmin.market.memory import MemoryEstimateError, check_memory, simulation_bytes

    need = simulation_bytes(1000, columns_bytes_per_run=100, horizon=12, regions=2, suppliers=3,
                            chunk_size=10)
    assert need == 1000 * 100 + 10 * (3 + 2 + 4) * 40 * 8
    check_memory(need, what="x", per_run=100, runs=1000, available=10**9)  # fits
    # 100,000 B available: budget 0.8 x 100,000 = 80,000 B; the chunk's 28,800 B stay, so
    # (80,000 - 28,800) // 100 B per run = 512 runs fit
    with pytest.raises(MemoryEstimateError, match="Use at most 512 runs"):
        check_memory(need, what="x", per_run=100, runs=1000, available=100_000)
