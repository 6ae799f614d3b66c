"""UN Comtrade bilateral edge table: annual imports by partner of many reporters (docs/data.md §5f).

:func:`read_comtrade_bilateral` / :func:`parse_comtrade_bilateral` read the edge table
``bilateral_edges_<year>_imports_<codes>.csv`` (``un_comtrade_bilateral_imports_2023/``): every row of
``data/processed/bilateral_edges.csv`` of ibtisamkhan96/crm-trade-network (commit ``b714a7b``) for HS
2504, 2805, 2846, 7502 and 8105, built upstream from the UN Comtrade public API (annual, HS, flow M,
``motCode=0``, ``customsCode=C00``, ``partner2Code=0``). 30 reporters (Japan, Korea, twelve EU members,
the USA, the UK, China, India, ...) with every partner; into the canonical ``trade`` table. Source id
``comtrade-bilateral``, edition ``COMTRADE-BILATERAL-2023``.

Columns: ``commodity,flow,reporter,partner,reporter_name,partner_name,is_world,partner_is_group,
partner_is_hub,reporter_is_hub,value_usd,net_kg``.

Notes
-----
Quirks of the source handled on purpose (each has a test):

* **No year column.** The year is in the file name (``bilateral_edges_2023_...``); a file whose name
  holds no year needs ``year=``. Periods are ``YYYY-01-01``, frequency ``A``.
* **Codes, not names.** ``reporter``/``partner`` are UN Comtrade area codes (M49 with Comtrade's own
  codes: France as a partner is 251, India 699, the USA 842, Norway 579, Switzerland 757); they are
  resolved with :func:`critmin.countries.resolve_comtrade`, the name column as a check (a name that
  resolves exactly to another country raises). Areas "not elsewhere specified" keep their own codes
  and are aggregates, never guessed: ``CT:490`` "Other Asia, nes" (in practice mostly Taiwan),
  ``CT:568`` "Other Europe, nes", ``CT:839`` "Special Categories", ``CT:899`` "Areas, nes".
* **World and groups removed upstream.** The source dropped the World row (partner 0) and Comtrade's
  group partners (``isGroup`` in its reference table), so ``is_world`` and ``partner_is_group`` are
  all false in the shipped file; its partner rows sum to the World record of each query (checked
  upstream for Japan 2846, Germany 2504 and Korea 8105). The flags are still read: a World row
  becomes ``partner="WLD"`` (kind ``aggregate``); a flag that contradicts the code (``is_world`` on a
  partner that is not 0, a country code flagged as a group, partner 0 not flagged as World) raises.
* **Transit hubs kept as data.** ``partner_is_hub``/``reporter_is_hub`` (the source's re-export hubs:
  Netherlands, Belgium, Singapore, Hong Kong, United Arab Emirates) are kept in ``notes`` as the tokens
  :data:`PARTNER_HUB` and :data:`REPORTER_HUB`: trade recorded against a hub may be transit, not origin,
  and the dependence jobs say so (:func:`hub_partners`).
* **Missing numbers became zero upstream** (``netWgt or 0``, ``primaryValue or 0``): a zero weight
  beside a positive value (41 rows, e.g. Mexico and Viet Nam) is a weight not reported
  (``quantity_kg`` NaN, ``missing="not_reported"``), never zero; a zero value beside a positive
  weight is a value not reported (``value_not_reported``). Both zero is a zero flow.
* **Value.** ``value_usd`` is Comtrade's ``primaryValue`` [USD]: the CIF value for imports of most
  reporters (some report imports FOB); ``value_basis="primary"``. ``net_kg`` is ``netWgt`` [kg],
  which Comtrade may have estimated (not flagged in this file).
* **Duplicates summed upstream.** Rows the API returned twice for one pair were summed by the source;
  two rows for one value in the file raise.
* **France is absent as a reporter**: the source queried it under 250, a code Comtrade does not use
  for France (251). France appears only as a partner; EU figures name it as a missing member
  (:func:`critmin.dependence.importer_dependence`).
* **HS 2805 is a mixed heading** (alkali and alkaline-earth metals, mercury besides rare-earth
  metals, scandium and yttrium); the file has no 6-digit lines. The HS catalogue flags it
  (:func:`critmin.hs.is_mixed`) and it is not a default line of rare earths.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from critmin.countries import UnknownCountryError, resolve_comtrade
from critmin.errors import DataError
from critmin.sources._trade import csv_rows, finish, number, require_columns, text_of
from critmin.sources.editions import edition_date

__all__ = ["SOURCE", "EDITION", "COLUMNS", "PARTNER_HUB", "REPORTER_HUB", "read_comtrade_bilateral",
           "parse_comtrade_bilateral", "hub_partners"]

SOURCE = "comtrade-bilateral"
"""Source id of the bilateral edge table."""

EDITION = "COMTRADE-BILATERAL-2023"
"""Edition id of the shipped file (ibtisamkhan96/crm-trade-network @b714a7b, 2023 data)."""

COLUMNS = ("commodity", "flow", "reporter", "partner", "reporter_name", "partner_name", "is_world",
           "partner_is_group", "partner_is_hub", "reporter_is_hub", "value_usd", "net_kg")
"""The columns the reader requires."""

PARTNER_HUB = "partner_is_hub"
"""Token in ``notes``: the source flags the partner as a transit (re-export) hub."""

REPORTER_HUB = "reporter_is_hub"
"""Token in ``notes``: the source flags the reporter as a transit (re-export) hub."""

_FLOWS = {"M": "import", "X": "export"}


def _bool(text: str, *, file: str, row: int, column: str) -> bool:
    t = text.strip().casefold()
    if t in ("true", "1"):
        return True
    if t in ("false", "0"):
        return False
    raise DataError("expected True or False", file=file, row=row, column=column, value=text)


def _year_of(name: str) -> int | None:
    m = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", name)
    return int(m.group(1)) if m else None


def read_comtrade_bilateral(path: str | Path, *, year: int | None = None,
                            edition: str = EDITION, edition_date_: str | None = None) -> pd.DataFrame:
    """Read the UN Comtrade bilateral edge table (docs/data.md §5f).

    Parameters
    ----------
    path : str or Path
        ``bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv`` or a file of the same layout.
    year : int, optional
        Calendar year of the figures; default the year in the file name.
    edition : str
        Edition id written to ``edition``.
    edition_date_ : str, optional
        ISO date of the edition; default the registered date of ``edition``
        (:data:`critmin.sources.editions.EDITION_DATES`), else the file's modification date.

    Returns
    -------
    DataFrame
        Table ``trade``: reporter (ISO3), partner (ISO3, ``CT:<code>`` areas nes, ``WLD``), flow,
        hs_code (the 4-digit heading), period ``YYYY-01-01``, freq ``A``, quantity_kg [kg] (NaN when
        not reported), value_usd [USD], value_basis ``primary``, notes (hub tokens).

    Raises
    ------
    DataError
        On a missing column, an unknown area code, a flag that contradicts the code, a bad flow,
        code or number, no year, or two rows for one value; naming file, row and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    if edition_date_ is None:
        try:
            edition_date_ = edition_date(edition)
        except KeyError:
            import datetime as _dt

            edition_date_ = _dt.date.fromtimestamp(p.stat().st_mtime).isoformat()
    return parse_comtrade_bilateral(p.read_bytes(), p.name, year=year, edition=edition,
                                    edition_date_=edition_date_)


def parse_comtrade_bilateral(buf: str | bytes | io.IOBase, name: str, *, year: int | None = None,
                             edition: str = EDITION,
                             edition_date_: str | None = None) -> pd.DataFrame:
    """Parse the bilateral edge table from a buffer (see :func:`read_comtrade_bilateral`).

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text.
    name : str
        The file name (recorded in ``file``; the year is read from it unless ``year`` is given).
    year : int, optional
        Calendar year of the figures.
    edition, edition_date_ : str
        Edition id and its ISO date (default: the registered date of the edition).
    """
    text = text_of(buf, name)
    header, rows = csv_rows(text, name)
    cols = require_columns(header, COLUMNS, name,
                           what="the bilateral edge table's columns " + ",".join(COLUMNS))
    yr = int(year) if year is not None else _year_of(name)
    if yr is None:
        raise DataError("the file name holds no year (bilateral_edges_<year>_...); pass year=",
                        file=name)
    if edition_date_ is None:
        try:
            edition_date_ = edition_date(edition)
        except KeyError:
            raise DataError(f"unknown edition {edition!r}: give its date (edition_date_)",
                            file=name) from None
    period = f"{yr}-01-01"
    records = []
    for line, cells in rows:
        def cell(c: str, _cells: list[str] = cells) -> str:
            return _cells[cols[c]].strip()

        flow_raw = cell("flow").upper()
        if flow_raw not in _FLOWS:
            raise DataError("unknown flow; expected M (imports) or X (exports)", file=name,
                            row=line, column="flow", value=cell("flow"))
        hs = cell("commodity")
        if hs.endswith(".0"):
            hs = hs[:-2]
        if not re.fullmatch(r"\d{2,10}", hs):
            raise DataError("expected an HS code of 2-10 digits", file=name, row=line,
                            column="commodity", value=cell("commodity"))
        if len(hs) % 2:  # a leading zero lost upstream (chapters 01-09)
            hs = "0" + hs
        try:
            rep = resolve_comtrade(cell("reporter"), cell("reporter_name") or None)
        except UnknownCountryError as err:
            raise DataError(str(err), file=name, row=line, column="reporter",
                            value=cell("reporter")) from None
        try:
            par = resolve_comtrade(cell("partner"), cell("partner_name") or None)
        except UnknownCountryError as err:
            raise DataError(str(err), file=name, row=line, column="partner",
                            value=cell("partner")) from None
        if not rep.is_country:
            raise DataError("the reporter is not a country (an area or group); expected a "
                            "reporting country", file=name, row=line, column="reporter",
                            value=cell("reporter"))
        flags = {c: _bool(cell(c), file=name, row=line, column=c)
                 for c in ("is_world", "partner_is_group", "partner_is_hub", "reporter_is_hub")}
        if flags["is_world"] != (par.code == "WLD"):
            raise DataError("is_world contradicts the partner code (World is partner 0)",
                            file=name, row=line, column="is_world", value=cell("is_world"))
        if flags["partner_is_group"] and par.is_country:
            raise DataError(f"the source flags the partner as a group but its code is the country "
                            f"{par.code}", file=name, row=line, column="partner_is_group",
                            value=cell("partner"))
        value = number(cell("value_usd"), file=name, row=line, column="value_usd",
                       blank_ok=True)
        qty = number(cell("net_kg"), file=name, row=line, column="net_kg", blank_ok=True)
        missing = []
        if math.isnan(qty) or (qty == 0 and value > 0):
            qty = math.nan
            missing.append("not_reported")
        if math.isnan(value) or (value == 0 and qty > 0):
            value = math.nan
            missing.append("value_not_reported")
        notes = []
        if flags["partner_is_hub"]:
            notes.append(PARTNER_HUB)
        if flags["reporter_is_hub"]:
            notes.append(REPORTER_HUB)
        if flags["partner_is_group"]:
            notes.append("partner is a group in UN Comtrade's reference table")
        records.append({
            "reporter": rep.code, "partner": par.code, "partner_kind": par.kind,
            "partner_raw": par.raw, "flow": _FLOWS[flow_raw], "hs_code": hs, "period": period,
            "freq": "A", "quantity_kg": qty, "value_usd": value, "value_basis": "primary",
            "missing": ";".join(missing) or None, "notes": "; ".join(notes) or None,
            "source": SOURCE, "edition": edition, "edition_date": edition_date_, "file": name,
            "row": line,
        })
    return finish(records, name, dup_column="partner")


def hub_partners(trade_rows: pd.DataFrame) -> set[str]:
    """Partners a source flags as transit (re-export) hubs in these ``trade`` rows.

    Parameters
    ----------
    trade_rows : DataFrame
        ``trade`` rows (any source; only rows whose ``notes`` carry :data:`PARTNER_HUB` count).

    Returns
    -------
    set of str
        Partner codes (ISO3).
    """
    if trade_rows.empty or "notes" not in trade_rows:
        return set()
    notes = trade_rows["notes"].astype(object).where(trade_rows["notes"].notna(), "")
    flagged = notes.astype(str).str.split("; ").apply(lambda xs: PARTNER_HUB in xs)
    return set(trade_rows.loc[flagged, "partner"].astype(str))
