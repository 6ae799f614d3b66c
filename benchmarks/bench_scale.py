"""Scale-out benchmark: one simulation in-process, on a process pool, on a local Dask cluster and on an
external Dask scheduler, timed side by side in one run.

    python benchmarks/bench_scale.py                      # 200,000 and 1,000,000 runs, 2 workers
    python benchmarks/bench_scale.py --runs 200000 --workers 2 --repeats 3

Scenario: ``ree-2010-quota.toml`` on the bundled warehouse. Times are the runner's time for the
simulation (``SimulationResult.elapsed_s``: drawing, simulating and merging every chunk), median of
``--repeats`` runs, each mode warm (pool, cluster and workers started and used once before timing), so
start-up is reported separately. Efficiency = in-process time / (workers x mode time): 100 % is a perfect
split over the workers. The modes alternate inside each repeat, so the machine's load hits all alike;
the paired efficiency takes the ratio within each repeat (its median), and every repeat's time is
printed.

The external scheduler is started here (``dask scheduler`` on 127.0.0.1 and ``dask worker`` processes
with one thread each and a nanny), with critmin's recommended worker environment
(``MALLOC_TRIM_THRESHOLD_`` unset through Dask's config, see ``critmin.market.runners.DASK_WORKER_ENV``)
and, for comparison, with Dask's default (``--dask-default``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from critmin.market import build_baseline, load_scenario, simulate
from critmin.market.runners import DaskRunner, InProcessRunner, ProcessPoolRunner
from critmin.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "ree-2010-quota.toml"


class _Connect:
    """A Dask scheduler's address: each call opens a runner connected to it (used in a ``with``)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def __call__(self) -> DaskRunner:
        r = DaskRunner(self.address)
        r._client()  # connected before the timed run
        return r


def _external(workers: int, dask_default: bool, tmp: Path) -> tuple[list[subprocess.Popen], str]:
    """Start a scheduler and ``workers`` single-thread workers; return the processes and the address."""
    env = dict(os.environ)
    if not dask_default:
        # as documented in critmin.market.runners.DASK_WORKER_ENV: a Dask config file (an environment
        # variable cannot do it: Dask lower-cases the keys it reads from DASK_* variables)
        conf = tmp / "dask-config"
        conf.mkdir(exist_ok=True)
        (conf / "distributed.yaml").write_text(
            "distributed:\n  nanny:\n    pre-spawn-environ:\n      MALLOC_TRIM_THRESHOLD_: null\n"
            "  worker:\n    profile:\n      enabled: false\n"
            "  admin:\n    tick:\n      interval: 1s\n    system-monitor:\n      interval: 2s\n", "utf-8")
        env["DASK_CONFIG"] = str(conf)
    sfile = tmp / f"scheduler-{int(dask_default)}.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
                               "127.0.0.1:0", "--scheduler-file", str(sfile)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(100):
        if sfile.exists() and sfile.stat().st_size:
            break
        time.sleep(0.1)
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(sfile),
              "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1", "--dashboard-address",
              "127.0.0.1:0"]
    procs += [subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for _ in range(workers)]
    import json

    address = json.loads(sfile.read_text())["address"]
    from distributed import Client

    with Client(address) as c:
        c.wait_for_workers(workers, timeout=60)
    return procs, address


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, nargs="*", default=[200_000, 1_000_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine", default="numpy", choices=("numpy", "numba"),
                    help="the engine every mode runs (fixed, so that 'auto' cannot pick Numba for the big "
                         "jobs only and time its per-worker compilation; default numpy)")
    ap.add_argument("--dask-default", action="store_true",
                    help="also time an external cluster with Dask's default worker environment")
    args = ap.parse_args()

    spec = load_scenario(SCENARIO)
    with open_warehouse(read_only=False) as wh:
        baseline = build_baseline(spec, wh)

    tmp = Path(tempfile.mkdtemp(prefix="critmin-bench-scale-"))
    procs: list[subprocess.Popen] = []
    runners: dict[str, object] = {"in-process": InProcessRunner()}
    started: dict[str, float] = {}
    local = None
    try:
        runners["pool"] = ProcessPoolRunner(args.workers)
        started["pool"] = 0.0  # a pool starts inside each run; its start-up is part of its time
        t0 = time.perf_counter()
        local = DaskRunner(workers=args.workers)  # critmin's LocalCluster (its worker environment)
        local._client()
        started["LocalCluster"] = time.perf_counter() - t0
        # Each Dask mode is timed through a client of its own, opened before and closed after its run:
        # a second Client open in the same process slows the first one's results 4-5x (measured: 200k
        # runs on LocalCluster 1.7 s alone, 6-10 s while a client of the external scheduler is open),
        # which is the benchmark's artefact, not critmin's (the CLI opens one client).
        runners["LocalCluster"] = _Connect(local._cluster.scheduler_address)
        local.client.close()
        local.client = None
        t0 = time.perf_counter()
        p, address = _external(args.workers, False, tmp)
        procs += p
        started["external"] = time.perf_counter() - t0
        runners["external"] = _Connect(address)
        if args.dask_default:
            p, address = _external(args.workers, True, tmp)
            procs += p
            runners["external (Dask default env)"] = _Connect(address)

        kw = dict(baseline=baseline, seed=args.seed, small_in_process=False, engine=args.engine)

        def timed(r, runs: int) -> float:
            if isinstance(r, _Connect):
                with r() as dr:
                    return simulate(spec, runs=runs, runner=dr, **kw).elapsed_s
            return simulate(spec, runs=runs, runner=r, **kw).elapsed_s

        for r in runners.values():  # warm every mode once (with Numba: each worker compiles or loads it)
            timed(r, 20_000)

        print(f"scenario {SCENARIO.name}; engine {args.engine}; {args.workers} workers; "
              f"median of {args.repeats}; "
              f"cpu count {os.cpu_count()}")
        print("start-up [s]: " + ", ".join(f"{k} {v:.2f}" for k, v in started.items()))
        for runs in args.runs:
            times: dict[str, list[float]] = {k: [] for k in runners}
            for _ in range(args.repeats):
                for name, r in runners.items():
                    times[name].append(timed(r, runs))
            base = statistics.median(times["in-process"])
            print(f"\n{runs:,} runs")
            print(f"{'mode':<30} {'median [s]':>10} {'speed-up':>9} {'efficiency':>10} {'paired':>7}  "
                  "(paired: median over repeats of in-process / (workers x mode) within a repeat); "
                  "every repeat [s]")
            for name, ts in times.items():
                med = statistics.median(ts)
                n = 1 if name == "in-process" else args.workers
                paired = statistics.median(b / (n * t) for b, t in zip(times["in-process"], ts, strict=True))
                print(f"{name:<30} {med:>10.2f} {base / med:>8.2f}x {base / (n * med):>9.0%} {paired:>7.0%}  "
                      + ", ".join(f"{t:.2f}" for t in ts))
    finally:
        if local is not None:
            local.close()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
