"""BGS World Mineral Statistics, 1970–2021, as a long file (``df_ukgs.csv.gz``, a scrape of BGS's result
tables; docs/data.md §12).

:func:`read_bgs` returns the canonical ``production`` table (:mod:`critmin.schema`) for the BGS commodities
that critmin's catalogue knows (:data:`COMMODITIES`); :func:`parse_bgs` does the same from a buffer
(gzipped or plain bytes, or text). Source id ``bgs-wms``, edition ``BGS-WMS``. ``file`` is the file name,
``row`` the 1-based line in the (decompressed) file, the header being line 1.

Notes
-----
Quirks of the source handled on purpose (each has a test in ``tests/test_history_sources.py``):

* Gzipped, ``;``-separated, header ``Country;commodity_code;commodity_desc;Sub-commodity;year;value``;
  a plain (not gzipped) file is read too. Quantities are tonnes (the code list ``ukgs_aux.json`` says
  ``tonnes`` for every commodity used here).
* A blank ``value`` is "no value" in BGS's table (BGS leaves a cell empty where it has no figure, e.g.
  India's rare-earth oxides 2010): the row is kept with ``missing="blank"`` and NaN, never 0. A
  published 0 stays 0.
* ``commodity_code`` selects the commodity and stage (:data:`COMMODITIES`): 736 rare earth oxides (REO)
  and 119 rare earth minerals (gross weight of the minerals) are kept apart as two products; 36 cobalt
  mine and 37 cobalt refined are two stages. Codes outside the catalogue (natural gas, petroleum,
  uranium) are skipped; an unknown code raises, so a new commodity is never dropped silently.
* ``Sub-commodity`` (blank for most rows) names a mineral or form ("Monazite", "Spodumene",
  "Lithium minerals (Li content)"): it goes to ``country_detail``. Lithium rows that state lithium
  content ("(Li content)", "(Carbonate -Li content)") are product ``lithium content`` (basis
  ``contained``); the others are gross weight of minerals and compounds (``lithium minerals``).
* Country names in BGS's spelling mapped with :mod:`critmin.countries`; historical entities kept as such
  ("Soviet Union" ``SUN``, "Yugoslavia" ``YUG``, "Czechoslovakia" ``CSK``, "German Democratic Rep"
  ``DDR``, "Yemen (PDR)" ``YMD``); renamed states to today's code ("Zaire" and "Congo, Democratic
  Republic" ``COD`` -- not the Republic of the Congo -- "Rhodesia" ``ZWE``, "New Hebrides" ``VUT``).
* No world total and no estimate flags (the scrape dropped BGS's footnote columns): ``estimated`` is
  False, shares are of the country sum.
* One figure per country, commodity, sub-commodity and year; a repeated line raises. BGS lists some
  countries under their old and new names in every year, the name that does not apply left blank
  ("German Federal Republic" and "Germany" for 1982–1991, "Rhodesia" and "Zimbabwe"): the blank twin
  is dropped; two figures for one country and year raise.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.schema import conform, empty
from critmin.sources._io import as_text_buffer, csv_records, gunzip
from critmin.sources.editions import edition_date

__all__ = ["read_bgs", "parse_bgs", "COMMODITIES", "SOURCE", "EDITION"]

SOURCE, EDITION = "bgs-wms", "BGS-WMS"

COMMODITIES: dict[str, tuple[str, str, str, str] | None] = {
    # BGS commodity_code: (catalogue id, stage, product, basis); None = not in the catalogue
    "3": ("aluminum", "smelter", "primary aluminum", "gross"),
    "30": ("chromium", "mine", "chromium ores and concentrates", "gross"),
    "36": ("cobalt", "mine", "cobalt content", "contained"),
    "37": ("cobalt", "refinery", "refined cobalt", "contained"),
    "40": ("copper", "mine", "copper content", "contained"),
    "41": ("copper", "smelter", "copper smelter production", "contained"),
    "42": ("copper", "refinery", "copper content", "contained"),
    "62": ("graphite", "mine", "natural graphite", "gross"),
    "73": ("iron-and-steel", "plant", "raw steel", "gross"),
    "84": ("lithium", "mine", "lithium minerals", "gross"),
    "90": ("manganese", "mine", "manganese ore", "gross"),
    "99": ("molybdenum", "mine", "molybdenum content", "contained"),
    "102": ("nickel", "mine", "nickel content", "contained"),
    "103": ("nickel", "refinery", "nickel smelter/refinery production", "contained"),
    "119": ("rare-earths", "mine", "rare-earth minerals", "gross"),
    "153": ("zinc", "mine", "zinc content", "contained"),
    "154": ("zinc", "refinery", "slab zinc", "contained"),
    "736": ("rare-earths", "mine", "rare-earth-oxide equivalent", "REO"),
    "107": None,  # natural gas
    "109": None,  # petroleum crude
    "169": None,  # uranium
}
"""BGS commodity code -> (catalogue id, stage, product, basis), or None when critmin does not cover it."""

_COLUMNS = ["Country", "commodity_code", "commodity_desc", "Sub-commodity", "year", "value"]

MAX_TEXT_BYTES = 32_000_000
"""Largest decompressed text accepted [bytes] (the real file expands to 1.6 MB, read with some 110
times that in memory): a gzip file that expands beyond it is refused before it fills the memory."""

_NUMBER = re.compile(r"^(?:\d[\d,]*(?:\.\d+)?|\.\d+)$")
"""A BGS value: digits with optional thousands separators and decimals (no sign, exponent, inf or
nan: production is never negative and the file writes plain numbers)."""


def read_bgs(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the BGS World Mineral Statistics long file.

    Parameters
    ----------
    path : str or Path
        ``df_ukgs.csv.gz`` (or the same CSV uncompressed).

    Returns
    -------
    dict of str to DataFrame
        ``production``: one row per country (and sub-commodity) and year; ``quantity_t`` [t]; blank
        values kept with ``missing="blank"``.

    Raises
    ------
    DataError
        When a column is missing, a code or country is unknown, a value or year is not a number, or a
        key repeats; the error names the file, line and column.

    See Also
    --------
    parse_bgs : the same from a buffer.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_bgs(p.read_bytes(), name=p.name)


def parse_bgs(buf: str | bytes | io.IOBase, name: str = "df_ukgs.csv.gz") -> dict[str, pd.DataFrame]:
    """Parse the BGS long file from a buffer (see :func:`read_bgs`).

    Parameters
    ----------
    buf : str, bytes or file object
        The file's content, gzipped or not.
    name : str
        The file name recorded in ``file`` and in errors.
    """
    if not isinstance(buf, str):
        data = buf if isinstance(buf, (bytes, bytearray)) else buf.read()
        if bytes(data[:2]) == b"\x1f\x8b":
            data = gunzip(bytes(data), name, MAX_TEXT_BYTES)
        buf = data
    text = as_text_buffer(buf, name)
    recs = csv_records(text, name, delimiter=";")
    header = [h.strip() for h in recs[0][1]] if recs else []
    lacking = [c for c in _COLUMNS if c not in header]
    if lacking:
        raise DataError(f"missing column(s) {lacking}; expected the header {';'.join(_COLUMNS)}",
                        file=name, row=1)
    ix = {c: header.index(c) for c in _COLUMNS}
    df = pd.DataFrame([[rec[ix[c]] for c in _COLUMNS] + [line] for line, rec in recs[1:]],
                      columns=[*_COLUMNS, "line"], dtype=object)
    out = []
    seen: dict[tuple, int] = {}
    countries: dict[str, object] = {}
    for r in df.itertuples(index=False):
        code = r.commodity_code.strip()
        if code not in COMMODITIES:
            raise DataError(f"unknown BGS commodity code {code!r} ({r.commodity_desc}); add it to "
                            "critmin.sources.bgs.COMMODITIES", file=name, row=r.line,
                            column="commodity_code", value=code)
        spec = COMMODITIES[code]
        if spec is None:
            continue
        commodity, stage, product, basis = spec
        sub = r._3.strip()  # Sub-commodity
        if commodity == "lithium" and "li content" in sub.casefold():
            product, basis = "lithium content", "contained"
        if not re.fullmatch(r"\s*\d{4}\s*", r.year):
            raise DataError("expected a four-digit year", file=name, row=r.line, column="year",
                            value=r.year)
        year = int(r.year)
        raw_v = r.value.strip()
        if raw_v == "":
            value, missing = math.nan, "blank"
        else:
            if not _NUMBER.match(raw_v):
                raise DataError("expected a number or a blank", file=name, row=r.line,
                                column="value", value=r.value)
            value, missing = float(raw_v.replace(",", "")), None
        raw_c = r.Country.strip()
        if raw_c not in countries:
            try:
                countries[raw_c] = resolve(raw_c)
            except UnknownCountryError as err:
                raise DataError(f"unknown country ({err})", file=name, row=r.line,
                                column="Country", value=raw_c) from err
        country = countries[raw_c]
        key = (raw_c, code, sub, year)
        if key in seen:
            raise DataError(f"repeats line {seen[key]} (country, commodity, sub-commodity, year)",
                            file=name, row=r.line)
        seen[key] = r.line
        detail = "; ".join(x for x in (country.detail, sub) if x)
        out.append({
            "commodity": commodity, "stage": stage, "measure": "production", "product": product,
            "country": country.code, "country_kind": country.kind, "country_raw": raw_c,
            "country_detail": detail, "year": year, "quantity_t": value, "value": value,
            "unit": "t", "missing": missing, "qualifier": None, "basis": basis,
            "estimated": False, "notes": f"BGS WMS, {r.commodity_desc}" + (f", {sub}" if sub else ""),
            "source": SOURCE, "edition": EDITION, "edition_date": edition_date(EDITION),
            "file": name, "row": r.line,
        })
    frame = pd.DataFrame(out) if out else empty("production")
    if len(frame):
        frame = _drop_blank_twins(frame, name)
    return {"production": conform(frame, "production", file=name)}


def _drop_blank_twins(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """BGS lists a country under its old and its new name ("German Federal Republic" and "Germany",
    "Rhodesia" and "Zimbabwe") with the name that does not apply left blank: when two names map to
    one code, year and product, the blank row is dropped; two figures for one key raise."""
    key = ["commodity", "stage", "product", "country", "country_detail", "year"]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    twins = frame[dup]
    valued = twins[twins["missing"].isna()]
    clash = valued[valued.duplicated(key, keep=False)]
    if len(clash):
        r = clash.iloc[0]
        raise DataError(f"two figures for {r['country']} {r['commodity']} {r['year']} under two names "
                        f"({', '.join(sorted(set(clash['country_raw'])))})", file=name,
                        row=int(r["row"]))
    # per key: keep the valued row, or the first blank when all are blank
    keep = twins.sort_values(["missing", "row"], na_position="first").drop_duplicates(key)
    return pd.concat([frame[~dup], keep]).sort_values("row").reset_index(drop=True)
