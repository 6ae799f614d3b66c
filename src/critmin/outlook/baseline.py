"""The data a market scenario with a start year needs: supply by country and stage, and demand, in one
IEA year and demand scenario (``year = 2030``, ``demand_scenario = "APS"``).

:func:`baseline_from_tables` is pure; :func:`outlook_baseline` reads the warehouse. Both give IEA's
figures only, on IEA's basis: supply by stage and country from IEA's base case, total demand of the
scenario (the base year's demand is one figure for every scenario), and the same for IEA's base year,
so that a caller that starts from USGS's base-year table can scale it by IEA's growth (a ratio of IEA
tonnes to IEA tonnes) instead of mixing IEA and USGS tonnes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.errors import DataError
from critmin.outlook.balance import country_supply, demand_table, demand_totals, stage_years
from critmin.sources.iea import CASE, SCENARIOS, SECTOR_TOTAL
from critmin.warehouse import Warehouse

__all__ = ["OutlookBaseline", "baseline_from_tables", "outlook_baseline"]


@dataclass
class OutlookBaseline:
    """Supply by stage and country and total demand of one commodity in one IEA year and scenario.

    Attributes
    ----------
    commodity : str
        Catalogue id.
    year : int
        The IEA year (2024, 2030, 2035 or 2040).
    demand_scenario : str
        STEPS, APS or NZE.
    base_year : int
        IEA's base year (2024).
    supply : DataFrame
        stage, country (ISO3, ``OTH`` Rest of world), quantity_t [t/yr], share [1] in ``year``.
    supply_total_t : dict of str to float
        IEA's world total per stage in ``year`` [t/yr].
    demand_t : float
        Total demand in ``year`` and the scenario [t/yr].
    demand_by_sector_t : dict of str to float
        Demand by sector [t/yr] (IEA's sectors, clean technologies, other uses).
    base_supply : DataFrame
        The same as ``supply`` for the base year.
    base_supply_total_t : dict of str to float
        World total per stage in the base year [t/yr].
    base_demand_t : float
        Total demand in the base year [t/yr].
    basis : dict of str to str
        Basis of the tonnes per stage and of ``demand``.
    source, edition : str
        ``iea`` and the IEA edition.
    notes : list of str
        How to use the figures.
    """

    commodity: str
    year: int
    demand_scenario: str
    base_year: int
    supply: pd.DataFrame
    supply_total_t: dict[str, float]
    demand_t: float
    demand_by_sector_t: dict[str, float]
    base_supply: pd.DataFrame
    base_supply_total_t: dict[str, float]
    base_demand_t: float
    basis: dict[str, str]
    source: str
    edition: str
    notes: list[str] = field(default_factory=list)

    def capacity_t_per_year(self, stage: str) -> dict[str, float]:
        """Output by country of one stage in ``year`` [t/yr] (``OTH`` for Rest of world)."""
        d = self.supply[self.supply["stage"] == stage]
        return dict(zip(d["country"], d["quantity_t"].astype(float), strict=True))

    def growth(self, stage: str | None = None) -> float:
        """IEA's ratio ``year`` / base year [1]: of the stage's world total, or of demand (None)."""
        if stage is None:
            return self.demand_t / self.base_demand_t if self.base_demand_t else math.nan
        b = self.base_supply_total_t.get(stage, math.nan)
        return self.supply_total_t.get(stage, math.nan) / b if b else math.nan

    def to_dict(self) -> dict:
        """A JSON-ready description."""
        stages = sorted(self.supply_total_t)
        return {
            "commodity": self.commodity, "year": self.year,
            "demand_scenario": self.demand_scenario, "base_year": self.base_year,
            "supply_t": {s: self.capacity_t_per_year(s) for s in stages},
            "supply_total_t": dict(self.supply_total_t), "demand_t": self.demand_t,
            "demand_by_sector_t": dict(self.demand_by_sector_t),
            "base_supply_total_t": dict(self.base_supply_total_t),
            "base_demand_t": self.base_demand_t,
            "growth": {**{s: self.growth(s) for s in stages}, "demand": self.growth()},
            "basis": dict(self.basis), "source": self.source, "edition": self.edition,
            "notes": list(self.notes),
        }


def baseline_from_tables(
    supply_rows: pd.DataFrame,
    demand_rows: pd.DataFrame,
    *,
    commodity: str,
    year: int,
    demand_scenario: str = "STEPS",
) -> OutlookBaseline:
    """Supply by stage and country and total demand in one IEA year and scenario (pure).

    Parameters
    ----------
    supply_rows : DataFrame
        ``outlook_supply`` rows of the commodity, one edition, base case.
    demand_rows : DataFrame
        ``outlook_demand`` rows of the commodity, same edition, series ``total_demand``.
    commodity : str
        Catalogue id.
    year : int
        An IEA supply year (2024, 2030, 2035, 2040) [calendar year].
    demand_scenario : str
        STEPS, APS or NZE.

    Raises
    ------
    DataError
        For an unknown scenario, or a year IEA gives no supply or demand for (years are never
        interpolated).
    """
    if demand_scenario not in SCENARIOS:
        raise DataError(f"unknown IEA demand scenario {demand_scenario!r}; expected one of "
                        f"{list(SCENARIOS)}")
    if supply_rows.empty:
        raise DataError(f"{commodity}: no IEA supply rows")
    stages = stage_years(supply_rows)
    supply = country_supply(supply_rows)
    demand = demand_table(demand_rows, demand_scenario)
    totals = demand_totals(demand)
    years = sorted(int(y) for y in stages["year"].unique())
    if year not in years or year not in totals.index:
        raise DataError(f"{commodity}: IEA gives supply by country for {', '.join(map(str, years))} "
                        f"and demand for {', '.join(map(str, totals.index))}; no {year} "
                        "(critmin does not interpolate between IEA's years)")
    base = supply_rows[~supply_rows["projected"].astype(bool)]["year"]
    base_year = int(base.min()) if len(base) else years[0]

    def at(y: int) -> tuple[pd.DataFrame, dict[str, float]]:
        s = supply[supply["year"] == y][["stage", "country", "quantity_t", "share"]]
        t = {r.stage: float(r.supply_t) for r in stages[stages["year"] == y].itertuples()}
        return s.reset_index(drop=True), t

    sup, tot = at(year)
    base_sup, base_tot = at(base_year)
    d = demand[(demand["year"] == year) & (demand["sector"] != SECTOR_TOTAL)]
    basis = {r.stage: r.basis for r in stages.drop_duplicates("stage").itertuples()}
    basis["demand"] = str(demand["basis"].dropna().iloc[0]) if demand["basis"].notna().any() else ""
    notes = [f"IEA {CASE} case supply and {demand_scenario} demand for {year}, on IEA's basis "
             f"({basis.get('refinery') or basis.get('mine')}); do not add or divide these tonnes "
             "with USGS tonnes: scale a USGS base by growth() instead"]
    if year == base_year:
        notes.append(f"{year} is IEA's base year: its demand is the same in every scenario")
    return OutlookBaseline(
        commodity=commodity, year=year, demand_scenario=demand_scenario, base_year=base_year,
        supply=sup, supply_total_t=tot, demand_t=float(totals[year]),
        demand_by_sector_t={r.sector: float(r.demand_t) for r in d.itertuples()},
        base_supply=base_sup, base_supply_total_t=base_tot,
        base_demand_t=float(totals.get(base_year, math.nan)), basis=basis, source="iea",
        edition=str(supply_rows["edition"].iloc[0]), notes=notes,
    )


def outlook_baseline(
    commodity: str,
    *,
    year: int,
    demand_scenario: str = "STEPS",
    warehouse: Warehouse,
) -> OutlookBaseline:
    """Supply by stage and country and total demand of a commodity in one IEA year and scenario.

    What a market scenario with ``year = 2030`` and ``demand_scenario = "APS"`` starts from.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    year : int
        2024, 2030, 2035 or 2040 [calendar year].
    demand_scenario : str
        STEPS, APS or NZE.
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    OutlookBaseline

    Raises
    ------
    DataError
        For a commodity IEA does not cover, an unknown scenario or a year without IEA figures.
    """
    com = get_commodity(commodity)
    sup = warehouse.table("outlook_supply", commodity=com.id, case=CASE)
    if sup.empty:
        raise DataError(f"{com.id}: not in the IEA Critical Minerals Data Explorer")
    latest = sup.sort_values(["edition_date", "edition"])["edition"].iloc[-1]
    dem = warehouse.table("outlook_demand", commodity=com.id, series="total_demand", edition=latest)
    return baseline_from_tables(sup[sup["edition"] == latest], dem, commodity=com.id, year=year,
                                demand_scenario=demand_scenario)
