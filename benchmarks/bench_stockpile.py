"""Benchmark of the stockpile planner: a full plan for 10 materials with 100,000 scenarios each.

    python benchmarks/bench_stockpile.py                  # Japan, 10 materials, 100,000 runs, 2 processes
    python benchmarks/bench_stockpile.py --workers 1      # in this process only
    python benchmarks/bench_stockpile.py --runs 20000 --budget 1e9

Each material's shortfall curve is re-simulated for every stock tried (about a dozen per material, see
critmin.stockpile.job), each stock with all the runs, then sized, compared with the 0/60/100/180-day
policies and allocated under the budget. Printed: the wall time (target: under 60 s on a 2-core
machine), the number of simulations and scenario-months per second, and the plan table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from critmin.stockpile import PLANNING_SCENARIOS, plan
from critmin.warehouse import open_warehouse

MATERIALS = ["rare-earths", "gallium", "germanium", "tungsten", "cobalt", "antimony", "graphite",
             "magnesium-metal", "niobium", "tantalum"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--region", default="JPN")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--budget", type=float, default=None, help="purchase budget [USD]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db", default=None, help="warehouse file (default: a fresh one from the bundle)")
    args = ap.parse_args(argv)
    assert set(MATERIALS) <= set(PLANNING_SCENARIOS), "every material has a planning scenario"

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.duckdb")
        with open_warehouse(db) as wh:
            t0 = time.perf_counter()
            res = plan(args.region, MATERIALS, args.budget, runs=args.runs, seed=args.seed, warehouse=wh,
                       workers=args.workers)
            wall = time.perf_counter() - t0
    # each point of a curve is one simulation of all runs (the largest stock reuses the ample one)
    scen_months = sum(len(m.points) * res.runs * m.horizon_months for m in res.materials)
    print(f"stockpile plan: region {res.region}, {len(MATERIALS)} materials, {args.runs:,} scenarios each, "
          f"{args.workers} process(es)")
    print(f"wall time {wall:.1f} s (target < 60 s); {res.simulations} simulations of {args.runs:,} runs; "
          f"{scen_months / wall:,.0f} scenario-months per second")
    print()
    print(f"{'material':<16} {'cons. t/yr':>11} {'opt days':>9} {'opt t':>10} {'cost MUSD':>10} "
          f"{'E[L] t':>9} {'60d MUSD/yr':>12} {'180d MUSD/yr':>13} {'opt MUSD/yr':>12}")
    for m in res.materials:
        cost = m.policies.set_index("policy")["expected_cost_usd"] / 1e6
        print(f"{m.material:<16} {m.consumption_t_per_year:>11,.1f}{'e' if m.consumption_estimate else ' '}"
              f"{m.planned_days:>8.0f} {m.planned_t:>10,.1f} {m.planned_t * m.price_usd_per_t / 1e6:>10,.1f} "
              f"{m.planned_expected_shortfall_t():>9,.1f} {cost['60 days']:>12,.2f} "
              f"{cost['180 days']:>13,.2f} {cost['optimum']:>12,.2f}")
    print("(e: consumption is an estimate, not a data row)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
