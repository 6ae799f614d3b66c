"""The compiled engine (issue 16 item 2): ``engine = "numba"`` gives the NumPy engine's numbers to 1e-9
relative on every shipped scenario (per-run table, monthly sums, price histograms, monthly paths),
whatever the threads; ``auto`` falls back to NumPy without an error when Numba is absent; the compact
per-run table (float32 where precision allows) and the memory estimate follow :func:`column_dtypes`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from critmin.errors import CritminError
from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.market import engine as eng
from critmin.market.engine import AUTO_NUMBA_S, column_dtypes, estimate_seconds, resolve_engine, row_bytes
from critmin.warehouse import open_warehouse

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "src" / "critmin" / "scenarios").glob("*.toml"))
RTOL = 1e-9


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("fast") / "w.duckdb")
    yield w
    w.close()


def _close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    """Equal to ``RTOL`` relative to each value, or to the array's scale where a value is ~0 (a shortfall
    of 1e-12 t beside 1e4 t is the solver's tolerance, not a difference)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, what
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, 1e-300)
    np.testing.assert_allclose(b, a, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def _same(r0, r1) -> None:
    assert r0.columns.keys() == r1.columns.keys()
    for k in r0.columns:
        _close(r0.columns[k], r1.columns[k], k)
    for k in r0.sums:
        _close(r0.sums[k], r1.sums[k], f"sums {k}")
    for k in (r0.paths or {}):
        _close(r0.paths[k], r1.paths[k], f"paths {k}")
    np.testing.assert_array_equal(r0.price_hist, r1.price_hist)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_numba_engine_equals_numpy_engine_on_every_shipped_scenario(path, wh):
    pytest.importorskip("numba")
    spec = load_scenario(path)
    base = build_baseline(spec, wh)
    kw = {"runs": 1536, "seed": 11, "baseline": base, "compact": False, "chunk_size": 1024}
    r0 = simulate(spec, engine="numpy", **kw)
    r1 = simulate(spec, engine="numba", **kw)
    assert r0.engine == "numpy" and r1.engine == "numba"
    _same(r0, r1)
    if r0.purchase_impact is not None:                 # the counterfactual without purchases too
        assert r0.purchase_impact.keys() == r1.purchase_impact.keys()
    # monthly paths of a few runs, and a disruption in every run (the rules of the cut all fire)
    p0 = simulate(spec, engine="numpy", runs=64, seed=3, baseline=base, keep_paths=True, compact=False)
    p1 = simulate(spec, engine="numba", runs=64, seed=3, baseline=base, keep_paths=True, compact=False)
    _same(p0, p1)


def test_numba_engine_threads_do_not_change_the_numbers(wh):
    pytest.importorskip("numba")
    from critmin.market.fast import simulate_market_numba

    spec = load_scenario(SCENARIOS[0].with_name("ree-2010-quota.toml"))
    inputs = MarketInputs.from_spec(spec, build_baseline(spec, wh))
    draws = eng.draw_runs(spec.random_params(), 5, 0, 3000)
    outs = [simulate_market_numba(inputs, draws, price_bins=50, sum_block=1024, threads=t) for t in (1, 2)]
    for k in outs[0].summary:
        np.testing.assert_array_equal(outs[0].summary[k], outs[1].summary[k], err_msg=k)
    for k in outs[0].sums:
        np.testing.assert_array_equal(outs[0].sums[k], outs[1].sums[k], err_msg=k)
    np.testing.assert_array_equal(outs[0].price_hist, outs[1].price_hist)
    assert outs[0].price_hist.sum() == 3000 * inputs.horizon


def test_auto_falls_back_to_numpy_without_numba(monkeypatch, wh):
    spec = load_scenario(SCENARIOS[0].with_name("ree-2010-quota.toml"))
    base = build_baseline(spec, wh)
    inputs = MarketInputs.from_spec(spec, base)
    big = int(AUTO_NUMBA_S / estimate_seconds(1, inputs)) + 1
    monkeypatch.setattr(eng, "numba_available", lambda: False)
    assert resolve_engine("auto", big, inputs) == ("numpy", "numpy (auto: Numba is not installed)")
    with pytest.raises(CritminError, match=r"critmin\[fast\]"):
        resolve_engine("numba", 10, inputs)
    res = simulate(spec, runs=1024, seed=1, baseline=base)          # the scenario's default: auto
    assert res.engine.startswith("numpy")
    with pytest.raises(CritminError, match="not one of"):
        resolve_engine("fortran", 10, inputs)


def test_auto_takes_numba_for_a_big_job_when_installed(wh):
    pytest.importorskip("numba")
    spec = load_scenario(SCENARIOS[0].with_name("ree-2010-quota.toml"))
    inputs = MarketInputs.from_spec(spec, build_baseline(spec, wh))
    big = int(AUTO_NUMBA_S / estimate_seconds(1, inputs)) + 1
    assert resolve_engine("auto", big, inputs)[0] == "numba"
    assert resolve_engine("auto", 1000, inputs)[0] == "numpy"    # too small to repay loading Numba


def test_scenario_key_selects_the_engine(tmp_path, wh):
    src = SCENARIOS[0].with_name("ree-2010-quota.toml").read_text("utf-8")
    assert "[market]" in src
    p = tmp_path / "s.toml"
    p.write_text(src.replace("[market]", '[market]\nengine = "numpy"', 1), "utf-8")
    spec = load_scenario(p)
    assert spec.market.engine == "numpy"
    res = simulate(spec, runs=1024, seed=2, baseline=build_baseline(spec, wh))
    assert res.engine == "numpy" and res.to_dict()["engine"] == "numpy"


def test_compact_table_dtypes_and_the_memory_estimate_follow_them(wh):
    # a scenario without [[capacity]] (those add a delay float32 and a cancelled bool per entry, and the
    # added and idle supply in float64: checked on the 2010 quota, which has two)
    quota = load_scenario(SCENARIOS[0].with_name("ree-2010-quota.toml"))
    q_in = MarketInputs.from_spec(quota, build_baseline(quota, wh))
    q_dt = column_dtypes(q_in)
    assert len(quota.capacity) == 2
    assert [k for k in q_dt if k.startswith("capacity_")] == [
        f"capacity_{w}[{c.name}]" for c in quota.capacity for w in ("delay_years", "cancelled")]
    assert q_dt["added_supply_t"] == np.float64 and q_dt["idle_capacity_t"] == np.float64
    spec = load_scenario(SCENARIOS[0].with_name("ree-export-ban.toml"))
    assert not spec.capacity
    base = build_baseline(spec, wh)
    inputs = MarketInputs.from_spec(spec, base)
    J = len(inputs.regions)
    assert row_bytes(q_in) == row_bytes(inputs) + 2 * (4 + 1) + 2 * 8 + (len(q_in.regions) - J) * (6 * 4 + 8)
    dt = column_dtypes(inputs)
    assert dt["peak_price_multiple"] == np.float64 and dt["cost_usd_total"] == np.float64
    assert dt[f"shortfall_t[{inputs.regions[0]}]"] == np.float32
    assert dt[f"cost_usd[{inputs.regions[0]}]"] == np.float64
    assert dt["cut"] == np.float32 and dt["occurs"] == np.bool_ and dt["months_at_choke"] == np.float32
    # run (8) + occurs (1) + 8 draws x 4 + 3 prices/costs x 8 + months at choke 4 + per region 6 x 4 + cost 8
    assert row_bytes(inputs) == 8 + 1 + 8 * 4 + 3 * 8 + 4 + J * (6 * 4 + 8)
    assert row_bytes(inputs, compact=False) == 8 + 1 + 8 * 8 + 4 * 8 + J * 7 * 8
    res = simulate(spec, runs=2048, seed=4, baseline=base, engine="numpy")
    wide = simulate(spec, runs=2048, seed=4, baseline=base, engine="numpy", compact=False)
    assert sum(a.nbytes for a in res.columns.values()) == 2048 * row_bytes(inputs)
    for k, a in res.columns.items():
        assert a.dtype == dt[k], k
        # float32 keeps 7 significant digits: 6e-8 relative
        np.testing.assert_allclose(a, wide.columns[k], rtol=6e-8, atol=0, err_msg=k)
    d0, d1 = res.to_dict(), wide.to_dict()
    assert d0["price_peak_multiple"] == d1["price_peak_multiple"]        # float64 columns: identical
    assert len(d0["regions"]) == len(d1["regions"]) == J
    for a, b in zip(d0["regions"], d1["regions"], strict=True):
        flat = [(k, v) for k, v in b.items() if isinstance(v, float)]
        flat += [(f"{k}.{q}", w) for k, v in b.items() if isinstance(v, dict) for q, w in v.items()]
        assert len(flat) > 3
        for k, v in flat:
            got = a[k] if "." not in k else a[k.split(".")[0]][k.split(".")[1]]
            assert got == pytest.approx(v, rel=1e-6, abs=1e-6), k


def test_memory_check_follows_the_compact_row(monkeypatch, wh):
    """The estimate of :mod:`critmin.market.memory` uses the compact row: a run count that fits only
    in float32 is accepted compact and refused in float64."""
    from critmin.market import memory
    from critmin.market.memory import MemoryEstimateError, simulation_bytes

    spec = load_scenario(SCENARIOS[0].with_name("ree-2010-quota.toml"))
    base = build_baseline(spec, wh)
    inputs = MarketInputs.from_spec(spec, base)
    runs = 200_000
    kw = {"horizon": inputs.horizon, "regions": len(inputs.regions), "suppliers": len(inputs.suppliers),
          "chunk_size": eng.DEFAULT_CHUNK}
    small = simulation_bytes(runs, columns_bytes_per_run=row_bytes(inputs), **kw)
    big = simulation_bytes(runs, columns_bytes_per_run=row_bytes(inputs, compact=False), **kw)
    assert big - small == runs * (row_bytes(inputs, compact=False) - row_bytes(inputs))
    monkeypatch.setattr(memory, "available_bytes", lambda: int((small + big) / 2 / memory.HEADROOM))
    eng._check_runs_fit(runs, inputs, False, eng.DEFAULT_CHUNK)                       # fits compact
    with pytest.raises(MemoryEstimateError, match="Use at most"):
        eng._check_runs_fit(runs, inputs, False, eng.DEFAULT_CHUNK, compact=False)
