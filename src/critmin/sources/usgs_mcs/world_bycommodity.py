"""USGS MCS 2022, 2023 and 2024: one world production/reserves table per commodity.

Files ``usgs_mcs/mcsYYYY/world/mcsYYYY-<code>_world.csv``, columns ``Source,Country,Type,
Prod_<unit>_<year>,Prod_<unit>_est_<year>,Prod_notes,[Cap_...],Reserves_<unit>,Reserves_notes``. The
commodity comes from the file-name code (:func:`critmin.commodities.from_usgs_code`), the edition
from the ``Source`` cell (or the file name when that cell is blank), the unit from the column names.
Output: the canonical ``production`` and ``reserves`` tables (see :mod:`critmin.sources.usgs_mcs`).

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Units in column names.** ``Prod_t_2021``, ``Prod_kt_est_2022``, ``Reserves_Mt``,
  ``Reserves_mmt``, ``Reserves_mt`` (all million metric tons; the notes of those columns say so),
  ``mct`` million carats, ``kct`` thousand carats, ``mcm`` million cubic meters. The MCS 2024 files in
  ``shared/data`` are the v2.0 release whose revision file (2024-03-06) switched several files to kt
  and germanium/PGM to kg: the column-name units are trusted.
* **Qualified columns.** ``Prod_Sponge_t_Est_2022``, ``Cap_Pigment_t_2023`` (titanium),
  ``Reserves_ore_kt`` and ``Reserves_ore_K2O_equiv_kt`` (potash) put the product in the column name;
  ``Reserves_kt_2023`` puts the year there. Reserves columns without a year are reserves at the end of
  the year before the edition (MCS Y reports reserves for Y-1).
* **Estimates.** ``est``/``Est`` in a column name; an ``e`` glued to a country name ("Russiae");
  a leading ``e`` in a value ("e5,000"); the word "estimated" in a TYPE ("Mine production,
  estimated") or in notes ("Estimated in 2021 also.", "estimated 2023").
  MCS 2024 rare earths labels *both* production columns ``est`` (``Prod_t_est_2022,Prod_t_est_2023``):
  the header is followed, so 2022 is flagged estimated in that edition.
* **Layout slips.** MCS 2024 fluorspar has the TYPE text as the header of the third column; MCS 2024
  barite repeats the reserves in an unnamed ninth column (ignored when it equals ``Reserves_kt``);
  MCS 2024 vermiculite has numbers in ``Reserves_notes`` and text in an unnamed column (both kept as
  notes); MCS 2024 ``fepig``, ``garne``, ``zeoli`` have a blank ``Source`` (edition from the file
  name) and ``alumi`` says "MCS 2024"; a ``Source`` naming another edition than the file name (or the
  other rows) raises; trailing empty rows and columns are skipped;
  ``MCS2024-bismu_world.csv`` is upper case. A number in an unnamed column raises.
* **Unit slips.** MCS 2023 chromium ``Prod_t_*`` with "Units are thousand metric tons" in the notes
  (the stated unit wins); the others are in :data:`UNIT_FIXES`. Values the source itself got wrong
  are kept as published (MCS 2023 zinc reserves Australia 1,166,000 kt).
* **Reserves repeated on downstream rows** (MCS 2023/2024 copper refinery rows) and **iron ore
  reserves** on the "usable ore" rows: see :mod:`._classify`.

Layout detection (:func:`can_read`): the header starts with ``Source``, has no ``Commodity`` column
(which would make it the MCS 2025 single world file) and has a ``Country`` column or the file is
named ``*_world`` (so that a missing ``Country`` column is reported as such). MCS 2024 filed three
world tables as ``*_salient.csv`` (``cobal``, ``gypsu``, ``kyani``): those are claimed by
:mod:`.salient_wide` first, which skips them with a warning.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from critmin import commodities as _cat
from critmin.errors import DataError, UnknownCommodityError
from critmin.sources.editions import edition_date, mcs_edition
from critmin.sources.usgs_mcs._cells import _EXPECTED, parse_cell
from critmin.sources.usgs_mcs._classify import (
    _classify,
    _reserves_product,
    _skip_reserves,
    _text_measure,
)
from critmin.sources.usgs_mcs._records import (
    _country,
    _Ctx,
    _estimated_years,
    _finish,
    _is_est,
    _join,
    _record,
    _source_edition,
)
from critmin.sources.usgs_mcs._text import _blank, _decode, _rows

__all__ = ["LAYOUT", "UNIT_FIXES", "can_read", "parse", "read"]

LAYOUT = "world_bycommodity"
"""Layout id (``read_usgs_mcs(path, layout=LAYOUT)``)."""

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
}
"""(edition, commodity, table) -> (unit as published, unit used, evidence): unit slips of the
per-commodity files, corrected explicitly. The correction applies only while the published unit is
the one listed, and every corrected row says so in ``notes``."""

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
    rows = _rows(text, name)
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
    edition = _source_edition(((ln, r[0] if r else "") for ln, r in rows[1:]), name, header[0],
                              file_edition)
    if edition is None:
        raise DataError("cannot tell the MCS edition from the Source cells or the file name",
                        file=name, column="Source")
    ctx = _Ctx(name, edition, edition_date(edition), UNIT_FIXES)
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



_WORLD_NAME = re.compile(r"_world(?![a-z])")


def can_read(header: tuple[str, ...] | None, name: str) -> bool:
    """True for a CSV header (casefolded cells) that starts with ``Source``, has no ``Commodity``
    column, and has a ``Country`` column or belongs to a file named ``*_world``."""
    return (header is not None and header[:1] == ("source",) and "commodity" not in header
            and ("country" in header or bool(_WORLD_NAME.search(name.lower()))))


def parse(text: str, name: str) -> dict[str, pd.DataFrame]:
    """Parse the decoded text of one ``mcsYYYY-<code>_world.csv`` (``name`` gives the code).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    return _parse_percommodity(text, name)


def read(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read one ``mcsYYYY-<code>_world.csv`` file (see :func:`parse`)."""
    p = Path(path)
    return parse(_decode(p.read_bytes(), p.name), p.name)
