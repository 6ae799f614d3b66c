"""Benchmark of the report's charts and rendering, and of the written page's size by part.

    python benchmarks/bench_report_charts.py --ref main --repeat 5      # before (main) and after
    python benchmarks/bench_report_charts.py --ref main --keep /tmp/b   # keep the pages and recordings

Step 1 (once, this checkout): the default 8-commodity report is built (:func:`critmin.report.build_report`)
with every chart builder wrapped: each outermost call of a function that builds a figure (the public
functions of :mod:`critmin.report.charts` and :mod:`critmin.report.outlook_charts`, ``eras.mark_eras`` and
the figure functions of :mod:`critmin.report.sections`) is recorded with its arguments (pickled before
the call, so a figure passed in is recorded as it was). The built report is pickled too.

Step 2, alternating ``--repeat`` times between the code of git revision ``--ref`` (its ``src`` exported
with ``git archive``) and this checkout, each in a fresh interpreter: the recorded chart calls replayed
(arguments unpickled before the clock starts; a pass is every call once), then the pickled report
rendered (:func:`critmin.report.render.render`). Printed: medians of each and the median of the paired
ratios (before / after), and the size of each page by part (plotly.js, charts, tables, CSV data, rest).

Both pages render the same report object, so they are compared too: every chart's data and layout
(the layout's template resolved), every CSV download's bytes and every table cell must be equal.
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import html
import io
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SECTION_FIGURES = ("_stockpile_cost_figure", "_stockpile_frontier_figure", "_diversify_figure")


# --------------------------------------------------------------------------- recording
_UNPICKLABLE = ("_thread._local", "_thread.RLock", "_thread.lock", "duckdb.duckdb.DuckDBPyConnection")


class _Pickler(pickle.Pickler):
    """Pickles the report with what cannot be pickled (locks, thread-local caches, a warehouse
    connection held by a result) as None: rendering reads none of them."""

    def reducer_override(self, obj):
        t = type(obj)
        if f"{t.__module__}.{t.__qualname__}" in _UNPICKLABLE or t.__qualname__ in ("_local", "RLock"):
            return (type(None), ())
        return NotImplemented


def _record(coms: list[str] | None, region: str, db: str | None, out: Path) -> None:
    import inspect

    import plotly.graph_objects as go

    from critmin.report import DEFAULT_COMMODITIES, build_report, charts, eras, outlook_charts, sections
    from critmin.warehouse import open_warehouse

    calls: list[tuple[str, str, bytes]] = []
    skipped: list[str] = []
    depth = [0]

    def wrap(mod, name):
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def inner(*args, **kwargs):
            top = depth[0] == 0
            blob = None
            if top:
                try:
                    blob = pickle.dumps((args, kwargs))
                except Exception:  # noqa: BLE001 - an argument that does not pickle: not replayed
                    skipped.append(name)
            depth[0] += 1
            try:
                res = fn(*args, **kwargs)
            finally:
                depth[0] -= 1
            if top and blob is not None and isinstance(res, go.Figure):
                calls.append((mod.__name__, name, blob))
            return res

        setattr(mod, name, inner)

    for mod in (charts, outlook_charts):
        for name, fn in vars(mod).items():
            if (inspect.isfunction(fn) and fn.__module__ == mod.__name__ and not name.startswith("_")
                    and "Figure" in str(fn.__annotations__.get("return", ""))):
                wrap(mod, name)
    wrap(eras, "mark_eras")
    for name in _SECTION_FIGURES:
        if hasattr(sections, name):
            wrap(sections, name)
    with open_warehouse(db, read_only=True) as wh:
        rep = build_report(coms or list(DEFAULT_COMMODITIES), warehouse=wh, region=region)
    (out / "calls.pkl").write_bytes(pickle.dumps(calls))
    buf = io.BytesIO()
    _Pickler(buf).dump(rep)
    (out / "report.pkl").write_bytes(buf.getvalue())
    print(json.dumps({"calls": len(calls), "skipped": skipped}))


# --------------------------------------------------------------------------- timing (one code version)
def _worker(folder: Path, passes: int, page_out: Path) -> None:
    import importlib

    from critmin.report.render import render

    calls = pickle.loads((folder / "calls.pkl").read_bytes())
    fns = [getattr(importlib.import_module(m), n) for m, n, _b in calls]
    chart_s = []
    figs = []
    for _ in range(passes):
        args = [pickle.loads(b) for _m, _n, b in calls]  # fresh arguments, unpickled off the clock
        t0 = time.perf_counter()
        figs = [fn(*a, **kw) for fn, (a, kw) in zip(fns, args, strict=True)]
        chart_s.append(time.perf_counter() - t0)
    # the figures of the last pass, for the comparison of the two code versions
    page_out.with_suffix(".figures.json").write_text(json.dumps(
        [json.loads(f.to_json(validate=False)) for f in figs]), encoding="utf-8")
    rep = pickle.loads((folder / "report.pkl").read_bytes())
    render_s = []
    for _ in range(passes):
        t0 = time.perf_counter()
        page = render(rep)
        render_s.append(time.perf_counter() - t0)
    page_out.write_text(page, encoding="utf-8")
    print(json.dumps({"charts_s": statistics.median(chart_s), "render_s": statistics.median(render_s),
                      "n_calls": len(calls)}))


# --------------------------------------------------------------------------- page parts
def parts(page: str) -> dict[str, int]:
    """Bytes (UTF-8) of the page by part: plotly.js, charts (figure divs, their scripts and the
    shared chart script), tables (``<table>`` elements), CSV data (``data:`` hrefs or the stored
    files) and the rest."""
    def size(s: str) -> int:
        return len(s.encode("utf-8"))

    total = size(page)
    out = {"plotly.js": 0, "charts": 0, "tables": 0, "CSV data": 0}
    m = re.search(r'<script type="text/javascript" id="plotlyjs">.*?</script>', page, re.S)
    out["plotly.js"] = size(m.group(0)) if m else 0
    out["charts"] = sum(size(x) for x in re.findall(
        r'<div class="figure">.*?</script>\s*</div>\s*</div>', page, re.S))
    m = re.search(r'<script id="critmin-charts">.*?</script>', page, re.S)
    out["charts"] += size(m.group(0)) if m else 0
    out["tables"] = sum(size(x) for x in re.findall(r"<table\b.*?</table>", page, re.S))
    out["CSV data"] = sum(size(x) for x in re.findall(r'href="data:text/csv[^"]*"', page))
    m = re.search(r'<script type="application/json" id="critmin-csv">.*?</script>', page, re.S)
    out["CSV data"] += size(m.group(0)) if m else 0
    out["rest"] = total - sum(out.values())
    out["total"] = total
    return out


# --------------------------------------------------------------------------- equivalence
_DEC = json.JSONDecoder()


def _value(page: str, pos: int):
    while page[pos].isspace() or page[pos] == ",":
        pos += 1
    return _DEC.raw_decode(page, pos)


def charts_of(page: str) -> dict[str, tuple[list, dict]]:
    """``{div id: (data, layout)}`` of every ``Plotly.newPlot`` call, a shared template put back into
    its layout (``critminLayout(layout, i)``)."""
    templates: list = []
    m = re.search(r"var critminTemplates=\[", page)
    if m:
        pos = m.end()
        while page[pos] != "]":
            t, pos = _value(page, pos)
            templates.append(t)
            if page[pos] == ",":
                pos += 1
    out = {}
    for m in re.finditer(r"Plotly\.newPlot\(\s*", page):
        fid, pos = _DEC.raw_decode(page, m.end())
        data, pos = _value(page, pos)
        while page[pos].isspace() or page[pos] == ",":
            pos += 1
        if page.startswith("critminLayout(", pos):
            layout, pos = _DEC.raw_decode(page, pos + len("critminLayout("))
            i, pos = _value(page, pos)
            layout["template"] = templates[i]
        else:
            layout, pos = _DEC.raw_decode(page, pos)
        out[fid] = (data, layout)
    return out


def csv_files_of(page: str) -> dict[str, bytes]:
    """``{file name: bytes}`` of every CSV download link (``data:`` URI or stored file)."""
    old = {html.unescape(n): urllib.parse.unquote(html.unescape(u).partition(",")[2]).encode("utf-8")
           for n, u in re.findall(r'<a class="csv" download="([^"]+)" href="(data:text/csv[^"]*)"', page)}
    m = re.search(r'<script type="application/json" id="critmin-csv">(.*?)</script>', page, re.S)
    store = json.loads(m.group(1)) if m else {}
    new = {html.unescape(n): gzip.decompress(base64.b64decode(store[k])) for n, k in
           re.findall(r'<a class="csv" download="([^"]+)" href="#" data-csv="([^"]+)"', page)}
    return {**old, **new}


def table_cells_of(page: str) -> list[list[tuple[str, bool, str]]]:
    """Every table's cells as ``(tag, right-aligned number?, content)`` (end tags optional)."""
    out = []
    cell = re.compile(r"<(td|th)(\s[^>]*)?>(.*?)(?=</t[dh]>|<t[dhr][\s>]|</tr>|</tbody>|</thead>)", re.S)
    for t in re.findall(r'<table class="data[^"]*">(.*?)</table>', page, re.S):
        out.append([(tag, bool(re.search(r'class="(num|n)"', attrs)), body.strip())
                    for tag, attrs, body in cell.findall(t)])
    return out


def compare(a: str, b: str) -> list[str]:
    """Differences between two renderings of one report (empty when charts, CSV bytes and table
    cells are all equal)."""
    problems = []
    ca, cb = charts_of(a), charts_of(b)
    if list(ca) != list(cb):
        problems.append(f"chart ids differ ({len(ca)} vs {len(cb)})")
    problems += [f"chart {k} differs" for k in ca if k in cb and ca[k] != cb[k]]
    fa, fb = csv_files_of(a), csv_files_of(b)
    if sorted(fa) != sorted(fb):
        problems.append(f"CSV file names differ ({len(fa)} vs {len(fb)})")
    problems += [f"CSV {n} differs" for n in fa if n in fb and fa[n] != fb[n]]
    ta, tb = table_cells_of(a), table_cells_of(b)
    if len(ta) != len(tb):
        problems.append(f"{len(ta)} vs {len(tb)} tables")
    problems += [f"table {i} differs" for i, (x, y) in enumerate(zip(ta, tb, strict=False)) if x != y]
    return problems


# --------------------------------------------------------------------------- driver
def _export(ref: str, dest: Path) -> Path:
    arch = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True,
                          check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)
    return dest / "src"


def _run(src: Path, argv: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"run with {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("commodities", nargs="*", help="default: the report's default commodities")
    ap.add_argument("--region", default="USA")
    ap.add_argument("--db", default=None, help="warehouse file (default $CRITMIN_DB or the user's)")
    ap.add_argument("--ref", default="HEAD", help="git revision timed beside this checkout")
    ap.add_argument("--repeat", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--passes", type=int, default=3, help="timed passes per process (median)")
    ap.add_argument("--keep", default=None, help="folder for the recordings and pages (default: temporary)")
    ap.add_argument("--record", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--page", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.record:
        _record(args.commodities, args.region, args.db, Path(args.record))
        return 0
    if args.worker:
        _worker(Path(args.worker), args.passes, Path(args.page))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "report.pkl").exists():
            rec = ["--record", str(folder), "--region", args.region, *args.commodities]
            if args.db:
                rec += ["--db", args.db]
            info = _run(ROOT / "src", rec)
            print(f"recorded {info['calls']} chart calls (not picklable: {info['skipped'] or 'none'})")
        srcs = {f"before ({args.ref})": _export(args.ref, Path(tmp)), "after (this checkout)": ROOT / "src"}
        runs: dict[str, list[dict]] = {k: [] for k in srcs}
        for i in range(args.repeat):
            for label, src in srcs.items():
                page = folder / f"page_{'before' if label.startswith('before') else 'after'}.html"
                r = _run(src, ["--worker", str(folder), "--passes", str(args.passes), "--page", str(page)])
                r["page"] = str(page)
                runs[label].append(r)
                print(f"round {i + 1} {label:>24}: charts {r['charts_s']:.3f} s ({r['n_calls']} calls), "
                      f"render {r['render_s']:.3f} s")
        print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; medians of {args.repeat} "
              f"processes, each the median of {args.passes} passes")
        (b_label, b), (a_label, a) = runs.items()
        for label, rs in runs.items():
            print(f"{label:>24}: charts {statistics.median(r['charts_s'] for r in rs):.3f} s, render "
                  f"{statistics.median(r['render_s'] for r in rs):.3f} s, both "
                  f"{statistics.median(r['charts_s'] + r['render_s'] for r in rs):.3f} s")
        for key, what in (("charts_s", "charts"), ("render_s", "render")):
            ratios = [x[key] / y[key] for x, y in zip(b, a, strict=True)]
            print(f"paired ratio before/after, {what}: {statistics.median(ratios):.2f}x "
                  f"({', '.join(f'{r:.2f}' for r in ratios)})")
        both = [(x["charts_s"] + x["render_s"]) / (y["charts_s"] + y["render_s"])
                for x, y in zip(b, a, strict=True)]
        print(f"paired ratio before/after, charts + render: {statistics.median(both):.2f}x")
        pages = {label: Path(rs[0]["page"]).read_text("utf-8") for label, rs in runs.items()}
        sizes = {label: parts(p) for label, p in pages.items()}
        print(f"\n{'page part [MB]':>16} " + " ".join(f"{k:>12}" for k in ("before", "after")))
        for part in sizes[b_label]:
            print(f"{part:>16} " + " ".join(f"{sizes[lab][part] / 1e6:12.3f}" for lab in sizes))
        problems = compare(pages[b_label], pages[a_label])
        print("\nthe two renderings of the report: same charts, CSV bytes and table cells: "
              + ("yes" if not problems else f"NO ({len(problems)}): " + "; ".join(problems[:10])))
        figs = {label: json.loads(Path(rs[0]["page"]).with_suffix(".figures.json").read_text("utf-8"))
                for label, rs in runs.items()}
        diff = [i for i, (x, y) in enumerate(zip(figs[b_label], figs[a_label], strict=True)) if x != y]
        print(f"the replayed chart calls: {len(figs[a_label]) - len(diff)} of {len(figs[a_label])} figures "
              f"equal (data and layout, template included) before and after"
              + (f"; differing: {diff[:10]}" if diff else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
