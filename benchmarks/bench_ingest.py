"""Ingest benchmark: peak memory and time of ``critmin data ingest`` on a large file (issue 11, item 9).

    python benchmarks/bench_ingest.py                 # the 200 MB file, a file under the limit, the real one
    python benchmarks/bench_ingest.py --mb 200 --override --cap-gb 8

The large file is made under a temporary folder by repeating the world sections of the real MCS 2026
file (``../shared/data/usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv``, 3.2 MB) with the years moved
back three years per copy (so that every copy holds different keys and a World total per commodity
and year; years stay from 1800, the warehouse's range, with the free-text ``Other notes`` cells
lengthened to reach the size), named like the real file. Each ingest runs in a child process, as a user's
``critmin data ingest FILE --source usgs-mcs`` would (:meth:`critmin.warehouse.Warehouse.ingest_file`
into a fresh warehouse), which reports its peak resident memory (``resource.getrusage``, after and
above the imports) and the wall time of the ingest.

Cases: the real file; a file just under the ``usgs-mcs`` size limit
(:data:`critmin.sources.registry.MAX_MB`); the ``--mb`` file (200 MB) with the default limit (refused
before it is read); and with ``--override`` the same file with ``CRITMIN_MAX_FILE_MB`` raised, under
an address-space cap of ``--cap-gb`` (the reading then needs about 40 times the file's size, and ends
in a DataError naming the file when the cap is too small).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "usgs_mcs" / "mcs2026" / "MCS2026_Commodities_Data.csv"
NAME = "MCS2026_Commodities_Data.csv"

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
from critmin.errors import DataError
from critmin.warehouse import Warehouse
cap = float(os.environ.get("BENCH_CAP_GB") or 0)
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (int(cap * 2**30), int(cap * 2**30)))
path, db = sys.argv[1], sys.argv[2]
wh = Warehouse(db)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    rows = wh.ingest_file(path, "usgs-mcs")
    out = {"ok": True, "rows": int(sum(rows.values()))}
except DataError as err:
    out = {"ok": False, "error": str(err)}
out["seconds"] = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["peak_mb"] = peak / 1024
out["above_start_mb"] = (peak - before) / 1024
wh.close()
print(json.dumps(out))
"""


def make_file(path: Path, target_mb: float) -> int:
    """Write a ``target_mb`` [MB] file of the MCS 2026 world sections repeated with earlier years;
    returns the number of copies.

    Copy ``k`` moves every year back ``3 k`` years (the sections hold 2023-2025), so no two copies
    share a key; the years must stay at 1800 or later (the warehouse's range), which allows
    :data:`MAX_COPIES` copies: to reach the size, every row's ``Other notes`` cell (free text) is
    lengthened by the same padding.
    """
    text = RAW.read_bytes().decode("cp1252")
    recs = list(csv.reader(io.StringIO(text)))
    header, body = recs[0], [r for r in recs[1:] if r and r[1].startswith("World")]
    iy = header.index("Year")
    span = max(int(r[iy]) for r in body) - min(int(r[iy]) for r in body) + 1
    copies = min(MAX_COPIES, (min(int(r[iy]) for r in body) - 1800) // span + 1)
    one = io.StringIO()
    csv.writer(one, lineterminator="\r\n").writerows(body)
    per_copy = target_mb * 1e6 / copies
    pad = max(0, int((per_copy - len(one.getvalue())) / len(body)) + 1)
    filler = (" (bench padding)" * (pad // 16 + 1))[:pad]
    with open(path, "w", encoding="cp1252", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        k = 0
        while fh.tell() < target_mb * 1e6 and k < copies:
            for r in body:
                r2 = list(r)
                r2[iy] = str(int(r[iy]) - span * k)
                r2[-1] = r2[-1] + filler
                w.writerow(r2)
            k += 1
    return k


MAX_COPIES = 200
"""Most copies of the world sections in one file."""


def run(path: Path, tmp: Path, env_extra: dict[str, str] | None = None) -> dict:
    """Ingest ``path`` in a child process; returns its report."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CRITMIN_MAX_FILE_MB", None)
    env.update(env_extra or {})
    db = tmp / f"wh-{path.stat().st_size}-{len(env_extra or {})}.duckdb"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db)], env=env,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"ok": False, "error": f"child exited {proc.returncode}: "
                f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}", "seconds": float("nan"),
                "peak_mb": float("nan"), "above_start_mb": float("nan")}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(label: str, path: Path, r: dict) -> None:
    size = path.stat().st_size / 1e6
    what = f"stored {r['rows']:,} rows" if r["ok"] else f"refused: {r['error']}"
    print(f"{label:34s} {size:8.1f} MB  {r['seconds']:7.2f} s  peak {r['peak_mb']:7.0f} MB "
          f"(+{r['above_start_mb']:.0f} MB)  {what}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=200.0, help="size of the large file [MB]")
    ap.add_argument("--override", action="store_true",
                    help="also ingest the large file with CRITMIN_MAX_FILE_MB raised")
    ap.add_argument("--cap-gb", type=float, default=8.0,
                    help="address-space cap of the --override child [GiB]")
    args = ap.parse_args(argv)
    if not RAW.exists():
        print(f"raw file not found: {RAW}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "src"))
    from critmin.sources.registry import MAX_MB

    limit = MAX_MB["usgs-mcs"]
    print(f"usgs-mcs size limit: {limit:g} MB (CRITMIN_MAX_FILE_MB overrides); "
          f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="critmin-bench-ingest-") as td:
        tmp = Path(td)
        show("real MCS 2026 file", RAW, run(RAW, tmp))
        under = tmp / "under" / NAME
        under.parent.mkdir()
        make_file(under, limit * 0.9)
        show("world sections, under the limit", under, run(under, tmp))
        big = tmp / "big" / NAME
        big.parent.mkdir()
        copies = make_file(big, args.mb)
        show(f"{args.mb:g} MB file ({copies} copies)", big, run(big, tmp))
        if args.override:
            r = run(big, tmp, {"CRITMIN_MAX_FILE_MB": str(args.mb * 2),
                               "BENCH_CAP_GB": str(args.cap_gb)})
            show(f"same, limit raised, cap {args.cap_gb:g} GiB", big, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
