"""USGS Mineral Commodity Summaries: U.S. salient statistics, import sources, prices, consumption.

Two layouts are read:

* **MCS 2022-2025 per-commodity salient files** (``usgs_mcs/mcs20YY/salient/mcs20YY-<code>_salient.csv``,
  two of them XLSX): *wide* files, one row per year, one column per series, the series and its unit
  packed into the column name (``Imports_Compounds_t``, ``Price_Nd2O3_dkg``, ``NIR_pct``).
  :func:`read_salient` / :func:`parse_salient`.
* **MCS 2026 long file** (``usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv``, Windows-1252): one row per
  figure; sections "Salient Statistics—United States" and "Import Sources" are read here (the world
  production and reserves sections belong to the world reader). :func:`read_mcs2026_salient`.

Outputs (see :mod:`critmin.schema`): ``salient`` (every series, ``statistic`` one of production,
imports, exports, consumption, nir, price, stocks, employment, other; ``detail`` the source's own
label: the column name of a wide file, ``Statistics_detail`` in MCS 2026), ``prices`` (every price
series again, with a ``product``), ``consumption`` (the mass consumption series whose method is known:
apparent, reported or estimated; country USA) and, from MCS 2026, ``import_sources`` (shares as
fractions). Values stay as published (``value``, ``unit``, ``missing``, ``qualifier``) and masses also
go to ``quantity_t``. Net import reliance stays in percent in ``salient`` (unit ``%``); see
:func:`critmin.dependence.nir.nir_table` for fractions.

Column names of the wide files are read as ``[Group_]Statistic[_detail...]_unit``: the first token
names the statistic (``USprod``/``Prod``/``Mine``/``Refinery`` production, ``Imports``, ``Exports``,
``Consump``/``Apparent`` consumption, ``NIR``, ``Price``, ``Stocks``, ``Employment``; anything else,
e.g. ``Shipments``, ``Sold``, ``Supply``, ``Recycled``, is ``other``) after an optional group prefix
(``Bauxite_``, ``Alumina_``, ``Bort_``, ``Stones_``, ``Granite_``, ``HPQ``, ``Crystal``); the last
token is the unit (:data:`UNIT_TOKENS`).

Notes
-----
Quirks of the source, and what the reader does about them:

* **Unit tokens in column names**: ``t``, ``kt``, ``mmt`` (million t), ``kg``, ``g``, ``pct``, ``num``,
  ``dkg`` ($/kg), ``dt`` ($/t), ``dlb`` ($/lb), ``ctslb`` (cents/lb), ``dto``/``dtoz`` ($/troy oz),
  ``dg`` ($/g), ``dst`` ($/short ton), ``dct`` ($/carat), ``df`` ($/flask), ``mdol`` (million $),
  ``mct`` (million carats), ``mcm`` (million m3), ``msqft`` (million ft2), ``index``. Some are glued to
  the detail without the underscore (``USprod_Primarykg``, ``Price_WO3dt``, ``NIR_Refinedpct``); the
  longest known unit suffix is split off.
* **Net import reliance and employment columns carry wrong unit tokens** (``NIR_Compounds-Metals_t``
  in the rare-earth files, ``NIR_ct``, ``Employment_m``, ``Employment_um``, ``Employment_``): an
  ``NIR`` column is always read in percent and an ``Employment`` column as a count.
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
* **Cells**: besides the tokens of :mod:`critmin.sources._tokens` (``W``, ``NA``, ``E``, ``—``, ``>95``),
  cells hold ``e150`` (leading estimate marker), ``>50%``, a Unicode minus (``−88``, government stock
  releases), ``Less than ½ unit`` and its spellings (value 0.5, qualifier ``<``), ``Less than 50,000
  tons`` (converted to the column's unit, qualifier ``<``), ranges ``500–14,000`` (NaN, ``missing=
  "range"``, text in ``notes``) and a few words (``Small``, ``Variable, depending on type of
  product``: NaN, ``missing="text"``). Any other text raises :class:`~critmin.errors.DataError`.
* **Blank trailing columns and rows** (as published) are dropped; a value under an empty header raises.
* **Prices per metric ton unit** (tungsten WO3, manganese ore) are written ``_dt``; the metadata
  definition ("dollars per dry metric ton unit") turns the unit into ``USD/dmtu``/``USD/mtu``.
* **Definitions** are found by the exact column name, then by a spelling-insensitive key
  (``Imports_Metalkg`` = ``Imports_Metal_kg``), then, when exactly one column and one metadata label
  of the same statistic and unit are left over, by pairing them.
* **Estimates**: a wide file marks no cell as estimated (except ``e150``); the release metadata says
  which years are ("Data are estimated for the most recent year", "... for all years", "... for 2021
  and 2022"). :func:`read_salient` reads that definition per column (:func:`read_definitions`); without
  it the latest year of the file is taken as estimated (the MCS convention). MCS 2022 has no metadata:
  MCS 2023's definition of the identically named column of the same commodity is used.
* **Consumption method** comes from the metadata definition ("Consumption: Apparent", "...: Reported",
  "...: Estimated") or the column name (``Apparent``/``Apprnt``/``App``, ``Reported``/``Rprtd``/``Rpt``,
  ``Est``/``Estimated``); a consumption column whose method is known neither way stays in ``salient``
  only. Non-mass consumption (million $, carats, m3) is not put in ``consumption``.
* **Commodity codes changed** (``raree`` -> ``rareee``, ``lithi`` -> ``lithium``, ``scandi``/``scand``,
  ``stonec``/``stonc``); ids come from :func:`critmin.commodities.from_usgs_code`. ``mcs2023tellu``
  lacks the hyphen; ``MCS2024-bismu`` is upper-case; MCS2025 bauxite says ``Source`` for ``DataSource``.
* **Products** of the ``prices`` table: a formula token becomes its name (``Nd2O3`` ->
  "neodymium oxide", as MCS 2026 words it, so the rare-earth oxide series line up across vintages);
  other wide-file prices are "<commodity>, <words>" ("nickel, LME"), which do not line up with the
  MCS 2026 labels; the same product priced in two units gets the unit appended.
* **MCS 2026**: values are text with thousands separators; notes ``Estimated.`` mark estimates; the
  value ``s`` means "see the note" ("Less than ½ unit.", "Less than 500 carats." are read from the
  note); ``?1``/``?10`` are ``−1``/``−10`` whose minus sign did not survive the Windows-1252 encoding
  (MCS2025 prints −1 and −10 for the same figures). Some
  chapters hold several series under one label (bauxite/alumina, bort/stones, titanium sponge/pigment,
  quartz): the ``Commodity`` column is then prefixed to ``detail``; the mica chapter repeats its whole
  block (scrap and flake, then sheet) under identical labels: the second occurrence gets ``" [2]"``.
  Identical repeated rows raise. Import-source shares are percent -> fractions; ``2021–24`` ->
  ``"2021-2024"``; partners resolved by :func:`critmin.countries.resolve` (``Other countries`` -> OTH,
  ``China, Germany, and Russia`` -> a ``+`` group).
* Rare-earth prices: MCS 2022-2025 carry Dy and Tb oxide prices in the rare-earths file; MCS 2026 puts
  them in the "RARE EARTHS (Heavy)" chapter (catalogue id ``rare-earths-heavy``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from critmin import commodities, countries, units
from critmin.errors import DataError, UnknownCommodityError
from critmin.schema import KEYS, conform, empty
from critmin.sources._io import as_text_buffer, read_text
from critmin.sources._tokens import parse_value
from critmin.sources.editions import edition_date, mcs_edition

__all__ = [
    "SOURCE",
    "UNIT_TOKENS",
    "COLUMN_FIXES",
    "HEADER_REPLACEMENTS",
    "SalientColumn",
    "SalientLayoutWarning",
    "parse_column",
    "read_definitions",
    "read_salient",
    "parse_salient",
    "read_mcs2026_salient",
    "parse_mcs2026_salient",
    "read_all_salient",
]

SOURCE = "usgs-mcs"
"""Source id of every row."""

OUTPUT_TABLES = ("salient", "prices", "consumption", "import_sources")

UNIT_TOKENS: dict[str, str] = {
    "t": "metric tons",
    "kt": "thousand metric tons",
    "mmt": "million metric tons",
    "kg": "kilograms",
    "g": "grams",
    "pct": "percent",
    "num": "number",
    "dkg": "dollars per kilogram",
    "dt": "dollars per metric ton",
    "dlb": "dollars per pound",
    "ctslb": "cents per pound",
    "dto": "dollars per troy ounce",
    "dtoz": "dollars per troy ounce",
    "dg": "dollars per gram",
    "dst": "dollars per short ton",
    "dct": "dollars per carat",
    "df": "dollars per flask",
    "mdol": "million dollars",
    "mct": "million carats",
    "mcm": "million cubic meters",
    "msqft": "million square feet",
    "index": "index",
}
"""Unit token at the end of a wide-file column name -> unit text (normalised by
:func:`critmin.units.normalize_unit`, except ``msqft`` which it does not know)."""

_CANON_EXTRA = {"million square feet": "million ft2"}

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

_GROUPS = ("Bauxite", "Alumina", "Bort", "Stones", "Granite", "HPQ", "Crystal")

_STATISTICS: dict[str, str] = {
    "usprod": "production", "usprodcrude": "production", "prod": "production",
    "production": "production", "mine": "production", "refinery": "production",
    "imports": "imports",
    "exports": "exports",
    "consump": "consumption", "consumption": "consumption", "consumtion": "consumption",
    "apparent": "consumption",
    "nir": "nir",
    "price": "price",
    "stocks": "stocks",
    "employment": "employment",
}

_METHOD_WORDS = {
    "apparent": "apparent", "apprnt": "apparent", "app": "apparent",
    "reported": "reported", "rprtd": "reported", "rpt": "reported",
    "estimated": "estimated", "est": "estimated",
}

_FORMULAS: dict[str, str] = {
    "CeO2": "cerium oxide",
    "Dy2O3": "dysprosium oxide",
    "Eu2O3": "europium oxide",
    "La2O3": "lanthanum oxide",
    "Nd2O3": "neodymium oxide",
    "Pr6O11": "praseodymium oxide",
    "TbO2": "terbium oxide",
    "Tb4O7": "terbium oxide",
    "Y2O3": "yttrium oxide",
    "Mischmetal": "mischmetal",
    "GeO2": "germanium dioxide",
}
"""Formula tokens of price columns -> product names, matching the MCS 2026 wording
("Neodymium oxide, 99.5% minimum" -> "neodymium oxide"). USGS writes ``TbO2`` for terbium oxide."""

_TEXT_VALUES = frozenset({
    "small",
    "variable, depending on type of product",
    "variable, depending on size, type, and quality",
})
"""Casefolded descriptive cell texts accepted as missing (``missing="text"``)."""

_HALF_UNIT = re.compile(r"^less than (?:1/2|½|one-half|a half) unit\.?$", re.I)
_LESS_QTY = re.compile(r"^less than (?P<num>[\d,]+(?:\.\d+)?)\s+(?P<what>tons|carats)\.?$", re.I)
_RANGE = re.compile(r"^(?P<lo>\d[\d,]*(?:\.\d+)?)\s*[–—-]\s*(?P<hi>\d[\d,]*(?:\.\d+)?)$")
_EPREFIX = re.compile(r"^e(?P<num>\d[\d,]*(?:\.\d+)?)$")
_MISSING_TEXT = "text"
_MISSING_RANGE = "range"


class SalientLayoutWarning(UserWarning):
    """A file under ``salient/`` that is not a salient table (it yields no rows)."""


@dataclass(frozen=True)
class SalientColumn:
    """What a wide-file column name says.

    Attributes
    ----------
    name : str
        The column name (after :data:`COLUMN_FIXES`).
    statistic : str
        production, imports, exports, consumption, nir, price, stocks, employment or other.
    unit : str
        Canonical unit (``t``, ``kt``, ``%``, ``USD/kg``, ``count`` ...).
    group : str
        Group prefix (``Bauxite``, ``Bort``, ``HPQ`` ...) or "".
    words : tuple of str
        The detail tokens between the statistic and the unit (``("Compounds-Metals",)``).
    method : str or None
        For consumption: apparent, reported or estimated when the name says so, else None.
    key : str
        Spelling-insensitive form (``imports_metal_kg`` for ``Imports_Metalkg`` and
        ``Imports_Metal_kg``), used to find the column's metadata definition.
    """

    name: str
    statistic: str
    unit: str
    group: str
    words: tuple[str, ...]
    method: str | None
    key: str = ""


# ----------------------------------------------------------------------------------------------
# cells


@dataclass(frozen=True)
class _Cell:
    value: float
    missing: str | None
    qualifier: str | None
    estimated: bool
    note: str


def _canon_unit(text: str) -> str:
    if text in _CANON_EXTRA:
        return _CANON_EXTRA[text]
    return units.normalize_unit(text)


def _carats_factor(unit: str) -> float | None:
    return {"carats": 1.0, "thousand carats": 1e3, "million carats": 1e6}.get(unit)


def _parse_cell(cell: object, unit: str | None, *, file: str, row: int, column: str) -> _Cell:
    """Parse one salient cell; raise DataError naming the place when it is not understood."""
    if isinstance(cell, str):
        text = cell.replace("\u00a0", " ").replace("\u2212", "-").strip()
        text = re.sub(r"\s+", " ", text)
    else:
        text = cell  # numbers and None
    pv = parse_value(text)
    if pv is not None:
        return _Cell(pv.value, pv.missing, pv.qualifier, pv.estimated, "")
    assert isinstance(text, str)
    raw = str(cell)
    m = _EPREFIX.match(text)
    if m:
        return _Cell(float(m.group("num").replace(",", "")), None, None, True, "")
    if text.endswith("%"):
        pv = parse_value(text[:-1])
        if pv is not None and pv.missing is None:
            return _Cell(pv.value, None, pv.qualifier, pv.estimated, "")
    if _HALF_UNIT.match(text):
        return _Cell(0.5, None, "<", False, f"published as {raw!r}")
    m = _LESS_QTY.match(text)
    if m and unit is not None:
        num = float(m.group("num").replace(",", ""))
        what = m.group("what").lower()
        factor: float | None = None
        if what == "tons" and units.is_mass(unit):
            factor = 1.0 / units.tonnes_factor(unit)
        elif what == "carats" and _carats_factor(unit):
            factor = 1.0 / _carats_factor(unit)  # type: ignore[operator]
        if factor is not None:
            return _Cell(num * factor, None, "<", False, f"published as {raw!r}")
    m = _RANGE.match(text)
    if m:
        return _Cell(math.nan, _MISSING_RANGE, None, False, f"published as a range: {raw.strip()}")
    if text.casefold() in _TEXT_VALUES:
        return _Cell(math.nan, _MISSING_TEXT, None, False, f"published as text: {raw.strip()}")
    raise DataError(
        "expected a number, a USGS token (W, NA, XX, E, —, >95, <1), 'Less than ½ unit', "
        "a range 'a–b' or a known descriptive text",
        file=file, row=row, column=column, value=raw,
    )


# ----------------------------------------------------------------------------------------------
# column names


_PRICE_UNITS = frozenset({"dkg", "dt", "dlb", "ctslb", "dto", "dtoz", "dg", "dst", "dct", "df",
                          "index"})


def _split_unit(tokens: list[str], *, price: bool, glued_first: bool) -> tuple[list[str], str | None]:
    """Split the unit token off a column's tokens.

    A unit glued to the last word (``Primarykg``, ``WO3dt``, ``Reportedt``) is split off as the
    longest unit suffix of the right kind (a price unit for a price column, a quantity unit
    otherwise). The statistic token itself (``Employment``) is never split unless ``glued_first``.
    """
    if not tokens:
        return tokens, None
    last = tokens[-1]
    if last in UNIT_TOKENS or last.lower() == "index":
        return tokens[:-1], last.lower() if last.lower() == "index" else last
    if len(tokens) == 1 and not glued_first:
        return tokens, None
    kinds = [t for t in UNIT_TOKENS if (t in _PRICE_UNITS) == price]
    for tok in sorted(kinds, key=len, reverse=True):
        head = last[: -len(tok)]
        if last.endswith(tok) and len(head) >= 2 and (head[0].isupper() or head[0].isdigit()):
            return [*tokens[:-1], head], tok
    return tokens, None


def parse_column(name: str, *, file: str = "<salient>") -> SalientColumn:
    """Read the statistic, unit, group and detail words from a wide-file column name.

    Parameters
    ----------
    name : str
        A column name such as ``"Imports_Compounds_t"``, ``"Price_Nd2O3_dkg"``, ``"NIR_pct"``,
        ``"Bauxite_Consump_Apprnt_kt"`` or ``"CrystalPrice_cultured_dkg"``.
    file : str
        Named in errors.

    Returns
    -------
    SalientColumn

    Raises
    ------
    DataError
        When the unit token is missing or unknown (for a column that is not NIR or employment).
    """
    clean = re.sub(r"\s+", " ", name.replace('"', "")).strip()
    tokens = [t for t in clean.split("_") if t != ""]
    group = ""
    if tokens:
        first = tokens[0]
        for g in _GROUPS:
            if first == g:
                group, tokens = g, tokens[1:]
                break
            if first.startswith(g) and len(first) > len(g) and first[len(g)].isupper():
                group, tokens = g, [first[len(g):], *tokens[1:]]
                break
    stat_tok = re.split(r"[ ,]", tokens[0])[0] if tokens else ""
    statistic = _STATISTICS.get(stat_tok.casefold(), "other")
    if "Price" in tokens[:2]:
        statistic = "price"
    body, unit_tok = _split_unit(tokens, price=statistic == "price",
                                 glued_first=statistic == "other")
    words = tuple(body[1:]) if statistic != "other" or not body else tuple(body)
    if statistic == "price" and body and body[0] != "Price":
        words = tuple(w for w in body if w != "Price")
    if statistic == "nir":
        unit = "%"
    elif statistic == "employment":
        unit = "count"
    elif unit_tok is None:
        raise DataError(
            f"no unit token at the end of the column name; expected one of {sorted(UNIT_TOKENS)} "
            "(fix the name in COLUMN_FIXES if the release mislabels it)",
            file=file, row=1, column=name,
        )
    else:
        unit = _canon_unit(UNIT_TOKENS[unit_tok])
    method = None
    if statistic == "consumption":
        if stat_tok.casefold() == "apparent":
            method = "apparent"
        for w in words:
            method = method or _METHOD_WORDS.get(w.casefold())
    key_unit = "" if statistic in ("nir", "employment") else (unit_tok or "")
    key = "_".join(t.lower() for t in (group, *body, key_unit) if t)
    return SalientColumn(clean, statistic, unit, group, words, method, key)


# ----------------------------------------------------------------------------------------------
# metadata (FGDC XML) definitions

_ATTR = re.compile(r"<attrlabl>\s*(?P<lab>[^<]*?)\s*</attrlabl>\s*<attrdef>\s*(?P<def>[^<]*?)\s*</attrdef>",
                   re.S)
_DETAILED = re.compile(r"<detailed>(?P<body>.*?)</detailed>", re.S)
_ENTITY = re.compile(r"<enttypl>\s*(?P<name>[^<]*?)\s*</enttypl>", re.S)


def read_definitions(path: str | Path) -> dict[str, str]:
    """Column definitions of a salient file from the release's FGDC metadata XML.

    Parameters
    ----------
    path : str or Path
        A ``meta/mcs20YY-<code>_meta.xml`` file.

    Returns
    -------
    dict
        Column label -> definition text, for the entity whose name contains ``salient`` (all
        entities' labels when none does). Read with a tolerant pattern, as one release file
        (MCS2024 platinum) is not well-formed XML.
    """
    text = read_text(path)
    out: dict[str, str] = {}
    blocks = list(_DETAILED.finditer(text))
    chosen = []
    for b in blocks:
        ent = _ENTITY.search(b.group("body"))
        if ent is not None and "salient" in ent.group("name").lower():
            chosen.append(b.group("body"))
    for body in chosen or ([b.group("body") for b in blocks] or [text]):
        for m in _ATTR.finditer(body):
            lab = re.sub(r"\s+", " ", m.group("lab")).strip()
            out.setdefault(lab, re.sub(r"\s+", " ", _unescape(m.group("def"))).strip())
    return out


def _unescape(s: str) -> str:
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


_YEAR = r"(?:19|20)\d\d"


def _estimated_years(definition: str | None, years: Iterable[int]) -> set[int]:
    """Years a definition says are estimated; the latest year always is (MCS convention)."""
    ys = sorted(set(years))
    if not ys:
        return set()
    out = {ys[-1]}
    if not definition:
        return out
    d = definition.lower()
    if "estimated for all years" in d or "data for all years are estimated" in d:
        return set(ys)
    for m in re.finditer(r"estimated (?:for|beginning in) ([^.]*)", d):
        clause = m.group(1)
        if m.group(0).startswith("estimated beginning in"):
            y0 = re.search(_YEAR, clause)
            if y0:
                out |= {y for y in ys if y >= int(y0.group(0))}
            continue
        n = 0
        if re.search(r"most recent (?:two|2) years|two most recent years", clause):
            n = 2
        elif re.search(r"most recent (?:three|3) years|three most recent years", clause):
            n = 3
        if n:
            out |= set(ys[-n:])
        for a, b in re.findall(rf"({_YEAR})\s*(?:through|to|-|–)\s*({_YEAR})", clause):
            out |= {y for y in ys if int(a) <= y <= int(b)}
        out |= {int(y) for y in re.findall(_YEAR, clause) if int(y) in ys}
    return out


_MTU = re.compile(r"dollars per (?P<dry>dry )?metric ton unit", re.I)


def _unit_from_definition(col: SalientColumn, definition: str | None) -> SalientColumn:
    """A price per metric ton *unit* (1 % of a metric ton of contained WO3 or Mn) is written
    ``_dt`` in the column names; the definition tells, and the unit becomes ``USD/mtu``/``USD/dmtu``
    (as MCS 2026 writes it)."""
    if col.statistic != "price" or not definition:
        return col
    m = _MTU.search(definition)
    if not m:
        return col
    unit = "USD/dmtu" if m.group("dry") else "USD/mtu"
    return SalientColumn(col.name, col.statistic, unit, col.group, col.words, col.method, col.key)


def _match_definitions(cols: list[SalientColumn], definitions: Mapping[str, str]
                       ) -> dict[str, str]:
    """Definitions by column name; a column whose name the metadata spells differently
    (``Consump_ZrO2_content_t`` vs ``Consump_ZrO2_t``) gets the one unused metadata label of the
    same statistic and unit, when there is exactly one of each."""
    out = {c.name: definitions[c.name] for c in cols if c.name in definitions}
    used = set(out)
    parsed: dict[str, SalientColumn] = {}
    for lab in definitions:
        if lab in used or lab in ("DataSource", "Source", "Commodity", "Year"):
            continue
        try:
            parsed[lab] = parse_column(lab)
        except DataError:
            continue
    by_key: dict[str, list[str]] = {}
    for lab, pc in parsed.items():
        by_key.setdefault(pc.key, []).append(lab)
    for c in cols:
        labs = by_key.get(c.key, [])
        if c.name not in out and len(labs) == 1 and labs[0] not in used:
            out[c.name] = f"{definitions[labs[0]]} (metadata label {labs[0]})"
            used.add(labs[0])
    spare: dict[tuple[str, str], list[str]] = {}
    for lab, pc in parsed.items():
        if lab not in used:
            spare.setdefault((pc.statistic, pc.unit), []).append(lab)
    missing: dict[tuple[str, str], list[SalientColumn]] = {}
    for c in cols:
        if c.name not in out:
            missing.setdefault((c.statistic, c.unit), []).append(c)
    for k, cs in missing.items():
        labs = spare.get(k, [])
        if len(cs) == 1 and len(labs) == 1:
            out[cs[0].name] = f"{definitions[labs[0]]} (metadata label {labs[0]})"
    return out


def _consumption_method(col: SalientColumn, definition: str | None) -> str | None:
    if definition:
        d = definition.lower()
        if re.search(r"consumption[^.]*?\bapparent|apparent consumption|supply: apparent", d):
            return "apparent"
        if re.search(r"consumption[^.]*?\breported", d):
            return "reported"
        if re.search(r"consumption[^.]*?\bestimated|estimated consumption", d):
            return "estimated"
    return col.method


# ----------------------------------------------------------------------------------------------
# wide files (MCS 2022-2025)


_NAME = re.compile(r"(?i)mcs\s*(?P<year>20\d\d)-?(?P<code>[a-z][a-z-]*?)_salient")


def _file_code(name: str) -> tuple[str | None, str | None]:
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    m = _NAME.search(base)
    if not m:
        return mcs_edition(base), None
    return f"MCS{m.group('year')}", m.group("code").lower()


def _decode(buf: str | bytes | io.IOBase, fname: str) -> str:
    """Decoded text of a CSV buffer; errors name the file, the line (row 1 for an empty file) and,
    for an undecodable byte, the column it sits in."""
    if hasattr(buf, "read"):
        buf = buf.read()  # type: ignore[union-attr]
    if isinstance(buf, (str, bytes, bytearray)) and not (
            buf.strip() if isinstance(buf, str) else bytes(buf).strip()):
        raise DataError("the file is empty; expected a header row and one row per year",
                        file=fname, row=1)
    try:
        return as_text_buffer(buf, fname)  # type: ignore[arg-type]
    except DataError as err:
        if not isinstance(buf, (bytes, bytearray)) or err.row is None:
            raise
        lines = bytes(buf).decode("cp1252", errors="replace").splitlines()
        header = next(csv.reader([lines[0].lstrip("\ufeff")])) if lines else []
        column = None
        if 0 < err.row <= len(lines):
            cells = next(csv.reader([lines[err.row - 1]]), [])
            bad = [i for i, c in enumerate(cells) if "\ufffd" in c]
            if bad:
                column = header[bad[0]] if bad[0] < len(header) else f"#{bad[0] + 1}"
        raise DataError(err.reason, file=fname, row=err.row, column=column) from err


def _rows_from_csv(text: str) -> list[tuple[int, list[str]]]:
    """(1-based first line number, cells) of every record of a CSV text."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    start = 1
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", row=reader.line_num) from err
    return out


def _rows_from_xlsx(data: bytes, name: str) -> list[tuple[int, list[object]]]:
    """Rows of the sheet of a salient workbook whose first row starts with DataSource/Source."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise DataError(f"cannot open the workbook: {err}", file=name) from err
    try:
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if rows and rows[0] and str(rows[0][0] or "").strip() in ("DataSource", "Source"):
                return [(i, list(r)) for i, r in enumerate(rows, start=1)]
    finally:
        wb.close()
    raise DataError("no sheet whose first row starts with 'DataSource'; expected the salient "
                    "table as the workbook's CSV-like sheet", file=name)


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or (
        isinstance(cell, str) and cell.strip() == "")


def _commodity_id(code: str | None, name_cell: str | None, *, file: str, row: int | None) -> str:
    errors = []
    for how, key in (("code", code), ("name", name_cell)):
        if not key:
            continue
        try:
            c = commodities.from_usgs_code(key) if how == "code" else commodities.from_mcs_name(key)
            return c.id
        except UnknownCommodityError as err:
            errors.append(str(err))
    raise DataError("commodity not in the catalogue: " + "; ".join(errors or ["no code or name"]),
                    file=file, row=row, column="Commodity", value=name_cell or code)


def _product(col: SalientColumn, commodity_name: str) -> str:
    words = [w for w in col.words if w not in ("Price",)]
    if col.group:
        words = [col.group, *words]
    if len(words) == 1 and words[0] in _FORMULAS:
        return _FORMULAS[words[0]]
    if not words:
        return commodity_name.lower()
    return f"{commodity_name.lower()}, {' '.join(words)}"


def _products(cols: list[SalientColumn], commodity_name: str) -> dict[str, str]:
    """Product names of a file's price columns; the same product priced in two units (nickel in
    $/t and $/lb) gets the unit appended, and any remaining clash the column name."""
    out = {c.name: _product(c, commodity_name) for c in cols}
    for c in cols:
        if sum(v == out[c.name] for v in out.values()) > 1:
            out[c.name] = f"{out[c.name]} ({c.unit})"
    for c in cols:
        if sum(v == out[c.name] for v in out.values()) > 1:
            out[c.name] = f"{commodity_name.lower()}, {c.name}"
    return out


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
        text = _decode(buf, fname)  # type: ignore[arg-type]
        try:
            rows = _rows_from_csv(text)  # type: ignore[assignment]
        except DataError as err:
            raise DataError(err.reason, file=fname, row=err.row) from err
    edition, code = _file_code(fname)
    header_line, header = rows[0]
    header = [("" if h is None else str(h)).replace("\ufeff", "").strip() for h in header]
    data_rows = [(ln, r) for ln, r in rows[1:] if not all(_blank(c) for c in r)]
    if "Country" in header and "Type" in header and "Year" not in header:
        warnings.warn(f"{fname}: a world production table (Source,Country,Type,...) filed as a "
                      "salient file; no salient rows read", SalientLayoutWarning, stacklevel=2)
        return _empty_result()
    notes_by_col: dict[str, str] = {}
    if edition and code and (edition, code) in HEADER_REPLACEMENTS:
        new, why = HEADER_REPLACEMENTS[(edition, code)]
        width = max([len(header)] + [len(r) for _, r in data_rows])
        if width != len(new) and any(not _blank(c) for _, r in data_rows for c in r[len(new):]):
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
                if j < len(r) and not _blank(r[j]):
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
        if pv is None or pv.missing is not None or pv.value != int(pv.value) or pv.qualifier:
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
                c = _Cell(math.nan, _MISSING_TEXT, None, False, f"published as {cell!r}: {fix[1]}")
            else:
                c = _parse_cell(fix[0] if fix else cell, col.unit, file=fname, row=ln,
                                column=col.name)
                if fix:
                    c = _Cell(c.value, c.missing, c.qualifier, c.estimated,
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


def _basis(col: SalientColumn) -> str:
    words = [w for w in col.words if w.casefold() not in _METHOD_WORDS]
    if col.group:
        words = [col.group, *words]
    return " ".join(words) or col.name


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


def _find_meta(path: Path, edition: str | None, code: str | None) -> Path | None:
    if not code:
        return None
    meta = path.parent.parent / "meta"
    if not meta.is_dir():
        return None
    cands = {}
    for p in meta.glob("*_meta.xml"):
        m = re.search(r"(?i)mcs\s*(20\d\d)-?([a-z][a-z-]*?)_meta", p.name)
        if m and f"MCS{m.group(1)}" == edition:
            cands[m.group(2).lower()] = p
    if code in cands:
        return cands[code]
    near = [c for c in cands if code.startswith(c) or c.startswith(code)
            or code.split("-")[0] == c]
    return cands[near[0]] if len(near) == 1 else None


def _definitions_for(path: Path, edition: str | None, code: str | None) -> dict[str, str]:
    meta = _find_meta(path, edition, code)
    if meta is not None:
        return read_definitions(meta)
    if edition == "MCS2022" and code:
        # MCS 2022 ships no metadata; the MCS 2023 definition of an identically named column of the
        # same commodity is used (only labels present in both are ever looked up).
        sibling = path.parent.parent.parent / "mcs2023" / "salient" / "x"
        meta = _find_meta(sibling, "MCS2023", code)
        if meta is not None:
            return read_definitions(meta)
    return {}


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


# ----------------------------------------------------------------------------------------------
# MCS 2026 long file

_SALIENT_SECTION = "Salient Statistics—United States"
_IMPORT_SECTION = "Import Sources"
_MCS2026_COLUMNS = ("MCS chapter", "Section", "Commodity", "Country", "Statistics",
                    "Statistics_detail", "Unit", "Year", "Value", "Notes")
_STAT2026 = {
    "production": "production", "import": "imports", "export": "exports",
    "consumption": "consumption", "net import reliance": "nir", "price": "price",
    "stock": "stocks", "employment": "employment",
}
_EST_NOTE = re.compile(r"(?:^|--\s*)Estimated\.", re.I)
_PERIOD = re.compile(r"^\s*(?P<a>(?:19|20)\d\d)\s*[–—-]\s*(?P<b>\d{2,4})\s*$")
_UNIT_PHRASE = re.compile(r",?\s*(?:dollars|cents)\s+per\s+[^,:]*?(?=[,:]|$)", re.I)


def _period(text: str, *, file: str, row: int) -> str:
    m = _PERIOD.match(text)
    if not m:
        raise DataError("expected a period like '2021–24'", file=file, row=row, column="Year",
                        value=text)
    a, b = m.group("a"), m.group("b")
    if len(b) == 2:
        b = a[:2] + b
    return f"{a}-{b}"


_MARKETS = ("U.S.", "United States", "London", "LME", "COMEX", "New York", "North American",
            "Rotterdam", "European", "Europe", "China", "India", "France", "Japan")


def _lower_first(text: str) -> str:
    """Lower-case a leading Titlecase word ("Neodymium oxide" -> "neodymium oxide"); keep acronyms,
    formulas and proper names ("Y2O3", "LME") as written."""
    word = re.match(r"[^\s,(]+", text)
    if word and re.fullmatch(r"[A-Z][a-z][a-z-]*", word.group(0)) and not text.startswith(_MARKETS):
        return text[:1].lower() + text[1:]
    return text


def _product2026(detail: str, base: str) -> tuple[str, str]:
    """(product, full item text) of an MCS 2026 price label.

    The product is the item named after the unit ("...dollars per kilogram: Neodymium oxide, 99.5%
    minimum" -> "neodymium oxide"), up to its first comma; a market or place ("United States",
    "London Metal Exchange (LME), cash") is prefixed with ``base`` (the row's commodity); a label
    without an item ("Price, metal, average, dollars per pound") gives ``"<base>, metal, average"``.
    """
    text = re.sub(r"\s+", " ", detail).strip()
    base = base.strip().lower()
    m = re.match(r"^(?:[^:]*?\b)?Price\b[^:]*?(?:dollars|cents)\s+per\s+[^:]*:\s*(?P<item>.+)$",
                 text, re.I)
    if m is None:
        m = re.match(r"^(?:[^:]*?\b)?Price\s*:\s*(?P<item>.+)$", text)
    item = _UNIT_PHRASE.sub("", m.group("item")).strip(" ,") if m else ""
    if item and not re.match(r"(?i)^(?:dollars|cents)\b", item):
        name = item.split(",")[0].strip()
        if name.startswith(_MARKETS) or countries_known(name):
            return f"{base}, {name}", f"{base}, {item}"
        return _lower_first(name), _lower_first(item)
    rest = re.sub(r"^(?:[^:]*:\s*)?Price\b[,:]?\s*", "", text)
    rest = _UNIT_PHRASE.sub("", rest).strip(" ,")
    return (f"{base}, {rest}" if rest else base), (f"{base}, {rest}" if rest else base)


def countries_known(name: str) -> bool:
    """True when ``name`` is a country name :func:`critmin.countries.resolve` knows."""
    try:
        return countries.resolve(name).is_country
    except countries.UnknownCountryError:
        return False


def parse_mcs2026_salient(buf: str | bytes | io.IOBase, name: str) -> dict[str, pd.DataFrame]:
    """Parse the MCS 2026 long file: U.S. salient statistics and import sources.

    Parameters
    ----------
    buf : str, bytes or file object
        The file content (bytes are decoded UTF-8 first, then Windows-1252).
    name : str
        File name, for errors and the ``file`` column.

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption``, ``import_sources``.

    Raises
    ------
    DataError
        For a missing column, an unknown commodity, unit or country, an unparseable value, or a
        repeated identical row.
    """
    fname = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    text = _decode(buf, fname)
    try:
        rows = _rows_from_csv(text)
    except DataError as err:
        raise DataError(err.reason, file=fname, row=err.row) from err
    header_line, header = rows[0]
    header = [h.replace("\ufeff", "").strip() for h in header]
    for col in _MCS2026_COLUMNS:
        if col not in header:
            raise DataError(f"missing column {col!r}; expected the MCS 2026 long layout "
                            f"({', '.join(_MCS2026_COLUMNS)}, ...)", file=fname, row=header_line,
                            column=col)
    ix = {h: i for i, h in enumerate(header)}
    edition = mcs_edition(fname) or "MCS2026"
    ed_date = edition_date(edition)

    def get(r: list[str], col: str) -> str:
        i = ix[col]
        return r[i].strip() if i < len(r) else ""

    recs: list[dict] = []
    imports: list[dict] = []
    comm_cache: dict[tuple[str, str], str] = {}
    for ln, r in rows[1:]:
        if all(_blank(c) for c in r):
            continue
        section = get(r, "Section")
        if section not in (_SALIENT_SECTION, _IMPORT_SECTION):
            continue
        chapter, comm = get(r, "MCS chapter"), get(r, "Commodity")
        if (chapter, comm) not in comm_cache:
            try:
                cid = commodities.from_mcs_name(comm).id
            except UnknownCommodityError:
                cid = _commodity_id(None, chapter, file=fname, row=ln)
            comm_cache[(chapter, comm)] = cid
        cid = comm_cache[(chapter, comm)]
        notes = get(r, "Notes")
        est_note = bool(_EST_NOTE.search(notes))
        unit_txt = get(r, "Unit")
        value_txt = get(r, "Value")
        if section == _IMPORT_SECTION:
            if unit_txt.lower() != "percent":
                raise DataError("expected import-source shares in percent", file=fname, row=ln,
                                column="Unit", value=unit_txt)
            c = _parse_cell(value_txt, "%", file=fname, row=ln, column="Value")
            try:
                partner = countries.resolve(get(r, "Country"))
            except countries.UnknownCountryError as err:
                raise DataError(f"unknown country ({err}); add an alias to country_aliases.csv",
                                file=fname, row=ln, column="Country",
                                value=get(r, "Country")) from err
            imports.append({
                "commodity": cid, "importer": "USA", "partner": partner.code,
                "partner_raw": get(r, "Country"),
                "period": _period(get(r, "Year"), file=fname, row=ln),
                "detail": get(r, "Statistics_detail") or None,
                "share": c.value / 100.0 if not math.isnan(c.value) else math.nan,
                "missing": c.missing, "qualifier": c.qualifier, "notes": notes or None,
                "source": SOURCE, "edition": edition, "edition_date": ed_date, "file": fname,
                "row": ln, "_chapter": chapter, "_comm": comm,
            })
            continue
        try:
            unit = units.normalize_unit(unit_txt) if unit_txt else ""
        except ValueError as err:
            raise DataError(f"unknown unit ({err})", file=fname, row=ln, column="Unit",
                            value=unit_txt) from err
        c = _parse2026(value_txt, unit or None, notes, file=fname, row=ln)
        stat_raw = get(r, "Statistics")
        statistic = _STAT2026.get(stat_raw.lower(), "other")
        try:
            country = countries.resolve(get(r, "Country")).code
        except countries.UnknownCountryError as err:
            raise DataError(f"unknown country ({err})", file=fname, row=ln, column="Country",
                            value=get(r, "Country")) from err
        year_txt = get(r, "Year")
        if not re.fullmatch(_YEAR, year_txt):
            raise DataError("expected a four-digit year", file=fname, row=ln, column="Year",
                            value=year_txt)
        recs.append({
            "commodity": cid, "country": country, "year": int(year_txt),
            "statistic": statistic, "detail": get(r, "Statistics_detail") or stat_raw,
            "value": c.value, "unit": unit or None, "missing": c.missing,
            "qualifier": c.qualifier, "estimated": bool(c.estimated or est_note),
            "notes": "; ".join(p for p in (c.note, notes) if p) or None,
            "source": SOURCE, "edition": edition, "edition_date": ed_date, "file": fname,
            "row": ln, "_chapter": chapter, "_comm": comm, "_value_raw": value_txt,
        })
    _disambiguate(recs, fname)
    sal, pri, con = [], [], []
    cons_count: dict[tuple[str, int, str], int] = {}
    for rec in recs:
        if rec["statistic"] == "consumption":
            method = _method2026(rec["detail"])
            if method and units.is_mass(rec["unit"] or ""):
                k = (rec["commodity"], rec["year"], method)
                cons_count[k] = cons_count.get(k, 0) + 1
    for rec in recs:
        unit = rec["unit"]
        qty = units.to_tonnes(rec["value"], unit) if unit and units.is_mass(unit) else math.nan
        base = {k: rec[k] for k in ("source", "edition", "edition_date", "file", "row",
                                    "estimated", "missing")}
        sal.append({**base, **{k: rec[k] for k in ("commodity", "country", "year", "statistic",
                                                   "detail", "value", "unit", "qualifier",
                                                   "notes")}, "quantity_t": qty})
        if rec["statistic"] == "price":
            label = rec["detail"].split(": ", 1)[1] if rec.get("_prefixed") else rec["detail"]
            product, item = _product2026(label, rec["_comm"])
            if rec.get("_prefixed") and not product.startswith(rec["_comm"].strip().lower()):
                pre = rec["_comm"].strip().lower()
                product, item = f"{pre}, {product}", f"{pre}, {item}"
            pri.append({**base, "commodity": rec["commodity"], "product": product,
                        "year": rec["year"], "price": rec["value"], "unit": unit or "",
                        "qualifier": rec["qualifier"], "notes": rec["notes"], "_label": item})
        if rec["statistic"] == "consumption":
            method = _method2026(rec["detail"])
            if method and unit and units.is_mass(unit):
                several = cons_count[(rec["commodity"], rec["year"], method)] > 1
                con.append({**base, "commodity": rec["commodity"], "country": rec["country"],
                            "year": rec["year"], "quantity_t": qty, "method": method,
                            "basis": _basis2026(rec["detail"]) if several else ""})
    for rec in imports:
        rec.pop("_chapter")
        rec.pop("_comm")
    return {
        "salient": _frame(sal, "salient", fname),
        "prices": _dedupe_products(pri, fname),
        "consumption": _frame(con, "consumption", fname),
        "import_sources": _frame(imports, "import_sources", fname),
    }


_QMINUS = re.compile(r"^\?(?P<num>\d[\d,]*(?:\.\d+)?)$")
_LESS_NOTE = re.compile(r"less than (?:1/2|½|one-half|a half) unit|less than [\d,.]+\s+(?:tons|carats)",
                        re.I)


def _parse2026(value: str, unit: str | None, notes: str, *, file: str, row: int) -> _Cell:
    """An MCS 2026 value: ``s`` points to the notes ("Less than ½ unit."), ``?1`` is ``−1`` whose
    minus sign did not survive the Windows-1252 encoding."""
    text = value.strip()
    if text == "s":
        m = _LESS_NOTE.search(notes)
        if m:
            c = _parse_cell(m.group(0), unit, file=file, row=row, column="Value")
            return _Cell(c.value, c.missing, c.qualifier, c.estimated, "value 's': see notes")
        return _Cell(math.nan, _MISSING_TEXT, None, False, "value 's': see notes")
    m = _QMINUS.match(text)
    if m:
        return _Cell(-float(m.group("num").replace(",", "")), None, None, False,
                     f"published as {text!r}: a minus sign lost in the Windows-1252 encoding")
    return _parse_cell(value, unit, file=file, row=row, column="Value")


def _method2026(detail: str) -> str | None:
    d = detail.lower()
    if "apparent" in d:
        return "apparent"
    if "reported" in d:
        return "reported"
    if "estimated" in d:
        return "estimated"
    return None


def _basis2026(detail: str) -> str:
    b = re.sub(r"(?i)consumption\s*[,:]?\s*(apparent|reported|estimated)\s*[,:]?\s*", "", detail)
    return b.strip(" ,:") or detail


def _disambiguate(recs: list[dict], fname: str) -> None:
    """Make (commodity, year, statistic, detail) unique: prefix the Commodity column when it tells
    the series apart, else number repeated blocks; identical repeated rows raise."""
    groups: dict[tuple, list[dict]] = {}
    for rec in recs:
        groups.setdefault((rec["commodity"], rec["year"], rec["statistic"], rec["detail"]),
                          []).append(rec)
    for members in groups.values():
        if len(members) < 2:
            continue
        comms = {m["_comm"] for m in members}
        if len(comms) == len(members):
            for m in members:
                m["detail"] = f"{m['_comm'].strip()}: {m['detail']}"
                m["_prefixed"] = True
            continue
        for a_i, a in enumerate(members):
            for b in members[a_i + 1:]:
                if (a["_comm"] == b["_comm"] and a["_value_raw"] == b["_value_raw"]
                        and a["notes"] == b["notes"] and a["unit"] == b["unit"]):
                    raise DataError(
                        f"rows {a['row']} and {b['row']} repeat the same series and value; "
                        "expected one row per series and year",
                        file=fname, row=b["row"], column="Statistics_detail", value=b["detail"])
        by_comm: dict[str, int] = {}
        prefix = len(comms) > 1
        for m in members:
            by_comm[m["_comm"]] = by_comm.get(m["_comm"], 0) + 1
            n = by_comm[m["_comm"]]
            detail = f"{m['_comm'].strip()}: {m['detail']}" if prefix else m["detail"]
            m["detail"] = detail if n == 1 else f"{detail} [{n}]"
            m["_prefixed"] = prefix


def _dedupe_products(pri: list[dict], fname: str) -> pd.DataFrame:
    """Keep (commodity, product, year) unique: a product name shared by two series of one
    commodity becomes the full item text ("ferrosilicon, 50% silicon"), then gets the unit appended
    (soda ash in $/t and $/short ton); the same series twice raises in :func:`_frame`."""
    if not pri:
        return empty("prices")
    df = pd.DataFrame.from_records(pri)
    for fallback in ("label", "unit"):
        dup = df.duplicated(["commodity", "product", "year"], keep=False)
        if not dup.any():
            break
        clash = set(zip(df.loc[dup, "commodity"], df.loc[dup, "product"], strict=True))
        hit = pd.Series([(c, p) in clash for c, p in zip(df["commodity"], df["product"],
                                                         strict=True)], index=df.index)
        if fallback == "label":
            df.loc[hit, "product"] = df.loc[hit, "_label"]
        else:
            df.loc[hit, "product"] = df.loc[hit, "product"] + " (" + df.loc[hit, "unit"] + ")"
    return _frame(df.to_dict("records"), "prices", fname)


def read_mcs2026_salient(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read ``MCS2026_Commodities_Data.csv``: salient statistics and import sources.

    Parameters
    ----------
    path : str or Path
        The MCS 2026 long file (Windows-1252).

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption``, ``import_sources`` (see
        :func:`parse_mcs2026_salient`).
    """
    p = Path(path)
    return parse_mcs2026_salient(p.read_bytes(), p.name)


# ----------------------------------------------------------------------------------------------
# everything


def read_all_salient(
    root: str | Path,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Read every salient file of every MCS vintage under ``root`` and concatenate.

    Parameters
    ----------
    root : str or Path
        The ``usgs_mcs`` folder (holding ``mcs2022/salient/``, ..., ``mcs2026/``).
    progress : callable, optional
        Called as ``progress(file_name, n_salient_rows)`` after each file.

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption``, ``import_sources``, each the concatenation over
        files (provenance in ``edition``, ``file``, ``row``).
    """
    root = Path(root)
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in OUTPUT_TABLES}
    files = sorted(p for p in root.glob("mcs20*/salient/*")
                   if p.suffix.lower() in (".csv", ".xlsx") and "_salient" in p.name.lower())
    for p in files:
        res = read_salient(p)
        for t, df in res.items():
            parts[t].append(df)
        if progress is not None:
            progress(p.name, len(res["salient"]))
    for p in sorted(root.glob("mcs20*/MCS20*_Commodities_Data.csv")):
        res = read_mcs2026_salient(p)
        for t, df in res.items():
            parts[t].append(df)
        if progress is not None:
            progress(p.name, len(res["salient"]))
    out = {}
    for t, dfs in parts.items():
        dfs = [d for d in dfs if len(d)]
        out[t] = pd.concat(dfs, ignore_index=True) if dfs else empty(t)
    return out
