"""Monte Carlo over the market model: reproducible draws, chunks, runners, merged summaries.

Reproducibility. Runs are drawn in fixed blocks of :data:`SAMPLING_BLOCK` runs; block ``b`` has its own
stream, ``numpy.random.SeedSequence(seed, spawn_key=(b,))`` (the b-th child of the root sequence), and
draws one row of uniform numbers per parameter of :data:`critmin.market.spec.RANDOM_PARAMS`; each
parameter is sampled by inverse CDF from its row. A chunk (the unit of work sent to a worker) is a
whole number of blocks, so the numbers depend only on the seed and the run's index: not on the chunk
size, the number of workers, or which worker ran which chunk. Per-run summaries are written into their
run's row; sums over runs are added in chunk order. Hence the same seed gives the same numbers,
bit for bit, in-process, on a process pool and on Dask.

New capacity (``[[capacity]]`` entries) draws from streams of its own, so that adding or changing a
project never shifts the numbers of the disruption and market parameters: project ``c`` of block ``b``
uses ``SeedSequence(seed, spawn_key=(b, 1, c))``, one row of uniform numbers for its delay (inverse
CDF of ``delay_years``) and one for its cancellation (cancelled when ``u < cancel_probability``). They
too depend only on the seed and the run's index.

Engines. Each chunk runs on the NumPy engine (:func:`~critmin.market.model.simulate_market`, always
there) or the compiled Numba engine (:func:`~critmin.market.fast.simulate_market_numba`, the ``[fast]``
extra): the same model and algorithm, agreeing to 1e-9 relative (tested on every shipped scenario).
``engine="auto"`` (the default, also ``[market] engine`` in a scenario) takes Numba when it is installed
and the job is estimated at :data:`AUTO_NUMBA_S` or more on the NumPy engine: loading Numba and its
cached kernel costs about a second, which a smaller job would not win back. The choice depends only on
the run count and the market, so a given seed always gets the same engine (and numbers).

Memory is bounded by the chunk size (work arrays ~ chunk x (suppliers + 10 x regions) x 8 bytes) plus
the per-run table (:func:`row_bytes`: the draws, months and per-region tonnes float32, prices, costs and
purchases float64: 218 MiB for a million runs and five regions, was 367 MiB all in float64; peak resident
memory of such a run in ``benchmarks/bench_market.py --million``). Full monthly paths are kept
only on request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from critmin.errors import CritminError
from critmin.market.additions import capacity_supply
from critmin.market.model import REGION_METRICS, Draws, MarketInputs, MarketOutput, simulate_market
from critmin.market.spec import RANDOM_PARAMS, Param, ScenarioSpec, load_scenario, sample_param

__all__ = [
    "SAMPLING_BLOCK",
    "DEFAULT_CHUNK",
    "PRICE_BINS",
    "ChunkTask",
    "ChunkResult",
    "chunk_columns",
    "EnginePayload",
    "draw_runs",
    "draw_capacity",
    "run_chunk",
    "plan_chunks",
    "simulate",
    "DRAW_COLUMNS",
    "estimate_seconds",
    "SMALL_JOB_S",
    "ENGINES",
    "AUTO_NUMBA_S",
    "resolve_engine",
    "numba_available",
]

SAMPLING_BLOCK = 1024
"""Runs per random stream [runs]."""
DEFAULT_CHUNK = 16 * SAMPLING_BLOCK
"""Runs per unit of work [runs]."""
SMALL_JOB_S = 1.0
"""A simulation estimated to take less than this in this process [s] runs here even when a process pool
or a local Dask cluster is asked for: starting either costs about a second and more (measured on 2 cores:
LocalCluster 1.5-3 s, a spawn pool 0.5-1 s), so a small job would only get slower. A running scheduler or
a given client is always used."""
NS_PER_SCENARIO_MONTH = 400.0
"""The engine's cost per run and month in one process, used for that estimate [ns] (measured 320 ns on the
rare-earth benchmark market of 11 suppliers and 5 regions; larger markets cost more)."""
NS_PER_SCENARIO_MONTH_NUMBA = 160.0
"""The Numba engine's cost per run and month on one thread [ns]: :data:`NS_PER_SCENARIO_MONTH` over 2.5,
the paired ratio of the two engines in ``benchmarks/bench_market.py`` (2.4-2.75x over its rounds)."""
ENGINES = ("auto", "numpy", "numba")
"""Engine names: ``numpy`` (vectorised), ``numba`` (compiled; the ``[fast]`` extra), ``auto``."""
AUTO_NUMBA_S = 2.0
"""``auto`` uses the Numba engine for jobs estimated at this or more on the NumPy engine [s]: importing
Numba and loading its cached kernel costs about 1 s (measured 0.5 + 0.5 s on 2 loaded cores), the
compiled engine saves about 55 % of the NumPy engine's time, so smaller jobs would get slower."""
PRICE_BINS = 2000
"""Bins of ln(P/P0) per month for the merged price quantile bands (bin width ln(P_max/P0)/2000)."""

DRAW_COLUMNS = {
    "occurs": "disruption.occurs",
    "start_month": "disruption.start_month",
    "duration_months": "disruption.duration_months",
    "cut": "disruption.cut",
    "leakage": "disruption.leakage",
    "demand_elasticity_short": "market.demand_elasticity_short",
    "demand_elasticity_long": "market.demand_elasticity_long",
    "substitution_months": "market.substitution_months",
    "supply_elasticity": "market.supply_elasticity",
}
"""Per-run column name -> spec parameter (the draws written beside the results)."""

_DRAW_FIELDS = ("occurs", "start", "duration", "cut", "leakage", "eps_short", "eps_long", "tau",
                "eps_supply")


@dataclass(frozen=True)
class EnginePayload:
    """What every chunk needs (sent once per chunk; small).

    ``capacity`` holds, per new-capacity project of ``inputs`` (same order), its delay distribution
    [years] and cancellation probability [1]. ``engine`` is ``"numpy"`` or ``"numba"`` (resolved, not
    ``"auto"``); ``threads`` the Numba engine's threads (1: its serial kernel, for worker processes;
    None: Numba's setting, all cores by default). ``columns``, when given (column name -> dtype, as
    :func:`column_dtypes` gives them), makes the chunk come back as the per-run table's columns, cast
    where the work runs: what a process pool or a Dask worker sends is then the table's own bytes
    (255 instead of 451 bytes per run on ``ree-2010-quota``) and the caller only copies them.
    """

    inputs: MarketInputs
    params: dict[str, Param]
    seed: int
    keep_paths: bool = False
    price_bins: int = PRICE_BINS
    capacity: tuple[tuple[Param, float], ...] = ()
    engine: str = "numpy"
    threads: int | None = None
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ChunkTask:
    """Runs ``first .. first + n - 1``; ``first`` is a multiple of :data:`SAMPLING_BLOCK`."""

    index: int
    first: int
    n: int


@dataclass
class ChunkResult:
    """The draws and model output of one chunk (``capacity``: per project, its delay [years] and
    cancellation in each run, shape (n, C) each; empty without new capacity).

    With ``columns`` (when the payload asked for them) the per-run values come as the per-run table's
    columns instead: ``draws`` is None, ``output.summary`` and ``capacity`` are empty.
    """

    task: ChunkTask
    draws: Draws | None
    output: MarketOutput
    capacity: dict[str, np.ndarray] = field(default_factory=dict)
    columns: dict[str, np.ndarray] | None = None


def draw_runs(params: dict[str, Param], seed: int, first: int, n: int) -> Draws:
    """The per-run parameters of runs ``first .. first + n - 1``.

    Parameters
    ----------
    params : dict
        Parameter name (:data:`RANDOM_PARAMS`) -> number or distribution; ``disruption.occurs`` is
        the probability of the disruption [1].
    seed : int
        Root seed (>= 0).
    first : int
        First run; must be a multiple of :data:`SAMPLING_BLOCK`.
    n : int
        Number of runs.

    Returns
    -------
    Draws
    """
    if first % SAMPLING_BLOCK:
        raise ValueError(f"first run {first} is not a multiple of the sampling block {SAMPLING_BLOCK}")
    blocks = []
    b0 = first // SAMPLING_BLOCK
    nb = -(-n // SAMPLING_BLOCK)
    for b in range(b0, b0 + nb):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
        u = rng.random((len(RANDOM_PARAMS), SAMPLING_BLOCK))
        vals = {}
        for k, name in enumerate(RANDOM_PARAMS):
            if name == "disruption.occurs":
                vals[name] = u[k] < float(params[name])
            else:
                vals[name] = sample_param(params[name], u[k])
        blocks.append(Draws(*(vals[name] for name in RANDOM_PARAMS)))
    return Draws.concat(blocks).take(slice(0, n))


def draw_capacity(capacity: tuple[tuple[Param, float], ...], seed: int, first: int,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    """Delays and cancellations of new-capacity projects in runs ``first .. first + n - 1``.

    Parameters
    ----------
    capacity : tuple of (Param, float)
        Per project: the delay distribution [years] and the cancellation probability [1].
    seed : int
        Root seed (>= 0).
    first : int
        First run; a multiple of :data:`SAMPLING_BLOCK`.
    n : int
        Number of runs.

    Returns
    -------
    delay_years : ndarray
        (n, C) delay of each project in each run [years].
    cancelled : ndarray of bool
        (n, C) the project is cancelled in the run.
    """
    if first % SAMPLING_BLOCK:
        raise ValueError(f"first run {first} is not a multiple of the sampling block {SAMPLING_BLOCK}")
    C = len(capacity)
    b0 = first // SAMPLING_BLOCK
    nb = -(-n // SAMPLING_BLOCK)
    delay = np.zeros((nb * SAMPLING_BLOCK, C))
    cancel = np.zeros((nb * SAMPLING_BLOCK, C), bool)
    for c, (dist, p_cancel) in enumerate(capacity):
        for k, b in enumerate(range(b0, b0 + nb)):
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b, 1, c))))
            u = rng.random((2, SAMPLING_BLOCK))
            sl = slice(k * SAMPLING_BLOCK, (k + 1) * SAMPLING_BLOCK)
            delay[sl, c] = sample_param(dist, u[0])
            cancel[sl, c] = u[1] < float(p_cancel)
    return delay[:n], cancel[:n]


def run_chunk(payload: EnginePayload, task: ChunkTask, stocks: np.ndarray | None = None,
              purchases: np.ndarray | None = None) -> ChunkResult:
    """Draw and simulate one chunk (the function workers run).

    Parameters
    ----------
    payload : EnginePayload
    task : ChunkTask
    stocks : ndarray, optional
        (J, K) K sets of starting stocks [t] (NumPy engine only): the chunk's runs are simulated once
        with each, the same draws for all (common random numbers), in one call of
        :func:`~critmin.market.model.simulate_market` (its ``stock0``). The result then holds
        ``K x task.n`` runs, set by set; each run equals the run of a chunk with that set in
        ``payload.inputs.stock0`` (its sums over runs are one block of all the sets' runs).
    purchases : ndarray, optional
        (H, B, K) K sets of purchases of the inputs' B buyers [t/month], as ``stocks`` (the model's
        ``purchases``); with ``stocks`` too, set k is stock set k with purchase set k.
    """
    sets = stocks is not None or purchases is not None
    if sets and payload.engine != "numpy":
        raise ValueError("several stock or purchase sets in one chunk run on the numpy engine only")
    draws = draw_runs(payload.params, payload.seed, task.first, task.n)
    inp = payload.inputs
    added, cap = None, {}
    if inp.has_capacity:
        delay, cancelled = draw_capacity(payload.capacity, payload.seed, task.first, task.n)
        start = inp.capacity_start[None, :] + 12.0 * delay
        added = capacity_supply(inp.capacity_t, start, inp.capacity_ramp, ~cancelled, inp.horizon)
        cap = {"delay_years": delay, "cancelled": cancelled}
    if sets:
        stocks = None if stocks is None else np.asarray(stocks, float)
        purchases = None if purchases is None else np.asarray(purchases, float)
        k_n = stocks.shape[1] if stocks is not None else purchases.shape[2]
        if stocks is not None and purchases is not None and purchases.shape[2] != k_n:
            raise ValueError(f"{k_n} stock sets but {purchases.shape[2]} purchase sets")
        draws = draws.take(np.tile(np.arange(task.n), k_n))
        added = None if added is None else np.tile(added, (k_n, 1))
        # the sums over runs mix the sets: one block (the per-run summary is what sets are run for)
        out = simulate_market(inp, draws, keep_paths=payload.keep_paths, price_bins=payload.price_bins,
                              sum_block=None, added_supply=added,
                              stock0=None if stocks is None else np.repeat(stocks, task.n, axis=1),
                              purchases=None if purchases is None else np.repeat(purchases, task.n, axis=2))
        return ChunkResult(task, draws, out, cap)
    if payload.engine == "numba":
        from critmin.market.fast import simulate_market_numba

        out = simulate_market_numba(inp, draws, keep_paths=payload.keep_paths, price_bins=payload.price_bins,
                                    sum_block=SAMPLING_BLOCK, added_supply=added, threads=payload.threads)
    elif payload.engine == "numpy":
        out = simulate_market(inp, draws, keep_paths=payload.keep_paths,
                              price_bins=payload.price_bins, sum_block=SAMPLING_BLOCK, added_supply=added)
    else:
        raise ValueError(f"engine {payload.engine!r} is not numpy or numba")
    res = ChunkResult(task, draws, out, cap)
    if payload.columns:
        dtypes = dict(payload.columns)
        cols = {c: np.ascontiguousarray(a, dtype=dtypes[c]) for c, a in chunk_columns(res, inp)}
        res = ChunkResult(task, None, replace(out, summary={}), {}, cols)
    return res


def chunk_columns(res: ChunkResult, inputs: MarketInputs) -> Iterator[tuple[str, np.ndarray]]:
    """The per-run table's columns (but ``run``) of one chunk, as views of its draws and output.

    Parameters
    ----------
    res : ChunkResult
        A chunk's result with its draws and summaries (not already packed into columns).
    inputs : MarketInputs
        The market it ran on (its regions, new-capacity projects and buyers name the columns).

    Yields
    ------
    name : str
        A column of :func:`column_dtypes`.
    values : ndarray
        Its values for the chunk's runs, in the dtype the engine produced.
    """
    out, d = res.output, res.draws
    for c, f in zip(DRAW_COLUMNS, _DRAW_FIELDS, strict=True):
        yield c, getattr(d, f)
    for c in ("peak_price_multiple", "mean_price_multiple", "months_at_choke", "cost_usd_total"):
        yield c, out.summary[c]
    for m in REGION_METRICS:
        arr = out.summary[m]
        for j, r in enumerate(inputs.regions):
            yield f"{m}[{r}]", arr[:, j]
    for i, c in enumerate(inputs.capacity_names):
        yield f"capacity_delay_years[{c}]", res.capacity["delay_years"][:, i]
        yield f"capacity_cancelled[{c}]", res.capacity["cancelled"][:, i]
    if inputs.capacity_names:
        yield "added_supply_t", out.summary["added_supply_t"]
        yield "idle_capacity_t", out.summary["idle_capacity_t"]
    for i, k in enumerate(inputs.buyers if inputs.purchase_t is not None else ()):
        yield f"purchased_t[{k}]", out.summary["purchased_t"][:, i]
        yield f"purchase_cost_usd[{k}]", out.summary["purchase_cost_usd"][:, i]


def numba_available() -> bool:
    """True when the Numba engine can be loaded (Numba installed and importable with this NumPy).

    Imports Numba (about half a second) the first time it is asked.
    """
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return False
    try:
        import critmin.market.fast  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str, runs: int, inputs: MarketInputs) -> tuple[str, str]:
    """The engine a simulation uses, and why.

    Parameters
    ----------
    engine : str
        ``"auto"``, ``"numpy"`` or ``"numba"`` (:data:`ENGINES`).
    runs : int
        Number of runs [runs].
    inputs : MarketInputs

    Returns
    -------
    name : str
        ``"numpy"`` or ``"numba"``.
    reason : str
        One line for the result (``"numba (auto: about 14 s on numpy)"``).

    Raises
    ------
    CritminError
        For ``"numba"`` without Numba installed, or an unknown name.
    """
    if engine not in ENGINES:
        raise CritminError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    if engine == "numpy":
        return "numpy", "numpy"
    if engine == "numba":
        if not numba_available():
            raise CritminError("the numba engine needs Numba: pip install 'critmin[fast]' (or use "
                               "engine numpy)")
        return "numba", "numba"
    est = estimate_seconds(runs, inputs)
    if est < AUTO_NUMBA_S:
        return "numpy", f"numpy (auto: a small job, about {est:.1f} s)"
    if not numba_available():
        return "numpy", "numpy (auto: Numba is not installed)"
    return "numba", f"numba (auto: about {est:.0f} s on numpy)"


def plan_chunks(runs: int, chunk_size: int = DEFAULT_CHUNK) -> list[ChunkTask]:
    """Split ``runs`` into chunks of whole sampling blocks.

    Parameters
    ----------
    runs : int
        Number of runs (>= 1).
    chunk_size : int
        Runs per chunk, rounded up to a multiple of :data:`SAMPLING_BLOCK`.
    """
    if runs < 1:
        raise ValueError("runs must be >= 1")
    size = max(1, math.ceil(chunk_size / SAMPLING_BLOCK)) * SAMPLING_BLOCK
    return [ChunkTask(i, first, min(size, runs - first))
            for i, first in enumerate(range(0, runs, size))]


COMPACT_METRICS = ("shortfall_t", "shortfall_months", "unmet_t", "stock_end_t", "released_t", "refilled_t")
"""Per-region metrics stored in float32 in a compact per-run table: tonnes keep 7 significant digits
(6e-8 relative, 0.01 t of a 100,000 t shortfall: far below the data's own precision, and the reported
quantiles and means are taken in float64 from them), month counts are whole numbers below 2^24 and
exact. ``cost_usd`` stays float64 (USD totals reach 1e10 and are added across regions)."""


def column_dtypes(inputs: MarketInputs, *, compact: bool = True, paired: bool = False) -> dict[str, np.dtype]:
    """The per-run table's columns of :func:`simulate` and their dtypes.

    In a compact table (the default) these are float32: the per-region tonnes and months
    (:data:`COMPACT_METRICS`; quantiles within 1e-7 relative of float64), ``months_at_choke`` (whole
    months: exact), the draws and the capacity delays (parameters given to two or three digits, kept to
    seven; a run's exact draws come back from its seed and index, :func:`draw_runs`). The table of a
    million runs and five regions then takes 218 MiB instead of 367 MiB. Prices, costs, the added supply
    and the purchases stay float64: sums and paired differences of them need it. With ``paired`` (a run
    compared run by run with another, as the purchase counterfactual is) the shortfall stays float64
    too.

    Parameters
    ----------
    inputs : MarketInputs
    compact : bool
        Use float32 where precision allows (else every float column is float64).
    paired : bool
        Keep ``shortfall_t[R]`` in float64 (paired differences).

    Returns
    -------
    dict of str to numpy.dtype
        In column order.
    """
    f64, small = np.dtype(np.float64), np.dtype(np.float32 if compact else np.float64)
    out: dict[str, np.dtype] = {"run": np.dtype(np.int64)}
    for c in DRAW_COLUMNS:
        out[c] = np.dtype(bool) if c == "occurs" else small
    for c in ("peak_price_multiple", "mean_price_multiple", "months_at_choke", "cost_usd_total"):
        out[c] = small if c == "months_at_choke" else f64
    for m in REGION_METRICS:
        dt = small if m in COMPACT_METRICS and not (paired and m == "shortfall_t") else f64
        for r in inputs.regions:
            out[f"{m}[{r}]"] = dt
    for c in inputs.capacity_names:
        out[f"capacity_delay_years[{c}]"] = small
        out[f"capacity_cancelled[{c}]"] = np.dtype(bool)
    if inputs.capacity_names:
        out["added_supply_t"] = f64
        out["idle_capacity_t"] = f64
    for k in (inputs.buyers if inputs.purchase_t is not None else ()):
        out[f"purchased_t[{k}]"] = f64
        out[f"purchase_cost_usd[{k}]"] = f64
    return out


class _Collector:
    """Writes chunk results into preallocated per-run arrays (dtypes of :func:`column_dtypes`); adds the
    chunks' price histograms and per-block sums in chunk order, whatever the order they come in."""

    def __init__(self, runs: int, inputs: MarketInputs, keep_paths: bool,
                 progress: Callable[[int, int], None] | None, *, compact: bool = True,
                 paired: bool = False) -> None:
        self.runs = runs
        self.inputs = inputs
        self.cols: dict[str, np.ndarray] = {
            c: (np.arange(runs, dtype=np.int64) if c == "run" else np.zeros(runs, dt))
            for c, dt in column_dtypes(inputs, compact=compact, paired=paired).items()}
        # price histograms and per-block sums are added in chunk order as soon as the chunks before have
        # come (in-process, at once): one running total, not a copy per chunk (PRICE_BINS x months per
        # chunk, 35 MiB at 1M runs), and the order of the additions, hence the sums, unchanged
        self.hist: np.ndarray | None = None
        self.sums: dict[str, np.ndarray] = {}
        self.pending: dict[int, tuple] = {}
        self.next = 0
        self.paths: dict[int, dict] = {}
        self.keep_paths = keep_paths
        self.done = 0
        self.progress = progress

    def __call__(self, res: ChunkResult) -> None:
        t, out = res.task, res.output
        sl = slice(t.first, t.first + t.n)
        cols = res.columns.items() if res.columns is not None else chunk_columns(res, self.inputs)
        for c, a in cols:
            self.cols[c][sl] = a
        self.pending[t.index] = (out.price_hist, out.sums)
        while self.next in self.pending:
            self._add(*self.pending.pop(self.next))
            self.next += 1
        if self.keep_paths and out.paths is not None:
            self.paths[t.index] = out.paths
        self.done += t.n
        if self.progress is not None:
            self.progress(self.done, self.runs)

    def _add(self, h: np.ndarray | None, s: dict[str, np.ndarray]) -> None:
        if h is not None:
            self.hist = h.copy() if self.hist is None else self.hist + h
        for k, v in s.items():          # per-block sums, added in run order
            for blk in v:
                self.sums[k] = blk.copy() if k not in self.sums else self.sums[k] + blk

    def merged(self):
        for i in sorted(self.pending):  # none left once every chunk has come: a safeguard
            self._add(*self.pending.pop(i))
        hist, sums = self.hist, self.sums
        paths = None
        if self.keep_paths and self.paths:
            keys = self.paths[min(self.paths)].keys()
            paths = {k: np.concatenate([self.paths[i][k] for i in sorted(self.paths)]) for k in keys}
        return hist, sums, paths


def row_bytes(inputs: MarketInputs, *, compact: bool = True, paired: bool = False) -> int:
    """Bytes of one run's row in the per-run table of :func:`simulate` (:func:`column_dtypes`) [bytes]."""
    return sum(dt.itemsize for dt in column_dtypes(inputs, compact=compact, paired=paired).values())


def _check_runs_fit(runs: int, inputs: MarketInputs, keep_paths: bool, chunk_size: int, *,
                    compact: bool = True, paired: bool = False) -> None:
    """Refuse, before allocating, a run count whose per-run table cannot fit in memory."""
    from critmin.market.memory import check_memory, simulation_bytes

    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be a whole number >= 1, got {runs!r}")
    row = row_bytes(inputs, compact=compact, paired=paired)
    per_run = row + (inputs.horizon * (3 + 6 * len(inputs.regions)) * 8 if keep_paths else 0)
    need = simulation_bytes(runs, columns_bytes_per_run=row, horizon=inputs.horizon,
                            regions=len(inputs.regions), suppliers=len(inputs.suppliers),
                            chunk_size=chunk_size, keep_paths=keep_paths)
    check_memory(need, what=f"a simulation of {runs:,} runs", per_run=per_run, runs=runs)


def estimate_seconds(runs: int, inputs: MarketInputs, engine: str = "numpy") -> float:
    """Estimated in-process time of a simulation [s], from :data:`NS_PER_SCENARIO_MONTH` (or, for
    ``engine="numba"``, :data:`NS_PER_SCENARIO_MONTH_NUMBA`) scaled by the market's size (suppliers +
    2 x regions, relative to the benchmark market's 21)."""
    size = (len(inputs.suppliers) + 2 * len(inputs.regions)) / 21.0
    ns = NS_PER_SCENARIO_MONTH_NUMBA if engine == "numba" else NS_PER_SCENARIO_MONTH
    return runs * inputs.horizon * ns * max(size, 0.5) * 1e-9


def _choose_runner(runner, runs: int, inputs: MarketInputs, small_in_process: bool = True,
                   engine: str = "numpy"):
    """The runner to use: ``runner``, or this process when the job is too small to pay for starting a
    pool or a local cluster (:data:`SMALL_JOB_S`); the name says which and why."""
    from critmin.market.runners import DaskRunner, InProcessRunner, ProcessPoolRunner

    if runner is None:
        return InProcessRunner()
    starts_something = isinstance(runner, ProcessPoolRunner) or (
        isinstance(runner, DaskRunner) and runner.scheduler is None and runner.client is None
        and runner._cluster is None)
    est = estimate_seconds(runs, inputs, engine)
    if small_in_process and starts_something and est < SMALL_JOB_S:
        small = InProcessRunner()
        small.name = (f"in-process (small job: about {est:.2f} s here, less than starting "
                      f"{runner.name} would cost)")
        return small
    return runner


def simulate(
    spec: ScenarioSpec | str | Path,
    *,
    runs: int = 10_000,
    seed: int | None = None,
    baseline=None,
    warehouse=None,
    runner=None,
    chunk_size: int = DEFAULT_CHUNK,
    keep_paths: bool = False,
    progress: Callable[[int, int], None] | None = None,
    small_in_process: bool = True,
    purchase_counterfactual: bool = True,
    engine: str | None = None,
    compact: bool = True,
):
    """Monte Carlo simulation of a disruption scenario.

    Parameters
    ----------
    spec : ScenarioSpec, str or Path
        The scenario, or its TOML file.
    runs : int
        Number of runs [runs].
    seed : int, optional
        Root seed; default: fresh entropy (recorded in the result so the run can be repeated).
    baseline : Baseline, optional
        The month-0 baseline; default: built from ``warehouse``.
    warehouse : Warehouse, optional
        Where the baseline is built from when ``baseline`` is not given; default: the user's
        warehouse, opened read-only (:func:`critmin.warehouse.default_warehouse`).
    runner : runner, optional
        Where chunks run (:class:`~critmin.market.runners.InProcessRunner` by default,
        :class:`~critmin.market.runners.ProcessPoolRunner`, :class:`~critmin.market.runners.DaskRunner`).
    chunk_size : int
        Runs per chunk [runs] (bounds memory; does not change the numbers).
    keep_paths : bool
        Keep every run's monthly paths (small runs only).
    progress : callable, optional
        Called as ``progress(done_runs, total_runs)`` after each chunk.
    small_in_process : bool
        Run a job estimated under :data:`SMALL_JOB_S` in this process even if ``runner`` would start a
        pool or a local cluster (the result's ``runner`` says so). The numbers are the same either way.
    purchase_counterfactual : bool
        When the scenario has ``[[purchase]]`` entries, also run it without them (same seed, so the
        same draws: common random numbers) and attach the paired differences, the price impact of
        the purchases and who is short because of them, as ``purchase_impact``.
    engine : str, optional
        ``"auto"``, ``"numpy"`` or ``"numba"`` (:data:`ENGINES`); default: the scenario's
        ``[market] engine`` (``"auto"``). The result's ``engine`` says which ran and why. The engines
        agree to 1e-9 relative; a given seed and run count always get the same engine under ``auto``.
    compact : bool
        Store the draws, months and per-region tonnes in float32 (:func:`column_dtypes`); False
        keeps every float column in float64.

    Returns
    -------
    SimulationResult

    Raises
    ------
    CritminError
        For ``engine="numba"`` without Numba installed.
    """
    from critmin.market.results import purchase_impact

    if not isinstance(spec, ScenarioSpec):
        spec = load_scenario(spec)
    if baseline is None:
        from critmin.market.baseline import build_baseline

        if warehouse is None:
            from critmin.warehouse import default_warehouse

            with default_warehouse() as wh:
                baseline = build_baseline(spec, wh)
        else:
            baseline = build_baseline(spec, warehouse)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    if seed < 0:
        raise ValueError("seed must be >= 0")
    inputs = MarketInputs.from_spec(spec, baseline)
    twice = purchase_counterfactual and bool(inputs.buyers)
    _check_runs_fit(runs, inputs, keep_paths, chunk_size, compact=compact, paired=twice)
    eng, why = resolve_engine(spec.market.engine if engine is None else engine, runs, inputs)
    runner = _choose_runner(runner, runs, inputs, small_in_process, eng)
    total = 2 * runs if twice else runs
    res = _run(spec, baseline, inputs, runs, int(seed), runner, chunk_size, keep_paths, eng, why, compact,
               twice, None if progress is None else (lambda d, _t: progress(d, total)))
    if twice:
        spec0 = spec.with_overrides(purchase=[])
        without = _run(spec0, baseline, MarketInputs.from_spec(spec0, baseline), runs, int(seed), runner,
                       chunk_size, keep_paths, eng, why, compact, True,
                       None if progress is None else (lambda d, _t: progress(runs + d, total)))
        res.purchase_impact = purchase_impact(res, without)
        res.elapsed_s += without.elapsed_s
    return res


def _run(spec: ScenarioSpec, baseline, inputs: MarketInputs, runs: int, seed: int, runner, chunk_size: int,
         keep_paths: bool, engine: str, engine_note: str, compact: bool, paired: bool, progress):
    """One simulation on a chosen runner and engine (:func:`simulate` without the checks)."""
    from critmin.market.additions import capacity_entries
    from critmin.market.results import SimulationResult, build_assumptions
    from critmin.market.runners import InProcessRunner

    kept, cap_notes = capacity_entries(spec, baseline)
    here = isinstance(runner, InProcessRunner)
    # other processes send the table's columns, cast there (fewer bytes; the caller only copies them)
    columns = () if here else tuple((c, dt.str) for c, dt in column_dtypes(
        inputs, compact=compact, paired=paired).items() if c != "run")
    payload = EnginePayload(inputs=inputs, params=spec.random_params(), seed=seed, keep_paths=keep_paths,
                            capacity=tuple((c.delay_years, float(c.cancel_probability)) for c in kept),
                            engine=engine, threads=None if here else 1, columns=columns)
    tasks = plan_chunks(runs, chunk_size)
    collect = _Collector(runs, inputs, keep_paths, progress, compact=compact, paired=paired)
    t0 = time.perf_counter()
    runner.run(run_chunk, payload, tasks, collect)
    elapsed = time.perf_counter() - t0
    hist, sums, paths = collect.merged()
    return SimulationResult(
        spec=spec, baseline=baseline, inputs=inputs, runs=runs, seed=seed,
        runner=getattr(runner, "name", type(runner).__name__), chunk_size=tasks[0].n,
        elapsed_s=elapsed, columns=collect.cols, price_hist=hist, sums=sums, paths=paths,
        assumptions=build_assumptions(spec, baseline, inputs), extra_notes=cap_notes, engine=engine_note,
    )
