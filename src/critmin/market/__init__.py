"""Market disruption model and Monte Carlo simulator (docs/methods.md §4).

>>> from critmin.market import load_scenario, simulate
>>> from critmin.warehouse import open_warehouse
>>> with open_warehouse() as wh:                                          # doctest: +SKIP
...     res = simulate("examples/scenarios/ree-2010-quota.toml", runs=2000, seed=1, warehouse=wh)
>>> res.to_dict()["price_peak_multiple"]                                  # doctest: +SKIP

Modules: :mod:`~critmin.market.spec` (TOML scenarios), :mod:`~critmin.market.baseline` (month-0
supply, demand and price from the warehouse), :mod:`~critmin.market.model` (the vectorised monthly
model, the NumPy engine), :mod:`~critmin.market.fast` (the same model compiled with Numba, the optional
``[fast]`` extra), :mod:`~critmin.market.draws` (what goes into and comes out of either engine),
:mod:`~critmin.market.engine` (reproducible Monte Carlo in chunks, on either engine),
:mod:`~critmin.market.runners` (in-process, process pool, Dask), :mod:`~critmin.market.reference`
(a plain per-scenario loop of the same model, for checks), :mod:`~critmin.market.results`,
:mod:`~critmin.market.sweep` (one parameter swept with common random numbers).
"""

from critmin.market.baseline import Baseline, Region, Supplier, baseline_from_data, build_baseline
from critmin.market.engine import draw_runs, simulate
from critmin.market.model import Draws, MarketInputs, MarketOutput, simulate_market, solve_clearing
from critmin.market.reference import reference_market
from critmin.market.results import SimulationResult
from critmin.market.runners import DaskRunner, InProcessRunner, ProcessPoolRunner, get_runner
from critmin.market.spec import ScenarioSpec, load_scenario
from critmin.market.sweep import SweepResult, parse_sweep, run_sweep

__all__ = [
    "Baseline",
    "Region",
    "Supplier",
    "baseline_from_data",
    "build_baseline",
    "draw_runs",
    "simulate",
    "Draws",
    "MarketInputs",
    "MarketOutput",
    "simulate_market",
    "solve_clearing",
    "reference_market",
    "SimulationResult",
    "DaskRunner",
    "InProcessRunner",
    "ProcessPoolRunner",
    "get_runner",
    "ScenarioSpec",
    "load_scenario",
    "SweepResult",
    "parse_sweep",
    "run_sweep",
]
