"""Where is it going? Supply by stage now and to 2040, demand scenarios and the balance (docs/methods.md §6).

Layers, as elsewhere in critmin:

* pure functions — :mod:`~critmin.outlook.balance` (concentration per stage and year, supply by
  country, demand by sector, balance = supply − demand);
* stage-aware supply — :mod:`~critmin.supply.stages` (which source gives a stage: USGS or the IEA
  Critical Minerals Data Explorer; IEA's producers in the shape of ``critmin supply``);
* jobs — :func:`outlook` (``critmin outlook``) and :func:`outlook_baseline` (the supply by country and
  stage and the demand a market scenario with a start year needs).

The data are IEA's (:mod:`critmin.sources.iea`): its years only (2024, 2030, 2035, 2040; demand to 2050),
its basis (magnet rare earth elements for rare earths), never mixed with USGS tonnes.
"""

from critmin.outlook.balance import (
    balance,
    balance_table,
    country_supply,
    demand_table,
    demand_totals,
    stage_years,
)
from critmin.outlook.baseline import OutlookBaseline, baseline_from_tables, outlook_baseline
from critmin.outlook.job import OutlookResult, outlook, outlook_from_tables

__all__ = [
    "OutlookBaseline",
    "OutlookResult",
    "balance",
    "balance_table",
    "baseline_from_tables",
    "country_supply",
    "demand_table",
    "demand_totals",
    "outlook",
    "outlook_baseline",
    "outlook_from_tables",
    "stage_years",
]

from critmin._callable import make_callable  # noqa: E402

make_callable(__name__, "outlook")  # critmin.outlook(...) runs the job; critmin.outlook.<name> still works
