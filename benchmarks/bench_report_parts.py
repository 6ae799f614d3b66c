"""Benchmark of the report's criticality, outlook, dependence and supply parts (issue 16 item 4).

    python benchmarks/bench_report_parts.py                        # this checkout
    python benchmarks/bench_report_parts.py --ref HEAD~3 --repeat 5 # before and after, side by side

Calls the jobs as ``critmin report`` does for its 8 default commodities and region USA (the same
arguments, in the same order: the sections' supply, trend and dependence calls, then criticality by
the three methods (:func:`critmin.report.context._criticality_call`), then the outlook per IEA
scenario (:func:`critmin.report.outlook_section.outlook_results`)), each run in a fresh process on a
freshly opened warehouse, so nothing is memoised from an earlier run. The jobs memoise on the
warehouse across parts as they do in a report, so a part's time is what it adds there.

Printed per part: wall time [s] of each run, medians, and with ``--ref`` the median of the paired
ratios (before / after, runs alternating so both see the same load). CPU time [s] is printed too:
the machine is shared, quote the paired ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_report import _export  # the src folder of a git revision (this folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("supply", "dependence", "criticality", "outlook")


def _one_run(db: str | None) -> dict:
    """The parts timed once in this process: {part: (wall s, CPU s)}."""
    import warnings

    from critmin.criticality import criticality
    from critmin.dependence import importer_dependence, us_import_sources, us_net_import_reliance
    from critmin.outlook import outlook
    from critmin.report import DEFAULT_COMMODITIES
    from critmin.sources.iea import SCENARIOS
    from critmin.supply import supply, trend
    from critmin.warehouse import open_warehouse

    warnings.simplefilter("ignore")

    def attempt(fn) -> None:
        with contextlib.suppress(Exception):  # the report records a job's error and goes on
            fn()

    def p_supply(wh) -> None:
        for c in DEFAULT_COMMODITIES:
            attempt(lambda c=c: supply(c, warehouse=wh))
            attempt(lambda c=c: trend(c, warehouse=wh))

    def p_dependence(wh) -> None:
        for c in DEFAULT_COMMODITIES:
            attempt(lambda c=c: us_net_import_reliance(c, warehouse=wh))
            attempt(lambda c=c: us_import_sources(c, warehouse=wh))
            attempt(lambda c=c: importer_dependence(c, "USA", warehouse=wh))

    def p_criticality(wh) -> None:
        for c in DEFAULT_COMMODITIES:
            for method in ("eu", "usgs", "geopolrisk"):
                attempt(lambda c=c, m=method: criticality(c, method=m, importer="USA", warehouse=wh))

    def p_outlook(wh) -> None:
        for c in DEFAULT_COMMODITIES:
            for s in SCENARIOS:
                attempt(lambda c=c, s=s: outlook(c, scenario=s, warehouse=wh))

    out = {}
    with open_warehouse(db, read_only=True) as wh:
        for name, fn in zip(PARTS, (p_supply, p_dependence, p_criticality, p_outlook), strict=True):
            w0, c0 = time.perf_counter(), time.process_time()
            fn(wh)
            out[name] = (time.perf_counter() - w0, time.process_time() - c0)
    out["total"] = (sum(out[p][0] for p in PARTS), sum(out[p][1] for p in PARTS))
    return out


def _spawn(src: Path, db: str | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"] + (["--db", db] if db else [])
    done = subprocess.run(cmd, env=dict(os.environ, PYTHONPATH=str(src)), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run with {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=None, help="warehouse file (default $CRITMIN_DB or the user's)")
    ap.add_argument("--ref", default=None, help="git revision to time beside this checkout")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(_one_run(args.db)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        srcs = [("after", ROOT / "src")]
        if args.ref:
            srcs.insert(0, (f"before ({args.ref})", _export(args.ref, Path(tmp))))
        runs: dict[str, list[dict]] = {label: [] for label, _ in srcs}
        for i in range(args.repeat):
            for label, src in srcs:
                r = _spawn(src, args.db)
                runs[label].append(r)
                print(f"run {i + 1} {label:>16}: " + ", ".join(
                    f"{p} {r[p][0]:5.2f} s" for p in (*PARTS, "total")), flush=True)
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {args.repeat} runs each;"
          " median wall [s] (CPU [s])")
    for label, _src in srcs:
        rs = runs[label]
        med = {p: (statistics.median(r[p][0] for r in rs), statistics.median(r[p][1] for r in rs))
               for p in (*PARTS, "total")}
        print(f"{label:>16}: " + ", ".join(f"{p} {w:5.2f} ({c:5.2f})" for p, (w, c) in med.items()))
    if args.ref:
        b, a = runs[srcs[0][0]], runs[srcs[1][0]]
        print(f"{'paired ratio':>16}: " + ", ".join(
            f"{p} {statistics.median(x[p][0] / y[p][0] for x, y in zip(b, a, strict=True)):.2f}x"
            for p in (*PARTS, "total")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
