"""The outlook job: IEA supply by stage and country, demand by sector, the balance, to 2040 (2050).

:func:`outlook` reads the ``outlook_supply`` and ``outlook_demand`` tables of the warehouse (the IEA
Critical Minerals Data Explorer, :mod:`critmin.sources.iea`) and calls the pure functions of
:mod:`critmin.outlook.balance`. One source, one basis: the supply and the demand of an outlook are both
IEA's (for rare earths: magnet rare earth elements Nd, Pr, Dy, Tb), so tonnes compare within it; they are
never mixed with USGS tonnes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from critmin._json import num as _num
from critmin._memo import memo_shared
from critmin._result import Result
from critmin.commodities import get as get_commodity
from critmin.errors import DataError
from critmin.outlook.balance import (
    STAGE_ORDER,
    balance_table,
    country_supply,
    demand_table,
    demand_totals,
    in_file_order,
    stage_years,
)
from critmin.sources.iea import CASE, SCENARIOS, SECTOR_TOTAL
from critmin.warehouse import Warehouse, with_default_warehouse

__all__ = ["OutlookResult", "outlook", "outlook_from_tables", "BALANCE_NOTES"]

SOURCE_TITLE = "IEA Critical Minerals Data Explorer"
LICENCE = "CC BY 4.0"

BALANCE_NOTES: dict[str, str] = {
    "graphite": "graphite: mining counts natural graphite, refining battery-grade graphite, demand "
                "all graphite (IEA's total-demand series, synthetic included): the three are "
                "different materials, so the balances are not shortfalls",
    "copper": "copper: demand is also met by recycled copper, which the mine stage does not count; "
              "refined copper includes secondary (scrap-based) output",
}
"""Commodity id -> a note on what its balance compares."""

GENERAL_NOTE = ("balance_t = supply - total demand per stage (docs/methods.md §6); mine supply excludes "
                "recycled material and neither stage counts stock changes, so a negative balance is "
                "not by itself a shortfall")


@dataclass(repr=False)
class OutlookResult(Result):
    """IEA supply by stage and country, demand by sector and the balance of one commodity.

    Attributes
    ----------
    commodity, name : str
        Catalogue id and display name.
    scenario : str
        IEA demand scenario (STEPS, APS, NZE).
    case : str
        IEA supply case (``base``).
    edition, edition_date, file : str
        The IEA edition (``IEA-CMDE-2025``), its release date and the raw file.
    basis : dict of str to str
        Basis of the tonnes per stage and of ``demand``.
    years : list of int
        IEA's years (supply: 2024, 2030, 2035, 2040; demand to 2050).
    base_year : int
        IEA's base year (2024); later years are projections.
    supply : DataFrame
        stage, year, country (ISO3, ``OTH`` Rest of world), quantity_t [t/yr], share [1].
    stages : DataFrame
        Per stage and year: supply_t [t/yr], china_share, top_country, top_share, top3_share,
        other_share [1], hhi [1], hhi_points, n_countries, projected, basis.
    demand : DataFrame
        year, sector, demand_t [t/yr], basis (sectors, clean technologies, other uses, total).
    balance : DataFrame
        stage, year, supply_t, demand_t, balance_t [t/yr], balance_share [1].
    notes : list of str
        What the figures compare and how.
    """

    commodity: str
    name: str
    scenario: str
    case: str
    edition: str
    edition_date: str
    file: str
    basis: dict[str, str]
    years: list[int]
    base_year: int
    supply: pd.DataFrame
    stages: pd.DataFrame
    demand: pd.DataFrame
    balance: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    _key_fields = ("commodity", "scenario", "case", "edition")
    _repr_fields = ("years",)
    _main = "stages"

    def headline(self) -> str:
        """One line: the commodity, scenario and edition."""
        return f"{self.name}: IEA outlook, {self.scenario} demand, {self.case} case supply ({self.edition})"

    def sources_used(self) -> list[dict[str, str]]:
        """The IEA edition."""
        return [{"source": "iea", "edition": self.edition}]

    @property
    def stage_names(self) -> list[str]:
        """Stages present, in display order."""
        have = set(self.stages["stage"]) if len(self.stages) else set()
        return [s for s in STAGE_ORDER if s in have] + sorted(have - set(STAGE_ORDER))

    @property
    def sources(self) -> list[dict]:
        """Where the figures come from."""
        return [{"source": "iea", "title": SOURCE_TITLE, "edition": self.edition,
                 "edition_date": self.edition_date, "file": self.file, "licence": LICENCE,
                 "supply_case": self.case, "demand_scenario": self.scenario,
                 "tables": ["outlook_supply", "outlook_demand"], "basis": dict(self.basis)}]

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin outlook --json``.

        ``{"commodity", "scenario", "years": [{"year", "supply_t": {stage: {ISO3: t}},
        "demand_t", "balance_t": {stage: t}, "shares": {stage: {ISO3: share}}, "hhi": {stage: h},
        ...}], "sources": [...]}``; a year without supply (2045, 2050) has empty stage tables and
        nulls; a year without demand has ``demand_t`` null.
        """
        stages = self.stage_names
        st = {(r.stage, int(r.year)): r for r in self.stages.itertuples(index=False)}
        bal = {(r.stage, int(r.year)): r for r in self.balance.itertuples(index=False)}
        dem = demand_totals(self.demand)
        years = []
        for y in self.years:
            sup = self.supply[self.supply["year"] == y]
            by_sector = self.demand[(self.demand["year"] == y)]
            entry = {
                "year": y,
                "projected": y > self.base_year,
                "supply_t": {s: {r.country: _num(r.quantity_t) for r in
                                 sup[sup["stage"] == s].itertuples(index=False)} for s in stages},
                "supply_total_t": {s: _num(st[(s, y)].supply_t) if (s, y) in st else None
                                   for s in stages},
                "demand_t": _num(dem.get(y, math.nan)),
                "demand_by_sector_t": {r.sector: _num(r.demand_t)
                                       for r in by_sector.itertuples(index=False)
                                       if r.sector != SECTOR_TOTAL},
                "balance_t": {s: _num(bal[(s, y)].balance_t) if (s, y) in bal else None
                              for s in stages},
                "balance_share": {s: _num(bal[(s, y)].balance_share) if (s, y) in bal else None
                                  for s in stages},
                "shares": {s: {r.country: _num(r.share) for r in
                               sup[sup["stage"] == s].itertuples(index=False)} for s in stages},
                "china_share": {s: _num(st[(s, y)].china_share) if (s, y) in st else None
                                for s in stages},
                "top3_share": {s: _num(st[(s, y)].top3_share) if (s, y) in st else None
                               for s in stages},
                "hhi": {s: _num(st[(s, y)].hhi) if (s, y) in st else None for s in stages},
            }
            years.append(entry)
        return {
            "commodity": self.commodity,
            "name": self.name,
            "scenario": self.scenario,
            "supply_case": self.case,
            "unit": "t",
            "basis": dict(self.basis),
            "years": years,
            "sources": self.sources,
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """One tidy table: supply rows (per stage, year, country) and demand rows (per year, sector).

        Columns: commodity, scenario, year, kind (``supply`` or ``demand``), stage, country, sector,
        quantity_t [t/yr], share [1], stage_total_t, demand_t, balance_t [t/yr], balance_share,
        china_share, top3_share, hhi [1], basis, source, edition. Units are in ``attrs["units"]``.
        """
        st = self.stages.set_index(["stage", "year"])
        bal = self.balance.set_index(["stage", "year"])
        dem = demand_totals(self.demand)
        rows = []
        for r in self.supply.itertuples(index=False):
            k = (r.stage, int(r.year))
            s = st.loc[k] if k in st.index else None
            b = bal.loc[k] if k in bal.index else None
            rows.append({
                "year": int(r.year), "kind": "supply", "stage": r.stage, "country": r.country,
                "sector": "", "quantity_t": r.quantity_t, "share": r.share,
                "stage_total_t": None if s is None else s["supply_t"],
                "demand_t": dem.get(int(r.year), math.nan),
                "balance_t": None if b is None else b["balance_t"],
                "balance_share": None if b is None else b["balance_share"],
                "china_share": None if s is None else s["china_share"],
                "top3_share": None if s is None else s["top3_share"],
                "hhi": None if s is None else s["hhi"],
                "basis": self.basis.get(r.stage, ""),
            })
        for r in self.demand.itertuples(index=False):
            rows.append({"year": int(r.year), "kind": "demand", "stage": "", "country": "",
                         "sector": r.sector, "quantity_t": r.demand_t, "share": None,
                         "stage_total_t": None, "demand_t": dem.get(int(r.year), math.nan),
                         "balance_t": None, "balance_share": None, "china_share": None,
                         "top3_share": None, "hhi": None, "basis": r.basis})
        df = pd.DataFrame(rows)
        df.insert(0, "scenario", self.scenario)
        df.insert(0, "commodity", self.commodity)
        df["source"] = "iea"
        df["edition"] = self.edition
        df = df.sort_values(["year", "kind", "stage"], kind="stable").reset_index(drop=True)
        df.attrs["units"] = {"quantity_t": "t/yr", "stage_total_t": "t/yr", "demand_t": "t/yr",
                             "balance_t": "t/yr", "share": "1", "balance_share": "1",
                             "china_share": "1", "top3_share": "1", "hhi": "1"}
        df.attrs["result"] = type(self).__name__
        df.attrs["sources"] = self.sources_used()
        return df


def outlook_from_tables(
    supply_rows: pd.DataFrame,
    demand_rows: pd.DataFrame,
    *,
    commodity: str,
    scenario: str = "STEPS",
) -> OutlookResult:
    """The outlook of one commodity from its table rows (pure: no warehouse).

    Parameters
    ----------
    supply_rows : DataFrame
        ``outlook_supply`` rows of the commodity, one edition, one case.
    demand_rows : DataFrame
        ``outlook_demand`` rows of the commodity, the same edition, series ``total_demand``.
    commodity : str
        Catalogue id.
    scenario : str
        ``STEPS``, ``APS`` or ``NZE``.

    Returns
    -------
    OutlookResult

    Raises
    ------
    DataError
        For an unknown scenario or when there are no rows.
    """
    if scenario not in SCENARIOS:
        raise DataError(f"unknown IEA scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    if supply_rows.empty and demand_rows.empty:
        raise DataError(f"{commodity}: no IEA outlook rows")
    return _from_tables(supply_rows, demand_rows, commodity=commodity, scenario=scenario,
                        parts=_supply_parts(supply_rows))


def _supply_parts(supply_rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scenario-independent part of an outlook: (:func:`stage_years`, :func:`country_supply`)."""
    stages = stage_years(supply_rows) if len(supply_rows) else pd.DataFrame(
        columns=["stage", "year", "supply_t", "basis"])
    supply = country_supply(supply_rows) if len(supply_rows) else pd.DataFrame(
        columns=["stage", "year", "country", "quantity_t", "share"])
    return stages, supply


def _from_tables(supply_rows: pd.DataFrame, demand_rows: pd.DataFrame, *, commodity: str,
                 scenario: str, parts: tuple[pd.DataFrame, pd.DataFrame]) -> OutlookResult:
    """:func:`outlook_from_tables` with its supply part (:func:`_supply_parts`) given (the result
    keeps those frames)."""
    if scenario not in SCENARIOS:
        raise DataError(f"unknown IEA scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    if supply_rows.empty and demand_rows.empty:
        raise DataError(f"{commodity}: no IEA outlook rows")
    # IEA's order, whatever order the rows came in (the notes list Rest of world's twins in it)
    supply_rows, demand_rows = in_file_order(supply_rows), in_file_order(demand_rows)
    com = get_commodity(commodity)
    stages, supply = parts
    demand = demand_table(demand_rows, scenario) if len(demand_rows) else pd.DataFrame(
        columns=["year", "sector", "demand_t", "basis"])
    bal = balance_table(stages, demand_totals(demand))
    years = sorted({int(y) for y in stages["year"]} | {int(y) for y in demand["year"]})
    basis = {r.stage: r.basis for r in stages.drop_duplicates("stage").itertuples(index=False)}
    dbasis = demand["basis"].dropna()
    basis["demand"] = str(dbasis.iloc[0]) if len(dbasis) else ""
    first = supply_rows if len(supply_rows) else demand_rows
    actual = pd.concat([supply_rows[["year", "projected"]], demand_rows[["year", "projected"]]])
    actual = actual[~actual["projected"].astype(bool)]["year"]
    base_year = int(actual.min()) if len(actual) else min(years)
    notes = [GENERAL_NOTE]
    if com.id in BALANCE_NOTES:
        notes.append(BALANCE_NOTES[com.id])
    if len(supply_rows):
        supply_years = sorted({int(y) for y in stages["year"]})
        notes.append(f"supply: IEA {CASE} case for {', '.join(map(str, supply_years))} "
                     "(operating and announced projects weighted by their probability of coming "
                     "online); years between are not interpolated")
        oth = supply_rows[(supply_rows["country"] == "OTH")
                          & supply_rows["notes"].fillna("").str.startswith("Rest of world")]
        twins: dict[tuple[str, str], list[int]] = {}
        for r in oth.itertuples(index=False):
            m = re.search(r"also counts (.+?) \(", str(r.notes))
            twins.setdefault((r.stage, m.group(1) if m else "a listed country"), []).append(
                int(r.year))
        notes.extend(f"{stage}: IEA's Rest of world also counts {who}, listed separately "
                     f"({', '.join(map(str, sorted(ys)))}); OTH here leaves it out so that the "
                     "stage adds up to IEA's total" for (stage, who), ys in twins.items())
    notes.append("shares are of IEA's world total per stage and year (OTH = Rest of world); HHI on "
                 "the countries' shares of that total, Rest of world counted as many small "
                 "producers (a lower bound)")
    return OutlookResult(
        commodity=com.id, name=com.name, scenario=scenario, case=CASE,
        edition=str(first["edition"].iloc[0]), edition_date=str(first["edition_date"].iloc[0]),
        file=str(first["file"].iloc[0]), basis=basis, years=years, base_year=base_year,
        supply=supply, stages=stages,
        demand=demand, balance=bal, notes=notes,
    )


@with_default_warehouse
def outlook(commodity: str, *, scenario: str = "STEPS",
            warehouse: Warehouse | None = None) -> OutlookResult:
    """IEA supply by stage and country, demand by sector and the balance, for IEA's years.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code (IEA covers copper, cobalt, lithium, nickel, graphite and
        rare earths).
    scenario : str
        IEA demand scenario: ``STEPS`` (stated policies, default), ``APS`` (announced pledges) or
        ``NZE`` (net zero emissions by 2050). Supply is IEA's base case in every scenario.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).

    Returns
    -------
    OutlookResult
        For 2024, 2030, 2035, 2040: supply by stage and country [t/yr], shares [1], China's and the
        top-3 share [1], HHI [1]; demand by sector [t/yr] to 2050; balance per stage [t/yr] and as a
        share of demand [1].

    Raises
    ------
    DataError
        For an unknown scenario, or a commodity IEA does not cover.
    """
    com = get_commodity(commodity)
    if scenario not in SCENARIOS:
        raise DataError(f"unknown IEA scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    # the rows and the supply side are the same in every scenario: read and computed once per
    # warehouse (shared, never changed: the result gets copies of the supply frames)
    sup, dem, latest = memo_shared(warehouse, ("outlook-rows", com.id, CASE),
                                   lambda: _latest_rows(warehouse, com.id))
    sup = sup[sup["edition"] == latest]
    dem = dem[dem["edition"] == latest]
    stages, supply = memo_shared(warehouse, ("outlook-supply-parts", com.id, CASE, latest),
                                 lambda: _supply_parts(sup))
    return _from_tables(sup, dem, commodity=com.id, scenario=scenario,
                        parts=(stages.copy(), supply.copy()))


def _latest_rows(warehouse: Warehouse, cid: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The commodity's ``outlook_supply`` (IEA's case) and ``total_demand`` rows and the latest
    edition among them; DataError when IEA does not cover it."""
    sup = warehouse.table("outlook_supply", commodity=cid, case=CASE)
    dem = warehouse.table("outlook_demand", commodity=cid, series="total_demand")
    if sup.empty and dem.empty:
        covered = warehouse.query('SELECT DISTINCT commodity FROM "outlook_supply" ORDER BY 1')
        raise DataError(f"{cid}: not in the IEA Critical Minerals Data Explorer; IEA covers "
                        f"{', '.join(covered['commodity']) or 'nothing (table empty)'}")
    both = pd.concat([sup[["edition", "edition_date"]], dem[["edition", "edition_date"]]])
    latest = both.sort_values(["edition_date", "edition"])["edition"].iloc[-1]
    return sup, dem, latest
