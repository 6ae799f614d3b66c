"""The commodities of a report built side by side in worker processes (issue 16 item 4).

A report's commodities do not depend on one another: each is a :class:`~critmin.report.context.Context`
whose analyses (supply, dependence, monitor, scenarios, stockpile plan, supplier-mix frontier,
criticality, outlook) run from the warehouse alone. :func:`build_parts` hands them to worker processes
(``spawn``, so no DuckDB connection crosses a ``fork``), each opening the same warehouse file read-only
(DuckDB lets any number of read-only processes share a file). The calling process is one of the builders:
it takes commodities from the end of the list while each worker takes the next one from the start
whenever it is free, until they meet. Each part comes back with its context detached from the worker's
warehouse; the caller attaches its own, so anything the report asks of it later (the overview row, the
criticality matrix, the sources and assumptions) is read from the context's memo or computed in the
caller as before. Each part also brings the report's export-signal scan of its commodity's lines
(:func:`critmin.report.context.scan_part`), made from the fits of its monitor section: the caller scans
only the lines no part did, so no series is fitted twice.

Each process also makes the page's pieces of the parts it builds (:func:`critmin.report.render.prerender`:
each chart's JSON, each table's HTML and compressed CSV), so the page is written in the caller by
putting pieces together. Figures travel as their plain dicts
(:class:`~critmin.report.blocks.FigureSpec`) and are made plotly figures again (validation off) only
when somebody reads them: the page needs only their pieces, and rebuilding a figure costs about as much
as building it did.

A part a worker cannot deliver (it failed to start, crashed, or its result would not pickle) is built in
the calling process instead, so the report is the same whatever the number of workers; only the time it
takes changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path

from critmin._strings import python_strings

__all__ = ["auto_workers", "build_parts", "commodity_part", "parallel_ok"]

#: Most worker processes a report starts (each holds its own copy of the results it computes).
MAX_WORKERS = 8


def parallel_ok(warehouse: object) -> bool:
    """True when worker processes can open ``warehouse`` themselves: a read-only warehouse on a file
    (a read-write connection keeps other processes out of the file; ``:memory:`` is private)."""
    path = getattr(warehouse, "path", None)
    return (bool(getattr(warehouse, "read_only", False)) and path is not None
            and str(path) != ":memory:" and Path(path).is_file())


def _can_spawn() -> bool:
    """False when a spawned process could not start: it runs the caller's main script again (as
    ``__mp_main__``), which must then be a file (not ``python -`` reading standard input)."""
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is None or getattr(main, "__spec__", None) is not None or Path(path).is_file()


def _cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else all)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


def auto_workers(n_commodities: int, warehouse: object, workers: int | None = None) -> int:
    """How many processes build the commodities, the calling one included: 1 means only it.

    Parameters
    ----------
    n_commodities : int
        Commodities in the report.
    warehouse : Warehouse
        Where the data live (see :func:`parallel_ok`).
    workers : int, optional
        Asked for; None: one per core this process may run on (:func:`_cores`), at most one per
        commodity and :data:`MAX_WORKERS`.

    Returns
    -------
    int
        At least 1; 1 whenever there is a single commodity or the warehouse cannot be shared.
    """
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be 0 (in this process), 1 or more, not {workers}")
    if n_commodities < 2 or not parallel_ok(warehouse) or not _can_spawn():
        return 1
    if workers is None:
        workers = min(_cores(), MAX_WORKERS)
    return max(1, min(int(workers), n_commodities))


@python_strings()
def commodity_part(commodity: str, warehouse: object, *, region: str, year: int | None,
                   years: tuple[int, int] | None):
    """One commodity's part of the report: its context, summary facts and sections.

    Returns
    -------
    critmin.report.CommodityReport
    """
    from critmin.report import CommodityReport
    from critmin.report.context import Context, default_scan_since, scan_part
    from critmin.report.sections import build_sections
    from critmin.report.summary import summarize

    ctx = Context(commodity, warehouse, region=region, year=year, years=years)
    facts = summarize(ctx)
    views = build_sections(ctx)
    notes = list(ctx.supply.notes) if ctx.supply is not None else []
    try:  # the report's scan of the commodity's lines, from the fits its monitor section made
        scan = scan_part(ctx.commodity, warehouse, default_scan_since(warehouse))
    except Exception:  # noqa: BLE001 - the report's scan then scans them itself (and says why it fails)
        scan = {}
    return CommodityReport(ctx.commodity, ctx.info.name, facts, views, notes, dict(ctx.errors), ctx,
                           scan=scan)


def _detach(part):
    """``part`` ready to pickle: no warehouse, figures as their dicts (:class:`FigureSpec`, made
    figures again on first read, in the caller; the page is written from each block's piece)."""
    from critmin.report.blocks import FigureSpec

    if part.context is not None:
        part.context.warehouse = None
    for view in part.sections:
        for block in view.blocks:
            fig = block.peek() if block.kind == "figure" else None
            if fig is not None and not isinstance(fig, FigureSpec):
                piece = block.rendered
                block.figure = FigureSpec.of(fig)
                block.rendered = piece
    return part


def _attach(part, warehouse: object):
    """The inverse of :func:`_detach`, with the caller's warehouse."""
    if part.context is not None:
        part.context.warehouse = warehouse
    return part


def _worker_part(commodity: str, db: str, region: str, year: int | None,
                 years: tuple[int, int] | None):
    """Run in a worker: open the warehouse read-only, build one commodity's part, detach it."""
    from critmin.warehouse import open_warehouse

    with open_warehouse(db, read_only=True) as wh:
        return _detach(_timed(commodity, wh, region=region, year=year, years=years))


def _timed(commodity: str, warehouse: object, **kw):
    """:func:`commodity_part` with its page pieces (:func:`_rendered`) and its :attr:`timing`."""
    import time

    started, t0 = time.time(), time.perf_counter()
    part = _rendered(commodity_part(commodity, warehouse, **kw))
    part.timing = {"process": os.getpid(), "started": started, "seconds": time.perf_counter() - t0}
    return part


@python_strings()
def _rendered(part):
    """``part`` with its page pieces made (:func:`critmin.report.render.prerender`)."""
    from critmin.report.render import prerender

    prerender(part)
    return part


def build_parts(
    commodities: Sequence[str],
    warehouse: object,
    *,
    region: str,
    year: int | None = None,
    years: tuple[int, int] | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list:
    """Every commodity's part, in the order given, built by ``workers`` processes (1: here).

    Parameters
    ----------
    commodities : sequence of str
        Catalogue ids, names or codes.
    warehouse : Warehouse
        The caller's warehouse (its file is opened read-only by each worker).
    region, year, years
        As :func:`critmin.report.build_report`.
    workers : int
        Processes, this one included (from :func:`auto_workers`): ``workers - 1`` worker processes
        take the commodities from the start of the list while this process takes them from the end;
        1 builds everything here.
    progress : callable, optional
        Called with ``"report: <commodity>"`` as each commodity is started here or arrives from a
        worker.

    Returns
    -------
    list of CommodityReport
    """
    coms = list(commodities)
    if workers <= 1 or len(coms) < 2:
        parts = []
        for com in coms:
            if progress:
                progress(f"report: {com}")
            parts.append(_timed(com, warehouse, region=region, year=year, years=years))
        return parts

    import multiprocessing
    import threading

    # Each worker process has one commodity at a time, handed to it by a feeder thread of this process
    # (taken from the start of the list); this process takes them from the end. Nobody holds a
    # commodity in a queue while another process is idle.
    n = len(coms)
    futures: list[Future | None] = [None] * n
    parts: list = [None] * n
    bounds = [0, n - 1]  # next from the start, next from the end
    lock = threading.Lock()

    def take(front: bool) -> int | None:
        with lock:
            if bounds[0] > bounds[1]:
                return None
            i = bounds[0] if front else bounds[1]
            bounds[0 if front else 1] += 1 if front else -1
            return i

    def feed(pool: ProcessPoolExecutor) -> None:
        while (i := take(front=True)) is not None:
            try:
                fut = pool.submit(_worker_part, coms[i], str(warehouse.path), region, year, years)
            except Exception:  # noqa: BLE001 - the pool is broken: this part is built by the caller
                return
            futures[i] = fut
            wait([fut])  # its result (or failure) is collected by the caller

    pool = None
    feeders: list[threading.Thread] = []
    try:
        try:
            pool = ProcessPoolExecutor(max_workers=workers - 1,
                                       mp_context=multiprocessing.get_context("spawn"))
        except Exception:  # noqa: BLE001 - no worker can start (no semaphores): everything is built here
            pool = None
        if pool is not None:
            feeders = [threading.Thread(target=feed, args=(pool,), daemon=True,
                                        name=f"critmin-report-feeder-{k}") for k in range(workers - 1)]
            for t in feeders:
                t.start()
        while (i := take(front=False)) is not None:
            if progress:
                progress(f"report: {coms[i]}")
            parts[i] = _timed(coms[i], warehouse, region=region, year=year, years=years)
        for t in feeders:
            t.join()
        for i in range(n):
            if parts[i] is not None:
                continue
            if progress:
                progress(f"report: {coms[i]}")
            fut = futures[i]
            try:
                parts[i] = _attach(fut.result(), warehouse) if fut is not None else None
            except Exception:  # noqa: BLE001 - a worker's failure: this part is built here instead
                parts[i] = None
            if parts[i] is None:  # a worker could not take it, or failed
                parts[i] = _timed(coms[i], warehouse, region=region, year=year, years=years)
    finally:
        if pool is not None:  # the worker processes end on their own: nothing more is waited for
            pool.shutdown(wait=False, cancel_futures=True)
    return parts
