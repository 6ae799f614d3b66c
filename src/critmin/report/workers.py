"""The commodities of a report built side by side in worker processes (issue 16 item 4).

A report's commodities do not depend on one another: each is a :class:`~critmin.report.context.Context`
whose analyses (supply, dependence, monitor, scenarios, stockpile plan, supplier-mix frontier,
criticality, outlook) run from the warehouse alone. :func:`build_parts` hands them to worker processes
(``spawn``, so no DuckDB connection crosses a ``fork``), each opening the same warehouse file read-only
(DuckDB lets any number of read-only processes share a file) once for all its parts. The calling process
is one of the builders: it takes commodities from the end of the list while each worker takes the next
one from the start whenever it is free, until they meet. The processes claim them through two shared
bounds (:func:`_claim`), so a worker starts its next part at once while its finished one travels back
on a queue (a round trip through the caller per part left a worker idle 0.1 to 0.4 s). Each part comes
back with its context detached from the worker's warehouse; the caller attaches its own, so anything the
report asks of it later (the overview row, the criticality matrix, the sources and assumptions) is read
from the context's memo or computed in the caller as before. Each part also brings the report's
export-signal scan of its commodity's lines (:func:`critmin.report.context.scan_part`), made from the
fits of its monitor section: the caller scans only the lines no part did, so no series is fitted twice.

Each process also makes the page's pieces of the parts it builds (:func:`critmin.report.render.prerender`:
each chart's JSON, each table's HTML and compressed CSV), so the page is written in the caller by
putting pieces together. Figures travel as their plain dicts (:class:`~critmin.report.blocks.FigureSpec`)
and are made plotly figures again (validation off) only when somebody reads them: the page needs only
their pieces, and rebuilding a figure costs about as much as building it did.

A part a worker cannot deliver (it failed to start, crashed, or its result would not pickle) is built in
the calling process instead, so the report is the same whatever the number of workers; only the time it
takes changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
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


#: In a worker process: the claim bounds, their lock and the results queue it shares with the caller
#: (:func:`_share`, run as the pool's initializer: synchronised objects pass to a process as it starts).
_SHARED: tuple | None = None


def _share(bounds, lock, results) -> None:
    """The pool's initializer: keep what the worker shares with the caller."""
    global _SHARED
    _SHARED = (bounds, lock, results)


def _claim(bounds, lock, front: bool) -> int | None:
    """The next commodity's position, from the start (workers) or the end (the caller) of the list;
    None once they meet."""
    with lock:
        lo, hi = bounds[0], bounds[1]
        if lo > hi:
            return None
        if front:
            bounds[0] = lo + 1
            return lo
        bounds[1] = hi - 1
        return hi


def _worker_loop(coms: list[str], db: str, region: str, year: int | None,
                 years: tuple[int, int] | None) -> int:
    """Run in a worker: open the warehouse read-only, then claim the next commodity from the start of
    the list whenever free, build its part and put it (pickled, detached) on the results queue, until
    none is left. A part that fails to build or to pickle is put as None (the caller builds it).

    Returns
    -------
    int
        How many parts it put.
    """
    import pickle

    from critmin.warehouse import open_warehouse

    assert _SHARED is not None, "the pool's initializer did not run"
    bounds, lock, results = _SHARED
    put = 0
    with open_warehouse(db, read_only=True) as wh:
        while (i := _claim(bounds, lock, front=True)) is not None:
            try:
                part = _timed(coms[i], wh, region=region, year=year, years=years)
                payload = pickle.dumps(_detach(part), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - the caller builds it (and reports its error)
                payload = None
            results.put((i, payload))  # sent by the queue's thread while the next part is built
            put += 1
    return put


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

    import contextlib
    import multiprocessing
    import pickle
    import queue as queues

    # The workers and this process claim commodities from the two ends of the list (shared bounds):
    # a process claims one only when it is free, so nobody holds a commodity while another is idle,
    # and a worker starts its next part at once (its finished part travels meanwhile).
    ctx = multiprocessing.get_context("spawn")
    n = len(coms)
    parts: list = [None] * n
    pool = None
    loops: list[Future] = []
    try:
        try:
            bounds, lock, results = ctx.Array("i", [0, n - 1], lock=False), ctx.Lock(), ctx.Queue()
        except Exception:  # noqa: BLE001 - no semaphores here: everything is built in this process
            bounds, lock, results = [0, n - 1], contextlib.nullcontext(), None
        if results is not None:
            try:
                pool = ProcessPoolExecutor(max_workers=workers - 1, mp_context=ctx, initializer=_share,
                                           initargs=(bounds, lock, results))
                loops = [pool.submit(_worker_loop, coms, str(warehouse.path), region, year, years)
                         for _k in range(workers - 1)]
            except Exception:  # noqa: BLE001 - no worker can start: everything is built here
                loops = []
        while (i := _claim(bounds, lock, front=False)) is not None:
            if progress:
                progress(f"report: {coms[i]}")
            parts[i] = _timed(coms[i], warehouse, region=region, year=year, years=years)
        # the workers' parts: every one a finished loop put, and whatever a failed loop put before it
        received, expected = 0, None
        while loops:
            if expected is None and all(f.done() for f in loops):
                ok = [f for f in loops if f.exception() is None]
                expected = sum(f.result() for f in ok) + (n if len(ok) < len(loops) else 0)
            if expected is not None and received >= expected:
                break
            try:
                i, payload = results.get(timeout=0.05 if expected is None else 1.0)
            except queues.Empty:
                if expected is not None:  # a failed loop put no more
                    break
                continue
            received += 1
            if payload is not None:
                try:
                    parts[i] = _attach(pickle.loads(payload), warehouse)
                except Exception:  # noqa: BLE001 - built here below
                    parts[i] = None
        for i in range(n):
            if parts[i] is None:  # a worker could not take it, failed, or its part would not pickle
                if progress:
                    progress(f"report: {coms[i]}")
                parts[i] = _timed(coms[i], warehouse, region=region, year=year, years=years)
            elif progress and parts[i].timing.get("process") != os.getpid():
                progress(f"report: {coms[i]}")
    finally:
        if pool is not None:  # the worker processes end on their own: nothing more is waited for
            pool.shutdown(wait=False, cancel_futures=True)
    return parts
