"""Benchmark of the vectorised market model against the plain per-scenario loop.

    python benchmarks/bench_market.py                 # 100,000 scenarios x 36 months, loop on a subset
    python benchmarks/bench_market.py --million       # also 1,000,000 scenarios in a child process
    python benchmarks/bench_market.py --pool 2        # also the local process pool

The market is the rare-earth baseline of ``examples/scenarios/ree-export-ban.toml`` built from the
bundled warehouse (11 suppliers besides China, 5 consumer regions: USA, JPN, EU, KOR, ROW) with an
uncertain disruption (probability 0.8; start, length, depth and leakage drawn per run) and the
file's stockpiles (price triggers, refills), so that every branch of the model is exercised.

Reported: median wall time of repeated runs, scenario-months per second, peak memory (tracemalloc
peak of one run, and the process's peak resident set size), the loop's rate on a subset and the speed
ratio, and the agreement of the two implementations on that subset.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.market.engine import SAMPLING_BLOCK, draw_runs
from critmin.market.model import _supplier_groups, simulate_market
from critmin.market.reference import reference_market
from critmin.market.runners import ProcessPoolRunner
from critmin.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "ree-export-ban.toml"


def bench_spec():
    """The example scenario with an uncertain disruption."""
    spec = load_scenario(SCENARIO)
    d = spec.disruption.model_dump()
    d.update(probability=0.8, start_month={"dist": "uniform", "low": 0, "high": 12},
             duration_months={"dist": "triangular", "low": 1, "mode": 6, "high": 18},
             cut={"dist": "uniform", "low": 0.2, "high": 0.8},
             leakage={"dist": "uniform", "low": 0.0, "high": 0.2})
    m = spec.market.model_dump()
    # per-supplier ramp parameters, so that suppliers are not all aggregated into one capacity group
    m["suppliers"] = {"USA": {"ramp_lag_months": 6}, "AUS": {"spare_capacity": 0.5},
                      "THA": {"spare_capacity": 0.0, "spare_capacity_immediate": 0.0}}
    return spec.with_overrides(name="benchmark: uncertain China rare-earth cut", disruption=d, market=m)


def load_baseline(spec, db: str | None):
    if db:
        with open_warehouse(db, read_only=True) as wh:
            return build_baseline(spec, wh)
    with tempfile.TemporaryDirectory() as tmp, open_warehouse(Path(tmp) / "bench.duckdb") as wh:
        return build_baseline(spec, wh)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: kB


def median_time(fn, repeats: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def agreement(inputs: MarketInputs, draws) -> dict:
    vec = simulate_market(inputs, draws, keep_paths=True)
    ref = reference_market(inputs, draws)
    scale = float(inputs.demand_t.sum())
    ratio = vec.paths["price_multiple"] / ref["paths"]["price_multiple"]
    out = {"price_max_rel_diff": float(np.max(np.abs(ratio - 1)))}
    for k in ("consumption_t", "shortfall_t", "stock_t", "release_t", "refill_t"):
        out[f"{k}_max_abs_diff_rel_to_demand"] = float(np.max(np.abs(vec.paths[k] - ref["paths"][k])) / scale)
    out["shortfall_months_equal"] = bool(np.array_equal(vec.summary["shortfall_months"],
                                                        ref["summary"]["shortfall_months"]))
    out["ok"] = (out["price_max_rel_diff"] < 1e-7 and out["shortfall_months_equal"]
                 and all(v < 1e-7 for k, v in out.items() if k.endswith("rel_to_demand")))
    return out


def child_million(args) -> None:
    """Run 1,000,000 scenarios and print time and peak RSS as JSON (run in a fresh process)."""
    spec = bench_spec()
    baseline = load_baseline(spec, args.db)
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    res = simulate(spec, runs=1_000_000, seed=args.seed, baseline=baseline, chunk_size=args.chunk)
    t = time.perf_counter() - t0
    print(json.dumps({"runs": res.runs, "seconds": t, "peak_rss_mb": peak_rss_mb(),
                      "rss_before_mb": rss0, "p50_peak": res.quantiles("peak_price_multiple")["p50"]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--loop-runs", type=int, default=400, help="scenarios for the plain loop")
    ap.add_argument("--loop-repeats", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=16 * SAMPLING_BLOCK)
    ap.add_argument("--seed", type=int, default=20240801)
    ap.add_argument("--pool", type=int, default=0, help="also time a process pool of N workers")
    ap.add_argument("--million", action="store_true", help="also run 1,000,000 scenarios (child process)")
    ap.add_argument("--db", default=None, help="warehouse file (default: a temporary one)")
    ap.add_argument("--_child-million", dest="child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_million(args)
        return

    spec = bench_spec()
    baseline = load_baseline(spec, args.db)
    inputs = MarketInputs.from_spec(spec, baseline)
    H = spec.horizon_months
    n_groups = len(_supplier_groups(inputs)[0])
    print(f"market: {baseline.name} {baseline.edition} {baseline.year}; {len(inputs.suppliers)} suppliers "
          f"besides {baseline.exporter} ({n_groups} capacity groups), {len(inputs.regions)} regions "
          f"{inputs.regions}; horizon {H} months")

    # vectorised engine, in-process
    simulate(spec, runs=SAMPLING_BLOCK, seed=args.seed, baseline=baseline)        # warm-up
    med, times, res = median_time(lambda: simulate(spec, runs=args.runs, seed=args.seed, baseline=baseline,
                                                   chunk_size=args.chunk), args.repeats)
    rate = args.runs * H / med
    print(f"vectorised: {args.runs:,} scenarios x {H} months: median {med:.3f} s of {len(times)} "
          f"({', '.join(f'{t:.3f}' for t in times)}) -> {rate:,.0f} scenario-months/s")
    tracemalloc.start()
    simulate(spec, runs=args.runs, seed=args.seed, baseline=baseline, chunk_size=args.chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak traced memory of one run: {peak / 2**20:,.0f} MiB; process peak RSS so far "
          f"{peak_rss_mb():,.0f} MiB")
    q = res.quantiles("peak_price_multiple")
    print(f"  peak price multiple p05/p50/p95: {q['p05']:.2f} / {q['p50']:.2f} / {q['p95']:.2f}")

    if args.pool:
        runner = ProcessPoolRunner(args.pool)
        medp, tp, resp = median_time(lambda: simulate(spec, runs=args.runs, seed=args.seed, baseline=baseline,
                                                      chunk_size=args.chunk, runner=runner), args.repeats)
        same = all(np.array_equal(res.columns[k], resp.columns[k]) for k in res.columns)
        print(f"process pool ({args.pool}): median {medp:.3f} s -> {args.runs * H / medp:,.0f} "
              f"scenario-months/s (includes process start-up); identical to in-process: {same}")

    # plain per-scenario loop on a subset, same draws
    draws = draw_runs(spec.random_params(), args.seed, 0, args.loop_runs)
    medl, tl, _ = median_time(lambda: reference_market(inputs, draws), args.loop_repeats)
    loop_rate = args.loop_runs * H / medl
    print(f"plain loop: {args.loop_runs:,} scenarios x {H} months: median {medl:.3f} s of {len(tl)} -> "
          f"{loop_rate:,.0f} scenario-months/s")
    print(f"speed ratio vectorised / loop: {rate / loop_rate:,.0f}x (target >= 100x)")
    agree = agreement(inputs, draws)
    print("agreement on the subset: " + ", ".join(f"{k} {v:.2e}" if isinstance(v, float) else f"{k} {v}"
                                                  for k, v in agree.items()))
    if not agree["ok"]:
        sys.exit("the vectorised model and the loop disagree")

    if args.million:
        cmd = [sys.executable, __file__, "--_child-million", "--seed", str(args.seed),
               "--chunk", str(args.chunk)]
        if args.db:
            cmd += ["--db", args.db]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"1,000,000 scenarios x {H} months: {m['seconds']:.1f} s -> {1e6 * H / m['seconds']:,.0f} "
              f"scenario-months/s; peak RSS {m['peak_rss_mb']:,.0f} MiB (before the run "
              f"{m['rss_before_mb']:,.0f} MiB; limit 2,048): {'OK' if m['peak_rss_mb'] < 2048 else 'OVER'}")


if __name__ == "__main__":
    main()
