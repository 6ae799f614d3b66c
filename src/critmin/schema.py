"""The canonical tables, as data: one schema per table (field, type, unit, description).

Readers return DataFrames with exactly these columns (in this order; :func:`conform` checks and orders
them), the warehouse creates its tables from them, and the docs are generated from them. Quantities carry
their unit in the column name (``quantity_t`` metric tons); ``value`` + ``unit`` keep the figure as the
source published it, so that non-mass units (carats, cubic meters) and the original scale (kt, kg) are
never lost. Provenance: ``source`` (a source id such as ``usgs-mcs``), ``edition`` (``MCS2026``),
``edition_date`` (publication date, used to pick the latest value), ``file`` and ``row`` (1-based line
or sheet row in the raw file).

Identity and integrity (as data, on each :class:`Field`):

* ``key``: the columns identifying one value (:data:`KEYS`). In the warehouse ``(source, edition,
  *key)`` is the PRIMARY KEY of each table: one edition of a source holds each value once. An empty key
  column is stored as ``""`` (never NULL), so that two rows without a product are the same value.
* ``lo``/``hi``: the accepted range of a number (inclusive). Every float must be finite (NaN is a
  missing value, infinity is refused). :func:`conform` refuses a value out of range naming file, row and
  column, and the warehouse declares the same ranges as CHECK constraints (the last line of defence).
* ``reason``: columns one of which must say why a value is missing when it is (``missing``): a value
  without a number and without a reason is refused.

Bounds per unit (far above any figure published; a value beyond them is a misread, not data):

==========================  ==========================  =================================================
column (unit)               accepted                    why
==========================  ==========================  =================================================
``quantity_t`` [t]          0 .. 1e12 t                 the largest published figure is 2.0e11 t (iron ore
                                                        reserves, crude ore); salient rows -1e12 .. 1e12 t
                                                        (stock changes can be negative)
``value`` [as published]    0 .. 1e15 (salient ±1e15)   any published unit (t, kg, carats, USD, %)
``quantity_kg`` [kg]        0 .. 1e15 kg                = 1e12 t
``value_usd`` [USD]         0 .. 1e15 USD               ten times world GDP
``price`` [unit]            0 .. 1e9                    the highest published: 145,000 USD1998/t
``share`` [1]               0 .. 1                      fractions
WGI ``estimate`` [1]        -5 .. 5                     published -2.5 .. 2.5 (observed -3.3 .. 2.5)
WGI ``stddev`` [1]          0 .. 5
WGI ``pctrank`` [%]         0 .. 100
EU CRM ``value`` [1, MEUR]  0 .. 1e9
years                       1800 .. 2100                also dates (``period``, ``edition_date``)
``row``                     >= 1
==========================  ==========================  =================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from critmin.errors import DataError

__all__ = ["Field", "TABLES", "KEYS", "PRIMARY_KEYS", "conform", "empty", "describe", "YEAR_MIN",
           "YEAR_MAX", "MAX_T", "MAX_KG", "MAX_USD", "MAX_VALUE", "MAX_PRICE"]

YEAR_MIN, YEAR_MAX = 1800, 2100
"""Accepted years (and years of dates) [year]."""
MAX_T = 1e12
"""Largest accepted mass [t] (five times the largest published figure, 2.0e11 t of iron ore reserves)."""
MAX_KG = 1e15
"""Largest accepted trade quantity [kg] (= :data:`MAX_T`)."""
MAX_USD = 1e15
"""Largest accepted trade value [USD]."""
MAX_VALUE = 1e15
"""Largest accepted published figure in its own unit (t, kg, carats, USD, ...)."""
MAX_PRICE = 1e9
"""Largest accepted price in its own unit (USD/kg, USD/t, ...)."""


@dataclass(frozen=True)
class Field:
    """One column of a canonical table."""

    name: str
    dtype: str  # "str", "int", "float", "bool", "date"
    unit: str
    description: str
    nullable: bool = True
    key: bool = False
    """Part of the table's key (:data:`KEYS`)."""
    lo: float | None = None
    """Smallest accepted value (numbers) [the field's unit]."""
    hi: float | None = None
    """Largest accepted value (numbers) [the field's unit]."""
    reason: tuple[str, ...] = ()
    """Columns one of which must be non-empty when this value is missing."""

    def expected(self) -> str:
        """What the field accepts, in words."""
        if self.dtype == "date":
            return f"a date YYYY-MM-DD in the years {YEAR_MIN}..{YEAR_MAX}"
        what = "a whole number" if self.dtype == "int" else "a finite number"
        unit = f" [{self.unit}]" if self.unit and self.unit != "[unit]" else ""
        if self.lo is not None and self.hi is not None:
            rng = f" from {self.lo:g} to {self.hi:g}{unit}"
        elif self.lo is not None:
            rng = f" >= {self.lo:g}{unit}"
        elif self.hi is not None:
            rng = f" <= {self.hi:g}{unit}"
        else:
            rng = unit
        miss = ""
        if self.reason:
            miss = f", or empty with the reason in {' or '.join(repr(c) for c in self.reason)}"
        elif self.nullable:
            miss = ", or empty"
        return what + rng + miss


_YEAR = {"lo": YEAR_MIN, "hi": YEAR_MAX}


def _prov(*, source_key: bool = False) -> tuple[Field, ...]:
    return (
        Field("source", "str", "", "source id (usgs-mcs, usgs-ds140, usgs-myb, wgi, ...)", False,
              key=source_key),
        Field("edition", "str", "", "edition of the source (MCS2026, DS140-2020, MYB2022, WGI2024)",
              False),
        Field("edition_date", "date", "", "publication date of the edition; the latest wins", False),
        Field("file", "str", "", "raw file name the row came from", False),
        Field("row", "int", "", "1-based line (CSV) or sheet row (XLSX) in that file", False, lo=1),
    )


_PROV = _prov()


def _value(lo: float = 0.0) -> tuple[Field, ...]:
    return (
        Field("value", "float", "[unit]", "the figure as published, in `unit` (NaN when missing)",
              lo=lo, hi=MAX_VALUE, reason=("missing",)),
        Field("unit", "str", "", "unit of `value` as published (t, kt, kg, carats, million m3, ...)"),
        Field("missing", "str", "", "why the value is missing: withheld, not_available, not_applicable, "
              "net_exporter, blank; empty when present"),
        Field("qualifier", "str", "", "'>' or '<' for published bounds, 'zero_dash' for a dash meaning "
              "zero"),
    )


_VALUE = _value()

TABLES: dict[str, tuple[Field, ...]] = {
    "production": (
        Field("commodity", "str", "", "catalogue id (rare-earths, lithium, ...)", False, key=True),
        Field("stage", "str", "", "mine, refinery, smelter, plant, ... (see commodities catalogue)",
              False, key=True),
        Field("measure", "str", "", "production or capacity", False, key=True),
        Field("product", "str", "", "what is measured, from the source's TYPE text", key=True),
        Field("country", "str", "", "ISO3, or WLD (world total), OTH (other countries), AAA+BBB", False,
              key=True),
        Field("country_kind", "str", "", "country, aggregate or group", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("country_detail", "str", "", "what the source appended to the name (crude ore, ...); "
              "derived from country_raw when a reader leaves it out", key=True),
        Field("year", "int", "", "calendar year of the figure", False, key=True, **_YEAR),
        Field("quantity_t", "float", "t", "mass in metric tons (NaN when missing or not a mass)",
              lo=0.0, hi=MAX_T),
        *_VALUE,
        Field("basis", "str", "", "REO, contained, gross, ... (what the tonnage counts)"),
        Field("estimated", "bool", "", "the source marks the figure as an estimate", False),
        Field("notes", "str", "", "source notes on the figure"),
        *_PROV,
    ),
    "reserves": (
        Field("commodity", "str", "", "catalogue id", False, key=True),
        Field("product", "str", "", "what is measured", key=True),
        Field("country", "str", "", "ISO3 / WLD / OTH / group", False, key=True),
        Field("country_kind", "str", "", "country, aggregate or group", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("country_detail", "str", "", "what the source appended to the name; derived from "
              "country_raw when a reader leaves it out", key=True),
        Field("year", "int", "", "year at whose end the reserves are stated", False, key=True,
              **_YEAR),
        Field("quantity_t", "float", "t", "mass in metric tons (NaN when missing or not a mass)",
              lo=0.0, hi=MAX_T),
        *_VALUE,
        Field("basis", "str", "", "REO, contained, gross, ..."),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "salient": (
        Field("commodity", "str", "", "catalogue id", False, key=True),
        Field("country", "str", "", "ISO3 of the reporting country (USA for USGS)", False, key=True),
        Field("year", "int", "", "calendar year", False, key=True, **_YEAR),
        Field("statistic", "str", "", "production, imports, exports, consumption, nir, price, stocks, "
              "employment, other", False, key=True),
        Field("detail", "str", "", "the source's own label of the series", key=True),
        Field("quantity_t", "float", "t", "mass in metric tons when the value is a mass (negative for "
              "a fall in stocks)", lo=-MAX_T, hi=MAX_T),
        *_value(lo=-MAX_VALUE),
        Field("estimated", "bool", "", "the source marks the figure as an estimate", False),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "import_sources": (
        Field("commodity", "str", "", "catalogue id", False, key=True),
        Field("importer", "str", "", "ISO3 of the importing country", False, key=True),
        Field("partner", "str", "", "ISO3 / OTH of the source country", False, key=True),
        Field("partner_raw", "str", "", "partner name as written"),
        Field("period", "str", "", "years covered, e.g. 2021-2024", False, key=True),
        Field("detail", "str", "", "which material the shares are of", key=True),
        Field("share", "float", "1", "fraction of the importer's imports [0, 1]", lo=0.0, hi=1.0,
              reason=("missing",)),
        Field("missing", "str", "", "why the share is missing"),
        Field("qualifier", "str", "", "'>' or '<' bounds"),
        Field("notes", "str", "", "source notes"),
        *_PROV,
    ),
    "prices": (
        Field("commodity", "str", "", "catalogue id", False, key=True),
        Field("product", "str", "", "priced product (e.g. neodymium oxide 99.5%)", False, key=True),
        Field("year", "int", "", "calendar year of the annual average", False, key=True, **_YEAR),
        Field("price", "float", "[unit]", "price in `unit` (NaN when missing)", lo=0.0, hi=MAX_PRICE,
              reason=("missing",)),
        Field("unit", "str", "", "USD/kg, USD/t, ...", False),
        Field("missing", "str", "", "why the price is missing"),
        Field("qualifier", "str", "", "bounds"),
        Field("estimated", "bool", "", "estimate flag", False),
        Field("notes", "str", "", "source notes (market, basis)"),
        *_PROV,
    ),
    "consumption": (
        Field("commodity", "str", "", "catalogue id", False, key=True),
        Field("country", "str", "", "ISO3", False, key=True),
        Field("year", "int", "", "calendar year", False, key=True, **_YEAR),
        Field("quantity_t", "float", "t", "consumption in metric tons", lo=0.0, hi=MAX_T,
              reason=("missing",)),
        Field("basis", "str", "", "what is counted", key=True),
        Field("method", "str", "", "reported, apparent or estimated", False, key=True),
        Field("missing", "str", "", "why missing"),
        Field("estimated", "bool", "", "estimate flag", False),
        *_PROV,
    ),
    "trade": (
        Field("reporter", "str", "", "ISO3 of the reporting country", False, key=True),
        Field("partner", "str", "", "ISO3 of the partner; WLD for the world; a bloc or group code "
              "(BLOC:<name>, AAA+BBB) for aggregates the source publishes", False, key=True),
        Field("partner_kind", "str", "", "country, aggregate, bloc or group", False),
        Field("partner_raw", "str", "", "partner name or code as published"),
        Field("flow", "str", "", "export, import, re-export, re-import", False, key=True),
        Field("hs_code", "str", "", "HS/HTS code as published (2, 4 or 6 digits; national 8-10)",
              False, key=True),
        Field("period", "date", "", "first day of the month (freq M) or year (freq A)", False,
              key=True),
        Field("freq", "str", "", "M (monthly) or A (annual)", False, key=True),
        Field("quantity_kg", "float", "kg", "net weight in kilograms (NaN when not reported)",
              lo=0.0, hi=MAX_KG, reason=("missing",)),
        Field("value_usd", "float", "USD", "trade value in US dollars (NaN when not reported)",
              lo=0.0, hi=MAX_USD, reason=("missing",)),
        Field("value_basis", "str", "", "what the value counts: fob, cif, customs, fas, primary"),
        Field("missing", "str", "", "why quantity or value is missing (suppressed, not_reported)"),
        Field("notes", "str", "", "source notes"),
        *_prov(source_key=True),
    ),
    "governance": (
        Field("country", "str", "", "ISO3", False, key=True),
        Field("year", "int", "", "year of the WGI estimate", False, key=True, **_YEAR),
        Field("indicator", "str", "", "va, pv, ge, rq, rl, cc", False, key=True),
        Field("estimate", "float", "1", "WGI estimate, approx. -2.5..+2.5, higher is better governance",
              lo=-5.0, hi=5.0),
        Field("stddev", "float", "1", "standard error of the estimate", lo=0.0, hi=5.0),
        Field("nsource", "int", "", "number of sources", lo=0),
        Field("pctrank", "float", "%", "percentile rank 0..100", lo=0.0, hi=100.0),
        Field("country_raw", "str", "", "WGI code and name as published"),
        *_PROV,
    ),
    "eu_crm": (
        Field("assessment", "int", "", "year of the EU criticality assessment (2017, 2023)", False,
              key=True, **_YEAR),
        Field("material", "str", "", "material as the EU names it (Natural graphite, LREE)", False,
              key=True),
        Field("material_raw", "str", "", "the material name as written in the file"),
        Field("stage", "str", "", "E extraction, P processing; empty when not stage-specific",
              key=True),
        Field("parameter", "str", "", "sr, ei, ir, eol_rir, si_sr, si_ei, hhi_wgi_t, share, t, "
              "trade_parameter, end_use_share, sector_va, supply_data, stage_reported, "
              "stages_assessed, critical, group, ignored", False, key=True),
        Field("scope", "str", "", "GS global supply, EU EU sourcing; empty otherwise", key=True),
        Field("country", "str", "", "ISO3 of the supplier (share, t); empty otherwise", key=True),
        Field("country_raw", "str", "", "the country name as written"),
        Field("application", "str", "", "end-use application (Appendix 6); empty otherwise", key=True),
        Field("sector", "str", "", "NACE Rev. 2 code of the end-use sector (C23); empty otherwise",
              key=True),
        Field("value", "float", "[unit]", "the number in `unit` (fractions for shares, IR, EoL-RIR)",
              lo=0.0, hi=1e9, reason=("missing", "text")),
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
        Field("commodity", "str", "", "catalogue id (rare-earths, lithium, ...)", False, key=True),
        Field("mineral", "str", "", "the mineral as the source names it (Rare Earth Elements)", False,
              key=True),
        Field("stage", "str", "", "mine or refinery", False, key=True),
        Field("stage_raw", "str", "", "the stage as the source names it (mining, refining)"),
        Field("case", "str", "", "supply case of the projection (base: IEA base case)", False, key=True),
        Field("country", "str", "", "ISO3, or WLD (the source's total), OTH (Rest of world)", False,
              key=True),
        Field("country_kind", "str", "", "country or aggregate", False),
        Field("country_raw", "str", "", "the name as the source wrote it"),
        Field("year", "int", "", "calendar year of the figure", False, key=True, **_YEAR),
        Field("projected", "bool", "", "a projection (after the source's base year)", False),
        Field("quantity_t", "float", "t", "mass in metric tons, on `basis` (NaN when missing)",
              lo=0.0, hi=MAX_T),
        *_VALUE,
        Field("basis", "str", "", "what the tonnage counts, as the source states it (magnet rare "
              "earth elements (Nd, Pr, Dy, Tb), lithium content, ...); never add tonnes of two bases"),
        Field("notes", "str", "", "source notes (footnotes of the source's table)"),
        Field("json_pointer", "str", "", "RFC 6901 pointer to the value in the raw JSON file"),
        *_PROV,
    ),
    "outlook_demand": (
        Field("series", "str", "", "the source's table: total_demand, cleantech_by_mineral, "
              "cleantech_by_technology, by_technology", False, key=True),
        Field("commodity", "str", "", "catalogue id; 'all' for totals over minerals", False, key=True),
        Field("mineral", "str", "", "the mineral as the source names it (Battery-grade graphite)",
              False, key=True),
        Field("sector", "str", "", "end-use sector or technology as published (Electric vehicles), "
              "or Clean technologies (total), Other uses, Total demand", False, key=True),
        Field("scenario", "str", "", "STEPS, APS, NZE; base-year for the base year (all scenarios)",
              False, key=True),
        Field("year", "int", "", "calendar year of the figure", False, key=True, **_YEAR),
        Field("projected", "bool", "", "a projection (after the source's base year)", False),
        Field("quantity_t", "float", "t", "mass in metric tons per year, on `basis`", lo=0.0, hi=MAX_T),
        *_VALUE,
        Field("basis", "str", "", "what the tonnage counts, as the source states it"),
        Field("notes", "str", "", "source notes"),
        Field("json_pointer", "str", "", "RFC 6901 pointer to the value in the raw JSON file"),
        *_PROV,
    ),
    # --- end IEA outlook tables ---
}
"""Table name -> fields."""

KEYS: dict[str, tuple[str, ...]] = {t: tuple(f.name for f in fs if f.key) for t, fs in TABLES.items()}
"""The columns identifying one value (the fields marked ``key``); the same key in two editions is the
same value published twice. Within one edition of one source a key must be unique (duplicate rows are
an error, and the warehouse's primary key refuses them)."""

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    t: tuple(dict.fromkeys(("source", "edition", *k))) for t, k in KEYS.items()}
"""The warehouse's primary key of each table: ``(source, edition, *KEYS[table])``."""

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
        When a column is missing, a non-nullable column holds nulls, a value is not a finite number,
        lies outside its field's range (:attr:`Field.lo`, :attr:`Field.hi`), is missing without a
        reason, or a date is not ``YYYY-MM-DD`` in the accepted years; naming the first such row and
        its column, and what is accepted.
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
            raise DataError(f"{table}.{f.name} must not be empty", **_where(out, i, file, f.name))
        if f.dtype == "str":
            out[f.name] = col.astype("string")
            if f.key:
                out[f.name] = out[f.name].fillna("")
        elif f.dtype in ("int", "float"):
            out[f.name] = _numeric(col, f, table, out, file)
        elif f.dtype == "bool":
            out[f.name] = col.astype("boolean")
        elif f.dtype == "date":
            out[f.name] = col.astype("string")
    out = out.reset_index(drop=True)
    _validate(out, table, file)
    return out


def _where(out: pd.DataFrame, i: int, file: str | None, column: str) -> dict:
    """The ``file``/``row``/``column`` of row position ``i`` for a :class:`DataError`."""
    r = out["row"].iloc[i] if "row" in out.columns else None
    f = file
    if f is None and "file" in out.columns and not pd.isna(out["file"].iloc[i]):
        f = str(out["file"].iloc[i])
    try:
        row = None if r is None or pd.isna(r) else int(r)
    except (TypeError, ValueError):
        row = None
    return {"file": f, "row": row, "column": column}


def _numeric(col: pd.Series, f: Field, table: str, out: pd.DataFrame, file: str | None) -> pd.Series:
    """A column as float64 / Int64, refusing text and (for ints) fractions with a DataError."""
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna() & col.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{table}.{f.name} is not a number; expected {f.expected()}",
                        **_where(out, i, file, f.name), value=col.iloc[i])
    num = num.astype("float64")
    if f.dtype == "float":
        return num
    arr = num.to_numpy()
    frac = np.isfinite(arr) & (np.floor(arr) != arr)
    if frac.any() or np.isinf(arr).any():
        i = int((frac | np.isinf(arr)).nonzero()[0][0])
        raise DataError(f"{table}.{f.name} is not a whole number; expected {f.expected()}",
                        **_where(out, i, file, f.name), value=col.iloc[i])
    return num.astype("Int64")


def _validate(out: pd.DataFrame, table: str, file: str | None) -> None:
    """Refuse infinite numbers, numbers out of their field's range, values missing without a reason
    and malformed dates (the first offending row, naming file, row and column)."""
    cols = set(out.columns)
    for f in TABLES[table]:
        col = out[f.name]
        if f.dtype in ("int", "float"):
            arr = col.to_numpy(dtype="float64", na_value=np.nan)
            bad = np.isinf(arr)
            why = "is not a finite number"
            if not bad.any():
                with np.errstate(invalid="ignore"):
                    low = arr < f.lo if f.lo is not None else np.zeros(len(arr), bool)
                    high = arr > f.hi if f.hi is not None else np.zeros(len(arr), bool)
                bad = low | high
                why = "is below the accepted range" if low.any() and (
                    not high.any() or low.argmax() < high.argmax()) else "is above the accepted range"
                if f.lo == 0 and low.any() and why.startswith("is below"):
                    why = "is negative"
            if bad.any():
                i = int(bad.nonzero()[0][0])
                raise DataError(f"{table}.{f.name} {why}; expected {f.expected()}",
                                **_where(out, i, file, f.name), value=_plain(arr[i]))
            if f.reason and all(c in cols for c in f.reason):
                has_reason = np.zeros(len(out), bool)
                for c in f.reason:
                    has_reason |= out[c].fillna("").astype(str).str.strip().ne("").to_numpy()
                bad = np.isnan(arr) & ~has_reason
                if bad.any():
                    i = int(bad.nonzero()[0][0])
                    raise DataError(f"{table}.{f.name} is missing without a reason; expected "
                                    f"{f.expected()}", **_where(out, i, file, f.name))
        elif f.dtype == "date":
            txt = col.astype("string")
            present = txt.notna().to_numpy()
            parsed = pd.to_datetime(txt, format="%Y-%m-%d", errors="coerce")
            years = parsed.dt.year.to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):
                ok = (txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
                      & (years >= YEAR_MIN) & (years <= YEAR_MAX))
            bad = present & ~ok
            if bad.any():
                i = int(bad.nonzero()[0][0])
                raise DataError(f"{table}.{f.name} is not a date; expected {f.expected()}",
                                **_where(out, i, file, f.name), value=col.iloc[i])


def _plain(x: float) -> float | int:
    return int(x) if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15 else float(x)


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
