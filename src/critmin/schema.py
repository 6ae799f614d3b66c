"""The canonical tables, as data: one schema per table (field, type, unit, description).

Readers return DataFrames with exactly these columns (in this order; :func:`conform` checks and orders
them), the warehouse creates its tables from them, and the docs are generated from them. Quantities carry
their unit in the column name (``quantity_t`` metric tons); ``value`` + ``unit`` keep the figure as the
source published it, so that non-mass units (carats, cubic meters) and the original scale (kt, kg) are
never lost. Provenance: ``source`` (a source id such as ``usgs-mcs``), ``edition`` (``MCS2026``),
``edition_date`` (publication date, used to pick the latest value), ``file`` and ``row`` (1-based line
or sheet row in the raw file).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from critmin.errors import DataError

__all__ = ["Field", "TABLES", "KEYS", "conform", "empty", "describe"]


@dataclass(frozen=True)
class Field:
    """One column of a canonical table."""

    name: str
    dtype: str  # "str", "int", "float", "bool", "date"
    unit: str
    description: str
    nullable: bool = True


_PROV = (
    Field("source", "str", "", "source id (usgs-mcs, usgs-ds140, usgs-myb, wgi, ...)", False),
    Field("edition", "str", "", "edition of the source (MCS2026, DS140-2020, MYB2022, WGI2024)", False),
    Field("edition_date", "date", "", "publication date of the edition; the latest wins", False),
    Field("file", "str", "", "raw file name the row came from", False),
    Field("row", "int", "", "1-based line (CSV) or sheet row (XLSX) in that file", False),
)

_VALUE = (
    Field("value", "float", "[unit]", "the figure as published, in `unit` (NaN when missing)"),
    Field("unit", "str", "", "unit of `value` as published (t, kt, kg, carats, million m3, ...)"),
    Field("missing", "str", "", "why the value is missing: withheld, not_available, not_applicable, "
          "net_exporter, blank; empty when present"),
    Field("qualifier", "str", "", "'>' or '<' for published bounds, 'zero_dash' for a dash meaning zero"),
)

TABLES: dict[str, tuple[Field, ...]] = {
    "production": (
        Field("commodity", "str", "", "catalogue id (rare-earths, lithium, ...)", False),
        Field("stage", "str", "", "mine, refinery, smelter, plant, ... (see commodities catalogue)", False),
        Field("measure", "str", "", "production or capacity", False),
        Field("product", "str", "", "what is measured, from the source's TYPE text"),
        Field("country", "str", "", "ISO3, or WLD (world total), OTH (other countries), AAA+BBB", False),
        Field("country_kind", "str", "", "country, aggregate or group", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("country_detail", "str", "", "what the source appended to the name (crude ore, ...); "
              "derived from country_raw when a reader leaves it out"),
        Field("year", "int", "", "calendar year of the figure", False),
        Field("quantity_t", "float", "t", "mass in metric tons (NaN when missing or not a mass)"),
        *_VALUE,
        Field("basis", "str", "", "REO, contained, gross, ... (what the tonnage counts)"),
        Field("estimated", "bool", "", "the source marks the figure as an estimate", False),
        Field("notes", "str", "", "source notes on the figure"),
        *_PROV,
    ),
    "reserves": (
        Field("commodity", "str", "", "catalogue id", False),
        Field("product", "str", "", "what is measured"),
        Field("country", "str", "", "ISO3 / WLD / OTH / group", False),
        Field("country_kind", "str", "", "country, aggregate or group", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("country_detail", "str", "", "what the source appended to the name; derived from "
              "country_raw when a reader leaves it out"),
        Field("year", "int", "", "year at whose end the reserves are stated", False),
        Field("quantity_t", "float", "t", "mass in metric tons (NaN when missing or not a mass)"),
        *_VALUE,
        Field("basis", "str", "", "REO, contained, gross, ..."),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "salient": (
        Field("commodity", "str", "", "catalogue id", False),
        Field("country", "str", "", "ISO3 of the reporting country (USA for USGS)", False),
        Field("year", "int", "", "calendar year", False),
        Field("statistic", "str", "", "production, imports, exports, consumption, nir, price, stocks, "
              "employment, other", False),
        Field("detail", "str", "", "the source's own label of the series"),
        Field("quantity_t", "float", "t", "mass in metric tons when the value is a mass"),
        *_VALUE,
        Field("estimated", "bool", "", "the source marks the figure as an estimate", False),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "import_sources": (
        Field("commodity", "str", "", "catalogue id", False),
        Field("importer", "str", "", "ISO3 of the importing country", False),
        Field("partner", "str", "", "ISO3 / OTH of the source country", False),
        Field("partner_raw", "str", "", "partner name as written"),
        Field("period", "str", "", "years covered, e.g. 2021-2024", False),
        Field("detail", "str", "", "which material the shares are of"),
        Field("share", "float", "1", "fraction of the importer's imports [0, 1]"),
        Field("missing", "str", "", "why the share is missing"),
        Field("qualifier", "str", "", "'>' or '<' bounds"),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "prices": (
        Field("commodity", "str", "", "catalogue id", False),
        Field("product", "str", "", "priced product (e.g. neodymium oxide 99.5%)", False),
        Field("year", "int", "", "calendar year of the annual average", False),
        Field("price", "float", "[unit]", "price in `unit` (NaN when missing)"),
        Field("unit", "str", "", "USD/kg, USD/t, ...", False),
        Field("missing", "str", "", "why the price is missing"),
        Field("qualifier", "str", "", "bounds"),
        Field("estimated", "bool", "", "estimate flag", False),
        Field("notes", "str", "", "source notes (market, basis)"),
        *_PROV,
    ),
    "consumption": (
        Field("commodity", "str", "", "catalogue id", False),
        Field("country", "str", "", "ISO3", False),
        Field("year", "int", "", "calendar year", False),
        Field("quantity_t", "float", "t", "consumption in metric tons"),
        Field("basis", "str", "", "what is counted"),
        Field("method", "str", "", "reported, apparent or estimated", False),
        Field("missing", "str", "", "why missing"),
        Field("estimated", "bool", "", "estimate flag", False),
        *_PROV,
    ),
    "trade": (
        Field("reporter", "str", "", "ISO3 of the reporting country", False),
        Field("partner", "str", "", "ISO3 of the partner; WLD for the world; a bloc or group code "
              "(BLOC:<name>, AAA+BBB) for aggregates the source publishes", False),
        Field("partner_kind", "str", "", "country, aggregate, bloc or group", False),
        Field("partner_raw", "str", "", "partner name or code as published"),
        Field("flow", "str", "", "export, import, re-export, re-import", False),
        Field("hs_code", "str", "", "HS/HTS code as published (2, 4 or 6 digits; national 8-10)",
              False),
        Field("period", "date", "", "first day of the month (freq M) or year (freq A)", False),
        Field("freq", "str", "", "M (monthly) or A (annual)", False),
        Field("quantity_kg", "float", "kg", "net weight in kilograms (NaN when not reported)"),
        Field("value_usd", "float", "USD", "trade value in US dollars (NaN when not reported)"),
        Field("value_basis", "str", "", "what the value counts: fob, cif, customs, fas, primary"),
        Field("missing", "str", "", "why quantity or value is missing (suppressed, not_reported)"),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "governance": (
        Field("country", "str", "", "ISO3", False),
        Field("year", "int", "", "year of the WGI estimate", False),
        Field("indicator", "str", "", "va, pv, ge, rq, rl, cc", False),
        Field("estimate", "float", "1", "WGI estimate, approx. -2.5..+2.5, higher is better governance"),
        Field("stddev", "float", "1", "standard error of the estimate"),
        Field("nsource", "int", "", "number of sources"),
        Field("pctrank", "float", "%", "percentile rank 0..100"),
        Field("country_raw", "str", "", "WGI code and name as published"),
        *_PROV,
    ),
    "eu_crm": (
        Field("assessment", "int", "", "year of the EU criticality assessment (2017, 2023)", False),
        Field("material", "str", "", "material as the EU names it (Natural graphite, LREE)", False),
        Field("material_raw", "str", "", "the material name as written in the file"),
        Field("stage", "str", "", "E extraction, P processing; empty when not stage-specific"),
        Field("parameter", "str", "", "sr, ei, ir, eol_rir, si_sr, si_ei, hhi_wgi_t, share, t, "
              "trade_parameter, end_use_share, sector_va, supply_data, stage_reported, "
              "stages_assessed, critical, group, ignored", False),
        Field("scope", "str", "", "GS global supply, EU EU sourcing; empty otherwise"),
        Field("country", "str", "", "ISO3 of the supplier (share, t); empty otherwise"),
        Field("country_raw", "str", "", "the country name as written"),
        Field("application", "str", "", "end-use application (Appendix 6); empty otherwise"),
        Field("sector", "str", "", "NACE Rev. 2 code of the end-use sector (C23); empty otherwise"),
        Field("value", "float", "[unit]", "the number in `unit` (fractions for shares, IR, EoL-RIR)"),
        Field("unit", "str", "", "1 (dimensionless or fraction) or MEUR (million euro)"),
        Field("text", "str", "", "categorical value: GS+EU, GSonly, EUonly; E, P, E+P; yes, no"),
        Field("missing", "str", "", "why the value is missing (blank, not_available, unreadable, "
              "not_applicable)"),
        Field("qualifier", "str", "", "'<' for '<0.1%' (an upper bound), '>' for '>0%'"),
        Field("notes", "str", "", "source notes and reader remarks"),
        *_PROV,
    ),
    # --- IEA outlook tables (issue 14) ---
    "outlook_supply": (
        Field("commodity", "str", "", "catalogue id (rare-earths, lithium, ...)", False),
        Field("mineral", "str", "", "the mineral as the source names it (Rare Earth Elements)", False),
        Field("stage", "str", "", "mine or refinery", False),
        Field("stage_raw", "str", "", "the stage as the source names it (mining, refining)"),
        Field("case", "str", "", "supply case of the projection (base: IEA base case)", False),
        Field("country", "str", "", "ISO3, or WLD (the source's total), OTH (Rest of world)", False),
        Field("country_kind", "str", "", "country or aggregate", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("year", "int", "", "calendar year of the figure", False),
        Field("projected", "bool", "", "a projection (after the source's base year)", False),
        Field("quantity_t", "float", "t", "mass in metric tons, on `basis` (NaN when missing)"),
        *_VALUE,
        Field("basis", "str", "", "what the tonnage counts, as the source states it (magnet rare "
              "earth elements (Nd, Pr, Dy, Tb), lithium content, ...); never add tonnes of two bases"),
        Field("notes", "str", "", "source notes (footnotes of the source's table)"),
        Field("json_pointer", "str", "", "RFC 6901 pointer to the value in the raw JSON file"),
        *_PROV,
    ),
    "outlook_demand": (
        Field("series", "str", "", "the source's table: total_demand, cleantech_by_mineral, "
              "cleantech_by_technology, by_technology", False),
        Field("commodity", "str", "", "catalogue id; 'all' for totals over minerals", False),
        Field("mineral", "str", "", "the mineral as the source names it (Battery-grade graphite)",
              False),
        Field("sector", "str", "", "end-use sector or technology as published (Electric vehicles), "
              "or Clean technologies (total), Other uses, Total demand", False),
        Field("scenario", "str", "", "STEPS, APS, NZE; base-year for the base year (all scenarios)",
              False),
        Field("year", "int", "", "calendar year of the figure", False),
        Field("projected", "bool", "", "a projection (after the source's base year)", False),
        Field("quantity_t", "float", "t", "mass in metric tons per year, on `basis`"),
        *_VALUE,
        Field("basis", "str", "", "what the tonnage counts, as the source states it"),
        Field("notes", "str", "", "source notes"),
        Field("json_pointer", "str", "", "RFC 6901 pointer to the value in the raw JSON file"),
        *_PROV,
    ),
    # --- end IEA outlook tables ---
}
"""Table name -> fields."""

KEYS: dict[str, tuple[str, ...]] = {
    "production": ("commodity", "stage", "measure", "product", "country", "country_detail", "year"),
    "reserves": ("commodity", "product", "country", "country_detail", "year"),
    "salient": ("commodity", "country", "year", "statistic", "detail"),
    "import_sources": ("commodity", "importer", "partner", "period", "detail"),
    "prices": ("commodity", "product", "year"),
    "consumption": ("commodity", "country", "year", "basis", "method"),
    "governance": ("country", "year", "indicator"),
    "trade": ("source", "reporter", "partner", "flow", "hs_code", "period", "freq"),
    "eu_crm": ("assessment", "material", "stage", "parameter", "scope", "country", "application",
               "sector"),
    "outlook_supply": ("commodity", "mineral", "stage", "case", "country", "year"),
    "outlook_demand": ("series", "commodity", "mineral", "sector", "scenario", "year"),
}
"""The columns identifying one value; the same key in two editions is the same value published twice.
Within one edition of one source a key must be unique (duplicate rows are an error)."""

_PANDAS = {"str": "string", "int": "Int64", "float": "float64", "bool": "boolean", "date": "string"}


def empty(table: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns and dtypes."""
    return pd.DataFrame({f.name: pd.Series(dtype=_PANDAS[f.dtype]) for f in TABLES[table]})


def conform(df: pd.DataFrame, table: str, *, file: str | None = None) -> pd.DataFrame:
    """Check a reader's output against the schema, order the columns and set dtypes.

    Parameters
    ----------
    df : DataFrame
        The reader's rows.
    table : str
        One of :data:`TABLES`.
    file : str, optional
        Named in errors.

    Raises
    ------
    DataError
        When a column is missing or a non-nullable column holds nulls (naming the first such row).
    """
    fields = TABLES[table]
    if ("country_detail" in {f.name for f in fields} and "country_detail" not in df.columns
            and "country_raw" in df.columns):
        df = df.assign(country_detail=[_detail(x) for x in df["country_raw"]]) if len(df) else \
            df.assign(country_detail=pd.Series(dtype="string"))
    missing = [f.name for f in fields if f.name not in df.columns]
    if missing:
        raise DataError(f"reader output for table {table!r} lacks columns {missing}", file=file)
    out = df.loc[:, [f.name for f in fields]].copy()
    for f in fields:
        col = out[f.name]
        if not f.nullable and col.isna().any():
            i = int(col.isna().to_numpy().nonzero()[0][0])
            r = out["row"].iloc[i] if "row" in out.columns else None
            raise DataError(f"{table}.{f.name} must not be empty", file=file,
                            row=None if r is None or pd.isna(r) else int(r), column=f.name)
        if f.dtype == "str":
            out[f.name] = col.astype("string")
        elif f.dtype == "int":
            out[f.name] = pd.to_numeric(col).astype("Int64")
        elif f.dtype == "float":
            out[f.name] = pd.to_numeric(col).astype("float64")
        elif f.dtype == "bool":
            out[f.name] = col.astype("boolean")
        elif f.dtype == "date":
            out[f.name] = col.astype("string")
    return out.reset_index(drop=True)


def _detail(raw: object) -> str:
    """The detail part of a source's country name ("Brazil (beneficiated)" -> "beneficiated")."""
    from critmin.countries import UnknownCountryError, resolve

    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return ""
    try:
        return resolve(raw).detail
    except UnknownCountryError:
        return ""


def describe(table: str) -> pd.DataFrame:
    """The schema of one table as a DataFrame (field, type, unit, nullable, description)."""
    return pd.DataFrame(
        [(f.name, f.dtype, f.unit, f.nullable, f.description) for f in TABLES[table]],
        columns=["field", "type", "unit", "nullable", "description"],
    )
