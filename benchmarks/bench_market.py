"""Benchmark of the market engines (NumPy, Numba on 1 and 2 threads) and two plain per-scenario loops.

    python benchmarks/bench_market.py                 # 65,536 scenarios x 36 months, loops on a subset
    python benchmarks/bench_market.py --million       # also 1,000,000 runs of simulate() in child processes
    python benchmarks/bench_market.py --pool 2        # also the local process pool

The market is the rare-earth baseline of ``examples/scenarios/ree-export-ban.toml`` built from the
bundled warehouse (11 suppliers besides China, 5 consumer regions: USA, JPN, EU, KOR, ROW) with an
uncertain disruption (probability 0.8; start, length, depth and leakage drawn per run) and the
file's stockpiles (price triggers, refills), so that every branch of the model is exercised.

Paired timings: every round times each contender once, in turn (the order rotates between rounds), on
the same draws, and the ratios are taken within a round; the medians of the times and of the ratios are
reported, so a moment of load on the machine moves both sides of a ratio. Contenders, per scenario-month:

* ``numpy``: :func:`~critmin.market.model.simulate_market`, chunk by chunk (16,384 runs) as the engine
  calls it (price histograms and per-block sums included);
* ``numba x1`` / ``numba x2``: :func:`~critmin.market.fast.simulate_market_numba` on the same chunks,
  serial kernel and parallel kernel on 2 threads (compiled code cached on disk; one warm-up call);
* ``fair loop``: the engines' algorithm (a safeguarded solve over the supplier groups, the hoisted
  ``exp`` terms) interpreted by Python, one scenario at a time: the Numba kernel not compiled (its
  Halley steps take fewer evaluations than the NumPy engine's Newton steps, so the loop is if anything
  favoured);
* ``reference loop``: :func:`~critmin.market.reference.reference_market`, written independently
  (bisection over every supplier), as before.

The loops run on a subset (``--loop-runs``). Also printed: the largest difference between the engines on
every per-run result and monthly sum, relative to each quantity's scale; the floor the Numba kernel is
measured against (the ``exp`` calls it makes per scenario-month, timed alone in a compiled loop on the
arguments they had); the agreement of the reference loop; with ``--million``, time and peak resident
memory of ``simulate()`` at 1,000,000 runs (each in a fresh process reading an already built warehouse)
for the float64 table (``compact=False``, the previous layout) and the compact one.
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
from pathlib import Path

import numpy as np

from critmin.market import MarketInputs, build_baseline, load_scenario, simulate
from critmin.market.engine import PRICE_BINS, SAMPLING_BLOCK, draw_runs, numba_available
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
    """Peak resident memory of this process [MiB]: ``VmHWM`` where Linux has it (the high-water mark of
    this program's own memory: ``ru_maxrss`` keeps the parent's peak across fork and exec, so a child
    started by a big parent would report the parent's), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0   # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: kB


def agreement(inputs: MarketInputs, draws) -> dict:
    """The NumPy engine against the independently written reference loop, month by month."""
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


def chunked(draws, chunk: int) -> list:
    return [draws.take(slice(i, i + chunk)) for i in range(0, len(draws), chunk)]


def engine_call(inputs, parts, kind: str):
    """A function running every chunk on one engine; returns the outputs."""
    if kind == "numpy":
        return lambda: [simulate_market(inputs, p, price_bins=PRICE_BINS, sum_block=SAMPLING_BLOCK)
                        for p in parts]
    from critmin.market.fast import simulate_market_numba

    threads = {"numba x1": 1, "numba x2": 2, "fair loop": 0}[kind]
    return lambda: [simulate_market_numba(inputs, p, price_bins=PRICE_BINS, sum_block=SAMPLING_BLOCK,
                                          threads=threads) for p in parts]


def max_difference(a: list, b: list) -> tuple[float, str]:
    """Largest difference of two engines' outputs, relative to each quantity's largest value."""
    worst, where = 0.0, ""
    for oa, ob in zip(a, b, strict=True):
        pairs = [(f"summary {k}", oa.summary[k], ob.summary[k]) for k in oa.summary]
        pairs += [(f"sums {k}", oa.sums[k], ob.sums[k]) for k in oa.sums]
        for name, x, y in pairs:
            x, y = np.asarray(x, float), np.asarray(y, float)
            scale = float(np.max(np.abs(x))) if x.size else 0.0
            d = float(np.max(np.abs(x - y))) / scale if scale > 0 else 0.0
            if d > worst:
                worst, where = d, name
        if not np.array_equal(oa.price_hist, ob.price_hist):
            worst, where = max(worst, 1.0), "price histogram"
    return worst, where


def child_million(args) -> None:
    """Run 1,000,000 scenarios through simulate() and print time and peak RSS as JSON (fresh process)."""
    spec = bench_spec()
    baseline = load_baseline(spec, args.db)
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    res = simulate(spec, runs=1_000_000, seed=args.seed, baseline=baseline, chunk_size=args.chunk,
                   engine=args.engine, compact=not args.wide)
    d = res.to_dict()
    t = time.perf_counter() - t0
    table = sum(a.nbytes for a in res.columns.values()) / 2**20
    print(json.dumps({"runs": res.runs, "seconds": t, "peak_rss_mb": peak_rss_mb(), "table_mib": table,
                      "rss_before_mb": rss0, "engine": res.engine,
                      "p50_peak": d["price_peak_multiple"]["p50"]}))


def million(args, H: int) -> None:
    """simulate() at 1,000,000 runs in fresh processes: the float64 table and the compact one.

    Each child reads an existing warehouse (``--db``, or one built here once beforehand), as a user's
    ``critmin simulate`` does: building a warehouse from the bundle in the child would put the build's
    own peak (~500 MiB) in place of the simulation's."""
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if not db:
            db = str(Path(tmp) / "bench.duckdb")
            open_warehouse(db).close()
        _million(args, H, db)


def _million(args, H: int, db: str) -> None:
    for wide, engine in ((True, "numpy"), (False, "numpy"), (False, "numba")):
        if engine == "numba" and not numba_available():
            continue
        cmd = [sys.executable, __file__, "--_child-million", "--seed", str(args.seed), "--chunk",
               str(args.chunk), "--engine", engine, "--db", db] + (["--wide"] if wide else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"1,000,000 runs x {H} months, {'float64 table' if wide else 'compact table'}, {m['engine']}: "
              f"{m['seconds']:.1f} s (simulate() and its summary); per-run table {m['table_mib']:,.0f} MiB; "
              f"peak RSS {m['peak_rss_mb']:,.0f} MiB (before the run {m['rss_before_mb']:,.0f} MiB; target "
              f"500): {'OK' if m['peak_rss_mb'] < 500 else 'OVER'}")


def exp_floor(inputs, draws, numba_x1_ns: float) -> str:
    """The floor the Numba kernel is measured against: the ``exp`` calls it makes per scenario-month
    (counted by running the kernel interpreted, on ``draws``, with a counting ``exp``), timed alone in a
    compiled loop over the very arguments they had (independent calls: the best the CPU can do), and
    the share of the kernel's time that leaves for everything else."""
    import math
    import types

    from numba import njit

    import critmin.market.fast as fast

    seen: list[float] = []

    def exp(x):
        seen.append(x)
        return math.exp(x)

    m = types.SimpleNamespace(**{k: getattr(math, k) for k in dir(math) if not k.startswith("_")})
    m.exp = exp
    newton = types.FunctionType(fast._newton.__code__, {**fast._newton.__globals__, "math": m})
    glb = {**fast._kernel.__globals__, "math": m, "np": fast._ListArrays, "prange": range, "_newton": newton}
    kernel = types.FunctionType(fast._kernel.__code__, glb, "_kernel_counting")

    def counting(*args):
        kernel(*(fast._Vec(a.tolist()) if i < fast._N_INPUTS and isinstance(a, np.ndarray) and a.ndim == 1
                 else a for i, a in enumerate(args)))

    real = fast._interpreted
    fast._interpreted = counting
    try:
        fast.simulate_market_numba(inputs, draws, price_bins=PRICE_BINS, sum_block=SAMPLING_BLOCK, threads=0)
    finally:
        fast._interpreted = real
    xs = np.asarray(seen)
    per_sm = len(xs) / (len(draws) * inputs.horizon)

    @njit(cache=False)
    def _exps(v, reps):
        t = 0.0
        for _ in range(reps):
            for i in range(v.shape[0]):
                t += math.exp(v[i])
        return t

    reps = max(1, 2_000_000 // len(xs))
    _exps(xs[:10], 1)
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        _exps(xs, reps)
        ts.append((time.perf_counter() - t0) / (reps * len(xs)) * 1e9)
    ns_exp = statistics.median(ts)
    floor = per_sm * ns_exp
    return (f"floor: the kernel's {per_sm:.2f} exp per scenario-month, alone in a compiled loop on their "
            f"own arguments, {ns_exp:.1f} ns each = {floor:.0f} ns per scenario-month; numba x1 at "
            f"{numba_x1_ns:.0f} ns is {numba_x1_ns / floor:.1f}x that floor ({floor / numba_x1_ns:.0%} of "
            f"its time in exp)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4 * 16 * SAMPLING_BLOCK)
    ap.add_argument("--repeats", type=int, default=5, help="paired rounds")
    ap.add_argument("--loop-runs", type=int, default=200, help="scenarios for the plain loops")
    ap.add_argument("--chunk", type=int, default=16 * SAMPLING_BLOCK)
    ap.add_argument("--seed", type=int, default=20240801)
    ap.add_argument("--pool", type=int, default=0, help="also time a process pool of N workers")
    ap.add_argument("--million", action="store_true", help="also run 1,000,000 scenarios (child processes)")
    ap.add_argument("--db", default=None, help="warehouse file (default: a temporary one)")
    ap.add_argument("--_child-million", dest="child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="numpy", help=argparse.SUPPRESS)
    ap.add_argument("--wide", action="store_true", help=argparse.SUPPRESS)
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

    draws = draw_runs(spec.random_params(), args.seed, 0, args.runs)
    parts = chunked(draws, args.chunk)
    sub = [draws.take(slice(0, args.loop_runs))]
    kinds = ["numpy"] + (["numba x1", "numba x2"] if numba_available() else [])
    calls = {k: engine_call(inputs, parts, k) for k in kinds}
    if numba_available():
        calls["fair loop"] = engine_call(inputs, sub, "fair loop")
    else:
        print("Numba is not installed (pip install 'critmin[fast]'): no Numba engine and no fair loop")
    calls["reference loop"] = lambda: reference_market(inputs, sub[0])
    size = {k: (args.loop_runs if "loop" in k else args.runs) * H for k in calls}
    outs = {k: calls[k]() for k in kinds}                                  # warm-up (and compile check)
    names = list(calls)
    ns: dict[str, list[float]] = {k: [] for k in names}
    for r in range(args.repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            t0 = time.perf_counter()
            calls[k]()
            ns[k].append((time.perf_counter() - t0) / size[k] * 1e9)
    print(f"paired rounds: {args.repeats}; engines on {args.runs:,} scenarios in chunks of {args.chunk:,}, "
          f"loops on {args.loop_runs:,}; ns per scenario-month (median, and every round):")
    for k in names:
        print(f"  {k:15s} {statistics.median(ns[k]):10,.0f} ns  ({', '.join(f'{v:,.0f}' for v in ns[k])})")
    pairs = [("numpy", "numba x1"), ("numpy", "numba x2"), ("numba x1", "numba x2"), ("fair loop", "numpy"),
             ("reference loop", "numpy"), ("reference loop", "fair loop"), ("fair loop", "numba x1")]
    print("paired ratios (median over rounds of slower/faster per scenario-month):")
    for a, b in pairs:
        if a in ns and b in ns:
            rs = [x / y for x, y in zip(ns[a], ns[b], strict=True)]
            print(f"  {a} / {b}: {statistics.median(rs):,.2f}x  (rounds {min(rs):,.2f}-{max(rs):,.2f})")
    for k in kinds[1:]:
        worst, where = max_difference(outs["numpy"], outs[k])
        print(f"max difference numpy vs {k}: {worst:.2e} relative to scale (at {where}) over "
              f"{args.runs:,} runs")
    if numba_available():
        from critmin.market.fast import simulate_market_numba

        fair = simulate_market_numba(inputs, sub[0], price_bins=PRICE_BINS, sum_block=SAMPLING_BLOCK,
                                     threads=0)
        worst, where = max_difference([simulate_market(inputs, sub[0], price_bins=PRICE_BINS,
                                                       sum_block=SAMPLING_BLOCK)], [fair])
        print(f"max difference numpy vs fair loop: {worst:.2e} (at {where}) over {args.loop_runs:,} runs")
        print(exp_floor(inputs, sub[0], statistics.median(ns["numba x1"])))
    agree = agreement(inputs, sub[0])
    print("numpy engine vs reference loop: " + ", ".join(
        f"{k} {v:.2e}" if isinstance(v, float) else f"{k} {v}" for k, v in agree.items()))
    if not agree["ok"]:
        sys.exit("the engine and the reference loop disagree")

    if args.pool:
        runner = ProcessPoolRunner(args.pool)
        t0 = time.perf_counter()
        res = simulate(spec, runs=args.runs, seed=args.seed, baseline=baseline, engine="numpy")
        t1 = time.perf_counter()
        resp = simulate(spec, runs=args.runs, seed=args.seed, baseline=baseline, runner=runner,
                        engine="numpy")
        t2 = time.perf_counter()
        same = all(np.array_equal(res.columns[k], resp.columns[k]) for k in res.columns)
        print(f"simulate() in-process {t1 - t0:.2f} s, process pool ({args.pool}) {t2 - t1:.2f} s "
              f"(includes start-up); identical: {same}")
    if args.million:
        million(args, H)


if __name__ == "__main__":
    main()
