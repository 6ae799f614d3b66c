"""Monte Carlo over the market model: reproducible draws, chunks, runners, merged summaries.

Reproducibility. Runs are drawn in fixed blocks of :data:`SAMPLING_BLOCK` runs; block ``b`` has its own
stream, ``numpy.random.SeedSequence(seed, spawn_key=(b,))`` (the b-th child of the root sequence), and
draws one row of uniform numbers per parameter of :data:`critmin.market.spec.RANDOM_PARAMS`; each
parameter is sampled by inverse CDF from its row. A chunk (the unit of work sent to a worker) is a
whole number of blocks, so the numbers depend only on the seed and the run's index: not on the chunk
size, the number of workers, or which worker ran which chunk. Per-run summaries are written into their
run's row; sums over runs are added in chunk order. Hence the same seed gives the same numbers,
bit for bit, in-process, on a process pool and on Dask.

Memory is bounded by the chunk size (work arrays ~ chunk x (suppliers + 10 x regions) x 8 bytes) plus
the per-run summary table (runs x (14 + 7 x regions) x 8 bytes: 0.4 GB for a million runs and five
regions; the benchmark measured 0.7 GB peak resident memory for that run). Full monthly paths are kept
only on request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from critmin.market.model import REGION_METRICS, Draws, MarketInputs, MarketOutput, simulate_market
from critmin.market.spec import RANDOM_PARAMS, Param, ScenarioSpec, load_scenario, sample_param

__all__ = [
    "SAMPLING_BLOCK",
    "DEFAULT_CHUNK",
    "PRICE_BINS",
    "ChunkTask",
    "ChunkResult",
    "EnginePayload",
    "draw_runs",
    "run_chunk",
    "plan_chunks",
    "simulate",
    "DRAW_COLUMNS",
    "estimate_seconds",
    "SMALL_JOB_S",
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
    """What every chunk needs (sent once per chunk; small)."""

    inputs: MarketInputs
    params: dict[str, Param]
    seed: int
    keep_paths: bool = False
    price_bins: int = PRICE_BINS


@dataclass(frozen=True)
class ChunkTask:
    """Runs ``first .. first + n - 1``; ``first`` is a multiple of :data:`SAMPLING_BLOCK`."""

    index: int
    first: int
    n: int


@dataclass
class ChunkResult:
    """The draws and model output of one chunk."""

    task: ChunkTask
    draws: Draws
    output: MarketOutput


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


def run_chunk(payload: EnginePayload, task: ChunkTask) -> ChunkResult:
    """Draw and simulate one chunk (the function workers run)."""
    draws = draw_runs(payload.params, payload.seed, task.first, task.n)
    out = simulate_market(payload.inputs, draws, keep_paths=payload.keep_paths,
                          price_bins=payload.price_bins, sum_block=SAMPLING_BLOCK)
    return ChunkResult(task, draws, out)


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


class _Collector:
    """Writes chunk results into preallocated per-run arrays; keeps sums for ordered addition."""

    def __init__(self, runs: int, inputs: MarketInputs, keep_paths: bool,
                 progress: Callable[[int, int], None] | None) -> None:
        self.runs = runs
        self.regions = inputs.regions
        self.cols: dict[str, np.ndarray] = {"run": np.arange(runs, dtype=np.int64)}
        for c in DRAW_COLUMNS:
            self.cols[c] = np.zeros(runs, bool if c == "occurs" else float)
        for c in ("peak_price_multiple", "mean_price_multiple", "months_at_choke", "cost_usd_total"):
            self.cols[c] = np.zeros(runs)
        for m in REGION_METRICS:
            for r in self.regions:
                self.cols[f"{m}[{r}]"] = np.zeros(runs)
        self.parts: dict[int, tuple] = {}
        self.paths: dict[int, dict] = {}
        self.keep_paths = keep_paths
        self.done = 0
        self.progress = progress

    def __call__(self, res: ChunkResult) -> None:
        t, out, d = res.task, res.output, res.draws
        sl = slice(t.first, t.first + t.n)
        for c, f in zip(DRAW_COLUMNS, _DRAW_FIELDS, strict=True):
            self.cols[c][sl] = getattr(d, f)
        for c in ("peak_price_multiple", "mean_price_multiple", "months_at_choke", "cost_usd_total"):
            self.cols[c][sl] = out.summary[c]
        for m in REGION_METRICS:
            arr = out.summary[m]
            for j, r in enumerate(self.regions):
                self.cols[f"{m}[{r}]"][sl] = arr[:, j]
        self.parts[t.index] = (out.price_hist, out.sums)
        if self.keep_paths and out.paths is not None:
            self.paths[t.index] = out.paths
        self.done += t.n
        if self.progress is not None:
            self.progress(self.done, self.runs)

    def merged(self):
        hist = None
        sums: dict[str, np.ndarray] = {}
        for i in sorted(self.parts):
            h, s = self.parts[i]
            if h is not None:
                hist = h.copy() if hist is None else hist + h
            for k, v in s.items():          # per-block sums, added in run order
                for blk in v:
                    sums[k] = blk.copy() if k not in sums else sums[k] + blk
        paths = None
        if self.keep_paths and self.paths:
            keys = self.paths[min(self.paths)].keys()
            paths = {k: np.concatenate([self.paths[i][k] for i in sorted(self.paths)]) for k in keys}
        return hist, sums, paths


def row_bytes(inputs: MarketInputs) -> int:
    """Bytes of one run's row in the per-run table of :func:`simulate` [bytes]."""
    n_float = (len(DRAW_COLUMNS) - 1) + 4 + len(REGION_METRICS) * len(inputs.regions)
    return 8 + 1 + 8 * n_float  # run index, occurs, the floats


def _check_runs_fit(runs: int, inputs: MarketInputs, keep_paths: bool, chunk_size: int) -> None:
    """Refuse, before allocating, a run count whose per-run table cannot fit in memory."""
    from critmin.market.memory import check_memory, simulation_bytes

    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be a whole number >= 1, got {runs!r}")
    per_run = row_bytes(inputs) + (inputs.horizon * (2 + 6 * len(inputs.regions)) * 8 if keep_paths else 0)
    need = simulation_bytes(runs, columns_bytes_per_run=row_bytes(inputs), horizon=inputs.horizon,
                            regions=len(inputs.regions), suppliers=len(inputs.suppliers),
                            chunk_size=chunk_size, keep_paths=keep_paths)
    check_memory(need, what=f"a simulation of {runs:,} runs", per_run=per_run, runs=runs)


def estimate_seconds(runs: int, inputs: MarketInputs) -> float:
    """Estimated in-process time of a simulation [s], from :data:`NS_PER_SCENARIO_MONTH` scaled by the
    market's size (suppliers + 2 x regions, relative to the benchmark market's 21)."""
    size = (len(inputs.suppliers) + 2 * len(inputs.regions)) / 21.0
    return runs * inputs.horizon * NS_PER_SCENARIO_MONTH * max(size, 0.5) * 1e-9


def _choose_runner(runner, runs: int, inputs: MarketInputs, small_in_process: bool = True):
    """The runner to use: ``runner``, or this process when the job is too small to pay for starting a
    pool or a local cluster (:data:`SMALL_JOB_S`); the name says which and why."""
    from critmin.market.runners import DaskRunner, InProcessRunner, ProcessPoolRunner

    if runner is None:
        return InProcessRunner()
    starts_something = isinstance(runner, ProcessPoolRunner) or (
        isinstance(runner, DaskRunner) and runner.scheduler is None and runner.client is None
        and runner._cluster is None)
    est = estimate_seconds(runs, inputs)
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

    Returns
    -------
    SimulationResult
    """
    from critmin.market.results import SimulationResult, build_assumptions

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
    runner = _choose_runner(runner, runs, inputs, small_in_process)
    payload = EnginePayload(inputs=inputs, params=spec.random_params(), seed=int(seed),
                            keep_paths=keep_paths)
    _check_runs_fit(runs, inputs, keep_paths, chunk_size)
    tasks = plan_chunks(runs, chunk_size)
    collect = _Collector(runs, inputs, keep_paths, progress)
    t0 = time.perf_counter()
    runner.run(run_chunk, payload, tasks, collect)
    elapsed = time.perf_counter() - t0
    hist, sums, paths = collect.merged()
    return SimulationResult(
        spec=spec, baseline=baseline, inputs=inputs, runs=runs, seed=int(seed),
        runner=getattr(runner, "name", type(runner).__name__), chunk_size=tasks[0].n,
        elapsed_s=elapsed, columns=collect.cols, price_hist=hist, sums=sums, paths=paths,
        assumptions=build_assumptions(spec, baseline, inputs),
    )
