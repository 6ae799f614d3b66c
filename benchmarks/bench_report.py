"""Benchmark of ``critmin report``: the default 8-commodity report, timed, sized and profiled.

    python benchmarks/bench_report.py                 # the default commodities, region USA
    python benchmarks/bench_report.py --no-profile    # time only (cProfile adds ~30 % overhead)
    python benchmarks/bench_report.py rare-earths gallium --top 30

Builds the report exactly as ``critmin report --out FILE`` does (:func:`critmin.report.build_report`
then :func:`critmin.report.write_report`) on the warehouse of ``--db`` / ``$CRITMIN_DB`` (read-only,
built from the bundled dataset on first use), in this process. Printed: wall and CPU time of the build
and of the rendering (target: the whole under 10 s on 2 cores), the file's size in MB (target: under
5 MB) and the part of it that is plotly.js, then, from a second, profiled run, the top hotspots by own
time and by cumulative time within critmin (the profiled run is slower than the timed one).

The first run of a process also pays the imports (pandas, plotly, duckdb, scipy): they are timed apart.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def _hotspots(prof: cProfile.Profile, top: int) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.strip_dirs()
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((tt, ct, nc, f"{file}:{line}({func})"))
    out = [f"{'own s':>8} {'cum s':>8} {'calls':>9}  function (by own time)"]
    for tt, ct, nc, name in sorted(rows, reverse=True)[:top]:
        out.append(f"{tt:8.2f} {ct:8.2f} {nc:9,d}  {name}")
    full = pstats.Stats(prof)
    crit = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in full.stats.items():  # type: ignore[attr-defined]
        if "/critmin/" in file and "/benchmarks/" not in file:
            short = file.split("/critmin/", 1)[1]
            crit.append((ct, tt, nc, f"{short}:{line}({func})"))
    out += ["", f"{'cum s':>8} {'own s':>8} {'calls':>9}  critmin function (by cumulative time)"]
    for ct, tt, nc, name in sorted(crit, reverse=True)[:top]:
        out.append(f"{ct:8.2f} {tt:8.2f} {nc:9,d}  {name}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("commodities", nargs="*", help="default: the report's default commodities")
    ap.add_argument("--region", default="USA")
    ap.add_argument("--db", default=None, help="warehouse file (default $CRITMIN_DB or the user's)")
    ap.add_argument("--out", default=None, help="keep the HTML here (default: a temporary file)")
    ap.add_argument("--top", type=int, default=20, help="hotspots to print")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    args = ap.parse_args(argv)

    (mods, t_imp, _c) = _timed(lambda: __import__("critmin.report", fromlist=["build_report"]))
    from critmin.report import DEFAULT_COMMODITIES, build_report, write_report
    from critmin.warehouse import open_warehouse

    coms = args.commodities or list(DEFAULT_COMMODITIES)
    db = args.db or os.environ.get("CRITMIN_DB")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "report.html"
        with open_warehouse(db, read_only=True) as wh:
            rep, w_build, c_build = _timed(lambda: build_report(coms, warehouse=wh, region=args.region))
            path, w_write, c_write = _timed(lambda: write_report(out, rep, format="html"))
            html = path.read_text("utf-8")
            prof = None
            if not args.no_profile:
                prof = cProfile.Profile()
                prof.enable()
                write_report(Path(tmp) / "profiled.html",
                             build_report(coms, warehouse=wh, region=args.region), format="html")
                prof.disable()
        size = len(html.encode("utf-8"))
        start = html.find('<script type="text/javascript" id="plotlyjs">')
        plotly = html.find("</script>", start) - start if start >= 0 else 0
        print(f"critmin report: {len(coms)} commodities ({', '.join(coms)}), region {args.region}, "
              f"{os.cpu_count()} cores")
        print(f"imports          {t_imp:6.2f} s wall")
        print(f"build_report     {w_build:6.2f} s wall, {c_build:6.2f} s CPU")
        print(f"render + write   {w_write:6.2f} s wall, {c_write:6.2f} s CPU")
        print(f"total            {w_build + w_write:6.2f} s wall (target < 10 s)")
        print(f"size             {size / 1e6:6.2f} MB (target < 5 MB), plotly.js {plotly / 1e6:.2f} MB, "
              f"{html.count('Plotly.newPlot')} charts, {html.count('<table')} tables")
        if prof is not None:
            print()
            print(_hotspots(prof, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
