"""USGS MCS 2025: the single world production/reserves file for all commodities.

File ``usgs_mcs/mcs2025/MCS2025_World_Data.csv``, columns ``SOURCE``, ``COMMODITY``, ``COUNTRY``,
``TYPE``, ``UNIT_MEAS``, ``PROD_2023``, ``PROD_EST_ 2024``, ``CAP_...``, ``RESERVES_2024`` and three
notes columns (``PROD_NOTES``, ``CAP_NOTES``, ``RESERVE_NOTES``). The commodity comes from the
``COMMODITY`` column (:func:`critmin.commodities.get`), the unit from ``UNIT_MEAS``. Output: the
canonical ``production`` and ``reserves`` tables (see :mod:`critmin.sources.usgs_mcs`).

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Values shifted into the notes columns.** Where a value cell is blank, the token sits in
  ``PROD_NOTES``/``CAP_NOTES``/``RESERVE_NOTES`` ("NA", "XX", "W for 23-24", "na for 2023", "Large",
  "Less than 1/2 unit", e.g. Burma rare-earth reserves "NA" in ``RESERVE_NOTES``); such a note is
  applied to the blank cells of its group (and to the years it names), never to published numbers.
* **Headers and names.** The ``PROD_EST_ 2024`` and ``CAP_EST_ 2024`` headers carry a space; names
  carry trailing spaces ("Canada ", "Tungsten "); the file starts with a UTF-8 byte-order mark.
* **Commodities.** Germanium is spelled "Gemanium" and all its cells are blank (kept as
  ``missing="blank"``); talc is split over "Talc and Pyrophyllite" and "Talc, crude"; potash reserves
  of recoverable ore are on separate "Reserves, recoverable ore" rows; clinker capacity (cement) sits
  in the production columns and is read as capacity from its TYPE.
* **Estimates.** ``EST`` in a column name, an ``e`` glued to a country name, "estimated" in a TYPE or
  in notes ("estimated 2023").
* **Units.** ``UNIT_MEAS`` is blank on a few rows (the unit of the other rows of that commodity is
  used) and is wrong for two commodities (:data:`UNIT_FIXES`). A unit stated in a note applies to
  the commodity's whole column: molybdenum and vanadium reserves "(Reserve data is thousand metric
  tons)" (stated on a few rows), iron-ore reserves "Crude Ore, million metric tons". Values the
  source itself got wrong are kept as published (kaolin world 2024e 4,400 kt after 44,400 for 2023).
* **World totals.** Every commodity with rows other than reserves has a World total row (the talc
  split counts as one commodity); a commodity without one raises (a file cut short, or a lost row:
  rows of a block without production figures are otherwise skipped silently), as does a year
  without one (:func:`critmin.sources.usgs_mcs._records._check_world_totals`).

Layout detection (:func:`can_read`): the header starts with ``SOURCE`` and has ``COMMODITY`` and
``COUNTRY`` columns.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from critmin import commodities as _cat
from critmin.errors import DataError
from critmin.sources._tokens import ParsedValue
from critmin.sources.editions import edition_date, mcs_edition
from critmin.sources.usgs_mcs._cells import _EXPECTED, parse_cell
from critmin.sources.usgs_mcs._classify import (
    _classify,
    _reserves_product,
    _skip_reserves,
    _text_measure,
)
from critmin.sources.usgs_mcs._records import (
    _NOTES_UNIT,
    NO_WORLD_TOTAL,
    _commodity,
    _country,
    _Ctx,
    _estimated_years,
    _finish,
    _is_est,
    _join,
    _record,
    _source_edition,
    _unit_from_text,
)
from critmin.sources.usgs_mcs._text import _blank, _decode, _rows

__all__ = ["LAYOUT", "UNIT_FIXES", "can_read", "parse", "read"]

LAYOUT = "world_2025"
"""Layout id (``read_usgs_mcs(path, layout=LAYOUT)``)."""

UNIT_FIXES: dict[tuple[str, str, str], tuple[str, str, str]] = {
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
}
"""(edition, commodity, table) -> (unit as published, unit used, evidence): ``UNIT_MEAS`` slips of
the MCS 2025 file, corrected explicitly. The correction applies only while the published unit is
the one listed, and every corrected row says so in ``notes``."""

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
    rows = _rows(text, name)
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

    edition = _source_edition(((ln, r[ix["SOURCE"]]) for ln, r in body), name, "SOURCE",
                              mcs_edition(name))
    if edition is None:
        raise DataError("cannot tell the MCS edition from SOURCE or the file name", file=name,
                        column="SOURCE")
    ctx = _Ctx(name, edition, edition_date(edition), UNIT_FIXES)

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
    blocks: dict[str, list[int]] = {}  # commodity -> lines of its rows that are not reserves-only
    totals: set[str] = set()
    for ln, r in body:
        com = coms[ln]
        cname = r[ix["COUNTRY"]]
        if not cname.strip():
            raise DataError("a row with values but no country; expected a country name",
                            file=name, row=ln, column="COUNTRY")
        country = _country(cname, ctx, ln, "COUNTRY")
        type_text = r[ix["TYPE"]].strip()
        if country.code == "WLD":
            totals.add(com.id)
        if not type_text.casefold().startswith("reserves"):
            blocks.setdefault(com.id, []).append(ln)
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
    for cid, lines in blocks.items():
        if cid not in totals and (edition, cid) not in NO_WORLD_TOTAL:
            raise DataError(f"no World total row for {cid} production (its {len(lines)} rows end at "
                            f"line {max(lines)}); every MCS world table has one: a file cut short "
                            "or a lost row?", file=name, row=max(lines), column="COUNTRY")
    return _finish(records, ctx, {"production": "COUNTRY", "reserves": "COUNTRY"})



def can_read(header: tuple[str, ...] | None, name: str) -> bool:
    """True for a CSV header (casefolded cells) that starts with ``SOURCE`` and has ``COMMODITY``
    and ``COUNTRY`` columns."""
    return (header is not None and header[:1] == ("source",) and "commodity" in header
            and "country" in header)


def parse(text: str, name: str) -> dict[str, pd.DataFrame]:
    """Parse the decoded text of ``MCS2025_World_Data.csv``.

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    return _parse_mcs2025(text, name)


def read(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read ``MCS2025_World_Data.csv`` (see :func:`parse`)."""
    p = Path(path)
    return parse(_decode(p.read_bytes(), p.name), p.name)
