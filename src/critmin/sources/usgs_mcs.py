"""USGS Mineral Commodity Summaries (MCS): world production, capacity and reserves by country.

Readers for every vintage of the MCS data releases in the raw ``usgs_mcs`` folder (docs/data.md §1):

* MCS 2022, 2023 and 2024: one CSV per commodity, ``mcsYYYY-<code>_world.csv``, columns
  ``Source,Country,Type,Prod_<unit>_<year>,Prod_<unit>_est_<year>,Prod_notes,[Cap_...],Reserves_<unit>,
  Reserves_notes``. The commodity comes from the file-name code, the edition from the ``Source`` cell
  (or the file name when that cell is blank), the unit from the column names.
* MCS 2025: one file ``MCS2025_World_Data.csv`` for all commodities (``COMMODITY``, ``UNIT_MEAS``,
  ``PROD_2023``, ``PROD_EST_ 2024``, ``CAP_...``, ``RESERVES_2024`` and three notes columns).
* MCS 2026: the world sections (``Section`` starting with "World") of the long file
  ``MCS2026_Commodities_Data.csv`` (one value per row: ``Statistics`` production/capacity/reserves,
  ``Statistics_detail``, ``Unit``, ``Year``, ``Value``, ``Notes``).

:func:`read_world` / :func:`parse_world` detect the layout from the header and return the canonical
``production`` and ``reserves`` tables (:mod:`critmin.schema`); :func:`read_all_world` reads every
vintage under a folder and concatenates them.

Every figure keeps the value and unit as published (``value``, ``unit``); ``quantity_t`` is filled
only when the unit is a mass (:func:`critmin.units.to_tonnes`). A withheld or unavailable figure is
NaN with the reason in ``missing``, never zero. Capacity (``measure="capacity"``) is never mixed with
production. ``stage`` (mine, refinery, smelter, plant) comes from the source's type text when it names
a stage the catalogue lists for the commodity, else the catalogue's default stage; ``product`` is a
sub-product named in that text (ilmenite, rutile, palladium, pig iron, bentonite, ...) or else the
catalogue's headline product; ``basis`` is REO / oxide / K2O / gross / contained from that text or the
catalogue.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Encodings.** MCS 2022-2024 and 2025 files are UTF-8 with a byte-order mark; MCS 2026 is
  Windows-1252 (``—``, ``’``, ``½`` are single bytes). Decoding is UTF-8 first, then cp1252.
* **Units in column names.** ``Prod_t_2021``, ``Prod_kt_est_2022``, ``Reserves_Mt``,
  ``Reserves_mmt``, ``Reserves_mt`` (all million metric tons; the notes of those columns say so),
  ``mct`` million carats, ``kct`` thousand carats, ``mcm`` million cubic meters. The MCS 2024 files in
  the raw data are the v2.0 release whose revision file (2024-03-06) switched several files to kt
  and germanium/PGM to kg: the column-name units are trusted.
* **Qualified columns.** ``Prod_Sponge_t_Est_2022``, ``Cap_Pigment_t_2023`` (titanium),
  ``Reserves_ore_kt`` and ``Reserves_ore_K2O_equiv_kt`` (potash) put the product in the column name;
  ``Reserves_kt_2023`` puts the year there. Reserves columns without a year are reserves at the end of
  the year before the edition (MCS Y reports reserves for Y-1).
* **Estimates.** ``est``/``Est`` in a column name; an ``e`` glued to a country name ("Russiae");
  a leading ``e`` in a value ("e5,000"); the word "estimated" in a TYPE ("Mine production,
  estimated") or in notes ("Estimated in 2021 also.", "estimated 2023", MCS 2026 "Estimated.").
  MCS 2024 rare earths labels *both* production columns ``est`` (``Prod_t_est_2022,Prod_t_est_2023``):
  the header is followed, so 2022 is flagged estimated in that edition.
* **Tokens.** ``W`` withheld, ``NA`` not available, ``XX`` not applicable, ``—``/``--`` zero,
  ``>N``/``<N`` bounds (:func:`critmin.sources._tokens.parse_value`); leading spaces (``"     NA"``).
  Words in value cells: "Large", "Moderate", "Small", "Very small", ``Categorized as "large"`` ->
  NaN with ``missing="descriptive"`` (the word kept in ``notes``); "Included in World total.",
  "Included with “Other countries.”", "included with ilmenite" -> NaN with
  ``missing="included_elsewhere"``; "Less than ½ unit." -> 0.5 with qualifier ``"<"``. MCS 2026
  writes ``s`` in the value cell and puts the reason ("Included in “World total.”", "Less than ½
  unit.") in ``Notes``; it also gives two ranges ("330 - 390" [Mt] of iron slag), read as the lower
  bound with qualifier ``"range"`` and the range in ``notes``.
* **MCS 2025 values shifted into the notes columns.** Where a value cell is blank, the token sits in
  ``PROD_NOTES``/``CAP_NOTES``/``RESERVE_NOTES`` ("NA", "XX", "W for 23-24", "na for 2023", "Large",
  "Less than 1/2 unit", e.g. Burma rare-earth reserves "NA" in ``RESERVE_NOTES``); such a note is
  applied to the blank cells of its group (and to the years it names), never to published numbers.
  Other MCS 2025 quirks: the ``PROD_EST_ 2024`` and ``CAP_EST_ 2024`` headers carry a space; names
  carry trailing spaces ("Canada ", "Tungsten "); germanium is spelled "Gemanium" and all its cells
  are blank (kept as ``missing="blank"``); talc is split over "Talc and Pyrophyllite" and "Talc,
  crude"; potash reserves of recoverable ore are on separate "Reserves, recoverable ore" rows;
  clinker capacity (cement) sits in the production columns and is read as capacity from its TYPE;
  ``UNIT_MEAS`` is blank on a few rows (the unit of the other rows of that commodity is used) and is
  wrong for two commodities (see :data:`UNIT_FIXES`).
* **Layout slips in the per-commodity files.** MCS 2024 fluorspar has the TYPE text as the header of
  the third column; MCS 2024 barite repeats the reserves in an unnamed ninth column (ignored when it
  equals ``Reserves_kt``); MCS 2024 vermiculite has numbers in ``Reserves_notes`` and text in an
  unnamed column (both kept as notes); MCS 2024 ``fepig``, ``garne``, ``zeoli`` have a blank
  ``Source`` (edition from the file name) and ``alumi`` says "MCS 2024"; trailing empty rows and
  columns are skipped; ``MCS2024-bismu_world.csv`` is upper case.
* **Iron ore reserves** sit on the "usable ore" rows but are crude-ore reserves (their notes say
  "Crude iron ore, million metric tons"); those on the "iron content" rows are iron content. The
  product is set from the row accordingly.
* **Reserves repeated on downstream rows.** MCS 2023/2024 copper gives a reserves cell on the
  refinery rows too ("XX", "Not applicable"); empty reserves cells on rows of a stage other than the
  commodity's default stage are dropped (reserves have no stage).
* **Unit slips.** A unit stated in the notes wins over the column unit and is recorded in ``notes``:
  MCS 2023 chromium ``Prod_t_*`` with "Units are thousand metric tons", MCS 2025 molybdenum and
  vanadium reserves "(Reserve data is thousand metric tons)" (stated on a few rows, applied to the
  commodity's whole reserves column), MCS 2025 iron-ore reserves "Crude Ore, million metric tons".
  Slips without such a statement are corrected only through the explicit table
  :data:`UNIT_FIXES` (with the cross-edition evidence), again noted in ``notes``. Values the source
  itself got wrong are kept as published (MCS 2025 kaolin world 2024e 4,400 kt after 44,400 for
  2023; MCS 2023 zinc reserves Australia 1,166,000 kt).
* **Countries.** Names go through :func:`critmin.countries.resolve`: footnote digits ("China6"),
  glued ``e``, details in parentheses or after a comma ("Brazil (beneficiated)", "Argentina, crude
  ore"), non-breaking spaces, "World total (rounded)" -> ``WLD``, "Other countries" -> ``OTH``,
  "United States and Canada" -> ``USA+CAN``. ``country_raw`` keeps the name (stripped of surrounding
  whitespace) and ``country_detail`` what was appended to it. MCS 2026 moved those details into
  ``Statistics_detail`` ("Mine production: beneficiated", ": rounded" for world totals): a qualifier
  there that names no sub-product becomes ``country_detail`` ("rounded" is also added to ``notes``).
* **MCS 2026** detail text carries sub-products ("Mine production: Palladium"), units in parentheses
  ("Reserves (million metric tons): Crude ore") and per-country qualifiers ("Mine production:
  crude"); the ``Commodity`` column (not the chapter) picks the catalogue id, so that the rare gases
  in the HELIUM AND RARE GASES chapter are ``rare-gases``. ``Other notes`` (chapter-wide text) is not
  copied.
* **Errors.** A row with a country but an unreadable value, an unknown country, a missing column or a
  duplicate key raises :class:`~critmin.errors.DataError` naming the file, the 1-based line (header =
  line 1), the column and the value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from critmin import commodities as _cat
from critmin.countries import Country, UnknownCountryError, resolve
from critmin.errors import DataError, UnknownCommodityError
from critmin.schema import KEYS, conform, empty
from critmin.sources._io import as_text_buffer
from critmin.sources._tokens import ParsedValue, parse_value
from critmin.sources.editions import edition_date, mcs_edition
from critmin.units import is_mass, normalize_unit, to_tonnes

__all__ = [
    "SOURCE",
    "EXTRA_MISSING",
    "UNIT_FIXES",
    "read_world",
    "parse_world",
    "read_mcs2026_world",
    "read_all_world",
    "world_files",
    "parse_cell",
]

SOURCE = "usgs-mcs"
"""Source id written to the ``source`` column."""

EXTRA_MISSING: dict[str, str] = {
    "included_elsewhere": "the figure is included in another row (world total, other countries, "
    "another product)",
    "descriptive": "the source gives a word, not a number (Large, Moderate, Small, Very small)",
}
"""Missing reasons used by this reader beyond :data:`critmin.sources._tokens.MISSING_REASONS`."""

UNIT_FIXES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("MCS2023", "vanadium", "reserves"): (
        "t", "kt",
        "Reserves_t is thousand metric tons: MCS2024 gives 19,000 kt (Reserves_kt) and MCS2025 notes "
        "'Reserve data is thousand metric tons' (18,000); MCS2023 has 26,000",
    ),
    ("MCS2024", "selenium", "reserves"): (
        "kt", "t",
        "Reserves_kt is metric tons: MCS2023 gives 81,000 t and MCS2025 92,000 t; MCS2024 has 95,000",
    ),
    ("MCS2025", "titanium-mineral-concentrates", "production"): (
        "t", "kt",
        "UNIT_MEAS says metric tons but the figures are thousand metric tons of TiO2 (the MCS2024 "
        "v2.0 revision switched this table to kt; China ilmenite 3,250 vs MCS2024 3,100 kt)",
    ),
    ("MCS2025", "titanium-mineral-concentrates", "reserves"): (
        "t", "kt",
        "UNIT_MEAS says metric tons but reserves are thousand metric tons of TiO2 (MCS2024 "
        "Reserves_kt gives the same figures, e.g. Australia ilmenite 180,000)",
    ),
    ("MCS2025", "sand-and-gravel-industrial", "production"): (
        "t", "kt",
        "UNIT_MEAS says metric tons but the figures are thousand metric tons (MCS2024 Prod_kt and "
        "MCS2026 'thousand metric tons' give the same magnitudes)",
    ),
    ("MCS2026", "vanadium", "reserves"): (
        "t", "kt",
        "Unit says metric tons but reserves are thousand metric tons: 21,000 vs MCS2024 19,000 kt "
        "and MCS2025 18,000 ('Reserve data is thousand metric tons')",
    ),
}
"""(edition, commodity, table) -> (unit as published, unit used, evidence): unit slips of the source,
corrected explicitly. The correction applies only while the published unit is the one listed, and
every corrected row says so in ``notes``."""

_NOTES_UNIT = (
    re.compile(r"\bunits? (?:are|is) (?P<u>(?:thousand |million )?metric tons)", re.IGNORECASE),
    re.compile(r"\breserve data (?:is|are) (?:in )?(?P<u>(?:thousand |million )?metric tons)",
               re.IGNORECASE),
    re.compile(r"^\s*(?:crude (?:iron )?ore|iron content),\s*(?P<u>million metric tons)",
               re.IGNORECASE),
)


def _fix_unit(edition: str, com_id: str, table: str, unit: str, notes: str) -> tuple[str, str]:
    """The unit to use and a note when it differs from the published one (see :data:`UNIT_FIXES`
    and the unit statements in notes such as "Units are thousand metric tons")."""
    for rx in _NOTES_UNIT:
        m = rx.search(notes or "")
        if m:
            stated = normalize_unit(m.group("u"))
            if stated != unit:
                return stated, f"Unit {stated} as the notes state (the column says {unit})."
            return unit, ""
    fix = UNIT_FIXES.get((edition, com_id, table))
    if fix and fix[0] == unit:
        return fix[1], f"Unit corrected from {fix[0]} to {fix[1]}: {fix[2]}."
    return unit, ""


_UNIT_CODES = {
    "t": "t",
    "kt": "kt",
    "kg": "kg",
    "mt": "Mt",
    "mmt": "Mt",
    "mct": "million carats",
    "kct": "thousand carats",
    "mcm": "million m3",
}
"""Unit codes of the MCS 2022-2024 column names -> canonical unit (``Mt``/``mt``/``mmt`` are all
million metric tons in these files)."""

_VALUE_COL = re.compile(
    r"^(?P<kind>prod|cap|reserves)"
    r"(?:_(?P<what>sponge|pigment|ore_k2o_equiv|ore))?"
    r"_(?P<unit>t|kt|kg|mt|mmt|mct|kct|mcm)"
    r"(?P<est>_est)?"
    r"(?:_(?P<year>\d{4}))?$",
    re.IGNORECASE,
)
_NOTES_COL = re.compile(r"^(?P<kind>prod|cap|reserves?)_notes?$", re.IGNORECASE)
_COL_PRODUCT = {
    "sponge": "sponge metal",
    "pigment": "TiO2 pigment",
    "ore": "recoverable ore",
    "ore_k2o_equiv": "K2O equivalent",
}

# ---------------------------------------------------------------------------------------------
# Text -> stage / measure / product / basis
# ---------------------------------------------------------------------------------------------

_STAGES = (
    ("refinery", re.compile(r"\brefinery\b")),
    ("smelter", re.compile(r"\bsmelter\b")),
    ("plant", re.compile(r"\bplant\b")),
    ("mine", re.compile(r"\bmi?ne\b|\bmining\b")),
)

_PRODUCT_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "abrasives-manufactured": (
        (r"fused alumin", "fused aluminum oxide"),
        (r"silicon carbide", "silicon carbide"),
    ),
    "bauxite-and-alumina": ((r"\balumina\b", "alumina"), (r"\bbauxite\b", "bauxite")),
    "boron": (
        (r"boric oxide", "boric oxide equivalent"),
        (r"compounds", "compounds"),
        (r"crude borates", "crude borates"),
        (r"refined borates", "refined borates"),
        (r"datolite", "datolite ore"),
        (r"ulexite", "ulexite"),
        (r"crude ore", "crude ore"),
        (r"all (?:forms|types)|total", "all forms"),
        (r"borates", "borates"),
    ),
    "cement": ((r"clinker", "clinker"), (r"cement", "cement")),
    "chromium": ((r"cr2o3", "Cr2O3 content"), (r"\bore\b", "marketable chromite ore")),
    "clays": ((r"bentonite", "bentonite"), (r"fuller", "fuller's earth"), (r"kaolin", "kaolin")),
    "iron-and-steel": ((r"pig iron", "pig iron"), (r"raw steel", "raw steel")),
    "iron-and-steel-slag": ((r"iron slag", "iron slag"), (r"steel slag", "steel slag")),
    "iron-ore": (
        (r"iron content", "iron content"),
        (r"crude (?:iron )?ore", "crude ore"),
        (r"usable ore", "usable ore"),
    ),
    "mica": ((r"scrap and flake", "scrap and flake"), (r"\bsheet\b", "sheet")),
    "platinum-group-metals": ((r"palladium", "palladium"), (r"platinum", "platinum")),
    "rare-gases": ((r"\bneon\b", "neon"), (r"krypton", "krypton"), (r"xenon", "xenon"),
                   (r"argon", "argon")),
    "potash": ((r"recoverable ore|\bore\b", "recoverable ore"), (r"k2o", "K2O equivalent")),
    "silicon": (
        (r"combined totals|ferrosilicon and silicon metal", "ferrosilicon and silicon metal"),
        (r"fer+osilicon", "ferrosilicon"),
        (r"silicon metal", "silicon metal"),
    ),
    "soda-ash": (
        (r"natural and synthetic", "natural and synthetic"),
        (r"synthetic", "synthetic"),
        (r"natural", "natural"),
    ),
    "titanium": ((r"sponge", "sponge metal"), (r"pigment", "TiO2 pigment")),
    "titanium-mineral-concentrates": (
        (r"ilmen\w* and rutile", "ilmenite and rutile"),
        (r"ilmen", "ilmenite"),
        (r"rutile", "rutile"),
    ),
    "zirconium-and-hafnium": ((r"zro2", "ZrO2 content"),),
}
_PRODUCT_RE = {
    cid: tuple((re.compile(p), prod) for p, prod in rules) for cid, rules in _PRODUCT_RULES.items()
}

_BASIS = (
    ("REO", re.compile(r"rare-earth-oxide|\breo\b")),
    ("K2O", re.compile(r"\bk2o\b")),
    ("oxide", re.compile(r"tio2(?! pigment)|cr2o3|zro2|\bmgo\b|y2o3|b2o3|trioxide|"
                         r"oxide equivalent|boric oxide")),
    ("contained", re.compile(r"content|contained")),
    ("gross", re.compile(r"gross|\bore\b|dry tons")),
)


def _classify(
    com: _cat.Commodity, text: str, *, col_product: str | None = None
) -> tuple[str, str, str]:
    """(stage, product, basis) of a figure from the source's type/detail text."""
    low = text.casefold()
    stage = com.default_stage
    for name, rx in _STAGES:
        if rx.search(low) and name in com.stages:
            stage = name
            break
    product = col_product
    if product is None:
        for rx, prod in _PRODUCT_RE.get(com.id, ()):
            if rx.search(low):
                product = prod
                break
    if product is None:
        product = com.product
    if com.id == "soda-ash" and product == "synthetic":
        stage = "plant"
    basis = com.basis
    for name, rx in _BASIS:
        if rx.search(low):
            basis = name
            break
    if col_product == "K2O equivalent":
        basis = "K2O"
    elif col_product == "recoverable ore":
        basis = "gross"
    return stage, product, basis


def _reserves_product(com: _cat.Commodity, type_text: str, product: str,
                      basis: str) -> tuple[str, str]:
    """Reserves product: iron-ore reserves on the "usable ore" rows are crude-ore reserves (their
    notes say "Crude iron ore, million metric tons"); those on "iron content" rows are iron content."""
    if com.id == "iron-ore":
        if "iron content" in type_text.casefold():
            return "iron content", "contained"
        return "crude ore", "gross"
    return product, basis


def _skip_reserves(com: _cat.Commodity, type_text: str, pv: ParsedValue) -> bool:
    """True for an empty reserves cell on a row of a downstream stage (copper refinery rows repeat
    the reserves column with "XX"): reserves belong to the commodity's default (mine) stage."""
    stage, _p, _b = _classify(com, type_text)
    return stage != com.default_stage and pv.missing in ("not_applicable", "blank")


def _text_measure(text: str) -> str | None:
    """'capacity' when the text speaks of capacity and not of production, else None."""
    low = text.casefold()
    if "capacity" in low and "production" not in low:
        return "capacity"
    return None


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------

_LEADING_E = re.compile(r"^e\s*(?=[\d.])", re.IGNORECASE)
_DESCRIPTIVE = re.compile(
    r"^(?:categori[sz]ed as\s*)?[\"“]?(?P<w>large|moderate|moderate to large|small|very small)"
    r"[\"”]?\.?$",
    re.IGNORECASE,
)
_INCLUDED = re.compile(r"^included (?:in|with)\b", re.IGNORECASE)
_LESS_HALF = re.compile(r"^less than (?:½|1/2)\s*unit\.?$", re.IGNORECASE)
_RANGE = re.compile(r"^(?P<lo>\d[\d,]*(?:\.\d+)?)\s*[-–]\s*(?P<hi>\d[\d,]*(?:\.\d+)?)$")


def parse_cell(cell: object, notes: str = "") -> tuple[ParsedValue | None, str]:
    """Parse one MCS value cell, including the words MCS writes in value cells.

    Parameters
    ----------
    cell : object
        The cell as read.
    notes : str, optional
        The notes of the same figure; MCS 2026 writes ``s`` in the value cell and the reason in its
        notes.

    Returns
    -------
    (ParsedValue or None, str)
        The parsed value (None when the text is not understood) and a note to add to ``notes``
        (the word of a descriptive value, the range of a range), else "".
    """
    raw = "" if cell is None else str(cell)
    if isinstance(cell, float) and math.isnan(cell):
        raw = ""
    text = raw.replace("\u00a0", " ").strip()
    p = parse_value(text)
    if p is not None:
        return replace(p, raw=raw), ""
    m = _LEADING_E.match(text)
    if m:
        p = parse_value(text[m.end():])
        if p is not None and p.missing is None:
            return replace(p, estimated=True, raw=raw), ""
    if _LESS_HALF.match(text):
        return ParsedValue(0.5, None, "<", False, raw), "Less than 1/2 unit."
    m = _DESCRIPTIVE.match(text)
    if m:
        return ParsedValue(math.nan, "descriptive", None, False, raw), m.group("w").capitalize()
    if _INCLUDED.match(text):
        return ParsedValue(math.nan, "included_elsewhere", None, False, raw), text
    m = _RANGE.match(text)
    if m:
        lo = float(m.group("lo").replace(",", ""))
        return ParsedValue(lo, None, "range", False, raw), f"Published as a range: {text}."
    if text.casefold() == "s":
        low = notes.casefold()
        if "less than ½" in low or "less than 1/2" in low:
            return ParsedValue(0.5, None, "<", False, raw), ""
        if "included in" in low or "included with" in low:
            return ParsedValue(math.nan, "included_elsewhere", None, False, raw), ""
    return None, ""


_EXPECTED = (
    "a number (thousands separators allowed), a USGS token (W, NA, XX, —, >N, <N), or one of "
    "Large/Moderate/Small, 'Included in/with ...', 'Less than ½ unit'"
)

# ---------------------------------------------------------------------------------------------
# Record building
# ---------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    file: str
    edition: str
    edition_date: str


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
                                notes if unit_notes is None else unit_notes)
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


def _finish(records: dict[str, list[dict]], ctx: _Ctx, columns: dict[str, str]) -> dict:
    out = {}
    for table in ("production", "reserves"):
        df = pd.DataFrame.from_records(records[table]) if records[table] else None
        if df is None:
            out[table] = empty(table)
            continue
        _check_duplicates(df, table, ctx, columns.get(table, ""))
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


# ---------------------------------------------------------------------------------------------
# CSV helpers
# ---------------------------------------------------------------------------------------------


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the 1-based line on which each starts."""
    reader = csv.reader(io.StringIO(text))
    out = []
    start = 1
    for rec in reader:
        out.append((start, rec))
        start = reader.line_num + 1
    return out


def _blank(rec: Iterable[str]) -> bool:
    return all(not str(c).replace("\u00a0", " ").strip() for c in rec)


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
# MCS 2022-2024 per-commodity files
# ---------------------------------------------------------------------------------------------


@dataclass
class _Col:
    idx: int
    name: str
    kind: str  # production / capacity / reserves
    unit: str
    estimated: bool
    year: int | None
    product: str | None


def _parse_percommodity(text: str, name: str) -> dict[str, pd.DataFrame]:
    rows = _rows(text)
    if not rows:
        raise DataError("the file is empty; expected a header row and data rows", file=name)
    _, header = rows[0]
    header = [h.replace("\ufeff", "").strip() for h in header]
    code = _cat.code_from_filename(name)
    if code is None:
        raise DataError(
            "cannot tell the commodity: expected a file name like 'mcs2023-raree_world.csv'",
            file=name,
        )
    try:
        com = _cat.from_usgs_code(code)
    except UnknownCommodityError as err:
        raise DataError(str(err), file=name, value=code) from None
    for i, want in ((0, "source"), (1, "country")):
        if len(header) <= i or header[i].casefold() != want:
            raise DataError(
                f"expected column {i + 1} to be {want.capitalize()!r} "
                "(layout Source,Country,Type,Prod_...,Reserves_...)",
                file=name,
                row=1,
                column=header[i] if len(header) > i else want.capitalize(),
                value=header[i] if len(header) > i else None,
            )
    if len(header) < 3:
        raise DataError("missing the Type column", file=name, row=1, column="Type")
    file_edition = mcs_edition(name)
    cells = [r for _, r in rows[1:]]
    edition = None
    for r in cells:
        if r and r[0].strip():
            edition = mcs_edition(r[0])
            if edition:
                break
    edition = edition or file_edition
    if edition is None:
        raise DataError("cannot tell the MCS edition from the Source cells or the file name",
                        file=name, column="Source")
    ctx = _Ctx(name, edition, edition_date(edition))
    ed_year = int(edition[3:])

    vcols: list[_Col] = []
    ncols: dict[str, int] = {}
    unnamed: list[int] = []
    for j, h in enumerate(header[3:], start=3):
        if not h:
            unnamed.append(j)
            continue
        m = _VALUE_COL.match(h)
        if m:
            kind = {"prod": "production", "cap": "capacity", "reserves": "reserves"}[
                m.group("kind").lower()]
            year = int(m.group("year")) if m.group("year") else None
            if year is None and kind != "reserves":
                raise DataError("expected a year at the end of the column name", file=name,
                                row=1, column=h)
            if year is None:
                year = ed_year - 1
            what = (m.group("what") or "").lower()
            vcols.append(_Col(j, h, kind, _UNIT_CODES[m.group("unit").lower()],
                              bool(m.group("est")), year, _COL_PRODUCT.get(what)))
            continue
        m = _NOTES_COL.match(h)
        if m:
            kind = {"prod": "production", "cap": "capacity"}.get(m.group("kind").lower(),
                                                                 "reserves")
            ncols[kind] = j
            continue
        raise DataError(
            "unexpected column; expected Prod_<unit>_[est_]<year>, Cap_..., Reserves_<unit> or "
            "*_notes",
            file=name, row=1, column=h, value=h,
        )
    if not vcols:
        raise DataError("no value columns (Prod_..., Cap_..., Reserves_...) in the header",
                        file=name, row=1)

    # Unnamed columns holding data: a copy of a value column (ignored) or overflow notes.
    extra_notes: dict[int, int] = {}  # unnamed col -> notes col index it extends
    for j in unnamed:
        filled = [(ln, r[j]) for ln, r in rows[1:] if len(r) > j and r[j].strip()]
        if not filled:
            continue
        copy_of = None
        for c in vcols:
            same = True
            for _ln, r in rows[1:]:
                if len(r) > j and r[j].strip():
                    a, _ = parse_cell(r[j])
                    b, _ = parse_cell(r[c.idx] if len(r) > c.idx else "")
                    if a is None or b is None or not (
                        a.missing == b.missing and (a.value == b.value or (
                            math.isnan(a.value) and math.isnan(b.value)))
                    ):
                        same = False
                        break
            if same:
                copy_of = c
                break
        if copy_of is not None:
            continue
        numeric = [(ln, v) for ln, v in filled if parse_cell(v)[0] is not None
                   and parse_cell(v)[0].missing is None]
        if numeric:
            ln, v = numeric[0]
            raise DataError(
                "a value in a column without a header; expected a named Prod_/Cap_/Reserves_ column",
                file=name, row=ln, column=f"column {j + 1}", value=v,
            )
        left = [k for k in ncols.values() if k < j]
        extra_notes[j] = max(left) if left else -1

    records: dict[str, list[dict]] = {"production": [], "reserves": []}
    country_col = header[1]
    for ln, r in rows[1:]:
        if _blank(r):
            continue
        r = list(r) + [""] * (len(header) - len(r))
        cname = r[1]
        if not cname.replace("\u00a0", " ").strip():
            raise DataError("a row with values but no country; expected a country name",
                            file=name, row=ln, column=country_col)
        country = _country(cname, ctx, ln, country_col)
        type_text = r[2].strip() or (header[2] if header[2].casefold() != "type" else "")
        notes_by_kind = {k: r[j].strip() for k, j in ncols.items()}
        for j, target in extra_notes.items():
            if r[j].strip():
                kind = next((k for k, v in ncols.items() if v == target), "reserves")
                notes_by_kind[kind] = _join(notes_by_kind.get(kind, ""), r[j])
        type_est = "estimat" in type_text.casefold()
        for c in vcols:
            raw = r[c.idx]
            notes = notes_by_kind.get(c.kind, "")
            if c.kind == "capacity" and "capacity" not in ncols:
                notes = notes_by_kind.get("production", "")
            pv, extra = parse_cell(raw, notes)
            if pv is None:
                raise DataError(f"unreadable value; expected {_EXPECTED}", file=name, row=ln,
                                column=c.name, value=raw)
            stage, product, basis = _classify(com, type_text, col_product=c.product)
            if c.kind == "reserves":
                product, basis = _reserves_product(com, type_text, product, basis)
            if c.kind == "reserves":
                if _skip_reserves(com, type_text, pv):
                    continue
                records["reserves"].append(_record(
                    ctx, table="reserves", com=com, country=country, year=c.year, unit=c.unit,
                    pv=pv, row=ln, notes=_join(notes, extra), product=product, basis=basis))
                continue
            measure = c.kind
            if measure == "production" and _text_measure(type_text):
                measure = "capacity"
            est_years = _estimated_years(notes)
            est = (c.estimated or country.estimated or type_est
                   or (est_years != set() and _is_est(est_years, c.year)))
            records["production"].append(_record(
                ctx, table="production", com=com, country=country, year=c.year, unit=c.unit,
                pv=pv, row=ln, notes=_join(notes, extra), stage=stage, measure=measure,
                product=product, basis=basis, estimated=est))
    return _finish(records, ctx, {"production": "Country", "reserves": "Country"})


# ---------------------------------------------------------------------------------------------
# MCS 2025 single world file
# ---------------------------------------------------------------------------------------------

_MCS2025_VALUE = re.compile(r"^(?P<kind>PROD|CAP|RESERVES)(?P<est>_EST)?_\s*(?P<year>\d{4})$",
                            re.IGNORECASE)
_MCS2025_NOTES = {"PROD_NOTES": "production", "CAP_NOTES": "capacity",
                  "RESERVE_NOTES": "reserves", "RESERVES_NOTES": "reserves"}
_NOTE_TOKEN = re.compile(r"^(?P<tok>.+?)(?:\s+for\s+(?P<yrs>\d{2,4}(?:\s*-\s*\d{2,4})?))?$",
                         re.IGNORECASE)


def _note_token(note: str) -> tuple[ParsedValue, str, set[int] | None] | None:
    """A value token written in an MCS 2025 notes cell ("NA", "W for 23-24"), else None."""
    text = note.replace("\u00a0", " ").strip()
    text = re.sub(r"\s*\([^()]*\)\.?$", "", text).strip()  # "NA (Reserve data is ...)."
    if not text:
        return None
    m = _NOTE_TOKEN.match(text)
    if not m:
        return None
    pv, extra = parse_cell(m.group("tok"))
    if pv is None or (pv.missing is None and pv.qualifier != "<"):
        return None
    years = None
    if m.group("yrs"):
        parts = [int(p) for p in re.split(r"\s*-\s*", m.group("yrs"))]
        parts = [p + 2000 if p < 100 else p for p in parts]
        years = set(range(parts[0], parts[-1] + 1))
    return pv, extra, years


def _parse_mcs2025(text: str, name: str) -> dict[str, pd.DataFrame]:
    rows = _rows(text)
    _, header = rows[0]
    header = [h.replace("\ufeff", "") for h in header]
    hstrip = [h.strip() for h in header]
    need = ["SOURCE", "COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS"]
    for col in need:
        if col not in hstrip:
            raise DataError(f"missing column {col!r}; expected the MCS 2025 world layout "
                            f"({', '.join(need)}, PROD_..., RESERVES_...)",
                            file=name, row=1, column=col)
    ix = {h: i for i, h in enumerate(hstrip)}
    vcols: list[tuple[int, str, str, bool, int]] = []  # idx, name, kind, est, year
    ncols: dict[str, int] = {}
    for j, h in enumerate(hstrip):
        m = _MCS2025_VALUE.match(h)
        if m:
            kind = {"PROD": "production", "CAP": "capacity", "RESERVES": "reserves"}[
                m.group("kind").upper()]
            vcols.append((j, header[j], kind, bool(m.group("est")), int(m.group("year"))))
        elif h.upper() in _MCS2025_NOTES:
            ncols[_MCS2025_NOTES[h.upper()]] = j
        elif h and h not in need:
            raise DataError("unexpected column in the MCS 2025 world layout", file=name, row=1,
                            column=header[j], value=header[j])
    if not vcols:
        raise DataError("no PROD_/CAP_/RESERVES_ columns", file=name, row=1)

    body = []
    for ln, r in rows[1:]:
        if _blank(r):
            continue
        r = list(r) + [""] * (len(header) - len(r))
        body.append((ln, r))

    edition = None
    for _, r in body:
        edition = mcs_edition(r[ix["SOURCE"]])
        if edition:
            break
    edition = edition or mcs_edition(name)
    if edition is None:
        raise DataError("cannot tell the MCS edition from SOURCE or the file name", file=name,
                        column="SOURCE")
    ctx = _Ctx(name, edition, edition_date(edition))

    # commodity blocks and which groups have content in each
    coms: dict[int, _cat.Commodity] = {}
    for ln, r in body:
        coms[ln] = _commodity(r[ix["COMMODITY"]], ctx, ln, "COMMODITY")
    has_values: dict[tuple[str, str], bool] = {}
    has_any: dict[tuple[str, str], bool] = {}
    units_by_com: dict[str, set[str]] = {}
    stated: dict[tuple[str, str], str] = {}  # a unit statement in any note of the block
    for ln, r in body:
        cid = coms[ln].id
        for j, _n, kind, _e, _y in vcols:
            v = r[j].strip()
            if v:
                has_values[(cid, kind)] = True
                has_any[(cid, kind)] = True
        for kind, j in ncols.items():
            if r[j].strip():
                has_any[(cid, kind)] = True
        u = r[ix["UNIT_MEAS"]].strip()
        if u:
            units_by_com.setdefault(cid, set()).add(u)
        for kind, j in ncols.items():
            if any(rx.search(r[j]) for rx in _NOTES_UNIT):
                stated.setdefault((cid, kind), r[j].strip())

    records: dict[str, list[dict]] = {"production": [], "reserves": []}
    for ln, r in body:
        com = coms[ln]
        cname = r[ix["COUNTRY"]]
        if not cname.strip():
            raise DataError("a row with values but no country; expected a country name",
                            file=name, row=ln, column="COUNTRY")
        country = _country(cname, ctx, ln, "COUNTRY")
        type_text = r[ix["TYPE"]].strip()
        unit_text = r[ix["UNIT_MEAS"]].strip()
        if not unit_text:
            known = units_by_com.get(com.id, set())
            if len(known) != 1:
                raise DataError("blank unit and no single unit for this commodity; expected "
                                "UNIT_MEAS", file=name, row=ln, column="UNIT_MEAS")
            unit_text = next(iter(known))
        unit = _unit_from_text(unit_text, ctx, ln, "UNIT_MEAS")
        type_low = type_text.casefold()
        reserves_only = type_low.startswith("reserves")
        cap_type = _text_measure(type_text) == "capacity"
        type_est = "estimat" in type_low
        for kind in ("production", "capacity", "reserves"):
            cols = [c for c in vcols if c[2] == kind]
            if not cols:
                continue
            if kind in ("production", "capacity") and reserves_only:
                continue
            if kind == "production":
                any_values = any(has_values.get((com.id, k)) for k in
                                 ("production", "capacity", "reserves"))
                if not has_values.get((com.id, kind)) and any_values:
                    continue
                if cap_type and has_values.get((com.id, "capacity")):
                    if any(r[c[0]].strip() for c in cols):
                        raise DataError(
                            "capacity row with values in both PROD_ and CAP_ columns; expected "
                            "one of them", file=name, row=ln, column=cols[0][1])
                    continue
            elif not has_any.get((com.id, kind)):
                continue
            note = r[ncols[kind]].strip() if kind in ncols else ""
            tok = _note_token(note) if note else None
            all_blank = all(not r[c[0]].strip() for c in cols)
            if tok is not None and not any(
                not r[c[0]].strip() and (tok[2] is None or c[4] in tok[2]) for c in cols
            ):
                tok = None
            est_years = _estimated_years(note) if tok is None else set()
            for j, cname_col, _k, col_est, year in cols:
                raw = r[j]
                extra = ""
                if not raw.strip() and tok is not None and (tok[2] is None or year in tok[2]):
                    pv, extra = tok[0], tok[1]
                    pv = replace(pv, raw=note)
                else:
                    pv, extra = parse_cell(raw, note)
                if pv is None:
                    raise DataError(f"unreadable value; expected {_EXPECTED}", file=name,
                                    row=ln, column=cname_col, value=raw)
                notes = _join("" if (tok is not None and all_blank) else note, extra)
                if kind == "reserves":
                    stage, product, basis = _classify(com, type_text)
                    product, basis = _reserves_product(com, type_text, product, basis)
                    if _skip_reserves(com, type_text, pv):
                        continue
                    records["reserves"].append(_record(
                        ctx, table="reserves", com=com, country=country, year=year, unit=unit,
                        pv=pv, row=ln, notes=notes, product=product, basis=basis,
                        unit_notes=_join(note, stated.get((com.id, kind), ""))))
                    continue
                stage, product, basis = _classify(com, type_text)
                measure = "capacity" if (kind == "capacity" or cap_type) else "production"
                est = (col_est or country.estimated or type_est
                       or (est_years != set() and _is_est(est_years, year)))
                records["production"].append(_record(
                    ctx, table="production", com=com, country=country, year=year, unit=unit,
                    pv=pv, row=ln, notes=notes, stage=stage, measure=measure, product=product,
                    basis=basis, estimated=est,
                    unit_notes=_join(note, stated.get((com.id, kind), ""))))
    return _finish(records, ctx, {"production": "COUNTRY", "reserves": "COUNTRY"})


# ---------------------------------------------------------------------------------------------
# MCS 2026 long file (world sections)
# ---------------------------------------------------------------------------------------------

_MCS2026_COLUMNS = ("MCS chapter", "Section", "Commodity", "Country", "Statistics",
                    "Statistics_detail", "Unit", "Year", "Value", "Notes")
_ROUNDED = re.compile(r"(?::|,)\s*rounded\s*$", re.IGNORECASE)


_STAT_WORDS = re.compile(r"^(?:mine |refinery |smelter |plant )?(?:production|capacity|reserves)$",
                         re.IGNORECASE)


def _mcs2026_country_detail(com: _cat.Commodity, detail: str, country: Country,
                            rounded: bool) -> str:
    """Country detail of an MCS 2026 row: MCS 2026 moved "Brazil (beneficiated)" to
    ``Statistics_detail`` ("Mine production: beneficiated"); a qualifier after ":" that names no
    sub-product is the country detail, "rounded" that of a world total."""
    parts = [country.detail] if country.detail else []
    if ":" in detail:
        rest = detail.split(":", 1)[1].strip()
        named = any(rx.search(rest.casefold()) for rx, _p in _PRODUCT_RE.get(com.id, ()))
        if rest and not named and not _STAT_WORDS.match(rest):
            parts.append(rest)
    if rounded:
        parts.append("rounded")
    return ", ".join(parts)


def _parse_mcs2026(text: str, name: str) -> dict[str, pd.DataFrame]:
    rows = _rows(text)
    _, header = rows[0]
    header = [h.replace("\ufeff", "").strip() for h in header]
    for col in _MCS2026_COLUMNS:
        if col not in header:
            raise DataError(f"missing column {col!r}; expected the MCS 2026 long layout "
                            f"({', '.join(_MCS2026_COLUMNS)})", file=name, row=1, column=col)
    ix = {h: i for i, h in enumerate(header)}
    edition = mcs_edition(name) or "MCS2026"
    ctx = _Ctx(name, edition, edition_date(edition))
    records: dict[str, list[dict]] = {"production": [], "reserves": []}
    for ln, r in rows[1:]:
        if _blank(r):
            continue
        r = list(r) + [""] * (len(header) - len(r))
        section = r[ix["Section"]].strip()
        if not section.casefold().startswith("world"):
            continue
        com_name = r[ix["Commodity"]].strip() or r[ix["MCS chapter"]].strip()
        try:
            com = _cat.get(com_name)
        except UnknownCommodityError:
            com = _commodity(r[ix["MCS chapter"]], ctx, ln, "MCS chapter")
        stat = r[ix["Statistics"]].strip().casefold()
        if stat not in ("production", "capacity", "reserves"):
            raise DataError("expected Statistics to be Production, Capacity or Reserves",
                            file=name, row=ln, column="Statistics", value=r[ix["Statistics"]])
        cname = r[ix["Country"]]
        if not cname.strip():
            raise DataError("a world row without a country; expected a country name",
                            file=name, row=ln, column="Country")
        country = _country(cname, ctx, ln, "Country")
        detail = r[ix["Statistics_detail"]].strip()
        rounded = bool(_ROUNDED.search(detail))
        detail_core = _ROUNDED.sub("", detail).strip()
        unit = _unit_from_text(r[ix["Unit"]], ctx, ln, "Unit")
        year_text = r[ix["Year"]].strip()
        if not re.fullmatch(r"\d{4}", year_text):
            raise DataError("expected a four-digit year", file=name, row=ln, column="Year",
                            value=year_text)
        year = int(year_text)
        notes = r[ix["Notes"]].strip()
        pv, extra = parse_cell(r[ix["Value"]], notes)
        if pv is None:
            raise DataError(f"unreadable value; expected {_EXPECTED}", file=name, row=ln,
                            column="Value", value=r[ix["Value"]])
        stage, product, basis = _classify(com, detail_core)
        if product == com.product:
            _s, product, _b = _classify(com, f"{detail_core} {r[ix['Commodity']]}")
        cdetail = _mcs2026_country_detail(com, detail_core, country, rounded)
        all_notes = _join("rounded" if rounded else "", notes, extra)
        if stat == "reserves":
            records["reserves"].append(_record(
                ctx, table="reserves", com=com, country=country, year=year, unit=unit, pv=pv,
                row=ln, notes=all_notes, product=product, basis=basis, country_detail=cdetail))
            continue
        est = notes.casefold().startswith("estimated") or country.estimated
        records["production"].append(_record(
            ctx, table="production", com=com, country=country, year=year, unit=unit, pv=pv,
            row=ln, notes=all_notes, stage=stage, measure=stat, product=product, basis=basis,
            estimated=est, country_detail=cdetail))
    return _finish(records, ctx, {"production": "Value", "reserves": "Value"})


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _layout(text: str, name: str) -> str:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    head = [h.strip().casefold() for h in next(csv.reader([first]))] if first.strip() else []
    if "mcs chapter" in head and "statistics" in head:
        return "mcs2026"
    if head[:1] == ["source"] and "commodity" in head:
        return "mcs2025"
    if head[:1] == ["source"]:
        return "percommodity"
    raise DataError(
        "unrecognised header; expected an MCS per-commodity world file (Source,Country,Type,...), "
        "the MCS 2025 world file (SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,...) or the MCS 2026 "
        "long file (MCS chapter,Section,...)",
        file=name, row=1, value=first[:80],
    )


def _decode(buf: str | bytes | io.IOBase, name: str) -> str:
    """Decode a buffer; errors name the line and the column of the first undecodable byte, and an
    empty buffer is reported at line 1."""
    if isinstance(buf, io.IOBase):
        buf = buf.read()
    try:
        text = as_text_buffer(buf, name)
    except DataError as err:
        m = re.search(r"at offset (\d+)", err.reason)
        if m and isinstance(buf, (bytes, bytearray)):
            raise DataError(err.reason, file=name, row=err.row,
                            column=_column_at(bytes(buf), int(m.group(1)))) from None
        if err.row is None:
            raise DataError(f"{err.reason} (no header line)", file=name, row=1,
                            column="header") from None
        raise
    if not text.strip():
        raise DataError("the file is empty; expected a header row and data rows", file=name,
                        row=1, column="header")
    return text


def _column_at(data: bytes, offset: int) -> str:
    """Header name of the CSV column holding byte ``offset`` (for decoding errors)."""
    start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[start:offset].decode("utf-8", errors="replace")
    idx = len(next(csv.reader([prefix + "x"]))) - 1
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    header = next(csv.reader([first])) if first else []
    return header[idx].strip() if idx < len(header) else f"column {idx + 1}"


def parse_world(buf: str | bytes | io.IOBase, name: str) -> dict[str, pd.DataFrame]:
    """Parse an MCS world production/reserves file held in memory.

    Parameters
    ----------
    buf : str, bytes or file object
        The file content (bytes are decoded UTF-8 first, then Windows-1252).
    name : str
        The file name; named in errors and written to ``file``. For the per-commodity layout it must
        contain the USGS code and edition (``mcs2023-raree_world.csv``).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}`` in the canonical schema. Quantities:
        ``value`` [``unit``] as published, ``quantity_t`` [t] when ``unit`` is a mass.

    Raises
    ------
    DataError
        On an unknown layout, a missing column, an unreadable value, an unknown country or a
        duplicate key, naming file, row and column.
    """
    text = _decode(buf, name)
    layout = _layout(text, name)
    if layout == "mcs2026":
        return _parse_mcs2026(text, name)
    if layout == "mcs2025":
        return _parse_mcs2025(text, name)
    return _parse_percommodity(text, name)


def read_world(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read one MCS world file (any vintage); see :func:`parse_world`.

    Parameters
    ----------
    path : str or Path
        A ``mcsYYYY-<code>_world.csv``, ``MCS2025_World_Data.csv`` or
        ``MCS2026_Commodities_Data.csv`` file.

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    p = Path(path)
    return parse_world(p.read_bytes(), p.name)


def read_mcs2026_world(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the world sections of the MCS 2026 long file ``MCS2026_Commodities_Data.csv``.

    Parameters
    ----------
    path : str or Path
        The file (Windows-1252).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    p = Path(path)
    text = _decode(p.read_bytes(), p.name)
    if _layout(text, p.name) != "mcs2026":
        raise DataError("not the MCS 2026 long layout (MCS chapter,Section,...)", file=p.name,
                        row=1)
    return _parse_mcs2026(text, p.name)


def world_files(root: str | Path) -> list[Path]:
    """The MCS world files under ``root`` (``usgs_mcs/``), oldest edition first.

    Parameters
    ----------
    root : str or Path
        The ``usgs_mcs`` folder of the shared data (``mcs2022/world/*.csv``, ...,
        ``mcs2025/MCS2025_World_Data.csv``, ``mcs2026/MCS2026_Commodities_Data.csv``).

    Returns
    -------
    list of Path
        The files, sorted by edition folder then file name.
    """
    root = Path(root)
    files = [p for p in root.glob("mcs20*/world/*_world.csv")]
    files += list(root.glob("mcs20*/MCS20*_World_Data.csv"))
    files += list(root.glob("mcs20*/MCS20*_Commodities_Data.csv"))
    return sorted(files, key=lambda p: (p.parent.name if p.parent.name != "world"
                                        else p.parent.parent.name, p.name.lower()))


def read_all_world(root: str | Path) -> dict[str, pd.DataFrame]:
    """Read every MCS world file under ``root`` and concatenate them.

    Parameters
    ----------
    root : str or Path
        The raw ``usgs_mcs`` folder (docs/data.md §1).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}`` for all editions; ``quantity_t`` [t].

    Raises
    ------
    DataError
        When no world file is found, or from any file's reader.
    """
    files = world_files(root)
    if not files:
        raise DataError("no MCS world files found; expected mcsYYYY/world/*_world.csv, "
                        "MCS2025_World_Data.csv or MCS2026_Commodities_Data.csv", file=str(root))
    parts: dict[str, list[pd.DataFrame]] = {"production": [], "reserves": []}
    for f in files:
        res = read_world(f)
        for k in parts:
            if len(res[k]):
                parts[k].append(res[k])
    return {k: (pd.concat(v, ignore_index=True) if v else empty(k)) for k, v in parts.items()}
