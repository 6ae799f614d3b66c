"""The stockpile jobs: :func:`plan` (sizes, policies, budget allocation, frontier) and :func:`cover`.

How the shortfall curve ``E[L(S)]`` is obtained
------------------------------------------------
The market model releases a region's stock *into the market* (a step of the supply curve at the
region's hold level, :mod:`critmin.market.model`): a tonne released lowers the price for every buyer,
so it covers much less than a tonne of the region's own shortfall (and releases are capped per month).
``L(S) = (L(0) - S)^+`` — a stock S covering ``min(L, S)`` — therefore does **not** hold in this model
(tests/test_stockpile_job.py shows it on the gallium scenario). The planner re-simulates the region's
shortfall for each stock S it tries, with the same random draws for every S (common random numbers:
draws depend only on the seed and the run's index), so differences between stocks are not noise, and
each point equals ``critmin.market.simulate`` of the planning scenario with that stock and seed.

Stocks tried, per material (all runs of one stock are one vectorised simulation):

1. 0 and the most that can ever be released, ``S_cap`` = release cap x horizon. The largest release
   over all runs, ``S_sat``, bounds the useful stock: from ``S_top = S_sat + one month's release cap``
   on, the stock never limits a release, so the runs are exactly those of ``S_cap``;
2. the policies (0/60/100/180 days) below ``S_top``, the median and 90th percentile of the release an
   ample stock makes, and evenly spaced stocks so that no gap exceeds ``max_gap_share x S_top``;
3. ``refine_rounds`` rounds of the midpoints on both sides of the current optimum.

The optimum is then a vertex of the curve's lower convex hull (:mod:`critmin.stockpile.sizing`), the
allocation and frontier use the same hull (:mod:`critmin.stockpile.allocation`), and the newsvendor
check compares the hull's slopes at the optimum with ``h / (pi p)`` and, for reference, gives the size
a one-to-one cover would give (``P(L(0) > S) = h / (pi p)``).

All runs given a disruption; the annual probability ``pi`` scales the shortfall cost afterwards, so it
changes no simulation.

With ``build_months``, each policy's stock and the plan's stock are also priced as bought on the market
over that many months, with the price the purchases cause, and the plan's stock over a grid of schedules
to find the cheapest (:mod:`critmin.stockpile.build`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.errors import ScenarioError
from critmin.market.baseline import Baseline, build_baseline
from critmin.market.engine import SAMPLING_BLOCK, draw_runs
from critmin.market.model import MarketInputs, simulate_market
from critmin.market.results import build_assumptions
from critmin.market.spec import ScenarioSpec, load_scenario
from critmin.stockpile.allocation import (
    MaterialCurve,
    allocate_greedy,
    allocate_lp,
    frontier,
)
from critmin.stockpile.build import build_costs, plan_of, schedules
from critmin.stockpile.cover import (
    CoverRule,
    check_days,
    days_to_tonnes,
    get_rule,
    tonnes_to_days,
    tonnes_to_usd,
)
from critmin.stockpile.evaluation import P95, Evaluator, Setup
from critmin.stockpile.planning_scenarios import find_scenario, planning_spec
from critmin.stockpile.policies import policy_table
from critmin.stockpile.results import CoverResult, MaterialPlan, PlanResult, _kind
from critmin.stockpile.sizing import (
    PlanningParams,
    cost_curve,
    exceedance,
    newsvendor_stock,
    optimal_stock,
)
from critmin.warehouse import with_default_warehouse

__all__ = ["DEFAULT_RUNS", "DEFAULT_SEED", "plan", "cover", "size_stockpile", "PlanResult", "MaterialPlan",
           "CoverResult"]

DEFAULT_RUNS = 20_000
"""Monte Carlo runs per stock tried [runs]."""
DEFAULT_SEED = 1
"""Root seed of the draws (the same for every stock: common random numbers)."""
# --------------------------------------------------------------------------- setup
def _load(spec: ScenarioSpec | str | Path | None, material: str) -> ScenarioSpec:
    if spec is None:
        spec = find_scenario(material)
    if not isinstance(spec, ScenarioSpec):
        spec = load_scenario(spec)
    if get_commodity(spec.commodity).id != material:
        raise ScenarioError(f"scenario {spec.path or spec.name} is of {spec.commodity}, not {material}")
    return spec


@dataclass
class _Material:
    material: str
    spec: ScenarioSpec
    baseline: Baseline
    setup: Setup
    annual_t: float
    rate_t: float
    cap_t: float
    h: float
    pi: float
    p: float
    p_kind: str
    p_source: str
    points: dict[float, dict] = field(default_factory=dict)
    zero: dict | None = None
    top: dict | None = None
    consumption: dict = field(default_factory=dict)
    start_t: float = 0.0
    start_source: str = ""


def _trade_consumption(spec: ScenarioSpec, material: str, region: str, warehouse,
                       use: str) -> tuple[ScenarioSpec, dict]:
    """The region's apparent consumption from trade data beside the scenario's figure; the scenario with
    the region's demand replaced by it when ``use`` is ``imports``, the scenario gives only an estimate
    (``share_of_world``) and the trade figure converts completely to the commodity's basis."""
    from critmin.dependence.consumption import importer_consumption
    from critmin.errors import CritminError

    rs = spec.baseline.regions.get(region)
    info: dict = {"used": False, "scenario_figure": None, "from_imports": None, "why": ""}
    if rs is None:
        return spec, info
    info["scenario_figure"] = ("share_of_world" if rs.share_of_world is not None else
                               "t_per_year" if rs.t_per_year is not None else "from_data")
    try:
        ic = importer_consumption(material, region, warehouse=warehouse)
    except (CritminError, KeyError, ValueError) as exc:
        info["why"] = f"no apparent consumption from trade data: {str(exc).split(';')[0]}"
        return spec, info
    info["from_imports"] = ic.to_dict()
    if use != "imports":
        info["why"] = "planning parameter consumption_from = scenario"
    elif rs.share_of_world is None:
        info["why"] = (f"the scenario gives {region}'s consumption as "
                       + ("data" if rs.from_data else "a fixed figure") + "; kept")
    elif not ic.complete:
        info["why"] = ("the trade figure is not the consumption in the commodity's basis (a lower bound "
                       "or not converted): the scenario's estimate is kept, both shown")
    else:
        regions = {k: v.model_dump(exclude_none=True) for k, v in spec.baseline.regions.items()}
        regions[region] = {"t_per_year": float(ic.consumption_t), "name": rs.name,
                           "note": ic.text + f" (replaces the scenario's estimate: {rs.note or ''})"}
        base = spec.baseline.model_dump()
        base["regions"] = regions
        sources = dict(spec.sources)
        sources[f"baseline.regions.{region}"] = ("stockpile planner: " + ic.text)
        spec = spec.with_overrides(baseline=base, sources=sources)
        info["used"] = True
        info["why"] = "apparent consumption from imports replaces the scenario's estimate"
    return spec, info


def _starting_stock(spec: ScenarioSpec, region: str, params: PlanningParams,
                    annual_t: float) -> tuple[float, str]:
    """The stock the region is assumed to hold already [t] and where the assumption comes from."""
    if params.starting_stock_days is not None:
        return (days_to_tonnes(params.starting_stock_days, annual_t),
                f"assumption: {params.starting_stock_days:g} days of consumption held already "
                "(planning parameter starting_stock_days)")
    sp = spec.stockpiles.get(region)
    if sp is None:
        return 0.0, f"assumption: no stock held ({region} has no stock in the scenario file)"
    if sp.days_of_cover is not None:
        return (days_to_tonnes(sp.days_of_cover, annual_t),
                f"assumption: the scenario's {sp.days_of_cover:g} days of consumption held already"
                + (f" ({sp.note}, assumed met)" if sp.note else " (assumed met)")
                + " - not data: national stocks are not published")
    return (float(sp.tonnes or 0.0),
            f"assumption: the scenario's {float(sp.tonnes or 0.0):,.6g} t held already"
            + (f" ({sp.note})" if sp.note else "") + " - not data")


def _prepare(material: str, spec0: ScenarioSpec, region: str, params: PlanningParams, warehouse,
             runs: int, seed: int) -> _Material:
    spec_in, cons = _trade_consumption(spec0, material, region, warehouse, params.consumption_from)
    spec = planning_spec(spec_in, region, 0.0, trigger=params.trigger,
                         trigger_level=params.trigger_level,
                         release_share_of_demand=params.release_share_of_demand)
    baseline = build_baseline(spec, warehouse)
    inputs = MarketInputs.from_spec(spec, baseline)
    j = inputs.regions.index(region)
    annual = float(baseline.region(region).demand_t_per_year)
    rate = float(inputs.release_cap[j])
    p0 = float(baseline.p0_usd_per_t)
    p, p_kind, p_source = params.shortage_cost(p0, float(inputs.shortage_cost))
    setup = Setup(material=material, inputs=inputs, params=spec.random_params(), seed=seed, runs=runs, j=j)
    rs0 = spec0.baseline.regions.get(region)
    if rs0 is not None and rs0.share_of_world is not None:
        cons["scenario_t_per_year"] = rs0.share_of_world * baseline.world_supply_t_per_year
    elif rs0 is not None and rs0.t_per_year is not None:
        cons["scenario_t_per_year"] = float(rs0.t_per_year)
    elif not cons.get("used"):
        cons["scenario_t_per_year"] = annual
    start_t, start_src = _starting_stock(spec0, region, params, annual)
    return _Material(material=material, spec=spec, baseline=baseline, setup=setup, annual_t=annual,
                     rate_t=rate, cap_t=rate * inputs.horizon, h=params.holding(p0),
                     pi=params.probability(material), p=p, p_kind=p_kind, p_source=p_source,
                     consumption=cons, start_t=start_t, start_source=start_src)


def _top_stock(mat: _Material) -> float:
    if mat.top is None or mat.top["released_max_t"] <= 0:
        return 0.0
    return min(mat.cap_t, mat.top["released_max_t"] + mat.rate_t)


def _grid_round1(mat: _Material, params: PlanningParams) -> list[float]:
    top = _top_stock(mat)
    if top <= 0:
        return []
    tol = 0.005 * top
    must = [days_to_tonnes(d, mat.annual_t) for d in params.policy_days]
    must = [s for s in must if 0 < s < top]
    rel = mat.top["released"]
    cand = [float(np.quantile(rel, q)) for q in (0.5, 0.9)]
    chosen = sorted(set(must))
    for s in cand:
        if 0 < s < top and all(abs(s - x) > tol for x in [0.0, top, *chosen]):
            chosen.append(s)
    chosen.sort()
    pts = [0.0, *chosen, top]
    fill = []
    gap_max = params.max_gap_share * top
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        k = math.ceil((b - a) / gap_max - 1e-9)
        fill += [a + (b - a) * i / k for i in range(1, k)]
    return sorted(set(chosen) | set(fill))


def _curve_arrays(mat: _Material) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(sorted(mat.points), float)
    e = np.asarray([mat.points[x]["expected_shortfall_t"] for x in s], float)
    return s, e


def _refine(mat: _Material) -> list[float]:
    s, e = _curve_arrays(mat)
    if s.size < 2:
        return []
    opt = optimal_stock(s, e, holding=mat.h, probability=mat.pi, shortage_cost=mat.p)
    i = int(np.searchsorted(s, opt.stock_t))
    tol = 0.01 * s[-1]
    out = []
    if i > 0 and s[i] - s[i - 1] > tol:
        out.append(0.5 * (s[i - 1] + s[i]))
    if i < s.size - 1 and s[i + 1] - s[i] > tol:
        out.append(0.5 * (s[i] + s[i + 1]))
    return out


def _p95_path(mat: _Material) -> dict:
    """The 95th-percentile disruption (by the region's shortfall without a stock) and what the region
    draws each month from an ample stock in it."""
    sf = mat.zero["shortfall"]
    n = sf.size
    r = int(np.argsort(sf, kind="stable")[max(math.ceil(P95 * n) - 1, 0)])
    first = (r // SAMPLING_BLOCK) * SAMPLING_BLOCK
    draws = draw_runs(mat.setup.params, mat.setup.seed, first, min(SAMPLING_BLOCK, mat.setup.runs - first))
    one = draws.take(slice(r - first, r - first + 1))
    stock0 = mat.setup.inputs.stock0.copy()
    stock0[mat.setup.j] = mat.cap_t
    out = simulate_market(dataclasses.replace(mat.setup.inputs, stock0=stock0), one, keep_paths=True)
    need = out.paths["release_t"][0, :, mat.setup.j]
    return {"run": r, "shortfall_no_stock_t": float(sf[r]), "start_month": float(one.start[0]),
            "duration_months": float(one.duration[0]), "cut": float(one.cut[0]),
            "leakage": float(one.leakage[0]), "need_total_t": float(need.sum()),
            "need_months": int((need > 0).sum()), "need_t": need}


def _finish(mat: _Material, region: str, params: PlanningParams) -> MaterialPlan:
    s, e = _curve_arrays(mat)
    pts = pd.DataFrame([mat.points[x] for x in s]).drop(columns=["shortfall", "released"], errors="ignore")
    pts.insert(1, "days", [tonnes_to_days(x, mat.annual_t) if mat.annual_t > 0 else math.nan for x in s])
    curve = cost_curve(s, e, holding=mat.h, probability=mat.pi, shortage_cost=mat.p)
    curve.insert(1, "days", pts["days"].to_numpy())
    curve["p_stockout"] = pts["p_stockout"].to_numpy()
    opt = optimal_stock(s, e, holding=mat.h, probability=mat.pi, shortage_cost=mat.p)
    L0 = mat.zero["shortfall"]
    nv = newsvendor_stock(L0, holding=mat.h, probability=mat.pi, shortage_cost=mat.p)
    first = s[1] if s.size > 1 else math.nan
    eff = (e[0] - e[1]) / s[1] if s.size > 1 and s[1] > 0 else math.nan
    newsvendor = {
        "critical_ratio": opt.critical_ratio,
        "slope_left": opt.slope_left, "slope_right": opt.slope_right,
        "first_order_condition_holds": bool((math.isnan(opt.slope_left) or
                                             opt.slope_left >= opt.critical_ratio * (1 - 1e-9))
                                            and opt.slope_right <= opt.critical_ratio * (1 + 1e-9)),
        "p_exceed_at_optimum": exceedance(L0, opt.stock_t),
        "one_to_one_stock_t": nv,
        "one_to_one_days": tonnes_to_days(nv, mat.annual_t) if mat.annual_t > 0 else math.nan,
        "p_exceed_at_one_to_one": exceedance(L0, nv),
        "shortfall_avoided_per_t_first_step": eff, "first_step_t": first,
        "note": ("first-order condition on the simulated curve: slope_left >= critical_ratio >= "
                 "slope_right (shortfall avoided per tonne of stock); one_to_one_*: the newsvendor size "
                 "P(L(0) > S) = h / (pi p) if each tonne of stock covered a tonne of the region's own "
                 "shortfall, which releases into the market do not (see shortfall_avoided_per_t_first_step)"),
    }
    p95 = _p95_path(mat)
    b = mat.baseline
    reg = b.region(region)
    plan_ = MaterialPlan(
        material=mat.material, name=b.name, region=region, region_name=reg.name,
        scenario=mat.spec.name, scenario_file=mat.spec.path, consumption_t_per_year=mat.annual_t,
        consumption_kind=_kind(reg), consumption_source=reg.source, consumption_estimate=reg.is_estimate,
        price_usd_per_t=float(b.p0_usd_per_t), price_source=b.price_source,
        holding_usd_per_t_year=mat.h, probability=mat.pi, shortage_cost_usd_per_t=mat.p,
        shortage_cost_kind=mat.p_kind, shortage_cost_source=mat.p_source, release_cap_t_per_month=mat.rate_t,
        horizon_months=int(mat.setup.inputs.horizon), points=pts, curve=curve, optimum=opt,
        newsvendor=newsvendor, p95=p95, planned_t=opt.stock_t, shortfall_no_stock_t=L0,
        consumption_scenario_t_per_year=float(mat.consumption.get("scenario_t_per_year", math.nan)),
        consumption_from_imports=mat.consumption.get("from_imports"),
        starting_stock_t=mat.start_t, starting_stock_source=mat.start_source)
    if mat.consumption.get("used"):
        plan_.consumption_kind = "data"
        plan_.consumption_estimate = False
        plan_.consumption_source = mat.consumption["from_imports"]["text"]
    plan_.assumptions = _material_assumptions(plan_, mat, params)
    plan_.scenario_assumptions = [{**a, "material": mat.material} for a in
                                  build_assumptions(mat.spec, b, mat.setup.inputs)]
    if mat.top is not None and mat.top["released_max_t"] <= 0:
        plan_.notes.append(f"{region} never draws on a stock in this scenario: no stock pays")
    return plan_


def _material_assumptions(mp_: MaterialPlan, mat: _Material, params: PlanningParams) -> list[dict]:
    m = mp_.material
    kind = mp_.consumption_kind
    return [
        {"name": f"{m}.consumption.{mp_.region}", "value": mp_.consumption_t_per_year, "unit": "t/yr",
         "kind": kind, "source": mp_.consumption_source, "material": m},
        {"name": f"{m}.price", "value": mp_.price_usd_per_t, "unit": "USD/t",
         "kind": "data" if "override" not in mp_.price_source else "override",
         "source": mp_.price_source, "material": m},
        {"name": f"{m}.holding_cost", "value": mp_.holding_usd_per_t_year, "unit": "USD/t/yr",
         "kind": "derived", "material": m,
         "source": f"(interest_rate {params.interest_rate:g} + storage_rate {params.storage_rate:g}) x price "
                   f"+ {params.storage_usd_per_t_year:g} USD/t/yr"},
        {"name": f"{m}.disruption_probability", "value": mp_.probability, "unit": "1/yr",
         "kind": "assumption" if m in params.disruption_probabilities or
         "disruption_probability" in params.model_fields_set else "default", "material": m,
         "source": type(params).model_fields["disruption_probability"].description},
        {"name": f"{m}.shortage_cost", "value": mp_.shortage_cost_usd_per_t, "unit": "USD/t",
         "kind": mp_.shortage_cost_kind, "source": mp_.shortage_cost_source, "material": m},
        {"name": f"{m}.release_rule", "value": f"trigger {params.trigger}"
         + (f" at {params.trigger_level:g}" if params.trigger_level is not None else "")
         + f"; at most {mp_.release_cap_t_per_month:,.6g} t/month", "unit": "",
         "kind": ("assumption" if {"trigger", "release_share_of_demand"} & params.model_fields_set
                  else "default"),
         "source": "release_share_of_demand x the region's monthly consumption; no refill within the horizon",
         "material": m},
        {"name": f"{m}.scenario", "value": mp_.scenario, "unit": "", "kind": "assumption", "material": m,
         "source": f"{mp_.scenario_file or 'given'}: disruption distribution, market behaviour and other "
                   "regions' stocks as in the file; probability set to 1 (shortfall given a disruption)"},
        {"name": f"{m}.horizon", "value": mat.setup.inputs.horizon, "unit": "months", "kind": "assumption",
         "material": m,
         "source": "the scenario's horizon: the shortfall of one disruption is summed over it"},
        {"name": f"{m}.starting_stock.{mp_.region}", "value": mp_.starting_stock_t, "unit": "t",
         "kind": "assumption", "material": m,
         "source": f"{mp_.starting_stock_source}; {mp_.days(mp_.starting_stock_t):,.0f} days; the "
                   "plan's purchase is the stock planned less this"},
    ] + _consumption_assumptions(mp_, mat)


def _consumption_assumptions(mp_: MaterialPlan, mat: _Material) -> list[dict]:
    """The region's two consumption figures side by side: the scenario's and the trade data's."""
    m, r, c = mp_.material, mp_.region, mat.consumption
    out = []
    fi = c.get("from_imports")
    if c.get("scenario_figure") == "share_of_world" or c.get("scenario_figure") == "t_per_year":
        out.append({"name": f"{m}.consumption.{r}.scenario_estimate",
                    "value": c.get("scenario_t_per_year", math.nan), "unit": "t/yr",
                    "kind": "estimate (not used)" if c.get("used") else "estimate (used)",
                    "material": m, "source": f"{mp_.scenario_file or 'scenario'}: "
                                             f"[baseline.regions.{r}]"})
    if fi is not None:
        val = fi["consumption_t"] if fi["consumption_t"] is not None else fi["gross_t"]
        out.append({"name": f"{m}.consumption.{r}.from_imports", "value": val,
                    "unit": "t/yr" + ("" if fi["consumption_t"] is not None else " (traded weight)"),
                    "kind": "data (used)" if c.get("used") else "data (shown, not used)",
                    "material": m, "source": fi["text"] + f"; {c.get('why', '')}"})
    elif c.get("why"):
        out.append({"name": f"{m}.consumption.{r}.from_imports", "value": None, "unit": "t/yr",
                    "kind": "missing", "material": m, "source": c["why"]})
    return out


# --------------------------------------------------------------------------- the job
@with_default_warehouse
def plan(
    region: str,
    materials: list[str] | str,
    budget: float | None = None,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    warehouse=None,
    params: PlanningParams | None = None,
    scenarios: dict[str, ScenarioSpec | str | Path] | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    build_months: float | None = None,
) -> PlanResult:
    """Cost-optimal stockpiles of several materials for one region, policies and a budget allocation.

    Parameters
    ----------
    region : str
        Region code of the scenarios (``JPN``, ``USA``, ``KOR``, ...).
    materials : list of str or str
        Catalogue ids or names (a comma-separated string is split).
    budget : float, optional
        Money for purchases at today's prices [USD]; None: every material at its cost-optimal size.
    runs : int
        Monte Carlo runs per stock tried [runs].
    seed : int
        Root seed (the same draws for every stock).
    warehouse : Warehouse, optional
        Where the baselines' data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    params : PlanningParams, optional
        Planning assumptions (documented defaults).
    scenarios : dict, optional
        Material -> scenario (file or spec) instead of the default planning scenario.
    workers : int
        Processes to simulate on (1: this process).
    progress : callable, optional
        ``progress(done, total)`` after each simulation (total grows as stocks are added).
    build_months : float, optional
        Price every policy's stock and the plan's stock as bought on the market over this many months
        [months], with the price impact of the purchases (``purchase_with_impact_usd`` in the
        policies, ``build`` per material: that schedule, the cheapest one and the cost curve).

    Returns
    -------
    PlanResult

    Raises
    ------
    ScenarioError
        When a material has no scenario or the region is not one of its regions.
    """
    t0 = time.perf_counter()
    if runs < 2:
        raise ValueError("runs must be >= 2")
    from critmin.market.memory import check_memory

    n_mat = len(materials) if not isinstance(materials, str) else 1
    per_run = 8 * (4 * n_mat + 3 * max(1, workers))  # kept no-stock and ample-stock curves + work arrays
    check_memory(per_run * runs + 64 * 1024**2, what=f"a stockpile plan with {runs:,} runs per stock",
                 per_run=per_run, runs=runs)
    if budget is not None and budget < 0:
        raise ValueError("budget must be >= 0 [USD]")
    if build_months is not None and not (math.isfinite(build_months) and build_months > 0):
        raise ValueError("build_months must be a number of months > 0")
    params = params or PlanningParams()
    region = region.strip().upper()
    if isinstance(materials, str):
        materials = [m for m in materials.split(",") if m.strip()]
    mats_ids = list(dict.fromkeys(get_commodity(m.strip()).id for m in materials))
    if not mats_ids:
        raise ValueError("no materials given")
    given = {get_commodity(k).id: v for k, v in (scenarios or {}).items()}
    mats = {m: _prepare(m, _load(given.get(m), m), region, params, warehouse, runs, int(seed))
            for m in mats_ids}
    per_mat = 4 + 2 * params.refine_rounds + len(params.policy_days)
    with ExitStack() as stack:
        ev = Evaluator({m: x.setup for m, x in mats.items()}, workers, stack, progress)
        # round 0: no stock and an ample one
        tasks = [(m, 0.0, True) for m in mats] + [(m, x.cap_t, True) for m, x in mats.items() if x.cap_t > 0]
        for m, s, res in ev.run(tasks, expect_more=len(mats) * per_mat):
            if s == 0.0:
                mats[m].zero = res
                mats[m].points[0.0] = res
            else:
                mats[m].top = res
        for x in mats.values():
            top = _top_stock(x)
            if top > 0:
                row = dict(x.top)
                if top < x.cap_t:
                    row["p_stockout"] = 0.0          # never below one month's release: never runs out
                row["stock_t"] = top
                x.points[top] = row
        # round 1: policies, release quantiles, gap filling
        tasks = [(m, s, False) for m, x in mats.items() for s in _grid_round1(x, params)]
        for m, s, res in ev.run(tasks, expect_more=len(mats) * 2 * params.refine_rounds):
            mats[m].points[s] = res
        # refinement around each optimum
        for r in range(params.refine_rounds):
            tasks = [(m, s, False) for m, x in mats.items() for s in _refine(x) if s not in x.points]
            if not tasks:
                break
            left = len(mats) * 2 * (params.refine_rounds - r - 1)
            for m, s, res in ev.run(tasks, expect_more=left):
                mats[m].points[s] = res
        simulations = ev.done
    plans = [_finish(x, region, params) for x in mats.values()]
    # budget allocation over the hulls
    curves = [MaterialCurve(p.material, p.curve["stock_t"].to_numpy(),
                            p.curve["expected_shortage_cost_usd"].to_numpy(),
                            p.holding_usd_per_t_year, p.price_usd_per_t) for p in plans]
    alloc = allocate_greedy(curves, budget)
    lp = allocate_lp(curves, budget)
    fr_budgets = None
    fr = frontier(curves)
    if budget is not None and not np.isclose(fr["budget"], budget).any():
        fr_budgets = np.sort(np.concatenate([fr["budget"].to_numpy(), [float(budget)]]))
        fr = frontier(curves, fr_budgets)
    for p in plans:
        p.planned_t = alloc.stocks_t[p.material] if budget is not None else p.optimum.stock_t
        pol = [(f"{d:g} days", days_to_tonnes(d, p.consumption_t_per_year), d) for d in params.policy_days]
        pol.append(("optimum", p.optimum.stock_t))
        if budget is not None:
            pol.append(("budget plan", p.planned_t))
        p.policies = policy_table(p.points, pol, annual_t=p.consumption_t_per_year,
                                  price_usd_per_t=p.price_usd_per_t, holding=p.holding_usd_per_t_year,
                                  probability=p.probability, shortage_cost=p.shortage_cost_usd_per_t,
                                  need_p95_t=p.p95["need_t"])
        # a policy beyond the largest useful stock behaves exactly as that stock (module docstring)
        top = float(p.points["stock_t"].max())
        beyond = p.policies["stock_t"] > top
        if beyond.any():
            last = p.points.loc[p.points["stock_t"].idxmax()]
            p.policies.loc[beyond, "expected_shortfall_t"] = float(last["expected_shortfall_t"])
            p.policies.loc[beyond, "p_stockout"] = 0.0
            p.policies.loc[beyond, "interpolated"] = False
            short = p.probability * p.shortage_cost_usd_per_t * float(last["expected_shortfall_t"])
            p.policies.loc[beyond, "expected_shortage_cost_usd"] = short
            p.policies.loc[beyond, "expected_cost_usd"] = p.policies.loc[beyond, "holding_cost_usd"] + short
    if build_months is not None:
        for p in plans:
            _price_builds(p, mats[p.material], region, float(build_months), runs, int(seed))
    region_name = plans[0].region_name if plans else region
    assumptions = params.assumptions() + [
        {"name": "planning.runs", "value": runs, "unit": "runs", "kind": "setting",
         "source": "Monte Carlo runs per stock tried (the same draws for every stock)"},
        {"name": "planning.seed", "value": int(seed), "unit": "", "kind": "setting",
         "source": "root seed; each curve point equals critmin simulate of the planning scenario with that "
                   "stock, runs and seed"},
    ]
    if budget is not None:
        assumptions.append({"name": "planning.budget", "value": float(budget), "unit": "USD",
                            "kind": "assumption", "source": "purchase budget at today's prices (P0)"})
    if build_months is not None:
        assumptions.append({"name": "planning.build_months", "value": float(build_months), "unit": "months",
                            "kind": "setting",
                            "source": "stocks bought evenly over this many months in a calm market "
                                      "(the planning scenario without a disruption): cost = sum_t P(t) Q/m "
                                      "with the price the purchases cause; early holding h Q m / 24 (stock "
                                      "complete on a fixed date); the cheapest schedule minimises their sum "
                                      "(critmin.stockpile.build)"})
    for p in plans:
        assumptions += p.assumptions
    for p in plans:
        assumptions += p.scenario_assumptions
    notes = [
        "costs per year: holding h S and the expected shortfall cost pi p E[L(S)]; E[L] is the region's "
        "shortfall against pre-shock demand summed over one disruption's horizon, from the market simulator",
        "starting stock (assumption, per material in the assumptions): to_buy = planned stock less the "
        "stock assumed held already" + ("; the budget is compared with the whole stock's value at P0"
                                        if budget is not None else ""),
        "a stock released into the market lowers the price for every buyer: it does not cover min(L, S) of "
        "the region's own shortfall, so the curve is re-simulated for every stock tried (see newsvendor)",
    ]
    if budget is not None and alloc.spent_usd < budget * (1 - 1e-9):
        notes.append(f"the budget is not binding: the cost-optimal stocks cost {alloc.spent_usd:,.0f} USD")
    gap = abs(lp.total_cost_usd - alloc.total_cost_usd)
    if gap > 1e-6 * max(abs(alloc.total_cost_usd), 1.0):
        notes.append(f"greedy and LP allocations differ by {gap:,.2f} USD/yr")
    return PlanResult(region=region, region_name=region_name,
                      budget=None if budget is None else float(budget),
                      runs=runs, seed=int(seed), params=params, materials=plans, allocation=alloc,
                      lp_check=lp, frontier=fr, assumptions=assumptions, notes=notes,
                      elapsed_s=time.perf_counter() - t0, simulations=simulations)


def _price_builds(p: MaterialPlan, mat: _Material, region: str, months: float, runs: int, seed: int) -> None:
    """Policies and the plan's stock bought over ``months`` with market impact; the cheapest schedule
    (every build simulated in one :func:`~critmin.stockpile.build.build_costs`)."""
    seen: dict[float, float] = {}       # stocks within 1e-9 t of one another: the first one's cost
    stocks = [seen.setdefault(round(float(s), 9), float(s)) for s in p.policies["stock_t"]]
    sched = schedules(months)
    costs = build_costs(mat.spec, mat.baseline, region,
                        [(s, months) for s in stocks] + [(float(p.planned_t), m) for m in sched],
                        holding_usd_per_t_year=mat.h, runs=runs, seed=seed)
    rows = costs[:len(stocks)]
    p.policies["purchase_with_impact_usd"] = [c.cost_usd["mean"] for c in rows]
    p.policies["purchase_impact_usd"] = [c.impact_usd for c in rows]
    bp = plan_of(float(p.planned_t), months, costs[len(stocks):])
    p.build = bp.to_dict()
    p.notes += [f"build: {n}" for n in bp.notes]


def size_stockpile(commodity: str, *, region: str = "USA", warehouse=None, runs: int = 2000,
                   seed: int = DEFAULT_SEED, **kw) -> PlanResult:
    """:func:`plan` for one material (the faces' entry point: report and dashboard).

    Parameters
    ----------
    commodity : str
        Catalogue id or name.
    region : str
        Region code.
    warehouse : Warehouse, optional
        Default: the user's warehouse, opened read-only.
    runs : int
        Runs per stock tried [runs].
    seed : int
        Root seed.
    """
    return plan(region, [commodity], runs=runs, seed=seed, warehouse=warehouse, **kw)


# --------------------------------------------------------------------------- cover
@with_default_warehouse
def cover(region: str, material: str, days: float | None = None, warehouse=None, *,
          rule: str | CoverRule | None = None,
          scenario: ScenarioSpec | str | Path | None = None,
          consumption_from: str = "imports") -> CoverResult:
    """Tonnes and money for some days of cover of a region's consumption of a material.

    Parameters
    ----------
    region : str
        Region code (``JPN``).
    material : str
        Catalogue id or name.
    days : float, optional
        Days of cover [days]; default: the rule's.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    rule : str or CoverRule, optional
        A rule of ``stockpile_rules.csv`` (``jogmec-60``, ``komir-100``, ``iea-90``, ...): its days (unless
        ``days`` is given), basis (consumption or net imports) and unavailable share.
    scenario : ScenarioSpec or path, optional
        The scenario whose baseline gives the consumption and price (default: the planning scenario).
    consumption_from : {"imports", "scenario"}
        As :class:`~critmin.stockpile.sizing.PlanningParams` ``consumption_from``: the region's apparent
        consumption from trade data where it converts completely, else the scenario's figure.

    Returns
    -------
    CoverResult
        With the consumption figure used (a warehouse row, or a documented estimate) and its source.
    """
    mat = get_commodity(material).id
    r = get_rule(rule) if isinstance(rule, str) else rule
    if days is None:
        if r is None:
            raise ValueError("give days or a rule")
        days = r.days
    days = check_days(days)
    region = region.strip().upper()
    spec = _load(scenario, mat)
    regions = [*spec.baseline.regions, "ROW"]
    if region not in regions:
        raise ScenarioError(f"scenario {spec.path or spec.name}: {region} is not one of its regions "
                            f"({', '.join(regions)}); its consumption is not known to critmin")
    spec0 = spec
    spec, cons = _trade_consumption(spec, mat, region, warehouse, consumption_from)
    b = build_baseline(spec, warehouse)
    reg = b.region(region)
    annual = float(reg.demand_t_per_year)
    rs0 = spec0.baseline.regions.get(region)
    scen_t = (rs0.share_of_world * b.world_supply_t_per_year if rs0 is not None and
              rs0.share_of_world is not None else annual if not cons.get("used") else math.nan)
    basis, u, basis_t = "consumption", 0.0, annual
    basis_src = cons["from_imports"]["text"] if cons.get("used") else reg.source
    if r is not None:
        u = r.unavailable_share
        if r.basis == "net_imports":
            own = next((s for s in b.suppliers if s.country == region), None)
            prod = own.capacity_t_per_year if own is not None else 0.0
            basis = "net_imports"
            basis_t = r.basis_t_per_year(annual, annual - prod)
            basis_src = (f"net imports = consumption {annual:,.6g} t/yr - domestic production "
                         f"{prod:,.6g} t/yr" + (f" [{own.source}]" if own is not None else
                                                f" ({region} is not a producer in {b.edition} {b.year})"))
    stock = days_to_tonnes(days, basis_t, u)
    return CoverResult(
        region=region, region_name=reg.name, material=mat, name=b.name, days=float(days), stock_t=stock,
        price_usd_per_t=float(b.p0_usd_per_t), price_source=b.price_source,
        cost_usd=tonnes_to_usd(stock, b.p0_usd_per_t), consumption_t_per_year=annual,
        consumption_kind="data" if cons.get("used") else _kind(reg),
        consumption_source=(cons["from_imports"]["text"] if cons.get("used") else reg.source),
        consumption_estimate=False if cons.get("used") else reg.is_estimate,
        consumption_scenario_t_per_year=scen_t, consumption_from_imports=cons.get("from_imports"),
        basis=basis, basis_t_per_year=float(basis_t), basis_source=basis_src, unavailable_share=u,
        rule=r.rule if r is not None else None, rule_source=r.source if r is not None else "",
        scenario_file=spec.path)

