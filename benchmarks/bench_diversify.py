"""Benchmark of the supplier-mix frontier: the shortfall LP by row generation against the full LP.

    python benchmarks/bench_diversify.py                    # the 8 default commodities, region USA
    python benchmarks/bench_diversify.py --repeat 7
    python benchmarks/bench_diversify.py cobalt graphite --runs 2000

Runs :func:`critmin.diversify.diversify` as ``critmin report`` does (region USA, default parameters, the
report's seed) on the warehouse of ``--db`` / ``$CRITMIN_DB`` (read-only), once per commodity with the
shortfall programme solved by row generation (``optimize._ROW_GENERATION = True``, the default) and once
with the full programme (one row per piece and group: the code before row generation), alternating
``--repeat`` times so both see the same load. A first untimed pass fills the warehouse's memo (trade,
production, governance queries), so the timed passes differ by the solver only.

Printed, per mode: the median wall and CPU time of

* ``diversify``: the whole job over the commodities;
* ``frontier``: the solver alone, ``solve_mix`` (unconstrained) then ``efficient_frontier`` on the
  problems the job builds (caught in the first pass), on a fresh risk object each time;

and the median of the paired ratios (full / row generation). Then the largest differences between the
two modes' results, over every point (the unconstrained optimum and each frontier budget): risk
(relative), premium and shares (absolute). Points whose shares differ by more than 1e-6 while risk and
premium agree are listed as alternative optima (the optimum is not unique there: both mixes are
feasible and equally good). A commodity the job cannot serve (a data gap) is reported and skipped.

The machine is shared: quote the medians and the paired ratio, not a single run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

COMMODITIES = ("rare-earths", "gallium", "germanium", "graphite", "tungsten", "antimony", "cobalt",
               "lithium")


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _fresh(risk):
    """The same risk without the solver's caches (no hint carried from an earlier solve)."""
    from critmin.diversify.optimize import ShortfallRisk

    if not isinstance(risk, ShortfallRisk):
        return risk
    return ShortfallRisk(risk.groups, risk.probability, risk.lost_share, risk.cut_years, risk.scale_up,
                         risk.upper, risk.imports_t)


def _points(result) -> list:
    """(budget, risk, premium, {supplier: share}) of the unconstrained optimum and each frontier point."""
    pts = [result.unconstrained, *result.frontier]
    return [(p.budget, p.risk, p.premium, dict(p.mix)) for p in pts]


def _compare(name: str, gen: list, full: list) -> dict:
    out = {"risk_rel": 0.0, "premium": 0.0, "shares": 0.0, "alternative": []}
    if len(gen) != len(full):
        raise SystemExit(f"{name}: {len(gen)} points with row generation, {len(full)} with the full LP")
    for k, (a, b) in enumerate(zip(gen, full, strict=True)):
        # the job puts the unconstrained optimum's premium on the grid: equal to round-off
        if not (a[0] == b[0] or abs(a[0] - b[0]) <= 1e-12 * max(1.0, abs(b[0]))):
            raise SystemExit(f"{name}: point {k} at budget {a[0]} vs {b[0]}")
        dr = abs(a[1] - b[1]) / max(abs(b[1]), 1e-300)
        dp = abs(a[2] - b[2])
        keys = set(a[3]) | set(b[3])
        dx = max((abs(a[3].get(s, 0.0) - b[3].get(s, 0.0)) for s in keys), default=0.0)
        out["risk_rel"] = max(out["risk_rel"], dr)
        out["premium"] = max(out["premium"], dp)
        out["shares"] = max(out["shares"], dx)
        if dx > 1e-6:
            out["alternative"].append((k, a[0], dr, dp, dx))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("commodities", nargs="*", default=list(COMMODITIES))
    ap.add_argument("--repeat", type=int, default=5, help="timed passes per mode (alternating)")
    ap.add_argument("--runs", type=int, default=None, help="disruption runs (default: DiversifyParams')")
    ap.add_argument("--region", default="USA")
    ap.add_argument("--db", default=None, help="warehouse file (default $CRITMIN_DB or the user's)")
    args = ap.parse_args(argv)

    import critmin.diversify.job as job
    import critmin.diversify.optimize as opt
    from critmin.diversify import DiversifyParams, diversify
    from critmin.report.context import SCENARIO_SEED
    from critmin.warehouse import open_warehouse

    kw = {"seed": SCENARIO_SEED} | ({"runs": args.runs} if args.runs else {})
    params = DiversifyParams(**kw)
    caught: dict[str, tuple] = {}
    real_frontier = job.efficient_frontier
    current = [""]

    def spy(problem, risk, budgets, *, unconstrained=None):
        caught[current[0]] = (problem, risk, list(budgets))
        return real_frontier(problem, risk, budgets, unconstrained=unconstrained)

    def run_job(coms, wh):
        return {c: diversify(c, importer=args.region, params=params, warehouse=wh) for c in coms}

    def run_frontier(coms):
        for c in coms:
            problem, risk, budgets = caught[c]
            risk = _fresh(risk)
            free = opt.solve_mix(problem, risk)
            opt.efficient_frontier(problem, risk, budgets, unconstrained=free)

    with open_warehouse(args.db, read_only=True) as wh:
        # first pass: warm the memo, catch the problems, drop the commodities the job cannot serve
        coms = []
        job.efficient_frontier = spy
        try:
            for c in args.commodities:
                current[0] = c
                try:
                    diversify(c, importer=args.region, params=params, warehouse=wh)
                except Exception as exc:  # noqa: BLE001 - a data gap is reported, not timed
                    print(f"skipped {c}: {type(exc).__name__}: {str(exc)[:120]}")
                    continue
                coms.append(c)
        finally:
            job.efficient_frontier = real_frontier
        for c in coms:
            problem, risk, budgets = caught[c]
            extra = ""
            if isinstance(risk, opt.ShortfallRisk):
                extra = (f", {len(risk.groups)} groups x {risk.pieces()[0].size} pieces = "
                         f"{len(risk.groups) * risk.pieces()[0].size:,} rows in the full LP")
            print(f"{c}: {problem.n} suppliers, {len(budgets)} budgets, {type(risk).__name__}{extra}")

        times = {(what, mode): [] for what in ("diversify", "frontier") for mode in (True, False)}
        results = {}
        try:
            for rep in range(args.repeat):
                for mode in ((True, False) if rep % 2 == 0 else (False, True)):
                    opt._ROW_GENERATION = mode
                    res, w, c = _timed(lambda: run_job(coms, wh))
                    results[mode] = res
                    times["diversify", mode].append((w, c))
                    _, w, c = _timed(lambda: run_frontier(coms))
                    times["frontier", mode].append((w, c))
        finally:
            opt._ROW_GENERATION = True

    print(f"\n{len(coms)} commodities, region {args.region}, {args.repeat} alternating passes per mode "
          f"(medians; ratio = median of the paired full / row-generation ratios)")
    print(f"{'':10} {'mode':16} {'wall s':>8} {'cpu s':>8}   {'ratio wall':>10} {'ratio cpu':>10}")
    for what in ("diversify", "frontier"):
        gen, full = times[what, True], times[what, False]
        rw = statistics.median(f[0] / g[0] for g, f in zip(gen, full, strict=True))
        rc = statistics.median(f[1] / g[1] for g, f in zip(gen, full, strict=True))
        for mode, label in ((False, "full LP"), (True, "row generation")):
            ts = times[what, mode]
            ratio = f"{rw:10.1f} {rc:10.1f}" if mode else ""
            print(f"{what:10} {label:16} {statistics.median(t[0] for t in ts):8.2f} "
                  f"{statistics.median(t[1] for t in ts):8.2f}   {ratio}")

    print("\nlargest differences, row generation vs full LP (every point: unconstrained + frontier)")
    print(f"{'commodity':12} {'points':>6} {'risk rel':>9} {'premium':>9} {'shares':>9}")
    worst = {"risk_rel": 0.0, "premium": 0.0, "shares_unique": 0.0}
    for c in coms:
        d = _compare(c, _points(results[True][c]), _points(results[False][c]))
        n_pts = len(results[True][c].frontier) + 1
        print(f"{c:12} {n_pts:6d} {d['risk_rel']:9.1e} {d['premium']:9.1e} {d['shares']:9.1e}")
        worst["risk_rel"] = max(worst["risk_rel"], d["risk_rel"])
        worst["premium"] = max(worst["premium"], d["premium"])
        alt = {k for k, *_ in d["alternative"]}
        gen_pts, full_pts = _points(results[True][c]), _points(results[False][c])
        for k, (a, b) in enumerate(zip(gen_pts, full_pts, strict=True)):
            if k not in alt:
                keys = set(a[3]) | set(b[3])
                dx = max((abs(a[3].get(s, 0.0) - b[3].get(s, 0.0)) for s in keys), default=0.0)
                worst["shares_unique"] = max(worst["shares_unique"], dx)
        for k, budget, dr, dp, dx in d["alternative"]:
            same = dr <= 1e-9 and dp <= 1e-9
            print(f"    point {k} (budget {budget:+.4f}): shares differ by {dx:.1e} with risk {dr:.1e} rel, "
                  f"premium {dp:.1e}: " + ("alternative optima (not unique)" if same else "DIFFERENT RESULT"))
    print(f"max: risk {worst['risk_rel']:.1e} rel, premium {worst['premium']:.1e}, shares "
          f"{worst['shares_unique']:.1e} (the points not listed as alternative optima)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
