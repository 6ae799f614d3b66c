"""The stockpile jobs' result objects: :class:`MaterialPlan` and :class:`PlanResult` (``critmin stockpile
plan``) and :class:`CoverResult` (``critmin stockpile cover``), with their JSON shapes."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin._json import jsonable
from critmin._result import Result
from critmin.stockpile.allocation import Allocation
from critmin.stockpile.cover import tonnes_to_days, tonnes_to_usd
from critmin.stockpile.sizing import Optimum, PlanningParams

__all__ = ["MaterialPlan", "PlanResult", "CoverResult"]


@dataclass(repr=False)
class MaterialPlan(Result):
    """The sizing of one material for one region.

    Attributes
    ----------
    shortfall_no_stock_t : ndarray
        The region's shortfall in each run without a stock, L(0) [t].
    points : DataFrame
        Every stock simulated: ``stock_t`` [t], ``days``, ``expected_shortfall_t`` [t per disruption],
        ``shortfall_se_t`` (its Monte Carlo standard error), ``p_stockout`` [1], ``released_mean_t`` [t],
        ``shortfall_p50_t``, ``shortfall_p95_t`` [t].
    curve : DataFrame
        :func:`~critmin.stockpile.sizing.cost_curve` on those points, with ``days``.
    optimum : Optimum
        The cost-optimal stock (unconstrained).
    planned_t : float
        The stock of the plan [t]: the optimum, or the budget allocation when a budget is given.
    policies : DataFrame
        :func:`~critmin.stockpile.policies.policy_table` (0/60/100/180 days, the optimum, the plan);
        with a build schedule also ``purchase_with_impact_usd`` and ``purchase_impact_usd`` [USD].
    build : dict or None
        With a build schedule: :meth:`critmin.stockpile.build.BuildPlan.to_dict` of the plan's stock.
    """

    material: str
    name: str
    region: str
    region_name: str
    scenario: str
    scenario_file: str | None
    consumption_t_per_year: float
    consumption_kind: str
    consumption_source: str
    consumption_estimate: bool
    price_usd_per_t: float
    price_source: str
    holding_usd_per_t_year: float
    probability: float
    shortage_cost_usd_per_t: float
    shortage_cost_kind: str
    shortage_cost_source: str
    release_cap_t_per_month: float
    horizon_months: int
    points: pd.DataFrame
    curve: pd.DataFrame
    optimum: Optimum
    newsvendor: dict
    p95: dict
    policies: pd.DataFrame = field(default_factory=pd.DataFrame)
    planned_t: float = 0.0
    shortfall_no_stock_t: np.ndarray | None = field(default=None, repr=False)
    assumptions: list[dict] = field(default_factory=list)
    scenario_assumptions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    consumption_scenario_t_per_year: float = math.nan
    consumption_from_imports: dict | None = None
    starting_stock_t: float = 0.0
    starting_stock_source: str = ""
    build: dict | None = None

    _key_fields = ("material", "region")
    _repr_fields = ("planned_t", "consumption_t_per_year", "price_usd_per_t", "probability")
    _main = "policies"

    def days(self, stock_t: float) -> float:
        """Days of the region's consumption a stock covers [days]."""
        return tonnes_to_days(stock_t, self.consumption_t_per_year) if self.consumption_t_per_year > 0 \
            else math.nan

    @property
    def planned_days(self) -> float:
        """The plan's stock in days of consumption [days]."""
        return self.days(self.planned_t)

    def planned_expected_shortfall_t(self) -> float:
        """E[L] at the plan's stock, on the hull of the curve [t per disruption]."""
        return float(np.interp(self.planned_t, self.curve["stock_t"], self.curve["hull_shortfall_t"]))

    def to_dict(self) -> dict:
        """This material's entry of the plan's JSON."""
        pol = [{k: _py(v) for k, v in r.items()} for r in self.policies.to_dict(orient="records")]
        return {
            "material": self.material, "name": self.name,
            "optimal_days": self.planned_days, "optimal_t": self.planned_t,
            "cost_usd": tonnes_to_usd(self.planned_t, self.price_usd_per_t),
            "expected_shortfall_t": self.planned_expected_shortfall_t(),
            "policies": pol,
            "cost_optimal_t": self.optimum.stock_t, "cost_optimal_days": self.days(self.optimum.stock_t),
            "expected_shortfall_t_no_stock": float(self.points["expected_shortfall_t"].iloc[0]),
            "annual_consumption_t": self.consumption_t_per_year,
            "consumption_kind": self.consumption_kind, "consumption_estimate": self.consumption_estimate,
            "consumption_source": self.consumption_source,
            "price_usd_per_t": self.price_usd_per_t, "price_source": self.price_source,
            "holding_cost_usd_per_t_year": self.holding_usd_per_t_year,
            "disruption_probability": self.probability,
            "shortage_cost_usd_per_t": self.shortage_cost_usd_per_t,
            "critical_ratio": self.optimum.critical_ratio,
            "release_cap_t_per_month": self.release_cap_t_per_month,
            "newsvendor": {k: _py(v) for k, v in self.newsvendor.items()},
            "p95_disruption": {k: _py(v) for k, v in self.p95.items() if k != "need_t"},
            "curve": [{k: _py(v) for k, v in r.items()} for r in self.curve.to_dict(orient="records")],
            "scenario": self.scenario, "scenario_file": self.scenario_file,
            "notes": list(self.notes),
            # the two consumption figures side by side, and the stock assumed already held
            "consumption_scenario_t_per_year": _py(self.consumption_scenario_t_per_year),
            "consumption_from_imports": self.consumption_from_imports,
            "starting_stock_t": self.starting_stock_t,
            "starting_stock_days": self.days(self.starting_stock_t),
            "starting_stock_source": self.starting_stock_source,
            "to_buy_t": max(self.planned_t - self.starting_stock_t, 0.0),
            "to_buy_usd": tonnes_to_usd(max(self.planned_t - self.starting_stock_t, 0.0),
                                        self.price_usd_per_t),
            **({"build": _clean(self.build)} if self.build is not None else {}),
        }


@dataclass(repr=False)
class PlanResult(Result):
    """The result of :func:`plan` (see :meth:`to_dict` for the JSON contract).

    The main table is ``table()`` (one row per material and policy; a method, kept); ``to_frame()``
    adds budget, runs and seed as columns (region is already one).
    """

    region: str
    region_name: str
    budget: float | None
    runs: int
    seed: int
    params: PlanningParams
    materials: list[MaterialPlan]
    allocation: Allocation
    lp_check: Allocation
    frontier: pd.DataFrame
    assumptions: list[dict]
    notes: list[str]
    elapsed_s: float
    simulations: int

    _key_fields = ("region", "budget", "runs", "seed")
    _repr_fields = ("materials", "simulations", "elapsed_s")

    def units(self) -> dict[str, str]:
        """Units of the policy columns whose name does not state it."""
        return {"expected_cost_usd": "USD/yr", "holding_cost_usd": "USD/yr",
                "shortfall_cost_usd": "USD/yr", "months_of_cover_p95": "months"}

    def sources_used(self) -> list[dict[str, str]]:
        """The planning scenarios' baselines (USGS MCS) and the stockholding rules."""
        return [{"source": "usgs-mcs", "edition": ""}]

    def headline(self) -> str:
        """One line: the plan's stock of each material in days."""
        what = ", ".join(f"{m.material} {m.planned_days:,.0f} days" for m in self.materials)
        budget = f"budget {self.budget:,.0f} USD" if self.budget is not None else "cost-optimal sizes"
        return f"stockpile plan for {self.region_name} ({self.region}), {budget}: {what}"

    def material(self, material: str) -> MaterialPlan:
        """The plan of one material."""
        for m in self.materials:
            if m.material == material:
                return m
        raise KeyError(material)

    def table(self) -> pd.DataFrame:
        """One row per material and policy (the plan table)."""
        frames = []
        for m in self.materials:
            frames.append(m.policies.assign(material=m.material, region=self.region,
                                            consumption_estimate=m.consumption_estimate))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_dict(self) -> dict:
        """The JSON contract of ``critmin stockpile plan --json``::

            {"region", "budget",
             "materials": [{"material", "optimal_days", "optimal_t", "cost_usd", "expected_shortfall_t",
                            "policies": [{"days", "expected_cost_usd", "p_stockout", ...}, ...], ...}, ...],
             "frontier": [{"budget", "expected_cost_usd", ...}, ...],
             "assumptions": [...], ...}

        ``optimal_*``: the plan's stock (the cost-optimal size, or the budget allocation when a budget is
        given) [days of consumption, t]; ``cost_usd``: its purchase value at P0 [USD];
        ``expected_shortfall_t``: E[shortfall | disruption] with it [t]; policies' ``expected_cost_usd``:
        expected annual cost ``h S + pi p E[L(S)]`` [USD/yr]; ``p_stockout``: probability that the stock
        runs out in a disruption [1]; frontier ``expected_cost_usd``: expected annual shortfall cost
        ``sum pi p E[L]`` at the best allocation of each budget [USD/yr]. Fields may be added, none is
        renamed.
        """
        fr = [{k: _py(v) for k, v in r.items()} for r in self.frontier.to_dict(orient="records")]
        return {
            "region": self.region, "region_name": self.region_name, "budget": self.budget,
            "materials": [m.to_dict() for m in self.materials],
            "frontier": fr,
            "allocation": {"method": "greedy on net saving per dollar (convex curves)",
                           "stocks_t": self.allocation.stocks_t, "spent_usd": self.allocation.spent_usd,
                           "expected_cost_usd": self.allocation.shortfall_cost_usd,
                           "holding_cost_usd": self.allocation.holding_cost_usd,
                           "marginal_gain_per_usd": self.allocation.marginal_gain_per_usd,
                           "lp_check": {"stocks_t": self.lp_check.stocks_t,
                                        "total_cost_usd": self.lp_check.total_cost_usd,
                                        "greedy_total_cost_usd": self.allocation.total_cost_usd,
                                        "status": self.lp_check.details.get("status", "")}},
            "runs": self.runs, "seed": self.seed, "simulations": self.simulations,
            "elapsed_s": self.elapsed_s,
            "assumptions": self.assumptions,
            "notes": list(self.notes),
        }


def _clean(v):
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return _py(v)


def _kind(reg) -> str:
    """A region's demand kind as the market's assumptions show it (a USGS-estimated row says so)."""
    return "data (USGS estimate)" if reg.kind == "data" and reg.estimated else reg.kind


def _py(v):
    return jsonable(v)


@dataclass(repr=False)
class CoverResult(Result):
    """A stock of some days of cover in tonnes and money, and the figures behind it.

    It holds no table: ``to_frame()`` is one row of its fields (units in ``attrs``).
    """

    region: str
    region_name: str
    material: str
    name: str
    days: float
    stock_t: float
    price_usd_per_t: float
    price_source: str
    cost_usd: float
    consumption_t_per_year: float
    consumption_kind: str
    consumption_source: str
    consumption_estimate: bool
    basis: str
    basis_t_per_year: float
    basis_source: str
    unavailable_share: float
    rule: str | None
    rule_source: str
    scenario_file: str | None
    basis_unit: str = "t"
    consumption_scenario_t_per_year: float = math.nan
    consumption_from_imports: dict | None = None

    _key_fields = ("region", "material", "days", "rule")
    _repr_fields = ("stock_t", "cost_usd", "price_usd_per_t", "consumption_t_per_year", "basis")

    def main_table(self) -> pd.DataFrame:
        """One row: every field."""
        return pd.DataFrame([dataclasses.asdict(self)])

    def units(self) -> dict[str, str]:
        """Units of the fields whose name does not state it."""
        return {"basis_t_per_year": f"{self.basis_unit}/yr", "days": "days"}

    def headline(self) -> str:
        """One line: the stock in tonnes and money."""
        return (f"{self.name}, {self.region_name} ({self.region}): {self.days:g} days = "
                f"{self.stock_t:,.1f} t, {self.cost_usd:,.0f} USD at today's price")

    def to_dict(self) -> dict:
        """JSON shape of ``critmin stockpile cover --json``."""
        return {k: _py(v) for k, v in dataclasses.asdict(self).items()}


