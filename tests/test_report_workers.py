"""The report's commodities built in worker processes (:mod:`critmin.report.workers`) give the same
report as in one process: the same facts, tables, figures, notes and errors; a part a worker cannot
deliver is built in the calling process; the number of workers follows the warehouse and the request."""

from __future__ import annotations

import base64
import json
import os
import pickle

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from critmin.report import build_report, report_tables
from critmin.report import workers as pool
from critmin.warehouse import open_warehouse

COMS = ["gallium", "germanium"]


def _spec(fig) -> dict:
    """A figure's content as plotly serialises it (typed arrays as ``{"dtype", "bdata"}``)."""
    return json.loads(pio.to_json(fig, validate=False))


def _close(a, b, path: str = "") -> None:
    """Equal figure specs, whatever the order of their keys; numbers equal to 1e-12 relative (a sum
    over the same numbers can differ in its last bit from one process to another: NumPy's vectorised
    reductions depend on where the array sits in memory)."""
    if isinstance(a, dict) and set(a) == {"dtype", "bdata"}:
        assert isinstance(b, dict) and b.get("dtype") == a["dtype"], path
        x = np.frombuffer(base64.b64decode(a["bdata"]), dtype=a["dtype"])
        y = np.frombuffer(base64.b64decode(b["bdata"]), dtype=b["dtype"])
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True, err_msg=path)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for k in a:
            _close(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, nan_ok=True), path
    else:
        assert a == b, path


def _same_report(a, b) -> None:
    assert [c.id for c in a.commodities] == [c.id for c in b.commodities]
    for ca, cb in zip(a.commodities, b.commodities, strict=True):
        assert [(f.id, f.available, [str(p.html()) for p in f.phrases]) for f in ca.facts] == \
            [(f.id, f.available, [str(p.html()) for p in f.phrases]) for f in cb.facts]
        assert ca.notes == cb.notes
        assert ca.errors == cb.errors
        assert [v.id for v in ca.sections] == [v.id for v in cb.sections]
        for va, vb in zip(ca.sections, cb.sections, strict=True):
            assert [bl.kind for bl in va.blocks] == [bl.kind for bl in vb.blocks]
            fa, fb = va.figures, vb.figures
            assert len(fa) == len(fb)
            for x, y in zip(fa, fb, strict=True):
                _close(_spec(x), _spec(y), f"{ca.id}/{va.id}")
    ta, tb = report_tables(a), report_tables(b)
    assert list(ta) == list(tb)
    for key in ta:
        pd.testing.assert_frame_equal(ta[key].data, tb[key].data, check_exact=False, rtol=1e-12)


def _blocks(report):
    return [b for c in report.commodities for v in c.sections for b in v.blocks]


def _after_a_worker_claims(monkeypatch) -> None:
    """This process claims its first commodity only once a worker has claimed one (a worker still
    starting would otherwise find nothing left: this process builds from its memo in no time)."""
    import time

    orig = pool._claim

    def claim(bounds, lock, front):
        deadline = time.monotonic() + 120
        while not front and bounds[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        return orig(bounds, lock, front)

    monkeypatch.setattr(pool, "_claim", claim)


def test_workers_give_the_same_report(warehouse_path, monkeypatch):
    from critmin.report.render import FigurePiece, TablePiece, render
    from critmin.report.sections import FigureSpec

    with open_warehouse(warehouse_path, read_only=True) as wh:
        assert pool.auto_workers(len(COMS), wh, 2) == 2
        here = build_report(COMS, warehouse=wh, workers=1)
        _after_a_worker_claims(monkeypatch)
        there = build_report(COMS, warehouse=wh, workers=2)
    assert [c.timing["process"] != os.getpid() for c in there.commodities] == [True, False]
    # every figure and table comes with its page piece, made where it was built; the worker's
    # figures stay dicts until somebody reads them
    for rep in (here, there):
        blocks = _blocks(rep)
        assert all(isinstance(b.rendered, FigurePiece) for b in blocks if b.kind == "figure")
        assert all(isinstance(b.rendered, TablePiece) for b in blocks if b.kind == "table")
    assert any(isinstance(b.peek(), FigureSpec) for b in _blocks(there))
    page = render(there)
    # the page from the pieces is the page from the objects (reading them drops the pieces)
    for b in _blocks(there):
        _ = b.figure if b.kind == "figure" else b.table
        assert b.rendered is None
    assert not any(isinstance(b.peek(), FigureSpec) for b in _blocks(there))
    assert render(there) == page
    _same_report(here, there)
    # the parts came back usable: a context answers from the caller's warehouse
    ctx = there.commodities[0].context
    assert ctx is not None and ctx.warehouse is not None
    assert ctx.supply is not None and ctx.supply.commodity == "gallium"


def test_a_part_no_worker_delivers_is_built_here(warehouse_path, monkeypatch):
    """Workers that cannot start or fail: every part is built in this process, the report is whole."""

    class Broken:
        def __init__(self, *a, **k):
            pass

        def submit(self, *a, **k):
            raise OSError("no semaphores here")

        def shutdown(self, **k):
            pass

    monkeypatch.setattr(pool, "ProcessPoolExecutor", Broken)
    seen = []
    with open_warehouse(warehouse_path, read_only=True) as wh:
        rep = build_report(COMS, warehouse=wh, workers=2, progress=seen.append)
    assert [c.id for c in rep.commodities] == COMS
    assert all(c.sections for c in rep.commodities)
    assert [m for m in seen if m in ("report: gallium", "report: germanium")]


def test_how_many_workers(warehouse_path, tmp_path):
    with open_warehouse(warehouse_path, read_only=True) as ro:
        assert pool.parallel_ok(ro)
        assert pool.auto_workers(1, ro) == 1                       # one commodity: here
        assert pool.auto_workers(8, ro, 0) == 1 and pool.auto_workers(8, ro, 1) == 1
        assert pool.auto_workers(3, ro, 16) == 3                   # never more than the commodities
        assert 1 <= pool.auto_workers(8, ro) <= pool.MAX_WORKERS
        with pytest.raises(ValueError, match="workers must be"):
            pool.auto_workers(8, ro, -1)
    # a read-write connection keeps other processes out of the file: everything here
    with open_warehouse(tmp_path / "rw.duckdb") as rw:
        assert not pool.parallel_ok(rw) and pool.auto_workers(8, rw, 4) == 1


def test_a_figure_comes_back_as_it_left():
    """A figure rebuilt from its dict (as a worker sends it) is written to the page byte for byte as
    the original: same keys in the same order (plotly rebuilds a layout in its own property order
    and puts each trace's type last)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from critmin.report import CommodityReport
    from critmin.report.render import figure_html
    from critmin.report.sections import Block, SectionView

    fig = make_subplots(rows=1, cols=2, subplot_titles=("a", "b"))
    fig.add_trace(go.Scatter(x=[1, 2], y=[3.5, 4.25], name="one", line={"dash": "dot", "color": "#111"}),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=["A", "B"], y=[1, 2], name="two"), row=1, col=2)
    fig.update_layout(title={"text": "t", "x": 0.0}, height=300, font={"size": 12, "family": "x"})
    fig.add_hline(y=4.0, line_dash="dash", row=1, col=1)
    before = figure_html(fig, "f")
    part = CommodityReport("x", "X", [], [SectionView("s", "S", blocks=[Block("figure", figure=fig)])])
    back = pool._attach(pickle.loads(pickle.dumps(pool._detach(part))), None)
    assert figure_html(back.sections[0].blocks[0].figure, "f") == before


def test_a_change_after_the_build_shows_in_the_page():
    """A table or figure read (and changed) after its piece was made is written as it is now."""
    import plotly.graph_objects as go

    from critmin.report import CommodityReport
    from critmin.report.render import prerender
    from critmin.report.sections import Block, SectionView
    from critmin.report.tables import Table

    table = Table("t", "T", pd.DataFrame({"a": ["before"]}), {"a": ("a", "text")})
    fig = go.Figure(go.Scatter(x=[1], y=[2], name="old-name"))
    part = CommodityReport("x", "X", [], [SectionView("s", "S", blocks=[Block("figure", figure=fig),
                                                                           Block("table", table=table)])])
    prerender(part)
    part = pool._attach(pickle.loads(pickle.dumps(pool._detach(part))), None)
    fblock, tblock = part.sections[0].blocks
    assert fblock.rendered is not None and tblock.rendered is not None
    assert "before" in tblock.rendered.html and "old-name" in fblock.rendered.data
    tblock.table.data.loc[0, "a"] = "after"
    fblock.figure.data[0].name = "new-name"
    assert tblock.rendered is None and fblock.rendered is None  # read: the pieces are gone
    prerender(part)
    assert "after" in tblock.rendered.html and "new-name" in fblock.rendered.data


def test_a_part_that_fails_in_a_worker_is_built_here(warehouse_path, monkeypatch):
    """The workers' loop, run in a thread as the pool would run it in a process: it claims from the
    start while this process claims from the end; a part that fails in the worker comes back empty
    and is built here; every part is there once, in order."""
    import concurrent.futures
    import threading

    class ThreadPool:
        def __init__(self, max_workers, mp_context, initializer, initargs):
            self.start = (initializer, initargs)
            self.ex = concurrent.futures.ThreadPoolExecutor(max_workers)

        def submit(self, fn, *args):
            def run():
                self.start[0](*self.start[1])
                return fn(*args)
            return self.ex.submit(run)

        def shutdown(self, **_k):
            self.ex.shutdown(wait=True)

    tried, built_here = [], []
    orig = pool._timed

    def timed(com, wh, **kw):
        if threading.current_thread() is not threading.main_thread():
            tried.append(com)
            raise RuntimeError("a failure in the worker")
        built_here.append(com)
        return orig(com, wh, **kw)

    monkeypatch.setattr(pool, "ProcessPoolExecutor", ThreadPool)
    monkeypatch.setattr(pool, "_timed", timed)
    coms = ["gallium", "germanium", "graphite"]
    seen = []
    with open_warehouse(warehouse_path, read_only=True) as wh:
        parts = pool.build_parts(coms, wh, region="USA", workers=2, progress=seen.append)
    assert [p.id for p in parts] == coms and all(p.sections for p in parts)
    assert tried and tried[0] == "gallium"             # the worker claims from the start
    assert sorted(built_here) == sorted(coms)          # its failures were built here, each once
    assert sorted(seen) == sorted(f"report: {c}" for c in coms)
