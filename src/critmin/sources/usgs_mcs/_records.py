"""Building the canonical rows of the MCS readers: provenance, countries, units, duplicate checks.

World tables (``production``, ``reserves``): :class:`_Ctx` (file, edition and the layout's unit
fixes), :func:`_record` and :func:`_finish`. Salient tables (``salient``, ``prices``,
``consumption``, ``import_sources``): :func:`_frame`.

Every figure keeps the value and unit as published (``value``, ``unit``); ``quantity_t`` is filled
only when the unit is a mass (:func:`critmin.units.to_tonnes`). A withheld or unavailable figure is
NaN with the reason in ``missing``, never zero.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Unit slips.** A unit stated in the notes wins over the column unit and is recorded in ``notes``
  (:func:`_fix_unit`): MCS 2023 chromium ``Prod_t_*`` with "Units are thousand metric tons", MCS 2025
  molybdenum and vanadium reserves "(Reserve data is thousand metric tons)", MCS 2025 iron-ore
  reserves "Crude Ore, million metric tons". Slips without such a statement are corrected only
  through the explicit ``UNIT_FIXES`` table of each layout module (with the cross-edition
  evidence), again noted in ``notes``. Values the source itself got wrong are kept as published.
* **Countries.** Names go through :func:`critmin.countries.resolve`: footnote digits ("China6"),
  glued ``e`` ("Russiae", an estimate), details in parentheses or after a comma ("Brazil
  (beneficiated)", "Argentina, crude ore"), non-breaking spaces, "World total (rounded)" -> ``WLD``,
  "Other countries" -> ``OTH`` ("Other countriese": an estimate), "United States and Canada" ->
  ``USA+CAN``. ``country_raw`` keeps the name (stripped of surrounding whitespace) and
  ``country_detail`` what was appended to it.
* **World totals.** Each (commodity, year) with production or capacity rows has a World total row
  (``WLD``) in every MCS world table but one (:data:`NO_WORLD_TOTAL`); a block without it is a file
  cut short or a lost row, and raises.
* **Errors.** A row with a country but an unreadable value, an unknown country, a missing column or
  a duplicate key raises :class:`~critmin.errors.DataError` naming the file, the 1-based line
  (header = line 1), the column and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from critmin import commodities as _cat
from critmin.countries import Country, UnknownCountryError, resolve
from critmin.errors import DataError, UnknownCommodityError
from critmin.schema import KEYS, conform, empty
from critmin.sources._tokens import ParsedValue
from critmin.sources.editions import mcs_edition
from critmin.units import is_mass, normalize_unit, to_tonnes

SOURCE = "usgs-mcs"
"""Source id written to the ``source`` column."""

OUTPUT_TABLES = ("salient", "prices", "consumption", "import_sources")
"""Tables of the salient readers."""

UnitFixes = Mapping[tuple[str, str, str], tuple[str, str, str]]
"""(edition, commodity, table) -> (unit as published, unit used, evidence)."""

# ---------------------------------------------------------------------------------------------
# World tables
# ---------------------------------------------------------------------------------------------

_NOTES_UNIT = (
    re.compile(r"\bunits? (?:are|is) (?P<u>(?:thousand |million )?metric tons)", re.IGNORECASE),
    re.compile(r"\breserve data (?:is|are) (?:in )?(?P<u>(?:thousand |million )?metric tons)",
               re.IGNORECASE),
    re.compile(r"^\s*(?:crude (?:iron )?ore|iron content),\s*(?P<u>million metric tons)",
               re.IGNORECASE),
)


def _fix_unit(edition: str, com_id: str, table: str, unit: str, notes: str,
              fixes: UnitFixes) -> tuple[str, str]:
    """The unit to use and a note when it differs from the published one (see the ``UNIT_FIXES``
    of the layout modules and the unit statements in notes such as "Units are thousand metric
    tons")."""
    for rx in _NOTES_UNIT:
        m = rx.search(notes or "")
        if m:
            stated = normalize_unit(m.group("u"))
            if stated != unit:
                return stated, f"Unit {stated} as the notes state (the column says {unit})."
            return unit, ""
    fix = fixes.get((edition, com_id, table))
    if fix and fix[0] == unit:
        return fix[1], f"Unit corrected from {fix[0]} to {fix[1]}: {fix[2]}."
    return unit, ""


@dataclass
class _Ctx:
    """The file being read: its name, MCS edition, publication date and the layout's unit fixes."""

    file: str
    edition: str
    edition_date: str
    unit_fixes: UnitFixes = field(default_factory=dict)


def _join(*parts: str) -> str:
    seen: list[str] = []
    for p in parts:
        p = (p or "").strip()
        if p and p not in seen:
            seen.append(p)
    return " | ".join(seen)


def _country(name: str, ctx: _Ctx, row: int, column: str) -> Country:
    try:
        c = resolve(name)
    except UnknownCountryError as err:
        raise DataError(
            f"unknown country name; expected a country, 'World total ...' or 'Other countries' "
            f"({err})",
            file=ctx.file,
            row=row,
            column=column,
            value=name,
        ) from None
    if c.kind == "aggregate" and not c.estimated:
        base = re.sub(r"\s*\d{1,2}$", "", str(name).replace("\u00a0", " ").strip())
        if base.casefold().endswith("countriese"):
            c = replace(c, estimated=True)
    return c


def _source_edition(cells: Iterable[tuple[int, str]], name: str, column: str,
                    file_edition: str | None) -> str | None:
    """The edition the ``Source`` cells of a world table name (blank cells allowed).

    It must be one edition, and the file name's when that names one: every real file's Source cells
    agree with each other and with the file name, so another edition on one row is a damaged cell,
    which would otherwise re-date every row of the file.

    Parameters
    ----------
    cells : iterable of (int, str)
        (line, Source cell) of every data row.
    name, column : str
        File name and column header, for errors.
    file_edition : str or None
        The edition the file name gives.
    """
    edition, first = file_edition, None
    for ln, raw in cells:
        cell = (raw or "").strip()
        if not cell:
            continue
        ed = mcs_edition(cell)
        if ed is None:
            raise DataError("expected the MCS edition (e.g. MCS2023) in the source column",
                            file=name, row=ln, column=column, value=raw)
        if edition is None:
            edition, first = ed, ln
        elif ed != edition:
            said = f"the file name says {file_edition}" if first is None else \
                f"row {first} says {edition}"
            raise DataError(f"the source column names edition {ed} but {said}; expected one "
                            "edition per file", file=name, row=ln, column=column, value=raw)
    return edition


def _commodity(name: str, ctx: _Ctx, row: int | None, column: str | None) -> _cat.Commodity:
    try:
        return _cat.get(name)
    except UnknownCommodityError as err:
        raise DataError(str(err), file=ctx.file, row=row, column=column, value=name) from None


def _unit_from_text(text: str, ctx: _Ctx, row: int, column: str) -> str:
    try:
        return normalize_unit(text)
    except ValueError as err:
        raise DataError(f"{err}; expected a unit such as 'metric tons'", file=ctx.file, row=row,
                        column=column, value=text) from None


def _record(
    ctx: _Ctx,
    *,
    table: str,
    com: _cat.Commodity,
    country: Country,
    year: int,
    unit: str,
    pv: ParsedValue,
    row: int,
    notes: str,
    stage: str = "",
    measure: str = "production",
    product: str = "",
    basis: str = "",
    estimated: bool = False,
    country_detail: str | None = None,
    unit_notes: str | None = None,
) -> dict:
    unit, unit_note = _fix_unit(ctx.edition, com.id, table, unit,
                                notes if unit_notes is None else unit_notes, ctx.unit_fixes)
    notes = _join(notes, unit_note)
    value = pv.value
    qt = to_tonnes(value, unit) if (is_mass(unit) and not math.isnan(value)) else math.nan
    rec = {
        "commodity": com.id,
        "product": product,
        "country": country.code,
        "country_kind": country.kind,
        "country_raw": str(country.raw).replace("\u00a0", " ").strip(),
        "country_detail": country.detail if country_detail is None else country_detail,
        "year": int(year),
        "quantity_t": qt,
        "value": value,
        "unit": unit,
        "missing": pv.missing,
        "qualifier": pv.qualifier,
        "basis": basis,
        "notes": notes or None,
        "source": SOURCE,
        "edition": ctx.edition,
        "edition_date": ctx.edition_date,
        "file": ctx.file,
        "row": row,
    }
    if table == "production":
        rec.update(stage=stage, measure=measure, estimated=bool(estimated or pv.estimated))
    return rec


NO_WORLD_TOTAL: dict[tuple[str, str], str] = {
    ("MCS2024", "pumice"): "mcs2024-pumic_world.csv as published has no World total row (the MCS2023 "
    "and MCS2025 pumice tables have one)",
}
"""(edition, commodity) -> evidence: world tables published without a World total row. Every other
(commodity, year) with production or capacity rows in the MCS 2022-2026 world tables has one."""


def _check_world_totals(rows: list[dict], ctx: _Ctx, column: str) -> None:
    """Refuse production rows of a (commodity, year) without a World total (``WLD``) row.

    Every MCS world table gives a world total for each commodity and year it has production or
    capacity figures for (except :data:`NO_WORLD_TOTAL`); in the files it comes after the country
    rows, so a file cut short (or a lost row) shows as a block without it -- whose shares would
    otherwise be computed against the wrong total.
    """
    blocks: dict[tuple[str, int], list[int]] = {}
    totals: set[tuple[str, int]] = set()
    for r in rows:
        key = (r["commodity"], int(r["year"]))
        blocks.setdefault(key, []).append(int(r["row"]))
        if r["country"] == "WLD":
            totals.add(key)
    for (com, year), lines in blocks.items():
        if (com, year) in totals or (ctx.edition, com) in NO_WORLD_TOTAL:
            continue
        raise DataError(
            f"no World total row for {com} production in {year} (its {len(lines)} rows end at line "
            f"{max(lines)}); every MCS world table has one: a file cut short or a lost row?",
            file=ctx.file, row=max(lines), column=column or None)


def _finish(records: dict[str, list[dict]], ctx: _Ctx, columns: dict[str, str]) -> dict:
    out = {}
    for table in ("production", "reserves"):
        df = pd.DataFrame.from_records(records[table]) if records[table] else None
        if df is None:
            out[table] = empty(table)
            continue
        _check_duplicates(df, table, ctx, columns.get(table, ""))
        if table == "production":
            _check_world_totals(records[table], ctx, columns.get(table, ""))
        out[table] = conform(df, table, file=ctx.file)
    return out


def _check_duplicates(df: pd.DataFrame, table: str, ctx: _Ctx, column: str) -> None:
    keys = list(KEYS[table])
    k = df[keys].astype(str)
    dup = k.duplicated(keep=False)
    if dup.any():
        first = k[dup].iloc[0]
        rows = df.loc[(k == first).all(axis=1), "row"].tolist()
        key = ", ".join(f"{c}={first[c]}" for c in keys)
        raise DataError(
            f"duplicate {table} rows {rows[0]} and {rows[1]} for the same key ({key}); "
            "expected one value per key",
            file=ctx.file,
            row=int(rows[1]),
            column=column or None,
        )


def _estimated_years(notes: str) -> set[int] | None:
    """Years a note says are estimated; None = the note says the whole row is estimated."""
    low = notes.casefold()
    if "estimat" not in low:
        return set()
    years = {int(y) for y in re.findall(r"\b(20\d\d)\b", low)}
    if years:
        return years
    if low.lstrip().startswith("estimat"):
        return None
    return set()


def _is_est(years: set[int] | None, year: int) -> bool:
    return years is None or year in years


# ---------------------------------------------------------------------------------------------
# Salient tables
# ---------------------------------------------------------------------------------------------


def _commodity_id(code: str | None, name_cell: str | None, *, file: str, row: int | None) -> str:
    errors = []
    for how, key in (("code", code), ("name", name_cell)):
        if not key:
            continue
        try:
            c = _cat.from_usgs_code(key) if how == "code" else _cat.from_mcs_name(key)
            return c.id
        except UnknownCommodityError as err:
            errors.append(str(err))
    raise DataError("commodity not in the catalogue: " + "; ".join(errors or ["no code or name"]),
                    file=file, row=row, column="Commodity", value=name_cell or code)


def _frame(records: list[dict], table: str, fname: str) -> pd.DataFrame:
    if not records:
        return empty(table)
    df = pd.DataFrame.from_records(records)
    for f in ("missing", "qualifier", "notes", "detail", "basis", "product", "unit"):
        if f in df.columns:
            df[f] = df[f].where(df[f].notna(), None)
    out = conform(df, table, file=fname)
    _check_unique(out, table, fname)
    return out


def _check_unique(df: pd.DataFrame, table: str, fname: str) -> None:
    key = list(KEYS[table])
    dup = df.duplicated(key, keep=False)
    if dup.any():
        d = df[dup].sort_values("row")
        first = d.iloc[0]
        same = d[(d[key].astype(str) == first[key].astype(str)).all(axis=1)]
        rows = [int(r) for r in same["row"].tolist()]
        series = ""
        if "detail" in same.columns and same["detail"].nunique() > 1:
            series = f" (series {sorted(same['detail'].astype(str).unique())})"
        raise DataError(
            f"duplicate {table} key {dict(first[key].astype(str))} in rows {rows}{series}; "
            "expected one value per key",
            file=fname, row=rows[-1], column=",".join(key),
        )
