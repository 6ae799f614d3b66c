"""OEC (Observatory of Economic Complexity) net-trade table of one HS product by country and year.

:func:`read_oec_net_trade` / :func:`parse_oec_net_trade` read the pipe-delimited table
``oec_hs2846_net_trade_by_country_1995-2022.csv`` (docs/data.md §5e; OEC product
"rare-earth-metal-compounds" = HS 2846, OEC data built on CEPII BACI) into the canonical ``trade`` table.

Representation: the table is not bilateral — each line gives one country's total exports to and
imports from the world in a year. It becomes two ``trade`` rows per line, ``reporter`` = the country,
``partner="WLD"``, ``flow`` ``export`` and ``import``, ``value_usd`` the trade value, ``quantity_kg``
missing (the table has no quantities). The third value, ``trade value delta`` (exports − imports), is
checked, not stored: it is derivable. Rows in ``trade`` rather than a table of their own so that the
same queries (a country's imports of 2846 by year) reach them; they are told apart by ``source="oec"``
and ``value_basis="fob"`` with the note "CEPII BACI via OEC".

Notes
-----
* **Pipe-delimited**, header ``iso 3|country id|country|trade value export|trade value import|trade
  value delta|year``; a comma-separated file raises (the header then is one column).
* **Codes.** ``iso 3`` is lower-case ISO3 (``chn``); ``country id`` prefixes it with the OEC continent
  (``aschn``, ``afzaf``; checked to end with the ISO3). The code is resolved with
  :func:`critmin.countries.resolve`; an unknown code raises. Two are not current ISO3 codes
  (:data:`OEC_CODES`): ``blx`` Belgium-Luxembourg 1995–1998 (the group ``BEL+LUX``; Belgium and
  Luxembourg appear separately from 1999 and 2006) and ``yug`` Yugoslavia 1998 (``YUG``).
* **Mirror data.** BACI reconciles what exporters and importers declare (values FOB, mirror flows
  filling gaps), so OEC's "imports of China" are not China's customs-reported imports (UN Comtrade,
  CIF): for 2020 OEC gives China USD 600,340,565 of imports, China reported 503,272,416. Use them as a second,
  independent measure; the ``source`` column keeps them apart.
* **Coverage.** Only countries with both exports and imports of the product in the year appear (43
  countries in 1995 to 81 in 2011/2015); a country absent in a year is not a zero.
* Values carry binary-float noise (``7945.999999999999``) and are kept as published.
* The HS code is taken from the file name (``hs2846``) or the ``hs_code`` argument.
* The repository (rodnm/proyect_powebi_rare-earth) built the table from OEC's yearly JSON files; it
  has no licence — attribute OEC.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from critmin.countries import Country, UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.sources._trade import csv_rows, finish, number, require_columns, text_of
from critmin.sources.editions import edition_date

__all__ = ["SOURCE", "EDITION", "OEC_CODES", "read_oec_net_trade", "parse_oec_net_trade"]

SOURCE = "oec"
"""Source id written to the ``source`` column."""

EDITION = "OEC-HS2846-2022"
"""Edition id of the bundled table (years 1995–2022)."""

OEC_CODES: dict[str, tuple[str, str]] = {
    "blx": ("BEL+LUX", "group"),  # Belgium-Luxembourg, reported together until 1998 (BACI)
    "yug": ("YUG", "country"),  # Yugoslavia (1998; ISO 3166-3 YUG, later SCG)
}
"""OEC codes that are not current ISO3 codes -> (critmin code, kind)."""

_COLS = ("iso 3", "country id", "country", "trade value export", "trade value import",
         "trade value delta", "year")


def read_oec_net_trade(path: str | Path, *, hs_code: str | None = None,
                       edition: str = EDITION) -> pd.DataFrame:
    """Read an OEC net-trade table (pipe-delimited).

    Parameters
    ----------
    path : str or Path
        ``oec_hs2846_net_trade_by_country_1995-2022.csv``.
    hs_code : str, optional
        The product's HS code; default from the file name (``hs2846``).
    edition : str
        Edition id (default :data:`EDITION`, dated in :data:`critmin.sources.editions.EDITION_DATES`).

    Returns
    -------
    DataFrame
        Table ``trade``: two rows per country and year (flow ``export`` and ``import``, partner
        ``WLD``), value_usd [USD], quantity_kg NaN (``missing="not_reported"``).

    Raises
    ------
    DataError
        When the file is not pipe-delimited, a column is missing, a code is unknown, a cell is not a
        number, the delta is not exports minus imports, or a country-year repeats; naming file, row
        and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_oec_net_trade(p.read_bytes(), p.name, hs_code=hs_code, edition=edition)


def parse_oec_net_trade(buf: str | bytes | io.IOBase, name: str, *, hs_code: str | None = None,
                        edition: str = EDITION) -> pd.DataFrame:
    """Parse an OEC net-trade table from a buffer (see :func:`read_oec_net_trade`).

    Parameters
    ----------
    buf : str, bytes or file object
        The pipe-delimited text.
    name : str
        The file name (recorded in ``file``; gives the HS code when ``hs_code`` is None).
    hs_code : str, optional
        The product's HS code.
    edition : str
        Edition id.
    """
    text = text_of(buf, name)
    if hs_code is None:
        m = re.search(r"hs[_-]?(\d{4,6})", name, re.IGNORECASE)
        if m is None:
            raise DataError("cannot tell the HS code from the file name (e.g. 'hs2846'); pass hs_code",
                            file=name)
        hs_code = m.group(1)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if "|" not in first:
        raise DataError("the header has no '|'; expected the pipe-delimited OEC table ("
                        + "|".join(_COLS) + ")", file=name, row=1, value=first[:80])
    header, rows = csv_rows(text, name, sep="|")
    cols = require_columns(header, _COLS, name, what="|".join(_COLS))
    try:
        ed_date = edition_date(edition)
    except KeyError:
        raise DataError(f"unknown edition {edition!r}: add its date to "
                        "critmin.sources.editions.EDITION_DATES", file=name) from None
    records = []
    for line, cells in rows:
        def cell(c: str, _cells: list[str] = cells) -> str:
            return _cells[cols[c]].strip()

        iso = cell("iso 3")
        if iso.casefold() in OEC_CODES:
            code, kind = OEC_CODES[iso.casefold()]
            c = Country(code, kind, raw=iso)
        else:
            try:
                c = resolve(iso.upper()) if re.fullmatch(r"[A-Za-z]{3}", iso) else None
            except UnknownCountryError:
                c = None
        if c is None or c.kind == "aggregate":
            raise DataError("unknown ISO3 code; expected a lower-case ISO 3166 alpha-3 code", file=name,
                            row=line, column="iso 3", value=iso)
        cid = cell("country id")
        if not cid.casefold().endswith(iso.casefold()):
            raise DataError(f"the OEC country id does not end with the ISO3 code {iso!r}", file=name,
                            row=line, column="country id", value=cid)
        year = cell("year")
        if not re.fullmatch(r"\d{4}", year):
            raise DataError("expected a year", file=name, row=line, column="year", value=year)
        exp = number(cell("trade value export"), file=name, row=line, column="trade value export",
                     blank_ok=False)
        imp = number(cell("trade value import"), file=name, row=line, column="trade value import",
                     blank_ok=False)
        delta = number(cell("trade value delta"), file=name, row=line, column="trade value delta",
                       blank_ok=False, negative_ok=True)
        if not math.isclose(exp - imp, delta, abs_tol=0.5):
            raise DataError(f"trade value delta is not export - import ({exp - imp:,.0f}); expected "
                            "the net trade of the same row", file=name, row=line,
                            column="trade value delta", value=cell("trade value delta"))
        for flow, val in (("export", exp), ("import", imp)):
            records.append({
                "reporter": c.code, "partner": "WLD", "partner_kind": "aggregate",
                "partner_raw": "World", "flow": flow, "hs_code": hs_code,
                "period": f"{year}-01-01", "freq": "A", "quantity_kg": math.nan, "value_usd": val,
                "value_basis": "fob", "missing": "not_reported",
                "notes": f"CEPII BACI via OEC; {cell('country')}", "source": SOURCE,
                "edition": edition, "edition_date": ed_date, "file": name, "row": line,
            })
    return finish(records, name, dup_column="iso 3")
