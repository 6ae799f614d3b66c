"""Stockpile planning: days of cover, cost-optimal sizes, budget allocation, policies (docs/methods.md §5).

>>> from critmin.stockpile import plan, cover
>>> from critmin.warehouse import open_warehouse
>>> with open_warehouse() as wh:                                            # doctest: +SKIP
...     res = plan("JPN", ["rare-earths", "gallium", "tungsten", "cobalt"], runs=20_000, warehouse=wh)
>>> res.to_dict()["materials"][0]["optimal_days"]                          # doctest: +SKIP

Modules: :mod:`~critmin.stockpile.cover` (tonnes <-> days <-> money; the agencies' rules as data),
:mod:`~critmin.stockpile.sizing` (expected annual cost ``h S + pi p E[L(S)]``, its minimum, the
newsvendor check; :class:`PlanningParams`), :mod:`~critmin.stockpile.allocation` (a budget across
materials: greedy checked by an LP with HiGHS; the efficient frontier),
:mod:`~critmin.stockpile.policies` (0/60/100/180 days vs the optimum),
:mod:`~critmin.stockpile.planning_scenarios` (which disruption scenario each material is planned against),
:mod:`~critmin.stockpile.job` (the jobs :func:`plan` and :func:`cover`).
"""

from critmin.stockpile.allocation import Allocation, MaterialCurve, allocate_greedy, allocate_lp, frontier
from critmin.stockpile.cover import (
    CoverRule,
    days_to_tonnes,
    get_rule,
    rules,
    rules_table,
    tonnes_to_days,
    tonnes_to_usd,
    usd_to_tonnes,
)
from critmin.stockpile.job import (
    DEFAULT_RUNS,
    DEFAULT_SEED,
    CoverResult,
    MaterialPlan,
    PlanResult,
    cover,
    plan,
    size_stockpile,
)
from critmin.stockpile.planning_scenarios import PLANNING_SCENARIOS, find_scenario, planning_spec
from critmin.stockpile.policies import months_of_cover, policy_table
from critmin.stockpile.sizing import (
    Optimum,
    PlanningParams,
    cost_curve,
    critical_ratio,
    expected_excess,
    holding_cost,
    newsvendor_stock,
    optimal_stock,
)

__all__ = [
    "plan",
    "cover",
    "size_stockpile",
    "PlanResult",
    "MaterialPlan",
    "CoverResult",
    "DEFAULT_RUNS",
    "DEFAULT_SEED",
    "PlanningParams",
    "Optimum",
    "cost_curve",
    "optimal_stock",
    "critical_ratio",
    "holding_cost",
    "expected_excess",
    "newsvendor_stock",
    "MaterialCurve",
    "Allocation",
    "allocate_greedy",
    "allocate_lp",
    "frontier",
    "months_of_cover",
    "policy_table",
    "CoverRule",
    "rules",
    "rules_table",
    "get_rule",
    "days_to_tonnes",
    "tonnes_to_days",
    "tonnes_to_usd",
    "usd_to_tonnes",
    "PLANNING_SCENARIOS",
    "find_scenario",
    "planning_spec",
]
