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
from critmin._memo import memo_result
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
    return df.sort_values(["detail", "share", "partner"], ascending=[True, False, True], ignore_index=True,
                          kind="mergesort")


SOURCE_CAVEATS: dict[str, str] = {
    "usitc": "USITC DataWeb: U.S. imports for consumption (customs value) by HTS4 heading; a DataWeb "
             "query covers only the partner countries selected in it and gives no World total",
    "comtrade": "UN Comtrade, as the importer reported it (imports by country of origin, CIF for "
                "most reporters)",
    "comtrade-bilateral": "UN Comtrade 2023 imports by partner of 30 reporters (docs/data.md §5f), as "
                          "each importer reported them (country of origin; primaryValue, CIF for most "
                          "reporters; net weight, possibly estimated by UN Comtrade)",
    "oec": "OEC/CEPII BACI net trade: World totals only, no partners",
}
"""Source id -> caveat printed with every importer-dependence result from it."""

WORLD_FROM_PARTNERS: dict[str, str] = {
    "comtrade-bilateral": "the source removed the World row; its partner rows (aggregates included) "
                          "sum to it, so the World total is their sum",
}
"""Sources without World rows whose partner rows are complete: the World total is their sum."""


def _partner_name(code: str) -> str:
    from critmin.countries import IMPORTER_BLOCS, comtrade_codes, country_name

    if code in IMPORTER_BLOCS:
        return IMPORTER_BLOCS[code]
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
        ISO3 of the importer, or a bloc (``EU``: its member reporters summed, extra-bloc partners).
    year : int
        Calendar year of ``table``.
    by, unit : str
        Measure of the shares (``quantity_kg`` or ``value_usd``) and its unit (``kg``, ``USD``).
    source, edition : str
        The one dataset used.
    hs_codes, hs_codes_without_data, mixed_lines : list of str
        Lines summed; requested lines the dataset lacks; summed lines that also hold other goods.
    world_total, partner_sum, other_sum : float
        World total (NaN without one), suppliers' sum, aggregates and re-imports [unit].
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
        share_of_world [1], missing, share_by_quantity and share_by_value [1] (the shares of the
        suppliers' sum on both measures), share_of_world_by_quantity and share_of_world_by_value [1]
        (of the World total), hub (the source flags the partner as a transit hub).
    excluded : DataFrame
        Partners kept out of the shares (aggregates, re-imports) with their share of the World total.
    years : DataFrame
        Every year: partner_sum, world_total [unit], coverage [1], hhi [1], top_supplier, top_share
        [1], n_suppliers.
    caveats : list of str
        What to keep in mind: source limits, coverage, mixed lines, missing quantities.
    world_total_basis : str
        ``reported`` (a World row), ``sum of partner rows`` (:data:`WORLD_FROM_PARTNERS`), ``members'
        extra-bloc partner rows`` (a bloc) or ``none``.
    suppliers_share_of_world : float
        partner_sum / world_total [1]: how much of the World total the supplying countries cover.
    hub_suppliers : list of str
        Suppliers the source flags as transit hubs (origin may be elsewhere).
    bloc, members_present, members_missing : str or None, list of str, list of dict
        For a bloc: its code, the member reporters summed, and the members without import rows
        (``member``, ``name``, ``share`` [1] estimated share of the bloc's imports or None, ``method``).
    missing_members_share : float or None
        Estimated share [1] of the bloc's imports held by the missing members (None: unknown).
    missing_members_method : str
        How it was estimated, or why it is unknown.
    intra_bloc_sum : float
        Trade between members in the year [unit], left out (not dependence).
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
    world_total_basis: str = "reported"
    suppliers_share_of_world: float = math.nan
    hub_suppliers: list[str] = field(default_factory=list)
    bloc: str | None = None
    members_present: list[str] = field(default_factory=list)
    members_missing: list[dict] = field(default_factory=list)
    missing_members_share: float | None = None
    missing_members_method: str = ""
    intra_bloc_sum: float = math.nan

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
        def _get(r, k):
            return getattr(r, k, None)

        sup = [{"partner": r.partner, "name": r.name, "quantity_kg": _num(r.quantity_kg),
                "value_usd": _num(r.value_usd), "share": _num(r.share),
                "share_of_world": _num(r.share_of_world),
                "missing": r.missing if isinstance(r.missing, str) else None,
                "share_by_quantity": _num(_get(r, "share_by_quantity")),
                "share_by_value": _num(_get(r, "share_by_value")),
                "share_of_world_by_quantity": _num(_get(r, "share_of_world_by_quantity")),
                "share_of_world_by_value": _num(_get(r, "share_of_world_by_value")),
                "hub": bool(_get(r, "hub") or False)}
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
        out = {
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
            "world_total_basis": self.world_total_basis,
            "suppliers_share_of_world": _num(self.suppliers_share_of_world),
            "hub_suppliers": list(self.hub_suppliers),
        }
        if self.bloc is not None:
            out["bloc"] = {
                "code": self.bloc, "members_present": list(self.members_present),
                "members_missing": [{**m, "share": _num(m.get("share"))}
                                    for m in self.members_missing],
                "missing_members_share": _num(self.missing_members_share),
                "missing_members_share_known": self.missing_members_share is not None,
                "missing_members_method": self.missing_members_method,
                "intra_bloc_sum": _num(self.intra_bloc_sum),
            }
        return out


def _supplier_mask(rows: pd.DataFrame, importer: str) -> pd.Series:
    return ((rows["partner"] != "WLD") & (rows["partner"] != importer)
            & ~rows["partner_kind"].isin(["aggregate", "bloc"]))


def _pick_dataset(rows: pd.DataFrame, importer: str, *, year: int | None = None,
                  by: str = "quantity_kg", min_coverage: float = 0.0) -> tuple[str, str]:
    """(source, edition) of the dataset to use: the most recent usable one.

    Per dataset (source and edition): the year asked, else its latest year with supplying countries;
    a dataset whose suppliers cover less than ``min_coverage`` of its World total that year is a
    partial-partner extract and only chosen when nothing else is left. Ties go to more supplying
    countries that year, then to the later edition.
    """
    # only the columns read below
    rows = rows[[c for c in rows.columns if c in ("source", "edition", "edition_date", "period",
                                                   "partner", "partner_kind", by)]]
    sup = rows[_supplier_mask(rows, importer)]
    yr_of = pd.to_datetime(rows["period"].astype(str)).dt.year
    stats = []
    for (src, ed), grp in rows.groupby(["source", "edition"]):
        gy = yr_of.loc[grp.index]
        s = sup[(sup["source"] == src) & (sup["edition"] == ed)]
        sy = yr_of.loc[s.index]
        years = sorted(set(sy))
        wanted = int(year) if year is not None else (years[-1] if years else None)
        y = wanted if wanted in years else None
        if y is None:
            stats.append((False, -1, 0, str(grp["edition_date"].max()), str(ed), str(src)))
            continue
        n = s.loc[sy == y, "partner"].nunique()
        world = grp.loc[(gy == y) & (grp["partner"] == "WLD"), by].sum(min_count=1)
        part = s.loc[sy == y, by].sum(min_count=1)
        usable = not (pd.notna(world) and world > 0 and pd.notna(part)
                      and part / world < min_coverage)
        stats.append((usable, y, n, str(grp["edition_date"].max()), str(ed), str(src)))
    stats.sort(reverse=True)
    return stats[0][5], stats[0][4]


def _with_world(rows: pd.DataFrame, importer: str) -> pd.DataFrame:
    """Add a World row per line and period summing the partner rows (sources of
    :data:`WORLD_FROM_PARTNERS`); the weight is the sum of the weights reported."""
    if rows.empty or (rows["partner"] == "WLD").any():
        return rows
    keys = ["reporter", "flow", "hs_code", "period", "freq", "source", "edition"]
    add = []
    for k, g in rows.groupby(keys, sort=True):
        rec = dict(zip(keys, k, strict=True))
        rec.update(partner="WLD", partner_kind="aggregate", partner_raw="sum of partner rows",
                   quantity_kg=g["quantity_kg"].sum(min_count=1),
                   value_usd=g["value_usd"].sum(min_count=1), missing=None,
                   notes="World total: sum of the partner rows", edition_date=g["edition_date"].max(),
                   file=g["file"].iloc[0], row=0, value_basis=g["value_basis"].iloc[0])
        add.append(rec)
    return pd.concat([rows, pd.DataFrame(add)], ignore_index=True)


def _resolve_importer(importer: str) -> tuple[str, tuple[str, ...] | None]:
    """(code, members) of an importer: an ISO3 country (members None) or a bloc (``EU``)."""
    from critmin.countries import IMPORTER_BLOCS, UnknownCountryError, bloc_members, resolve

    key = str(importer).strip().upper()
    if key in ("EU27", "EU-27", "EUROPEAN UNION"):
        key = "EU"
    if key in IMPORTER_BLOCS:
        return key, bloc_members(key)
    try:
        return resolve(importer).code, None
    except UnknownCountryError as err:
        raise DataError(f"unknown importer {str(importer)!r} ({err}); expected a bloc "
                        f"({', '.join(sorted(IMPORTER_BLOCS))}) or a country's ISO3 code or name "
                        "(e.g. USA, JPN, KOR, DEU)") from None


def _no_rows_message(imp: str, codes: list[str], source: str | None, warehouse: Warehouse) -> str:
    msg = (f"no annual import rows of {imp} for HS {', '.join(codes)}"
           + (f" from source {source}" if source else "") + " in the warehouse")
    return msg + _as_partner_only(imp, codes, warehouse) + (
        "; ingest a UN Comtrade download with 'critmin data ingest FILE --source comtrade'")


def _as_partner_only(imp: str, codes: list[str], warehouse: Warehouse) -> str:
    """Why an importer has no import rows by partner although it appears in the trade data."""
    msg = ""
    seen = warehouse.query(
        "SELECT DISTINCT source, edition FROM trade WHERE partner = ? AND flow = 'import' "
        "AND freq = 'A' AND hs_code IN (SELECT unnest(?))", [imp, list(codes)])
    if imp == "FRA" and (seen["source"] == "comtrade-bilateral").any():
        msg += ("; France is absent as a reporter from the 2023 bilateral Comtrade file (the source "
                "queried code 250, which UN Comtrade does not use for France: 251); it appears there "
                "only as a partner of other reporters")
    elif len(seen):
        msg += (f"; {imp} appears only as a partner of other reporters in "
                + ", ".join(sorted(set(seen["source"]))))
    return msg


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
        The importing country: ISO3 or a name (``USA``, ``China``, ``JPN``), or the bloc ``EU``: the
        member reporters present summed, partners outside the EU only (intra-EU trade is not
        dependence), the members missing from the data named with the share of EU imports they
        would likely hold where other data allow an estimate.
    year : int, optional
        Calendar year; default the latest year with a positive suppliers' sum.
    hs_codes : list of str, optional
        HS lines to sum; default the commodity's default lines in the HS catalogue
        (:func:`critmin.hs.default_lines`) that the source has for this importer.
    by : {"quantity_kg", "value_usd"}
        Measure of the shares: net weight [kg] or value [USD].
    source : str, optional
        Trade source id (``comtrade``, ``comtrade-bilateral``, ``usitc``); default the most recent
        usable dataset (:func:`_pick_dataset`).
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
        share_of_world [1], shares on both measures [1], hub flag), the aggregates left out, the
        per-year summary (partner_sum, world_total [unit of ``by``], hhi [1], top supplier and share
        [1]), caveats (coverage, mixed lines, missing quantities, source limits, hubs) and, for a
        bloc, the members present and missing.

    Raises
    ------
    DataError
        When the warehouse has no annual import rows of the importer for those lines, none for the
        year asked, or suppliers covering less than ``min_coverage`` of the World total.
    """
    key = ("importer_dependence", commodity, importer, year,
           tuple(hs_codes) if hs_codes else None, by, source, min_coverage)
    return memo_result(warehouse, key, lambda: _importer_dependence(
        commodity, importer, year=year, hs_codes=hs_codes, by=by, source=source,
        min_coverage=min_coverage, warehouse=warehouse))


def _importer_dependence(commodity: str, importer: str, *, year: int | None,
                         hs_codes: list[str] | None, by: str, source: str | None,
                         min_coverage: float, warehouse: Warehouse) -> ImporterDependenceResult:
    """:func:`importer_dependence` computed (not memoised)."""
    from critmin import hs as _hs
    from critmin.dependence.importer import bloc_rows, supplier_shares
    from critmin.sources.comtrade_bilateral import hub_partners
    from critmin.supply.concentration import hhi_band

    if by not in MEASURES:
        raise DataError(f"unknown measure {by!r}; expected one of {MEASURES}")
    com = get_commodity(commodity)
    imp, members = _resolve_importer(importer)
    codes = [_hs.normalize_code(c) for c in hs_codes] if hs_codes else _hs.default_lines(com.id)
    if not codes:
        raise DataError(f"{com.id}: the HS catalogue lists no default line; pass hs_codes")
    where: dict[str, object] = {"reporter": list(members) if members else imp, "flow": "import",
                                "freq": "A", "hs_code": codes}
    if source:
        where["source"] = source
    rows = warehouse.table("trade", **where)
    if rows.empty:
        raise DataError(_no_rows_message(imp, codes, source, warehouse) if not members else
                        f"no annual import rows of any {imp} member for HS {', '.join(codes)}"
                        + (f" from source {source}" if source else "") + " in the warehouse")
    intra = pd.DataFrame()
    if members:
        # the dataset with the most member reporters, then the most recent usable one
        by_partner = rows[_supplier_mask(rows, "") & ~rows["partner"].isin(members)]
        if by_partner.empty:
            raise DataError(f"no {imp} member reports imports of HS {', '.join(codes)} by partner "
                            "country in the warehouse (only World totals)")
        n_rep = by_partner.groupby(["source", "edition"])["reporter"].nunique()
        best = n_rep[n_rep == n_rep.max()].index
        rows = rows[pd.MultiIndex.from_frame(rows[["source", "edition"]]).isin(best)]
    src, edition = _pick_dataset(rows, imp if not members else "", year=year, by=by,
                                 min_coverage=min_coverage)
    rows = rows[(rows["source"] == src) & (rows["edition"] == edition)].copy()
    rows["period"] = pd.to_datetime(rows["period"]).dt.strftime("%Y-%m-%d")
    present_members: list[str] = []
    if members:
        present_members = sorted(set(rows["reporter"]))
        rows, intra = bloc_rows(rows, members, imp)
        rows = rows.drop(columns="n_members")
    world_basis = "reported" if (rows["partner"] == "WLD").any() else "none"
    if src in WORLD_FROM_PARTNERS and world_basis == "none":
        rows = _with_world(rows, imp)
        world_basis = ("members' extra-bloc partner rows" if members else "sum of partner rows")
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
                        f"(no supplying country) in source {src}"
                        + ("" if members else _as_partner_only(imp, codes, warehouse)))
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
    # the shares on both measures, whichever the table is ranked by
    for m, col in (("quantity_kg", "by_quantity"), ("value_usd", "by_value")):
        # the ranked measure's shares of the year are the table's (the same sums, in the same order)
        other = (table.loc[table["year"] == year, ["partner", "share", "share_of_world"]] if m == by
                 else supplier_shares(rows, imp, present, year=year, by=m)).set_index("partner")
        for k in ("share", "share_of_world"):
            sel[f"{k}_{col}"] = sel["partner"].map(other[k]) if len(other) else math.nan
    yr_rows = rows[pd.to_datetime(rows["period"]).dt.year == year]
    hubs = hub_partners(yr_rows)
    sel["hub"] = sel["partner"].isin(hubs)
    first = sel.iloc[0]
    # what was left out: the World row, aggregates, re-imports
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
        world_basis = "none"
    else:
        if src in WORLD_FROM_PARTNERS:
            caveats.append(f"World total: {WORLD_FROM_PARTNERS[src]}"
                           + (" (of the members' partners outside the bloc)" if members else ""))
        caveats.append(f"suppliers sum to {first['partner_sum'] / wt:.1%} of the "
                       f"{'reported ' if world_basis == 'reported' else ''}World total "
                       f"({wt:,.0f} {unit}); aggregates and re-imports hold "
                       f"{first['other_sum'] / wt:.1%}")
    for r in excluded.itertuples(index=False):
        if pd.notna(r.share_of_world) and r.share_of_world >= 0.001:
            caveats.append(f"left out of shares and HHI: {r.partner} {r.name} ({r.kind}), "
                           f"{r.share_of_world:.1%} of the World total")
    hub_sup = [p for p in sel["partner"] if p in hubs]
    for p in hub_sup:
        sh = float(sel.loc[sel["partner"] == p, "share"].iloc[0])
        caveats.append(f"{p} {_partner_name(p)} ({sh:.1%}) is flagged by the source as a transit "
                       "(re-export) hub: what it ships may originate elsewhere")
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
    other_lines = _other_lines(warehouse, com.id, imp if not members else list(members), src,
                               edition, present, codes)
    for c in other_lines:
        caveats.append(f"HS {c} ({_hs.describe(c)['description'][:60]}...) is in {src} but not "
                       "summed (not a default line"
                       + (", mixed" if _hs.is_mixed(c) else "") + f"); pass hs_codes=['{c}'] to see it")
    bloc_fields: dict = {}
    if members:
        bloc_fields = _bloc_summary(warehouse, com.id, imp, members, present_members, present, year,
                                    by, intra, caveats)
    years = yearly[["year", "partner_sum", "world_total", "coverage", "hhi", "top_supplier",
                    "top_share", "n_suppliers"]].reset_index(drop=True)
    cols = ["partner", "name", "quantity_kg", "value_usd", "share", "share_of_world", "missing",
            "share_by_quantity", "share_by_value", "share_of_world_by_quantity",
            "share_of_world_by_value", "hub"]
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
        years=years, caveats=caveats, world_total_basis=world_basis,
        suppliers_share_of_world=float(first["partner_sum"]) / wt if wt > 0 else math.nan,
        hub_suppliers=hub_sup, **bloc_fields,
    )


def _other_lines(warehouse: Warehouse, cid: str, reporter, src: str, edition: str,
                 present: list[str], codes: list[str]) -> list[str]:
    """Catalogued lines of the commodity the dataset has for the importer but that are not summed."""
    from critmin import hs as _hs

    cat = _hs.lines_for(cid)
    rest = [c for c in cat["hs_code"] if c not in codes]
    if not rest:
        return []
    reporters = list(reporter) if isinstance(reporter, (list, tuple, set)) else [reporter]
    have = warehouse.query(  # the lines only, not the rows
        'SELECT DISTINCT hs_code FROM "trade" WHERE source = ? AND edition = ? AND flow = ? '
        "AND reporter IN (SELECT unnest(?)) AND hs_code IN (SELECT unnest(?))",
        [src, edition, "import", reporters, list(rest)])
    return sorted(set(have["hs_code"])) if len(have) else []


# ----------------------------------------------------------------------------- blocs
def _bloc_summary(warehouse: Warehouse, cid: str, bloc: str, members, present_members: list[str],
                  lines: list[str], year: int, by: str, intra: pd.DataFrame,
                  caveats: list[str]) -> dict:
    """Members present and missing, the missing members' likely share, intra-bloc trade."""
    from critmin.countries import country_name

    missing = [m for m in members if m not in present_members]
    intra_y = intra[(pd.to_datetime(intra["period"]).dt.year == year)
                    & intra["hs_code"].isin(lines)] if len(intra) else intra
    intra_sum = float(intra_y[by].sum()) if len(intra_y) else 0.0
    share, method, per = _missing_estimate(warehouse, cid, members, missing, lines, year, by)
    members_missing = [{"member": m, "name": country_name(m), "share": per.get(m),
                        "method": method if m in per else "unknown: no data for this member"}
                       for m in missing]
    caveats.append(f"{bloc}: {len(present_members)} of {len(members)} member states report imports "
                   f"({', '.join(present_members)}); their rows are summed and only partners outside "
                   f"the bloc count (intra-{bloc} trade, {intra_sum:,.0f} "
                   f"{'kg' if by == 'quantity_kg' else 'USD'} in {year}, is left out)")
    if missing:
        caveats.append(f"{bloc} members missing from the data: {', '.join(missing)}; "
                       + (f"they would likely hold about {share:.1%} of {bloc} imports ({method})"
                          if share is not None else f"their share of {bloc} imports is unknown "
                                                    f"({method})"))
    hubs = [m for m in present_members if m in ("BEL", "NLD")]
    if hubs:
        caveats.append(f"{', '.join(hubs)} clear goods through customs for other members: their "
                       f"imports from outside the {bloc} count once here (the other members' "
                       f"purchases from them are intra-{bloc}), so part of the missing members' "
                       "supply is already in the sum")
    return {"bloc": bloc, "members_present": present_members, "members_missing": members_missing,
            "missing_members_share": share, "missing_members_method": method,
            "intra_bloc_sum": intra_sum}


def _missing_estimate(warehouse: Warehouse, cid: str, members, missing: list[str],
                      lines: list[str], year: int, by: str) -> tuple[float | None, str, dict]:
    """The share of the bloc's imports the missing members would likely hold.

    Tried in turn: (1) total imports per member of the same lines from another dataset (World rows
    of members, e.g. OEC/BACI HS 2846 import values), the nearest year not after ``year``; (2) the
    exporter-side mirror: China's reported exports of the lines' 6-digit subheadings to each member
    in ``year`` (their split across members stands for the members' split of imports). Returns
    (share or None, method, {member: share}).
    """
    from critmin.dependence.bloc import missing_share

    if not missing:
        return 0.0, "no member missing", {}
    # (1) reporter-side totals of every member from another dataset
    tot = warehouse.table("trade", flow="import", freq="A", partner="WLD", reporter=list(members),
                          hs_code=lines)
    if len(tot):
        tot = tot.assign(year=pd.to_datetime(tot["period"]).dt.year)
        tot = tot[tot["year"] <= year]
        for (src, ed), g in sorted(tot.groupby(["source", "edition"]), key=lambda x: -len(x[1])):
            measure = by if g[by].notna().any() else "value_usd"
            y = int(g["year"].max())
            vals = g[g["year"] == y].groupby("reporter")[measure].sum(min_count=1)
            est = missing_share(vals, members, missing)
            if est is not None:
                share, per, known = est
                what = "net weight" if measure == "quantity_kg" else "value"
                return share, (f"{src} {ed}: the members' total imports of HS {'+'.join(lines)} in "
                               f"{y} by {what} (intra-bloc included), {known} of {len(members)} "
                               "members with a figure"), per
    # (2) the exporter-side mirror (China's exports by partner, 6-digit lines under the lines)
    ex = warehouse.table("trade", flow="export", reporter="CHN", partner=list(members))
    if len(ex):
        ex = ex[ex["hs_code"].astype(str).str.fullmatch(r"\d{6}")
                & ex["hs_code"].astype(str).str[:4].isin({c[:4] for c in lines})
                & ex["hs_code"].astype(str).apply(lambda c: any(c.startswith(x) for x in lines))]
        ex = ex[pd.to_datetime(ex["period"]).dt.year == year]
    if len(ex):
        measure = by if ex[by].notna().any() else "value_usd"
        vals = ex.groupby("partner")[measure].sum(min_count=1)
        est = missing_share(vals, members, missing)
        if est is not None:
            share, per, known = est
            src = ", ".join(sorted(set(ex["source"])))
            return share, (f"mirror: China-reported exports of HS {'+'.join(sorted(set(ex['hs_code'])))} "
                           f"to {known} members in {year} ({src}); the share of China's shipments to "
                           "the EU members it names, standing for the missing members' share of "
                           "imports"), per
    return None, ("unknown: no member totals or mirror data by partner for HS " + "+".join(lines)
                  + f" in {year}"), {}
