"""The simulations of a stockpile plan: the region's shortfall with each stock tried (issue 16 item 4).

:class:`Setup` holds what one material's simulations need; :func:`evaluate` simulates every run with one
stock and :func:`evaluate_many` several stocks (all > 0) in one engine call per chunk of runs, each run
with its own starting stock (the same draws for each: common random numbers), equal to :func:`evaluate`
bit for bit; :class:`Evaluator` runs a round of (material, stock) simulations in this process (a
material's stocks together) or on a pool of processes. :mod:`critmin.stockpile.job` builds the curves
from them.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import math
import multiprocessing as mp
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np

from critmin.market.engine import SAMPLING_BLOCK, EnginePayload, plan_chunks, run_chunk
from critmin.market.model import MarketInputs

__all__ = ["P95", "Evaluator", "Setup", "evaluate", "evaluate_many", "statistics"]

_CHUNK = 16 * SAMPLING_BLOCK
_BATCH_RUNS = 16 * SAMPLING_BLOCK
"""Most runs of one engine call when several stocks are simulated together (stocks x runs per chunk)."""
P95 = 0.95
"""The shortfall quantile the plan reports beside the mean (and the disruption it shows)."""


@dataclass(frozen=True)
class Setup:
    """What one material's simulations need (picklable; sent to worker processes)."""

    material: str
    inputs: MarketInputs
    params: dict
    seed: int
    runs: int
    j: int


def evaluate(setup: Setup, stock_t: float, keep: bool = False) -> dict:
    """Simulate every run with the region holding ``stock_t`` [t]; summary statistics of its shortfall."""
    stock0 = setup.inputs.stock0.copy()
    stock0[setup.j] = stock_t
    inputs = dataclasses.replace(setup.inputs, stock0=stock0)
    payload = EnginePayload(inputs=inputs, params=setup.params, seed=setup.seed, price_bins=0)
    n = setup.runs
    sf, rel, end = np.empty(n), np.empty(n), np.empty(n)
    for task in plan_chunks(n, _CHUNK):
        out = run_chunk(payload, task).output.summary
        sl = slice(task.first, task.first + task.n)
        sf[sl] = out["shortfall_t"][:, setup.j]
        rel[sl] = out["released_t"][:, setup.j]
        end[sl] = out["stock_end_t"][:, setup.j]
    return statistics(setup, stock_t, sf, rel, end, keep)


def evaluate_many(setup: Setup, stocks: list[float], keep: list[bool]) -> list[dict]:
    """:func:`evaluate` of several stocks, all > 0 [t], simulated together: each chunk of runs once
    per stock in one engine call (:func:`critmin.market.engine.run_chunk` with ``stocks``), the same
    draws for each; every figure equals :func:`evaluate`'s bit for bit (each run is simulated on its
    own values), in a fraction of the time (one call's fixed cost instead of one per stock)."""
    if min(stocks) <= 0:
        raise ValueError("stocks simulated together must be > 0 [t]")
    base = setup.inputs.stock0.copy()
    base[setup.j] = stocks[0]
    inputs = dataclasses.replace(setup.inputs, stock0=base)
    payload = EnginePayload(inputs=inputs, params=setup.params, seed=setup.seed, price_bins=0)
    n, k_n = setup.runs, len(stocks)
    sf, rel, end = np.empty((k_n, n)), np.empty((k_n, n)), np.empty((k_n, n))
    for task in plan_chunks(n, _CHUNK):
        sl = slice(task.first, task.first + task.n)
        per = max(1, _BATCH_RUNS // task.n)
        for b in range(0, k_n, per):
            ks = list(range(b, min(b + per, k_n)))
            sets = np.repeat(base[:, None], len(ks), axis=1)
            sets[setup.j] = [stocks[k] for k in ks]
            out = run_chunk(payload, task, stocks=sets).output.summary
            for i, k in enumerate(ks):
                rows = slice(i * task.n, (i + 1) * task.n)
                sf[k, sl] = out["shortfall_t"][rows, setup.j]
                rel[k, sl] = out["released_t"][rows, setup.j]
                end[k, sl] = out["stock_end_t"][rows, setup.j]
    return [statistics(setup, s, sf[k], rel[k], end[k], keep[k]) for k, s in enumerate(stocks)]


def statistics(setup: Setup, stock_t: float, sf: np.ndarray, rel: np.ndarray, end: np.ndarray,
               keep: bool) -> dict:
    """Summary statistics of the region's shortfall ``sf``, release ``rel`` and stock left ``end`` per run
    [t] with ``stock_t`` [t]; the runs' shortfalls and releases too with ``keep``."""
    n = setup.runs
    if stock_t > 0:
        out_of_stock = end <= 1e-9 * stock_t
    else:
        out_of_stock = sf > 1e-9 * max(float(setup.inputs.demand_t[setup.j]), 1e-300)
    p50, p95 = np.quantile(sf, [0.5, P95]).tolist()
    res = {"stock_t": float(stock_t), "expected_shortfall_t": float(sf.mean()),
           "shortfall_se_t": float(sf.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan,
           "p_stockout": float(out_of_stock.mean()), "released_mean_t": float(rel.mean()),
           "released_max_t": float(rel.max()), "shortfall_p50_t": p50,
           "shortfall_p95_t": p95}
    if keep:
        res["shortfall"] = sf
        res["released"] = rel
    return res


def _task(payload: dict[str, Setup], task: tuple[str, float, bool]) -> tuple[str, float, dict]:
    m, s, keep = task
    return m, s, evaluate(payload[m], s, keep)


class Evaluator:
    """Runs batches of (material, stock) simulations in this process or on a pool of processes."""

    def __init__(self, setups: dict[str, Setup], workers: int, stack: ExitStack,
                 progress: Callable[[int, int], None] | None) -> None:
        self.setups = setups
        self.ex = None
        if workers > 1:
            from critmin.market.runners import _children_skip_main

            stack.enter_context(_children_skip_main())
            self.ex = stack.enter_context(cf.ProcessPoolExecutor(max_workers=workers,
                                                                 mp_context=mp.get_context("spawn")))
        self.progress = progress
        self.done = 0
        self.total = 0

    def run(self, tasks: list[tuple[str, float, bool]],
            expect_more: int = 0) -> list[tuple[str, float, dict]]:
        self.total = max(self.total, self.done + len(tasks) + expect_more)
        out = []
        if self.ex is None:
            # a material's stocks > 0 simulated together (evaluate_many), a stock of 0 on its own
            done: dict[int, tuple[str, float, dict]] = {}
            for m in dict.fromkeys(t[0] for t in tasks):
                idx = [i for i, t in enumerate(tasks) if t[0] == m and t[1] > 0]
                if idx:
                    res = evaluate_many(self.setups[m], [tasks[i][1] for i in idx],
                                        [tasks[i][2] for i in idx])
                    done.update({i: (m, tasks[i][1], r) for i, r in zip(idx, res, strict=True)})
            for i, t in enumerate(tasks):
                out.append(done[i] if i in done else _task(self.setups, t))
                self._tick()
        else:
            futs = [self.ex.submit(_task, {t[0]: self.setups[t[0]]}, t) for t in tasks]
            for f in futs:
                out.append(f.result())
                self._tick()
        return out

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
