"""Benchmark of the restriction monitor against known export-control events, on the bundled data.

    python benchmarks/bench_monitor_real.py                    # scan from 2019-01, match within ±2 months
    python benchmarks/bench_monitor_real.py --since 2017-01 --tolerance 1
    python benchmarks/bench_monitor_real.py --json             # the tables as JSON

It builds a throw-away warehouse from the bundled dataset, runs :func:`critmin.monitor.scan` (every monthly
export line of every exporter, each with its catalogue control lines) and compares the flagged months
with the catalogue of known export-control events (:mod:`critmin.monitor.events`, the restrictive kinds
only: quotas, licences, bans):

* for every flagged (restriction-like) month: the nearest known event on an overlapping HS line of the
  same exporter, its distance in months, and whether it is within ±tolerance (a *match*);
* for every event the data can see (its effective month within the scanned months, and the exporter has a
  monthly series on one of its lines): each such line's verdict and score at the effective month, the
  highest-scoring month within ±tolerance, and whether the line was flagged within ±tolerance;
* precision = flagged months matching an event / flagged months; recall = events caught (flagged on at
  least one of their lines within ±tolerance) / events seen.

Real events are few and the known list is not complete (a flag without a known event may be an unknown
event, or none): read these figures beside the synthetic ones of ``bench_monitor.py``, not instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pandas as pd

from critmin.monitor import monitor, scan
from critmin.monitor.events import events_for, month_distance, nearest_event
from critmin.monitor.job import export_rows
from critmin.warehouse import Warehouse


def bundled_warehouse() -> Warehouse:
    """A throw-away in-memory warehouse of the bundled dataset."""
    wh = Warehouse(":memory:")
    wh.build_from_bundle()
    return wh


def run(wh: Warehouse, *, since: str = "2019-01", tolerance: int = 2, method: str = "evidence") -> dict:
    """Scan, match flags to events and assess every visible event; returns plain tables and figures."""
    t0 = time.perf_counter()
    res = scan(since, warehouse=wh, method=method)
    rows = export_rows(wh)
    rows = rows[rows["hs_code"].str.fullmatch(r"\d{6}")]
    flags = []
    for r in res.table.itertuples(index=False):
        ev = nearest_event(r.hs, r.month, exporter=r.exporter)
        flags.append({
            "exporter": r.exporter, "hs": r.hs, "month": r.month, "score": float(r.score),
            "verdict": r.verdict, "event": ev["id"] if ev else None,
            "distance": ev["distance"] if ev else None,
            "match": bool(ev is not None and abs(ev["distance"]) <= tolerance),
        })
    seen = []
    for exporter, g in rows.groupby("reporter", sort=True):
        lines = sorted(g["hs_code"].unique())
        first, last = g["period"].min().strftime("%Y-%m"), g["period"].max().strftime("%Y-%m")
        lo = max(since, first) if since else first
        for e in events_for(None, exporter=str(exporter), start=lo, end=last).itertuples(index=False):
            if not (lo <= e.effective_month <= last):
                continue
            hit = [ln for ln in lines if any(ln.startswith(c) or c.startswith(ln) for c in e.hs_codes)]
            for ln in hit:
                m = monitor(str(exporter), ln, month=e.effective_month, method=method, warehouse=wh)
                months = m.months.set_index("month")
                near = [mm for mm in months.index if abs(month_distance(mm, e.effective_month)) <= tolerance]
                win = months.loc[near].dropna(subset=["score"])
                # the highest score; among equal scores the month nearest the effective month
                best = min(win.index, key=lambda mm: (-win.loc[mm, "score"],
                                                      abs(month_distance(mm, e.effective_month)))) \
                    if len(win) else None
                flagged = [f["month"] for f in flags if f["exporter"] == exporter and f["hs"] == ln
                           and abs(month_distance(f["month"], e.effective_month)) <= tolerance]
                seen.append({
                    "event": e.id, "effective_month": e.effective_month, "exporter": str(exporter),
                    "destinations": ",".join(e.destinations), "hs": ln, "verdict": m.verdict,
                    "score": m.score, "best_month": best,
                    "best_score": float(win.loc[best, "score"]) if best else float("nan"),
                    "best_verdict": str(win.loc[best, "verdict"]) if best else None,
                    "flagged": flagged, "caught": bool(flagged),
                })
    n_flags = len(flags)
    n_match = sum(f["match"] for f in flags)
    events_seen = sorted({s["event"] for s in seen})
    caught = sorted({s["event"] for s in seen if s["caught"]})
    return {
        "since": res.since, "tolerance": tolerance, "method": method, "series": res.series,
        "flags": flags, "events": seen,
        "precision": n_match / n_flags if n_flags else float("nan"),
        "recall": len(caught) / len(events_seen) if events_seen else float("nan"),
        "n_flags": n_flags, "n_matched": n_match, "events_seen": events_seen, "events_caught": caught,
        "lines_seen": len(seen), "lines_caught": sum(s["caught"] for s in seen),
        "seconds": time.perf_counter() - t0,
    }


def _fmt(x: object, nd: int = 2) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return "—" if v != v else f"{v:.{nd}f}"


def print_report(out: dict) -> None:
    """The two tables and the figures."""
    tol = out["tolerance"]
    print(f"real data: critmin monitor scan --since {out['since']} ({out['series']} series, method "
          f"{out['method']}); known events: critmin/data/export_controls.csv (quota, licence, ban); "
          f"match within ±{tol} months")
    print(f"\nflagged months ({out['n_flags']})")
    f = pd.DataFrame(out["flags"], columns=["exporter", "hs", "month", "score", "verdict", "event",
                                            "distance", "match"])
    if len(f):
        f["score"] = f["score"].map(_fmt)
        f["event"] = f["event"].fillna("none")
        f["distance"] = f["distance"].map(lambda d: "—" if d is None or d != d else f"{int(d):+d}")
        print(f.to_string(index=False))
    print(f"\nevents the data can see ({len(out['events_seen'])}; one row per series on their lines)")
    e = pd.DataFrame(out["events"], columns=["event", "effective_month", "destinations", "hs", "verdict",
                                             "score", "best_month", "best_score", "best_verdict", "caught"])
    if len(e):
        e["score"] = e["score"].map(_fmt)
        e["best_score"] = e["best_score"].map(_fmt)
        print(e.rename(columns={"effective_month": "effective", "destinations": "to",
                                "best_month": f"best ±{tol}", "best_score": "its score",
                                "best_verdict": "its verdict"}).to_string(index=False))
    print(f"\nprecision (flags within ±{tol} months of a known event) {_fmt(out['precision'], 3)} "
          f"= {out['n_matched']}/{out['n_flags']}")
    print(f"recall (events flagged on at least one of their lines within ±{tol} months) "
          f"{_fmt(out['recall'], 3)} = {len(out['events_caught'])}/{len(out['events_seen'])}"
          f"  [lines: {out['lines_caught']}/{out['lines_seen']}]")
    print(f"wall time {out['seconds']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--since", default="2019-01", help="first month scanned (default 2019-01)")
    ap.add_argument("--tolerance", type=int, default=2, help="±months for a match (default 2)")
    ap.add_argument("--method", default="evidence", help="detector (default evidence)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args(argv)
    with bundled_warehouse() as wh:
        out = run(wh, since=args.since, tolerance=args.tolerance, method=args.method)
    if args.json:
        json.dump(out, sys.stdout, indent=2, default=str)
        print()
    else:
        print_report(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
