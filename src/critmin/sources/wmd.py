"""World Mining Data, table 6.4 "Production of mineral raw materials of individual countries by minerals",
1984–2017, as merged on one sheet (``wmd_6.4._total_1984-2017.xlsx``).

:func:`read_wmd` returns the canonical ``production`` table (:mod:`critmin.schema`) for the commodity blocks
that critmin's catalogue knows (:data:`BLOCKS`); :func:`parse_wmd` does the same from a buffer. Source id
``wmd``, edition ``WMD-1984-2017``. ``file`` is the workbook's name, ``row`` the sheet row; errors name
the sheet, the row and the column letter.

World Mining Data is published yearly by the Austrian Federal Ministry (Reichl & Schatz); each volume's
table 6.4 covers five years. This file is a multi-year merge by an unknown third party (docs/data.md §11).

Notes
-----
Quirks of the source handled on purpose (each has a test in ``tests/test_history_sources.py``):

* One sheet ("Tabelle1") holds 65 commodity blocks, one under the other. A block starts with a header
  row (``<commodity>``, ``Unit``, 1984, ..., 2017) and ends with its ``Total`` row; blocks are separated
  by two empty rows. The block boundary is the header row (column B reads ``Unit``), not the empty
  rows: a country row directly after a ``Total`` row, or a block without a ``Total`` row before the next
  header, raises :class:`~critmin.errors.DataError`. The header's years must be the same in every block.
* The commodity is in the header's first cell with its basis in parentheses: "Rare Earths (REO)",
  "Tungsten (W)", "Lithium (Li2O)", "Chromium (Cr2O3)", "Bauxite (crude ore)". :data:`BLOCKS` maps each
  to the catalogue id, stage, product and basis; blocks it does not list (coal, petroleum, natural gas,
  oil sands and shales, uranium: not in critmin's catalogue) are skipped. An unknown block label
  raises, so a new commodity is never dropped silently.
* Units per row: ``metr. tons`` -> t; ``kg`` (gold, PGMs, rhenium) -> ``quantity_t`` = kg / 1000;
  ``ct.`` (diamonds) -> carats, no ``quantity_t``.
* No reported/estimated flags: ``estimated`` is False everywhere. A blank cell is "no figure" (the country
  did not exist, did not produce, or was not covered): it gives no row. A published 0 is kept as 0.
* Country names in WMD's spelling, mapped with :mod:`critmin.countries`: historical entities are kept as
  such ("USSR (Asia)", "USSR (Europe)" -> ``SUN``; "Czechoslovakia" ``CSK``; "German Dem. Rep" ``DDR``;
  "Yugoslavia" ``YUG``; "Serbia and Montenegro" ``SCG``; "Yemen, PDR" ``YMD``), renamed states map to
  today's code ("Zaire", "Congo, D.R." -> ``COD``). Russia is split into "Russia, Europe" and
  "Russia, Asia" (and the USSR into its European and Asian parts): both rows keep their code and carry
  the part in ``country_detail``; shares add them up.
* The ``Total`` row is the world total (``WLD``); the country rows add up to it (checked within
  :data:`TOTAL_TOLERANCE`; a larger gap warns, or raises
  :class:`~critmin.errors.ConsistencyError` with ``strict=True``).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import ConsistencyError, DataError
from critmin.schema import conform, empty
from critmin.sources._io import open_workbook, workbook_errors
from critmin.sources.editions import edition_date

__all__ = ["read_wmd", "parse_wmd", "BLOCKS", "SOURCE", "EDITION", "TOTAL_TOLERANCE"]

SOURCE, EDITION = "wmd", "WMD-1984-2017"
TOTAL_TOLERANCE = 0.005
"""Relative gap allowed between the country rows and the ``Total`` row (WMD sums exactly; rounding
of a few tonnes is allowed)."""

BLOCKS: dict[str, tuple[str, str, str, str] | None] = {
    # header label: (catalogue id, stage, product, basis); None = not in the catalogue, skipped
    "Iron Ore (Fe)": ("iron-ore", "mine", "iron content", "contained"),
    "Chromium (Cr2O3)": ("chromium", "mine", "Cr2O3 content", "oxide"),
    "Cobalt": ("cobalt", "mine", "cobalt content", "contained"),
    "Manganese": ("manganese", "mine", "manganese content", "contained"),
    "Molybdenum": ("molybdenum", "mine", "molybdenum content", "contained"),
    "Nickel": ("nickel", "mine", "nickel content", "contained"),
    "Niobium (Nb2O5)": ("niobium", "mine", "Nb2O5 content", "oxide"),
    "Tantalum (Ta2O5)": ("tantalum", "mine", "Ta2O5 content", "oxide"),
    "Titanium (TiO2)": ("titanium-mineral-concentrates", "mine", "TiO2 content", "oxide"),
    "Tungsten (W)": ("tungsten", "mine", "tungsten content", "contained"),
    "Vanadium (V2O5)": ("vanadium", "mine", "V2O5 content", "oxide"),
    "Aluminium (primary)": ("aluminum", "smelter", "primary aluminum", "gross"),
    "Antimony": ("antimony", "mine", "antimony content", "contained"),
    "Arsenic (As2O3)": ("arsenic", "plant", "arsenic trioxide", "oxide"),
    "Bauxite (crude ore)": ("bauxite-and-alumina", "mine", "bauxite (crude ore)", "gross"),
    "Beryllium (conc.)": ("beryllium", "mine", "beryl concentrate", "gross"),
    "Bismuth": ("bismuth", "mine", "bismuth content", "contained"),
    "Cadmium": ("cadmium", "refinery", "refined cadmium", "contained"),
    "Copper": ("copper", "mine", "copper content", "contained"),
    "Gallium": ("gallium", "refinery", "primary low-purity gallium", "contained"),
    "Germanium": ("germanium", "refinery", "refined germanium", "contained"),
    "Indium": ("indium", "refinery", "refined indium", "contained"),
    "Lead": ("lead", "mine", "lead content", "contained"),
    "Lithium (Li2O)": ("lithium", "mine", "Li2O content", "oxide"),
    "Mercury": ("mercury", "mine", "mercury content", "contained"),
    "Rare Earths (REO)": ("rare-earths", "mine", "rare-earth-oxide equivalent", "REO"),
    "Rhenium": ("rhenium", "mine", "rhenium content", "contained"),
    "Selenium": ("selenium", "refinery", "refined selenium", "contained"),
    "Tellurium": ("tellurium", "refinery", "refined tellurium", "contained"),
    "Tin": ("tin", "mine", "tin content", "contained"),
    "Zinc": ("zinc", "mine", "zinc content", "contained"),
    "Gold": ("gold", "mine", "gold content", "contained"),
    "Palladium": ("platinum-group-metals", "mine", "palladium", "contained"),
    "Platinum": ("platinum-group-metals", "mine", "platinum", "contained"),
    "Rhodium": ("platinum-group-metals", "mine", "rhodium", "contained"),
    "Silver": ("silver", "mine", "silver content", "contained"),
    "Asbestos": ("asbestos", "mine", "asbestos", "gross"),
    "Baryte": ("barite", "mine", "barite", "gross"),
    "Bentonite": ("clays", "mine", "bentonite", "gross"),
    "Boron": ("boron", "mine", "boron minerals", "gross"),
    "Diamonds (Gem)": ("gemstones", "mine", "gem diamond", "gross"),
    "Diamonds (Industrial)": ("diamond-industrial", "mine", "natural industrial diamond", "gross"),
    "Diatomite": ("diatomite", "mine", "diatomite", "gross"),
    "Feldspar": ("feldspar", "mine", "feldspar", "gross"),
    "Fluorspar": ("fluorspar", "mine", "fluorspar", "gross"),
    "Graphite": ("graphite", "mine", "natural graphite", "gross"),
    "Gypsum and Anhydrite": ("gypsum", "mine", "gypsum and anhydrite", "gross"),
    "Kaolin": ("clays", "mine", "kaolin", "gross"),
    "Magnesite": ("magnesium-compounds", "mine", "magnesite", "gross"),
    "Perlite": ("perlite", "mine", "perlite", "gross"),
    "Phosphates (P2O5)": ("phosphate-rock", "mine", "P2O5 content", "oxide"),
    "Potash (K2O)": ("potash", "mine", "K2O equivalent", "K2O"),
    "Salt": ("salt", "mine", "salt", "gross"),
    "Sulfur": ("sulfur", "plant", "sulfur content, all forms", "contained"),
    "Talc": ("talc", "mine", "talc and pyrophyllite", "gross"),
    "Vermiculite": ("vermiculite", "mine", "vermiculite", "gross"),
    "Zircon": ("zirconium-and-hafnium", "mine", "zircon", "gross"),
    "Steam Coal": None,
    "Coking Coal": None,
    "Lignite": None,
    "Natural Gas": None,
    "Petroleum": None,
    "Oil Sands (part of petroleum)": None,
    "Oil Shales": None,
    "Uranium (U3O8)": None,
}
"""WMD block label -> (catalogue id, stage, product, basis), or None for blocks critmin does not cover.
Products equal the catalogue's headline product where the basis is the same (``rare-earth-oxide
equivalent``, ``cobalt content``, ``tungsten content``), so WMD years chain with USGS years in a trend;
other bases keep their own label (``Li2O content``, ``Cr2O3 content``)."""

_UNITS = {"metr. tons": ("t", 1.0), "kg": ("kg", 1e-3), "ct.": ("carats", None)}


def _col(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def read_wmd(path: str | Path, *, strict: bool = False) -> dict[str, pd.DataFrame]:
    """Read World Mining Data table 6.4 (the merged 1984–2017 sheet).

    Parameters
    ----------
    path : str or Path
        ``wmd_6.4._total_1984-2017.xlsx``.
    strict : bool
        Raise :class:`~critmin.errors.ConsistencyError` instead of warning when a block's countries
        do not add up to its ``Total`` row within :data:`TOTAL_TOLERANCE`.

    Returns
    -------
    dict of str to DataFrame
        ``production``: one row per block, country (and part) and year with a figure; ``quantity_t``
        [t] (kg converted; NaN for carats), ``value``/``unit`` as published; ``WLD`` for ``Total``.

    Raises
    ------
    DataError
        When the sheet has no block header, a block's layout is broken, a block label or a country is
        unknown, or a cell is not a number; the error names the sheet, row and column.

    See Also
    --------
    parse_wmd : the same from a buffer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_wmd(p.read_bytes(), name=p.name, strict=strict)


def parse_wmd(buf: bytes | io.IOBase, name: str = "wmd.xlsx", *,
              strict: bool = False) -> dict[str, pd.DataFrame]:
    """Parse World Mining Data table 6.4 from a buffer (see :func:`read_wmd`).

    Parameters
    ----------
    buf : bytes or binary file object
        The workbook's bytes.
    name : str
        The file name recorded in ``file`` and in errors.
    strict : bool
        See :func:`read_wmd`.
    """
    wb = open_workbook(buf, name)
    try:
        with workbook_errors(name, ".xlsx workbook"):
            if not wb.worksheets:
                raise DataError("the workbook has no sheet", file=name)
            ws = wb.worksheets[0]
            where = f"{name} [{ws.title}]"
            grid = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return {"production": conform(_parse_grid(grid, where, name, strict), "production", file=name)}


def _is_header(row: list[Any]) -> bool:
    return len(row) > 1 and isinstance(row[1], str) and row[1].strip().casefold() == "unit"


def _text(v: Any) -> str:
    return "" if v is None else re.sub(r"\s+", " ", str(v).replace("\u00a0", " ")).strip()


def _parse_grid(grid: list[list[Any]], where: str, name: str, strict: bool) -> pd.DataFrame:
    """The block walk on a sheet given as a list of rows (values only)."""
    headers = [i for i, r in enumerate(grid) if _is_header(r)]
    if not headers:
        raise DataError("no block header row (commodity, 'Unit', years) on the sheet", file=where)
    years_ref: list[tuple[int, int]] | None = None
    out: list[dict[str, Any]] = []
    for bi, h in enumerate(headers):
        head = grid[h]
        label = _text(head[0])
        years = []
        for c, v in enumerate(head[2:], start=2):
            if isinstance(v, (int, float)) and float(v).is_integer() and 1900 <= v <= 2100:
                years.append((c, int(v)))
            elif v is not None:
                raise DataError("expected a year in the block header", file=where, row=h + 1,
                                column=_col(c + 1), value=v)
        if years_ref is None:
            years_ref = years
        elif years != years_ref:
            raise DataError(f"block {label!r} has the years {[y for _, y in years]}, the first block "
                            f"{[y for _, y in years_ref]}", file=where, row=h + 1)
        if label not in BLOCKS:
            raise DataError(f"unknown commodity block {label!r}; add it to critmin.sources.wmd.BLOCKS",
                            file=where, row=h + 1, column="A", value=label)
        end = headers[bi + 1] if bi + 1 < len(headers) else len(grid)
        total_at = None
        for i in range(h + 1, end):
            row = grid[i]
            if all(v is None for v in row):
                continue
            if total_at is not None:
                raise DataError(f"a row after the Total row of block {label!r}; expected empty rows "
                                "up to the next block header", file=where, row=i + 1, column="A",
                                value=row[0])
            if _text(row[0]).casefold() == "total":
                total_at = i
        if total_at is None:
            raise DataError(f"block {label!r} has no Total row before the next block header",
                            file=where, row=end, column="A")
        spec = BLOCKS[label]
        if spec is None:
            continue
        commodity, stage, product, basis = spec
        rows = []
        for i in range(h + 1, total_at + 1):
            row = grid[i]
            if all(v is None for v in row):
                continue
            raw = _text(row[0])
            if not raw:
                raise DataError("values without a country name", file=where, row=i + 1, column="A")
            unit_raw = _text(row[1]) if len(row) > 1 else ""
            if unit_raw not in _UNITS:
                raise DataError(f"unknown unit {unit_raw!r}; expected one of {sorted(_UNITS)}",
                                file=where, row=i + 1, column="B", value=row[1])
            unit, factor = _UNITS[unit_raw]
            try:
                country = resolve("World total" if i == total_at else raw)
            except UnknownCountryError as err:
                raise DataError(f"unknown country ({err})", file=where, row=i + 1, column="A",
                                value=raw) from err
            for c, year in years:
                v = row[c] if c < len(row) else None
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise DataError(f"expected a number for {raw} {year}", file=where, row=i + 1,
                                    column=_col(c + 1), value=v)
                value = float(v)
                rows.append({
                    "commodity": commodity, "stage": stage, "measure": "production",
                    "product": product, "country": country.code, "country_kind": country.kind,
                    "country_raw": raw, "country_detail": country.detail, "year": year,
                    "quantity_t": value * factor if factor is not None else math.nan,
                    "value": value, "unit": unit, "missing": None, "qualifier": None,
                    "basis": basis, "estimated": False, "notes": f"WMD table 6.4, {label}",
                    "source": SOURCE, "edition": EDITION, "edition_date": edition_date(EDITION),
                    "file": name, "row": i + 1,
                })
        _check_total(rows, where, label, strict)
        out.extend(rows)
    return pd.DataFrame(out) if out else empty("production")


def _check_total(rows: list[dict[str, Any]], where: str, label: str, strict: bool) -> None:
    if not rows:
        return
    df = pd.DataFrame(rows)
    for year, d in df.groupby("year"):
        tot = d.loc[d["country"] == "WLD", "value"]
        if tot.empty:
            continue
        total = float(tot.sum())
        parts = float(d.loc[d["country"] != "WLD", "value"].sum())
        if total > 0 and abs(parts - total) > max(TOTAL_TOLERANCE * total, 2.0):
            msg = (f"{where}: block {label!r}, {year}: the countries add up to {parts:,.0f} but the "
                   f"Total row is {total:,.0f}")
            if strict:
                raise ConsistencyError(msg)
            warnings.warn(msg, stacklevel=4)
