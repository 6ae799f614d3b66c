"""How exposed are we? Jobs over the warehouse: U.S. net import reliance (as USGS reports it and
recomputed from the salient series), the U.S. import sources, and any importer's dependence on its
suppliers from bilateral trade data (:func:`importer_dependence`).

Each year's NIR figure is taken from the most recently published MCS edition that gives it (an edition
reports five years; later editions revise the earlier ones). Trade values are taken from one dataset
(source and edition): the one with the most supplying countries for the importer and lines (within the
named source, if any), never stitched from several, since extracts differ in partner coverage (the
bundled Comtrade bilateral extract has only World, China and the USA as partners)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from critmin._json import num as _num
from critmin._result import Result
from critmin.commodities import get as get_commodity
from critmin.dependence.importer import MEASURES, importer_dependence_table
from critmin.dependence.nir import nir_table
from critmin.errors import DataError
from critmin.warehouse import Warehouse, with_default_warehouse

__all__ = ["us_net_import_reliance", "us_import_sources", "importer_dependence",
           "ImporterDependenceResult", "SOURCE_CAVEATS"]


@with_default_warehouse
def us_net_import_reliance(commodity: str, *, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """U.S. net import reliance per year and published series, latest edition first.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).

    Returns
    -------
    DataFrame
        The columns of :func:`critmin.dependence.nir.nir_table` (``nir_reported`` and
        ``nir_computed`` as fractions [1]) plus ``edition_date``; one row per year and published
        series, from the latest MCS edition giving that year.
    """
    com = get_commodity(commodity)
    sal = warehouse.table("salient", commodity=com.id, country="USA", source="usgs-mcs")
    table = nir_table(sal, com.id)
    if table.empty:
        return table
    dates = sal.drop_duplicates("edition").set_index("edition")["edition_date"]
    table["edition_date"] = table["edition"].map(dates)
    # one series label per edition: key the series by its order within the edition's year
    table["series"] = table.groupby(["edition", "year"]).cumcount()
    table = table.sort_values(["year", "series", "edition_date"])
    latest = table.groupby(["year", "series"], as_index=False).tail(1)
    return latest.drop(columns="series").sort_values(["year", "nir_detail"], na_position="last",
                                                     ignore_index=True)


@with_default_warehouse
def us_import_sources(commodity: str, *, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """U.S. import sources (shares of imports [1]) as the latest MCS edition gives them."""
    com = get_commodity(commodity)
    df = warehouse.table("import_sources", latest=True, commodity=com.id, importer="USA")
    return df.sort_values(["detail", "share"], ascending=[True, False], ignore_index=True)


SOURCE_CAVEATS: dict[str, str] = {
    "usitc": "USITC DataWeb: U.S. imports for consumption (customs value) by HTS4 heading; a DataWeb "
             "query covers only the partner countries selected in it and gives no World total",
    "comtrade": "UN Comtrade, as the importer reported it (imports by country of origin, CIF for "
                "most reporters)",
    "oec": "OEC/CEPII BACI net trade: World totals only, no partners",
}
"""Source id -> caveat printed with every importer-dependence result from it."""


def _partner_name(code: str) -> str:
    from critmin.countries import comtrade_codes, country_name

    if code.startswith("CT:"):
        hit = comtrade_codes().get(int(code[3:]))
        return hit[2] if hit else code
    return country_name(code)


@dataclass(repr=False)
class ImporterDependenceResult(Result):
    """An importer's supplier shares, HHI and top supplier for one commodity and year.

    The main table is ``table``; ``to_frame()`` adds importer, commodity, year, hs_codes, source and
    edition as columns.

    Attributes
    ----------
    commodity, name : str
        Catalogue id and display name.
    importer : str
        ISO3 of the importer.
    year : int
        Calendar year of ``table``.
    by, unit : str
        Measure of the shares (``quantity_kg`` or ``value_usd``) and its unit (``kg``, ``USD``).
    source, edition : str
        The one dataset used.
    hs_codes, hs_codes_without_data, mixed_lines : list of str
        Lines summed; requested lines the dataset lacks; summed lines that also hold other goods.
    world_total, partner_sum, other_sum : float
        Reported World total (NaN without one), suppliers' sum, aggregates and re-imports [unit].
    coverage : float
        (partner_sum + other_sum) / world_total [1].
    hhi, hhi_points, hhi_band : float, float, str
        HHI of the supplier shares [1], on the 0–10,000 scale [points], DOJ band.
    top_supplier, top_share : str, float
        Largest supplier [ISO3] and its share [1].
    n_suppliers : int
        Suppliers with a positive measure.
    table : DataFrame
        Suppliers of the year: partner, name, quantity_kg [kg], value_usd [USD], share [1],
        share_of_world [1], missing.
    excluded : DataFrame
        Partners kept out of the shares (aggregates, re-imports) with their share of the World total.
    years : DataFrame
        Every year: partner_sum, world_total [unit], coverage [1], hhi [1], top_supplier, top_share
        [1], n_suppliers.
    caveats : list of str
        What to keep in mind: source limits, coverage, mixed lines, missing quantities.
    """

    commodity: str
    name: str
    importer: str
    year: int
    by: str
    unit: str
    source: str
    edition: str
    hs_codes: list[str]
    hs_codes_without_data: list[str]
    mixed_lines: list[str]
    world_total: float
    partner_sum: float
    other_sum: float
    coverage: float
    hhi: float
    hhi_points: float
    hhi_band: str
    top_supplier: str | None
    top_share: float
    n_suppliers: int
    table: pd.DataFrame
    excluded: pd.DataFrame
    years: pd.DataFrame
    caveats: list[str] = field(default_factory=list)

    _key_fields = ("importer", "commodity", "year", "hs_codes", "source", "edition")
    _repr_fields = ("by", "top_supplier", "top_share", "hhi", "hhi_points", "n_suppliers")

    def headline(self) -> str:
        """One line: the top supplier and the concentration."""
        top = (f"top supplier {self.top_supplier} {self.top_share:.1%}" if self.top_supplier
               else "no supplier")
        return (f"{self.name}: {self.importer} imports by supplier, {self.year} ({self.source} "
                f"{self.edition}); {top}; HHI {self.hhi_points:,.0f} points ({self.hhi_band})")

    def to_dict(self) -> dict:
        """The JSON shape of ``critmin dependence --json``."""
        sup = [{"partner": r.partner, "name": r.name, "quantity_kg": _num(r.quantity_kg),
                "value_usd": _num(r.value_usd), "share": _num(r.share),
                "share_of_world": _num(r.share_of_world),
                "missing": r.missing if isinstance(r.missing, str) else None}
               for r in self.table.itertuples(index=False)]
        exc = [{"partner": r.partner, "name": r.name, "kind": r.kind,
                "quantity_kg": _num(r.quantity_kg), "value_usd": _num(r.value_usd),
                "share_of_world": _num(r.share_of_world)}
               for r in self.excluded.itertuples(index=False)]
        yrs = [{"year": int(r.year), "partner_sum": _num(r.partner_sum),
                "world_total": _num(r.world_total), "coverage": _num(r.coverage),
                "hhi": _num(r.hhi), "top_supplier": r.top_supplier if isinstance(r.top_supplier, str)
                else None, "top_share": _num(r.top_share), "n_suppliers": int(r.n_suppliers)}
               for r in self.years.itertuples(index=False)]
        return {
            "commodity": self.commodity, "name": self.name, "importer": self.importer,
            "year": self.year, "by": self.by, "unit": self.unit, "source": self.source,
            "edition": self.edition, "hs_codes": self.hs_codes,
            "hs_codes_without_data": self.hs_codes_without_data, "mixed_lines": self.mixed_lines,
            "world_total": _num(self.world_total), "partner_sum": _num(self.partner_sum),
            "other_sum": _num(self.other_sum), "coverage": _num(self.coverage),
            "hhi": _num(self.hhi), "hhi_points": _num(self.hhi_points), "hhi_band": self.hhi_band,
            "top_supplier": self.top_supplier, "top_share": _num(self.top_share),
            "n_suppliers": self.n_suppliers, "suppliers": sup, "excluded": exc, "years": yrs,
            "caveats": self.caveats,
        }


def _pick_dataset(rows: pd.DataFrame, importer: str) -> tuple[str, str]:
    """(source, edition) with the most supplying countries, then the latest edition."""
    sup = rows[(rows["partner"] != "WLD") & (rows["partner"] != importer)
               & ~rows["partner_kind"].isin(["aggregate", "bloc"])]
    stats = []
    for (src, ed), grp in rows.groupby(["source", "edition"]):
        n = sup.loc[(sup["source"] == src) & (sup["edition"] == ed), "partner"].nunique()
        stats.append((n, str(grp["edition_date"].max()), str(ed), str(src)))
    stats.sort(reverse=True)
    return stats[0][3], stats[0][2]


@with_default_warehouse
def importer_dependence(
    commodity: str,
    importer: str,
    *,
    year: int | None = None,
    hs_codes: list[str] | None = None,
    by: str = "quantity_kg",
    source: str | None = None,
    min_coverage: float = 0.5,
    warehouse: Warehouse | None = None,
) -> ImporterDependenceResult:
    """An importer's dependence on its suppliers of a commodity: shares, HHI, top supplier.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code (``rare-earths``).
    importer : str
        The importing country: ISO3 or a name (``USA``, ``China``).
    year : int, optional
        Calendar year; default the latest year with a positive suppliers' sum.
    hs_codes : list of str, optional
        HS lines to sum; default the commodity's default lines in the HS catalogue
        (:func:`critmin.hs.default_lines`) that the source has for this importer.
    by : {"quantity_kg", "value_usd"}
        Measure of the shares: net weight [kg] or value [USD].
    source : str, optional
        Trade source id (``comtrade``, ``usitc``); default the one with the most supplying countries.
    min_coverage : float, default 0.5
        Least share [1] of the reported World total the supplying countries must cover; below it the
        rows are a partial-partner extract (the bundled bilateral extract names only World, China and
        the USA) and the shares would be meaningless, so the job refuses. Not checked when the source
        has no World total (USITC), which the caveats then say.
    warehouse : Warehouse, optional
        Where the data live. Default: the user's warehouse, opened read-only
        (:func:`critmin.warehouse.default_warehouse`).

    Returns
    -------
    ImporterDependenceResult
        Supplier table of the year (partner, name, quantity_kg [kg], value_usd [USD], share [1],
        share_of_world [1]), the aggregates left out, the per-year summary (partner_sum, world_total
        [unit of ``by``], hhi [1], top supplier and share [1]) and caveats (coverage, mixed lines,
        missing quantities, source limits).

    Raises
    ------
    DataError
        When the warehouse has no annual import rows of the importer for those lines, none for the
        year asked, or suppliers covering less than ``min_coverage`` of the World total.
    """
    from critmin import hs as _hs
    from critmin.countries import UnknownCountryError, resolve
    from critmin.supply.concentration import hhi_band

    if by not in MEASURES:
        raise DataError(f"unknown measure {by!r}; expected one of {MEASURES}")
    com = get_commodity(commodity)
    try:
        imp = resolve(importer).code
    except UnknownCountryError as err:
        raise DataError(f"unknown importer: {err}") from None
    codes = [_hs.normalize_code(c) for c in hs_codes] if hs_codes else _hs.default_lines(com.id)
    if not codes:
        raise DataError(f"{com.id}: the HS catalogue lists no default line; pass hs_codes")
    where: dict[str, object] = {"reporter": imp, "flow": "import", "freq": "A", "hs_code": codes}
    if source:
        where["source"] = source
    rows = warehouse.table("trade", **where)
    if rows.empty:
        raise DataError(f"no annual import rows of {imp} for HS {', '.join(codes)}"
                        + (f" from source {source}" if source else "")
                        + " in the warehouse; ingest a UN Comtrade download with "
                          "'critmin data ingest FILE --source comtrade'")
    src, edition = _pick_dataset(rows, imp)
    rows = rows[(rows["source"] == src) & (rows["edition"] == edition)].copy()
    rows["period"] = pd.to_datetime(rows["period"]).dt.strftime("%Y-%m-%d")
    present = sorted(set(rows["hs_code"]))
    caveats: list[str] = []
    for a, b in _hs.nested_pairs(present):
        if b in present:
            present.remove(b)
            caveats.append(f"HS {b} is part of HS {a}: only {a} is summed")
    rows = rows[rows["hs_code"].isin(present)]
    table = importer_dependence_table(rows, imp, present, commodity=com.id, by=by)
    if table.empty:
        raise DataError(f"{imp} reports imports of HS {', '.join(present)} only from aggregates "
                        f"(no supplying country) in source {src}")
    yearly = table.drop_duplicates("year").sort_values("year")
    with_data = yearly[yearly["partner_sum"] > 0]
    if year is None:
        if with_data.empty:
            raise DataError(f"no year with a positive {by} for {imp}'s suppliers; try by='value_usd'")
        year = int(with_data["year"].iloc[-1])
    elif int(year) not in set(with_data["year"]):
        yrs = with_data["year"].astype(int).tolist()
        span = f"{yrs[0]}–{yrs[-1]}" if yrs else "none"
        raise DataError(f"no {by} by supplier for {imp}, HS {', '.join(present)}, in {year}; years "
                        f"with data: {span}" + ("; try by='value_usd'" if by == "quantity_kg" else ""))
    year = int(year)
    unit = "kg" if by == "quantity_kg" else "USD"
    sel = table[table["year"] == year].copy()
    sel["name"] = sel["partner"].map(_partner_name)
    first = sel.iloc[0]
    # what was left out: the World row, aggregates, re-imports
    yr_rows = rows[pd.to_datetime(rows["period"]).dt.year == year]
    out_rows = yr_rows[yr_rows["partner"].isin(set(yr_rows["partner"]) - set(sel["partner"]))]
    excluded = out_rows.groupby("partner", as_index=False).agg(
        kind=("partner_kind", "first"), quantity_kg=("quantity_kg", lambda s: s.sum(min_count=1)),
        value_usd=("value_usd", lambda s: s.sum(min_count=1)))
    excluded = excluded[excluded["partner"] != "WLD"]
    excluded["kind"] = [("re-imports" if p == imp else k)
                        for p, k in zip(excluded["partner"], excluded["kind"], strict=True)]
    excluded["name"] = excluded["partner"].map(_partner_name)
    wt = float(first["world_total"])
    if wt > 0 and float(first["partner_sum"]) / wt < min_coverage:
        raise DataError(
            f"{src} {edition}: {imp}'s imports of HS {', '.join(present)} in {year} name "
            f"{int(first['n_suppliers'])} supplying countr{'y' if first['n_suppliers'] == 1 else 'ies'} "
            f"({', '.join(sel['partner'].head(5))}) covering {first['partner_sum'] / wt:.1%} of the "
            f"reported World total: a partial-partner extract, not enough to measure supplier "
            f"dependence (min_coverage {min_coverage:.0%}); ingest a UN Comtrade download with all "
            "partners ('critmin data ingest FILE --source comtrade')")
    excluded["share_of_world"] = excluded[by] / wt if wt > 0 else math.nan
    excluded = excluded.sort_values(by, ascending=False, na_position="last", ignore_index=True)
    # caveats
    if src in SOURCE_CAVEATS:
        caveats.insert(0, SOURCE_CAVEATS[src])
    if not wt > 0:
        named = sorted(set(warehouse.query(
            "SELECT DISTINCT partner FROM trade WHERE source = ? AND edition = ? AND reporter = ? "
            "AND flow = 'import'", [src, edition, imp])["partner"]) - {"WLD", imp})
        caveats.insert(1 if src in SOURCE_CAVEATS else 0,
                       f"{src} {edition} names {len(named)} partner countries only (all lines): "
                       f"{', '.join(named)}")
        caveats.append(f"no World total in {src} {edition}: shares are of the sum of the "
                       f"{int(first['n_suppliers'])} partners with imports in {year} "
                       f"({first['partner_sum']:,.0f} {unit}), not of all {imp} imports")
    else:
        caveats.append(f"suppliers sum to {first['partner_sum'] / wt:.1%} of the reported World "
                       f"total ({wt:,.0f} {unit}); aggregates and re-imports hold "
                       f"{first['other_sum'] / wt:.1%}")
    for r in excluded.itertuples(index=False):
        if pd.notna(r.share_of_world) and r.share_of_world >= 0.001:
            caveats.append(f"left out of shares and HHI: {r.partner} {r.name} ({r.kind}), "
                           f"{r.share_of_world:.1%} of the World total")
    mixed = [c for c in present if c in set(_hs.catalogue()["hs_code"]) and _hs.is_mixed(c)]
    for c in mixed:
        info = _hs.describe(c)
        caveats.append(f"HS {c} is a mixed line: it also holds "
                       f"{info['mixes'].get(com.id) or '; '.join(info['mixes'].values())}")
    for c in present:
        if c in set(_hs.catalogue()["hs_code"]):
            note = _hs.describe(c)["notes"]
            if note and not note.startswith("the USITC extract"):
                caveats.append(f"HS {c}: {note}")
    n_missing = int(first["n_missing"])
    if n_missing:
        miss = sel[sel[by].isna()]
        caveats.append(f"{n_missing} supplier(s) without {by} ({', '.join(miss['partner'])}; value "
                       f"USD {miss['value_usd'].sum():,.0f}) are left out of the shares")
    without = [c for c in codes if c not in set(rows["hs_code"])]
    years = yearly[["year", "partner_sum", "world_total", "coverage", "hhi", "top_supplier",
                    "top_share", "n_suppliers"]].reset_index(drop=True)
    cols = ["partner", "name", "quantity_kg", "value_usd", "share", "share_of_world", "missing"]
    return ImporterDependenceResult(
        commodity=com.id, name=com.name, importer=imp, year=year, by=by, unit=unit, source=src,
        edition=edition,
        hs_codes=present, hs_codes_without_data=without, mixed_lines=mixed,
        world_total=wt, partner_sum=float(first["partner_sum"]),
        other_sum=float(first["other_sum"]), coverage=float(first["coverage"]),
        hhi=float(first["hhi"]), hhi_points=float(first["hhi_points"]),
        hhi_band=hhi_band(float(first["hhi"])), top_supplier=first["top_supplier"],
        top_share=float(first["top_share"]), n_suppliers=int(first["n_suppliers"]),
        table=sel[cols].reset_index(drop=True),
        excluded=excluded[["partner", "name", "kind", "quantity_kg", "value_usd",
                           "share_of_world"]],
        years=years, caveats=caveats,
    )

