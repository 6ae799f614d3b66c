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

Memory is bounded by the chunk size (work arrays ~ chunk x (suppliers + 10 x regions) x 8 bytes) plus
the per-run summary table (runs x (14 + 7 x regions) x 8 bytes: 0.4 GB for a million runs and five
regions; the benchmark measured 0.7 GB peak resident memory for that run). Full monthly paths are kept
only on request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from critmin.market.additions import capacity_supply
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
    "draw_capacity",
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
    """What every chunk needs (sent once per chunk; small).

    ``capacity`` holds, per new-capacity project of ``inputs`` (same order), its delay distribution
    [years] and cancellation probability [1].
    """

    inputs: MarketInputs
    params: dict[str, Param]
    seed: int
    keep_paths: bool = False
    price_bins: int = PRICE_BINS
    capacity: tuple[tuple[Param, float], ...] = ()


@dataclass(frozen=True)
class ChunkTask:
    """Runs ``first .. first + n - 1``; ``first`` is a multiple of :data:`SAMPLING_BLOCK`."""

    index: int
    first: int
    n: int


@dataclass
class ChunkResult:
    """The draws and model output of one chunk (``capacity``: per project, its delay [years] and
    cancellation in each run, shape (n, C) each; empty without new capacity)."""

    task: ChunkTask
    draws: Draws
    output: MarketOutput
    capacity: dict[str, np.ndarray] = field(default_factory=dict)


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


def run_chunk(payload: EnginePayload, task: ChunkTask) -> ChunkResult:
    """Draw and simulate one chunk (the function workers run)."""
    draws = draw_runs(payload.params, payload.seed, task.first, task.n)
    inp = payload.inputs
    added, cap = None, {}
    if inp.has_capacity:
        delay, cancelled = draw_capacity(payload.capacity, payload.seed, task.first, task.n)
        start = inp.capacity_start[None, :] + 12.0 * delay
        added = capacity_supply(inp.capacity_t, start, inp.capacity_ramp, ~cancelled, inp.horizon)
        cap = {"delay_years": delay, "cancelled": cancelled}
    out = simulate_market(inp, draws, keep_paths=payload.keep_paths,
                          price_bins=payload.price_bins, sum_block=SAMPLING_BLOCK, added_supply=added)
    return ChunkResult(task, draws, out, cap)


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
        self.capacity = inputs.capacity_names
        for c in self.capacity:
            self.cols[f"capacity_delay_years[{c}]"] = np.zeros(runs)
            self.cols[f"capacity_cancelled[{c}]"] = np.zeros(runs, bool)
        if self.capacity:
            self.cols["added_supply_t"] = np.zeros(runs)
            self.cols["idle_capacity_t"] = np.zeros(runs)
        self.buyers = inputs.buyers if inputs.purchase_t is not None else ()
        for k in self.buyers:
            self.cols[f"purchased_t[{k}]"] = np.zeros(runs)
            self.cols[f"purchase_cost_usd[{k}]"] = np.zeros(runs)
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
        for i, c in enumerate(self.capacity):
            self.cols[f"capacity_delay_years[{c}]"][sl] = res.capacity["delay_years"][:, i]
            self.cols[f"capacity_cancelled[{c}]"][sl] = res.capacity["cancelled"][:, i]
        if self.capacity:
            self.cols["added_supply_t"][sl] = out.summary["added_supply_t"]
            self.cols["idle_capacity_t"][sl] = out.summary["idle_capacity_t"]
        for i, k in enumerate(self.buyers):
            self.cols[f"purchased_t[{k}]"][sl] = out.summary["purchased_t"][:, i]
            self.cols[f"purchase_cost_usd[{k}]"][sl] = out.summary["purchase_cost_usd"][:, i]
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
    n_cap = len(inputs.capacity_names)
    buyers = inputs.buyers if inputs.purchase_t is not None else ()
    n_float = ((len(DRAW_COLUMNS) - 1) + 4 + len(REGION_METRICS) * len(inputs.regions)
               + n_cap + (2 if n_cap else 0) + 2 * len(buyers))
    return 8 + 1 + n_cap + 8 * n_float  # run index, occurs and cancellations (bool), the floats


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
    purchase_counterfactual: bool = True,
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

    Returns
    -------
    SimulationResult
    """
    from critmin.market.additions import capacity_entries
    from critmin.market.results import SimulationResult, build_assumptions, purchase_impact

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
    kept, cap_notes = capacity_entries(spec, baseline)
    payload = EnginePayload(inputs=inputs, params=spec.random_params(), seed=int(seed),
                            keep_paths=keep_paths,
                            capacity=tuple((c.delay_years, float(c.cancel_probability)) for c in kept))
    _check_runs_fit(runs, inputs, keep_paths, chunk_size)
    twice = purchase_counterfactual and bool(inputs.buyers)
    total = 2 * runs if twice else runs
    tasks = plan_chunks(runs, chunk_size)
    collect = _Collector(runs, inputs, keep_paths,
                         None if progress is None else (lambda d, _t: progress(d, total)))
    t0 = time.perf_counter()
    runner.run(run_chunk, payload, tasks, collect)
    elapsed = time.perf_counter() - t0
    hist, sums, paths = collect.merged()
    res = SimulationResult(
        spec=spec, baseline=baseline, inputs=inputs, runs=runs, seed=int(seed),
        runner=getattr(runner, "name", type(runner).__name__), chunk_size=tasks[0].n,
        elapsed_s=elapsed, columns=collect.cols, price_hist=hist, sums=sums, paths=paths,
        assumptions=build_assumptions(spec, baseline, inputs), extra_notes=cap_notes,
    )
    if twice:
        without = simulate(spec.with_overrides(purchase=[]), runs=runs, seed=int(seed), baseline=baseline,
                           runner=runner, chunk_size=chunk_size, purchase_counterfactual=False,
                           small_in_process=small_in_process,
                           progress=None if progress is None else (lambda d, _t: progress(runs + d, total)))
        res.purchase_impact = purchase_impact(res, without)
        res.elapsed_s += without.elapsed_s
    return res
