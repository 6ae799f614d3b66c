"""Who supplies it? The supply and trend jobs: warehouse rows -> concentration metrics -> result objects.

The one rule that matters here is edition consistency: a year's country table is taken whole from one
edition (the most recently published one that covers that commodity, stage, product and year), never
stitched from several, because editions revise and regroup countries ("Other countries" absorbs a
country one year and not the next) and mixing them double counts.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin._json import num as _num
from critmin._memo import memo_result, memo_shared
from critmin._result import Result
from critmin.commodities import get as get_commodity
from critmin.errors import CritminError, DataError
from critmin.governance import wgi_mean, wgi_scaled
from critmin.sources.editions import precedence_key
from critmin.supply.concentration import (
    governance_weighted_hhi,
    reserves_to_production,
    supply_table,
    supply_totals,
)
from critmin.warehouse import Warehouse, with_default_warehouse

__all__ = ["SupplyResult", "TrendResult", "supply", "trend", "production_rows", "coverage"]


@dataclass(repr=False)
class SupplyResult(Result):
    """Producers of one commodity in one year, from one edition.

    The main table is ``table`` (``to_frame()`` adds the key fields commodity, year, stage, product,
    unit, edition and source as columns): country [ISO3], name, quantity [``unit``], share [1] (of the
    published world total, else of the country sum), share_of_countries [1], cumulative_share [1],
    estimated, missing (why a quantity is absent), reserves [``unit``], rp_years [years],
    wgi_scaled [0-10].
    """

    _key_fields = ("commodity", "year", "stage", "product", "unit", "edition", "source")
    _repr_fields = ("world_total", "hhi", "hhi_points", "hhi_band")

    commodity: str
    name: str
    year: int
    stage: str
    product: str
    basis: str
    unit: str
    edition: str
    source: str
    world_total: float | None
    countries_total: float
    other_countries: float
    hhi: float
    hhi_points: float
    hhi_band: str
    table: pd.DataFrame
    hhi_wgi: float = math.nan
    wgi_year: int | None = None
    notes: list[str] = field(default_factory=list)
    stages: list[dict] = field(default_factory=list)  # issue 14: stage comparison, see supply.stages
    # --- editions (issue 19): the other editions covering the year, by precedence
    other_editions: list[dict] = field(default_factory=list)
    edition_tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    editions_summary: str = ""

    def units(self) -> dict[str, str]:
        """Units of ``table``'s columns whose name does not state it."""
        return {"quantity": self.unit, "reserves": self.unit, "wgi_scaled": "0-10 (10 = best governed)"}

    def sources_used(self) -> list[dict[str, str]]:
        """The edition of the table, and the WGI release behind ``hhi_wgi`` and ``wgi_scaled``."""
        used = super().sources_used()
        if self.wgi_year is not None:
            used.append({"source": "wgi", "edition": ""})
        return used

    def headline(self) -> str:
        """One line: the top producer's share and the concentration."""
        top = self.table.iloc[0] if len(self.table) else None
        lead = (f"; {top['name']} {top['share']:.1%}" if top is not None and pd.notna(top["share"])
                else "")
        return (f"{self.name}: {self.stage} production {self.year} ({self.edition}){lead}; "
                f"HHI {self.hhi_points:,.0f} points ({self.hhi_band})")

    def comparison(self) -> pd.DataFrame:
        """Every edition covering the year side by side, tidy: country, name, edition, source,
        quantity [unit], share [1] (of that edition's world total, else of its country sum)."""
        parts = [t.assign(edition=ed, source=src) for ed, (src, t) in self.edition_tables.items()]
        if not parts:
            return pd.DataFrame(columns=["country", "name", "edition", "source", "quantity", "share"])
        return pd.concat(parts, ignore_index=True)[
            ["country", "name", "edition", "source", "quantity", "share"]]

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin supply --json``."""
        countries = []
        for r in self.table.itertuples(index=False):
            countries.append({
                "country": r.country,
                "name": r.name,
                "quantity": _num(r.quantity),
                "share": _num(r.share),
                "share_of_countries": _num(r.share_of_countries),
                "cumulative_share": _num(r.cumulative_share),
                "estimated": bool(r.estimated),
                "missing": r.missing if isinstance(r.missing, str) else None,
                "reserves": _num(getattr(r, "reserves", math.nan)),
                "rp_years": _num(getattr(r, "rp_years", math.nan)),
                "wgi_scaled": _num(getattr(r, "wgi_scaled", math.nan)),
            })
        return {
            "commodity": self.commodity,
            "name": self.name,
            "year": self.year,
            "stage": self.stage,
            "product": self.product,
            "basis": self.basis,
            "unit": self.unit,
            "edition": self.edition,
            "source": self.source,
            "world_total": _num(self.world_total),
            "countries_total": _num(self.countries_total),
            "other_countries": _num(self.other_countries),
            "hhi": _num(self.hhi),
            "hhi_points": _num(self.hhi_points),
            "hhi_band": self.hhi_band,
            "hhi_wgi": _num(self.hhi_wgi),
            "wgi_year": self.wgi_year,
            "countries": countries,
            "notes": self.notes,
            # issue 14: every stage of the same year, each with its source and basis
            "stages": [{k: _num(v) if isinstance(v, float) else v for k, v in e.items()}
                       for e in self.stages],
            "other_editions": [{k: _num(v) if isinstance(v, float) else v for k, v in e.items()}
                               for e in self.other_editions],
            "editions_summary": self.editions_summary,
        }


@dataclass(repr=False)
class TrendResult(Result):
    """World total, HHI and top producer per year, each year from its latest edition.

    The main table is ``years``: year, edition, source, world_total and countries_total [``unit``],
    hhi [1], hhi_points [points], top_country [ISO3], top_share and other_share [1], n_countries,
    source_changed.
    """

    _key_fields = ("commodity", "stage", "product", "unit")
    _main = "years"

    def units(self) -> dict[str, str]:
        """Units of ``years``' columns whose name does not state it."""
        return {"world_total": self.unit, "countries_total": self.unit}

    def headline(self) -> str:
        """One line: the years covered."""
        y = self.years["year"]
        span = f"{int(y.min())}–{int(y.max())}" if len(y) else "no years"
        return f"{self.commodity}: {self.stage} production trend, {span} ({self.product})"

    commodity: str
    stage: str
    product: str
    unit: str
    years: pd.DataFrame
    shares: dict[int, dict[str, float]]

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin trend --json``."""
        out = []
        for r in self.years.itertuples(index=False):
            out.append({
                "year": int(r.year),
                "world_total": _num(r.world_total),
                "hhi": _num(r.hhi),
                "top_country": r.top_country if isinstance(r.top_country, str) else None,
                "top_share": _num(r.top_share),
                "edition": r.edition,
                "source": r.source,
                "product": getattr(r, "product", self.product),
                "source_changed": bool(getattr(r, "source_changed", False)),
                "shares": {k: _num(v) for k, v in self.shares.get(int(r.year), {}).items()},
            })
        return {"commodity": self.commodity, "stage": self.stage, "product": self.product,
                "unit": self.unit, "years": out}


def production_rows(wh: Warehouse, commodity: str, stage: str | None = None) -> pd.DataFrame:
    """All production rows (every edition) of a commodity, optionally one stage (read once per
    warehouse, a copy each call)."""
    where = {"commodity": commodity, "measure": "production"}
    if stage:
        where["stage"] = stage
    cached = getattr(wh, "cached", None)
    if cached is None:
        return wh.table("production", **where)
    return cached(("production_rows", commodity, stage),
                  lambda: wh.table("production", **where)).copy()


def _pick_stage(rows: pd.DataFrame, stage: str | None, default: str | None, commodity: str) -> str:
    stages = sorted(rows["stage"].dropna().unique())
    if not stages:
        raise DataError(f"no production data for commodity {commodity!r} in the warehouse")
    if stage:
        if stage not in stages:
            raise DataError(f"{commodity}: no {stage!r} production data; stages present: {', '.join(stages)}")
        return stage
    if default and default in stages:
        return default
    return "mine" if "mine" in stages else stages[0]


def _pick_product(rows: pd.DataFrame, product: str | None, commodity: str) -> str:
    products = rows["product"].fillna("").value_counts()
    if product is not None:
        hits = [p for p in products.index if p.casefold() == product.casefold()]
        if not hits:
            raise DataError(f"{commodity}: no product {product!r}; products: "
                            f"{', '.join(map(str, products.index))}")
        return hits[0]
    # the product with the most rows that carry a value (ties: alphabetical)
    valued = rows[rows["value"].notna()]["product"].fillna("").value_counts()
    ranked = sorted(valued.items(), key=lambda kv: (-kv[1], kv[0])) or [(products.index[0], 0)]
    return ranked[0][0]


def _select(warehouse: Warehouse, commodity: str, stage: str | None, product: str | None):
    """Resolve the commodity, its stage and product; return them with the stage's rows."""
    com = get_commodity(commodity)
    rows = production_rows(warehouse, com.id)
    st = _pick_stage(rows, stage, getattr(com, "default_stage", None), com.id)
    rows = rows[rows["stage"] == st]
    # the product is chosen among rows with country detail (world-only series label it otherwise);
    # the history editions (MYB world tables, WMD, BGS) never decide it when others exist
    detailed = rows[rows["country_kind"] != "aggregate"]
    current = detailed[~detailed["source"].isin(HISTORY_SOURCES)]
    pr = _pick_product(current if len(current) else detailed if len(detailed) else rows,
                       product, com.id)
    return com, st, pr, rows


HISTORY_SOURCES = frozenset({"usgs-myb-world", "wmd", "bgs-wms"})
"""Sources of the historical country tables (issue 19)."""


def _ranked_editions(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(edition, source) of the rows, best first by
    :func:`critmin.sources.editions.precedence_key`: USGS editions (newest first), then World Mining
    Data, then BGS; only editions with at least one value count when any has one."""
    valued = rows[rows["value"].notna()]
    pool = valued if len(valued) else rows
    eds = {(str(r.edition), str(r.source), str(r.edition_date)[:10])
           for r in pool[["edition", "source", "edition_date"]].itertuples(index=False)}
    ranked = sorted(eds, key=lambda e: precedence_key(e[1], e[0], e[2]))
    return [(e[0], e[1]) for e in ranked]


def _trend_rows(rows: pd.DataFrame) -> list[np.ndarray]:
    """Per year with a value (ascending): the positions of the rows of the edition :func:`_trend`
    takes, as :func:`_latest_edition` picks it among the year's valued rows with country detail
    (else all its valued rows). One pass over the rows, the precedence key of each edition once."""
    if rows.empty:
        return []
    keys = [(str(e), str(s), str(d)[:10]) for e, s, d in
            zip(rows["edition"], rows["source"], rows["edition_date"], strict=True)]
    prec = {k: precedence_key(k[1], k[0], k[2]) for k in set(keys)}
    valued = rows["value"].notna().to_numpy(bool)
    country = (rows["country_kind"] != "aggregate").to_numpy(bool)
    edition = rows["edition"].to_numpy(object)
    chosen = []
    for _y, idx in sorted(rows.groupby("year").indices.items()):
        v = idx[valued[idx]]
        if not len(v):
            continue
        c = v[country[v]]
        # prefer editions with country detail; among them the latest published
        ed = min({keys[i] for i in (c if len(c) else v)}, key=prec.__getitem__)[0]
        chosen.append(idx[edition[idx] == ed])
    return chosen


def _latest_edition(rows: pd.DataFrame) -> str:
    """The edition to use among rows: the first by source precedence (see :func:`_ranked_editions`)."""
    return _ranked_editions(rows)[0][0]


@with_default_warehouse
def supply(
    commodity: str,
    *,
    year: int | None = None,
    stage: str | None = None,
    product: str | None = None,
    edition: str | None = None,
    source: str = "usgs",
    stages: bool = False,
    warehouse: Warehouse | None = None,
) -> SupplyResult:
    """Producers of a commodity: quantity, share, cumulative share; HHI; world total; edition.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code (e.g. ``rare-earths``, ``raree``).
    year : int, optional
        Calendar year; default the latest year with data.
    stage : str, optional
        ``mine``, ``refinery``, ...; default the commodity's default stage.
    product : str, optional
        Product within the stage when the source reports several (e.g. ilmenite vs rutile).
    edition : str, optional
        Force an edition (e.g. ``MCS2025``); default the latest that covers the year.
    source : str
        ``usgs`` (default), ``iea`` (the IEA Critical Minerals Data Explorer: mining and refining of
        six minerals, 2024 and projections) or ``auto`` (USGS where it has the stage, else IEA); see
        :mod:`critmin.supply.stages`.
    stages : bool
        Also fill ``stages``: the commodity's other stages and sources for the same year, each with
        its source, basis, China's share, top-3 share, HHI and governance-weighted HHI.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).
    """
    cid, st = _supply_key(warehouse, commodity, stage, source)
    key = ("supply", cid, year, st, product, edition, source, stages)
    return memo_result(warehouse, key, lambda: _supply(
        commodity, year=year, stage=stage, product=product, edition=edition, source=source,
        stages=stages, warehouse=warehouse))


def _supply_key(warehouse: Warehouse, commodity: str, stage: str | None,
                source: str) -> tuple[str, str | None]:
    """(commodity, stage) under which :func:`supply` memoises: for USGS data the catalogue id and
    the stage :func:`_select` resolves (its default when none is given), so ``supply("cobalt")`` and
    ``supply("Co", stage="mine")``, one computation, are kept once; the arguments as given when they
    do not resolve (the job then raises) or for another source."""
    if source != "usgs" or getattr(warehouse, "cached", None) is None:
        return commodity, stage
    try:
        com = get_commodity(commodity)
        stages = memo_shared(warehouse, ("production-stages", com.id),
                             lambda: production_rows(warehouse, com.id)[["stage"]])
        return com.id, _pick_stage(stages, stage, getattr(com, "default_stage", None), com.id)
    except (CritminError, KeyError):
        return commodity, stage


def _supply(commodity: str, *, year: int | None, stage: str | None, product: str | None,
            edition: str | None, source: str, stages: bool, warehouse: Warehouse) -> SupplyResult:
    """:func:`supply` computed (not memoised)."""
    # --- stage-aware supply (issue 14) ---
    from critmin.supply.stages import choose_source, iea_supply, stage_overview

    if choose_source(commodity, stage, source=source, warehouse=warehouse) == "iea":
        res = iea_supply(commodity, year=year, stage=stage, edition=edition, warehouse=warehouse)
        return stage_overview(res, warehouse=warehouse) if stages else res
    # --- end issue 14 ---
    com, st, pr, rows = _select(warehouse, commodity, stage, product)
    rows = rows[rows["product"].fillna("") == pr]
    detailed = rows[rows["country_kind"] != "aggregate"]
    years = sorted(detailed[detailed["value"].notna()]["year"].dropna().astype(int).unique())
    if year is None:
        if not years:
            raise DataError(f"{com.id}: no country-level {st} production data")
        year = years[-1]
    yr = rows[rows["year"] == year]
    if edition:
        yr = yr[yr["edition"] == edition]
    if yr.empty or yr[yr["country_kind"] != "aggregate"].empty:
        raise DataError(f"{com.id}: no {st} production by country for {year}"
                        + (f" in {edition}" if edition else "")
                        + f"; years with data: {years[0]}–{years[-1]}" if years else "")
    all_yr = rows[rows["year"] == year]
    ranked = _ranked_editions(all_yr[all_yr["country_kind"] != "aggregate"])
    ed = edition or ranked[0][0]
    yr = yr[yr["edition"] == ed]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table, tot = supply_table(yr)
    notes = [str(w.message) for w in caught]
    gap = tot["world_total_gap"]
    if gap == gap and abs(gap) >= 0.001:  # not NaN
        notes.append(f"shares are of the published world total; countries + other sum to "
                     f"{gap:+.1%} of it (USGS rounds world totals)")
    # reserves beside production, from the latest edition that reports them
    res = memo_shared(warehouse, ("reserves-rows", com.id),  # read once per commodity, not changed
                      lambda: warehouse.table("reserves", commodity=com.id))
    if len(res):
        # the reserves of the most recent edition that states any (its own reference year)
        res = res[res["edition"] == _latest_edition(res)]
        res = res[(res["country_kind"] != "aggregate") & (res["year"] == res["year"].max())]
        rq = res["quantity_t"].where(res["quantity_t"].notna(), res["value"])
        table["reserves"] = table["country"].map(rq.groupby(res["country"]).sum(min_count=1))
        notes.append(f"reserves: {res['edition'].iloc[0]}, end of {int(res['year'].iloc[0])}"
                     if len(res) else "no reserves by country")
        table["rp_years"] = [reserves_to_production(r, q)
                             for r, q in zip(table["reserves"], table["quantity"], strict=True)]
    hhi_wgi, wgi_year = _governance_weighted(warehouse, table, int(year), notes)
    units = yr["unit"].dropna().unique()
    unit = "t" if yr["quantity_t"].notna().any() else (str(units[0]) if len(units) else "")
    if yr["estimated"].fillna(False).any():
        notes.append("some figures are estimates (estimated=true)")
    basis = yr["basis"].dropna()
    others, tables, summary = _other_editions(all_yr, ranked, ed, table)
    res = SupplyResult(
        commodity=com.id, name=com.name, year=int(year), stage=st, product=pr,
        basis=str(basis.iloc[0]) if len(basis) else "", unit=unit, edition=ed,
        source=str(yr["source"].iloc[0]), world_total=tot["world_total"],
        countries_total=tot["countries_total"], other_countries=tot["other_countries"],
        hhi=tot["hhi"], hhi_points=tot["hhi_points"], hhi_band=tot["hhi_band"], table=table,
        hhi_wgi=hhi_wgi, wgi_year=wgi_year, notes=notes,
        other_editions=others, edition_tables=tables, editions_summary=summary,
    )
    return stage_overview(res, warehouse=warehouse) if stages else res  # issue 14


def _other_editions(all_yr: pd.DataFrame, ranked: list[tuple[str, str]], used: str,
                    used_table: pd.DataFrame) -> tuple[list[dict], dict, str]:
    """The editions covering the year besides ``used``, in precedence order, each with its top
    producer and the share it gives the used edition's top producer; the tables of all editions; and
    one summary line ("China 71.4 % (MYB2019, revised: Myanmar added); 79.5 % in MYB2017; ...")."""
    from critmin.countries import country_name

    def positive(t: pd.DataFrame) -> set[str]:
        return set(t.loc[t["quantity"].fillna(0) > 0, "country"])

    src_of = dict(ranked)
    tables = {used: (src_of.get(used, str(all_yr.loc[all_yr["edition"] == used, "source"].iloc[0])
                                if (all_yr["edition"] == used).any() else ""), used_table)}
    top = used_table.dropna(subset=["quantity"])
    top_c = str(top["country"].iloc[0]) if len(top) and top["quantity"].iloc[0] > 0 else None
    used_set = positive(used_table)
    others = []
    for ed, src in ranked:
        if ed == used:
            continue
        grp = all_yr[all_yr["edition"] == ed]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, tot = supply_table(grp)
        tables[ed] = (src, t)
        tv = t.dropna(subset=["quantity"])
        share_top = t.loc[t["country"] == top_c, "share"] if top_c else pd.Series(dtype=float)
        here = positive(t)
        others.append({
            "edition": ed, "source": src,
            "edition_date": str(grp["edition_date"].iloc[0])[:10],
            "top_country": str(tv["country"].iloc[0]) if len(tv) and tv["quantity"].iloc[0] > 0
            else None,
            "top_share": float(tv["share"].iloc[0]) if len(tv) else math.nan,
            "share_of_top_producer": float(share_top.iloc[0]) if len(share_top) else math.nan,
            "world_total_t": tot["world_total"] if tot["world_total"] is not None else math.nan,
            "countries_total_t": tot["countries_total"],
            "share_basis": "world total" if tot["world_total"] else "country sum",
            "hhi": tot["hhi"],
            "n_countries": tot["n_countries"],
            "countries_only_here": sorted(here - used_set),
            "countries_not_here": sorted(used_set - here),
        })
    if top_c is None:
        return others, tables, ""
    first = float(top["share"].iloc[0])
    # what the used edition changed against the next older edition of the same source family
    older = next((o for o in others if precedence_key(o["source"], "", "")[0]
                  == precedence_key(tables[used][0], "", "")[0]), None)
    what = ""
    if older is not None and older["countries_not_here"]:
        what = ", revised: " + ", ".join(country_name(c) for c in older["countries_not_here"]) + \
            " added"
    parts = [f"{country_name(top_c)} {first:.1%} ({used}{what})"]
    for o in others:
        v = o["share_of_top_producer"]
        parts.append(f"{v:.1%} in {o['edition']}" if v == v else f"not listed in {o['edition']}")
    return others, tables, "; ".join(parts)


def _governance_weighted(
    warehouse: Warehouse, table: pd.DataFrame, year: int, notes: list[str]
) -> tuple[float, int | None]:
    """Governance-weighted HHI (t = 1) on the countries' shares, with the WGI of the latest year
    not after ``year``; adds a ``wgi_scaled`` column to ``table`` and notes countries without WGI."""
    years = warehouse.cached(("wgi_years",), lambda: sorted(
        int(y) for y in warehouse.query("SELECT DISTINCT year FROM governance")["year"]))
    if not years:
        notes.append("no WGI data: governance-weighted HHI not computed")
        return math.nan, None
    wy = max([y for y in years if y <= year] or [years[0]])
    scaled = warehouse.cached(("wgi_scaled", wy), lambda: wgi_scaled(wgi_mean(
        warehouse.table("governance", latest=True, year=wy), wy, min_indicators=1)))
    table["wgi_scaled"] = table["country"].map(scaled)
    share = table.set_index("country")["share_of_countries"].dropna()
    share = share[share > 0]
    lacking = [c for c in share.index if c not in scaled.index or pd.isna(scaled.get(c))]
    if lacking:
        notes.append(f"no WGI {wy} for {', '.join(lacking)} "
                     f"({share[lacking].sum():.1%} of supply): left out of the governance-weighted HHI")
    known = share.drop(index=lacking)
    if known.empty:
        return math.nan, wy
    return governance_weighted_hhi(known, scaled), wy


@with_default_warehouse
def trend(
    commodity: str,
    *,
    stage: str | None = None,
    product: str | None = None,
    warehouse: Warehouse | None = None,
) -> TrendResult:
    """World total, top producer's share and HHI for every year the data cover.

    Each year is taken whole from one edition, chosen by source precedence
    (:func:`critmin.sources.editions.precedence_key`): among the editions with country detail, USGS
    first (newest edition first: MCS, Minerals Yearbook 2022, 2019, 2017, 2016), then World Mining
    Data, then BGS; a year that no edition details by country takes the world-only series (DS140).
    For rare earths: DS140 world totals 1900–1983, WMD by country 1984–2011, the Minerals Yearbook
    2012–2022, MCS editions after. Only the chosen product's series chain (a WMD ``Li2O content``
    series does not continue an MCS ``lithium content`` one). ``years`` has the ``edition`` and
    ``source`` of each year and ``source_changed`` (True where the source differs from the year
    before).
    """
    return memo_result(warehouse, ("trend", commodity, stage, product),
                       lambda: _trend(commodity, stage=stage, product=product, warehouse=warehouse))


def _trend(commodity: str, *, stage: str | None, product: str | None,
           warehouse: Warehouse) -> TrendResult:
    """:func:`trend` computed (not memoised)."""
    com, st, pr, rows = _select(warehouse, commodity, stage, product)
    # world-only series (DS140) may label the product differently: keep them for the years they
    # alone cover
    world_only_eds = set(rows.groupby("edition")["country_kind"].apply(
        lambda s: (s == "aggregate").all()).loc[lambda s: s].index)
    keep = (rows["product"].fillna("") == pr) | rows["edition"].isin(world_only_eds)
    rows = rows[keep]
    chosen = _trend_rows(rows)
    if not chosen:
        raise DataError(f"{com.id}: no {st} production data")
    picked = rows.iloc[np.concatenate(chosen)]
    # only the columns the concentration metrics read (copies of the full rows make them slow)
    picked = picked[["commodity", "stage", "year", "edition", "source", "country", "country_kind",
                     "quantity_t", "value", "unit", "missing", "estimated"]].assign(product=pr)
    # one supply table per year gives both the summary row (as concentration_summary builds it)
    # and the shares: all of them in one grouped pass
    out, shares = [], {}
    source = picked["source"].astype(str).to_numpy(object)
    has_c = (picked["country_kind"] != "aggregate").to_numpy(bool)
    for tot in supply_totals(picked, ["year", "edition"]):
        y, ed = tot["key"]
        q, codes, share = tot["quantity"], tot["countries"], tot["share"]
        valued = np.flatnonzero(~np.isnan(q))
        lead = len(valued) and q[valued[0]] > 0
        out.append({
            "commodity": com.id, "stage": st, "product": pr, "year": int(y), "edition": ed,
            "world_total": tot["world_total"],
            "countries_total": tot["countries_total"] if len(valued) else math.nan,
            "hhi": tot["hhi"], "hhi_points": tot["hhi_points"],
            "top_country": codes[valued[0]] if lead else None,
            "top_share": float(share[valued[0]]) if lead else math.nan,
            "other_share": tot["other_share"], "n_countries": tot["n_countries"],
            "source": source[tot["index"][0]],
        })
        if has_c[tot["index"]].any():
            shares[int(y)] = {str(c): float(s) for c, qq, s in zip(codes, q, share, strict=True)
                              if qq > 0}
    summary = pd.DataFrame(out).sort_values("year").reset_index(drop=True)
    # where the source changes from one year to the next (a chart marks these)
    summary["source_changed"] = summary["source"].ne(summary["source"].shift()) & (summary.index > 0)
    unit = "t" if picked["quantity_t"].notna().any() else str(picked["unit"].dropna().iloc[0])
    return TrendResult(commodity=com.id, stage=st, product=pr, unit=unit,
                       years=summary, shares=shares)


def coverage(warehouse: Warehouse) -> pd.DataFrame:
    """Per commodity: stages, years and editions of production data in the warehouse."""
    return warehouse.query(
        """SELECT commodity,
                  string_agg(DISTINCT stage, ', ' ORDER BY stage) AS data_stages,
                  min(year) AS first_year, max(year) AS last_year,
                  string_agg(DISTINCT edition, ', ' ORDER BY edition) AS editions,
                  count(*) AS rows
           FROM production WHERE measure = 'production' GROUP BY commodity ORDER BY commodity"""
    )
