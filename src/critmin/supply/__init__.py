"""Who supplies it? Producers by country, their shares, concentration (HHI, governance-weighted HHI)
and reserves-to-production, for one year (:func:`supply`) or every year covered (:func:`trend`).

Layers
------
:mod:`critmin.supply.concentration`
    Pure functions on numbers and DataFrames: shares, HHI and its bands, governance-weighted HHI,
    reserves-to-production, the check of a country sum against the published world total, and the
    producer table of one edition (docs/methods.md §1).
:mod:`critmin.supply.job`
    The jobs that read the warehouse and call them: :func:`supply`, :func:`trend`, :func:`coverage`.
"""

from __future__ import annotations

from critmin.supply.concentration import (
    check_world_total,
    concentration_summary,
    governance_weighted_hhi,
    hhi,
    hhi_band,
    hhi_points,
    reserves_to_production,
    shares,
    supply_table,
    top_n_share,
)
from critmin.supply.job import SupplyResult, TrendResult, coverage, production_rows, supply, trend

__all__ = [
    "SupplyResult", "TrendResult", "supply", "trend", "production_rows", "coverage",
    "hhi", "hhi_points", "hhi_band", "shares", "top_n_share", "governance_weighted_hhi",
    "reserves_to_production", "check_world_total", "supply_table", "concentration_summary",
]

from critmin._callable import make_callable  # noqa: E402

make_callable(__name__, "supply")  # critmin.supply(...) runs the job; critmin.supply.<name> still works
