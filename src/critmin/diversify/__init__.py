"""Whom should we buy from? The supplier mix that cuts an importer's risk most per unit of premium
(docs/methods.md §7).

>>> from critmin.diversify import diversify
>>> from critmin.warehouse import open_warehouse
>>> with open_warehouse() as wh:                                            # doctest: +SKIP
...     res = diversify("rare-earths", importer="USA", objective="geopolrisk", warehouse=wh)
>>> res.to_dict()["frontier"][0]["mix"]                                    # doctest: +SKIP

Layers
------
:mod:`critmin.diversify.inputs`
    Pure functions: trade unit values, premiums, exportable volumes, caps.
:mod:`critmin.diversify.optimize`
    The feasible mixes (:class:`MixProblem`), the risk measures (GeoPolRisk's linear term, HHI, expected
    shortfall), their solvers (HiGHS LPs; an exact KKT solve of the HHI QP) and the efficient frontier.
:mod:`critmin.diversify.shortfall`
    The shortfall proxy: per-supplier disruptions drawn from the commodity's scenario file, and why the
    market model is not re-simulated on each mix.
:mod:`critmin.diversify.job`
    :func:`diversify`, the job over the warehouse (``critmin diversify``).
"""

from critmin.diversify.inputs import PREMIUM_BASES, exportable_volume, premiums, share_caps, unit_values
from critmin.diversify.job import EU27, DiversifyParams, diversify
from critmin.diversify.optimize import (
    HHIRisk,
    InfeasibleBudgetError,
    LinearRisk,
    MixProblem,
    MixSolution,
    ShortfallRisk,
    budget_grid,
    efficient_frontier,
    min_premium,
    solve_mix,
)
from critmin.diversify.results import OBJECTIVES, DiversifyResult, MixPoint
from critmin.diversify.shortfall import DisruptionSample, disruption_groups, disruption_sample

__all__ = [
    "diversify", "DiversifyParams", "DiversifyResult", "MixPoint", "OBJECTIVES", "EU27",
    "MixProblem", "MixSolution", "LinearRisk", "HHIRisk", "ShortfallRisk", "InfeasibleBudgetError",
    "solve_mix", "min_premium", "budget_grid", "efficient_frontier",
    "unit_values", "premiums", "exportable_volume", "share_caps", "PREMIUM_BASES",
    "DisruptionSample", "disruption_sample", "disruption_groups",
]
