"""Where the chunks of a simulation run: in this process, on a local process pool, or on Dask.

A runner has a ``name`` and one method, ``run(fn, payload, tasks, on_result)``: it calls
``fn(payload, task)`` for every task, wherever it likes, and ``on_result(result)`` in this process as
each result arrives (in any order). The engine writes each result into its runs' rows, so the numbers
do not depend on the runner (see :mod:`critmin.market.engine`).

Dask workers must be able to import ``critmin`` (install it in the workers' environment).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["InProcessRunner", "ProcessPoolRunner", "DaskRunner", "get_runner", "DASK_WORKER_ENV",
           "DASK_QUIET_CONFIG", "dask_quiet_config"]


class InProcessRunner:
    """Run the chunks one after another in this process."""

    name = "in-process"

    def run(self, fn: Callable, payload, tasks: Sequence, on_result: Callable) -> None:
        for task in tasks:
            on_result(fn(payload, task))


@contextmanager
def _children_skip_main() -> Iterator[None]:
    """Hide this process's ``__main__`` from ``spawn``/``forkserver`` children while they start.

    Such children re-import the parent's main script unless told otherwise; the work functions live
    in ``critmin`` and need nothing from it, and re-running it breaks under notebooks, Streamlit or
    test runners that leave a non-guarded script as ``__main__``.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class ProcessPoolRunner:
    """Run the chunks on a local pool of processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Parameters
    ----------
    workers : int
        Number of processes.
    mp_context : str
        ``spawn`` (default: safe whatever threads the parent runs), ``forkserver`` or ``fork``.
    max_in_flight : int, optional
        Chunks submitted ahead of the results (bounds memory); default ``2 x workers``.
    """

    def __init__(self, workers: int = 2, *, mp_context: str = "spawn",
                 max_in_flight: int | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.mp_context = mp_context
        self.max_in_flight = max_in_flight or 2 * workers
        self.name = f"process-pool({workers})"

    def run(self, fn: Callable, payload, tasks: Sequence, on_result: Callable) -> None:
        ctx = mp.get_context(self.mp_context)
        pending = list(tasks)[::-1]
        with _children_skip_main(), cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx) as ex:
            running = set()
            while pending or running:
                while pending and len(running) < self.max_in_flight:
                    running.add(ex.submit(fn, payload, pending.pop()))
                done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    on_result(fut.result())


DASK_WORKER_ENV: dict[str, str | None] = {"MALLOC_TRIM_THRESHOLD_": None}
"""Environment critmin gives the processes of a local Dask cluster, through Dask's own config key
``distributed.nanny.pre-spawn-environ`` (a value of None removes Dask's default).

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker so that freed memory goes back to the
system at once. Setting *any* of glibc's malloc thresholds also switches off glibc's dynamic mmap
threshold, so every array over 128 KiB is mapped and unmapped at each allocation: the engine allocates
such arrays every simulated month, and measured on 2 cores its compute took twice as long in a nanny
worker (25x the page faults). Without the variable, workers allocate as the parent process does. A user
who wants the trimming back sets ``MALLOC_TRIM_THRESHOLD_`` in the environment or in their Dask config
(both take precedence over this default). Workers started by hand (``dask worker``) for an external
scheduler get whatever their environment says: start them with ``--no-nanny``, or unset the variable
in ``~/.config/dask/distributed.yaml`` (``distributed: nanny: pre-spawn-environ: MALLOC_TRIM_THRESHOLD_:
null``)."""

DASK_QUIET_CONFIG: dict[str, tuple[object, object]] = {
    "distributed.worker.profile.enabled": (True, False),
    "distributed.admin.tick.interval": ("20ms", "1s"),
    "distributed.admin.system-monitor.interval": ("500ms", "2s"),
}
"""Dask settings critmin changes for the clusters it starts: key -> (Dask's default, critmin's value).

Each is a background task every Dask process runs for the dashboard or for diagnostics, and each
takes CPU from the chunks: the workers' statistical profiler samples the running thread's stack every
10 ms (it takes the GIL to do so), the event-loop watchdog ticks every 20 ms, the system monitor
samples every 500 ms. Measured on 2 cores with a LocalCluster of 2 workers, idle for 10 s: 0.37 s
of CPU per worker and 0.58 s in the client and scheduler with Dask's defaults; 0.07 s and 0.16 s with
these. critmin shows no Dask dashboard, and a blocked event loop is still reported (within 1 s).
A value the user set in their Dask config (anything but Dask's default) is kept. For workers started by
hand for an external scheduler, put the same keys in their Dask config (``distributed: worker: profile:
enabled: false``, ``distributed: admin: tick: interval: 1s``, ``distributed: admin: system-monitor:
interval: 2s``)."""


def dask_quiet_config() -> dict[str, object]:
    """The settings of :data:`DASK_QUIET_CONFIG` whose current value is still Dask's default."""
    import dask

    out = {}
    for key, (default, quiet) in DASK_QUIET_CONFIG.items():
        if dask.config.get(key, default) == default:
            out[key] = quiet
    return out


class DaskRunner:
    """Run the chunks on Dask: an existing scheduler, a given client, or a local cluster.

    The client (and the local cluster) is started on the first :meth:`run` and kept warm for the next
    ones, so a planner or a sweep that calls :func:`~critmin.market.engine.simulate` many times pays
    the start-up once; :meth:`close` (or ``with DaskRunner(...) as r:``) shuts it down.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Start a :class:`distributed.LocalCluster` with this many workers (when no scheduler or
        client is given; default 2), one thread each, no dashboard, with :data:`DASK_WORKER_ENV`.
    processes : bool
        LocalCluster workers as processes (default) or threads in this process.
    client : distributed.Client, optional
        Use this client (not closed afterwards).
    max_in_flight : int, optional
        Chunks submitted ahead of the results; default ``2 x workers``.
    connect_timeout : float
        Seconds to wait for a scheduler before giving up with a clear error [s].
    chunk_timeout : float
        Seconds to wait for one chunk's result before giving up with a clear error [s].
    """

    def __init__(self, scheduler: str | None = None, *, workers: int | None = None,
                 processes: bool = True, client=None, max_in_flight: int | None = None,
                 connect_timeout: float = 10.0, chunk_timeout: float = 900.0) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self.client = client
        self.max_in_flight = max_in_flight
        self.connect_timeout = connect_timeout
        self.chunk_timeout = chunk_timeout
        self._own = client is None
        self._cluster = None
        where = scheduler or ("client" if client is not None else f"local({workers or 2})")
        self.name = f"dask({where})"

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _client(self):
        if self.client is not None:
            return self.client
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
            except OSError as exc:  # includes TimeoutError
                from critmin.errors import CritminError

                raise CritminError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                                   f"{self.connect_timeout:g} s ({exc.__class__.__name__}); is it running?"
                                   ) from None
        else:
            env = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in DASK_WORKER_ENV.items()
                   if k not in os.environ}
            # Dask's HTTP servers start even with the dashboard off, on port 8787 unless told otherwise:
            # an ephemeral loopback port keeps them off 8787 and off the network.
            where = {"host": "127.0.0.1"} if self.processes else {}
            with dask.config.set({**env, **dask_quiet_config()}):
                self._cluster = LocalCluster(
                    n_workers=self.workers or 2, threads_per_worker=1, processes=self.processes,
                    dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                    worker_dashboard_address="127.0.0.1:0", **where)
                self.client = Client(self._cluster)
        return self.client

    def close(self) -> None:
        """Close the client and the local cluster this runner started (a given client stays open)."""
        if self._own and self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def run(self, fn: Callable, payload, tasks: Sequence, on_result: Callable) -> None:
        from distributed import as_completed

        client = self._client()
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (self.workers or 2))
        limit = self.max_in_flight or 2 * n_workers
        # The payload (the market's arrays and the draws' distributions) is a few kB: it travels with each
        # chunk rather than being scattered once, so a worker that restarts (a nanny does so under memory
        # pressure) never leaves the chunks waiting on data that went with it.
        pending = list(tasks)[::-1]
        first = [client.submit(fn, payload, pending.pop(), pure=False)
                 for _ in range(min(limit, len(pending)))]
        ac = as_completed(first)
        for fut in ac:
            try:
                res = fut.result(timeout=self.chunk_timeout)
            except TimeoutError:
                from critmin.errors import CritminError

                client.cancel(list(ac.futures))
                raise CritminError(f"a chunk did not finish within {self.chunk_timeout:g} s on {self.name}; "
                                   "are the workers alive and able to import critmin?") from None
            fut.release()
            on_result(res)
            if pending:
                ac.add(client.submit(fn, payload, pending.pop(), pure=False))


def get_runner(*, workers: int | None = None, scheduler: str | None = None, pool: int | None = None):
    """The runner the CLI options ask for.

    Parameters
    ----------
    workers : int, optional
        Dask LocalCluster with this many worker processes.
    scheduler : str, optional
        Dask scheduler address (``tcp://HOST:PORT``).
    pool : int, optional
        Local process pool with this many processes.

    Returns
    -------
    InProcessRunner, ProcessPoolRunner or DaskRunner
    """
    if sum(x is not None for x in (workers, scheduler, pool)) > 1:
        raise ValueError("give at most one of workers (Dask local cluster), scheduler (Dask) and "
                         "pool (process pool)")
    if scheduler:
        return DaskRunner(scheduler)
    if workers:
        return DaskRunner(workers=workers)
    if pool:
        return ProcessPoolRunner(pool)
    return InProcessRunner()
