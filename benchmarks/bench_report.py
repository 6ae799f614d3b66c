"""Benchmark of ``critmin report``: the default 8-commodity report, timed, sized and profiled.

    python benchmarks/bench_report.py                       # this checkout, region USA
    python benchmarks/bench_report.py --ref main --repeat 3 # before (main) and after, side by side
    python benchmarks/bench_report.py --no-profile          # time only (cProfile adds ~30 % overhead)
    python benchmarks/bench_report.py rare-earths gallium --top 30
    python benchmarks/bench_report.py --compare-workers      # one process and one per core, side by side

Builds the report exactly as ``critmin report --out FILE`` does (:func:`critmin.report.build_report`
then :func:`critmin.report.write_report`) on the warehouse of ``--db`` / ``$CRITMIN_DB`` (read-only,
built from the bundled dataset on first use). Every build runs in a fresh process with a freshly
opened warehouse, so no run profits from what an earlier one memoised (the imports are timed apart).
The sources timed are byte-compiled first, as an installed package is.

The commodities are built as ``critmin report`` builds them: in worker processes, one per core
(:mod:`critmin.report.workers`; ``--workers N`` to choose, ``--compare-workers`` to time one process
beside). CPU times include the workers'. The profiled run builds in one process (cProfile does not
follow worker processes), so its hotspots are the whole work.

Printed: wall and CPU time of the build and of the rendering (target: the whole under 10 s on 2
cores), the file's size in MB (target: under 5 MB) and the part of it that is plotly.js, which process
built each commodity and when (the last run), then, from a separate profiled run, the top hotspots by
own time and by cumulative time within critmin (the profiled run is slower than the timed ones).

With ``--ref REF`` the code of git revision ``REF`` (its ``src``, exported with ``git archive`` to a
temporary folder) is timed beside this checkout's, alternating ``--repeat`` times so both see the
same load: medians of each, the median of the paired ratios (before / after), and the hotspots of
both. The machine is shared: quote the medians and the paired ratio, not a single run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    """CPU time of this process and of its reaped children (the report's worker processes) [s]."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _timed(fn):
    """``fn()``, its wall time and its CPU time, its worker processes' included: they end on their own
    after the build, so they are waited for (outside the wall time) before the CPU is read."""
    import multiprocessing

    w0, c0 = time.perf_counter(), _cpu()
    out = fn()
    wall = time.perf_counter() - w0
    for child in multiprocessing.active_children():
        child.join()
    return out, wall, _cpu() - c0


def _hotspots(prof: cProfile.Profile, top: int) -> str:
    import pstats

    st = pstats.Stats(prof, stream=io.StringIO())
    st.strip_dirs()
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((tt, ct, nc, f"{file}:{line}({func})"))
    out = [f"{'own s':>8} {'cum s':>8} {'calls':>9}  function (by own time)"]
    for tt, ct, nc, name in sorted(rows, reverse=True)[:top]:
        out.append(f"{tt:8.2f} {ct:8.2f} {nc:9,d}  {name}")
    full = pstats.Stats(prof, stream=io.StringIO())
    crit = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in full.stats.items():  # type: ignore[attr-defined]
        if "/critmin/" in file:
            short = file.split("/critmin/", 1)[1]
            crit.append((ct, tt, nc, f"{short}:{line}({func})"))
    out += ["", f"{'cum s':>8} {'own s':>8} {'calls':>9}  critmin function (by cumulative time)"]
    for ct, tt, nc, name in sorted(crit, reverse=True)[:top]:
        out.append(f"{ct:8.2f} {tt:8.2f} {nc:9,d}  {name}")
    return "\n".join(out)


def _one_run(coms: list[str] | None, region: str, db: str | None, out: str | None,
             profile: bool, top: int, workers: int | None) -> dict:
    """One build and write in this process (imports timed apart); a dict of the figures."""
    import inspect

    _mods, t_imp, _c = _timed(lambda: __import__("critmin.report", fromlist=["build_report"]))
    from critmin.report import DEFAULT_COMMODITIES, build_report, write_report
    from critmin.warehouse import open_warehouse

    coms = coms or list(DEFAULT_COMMODITIES)
    res: dict = {"commodities": coms, "imports_s": t_imp, "workers": 1}
    kw: dict = {}
    if "workers" in inspect.signature(build_report).parameters:  # older revisions build in one process
        from critmin.report.workers import auto_workers

        # the profiled run builds in this process: cProfile does not follow worker processes
        kw["workers"] = 1 if profile else workers
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(out) if out else Path(tmp) / "report.html"
        with open_warehouse(db, read_only=True) as wh:
            if kw:
                res["workers"] = auto_workers(len(coms), wh, kw["workers"])
            prof = cProfile.Profile() if profile else None
            if prof is not None:
                prof.enable()
            t0 = time.time()
            rep, res["build_s"], res["build_cpu_s"] = _timed(
                lambda: build_report(coms, warehouse=wh, region=region, **kw))
            # who built each commodity, when (revisions before the timing field have none)
            res["timeline"] = [(c.id, c.timing["process"], c.timing["started"] - t0, c.timing["seconds"])
                               for c in rep.commodities if getattr(c, "timing", None)]
            res["pid"] = os.getpid()
            _p, res["write_s"], res["write_cpu_s"] = _timed(
                lambda: write_report(path, rep, format="html"))
            if prof is not None:
                prof.disable()
                res["hotspots"] = _hotspots(prof, top)
        html = path.read_text("utf-8")
    res["total_s"] = res["build_s"] + res["write_s"]
    res["size_mb"] = len(html.encode("utf-8")) / 1e6
    start = html.find('<script type="text/javascript" id="plotlyjs">')
    res["plotly_mb"] = (html.find("</script>", start) - start) / 1e6 if start >= 0 else 0.0
    res["charts"] = html.count("Plotly.newPlot")
    res["tables"] = html.count("<table")
    return res


def _spawn(src: Path, args: argparse.Namespace, profile: bool, workers: int | None) -> dict:
    """One run in a fresh interpreter importing critmin from ``src``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--region", args.region,
           "--top", str(args.top), *args.commodities]
    if args.db:
        cmd += ["--db", args.db]
    if not profile:
        cmd.append("--no-profile")
    if workers is not None:
        cmd += ["--workers", str(workers)]
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run with {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print_run(label: str, r: dict) -> None:
    print(f"{label}: build {r['build_s']:6.2f} s wall ({r['build_cpu_s']:6.2f} s CPU), render + write "
          f"{r['write_s']:5.2f} s, total {r['total_s']:6.2f} s; {r['size_mb']:.2f} MB "
          f"(plotly.js {r['plotly_mb']:.2f} MB), {r['charts']} charts, {r['tables']} tables, "
          f"{r.get('workers', 1)} process(es)")


def _print_timeline(label: str, r: dict) -> None:
    """Which process built each commodity of a run, from when to when [s after the build began]: how
    well the processes share the work (the build ends with the last of them)."""
    if not r.get("timeline"):
        return
    print(f"\nwho built what, {label}, last run [s from the start of the build]:")
    by: dict[int, list] = {}
    for com, pid, start, secs in r["timeline"]:
        by.setdefault(pid, []).append((start, secs, com))
    for pid, rows in sorted(by.items(), key=lambda kv: kv[0] != r.get("pid")):
        who = "this process" if pid == r.get("pid") else f"worker {pid}"
        rows.sort()
        cells = ", ".join(f"{com} {start:.1f}-{start + secs:.1f}" for start, secs, com in rows)
        print(f"  {who:>14}: {cells}; busy {sum(s for _, s, _ in rows):.1f} s")


def _export(ref: str, dest: Path) -> Path:
    """The ``src`` folder of git revision ``ref``, exported under ``dest``."""
    arch = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True,
                          check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)
    return _compiled(dest / "src")


def _compiled(src: Path) -> Path:
    """``src`` with its modules byte-compiled (``__pycache__``, git-ignored), as ``pip install`` leaves
    an installed package: otherwise, where ``PYTHONDONTWRITEBYTECODE`` is set (as on the CI machines),
    every process of every run compiles ~100 of critmin's modules again (~0.2 s each)."""
    import compileall

    compileall.compile_dir(str(src / "critmin"), quiet=1)
    return src


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("commodities", nargs="*", help="default: the report's default commodities")
    ap.add_argument("--region", default="USA")
    ap.add_argument("--db", default=None, help="warehouse file (default $CRITMIN_DB or the user's)")
    ap.add_argument("--out", default=None, help="keep the HTML here (default: a temporary file)")
    ap.add_argument("--top", type=int, default=12, help="hotspots to print")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    ap.add_argument("--ref", default=None, help="git revision to time beside this checkout (e.g. main)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    ap.add_argument("--workers", type=int, default=None,
                    help="processes building the commodities (default: build_report's, one per core)")
    ap.add_argument("--compare-workers", action="store_true",
                    help="also time this checkout with the commodities built in one process")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:  # one run in this process, figures as JSON on the last line
        print(json.dumps(_one_run(args.commodities, args.region, args.db, args.out,
                                  not args.no_profile, args.top, args.workers)))
        return 0

    here = _compiled(ROOT / "src")
    with tempfile.TemporaryDirectory() as tmp:
        srcs = [("after (this checkout)", here, args.workers)]
        if args.compare_workers:
            srcs.insert(0, ("this checkout, 1 process", here, 1))
        if args.ref:
            srcs.insert(0, (f"before ({args.ref})", _export(args.ref, Path(tmp)), args.workers))
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in srcs}
        for i in range(args.repeat):
            for label, src, workers in srcs:
                r = _spawn(src, args, profile=False, workers=workers)
                runs[label].append(r)
                _print_run(f"run {i + 1} {label}", r)
        coms = runs[srcs[0][0]][0]["commodities"]
        print()
        print(f"critmin report: {len(coms)} commodities ({', '.join(coms)}), region {args.region}, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {args.repeat} runs each")
        for label, _src, _w in srcs:
            rs = runs[label]
            print(f"{label:>24}: total median {statistics.median(r['total_s'] for r in rs):6.2f} s wall "
                  f"(build {statistics.median(r['build_s'] for r in rs):6.2f} s, CPU "
                  f"{statistics.median(r['build_cpu_s'] + r['write_cpu_s'] for r in rs):6.2f} s), "
                  f"size {rs[0]['size_mb']:.2f} MB (target < 10 s, < 5 MB)")
        after = runs[srcs[-1][0]]
        for label, _src, _w in srcs[:-1]:
            b = runs[label]
            wall = [x["total_s"] / y["total_s"] for x, y in zip(b, after, strict=True)]
            cpu = [(x["build_cpu_s"] + x["write_cpu_s"]) / (y["build_cpu_s"] + y["write_cpu_s"])
                   for x, y in zip(b, after, strict=True)]
            print(f"paired ratio ({label}) / after: wall {statistics.median(wall):.2f}x "
                  f"({', '.join(f'{w:.2f}' for w in wall)}), CPU {statistics.median(cpu):.2f}x")
        for label, _src, _w in srcs:
            _print_timeline(label, runs[label][-1])
        if not args.no_profile:
            for label, src, _w in srcs:
                if label.endswith("1 process"):
                    continue
                r = _spawn(src, args, profile=True, workers=1)
                print(f"\n--- hotspots, {label} (profiled run: total {r['total_s']:.2f} s) ---")
                print(r["hotspots"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
