"""Buying the stock: its cost with the price the purchases themselves cause (docs/methods.md §7).

A stock of Q tonnes bought evenly over m months is extra, price-inelastic demand ``Q / m`` per month
of the buying region (a ``[[purchase]]`` of the market model, :mod:`critmin.market.model`), simulated
on the region's planning scenario in a calm market: its baseline and market behaviour, no export
restriction (the stock is built in normal times), the other regions' stocks as in the file, the
region's own stock left out (it is the one being built). Per run (the behavioural parameters drawn
as in the scenario, the same draws for every schedule: common random numbers):

    purchase cost with impact  K_s(m) = sum_t P_s(t) Q/m      >= P0 Q   (P >= P0 in this model)

The schedule trades that impact against the cost of buying early. The model (stated, simple):

* the stock must be complete on a given date; buying over m months starts m months before it, and
  tranches bought evenly are held, on average, m/2 months before that date: the holding cost of
  buying early is ``h Q m / 24`` [USD], with ``h`` the planner's holding cost [USD/t/yr];
* the total ``E[K(m)] + h Q m / 24`` is minimised over a grid of schedules (:data:`BUILD_MONTHS`, and
  the one asked for);
* the risk of being caught short while building is not priced (at the optimal stock it is, at the
  margin, worth the holding cost of the missing tonnes, which the early-buying term already counts);
* the purchases move the price only while they last; the market's long-run adjustment
  (substitution, new capacity) is tied to a disruption in this model and does not start for a
  purchase, so the impact of long builds is an upper bound.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.market.engine import EnginePayload, plan_chunks, run_chunk
from critmin.market.model import FTOL_REL, MarketInputs, calm_excess_demand
from critmin.market.results import quantile_summary as _q
from critmin.market.spec import ScenarioSpec

__all__ = ["BUILD_MONTHS", "BuildCost", "BuildPlan", "build_spec", "build_cost", "build_costs",
           "build_plan", "early_holding_cost", "plan_of", "schedules"]

BUILD_MONTHS = (1, 2, 3, 4, 6, 9, 12, 18, 24, 30, 36, 48, 60)
"""Build schedules compared [months]."""

_CHUNK = 16 * 1024
_GROUP_BUILDS = 8
"""Most builds simulated in one engine call (its runs: builds x runs per chunk)."""
_CALL_RUNS = 1500
"""A month of an engine call costs about as much as this many runs' months besides its runs' own (NumPy's
fixed cost per operation; measured on the planning scenarios at 2,000 runs): what grouping builds
saves."""


def early_holding_cost(stock_t: float, months: float, holding_usd_per_t_year: float) -> float:
    """Holding cost of buying ``stock_t`` evenly over ``months`` before the date it must be complete:
    ``h Q m / 24`` [USD] (the average tonne is held m/2 months early).

    Parameters
    ----------
    stock_t : float
        Q [t].
    months : float
        m [months].
    holding_usd_per_t_year : float
        h [USD/t/yr].
    """
    return float(holding_usd_per_t_year) * float(stock_t) * float(months) / 24.0


def build_spec(spec: ScenarioSpec, region: str, stock_t: float, months: float) -> ScenarioSpec:
    """The calm-market variant of a scenario in which ``region`` buys ``stock_t`` [t] over ``months``.

    No disruption (probability 0), the region's own stock removed, no other purchases or capacity,
    one purchase from month 0, horizon the length of the purchase (the price is back at P0 after it).
    """
    d = spec.disruption.model_dump()
    d["probability"] = 0.0
    stocks = {k: v.model_dump(exclude_none=True) for k, v in spec.stockpiles.items() if k != region}
    purchase = [{"name": f"{region} stock build", "region": region, "tonnes": float(stock_t),
                 "start_month": 0.0, "months": float(months),
                 "note": "stockpile planner: the stock bought on the market"}]
    return spec.with_overrides(disruption=d, stockpiles=stocks, purchase=purchase, capacity=[],
                               horizon_months=max(1, math.ceil(months)))


@dataclass(frozen=True)
class BuildCost:
    """The cost of buying one stock over one schedule.

    Attributes
    ----------
    months : float
        Length of the buying [months].
    stock_t : float
        Q [t].
    cost_at_p0_usd : float
        ``P0 Q`` [USD].
    cost_usd : dict
        ``sum_t P(t) Q/m`` over runs: p05, p50, p95, mean [USD].
    impact_usd : float
        Mean of ``sum_t (P(t) - P0) x bought(t)`` [USD] (>= 0): the cost with impact minus ``P0 Q``.
    holding_early_usd : float
        ``h Q m / 24`` [USD].
    total_usd : float
        Mean cost with impact plus the early holding cost [USD].
    peak_price_multiple : dict
        Peak P/P0 while buying: p05, p50, p95, mean [1].
    bought_share : float
        Mean share of Q actually bought (1 unless the purchase meets an empty market at the choke).
    """

    months: float
    stock_t: float
    cost_at_p0_usd: float
    cost_usd: dict
    impact_usd: float
    holding_early_usd: float
    total_usd: float
    peak_price_multiple: dict
    bought_share: float

    def to_dict(self) -> dict:
        return {"months": self.months, "stock_t": self.stock_t, "cost_at_p0_usd": self.cost_at_p0_usd,
                "cost_with_impact_usd": dict(self.cost_usd), "impact_usd": self.impact_usd,
                "impact_share": self.impact_usd / self.cost_at_p0_usd if self.cost_at_p0_usd > 0 else 0.0,
                "holding_early_usd": self.holding_early_usd, "total_usd": self.total_usd,
                "peak_price_multiple": dict(self.peak_price_multiple), "bought_share": self.bought_share}


def build_costs(spec: ScenarioSpec, baseline, region: str, builds: list[tuple[float, float]], *,
                holding_usd_per_t_year: float, runs: int, seed: int) -> list[BuildCost]:
    """:func:`build_cost` of several ``(stock_t, months)`` builds, equal to it bit for bit, simulated
    together: builds of similar length in one engine call each, with each run's own purchases
    (:func:`~critmin.market.model.simulate_market`'s ``purchases``), the same draws for all.

    A build shorter than its call's horizon is simulated on past its purchases. Those months add
    nothing to what a build reports when the scenario's calm month clears at P0 with nothing released
    (:func:`~critmin.market.model.calm_excess_demand` within the engine's tolerance, as a balanced
    baseline does): no purchase is bought in them and the price stays at P0, below the peak. Otherwise
    only builds of the same horizon share a call.

    Parameters
    ----------
    spec, baseline, region
        As :func:`build_cost`.
    builds : list of (float, float)
        ``(stock_t [t], months [months])`` pairs.
    holding_usd_per_t_year, runs, seed
        As :func:`build_cost`.

    Returns
    -------
    list of BuildCost
        In the order of ``builds``.
    """
    out: list[BuildCost | None] = [None] * len(builds)
    todo, first = [], {}
    for i, (stock_t, months) in enumerate(builds):
        if not months > 0:
            raise ValueError("months must be > 0")
        if stock_t <= 0:
            out[i] = build_cost(spec, baseline, region, 0.0, months,
                                holding_usd_per_t_year=holding_usd_per_t_year, runs=runs, seed=seed)
        elif (float(stock_t), float(months)) not in first:     # the same build twice: simulated once
            first[(float(stock_t), float(months))] = i
            s = build_spec(spec, region, stock_t, months)
            todo.append((i, s, MarketInputs.from_spec(s, baseline)))
    if todo:
        for group in _groups(todo, runs):
            for i, cost in zip([g[0] for g in group], _group_costs(group, builds, baseline, region,
                                                                   holding_usd_per_t_year, runs, seed),
                               strict=True):
                out[i] = cost
    for i, (stock_t, months) in enumerate(builds):
        if out[i] is None:
            out[i] = out[first[(float(stock_t), float(months))]]
    return out  # type: ignore[return-value]


def _groups(todo: list, runs: int) -> list[list]:
    """Builds simulated in one call each, the cheapest split by a simple cost model: a call of k builds
    over H months costs ``H (_CALL_RUNS + k runs)`` (a month's fixed cost, in runs, and each run's).
    A group holds builds of the same market and draws (:func:`_same_market`), at most
    :data:`_GROUP_BUILDS`, and of different horizons only when that market is calm (see
    :func:`build_costs`)."""
    items = sorted(todo, key=lambda it: it[2].horizon)
    calm = [_calm(it[2]) for it in items]
    best = [0.0] + [math.inf] * len(items)        # best[i]: cheapest split of the first i builds
    cut = [0] * (len(items) + 1)
    for i in range(1, len(items) + 1):
        h = items[i - 1][2].horizon
        for j in range(i - 1, max(i - _GROUP_BUILDS, 0) - 1, -1):
            if not (_same_market(items[j], items[i - 1]) and (calm[j] or items[j][2].horizon == h)):
                break
            c = best[j] + h * (_CALL_RUNS + (i - j) * runs)
            if c < best[i]:
                best[i], cut[i] = c, j
    groups, i = [], len(items)
    while i > 0:
        groups.append(items[cut[i]:i])
        i = cut[i]
    return groups[::-1]


def _calm(inputs: MarketInputs) -> bool:
    """A month without a cut or a purchase clears at P0 with nothing released (see :func:`build_costs`)."""
    return abs(calm_excess_demand(inputs)) <= FTOL_REL * float(inputs.demand_t.sum())


def _same_market(a: tuple, b: tuple) -> bool:
    """Two builds ``(i, spec, inputs)`` whose inputs differ in their horizon and purchases only, with the
    same random parameters (the same draws)."""
    if a[1].random_params() != b[1].random_params():
        return False
    for f in dataclasses.fields(a[2]):
        if f.name in ("horizon", "purchase_t"):
            continue
        x, y = getattr(a[2], f.name), getattr(b[2], f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.array_equal(x, y)):
                return False
        elif x != y:
            return False
    return True


def _group_costs(group: list, builds: list, baseline, region: str, hold_rate: float, runs: int,
                 seed: int) -> list[BuildCost]:
    """The builds of one group, in one engine call per chunk of runs (its longest build's inputs)."""
    _i, s_top, inp_top = group[-1]
    h_n = inp_top.horizon
    k = inp_top.buyers.index(region)
    if len(group) == 1:
        purchases = None
    else:
        purchases = np.zeros((h_n, len(inp_top.buyers), len(group)))
        for j, (_i, _s, inp) in enumerate(group):
            purchases[:inp.horizon, :, j] = inp.purchase_t
    payload = EnginePayload(inputs=inp_top, params=s_top.random_params(), seed=int(seed), price_bins=0)
    n_g = len(group)
    cost, got, peak = np.empty((n_g, runs)), np.empty((n_g, runs)), np.empty((n_g, runs))
    for task in plan_chunks(runs, _CHUNK):
        out = run_chunk(payload, task, purchases=purchases).output.summary
        sl = slice(task.first, task.first + task.n)
        for j in range(n_g):
            rows = slice(j * task.n, (j + 1) * task.n)
            cost[j, sl] = out["purchase_cost_usd"][rows, k]
            got[j, sl] = out["purchased_t"][rows, k]
            peak[j, sl] = out["peak_price_multiple"][rows]
    res = []
    for j, (i, _s, _inp) in enumerate(group):
        stock_t, months = builds[i]
        res.append(_cost_of(float(stock_t), float(months), float(baseline.p0_usd_per_t), hold_rate,
                            cost[j], got[j], peak[j]))
    return res


def _cost_of(stock_t: float, months: float, p0: float, hold_rate: float, cost: np.ndarray, got: np.ndarray,
             peak: np.ndarray) -> BuildCost:
    """A :class:`BuildCost` from each run's purchase cost [USD], tonnes bought [t] and peak multiple."""
    return BuildCost(months=months, stock_t=stock_t, cost_at_p0_usd=p0 * stock_t, cost_usd=_q(cost),
                     impact_usd=float(np.mean(cost - p0 * got)),
                     holding_early_usd=early_holding_cost(stock_t, months, hold_rate),
                     total_usd=float(cost.mean()) + early_holding_cost(stock_t, months, hold_rate),
                     peak_price_multiple=_q(peak), bought_share=float(got.mean()) / stock_t)


def build_cost(spec: ScenarioSpec, baseline, region: str, stock_t: float, months: float, *,
               holding_usd_per_t_year: float, runs: int, seed: int) -> BuildCost:
    """Simulate buying ``stock_t`` over ``months`` in a calm market; its cost with impact.

    Parameters
    ----------
    spec : ScenarioSpec
        The region's planning scenario.
    baseline : Baseline
        Its month-0 baseline.
    region : str
        The buying region.
    stock_t : float
        Q [t] (>= 0).
    months : float
        m [months] (> 0).
    holding_usd_per_t_year : float
        h [USD/t/yr].
    runs : int
        Monte Carlo runs [runs].
    seed : int
        Root seed (the same for every schedule and stock).

    Returns
    -------
    BuildCost
    """
    if not months > 0:
        raise ValueError("months must be > 0")
    p0 = float(baseline.p0_usd_per_t)
    if stock_t <= 0:
        zero = {"p05": 0.0, "p50": 0.0, "p95": 0.0, "mean": 0.0}
        one = {"p05": 1.0, "p50": 1.0, "p95": 1.0, "mean": 1.0}
        return BuildCost(float(months), 0.0, 0.0, zero, 0.0, 0.0, 0.0, one, 1.0)
    s = build_spec(spec, region, stock_t, months)
    inputs = MarketInputs.from_spec(s, baseline)
    payload = EnginePayload(inputs=inputs, params=s.random_params(), seed=int(seed), price_bins=0)
    k = inputs.buyers.index(region)
    cost, got, peak = np.empty(runs), np.empty(runs), np.empty(runs)
    for task in plan_chunks(runs, _CHUNK):
        out = run_chunk(payload, task).output.summary
        sl = slice(task.first, task.first + task.n)
        cost[sl] = out["purchase_cost_usd"][:, k]
        got[sl] = out["purchased_t"][:, k]
        peak[sl] = out["peak_price_multiple"]
    return _cost_of(float(stock_t), float(months), p0, holding_usd_per_t_year, cost, got, peak)


@dataclass
class BuildPlan:
    """Build costs of one stock over a grid of schedules, the one asked for and the cheapest."""

    stock_t: float
    months: float
    asked: BuildCost
    curve: list[BuildCost]
    best: BuildCost
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per schedule: months, cost at P0, with impact (mean), impact, early holding, total."""
        return pd.DataFrame([{"months": c.months, "cost_at_p0_usd": c.cost_at_p0_usd,
                              "cost_with_impact_usd": c.cost_usd["mean"], "impact_usd": c.impact_usd,
                              "holding_early_usd": c.holding_early_usd, "total_usd": c.total_usd,
                              "peak_price_multiple_p50": c.peak_price_multiple["p50"]} for c in self.curve])

    def to_dict(self) -> dict:
        return {"stock_t": self.stock_t, "months": self.months, "asked": self.asked.to_dict(),
                "optimal_months": self.best.months, "optimal": self.best.to_dict(),
                "curve": [c.to_dict() for c in self.curve],
                "model": "cost with impact = sum_t P(t) Q/m (calm market, the planning scenario's "
                         "behaviour); early holding = h Q m / 24 (stock complete on a fixed date); optimum = "
                         "least total over the schedules", "notes": list(self.notes)}


def build_plan(spec: ScenarioSpec, baseline, region: str, stock_t: float, months: float, *,
               holding_usd_per_t_year: float, runs: int, seed: int,
               grid: tuple[float, ...] = BUILD_MONTHS) -> BuildPlan:
    """Build costs of ``stock_t`` over ``months`` and over a grid of schedules, and the cheapest.

    Returns
    -------
    BuildPlan
        ``best`` minimises ``E[sum_t P(t) Q/m] + h Q m / 24`` over the grid and ``months``.
    """
    sched = schedules(months, grid)
    curve = build_costs(spec, baseline, region, [(stock_t, m) for m in sched],
                        holding_usd_per_t_year=holding_usd_per_t_year, runs=runs, seed=seed)
    return plan_of(stock_t, months, curve)


def schedules(months: float, grid: tuple[float, ...] = BUILD_MONTHS) -> list[float]:
    """The schedules :func:`build_plan` prices: the grid and ``months`` [months], shortest first."""
    return sorted({float(m) for m in grid} | {float(months)})


def plan_of(stock_t: float, months: float, curve: list[BuildCost]) -> BuildPlan:
    """The :class:`BuildPlan` of ``stock_t`` from its build costs over :func:`schedules` (``curve``, in
    that order; :func:`build_plan` simulates them)."""
    sched = [c.months for c in curve]
    asked = next(c for c in curve if c.months == float(months))
    best = min(curve, key=lambda c: (c.total_usd, c.months))
    notes = []
    if best.months == sched[-1] and len(sched) > 1:
        notes.append(f"the cheapest schedule is the longest tried ({best.months:g} months): a longer one "
                     "may cost less still")
    if stock_t > 0 and min(c.bought_share for c in curve) < 1 - 1e-9:
        notes.append("the shortest schedules meet an empty market at the choke price: part of the stock is "
                     "not bought in time (bought_share < 1)")
    return BuildPlan(stock_t=float(stock_t), months=float(months), asked=asked, curve=curve, best=best,
                     notes=notes)
