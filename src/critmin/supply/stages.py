"""Stage-aware supply: which source gives a stage, and IEA's producers in the shape of ``critmin supply``.

USGS (the ``production`` table) gives mine production for every commodity and refinery production for a
few (copper); the IEA Critical Minerals Data Explorer (the ``outlook_supply`` table) gives mining and
refining by country for copper, cobalt, lithium, nickel, graphite and the magnet rare earths. The rule
(:func:`choose_source`):

* ``source="usgs"`` (the default of :func:`critmin.supply.supply`, as before): USGS only;
* ``source="iea"``: IEA's table for the stage (2024, and IEA's base-case projections for 2030, 2035,
  2040);
* ``source="auto"`` (the default of ``critmin supply``): USGS where it has the stage for the commodity,
  IEA where USGS lacks it. So ``--stage refinery`` gives USGS for copper (MCS refinery tables) and IEA
  for rare earths, lithium, cobalt, nickel and graphite; ``--stage mine`` stays USGS.

Every result names its source, edition and basis. IEA's rare-earth tonnes are magnet rare earth
elements (Nd, Pr, Dy, Tb), USGS's are all rare-earth oxides: shares within one source compare, tonnes
across sources do not, and nothing here adds or divides tonnes of two sources.

:func:`as_production_rows` and :func:`stage_entry` are pure; :func:`iea_supply`,
:func:`stage_overview` and :func:`iea_rows` read the warehouse.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.errors import DataError
from critmin.supply.concentration import hhi_band, hhi_of_total, supply_table
from critmin.supply.job import SupplyResult, _governance_weighted, supply
from critmin.warehouse import Warehouse

__all__ = [
    "SOURCES",
    "SOURCE_TITLES",
    "choose_source",
    "iea_rows",
    "as_production_rows",
    "iea_supply",
    "stage_entry",
    "stage_overview",
]

SOURCES = ("auto", "usgs", "iea")
"""Values of ``source``: ``usgs`` (USGS tables), ``iea`` (IEA Data Explorer) or ``auto``."""

SOURCE_TITLES = {
    "iea": "IEA Critical Minerals Data Explorer",
    "usgs-mcs": "USGS Mineral Commodity Summaries",
    "usgs-ds140": "USGS Data Series 140",
    "usgs-myb": "USGS Minerals Yearbook",
}
"""Source id -> title, for outputs that name where a stage comes from."""

IEA_TABLE = "outlook_supply"
STAGE_NAMES = ("mine", "refinery")
"""The stages IEA's table has, in critmin's names."""


def iea_rows(warehouse: Warehouse, commodity: str, stage: str | None = None) -> pd.DataFrame:
    """``outlook_supply`` rows of one commodity (optionally one stage), latest edition, base case.

    Parameters
    ----------
    warehouse : Warehouse
        Where the data live.
    commodity : str
        Catalogue id.
    stage : str, optional
        ``mine`` or ``refinery``.

    Returns
    -------
    DataFrame
        Rows of the ``outlook_supply`` table (see :mod:`critmin.schema`); empty when IEA does not
        cover the commodity.
    """
    where: dict[str, object] = {"commodity": commodity, "case": "base"}
    if stage:
        where["stage"] = stage
    rows = warehouse.table(IEA_TABLE, **where)
    if rows.empty:
        return rows
    latest = rows.sort_values(["edition_date", "edition"])["edition"].iloc[-1]
    return rows[rows["edition"] == latest].reset_index(drop=True)


def _usgs_stages(warehouse: Warehouse, commodity: str) -> list[str]:
    got = warehouse.query(
        "SELECT DISTINCT stage FROM production WHERE commodity = ? AND measure = 'production' "
        "AND country_kind <> 'aggregate' AND value IS NOT NULL", [commodity])
    return sorted(got["stage"].dropna())


def _iea_stages(warehouse: Warehouse, commodity: str) -> list[str]:
    got = warehouse.query(f'SELECT DISTINCT stage FROM "{IEA_TABLE}" WHERE commodity = ?',
                          [commodity])
    return sorted(got["stage"].dropna())


def choose_source(
    commodity: str,
    stage: str | None,
    *,
    source: str = "auto",
    warehouse: Warehouse,
) -> str:
    """Which source gives a commodity's stage: ``usgs`` or ``iea``.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    stage : str, optional
        ``mine``, ``refinery``, ...; None for the commodity's default stage (always USGS under
        ``auto``).
    source : str
        ``usgs``, ``iea`` or ``auto`` (USGS where it has the stage, else IEA where it has it).
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    str
        ``usgs`` or ``iea``.

    Raises
    ------
    DataError
        For an unknown ``source``, or ``iea`` for a commodity or stage IEA does not cover.
    """
    if source not in SOURCES:
        raise DataError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if source == "usgs":
        return "usgs"
    com = get_commodity(commodity)
    if source == "iea":
        have = _iea_stages(warehouse, com.id)
        if not have:
            covered = warehouse.query(f'SELECT DISTINCT commodity FROM "{IEA_TABLE}" ORDER BY 1')
            raise DataError(f"{com.id}: not in the IEA Critical Minerals Data Explorer; IEA covers "
                            f"{', '.join(covered['commodity']) or 'nothing (table empty)'}")
        if stage and stage not in have:
            raise DataError(f"{com.id}: IEA has no {stage!r} stage; IEA stages: {have}")
        return "iea"
    if stage is None or stage in _usgs_stages(warehouse, com.id):
        return "usgs"
    return "iea" if stage in _iea_stages(warehouse, com.id) else "usgs"


def as_production_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """``outlook_supply`` rows in the columns :func:`critmin.supply.concentration.supply_table`
    reads (``quantity_t``, ``value``, ``missing``, ``country``, ``country_kind``, ``estimated``).

    Parameters
    ----------
    rows : DataFrame
        ``outlook_supply`` rows of one commodity, stage, case, year and edition.

    Returns
    -------
    DataFrame
        The rows with ``estimated`` (False: IEA flags no estimates), ``measure`` (production) and
        ``product`` (the basis) added.
    """
    return rows.assign(estimated=False, measure="production", product=rows["basis"])


def iea_supply(
    commodity: str,
    *,
    year: int | None = None,
    stage: str | None = None,
    edition: str | None = None,
    warehouse: Warehouse,
) -> SupplyResult:
    """Producers of a commodity at one stage from IEA's Data Explorer, as :func:`critmin.supply.supply`.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    year : int, optional
        2024 (IEA's base year, the default) or a projection year (2030, 2035, 2040: IEA base case).
    stage : str, optional
        ``mine`` or ``refinery``; default the commodity's default stage (``mine``), as in
        :func:`critmin.supply.supply`.
    edition : str, optional
        An IEA edition (``IEA-CMDE-2025``); default the latest.
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    SupplyResult
        ``source`` ``iea``, ``edition`` the IEA edition, ``basis`` and ``product`` IEA's basis (magnet
        rare earth elements for rare earths), ``unit`` t; quantities [t], shares of IEA's world total
        [1]; HHI on the countries' shares of IEA's world total ("Rest of world", ``OTH``, kept
        out: a lower bound, see :func:`critmin.supply.concentration.hhi_of_total`) [1]; the
        governance-weighted HHI on the same shares with the latest WGI not after the year [0–10].
        No reserves.

    Raises
    ------
    DataError
        When IEA does not cover the commodity, stage, year or edition.
    """
    com = get_commodity(commodity)
    st = stage or (com.default_stage if com.default_stage in STAGE_NAMES else "mine")
    rows = iea_rows(warehouse, com.id, st)
    if edition:
        rows = warehouse.table(IEA_TABLE, commodity=com.id, stage=st, case="base", edition=edition)
    if rows.empty:
        raise DataError(f"{com.id}: no IEA {st} data" + (f" in {edition}" if edition else "")
                        + "; IEA covers copper, cobalt, lithium, nickel, graphite and rare earths")
    years = sorted(int(y) for y in rows["year"].unique())
    base_years = sorted(int(y) for y in rows.loc[~rows["projected"].astype(bool), "year"].unique())
    if year is None:
        year = base_years[-1] if base_years else years[0]
    if year not in years:
        raise DataError(f"{com.id}: IEA gives {st} by country for {', '.join(map(str, years))} "
                        f"only (no {year}; critmin does not interpolate between IEA's years)")
    yr = rows[rows["year"] == year]
    ed = str(yr["edition"].iloc[0])
    basis = str(yr["basis"].dropna().iloc[0]) if yr["basis"].notna().any() else ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table, tot = supply_table(as_production_rows(yr))
    notes = [str(w.message) for w in caught]
    notes.append(f"{st} stage from the {SOURCE_TITLES['iea']} ({ed}), basis: {basis}; IEA tonnes "
                 "are not USGS tonnes: compare shares, not tonnes, across sources")
    if st not in _usgs_stages(warehouse, com.id):
        notes.append(f"USGS has no {st} production by country for {com.id}: IEA gives the stage")
    if bool(yr["projected"].astype(bool).any()):
        notes.append(f"{year} is a projection: IEA base case (operating and announced projects "
                     "weighted by their probability of coming online)")
    oth = yr[(yr["country"] == "OTH") & yr["notes"].fillna("").str.startswith("Rest of world")]
    notes.extend(str(n).split(" Notes: ")[0] for n in oth["notes"])
    # HHI on shares of IEA's world total, Rest of world out (see critmin.outlook.balance)
    h = hhi_of_total(table["quantity"], tot["world_total"] or
                     tot["countries_total"] + tot["other_countries"])
    notes.append(f"HHI on the countries' shares of IEA's world total; Rest of world (OTH, "
                 f"{tot['other_share']:.1%} of it) counts as many small producers (a lower bound)")
    on_total = table.assign(share_of_countries=table["share"])
    hhi_wgi, wgi_year = _governance_weighted(warehouse, on_total, int(year), notes)
    table["wgi_scaled"] = on_total["wgi_scaled"]
    return SupplyResult(
        commodity=com.id, name=com.name, year=int(year), stage=st, product=basis, basis=basis,
        unit="t", edition=ed, source="iea", world_total=tot["world_total"],
        countries_total=tot["countries_total"], other_countries=tot["other_countries"],
        hhi=h, hhi_points=h * 10_000, hhi_band=hhi_band(h), table=table,
        hhi_wgi=hhi_wgi, wgi_year=wgi_year, notes=notes,
    )


def stage_entry(res: SupplyResult) -> dict:
    """One line of the stage comparison: where a stage comes from and how concentrated it is.

    Parameters
    ----------
    res : SupplyResult
        A producer table (USGS or IEA).

    Returns
    -------
    dict
        stage, source, source_title, edition, basis, year, world_total [t], china_share [1],
        top_country, top_share [1], top3_share [1] (shares of the source's world total), other_share
        [1], hhi [1], hhi_points, hhi_band, hhi_wgi [0–10], wgi_year.
    """
    t = res.table.dropna(subset=["quantity"])
    t = t[t["quantity"] > 0]
    top = t.iloc[0] if len(t) else None
    chn = t.loc[t["country"] == "CHN", "share"]
    denom = res.world_total if res.world_total else (res.countries_total + res.other_countries)
    return {
        "stage": res.stage,
        "source": res.source,
        "source_title": SOURCE_TITLES.get(res.source, res.source),
        "edition": res.edition,
        "basis": res.basis,
        "year": res.year,
        "world_total": res.world_total,
        "unit": res.unit,
        "china_share": float(chn.iloc[0]) if len(chn) else 0.0,
        "top_country": None if top is None else str(top["country"]),
        "top_share": math.nan if top is None else float(top["share"]),
        "top3_share": float(t["share"].iloc[:3].sum()) if len(t) else math.nan,
        "other_share": res.other_countries / denom if denom else math.nan,
        "hhi": res.hhi,
        "hhi_points": res.hhi_points,
        "hhi_band": res.hhi_band,
        "hhi_wgi": res.hhi_wgi,
        "wgi_year": res.wgi_year,
    }


def stage_overview(res: SupplyResult, *, warehouse: Warehouse) -> SupplyResult:
    """Add to a producer table the other stages and sources of the same commodity and year.

    For each stage USGS covers and each stage IEA covers in ``res.year``, one :func:`stage_entry`
    (USGS first, then IEA; ``res``'s own stage and source included): China's share, top-3 share, HHI
    and governance-weighted HHI of mining beside refining, each labelled with its source and basis.

    Parameters
    ----------
    res : SupplyResult
        The table asked for.
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    SupplyResult
        ``res`` with ``stages`` filled (and a note when IEA has no figures for the year).
    """
    entries: list[dict] = []
    com = res.commodity
    plan = [(s, "usgs") for s in _usgs_stages(warehouse, com)]
    iea_years = warehouse.query(f'SELECT DISTINCT year FROM "{IEA_TABLE}" WHERE commodity = ? '
                                "ORDER BY year", [com])["year"].astype(int).tolist()
    if iea_years and res.year in iea_years:
        plan += [(s, "iea") for s in _iea_stages(warehouse, com)]
    elif iea_years:
        res.notes.append(f"IEA gives stages for {', '.join(map(str, iea_years))} only: no IEA "
                         f"stage comparison for {res.year}")
    for st, src in plan:
        if st == res.stage and (src == "iea") == (res.source == "iea"):
            entries.append(stage_entry(res))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                other = (iea_supply(com, year=res.year, stage=st, warehouse=warehouse) if src == "iea"
                         else supply(com, year=res.year, stage=st, source="usgs",
                                     warehouse=warehouse))
        except (DataError, KeyError):
            continue  # the stage has no table for that year
        entries.append(stage_entry(other))
    res.stages = entries
    return res
