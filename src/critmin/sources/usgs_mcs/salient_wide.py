"""USGS MCS 2022-2025: one U.S. salient-statistics table per commodity (*wide* files).

Files ``usgs_mcs/mcs20YY/salient/mcs20YY-<code>_salient.csv`` (two of them XLSX: MCS2023 ``stond``
and ``quartz``), one row per year, one column per series, the series and its unit packed into the
column name (``Imports_Compounds_t``, ``Price_Nd2O3_dkg``, ``NIR_pct``; see :mod:`._wide_columns`),
with the release's FGDC metadata ``meta/mcs20YY-<code>_meta.xml`` beside them (see :mod:`._fgdc`).
:func:`read_salient` / :func:`parse_salient`. Outputs (see :mod:`critmin.schema`): ``salient``
(every series; ``detail`` is the column name), ``prices`` (every price series again, with a
``product``) and ``consumption`` (the mass consumption series whose method is known; country USA).
Values stay as published (``value``, ``unit``, ``missing``, ``qualifier``) and masses also go to
``quantity_t``. Net import reliance stays in percent (unit ``%``).

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Broken headers** (:data:`COLUMN_FIXES`): ``CASE STATEMENT ERROR...`` names (MCS2023 phosphate,
  MCS2024 aluminum, chromium, iron oxide pigments); a name given twice (MCS2024/2025 iodine, mica,
  MCS2024 iron and steel, nickel, MCS2025 titanium concentrates); wrong units: gallium MCS2024 and
  germanium MCS2025 ``_g`` holding kilograms, selenium MCS2024 ``dlb`` holding $/kg, mercury ``df``
  holding $/kg, mica sheet ``dt`` holding $/kg, prices with a quantity unit (graphite MCS2022 ``_t``,
  niobium MCS2023 ``_kg``, zirconium MCS2024/2025 ``_t``, bauxite ``_kt``, diamond ``_mct``), unit-less
  ``Stocks_``/``Consump_`` (tungsten, tin), MCS2025 mercury names that the MCS2026 table contradicts.
  Each is renamed as the release's own FGDC metadata (``meta/*.xml``), the neighbouring vintages or
  MCS2026 name it (evidence in the table); the published name is kept in ``notes``. The metadata is
  not followed blindly: it is itself wrong in places (MCS2024 chromium gives ferrochromium in $/t, the
  values are $/lb).
* **Misaligned rows** (:data:`HEADER_REPLACEMENTS`): MCS2024 feldspar and fluorspar rows have one cell
  more than their header (a stray blank cell), and the MCS2024/2025 lead names are shifted against
  the values (a "Mine, recoverable lead" series is unnamed); the header is replaced by the metadata's
  names in the order that lines the values up with MCS2023, MCS2025 and MCS2026.
* **Footnote numbers printed as negative values** (:data:`CELL_FIXES`): ``-4``/``-2`` in MCS2024
  asbestos and tellurium and MCS2025 diamond cells; read as the text the other vintages print there
  ("Less than ½ unit", "Less than 500 carats") or as missing. Any other negative value in a
  production, trade, consumption, price, stock, employment or NIR series raises.
* **World tables filed as salient**: MCS2024 ``cobal``, ``gypsu``, ``kyani`` "salient" files are world
  production tables (``Source,Country,Type,...``; gypsum and kyanite byte-identical to the world files);
  they yield no rows and a :class:`SalientLayoutWarning`.
* **Cells**: see :func:`critmin.sources.usgs_mcs._cells.parse_salient_cell` (``e150``, ``>50%``,
  ``−88``, "Less than ½ unit", "Less than 50,000 tons", ranges ``500–14,000`` -> ``missing="range"``,
  "Small" -> ``missing="text"``). Any other text raises :class:`~critmin.errors.DataError`.
* **Blank trailing columns and rows** (as published) are dropped; a value under an empty header raises.
* **Years**: every table of edition Y holds one row for each of the years Y-5..Y-1 (all 264 files);
  years that are not consecutive up to Y-1, or earlier than Y-5, raise (a truncated or damaged file),
  and so does a row whose field count differs from the header's
  (:func:`critmin.sources._io.csv_records`).
* **Commodity codes changed** (``raree`` -> ``rareee``, ``lithi`` -> ``lithium``, ``scandi``/``scand``,
  ``stonec``/``stonc``); ids come from :func:`critmin.commodities.from_usgs_code`. ``mcs2023tellu``
  lacks the hyphen; ``MCS2024-bismu`` is upper-case; MCS2025 bauxite says ``Source`` for
  ``DataSource``.
* **Workbooks**: the salient table is the sheet whose first row starts with ``DataSource`` (or
  ``Source``).
* Rare-earth prices: MCS 2022-2025 carry Dy and Tb oxide prices in the rare-earths file; MCS 2026 puts
  them in the "RARE EARTHS (Heavy)" chapter (catalogue id ``rare-earths-heavy``).

Layout detection (:func:`can_read`): a workbook; or a CSV named ``*_salient``; or one with a ``Year``
(or a name containing "salient") and no ``Country`` column; but never a ``*_world`` file without a
``Commodity`` column.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from critmin import commodities, units
from critmin.errors import DataError
from critmin.schema import empty
from critmin.sources._io import open_workbook, workbook_errors
from critmin.sources._tokens import parse_value
from critmin.sources.editions import edition_date, mcs_edition
from critmin.sources.usgs_mcs._cells import MISSING_TEXT, SalientCell, parse_salient_cell
from critmin.sources.usgs_mcs._fgdc import (
    _consumption_method,
    _definitions_for,
    _estimated_years,
    _match_definitions,
    _unit_from_definition,
    read_definitions,
)
from critmin.sources.usgs_mcs._records import SOURCE, _commodity_id, _frame
from critmin.sources.usgs_mcs._text import _blank_cell, _decode_salient, _rows_from_csv
from critmin.sources.usgs_mcs._wide_columns import (
    UNIT_TOKENS,
    SalientColumn,
    _basis,
    _products,
    parse_column,
)

__all__ = [
    "LAYOUT",
    "COLUMN_FIXES",
    "HEADER_REPLACEMENTS",
    "CELL_FIXES",
    "UNIT_TOKENS",
    "SalientColumn",
    "SalientLayoutWarning",
    "parse_column",
    "read_definitions",
    "parse_salient",
    "read_salient",
    "can_read",
    "parse",
    "read",
]

LAYOUT = "salient_wide"
"""Layout id (``read_usgs_mcs(path, layout=LAYOUT)``)."""

COLUMN_FIXES: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("MCS2023", "phosp"): {
        "CASE STATEMENT ERRORSold_Used_kt": ("USprod_Sold_Used_kt", "metadata label"),
    },
    ("MCS2024", "alum"): {
        "CASE STATEMENT ERRORkt": ("Supply_kt", "metadata label (Supply: Apparent)"),
    },
    ("MCS2024", "chrom"): {
        "CASE STATEMENT ERROROre_dt": ("Price_Ore_dt", "metadata label"),
        "CASE STATEMENT ERRORFerrrochromium_dlb": (
            "Price_Ferrochromium_dlb", "metadata label; $/lb as in the published name"),
        "CASE STATEMENT ERRORMetal_dlb": ("Price_Metal_dlb", "metadata label"),
    },
    ("MCS2024", "fepig"): {
        "CASE STATEMENT ERRORt#1": ("USprodCrude_t", "metadata label"),
        "CASE STATEMENT ERRORt#2": ("SoldFinished_t", "metadata label"),
    },
    ("MCS2024", "galli"): {
        "Exports_g": ("Exports_kg", "metadata and MCS2023 say kilograms"),
        "Consump_g": ("Consump_kg", "metadata and MCS2023 say kilograms"),
        "Stocks_g": ("Stocks_kg", "metadata and MCS2023 say kilograms"),
    },
    ("MCS2024", "tungs"): {
        "Stocks_": ("Stocks_t", "metadata label"),
    },
    ("MCS2024", "tin"): {
        "Consump_": ("Consump_Reported_t", "MCS2023 and MCS2025 label"),
    },
    ("MCS2024", "bauxi"): {
        "Bauxite_Price_kt": ("Bauxite_Price_dt", "a price; MCS2023 says dt"),
        "Alumina_Price_kt": ("Alumina_Price_dt", "a price; MCS2023 says dt"),
    },
    ("MCS2025", "bauxi"): {
        "Alumina_Price_kt": ("Alumina_Price_dt", "a price; MCS2023 says dt"),
    },
    ("MCS2024", "diamo"): {
        "Bort_Price_Imports_mct": ("Bort_Price_Imports_dct", "a price; MCS2023 says dct"),
        "Stones_Price_Imports_mct": ("Stones_Price_Imports_dct", "a price; MCS2023 says dct"),
    },
    ("MCS2023", "feste"): {
        "Exports_Total": ("Exports_Total_mmt", "unit of the neighbouring Imports_Total_mmt"),
    },
    ("MCS2024", "feste"): {
        "Furnace_BOF_mmt": ("Furnace_BOF_pct", "metadata label; values are percent"),
        "Furnace_EAF_mmt": ("Furnace_EAF_pct", "metadata label; values are percent"),
        "Consump_mmt#1": ("Continuous_cast_pct", "metadata label at this position"),
        "Price_Index_mmt": ("Price_Index", "metadata label (producer price index)"),
        "Employment_Mill_mmt": ("Employment_Mill_num", "metadata label"),
        "Employment_mmt": ("Employment_num", "metadata label"),
    },
    ("MCS2024", "iodin"): {
        "Consump_t#1": ("Consump_App_t", "metadata label and MCS2023 name"),
        "Consump_t#2": ("Consump_Rpt_t", "metadata label and MCS2023 name"),
    },
    ("MCS2025", "iodin"): {
        "Consump_t#1": ("Consump_App_t", "metadata label and MCS2023 name"),
        "Consump_t#2": ("Consump_Rpt_t", "metadata label and MCS2023 name"),
    },
    ("MCS2024", "mica"): {
        "USprod_Flake_t#1": ("USprod_Flake_Sold_t", "metadata label and MCS2023 name"),
        "USprod_Flake_t#2": ("USprod_Flake_Ground_t", "metadata label and MCS2023 name"),
        "Price_Sheet-Block_dt": ("Price_Sheet_Block_dkg", "metadata label; $/kg as in MCS2023"),
        "Price_Sheet-Splittings_dt": ("Price_Sheet_Splittings_dkg",
                                      "metadata label; $/kg as in MCS2023"),
    },
    ("MCS2025", "mica"): {
        "USprod_Flake_t#1": ("USprod_Flake_Sold_t", "metadata label and MCS2023 name"),
        "USprod_Flake_t#2": ("USprod_Flake_Ground_t", "metadata label and MCS2023 name"),
        "Price_Sheet-Block_dt": ("Price_Sheet_Block_dkg", "metadata label; $/kg as in MCS2023"),
        "Price_Sheet-Splittings_dt": ("Price_Sheet_Splittings_dkg",
                                      "metadata label; $/kg as in MCS2023"),
    },
    ("MCS2024", "nicke"): {
        "Price_dt dlb (both used)#1": ("Price_LME_dt", "metadata label"),
        "Price_dt dlb (both used)#2": ("Price_LME_dlb", "metadata label"),
    },
    ("MCS2025", "timin"): {
        "Price_dt#1": ("Price_Rutile_dt", "metadata label at this position"),
        "Price_dt#2": ("Price_Ilmente_Leucoxene_dt", "metadata label at this position"),
        "Price_dt#3": ("Price_Ilmenite_dt", "metadata label at this position"),
        "Price_dt#4": ("Price_Slag_dt", "metadata label at this position"),
    },
    ("MCS2025", "heliu"): {
        "Grade-A-Salescm": ("Grade-A-Salesmcm", "metadata label (million m3)"),
    },
    ("MCS2025", "tungs"): {
        "Stocks_": ("Stocks_t", "metadata label"),
    },
    ("MCS2022", "graph"): {
        "Price_Flake_t": ("Price_Flake_dt", "a price; MCS2023 name"),
        "Price_Lump_t": ("Price_Lump_dt", "a price; MCS2023 name"),
        "Price_Amorphous_t": ("Price_Amorphous_dt", "a price; MCS2023 name"),
    },
    ("MCS2023", "niobi"): {
        "Price_kg": ("Price_dkg", "a price; metadata says dollars per kilogram"),
    },
    ("MCS2024", "zirco"): {
        "Price_Zircon_premium_CIF_CN_t": ("Price_Zircon_premium_CIF_CN_dt", "MCS2023 name; $/t"),
        "Price_Zircon_imported_t": ("Price_Zircon_imported_dt", "MCS2023 name; $/t"),
        "Price_Zircon_sponge_CN_t": ("Price_Zircon_sponge_CN_dkg", "MCS2023 name; $/kg"),
        "Price_Hf_unwrought_t": ("Price_Hf_unwrought_dkg", "MCS2023 name; $/kg"),
    },
    ("MCS2025", "zirco"): {
        "Price_Zircon_premium_CIF_CN_t": ("Price_Zircon_premium_CIF_CN_dt", "MCS2023 name; $/t"),
        "Price_Zircon_imported_t": ("Price_Zircon_imported_dt", "MCS2023 name; $/t"),
        "Price_Zircon_sponge_CN_t": ("Price_Zircon_sponge_CN_dkg", "MCS2023 name; $/kg"),
        "Price_Hf_unwrought_t": ("Price_Hf_unwrought_dkg", "MCS2023 name; $/kg"),
    },
    ("MCS2023", "lead"): {
        "Consump_t": ("Consump_kt", "metadata label; thousand tons as the other lead series"),
    },
    ("MCS2024", "mercu"): {
        "Price_Imports_df": ("Price_Imports_dkg", "metadata label; MCS2023 gives the same values "
                             "in $/kg"),
    },
    ("MCS2025", "mercu"): {
        "Imports_Secondary_t": ("Imports_Metal_t", "metadata label; MCS2026 'Imports for "
                                "consumption, metal' has these values"),
        "Consump_Metal_t": ("Consump_Reported_t", "MCS2026 'Consumption, reported' has these "
                            "values"),
        "Price_Imports_df": ("Price_Imports_dkg", "metadata label; $/kg as in MCS2023"),
    },
    ("MCS2025", "germa"): {
        "Consump_g": ("Consump_kg", "metadata label; MCS2024 gives the same values in kg"),
    },
    ("MCS2024", "selen"): {
        "Price_US_dlb": ("Price_US_dkg", "MCS2025 gives the same values as dkg; MCS2023's "
                         "$/lb values are 2.2 times smaller"),
        "Price_Europe_dlb": ("Price_Europe_dkg", "MCS2025 gives the same values as dkg"),
    },
    ("MCS2025", "diamo"): {
        "Bort_Price_Imports_mct": ("Bort_Price_Imports_dct", "a price; MCS2023 says dct"),
        "Stones_Price_Imports_mct": ("Stones_Price_Imports_dct", "a price; MCS2023 says dct"),
    },
}
"""(edition, file code) -> {published column name: (corrected name, evidence)}. A name that occurs
twice in one header is addressed as ``name#1``, ``name#2``."""

HEADER_REPLACEMENTS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("MCS2024", "felds"): (
        (
            "DataSource", "Commodity", "Year", "USprod_Feldspar_kt", "Imports_Feldspar_kt",
            "Imports_Nepheline_syenite_kt", "Exports_Feldspar_kt", "", "Consump_Feldspar_kt",
            "Consump_Felds-plus-neph_kt", "Price_Feldspar_dt", "Price_Nepheline_syenite_dt",
            "Employment_num", "NIR_Feldspar_pct", "NIR_Nepheline_syenite_pct",
        ),
        "rows have a stray blank 8th cell; metadata fields, values aligned with MCS2023/MCS2025",
    ),
    ("MCS2024", "lead"): (
        (
            "DataSource", "Commodity", "Year", "USprod_Mine_kt", "USprod_Mine_Recoverable_kt",
            "USprod_Refinery_Primary_kt", "USprod_Refinery_Secondary_kt", "Imports_Concentrates_kt",
            "Imports_Metal_kt", "Exports_Concentrates_kt", "Exports_Metal_kt", "Consump_kt",
            "Price_North_American_ctslb",
            "Employment_num", "NIR_Metal_pct",
        ),
        "the published names are shifted against the values; metadata names in the order of the "
        "MCS2026 salient table, which adds 'Mine, recoverable lead' (2021 values agree with MCS2026)",
    ),
    ("MCS2025", "lead"): (
        (
            "DataSource", "Commodity", "Year", "USprod_Mine_kt", "USprod_Mine_Recoverable_kt",
            "USprod_Refinery_Primary_kt", "USprod_Refinery_Secondary_kt", "Imports_Concentrates_kt",
            "Imports_Metal_kt", "Exports_Concentrates_kt", "Exports_Metal_kt", "Consump_kt",
            "Price_North_American_ctslb",
            "NIR_Metal_pct",
        ),
        "the published names are shifted against the values; metadata names in the order of the "
        "MCS2026 salient table, which adds 'Mine, recoverable lead' (2021 values agree with MCS2026)",
    ),
    ("MCS2024", "fluor"): (
        (
            "DataSource", "Commodity", "Year", "", "USprod_Metallurgical_kt", "USprod_H2SiF6_kt",
            "Imports_Acid_kt", "Imports_Metallurgical_kt", "Imports_Total_Fl_kt", "Imports_HF_kt",
            "Imports_AlF3_kt", "Imports_Cryolite_kt", "Exports_All_kt", "Consump_kt",
            "Price_Acid_dt", "Price_Metallurgical_dt", "Employment_Mine_num", "NIR_pct",
        ),
        "rows have a stray blank 4th cell and the header is garbled; metadata fields, values "
        "aligned with MCS2023/MCS2025",
    ),
}
"""(edition, file code) -> (header to use instead of the published one, evidence). An empty name
marks a cell that must be blank in every row."""

CELL_FIXES: dict[tuple[str, str, str, int], tuple[str | None, str]] = {
    ("MCS2024", "asbes", "Imports_t", 2023): (
        None, "'-4' is a footnote mark, not a value; MCS2025 and MCS2026 give zero"),
    ("MCS2024", "tellu", "Exports_t", 2020): (
        "Less than ½ unit", "'-2' is a footnote mark; MCS2023 gives 'Less than ½ unit'"),
    ("MCS2025", "diamo", "Stones_Exports_mct", 2022): (
        "Less than 500 carats", "'-4' is a footnote mark; MCS2024 and MCS2026 give 'Less than "
        "500 carats'"),
    ("MCS2025", "diamo", "Stones_Exports_mct", 2023): (
        "Less than 500 carats", "'-4' is a footnote mark; MCS2024 and MCS2026 give 'Less than "
        "500 carats'"),
}
"""(edition, file code, column after fixes, year) -> (cell text to read instead, or None for a
missing value with ``missing="text"``; evidence). Footnote numbers printed as negative values."""

_NON_NEGATIVE = frozenset({"production", "imports", "exports", "consumption", "price", "stocks",
                           "employment", "nir"})
"""Statistics that cannot be negative: a negative cell there raises (government stockpile
shipments and other series may be negative)."""


class SalientLayoutWarning(UserWarning):
    """A file under ``salient/`` that is not a salient table (it yields no rows)."""



_NAME = re.compile(r"(?i)mcs\s*(?P<year>20\d\d)-?(?P<code>[a-z][a-z-]*?)_salient")


def _file_code(name: str) -> tuple[str | None, str | None]:
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    m = _NAME.search(base)
    if not m:
        return mcs_edition(base), None
    return f"MCS{m.group('year')}", m.group("code").lower()


def _rows_from_xlsx(data: bytes, name: str) -> list[tuple[int, list[object]]]:
    """Rows of the sheet of a salient workbook whose first row starts with DataSource/Source."""
    wb = open_workbook(data, name)
    try:
        with workbook_errors(name, ".xlsx workbook"):
            for ws in wb.worksheets:
                rows = list(ws.iter_rows(values_only=True))
                if rows and rows[0] and str(rows[0][0] or "").strip() in ("DataSource", "Source"):
                    return [(i, list(r)) for i, r in enumerate(rows, start=1)]
    finally:
        wb.close()
    raise DataError("no sheet whose first row starts with 'DataSource'; expected the salient "
                    "table as the workbook's CSV-like sheet", file=name)


def _check_years(years: dict[int, int], edition: str, fname: str) -> None:
    """Refuse a table whose years are not a run of consecutive years ending the year before the
    edition, within the five years before it.

    Every wide salient table of MCS 2022-2025 (264 files) covers exactly the five years Y-5..Y-1
    of its edition Y; a year missing at the end or in the middle is a truncated or damaged file, and
    would silently move the "latest year is an estimate" flag onto the year before it.
    """
    ed = int(edition[3:])
    have = set(years)
    start = max(min(have), ed - 5)
    want = set(range(start, ed))
    if have == want:
        return
    lost, extra = sorted(want - have), sorted(have - want)
    what = "; ".join(p for p in (
        f"year(s) {', '.join(map(str, lost))} missing (a truncated file?)" if lost else "",
        f"year(s) {', '.join(map(str, extra))} outside that range" if extra else "") if p)
    row = years[extra[0]] if extra else max(years.values()) + 1
    raise DataError(f"expected one row per year, consecutive up to {ed - 1} and from {ed - 5} at the "
                    f"earliest (the years an {edition} salient table covers); {what}", file=fname,
                    row=row, column="Year")


def _empty_result() -> dict[str, pd.DataFrame]:
    return {t: empty(t) for t in ("salient", "prices", "consumption")}


def parse_salient(
    buf: str | bytes | io.IOBase,
    name: str,
    *,
    definitions: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Parse one MCS 2022-2025 per-commodity salient file (CSV text/bytes, or XLSX bytes).

    Parameters
    ----------
    buf : str, bytes or file object
        The file content. XLSX workbooks must be given as bytes (or a binary file object).
    name : str
        The file name (``mcs2024-raree_salient.csv``): gives the edition and the USGS code, and is
        named in errors and in the ``file`` column.
    definitions : mapping, optional
        Column label -> definition from the release metadata (:func:`read_definitions`); used for
        the estimated years and the consumption method, and kept in ``notes``.

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption`` conforming to :mod:`critmin.schema`.

    Raises
    ------
    DataError
        For an empty or undecodable buffer, a missing ``Commodity``/``Year`` column, a value under an
        empty header, an unknown unit token, an unparseable cell, or a year given twice.
    """
    fname = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    if hasattr(buf, "read"):
        buf = buf.read()  # type: ignore[union-attr]
    rows: list[tuple[int, list[object]]]
    if isinstance(buf, (bytes, bytearray)) and (fname.lower().endswith(".xlsx")
                                                or bytes(buf[:4]) == b"PK\x03\x04"):
        rows = _rows_from_xlsx(bytes(buf), fname)
    else:
        text = _decode_salient(buf, fname)  # type: ignore[arg-type]
        rows = _rows_from_csv(text, fname)  # type: ignore[assignment]
    edition, code = _file_code(fname)
    header_line, header = rows[0]
    header = [("" if h is None else str(h)).replace("\ufeff", "").strip() for h in header]
    data_rows = [(ln, r) for ln, r in rows[1:] if not all(_blank_cell(c) for c in r)]
    if "Country" in header and "Type" in header and "Year" not in header:
        warnings.warn(f"{fname}: a world production table (Source,Country,Type,...) filed as a "
                      "salient file; no salient rows read", SalientLayoutWarning, stacklevel=2)
        return _empty_result()
    notes_by_col: dict[str, str] = {}
    if edition and code and (edition, code) in HEADER_REPLACEMENTS:
        new, why = HEADER_REPLACEMENTS[(edition, code)]
        width = max([len(header)] + [len(r) for _, r in data_rows])
        if width != len(new) and any(not _blank_cell(c) for _, r in data_rows for c in r[len(new):]):
            raise DataError(f"expected {len(new)} cells per row for the corrected header ({why})",
                            file=fname, row=header_line)
        header = list(new)
        for h in new:
            notes_by_col[h] = f"header replaced: {why}"
    for col in ("Commodity", "Year"):
        if col not in header:
            raise DataError(f"missing column {col!r}; expected a USGS salient header "
                            "'DataSource,Commodity,Year,<series>...'", file=fname, row=header_line,
                            column=col)
    # address repeated names as name#1, name#2 for the fixes
    counts: dict[str, int] = {}
    for h in header:
        counts[h] = counts.get(h, 0) + 1
    seen: dict[str, int] = {}
    fixed: list[str] = []
    fixes = COLUMN_FIXES.get((edition or "", code or ""), {})
    for h in header:
        key = h
        if counts[h] > 1 and h:
            seen[h] = seen.get(h, 0) + 1
            key = f"{h}#{seen[h]}"
        if key in fixes:
            new_name, why = fixes[key]
            notes_by_col[new_name] = f"column published as {h!r}; renamed: {why}"
            fixed.append(new_name)
        else:
            fixed.append(h)
    header = fixed
    i_year = header.index("Year")
    i_comm = header.index("Commodity")
    meta_cols = {"DataSource", "Source", "Commodity", "Year"}
    series: list[tuple[int, SalientColumn]] = []
    names_seen: dict[str, int] = {}
    for j, h in enumerate(header):
        if h in meta_cols:
            continue
        if h == "":
            for ln, r in data_rows:
                if j < len(r) and not _blank_cell(r[j]):
                    raise DataError("value under an empty column header; expected blank",
                                    file=fname, row=ln, column=f"#{j + 1}", value=r[j])
            continue
        if h in names_seen:
            raise DataError(f"duplicate column name (columns {names_seen[h] + 1} and {j + 1}); "
                            "expected each series once", file=fname, row=header_line, column=h)
        names_seen[h] = j
        series.append((j, parse_column(h, file=fname)))
    if not data_rows:
        raise DataError("no data rows; expected one row per year", file=fname, row=header_line + 1)
    # years and the commodity
    years: dict[int, int] = {}
    row_year: list[tuple[int, list[object], int]] = []
    for ln, r in data_rows:
        ycell = r[i_year] if i_year < len(r) else None
        pv = parse_value(ycell)
        if (pv is None or pv.missing is not None or pv.qualifier
                or not 1900 <= pv.value <= 2100 or pv.value != int(pv.value)):
            raise DataError("expected a four-digit year", file=fname, row=ln, column="Year",
                            value=ycell)
        y = int(pv.value)
        if y in years:
            raise DataError(f"year {y} appears twice (rows {years[y]} and {ln}); expected one row "
                            "per year", file=fname, row=ln, column="Year", value=ycell)
        years[y] = ln
        row_year.append((ln, r, y))
    first_ln, first_row = data_rows[0]
    comm_cell = first_row[i_comm] if i_comm < len(first_row) else None
    comm_name = str(comm_cell).strip() if comm_cell is not None else ""
    commodity = _commodity_id(code, comm_name or None, file=fname, row=first_ln)
    if not edition:
        i_src = next((header.index(c) for c in ("DataSource", "Source") if c in header), None)
        edition = mcs_edition(str(first_row[i_src])) if i_src is not None else None
    if not edition:
        raise DataError("cannot tell the MCS edition from the file name or the DataSource column",
                        file=fname, row=first_ln, column="DataSource")
    _check_years(years, edition, fname)
    ed_date = edition_date(edition)
    cname = commodities.get(commodity).name
    defs = _match_definitions([c for _j, c in series], definitions or {})
    sal, pri, con = [], [], []
    by_method: dict[str, list[str]] = {}
    for _j, col in series:
        if col.statistic == "consumption" and units.is_mass(col.unit):
            m = _consumption_method(col, defs.get(col.name))
            if m:
                by_method.setdefault(m, []).append(col.name)
    products = _products([c for _j, c in series if c.statistic == "price"], cname)
    for j, col in series:
        definition = defs.get(col.name)
        col = _unit_from_definition(col, definition)
        est_years = _estimated_years(definition, years)
        note_parts = [p for p in (notes_by_col.get(col.name), definition) if p]
        method = _consumption_method(col, definition) if col.statistic == "consumption" else None
        product = products.get(col.name)
        for ln, r, y in row_year:
            cell = r[j] if j < len(r) else None
            fix = CELL_FIXES.get((edition, code or "", col.name, y))
            if fix is not None and fix[0] is None:
                c = SalientCell(math.nan, MISSING_TEXT, None, False, f"published as {cell!r}: {fix[1]}")
            else:
                c = parse_salient_cell(fix[0] if fix else cell, col.unit, file=fname, row=ln,
                                column=col.name)
                if fix:
                    c = SalientCell(c.value, c.missing, c.qualifier, c.estimated,
                              f"published as {cell!r}; read as {fix[0]!r}: {fix[1]}")
            if col.statistic in _NON_NEGATIVE and c.value < 0:
                raise DataError(f"negative value for {col.statistic}; expected >= 0 (a footnote "
                                "number printed as a value? see CELL_FIXES)", file=fname, row=ln,
                                column=col.name, value=cell)
            notes = "; ".join([*([c.note] if c.note else []), *note_parts]) or None
            est = bool(c.estimated or y in est_years)
            qty = (units.to_tonnes(c.value, col.unit) if units.is_mass(col.unit) else math.nan)
            base = {"file": fname, "row": ln, "source": SOURCE, "edition": edition,
                    "edition_date": ed_date, "estimated": est, "missing": c.missing}
            sal.append({**base, "commodity": commodity, "country": "USA", "year": y,
                        "statistic": col.statistic, "detail": col.name, "quantity_t": qty,
                        "value": c.value, "unit": col.unit, "qualifier": c.qualifier,
                        "notes": notes})
            if product is not None:
                pri.append({**base, "commodity": commodity, "product": product, "year": y,
                            "price": c.value, "unit": col.unit, "qualifier": c.qualifier,
                            "notes": notes})
            if method and units.is_mass(col.unit):
                several = len(by_method.get(method, [])) > 1
                basis = _basis(col) if several else ""
                con.append({**base, "commodity": commodity, "country": "USA", "year": y,
                            "quantity_t": qty, "basis": basis, "method": method})
    out = {
        "salient": _frame(sal, "salient", fname),
        "prices": _frame(pri, "prices", fname),
        "consumption": _frame(con, "consumption", fname),
    }
    return out


def read_salient(path: str | Path, *, definitions: Mapping[str, str] | None = None,
                 ) -> dict[str, pd.DataFrame]:
    """Read one MCS 2022-2025 salient file (CSV or XLSX) with its release metadata.

    Parameters
    ----------
    path : str or Path
        ``.../mcs20YY/salient/mcs20YY-<code>_salient.csv`` (or ``.xlsx``).
    definitions : mapping, optional
        Column definitions; by default read from ``../meta/mcs20YY-<code>_meta.xml`` when present
        (for MCS 2022, from MCS 2023's metadata of the same commodity).

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption`` (see :func:`parse_salient`).
    """
    p = Path(path)
    edition, code = _file_code(p.name)
    if definitions is None:
        definitions = _definitions_for(p, edition, code)
    return parse_salient(p.read_bytes(), p.name, definitions=definitions)


_WORLD_NAME = re.compile(r"_world(?![a-z])")
_SALIENT_NAME = re.compile(r"_salient(?![a-z])")


def can_read(header: tuple[str, ...] | None, name: str) -> bool:
    """True for a workbook (``header`` None), a CSV named ``*_salient``, or a CSV header (casefolded
    cells) with ``Year`` and no ``Country`` (or a name containing "salient"); never for a
    ``*_world`` file without a ``Commodity`` column."""
    if header is None:
        return True
    low = name.lower()
    if "commodity" not in header and _WORLD_NAME.search(low):
        return False
    if _SALIENT_NAME.search(low):
        return True
    return "country" not in header and ("salient" in low or "year" in header)


def parse(text: str | bytes, name: str) -> dict[str, pd.DataFrame]:
    """Parse one wide salient file without its metadata (see :func:`parse_salient`)."""
    return parse_salient(text, name)


def read(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read one wide salient file with its metadata (see :func:`read_salient`)."""
    return read_salient(path)
