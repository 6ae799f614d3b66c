"""USGS MCS 2026: the single long file (world, U.S. salient statistics and import sources).

File ``usgs_mcs/mcs2026/MCS2026_Commodities_Data.csv`` (Windows-1252), one value per row: columns
``MCS chapter``, ``Section``, ``Commodity``, ``Country``, ``Statistics``, ``Statistics_detail``,
``Unit``, ``Year``, ``Value``, ``Notes`` (and ``Is critical mineral 2025``, ``Other notes``). One
read gives every table (:func:`read` / :func:`parse`: the file is decoded and split into CSV records
once, then the world rows and the salient and import rows are read from the same records):

* sections starting with "World" -> ``production`` (``Statistics`` production or capacity) and
  ``reserves``, as the per-commodity world files (:func:`parse_world_sections`;
  :func:`critmin.sources.usgs_mcs.read_mcs2026_world` reads them from a path);
* "Salient Statistics—United States" -> ``salient`` (``detail`` is ``Statistics_detail``),
  ``prices`` and ``consumption``; "Import Sources" -> ``import_sources`` (shares as fractions)
  (:func:`read_mcs2026_salient` / :func:`parse_mcs2026_salient`).

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **Encoding.** Windows-1252 (``—``, ``’``, ``½`` are single bytes), not UTF-8 as the other editions.
* **World sections.** Detail text carries sub-products ("Mine production: Palladium"), units in
  parentheses ("Reserves (million metric tons): Crude ore") and per-country qualifiers ("Mine
  production: crude"): MCS 2026 moved "Brazil (beneficiated)" to ``Statistics_detail`` ("Mine
  production: beneficiated"), so a qualifier there that names no sub-product becomes
  ``country_detail``; ": rounded" of world totals becomes ``country_detail`` "rounded" and is also
  added to ``notes``. The ``Commodity`` column (not the chapter) picks the catalogue id, so that the
  rare gases in the HELIUM AND RARE GASES chapter are ``rare-gases``. ``Other notes`` (chapter-wide
  text) is not copied. Notes starting "Estimated." mark estimates. ``s`` in the value cell points to
  the notes, and two ranges ("330 - 390" [Mt] of iron slag) are read as lower bounds (see
  :mod:`._cells`). Vanadium reserves are in thousand metric tons although ``Unit`` says metric tons
  (:data:`UNIT_FIXES`).
* **Salient sections.** Values are text with thousands separators; notes ``Estimated.`` mark
  estimates; the value ``s`` means "see the note" and ``?1``/``?10`` are ``−1``/``−10`` (see
  :mod:`._cells`). Some chapters hold several series under one label (bauxite/alumina, bort/stones,
  titanium sponge/pigment, quartz): the ``Commodity`` column is then prefixed to ``detail``; the mica
  chapter repeats its whole block (scrap and flake, then sheet) under identical labels: the second
  occurrence gets ``" [2]"``. Identical repeated rows raise.
* **Prices.** The product is the item named after the unit ("...dollars per kilogram: Neodymium
  oxide, 99.5% minimum" -> "neodymium oxide"), so that the rare-earth oxide series line up with the
  wide files; the same product name for two series of a commodity becomes the full item text, then
  gets the unit appended (soda ash in $/t and $/short ton). Dy and Tb oxide prices sit in the "RARE
  EARTHS (Heavy)" chapter (catalogue id ``rare-earths-heavy``).
* **Import sources.** Shares are percent -> fractions; ``2021–24`` -> ``"2021-2024"``; partners
  resolved by :func:`critmin.countries.resolve` (``Other countries`` -> OTH, ``China, Germany, and
  Russia`` -> a ``+`` group).

Layout detection (:func:`can_read`): the header has ``MCS chapter`` and ``Section`` (or
``Statistics``).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from critmin import commodities, countries, units
from critmin import commodities as _cat
from critmin.countries import Country
from critmin.errors import DataError, UnknownCommodityError
from critmin.schema import empty
from critmin.sources.editions import edition_date, mcs_edition
from critmin.sources.usgs_mcs._cells import (
    _EXPECTED,
    parse_cell,
    parse_salient_cell,
    parse_salient_cell_2026,
)
from critmin.sources.usgs_mcs._classify import _PRODUCT_RE, _classify
from critmin.sources.usgs_mcs._records import (
    SOURCE,
    _commodity,
    _commodity_id,
    _country,
    _Ctx,
    _finish,
    _frame,
    _join,
    _record,
    _unit_from_text,
)
from critmin.sources.usgs_mcs._text import (
    _blank,
    _blank_cell,
    _decode,
    _decode_salient,
    _rows,
    _rows_from_csv,
)

__all__ = [
    "LAYOUT",
    "UNIT_FIXES",
    "can_read",
    "parse",
    "read",
    "parse_world_sections",
    "parse_mcs2026_salient",
    "read_mcs2026_salient",
    "countries_known",
]

LAYOUT = "long_2026"
"""Layout id (``read_usgs_mcs(path, layout=LAYOUT)``)."""

UNIT_FIXES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("MCS2026", "vanadium", "reserves"): (
        "t", "kt",
        "Unit says metric tons but reserves are thousand metric tons: 21,000 vs MCS2024 19,000 kt "
        "and MCS2025 18,000 ('Reserve data is thousand metric tons')",
    ),
}
"""(edition, commodity, table) -> (unit as published, unit used, evidence): ``Unit`` slips of the
MCS 2026 world sections, corrected explicitly. The correction applies only while the published unit
is the one listed, and every corrected row says so in ``notes``."""

_MCS2026_COLUMNS = ("MCS chapter", "Section", "Commodity", "Country", "Statistics",
                    "Statistics_detail", "Unit", "Year", "Value", "Notes")

# ---------------------------------------------------------------------------------------------
# World sections
# ---------------------------------------------------------------------------------------------

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


def _parse_world(rows: list[tuple[int, list[str]]], name: str) -> dict[str, pd.DataFrame]:
    """The ``production`` and ``reserves`` rows of the world sections."""
    _, header = rows[0]
    header = [h.replace("\ufeff", "").strip() for h in header]
    for col in _MCS2026_COLUMNS:
        if col not in header:
            raise DataError(f"missing column {col!r}; expected the MCS 2026 long layout "
                            f"({', '.join(_MCS2026_COLUMNS)})", file=name, row=1, column=col)
    ix = {h: i for i, h in enumerate(header)}
    edition = mcs_edition(name) or "MCS2026"
    ctx = _Ctx(name, edition, edition_date(edition), UNIT_FIXES)
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


def parse_world_sections(text: str, name: str) -> dict[str, pd.DataFrame]:
    """Parse the world sections of the decoded MCS 2026 long file (the other sections are skipped).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    return _parse_world(_rows(text, name), name)


# ---------------------------------------------------------------------------------------------
# Salient and import-source sections
# ---------------------------------------------------------------------------------------------

_YEAR = r"(?:19|20)\d\d"
_SALIENT_SECTION = "Salient Statistics—United States"
_IMPORT_SECTION = "Import Sources"
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
    text = _decode_salient(buf, fname)
    rows = _rows_from_csv(text, fname)
    return _parse_salient(rows, fname)


def _parse_salient(rows: list[tuple[int, list[str]]], fname: str) -> dict[str, pd.DataFrame]:
    """The ``salient``, ``prices``, ``consumption`` and ``import_sources`` rows of the salient and
    import-source sections."""
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
        if all(_blank_cell(c) for c in r):
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
            c = parse_salient_cell(value_txt, "%", file=fname, row=ln, column="Value")
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
        c = parse_salient_cell_2026(value_txt, unit or None, notes, file=fname, row=ln)
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


# ---------------------------------------------------------------------------------------------
# The whole file
# ---------------------------------------------------------------------------------------------


def can_read(header: tuple[str, ...] | None, name: str) -> bool:
    """True for a CSV header (casefolded cells) with ``MCS chapter`` and ``Section`` or
    ``Statistics``."""
    return header is not None and "mcs chapter" in header and (
        "section" in header or "statistics" in header)


def parse(text: str, name: str) -> dict[str, pd.DataFrame]:
    """Parse the decoded text of ``MCS2026_Commodities_Data.csv``: every section, in one pass.

    Parameters
    ----------
    text : str
        The decoded file.
    name : str
        The file name, for errors and the ``file`` column.

    Returns
    -------
    dict of str to DataFrame
        ``production``, ``reserves`` (``quantity_t`` [t], ``value`` [``unit``]), ``salient``,
        ``prices``, ``consumption`` and ``import_sources`` (``share`` [fraction]).

    Raises
    ------
    DataError
        For a missing column, an unknown commodity, unit or country, an unreadable value, a
        duplicate key or a repeated identical row, naming file, row and column (the world sections
        are checked first).
    """
    fname = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    rows = _rows(text, fname)
    return {**_parse_world(rows, name), **_parse_salient(rows, fname)}


def read(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read ``MCS2026_Commodities_Data.csv``: every section (see :func:`parse`)."""
    p = Path(path)
    return parse(_decode(p.read_bytes(), p.name), p.name)
