"""UN Comtrade: API downloads (JSON or CSV) and the monthly China export tables derived from it.

Two families of readers, both returning the canonical ``trade`` table (:mod:`critmin.schema`):

* :func:`read_comtrade` / :func:`parse_comtrade` read a UN Comtrade v1 API response (JSON
  ``{"count", "data": [...], "error"}``) or a CSV download with the same columns (``reporterCode,
  partnerCode, flowCode, cmdCode, period, freqCode, qtyUnitCode, qty, netWgt, altQtyUnitCode, altQty,
  primaryValue, cifvalue, fobvalue, motCode, customsCode, partner2Code, ...``). They read the bundled
  China imports of HS 2846 by origin, 1993–2024 (``un_comtrade_china_imports_hs2846_annual/*.json``),
  the annual bilateral extract 2020–2024 (``un_comtrade_cmm_bilateral_annual_2020_2024/*.csv``), and
  any extract a user downloads. Source id ``comtrade``.
* :func:`read_china_monthly` / :func:`parse_china_monthly` read the monthly China export tables of
  ``china_exports_monthly_comtrade_derived/`` (2017-01..2024-12, built by
  qennis/ChinaCriticalMineralComtrade from UN Comtrade monthly data; docs/data.md §5d). Source id
  ``comtrade-monthly-derived``.

Partners and reporters are resolved with :func:`critmin.countries.resolve_comtrade` (Comtrade area codes
are not all ISO numeric: France 251, USA 842, India 699, World 0). The partner blocs and product groups
of the derived tables are data: ``critmin/data/trade_blocs.csv`` (:func:`trade_blocs`).

Notes
-----
**Comtrade API files** (each quirk has a test):

* Codes, not names, identify areas: descriptor columns (``partnerDesc``, ``partnerISO``) are empty in
  the bilateral extract, and names mislead ("China, Hong Kong SAR" is Hong Kong). A name that resolves
  exactly to another country than the code raises. Areas "not elsewhere specified" keep their own codes
  (``CT:490`` "Other Asia, nes" — in practice mostly Taiwan, which Comtrade does not publish —, ``CT:899``
  "Areas, nes", ``CT:838`` "Free Zones"): they are aggregates, never guessed. "Belgium-Luxembourg
  (...1998)" (58) is the group ``BEL+LUX``; the Southern African Customs Union (711, to 1999) the group
  ``ZAF+BWA+LSO+NAM+SWZ``. China's imports from China (partner 156, re-imports) are kept as published.
* Totals only: a row broken down by mode of transport (``motCode`` != 0; the lithium and nickel
  extracts hold ``1000``, ``2100``, ``9100``, ``9900`` rows), customs procedure (``customsCode`` !=
  ``C00``) or second partner (``partner2Code`` != 0) is dropped when the total row of the same value is
  present; a breakdown without its total raises.
* Quantity: ``netWgt`` [kg] when positive, else ``qty`` when ``qtyUnitCode`` is 8 (kg), else
  ``altQty`` when ``altQtyUnitCode`` is 8. Comtrade writes ``qty`` 0 with ``qtyUnitCode`` -1
  ("N/A") when no quantity was reported and leaves ``netWgt`` blank or 0 (108 of the 726
  China-import rows: 107 with unit "N/A", mostly before 2000, and Czechia 2012, qty 0 kg beside USD
  24): the quantity is then missing (``missing="not_reported"``), never zero.
  Quantities Comtrade estimated (``isNetWgtEstimated``/``isQtyEstimated``) are noted in ``notes``.
* Value: ``primaryValue`` [USD]; ``value_basis`` is ``cif`` when it equals ``cifvalue``, ``fob`` when it
  equals ``fobvalue`` (China values imports CIF and exports FOB), else ``primary``. ``fobvalue`` is
  blank or 0 on import rows and ``cifvalue`` on export rows.
* The classification (``H0``..``H6``) changes over the years (HS 1992 to HS 2022); the 4-digit
  heading 2846 is the same in all of them. It is noted in ``notes``.
* ``row``: the 1-based line of a CSV (header = line 1); for JSON, the 1-based position of the record
  in the ``data`` array (the whole response is one line).
* A response with a non-empty ``error``, or a ``count`` larger than the records it holds (a truncated
  preview download), raises.
* Editions: a snapshot of the API. :func:`read_comtrade` dates it from the metadata beside the file —
  ``manifest.json`` (``retrieval.completed_at``, the China-imports snapshot: 2026-07-10) or
  ``collection_summary.json`` (``collection_date``, the bilateral extract: 2025-12-28). Without such
  metadata the edition comes from the data, never from the file's modification time (a ``touch``
  or a copy must not make a new edition): ``COMTRADE-<first>-<last>`` of the periods the file covers
  (``COMTRADE-2020-2024`` for annual rows, ``COMTRADE-2023-01-2024-06`` when monthly rows are
  present), dated the day after its last period (the earliest the data can have been published), or
  the ``edition`` the caller gives (``critmin data ingest --edition``). Two downloads of the same
  periods are then one edition: the later ingest replaces the earlier rows of the same values. Both
  bundled snapshots give China's imports of 2846 from the World and the USA in 2020–2024, with equal
  figures; the later snapshot wins in ``trade_latest``.

**Derived monthly tables** (qennis/ChinaCriticalMineralComtrade ``scripts/make_tables.py``):

* ``strategic_premium_hs6.csv`` (``period_dt,bloc,val,qty,uv,hs6,broad_group``): China's exports per
  HS6 line summed over each partner bloc -> ``partner="BLOC:Adversary"``/``"BLOC:Intermediary"``. The
  source kept only partner rows with more than 10 kg (``df[df["qty"] > 10]``), so small or
  quantity-less shipments are left out; the blocs hold 20 and 21 selected partners (not the world), so
  sums are below China's total exports. Lines 280461, 280530, 282590, 284690, 285000, 285390, 811292 and
  811299 start in 2018-01 (84 months), the others in 2017-01.
* ``country_monthly_stats.csv`` (``period_dt,val,qty,uv,hhi,broad_group,partner_name``): per product
  group and each of its 8 largest partners -> ``hs_code`` is the group's lines joined with ``+``
  (``280530+284690+850511``). ``hhi`` (the concentration of the partner's purchases over the group's
  lines) is checked as a number and not kept.
* ``overview_monthly.csv`` (``period_dt,broad_group,total_value,total_qty,unit_price``): group totals
  over all partner rows the source pulled (both blocs, rows without quantity included) ->
  ``partner="BLOC:Adversary+Intermediary"``. In 2017 the source's HS6 tables hold only 250410,
  380110, 282560 and 850511, so 2017 group totals cover fewer lines (Rare Earths = magnets only): a
  jump at 2018-01 is coverage, not trade; those rows say so in ``notes``.
* ``deep_dive_hs6_monthly.csv`` (``period_dt,partner_name,hs6,val,qty,uv``): graphite (250410,
  380110) and gallium/germanium (811292) exports by partner.
* Quantities are the source's sums of Comtrade quantities; where none was reported the source wrote
  ``qty`` 0 and ``uv`` ``inf`` (146 deep-dive rows, 145 of them 811292; 88 rows of the partner
  table; the 12 Polysilicon totals of 2017):
  a zero quantity beside a positive value is read as missing (``missing="not_reported"``). The ratio
  columns (``uv``, ``unit_price`` [USD/kg]) are checked against value/quantity (relative 1e-6) to catch
  shifted columns, and not kept.
* Values are China's FOB export values (``value_basis="fob"``; UN Comtrade ``primaryValue``).
* ``composition_subgroup.csv`` holds value shares, not flows, and is not read; ``hs_map.csv`` is the
  source's 8-digit code map (its blocs and groups are in ``trade_blocs.csv``).
* Partner names are the source's own ("USA", "UAE", "South Korea"); they are mapped through the bloc
  table and then :func:`critmin.countries.resolve`.
* Edition ``COMTRADE-CN-M-2024``, dated by the repository snapshot (2026-11-29, docs/data.md §5d): the
  tables' own build date is not recorded.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from critmin._strings import cache_per_storage
from critmin.countries import Country, UnknownCountryError, resolve, resolve_comtrade
from critmin.errors import DataError
from critmin.sources._io import load_json
from critmin.sources._trade import csv_rows, finish, number, period_of, require_columns, text_of
from critmin.sources.editions import edition_date as _edition_date

__all__ = [
    "SOURCE",
    "SOURCE_DERIVED",
    "EDITION_DERIVED",
    "FLOWS",
    "trade_blocs",
    "bloc_members",
    "group_lines",
    "read_comtrade",
    "parse_comtrade",
    "data_edition",
    "read_china_monthly",
    "parse_china_monthly",
    "derived_layout",
]

SOURCE = "comtrade"
"""Source id of UN Comtrade API files."""

SOURCE_DERIVED = "comtrade-monthly-derived"
"""Source id of the monthly China export tables derived from UN Comtrade."""

EDITION_DERIVED = "COMTRADE-CN-M-2024"
"""Edition of the derived monthly tables (2017-01..2024-12; tables commit c59e0e6)."""

FLOWS: dict[str, str] = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}
"""Comtrade ``flowCode`` -> critmin flow."""


# ---------------------------------------------------------------------------------------------
# Blocs and product groups (data)
# ---------------------------------------------------------------------------------------------

@cache_per_storage(maxsize=2)
def trade_blocs() -> pd.DataFrame:
    """The partner blocs and product groups of the derived China export tables.

    Returns
    -------
    DataFrame
        ``critmin/data/trade_blocs.csv``: ``kind`` (``partner_bloc`` or ``product_group``), ``group``
        ("Adversary", "Intermediary"; "Rare Earths", "Gallium/Germanium", "Graphite", "Polysilicon"),
        ``member`` (ISO3 or HS6), ``member_raw`` (the source's name or subgroup) and ``source`` (where
        the definition comes from: ``scripts/make_tables.py`` of qennis/ChinaCriticalMineralComtrade).
    """
    text = resources.files("critmin.data").joinpath("trade_blocs.csv").read_text("utf-8")
    return pd.DataFrame(list(csv.DictReader(text.splitlines())))


def bloc_members(bloc: str) -> list[str]:
    """ISO3 codes of a partner bloc ("Adversary" or "Intermediary").

    Raises
    ------
    KeyError
        For an unknown bloc.
    """
    df = trade_blocs()
    sel = df[(df["kind"] == "partner_bloc") & (df["group"].str.casefold() == bloc.casefold())]
    if sel.empty:
        raise KeyError(f"unknown bloc {bloc!r}; expected one of "
                       f"{sorted(df.loc[df['kind'] == 'partner_bloc', 'group'].unique())}")
    return sel["member"].tolist()


def group_lines(group: str) -> list[str]:
    """HS6 lines of a product group of the derived tables ("Rare Earths" -> 280530, 284690, 850511).

    Raises
    ------
    KeyError
        For an unknown group.
    """
    df = trade_blocs()
    sel = df[(df["kind"] == "product_group") & (df["group"] == group)]
    if sel.empty:
        raise KeyError(f"unknown product group {group!r}; expected one of "
                       f"{sorted(df.loc[df['kind'] == 'product_group', 'group'].unique())}")
    return sorted(sel["member"].tolist())


@lru_cache(maxsize=1)
def _partner_names() -> dict[str, str]:
    df = trade_blocs()
    part = df[df["kind"] == "partner_bloc"]
    return {r.member_raw.casefold(): r.member for r in part.itertuples()}


def _derived_partner(name: str, file: str, row: int, column: str) -> str:
    text = name.strip()
    hit = _partner_names().get(text.casefold())
    if hit:
        return hit
    try:
        c = resolve(text)
    except UnknownCountryError:
        c = None
    if c is None or not c.is_country or c.detail:
        raise DataError("unknown partner name; expected a country the bloc table "
                        "(critmin/data/trade_blocs.csv) or the alias table knows", file=file,
                        row=row, column=column, value=name)
    return c.code


# ---------------------------------------------------------------------------------------------
# Derived monthly China export tables
# ---------------------------------------------------------------------------------------------

_LAYOUTS: dict[str, tuple[str, ...]] = {
    "bloc_hs6": ("period_dt", "bloc", "val", "qty", "uv", "hs6", "broad_group"),
    "partner_group": ("period_dt", "val", "qty", "uv", "hhi", "broad_group", "partner_name"),
    "group_total": ("period_dt", "broad_group", "total_value", "total_qty", "unit_price"),
    "partner_hs6": ("period_dt", "partner_name", "hs6", "val", "qty", "uv"),
}
_FILE_LAYOUT = {
    "strategic_premium_hs6": "bloc_hs6",
    "country_monthly_stats": "partner_group",
    "overview_monthly": "group_total",
    "deep_dive_hs6_monthly": "partner_hs6",
}
_EARLY_LINES = ("250410", "282560", "380110", "850511")
"""Lines the source's HS6 tables hold before 2018-01 (all others start in 2018-01)."""


def derived_layout(header: list[str], name: str) -> str:
    """Which derived table a file is: ``bloc_hs6``, ``partner_group``, ``group_total`` or
    ``partner_hs6`` (by file name, else by header).

    Raises
    ------
    DataError
        For the value-share table ``composition_subgroup.csv`` and any other layout.
    """
    stem = Path(name).stem.casefold()
    for key, layout in _FILE_LAYOUT.items():
        if key in stem:
            return layout
    cols = {h.strip().casefold() for h in header}
    if "subgroup" in cols and "share" in cols:
        raise DataError("value shares by subgroup (composition_subgroup.csv) are not trade flows and "
                        "are not read", file=name, row=1)
    for layout, need in _LAYOUTS.items():
        if set(need) <= cols:
            return layout
    raise DataError("not a recognised China monthly export table; expected the header of "
                    + " or ".join(", ".join(v) for v in _LAYOUTS.values()), file=name, row=1,
                    value=",".join(header)[:80])


def read_china_monthly(path: str | Path) -> pd.DataFrame:
    """Read one monthly China export table derived from UN Comtrade (docs/data.md §5d).

    Parameters
    ----------
    path : str or Path
        ``strategic_premium_hs6.csv``, ``country_monthly_stats.csv``, ``overview_monthly.csv`` or
        ``deep_dive_hs6_monthly.csv``.

    Returns
    -------
    DataFrame
        Table ``trade``: reporter ``CHN``, flow ``export``, freq ``M``, period ``YYYY-MM-01``,
        quantity_kg [kg] (NaN when not reported), value_usd [USD, FOB], partner an ISO3 code or a bloc
        (``BLOC:Adversary``), hs_code an HS6 line or a group of lines (``280530+284690+850511``).

    Raises
    ------
    DataError
        On an unknown layout, a missing column, a bad period, an unknown partner, bloc, group or line,
        a stray token in a number column, a ratio column that does not match value/quantity, or two
        rows for one value; naming file, row (1-based line) and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    return parse_china_monthly(p.read_bytes(), p.name)


def parse_china_monthly(buf: str | bytes | io.IOBase, name: str) -> pd.DataFrame:
    """Parse a derived monthly China export table from a buffer (see :func:`read_china_monthly`).

    Parameters
    ----------
    buf : str, bytes or file object
        The CSV text.
    name : str
        The file name (picks the layout; recorded in ``file`` and named in errors).
    """
    text = text_of(buf, name)
    header, rows = csv_rows(text, name)
    layout = derived_layout(header, name)
    cols = require_columns(header, _LAYOUTS[layout], name,
                           what=", ".join(_LAYOUTS[layout]) + f" ({layout} table)")
    groups = trade_blocs()
    group_names = sorted(groups.loc[groups["kind"] == "product_group", "group"].unique())
    blocs = sorted(groups.loc[groups["kind"] == "partner_bloc", "group"].unique())
    value_col = "total_value" if layout == "group_total" else "val"
    qty_col = "total_qty" if layout == "group_total" else "qty"
    ratio_col = "unit_price" if layout == "group_total" else "uv"
    ed = EDITION_DERIVED
    ed_date = _edition_date(ed)
    records = []
    for line, cells in rows:
        def cell(c: str, _cells: list[str] = cells) -> str:
            return _cells[cols[c]].strip()

        period = period_of(cell("period_dt"), "M", file=name, row=line, column="period_dt")
        val = number(cell(value_col), file=name, row=line, column=value_col, blank_ok=False)
        qty = number(cell(qty_col), file=name, row=line, column=qty_col, blank_ok=False)
        ratio = number(cell(ratio_col), file=name, row=line, column=ratio_col, inf_ok=True,
                       blank_ok=False)
        if qty > 0 and not math.isclose(ratio, val / qty, rel_tol=1e-6):
            raise DataError(f"{ratio_col} is not {value_col}/{qty_col} ({val / qty:.6g}); expected "
                            "the unit value of the same row (shifted columns?)", file=name, row=line,
                            column=ratio_col, value=cell(ratio_col))
        if layout == "partner_group":
            number(cell("hhi"), file=name, row=line, column="hhi", blank_ok=False)
        notes = []
        if "broad_group" in cols:
            group = cell("broad_group")
            if group not in group_names:
                raise DataError(f"unknown product group; expected one of {group_names}", file=name,
                                row=line, column="broad_group", value=group)
            lines = group_lines(group)
        if layout in ("bloc_hs6", "partner_hs6"):
            hs = cell("hs6")
            if not re.fullmatch(r"\d{6}", hs):
                raise DataError("expected a 6-digit HS code", file=name, row=line, column="hs6",
                                value=hs)
            if layout == "bloc_hs6" and hs not in lines:
                raise DataError(f"HS {hs} is not a line of the group {group!r} ({', '.join(lines)}; "
                                "critmin/data/trade_blocs.csv)", file=name, row=line, column="hs6",
                                value=hs)
        else:
            hs = "+".join(lines)
        if layout == "bloc_hs6":
            bloc = cell("bloc")
            if bloc not in blocs:
                raise DataError(f"unknown partner bloc; expected one of {blocs}", file=name,
                                row=line, column="bloc", value=bloc)
            partner, kind, raw = f"BLOC:{bloc}", "bloc", bloc
            notes.append(f"sum over the {bloc} bloc (critmin/data/trade_blocs.csv) of partner rows "
                         "with more than 10 kg (the source's filter)")
        elif layout == "group_total":
            partner, kind, raw = "BLOC:" + "+".join(blocs), "bloc", "all partners pulled"
            notes.append(f"{group}: HS {hs} over the partners the source pulled (both blocs)")
            if period < "2018-01-01":
                early = [x for x in lines if x in _EARLY_LINES]
                notes.append("before 2018 the source holds only " + (", ".join(early) or "none")
                             + " of these lines")
        else:
            raw = cell("partner_name")
            partner, kind = _derived_partner(raw, name, line, "partner_name"), "country"
            if layout == "partner_group":
                notes.append(f"{group}: HS {hs}; one of the group's 8 largest partners by value")
        missing = None
        quantity: float = qty
        if qty == 0 and val > 0:
            quantity, missing = math.nan, "not_reported"
        records.append({
            "reporter": "CHN", "partner": partner, "partner_kind": kind, "partner_raw": raw,
            "flow": "export", "hs_code": hs, "period": period, "freq": "M",
            "quantity_kg": quantity, "value_usd": val, "value_basis": "fob", "missing": missing,
            "notes": "; ".join(notes) or None,
            "source": SOURCE_DERIVED, "edition": ed, "edition_date": ed_date, "file": name,
            "row": line,
        })
    return finish(records, name, dup_column="period_dt")


# ---------------------------------------------------------------------------------------------
# UN Comtrade API files
# ---------------------------------------------------------------------------------------------

_REQUIRED = ("reporterCode", "partnerCode", "flowCode", "cmdCode", "freqCode", "primaryValue")
_TOTAL_CODES = {"motcode": ("0", ""), "customscode": ("C00", ""), "partner2code": ("0", "")}


def _s(v: object) -> str:
    """A cell as stripped text ('' for None/NaN; 8.0 -> '8')."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _flag(v: object) -> bool:
    return _s(v).casefold() in ("true", "1", "yes")


def _records_json(text: str, name: str) -> list[tuple[int, dict]]:
    obj = load_json(text, name, what="a UN Comtrade API response")
    if isinstance(obj, dict):
        if obj.get("error"):
            raise DataError(f"the API response carries an error: {obj['error']!r}", file=name)
        data = obj.get("data")
        if not isinstance(data, list):
            raise DataError("no 'data' list in the JSON; expected a UN Comtrade API response "
                            '{"count", "data": [...]}', file=name)
        count = obj.get("count")
        if isinstance(count, int) and count > len(data):
            raise DataError(f"'count' says {count} records but 'data' holds {len(data)}: a truncated "
                            "download (preview limit?)", file=name)
    elif isinstance(obj, list):
        data = obj
    else:
        raise DataError("expected a JSON object with 'data' or a list of records", file=name)
    if not data:
        raise DataError("no records in 'data'", file=name)
    out = []
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise DataError("expected a record (JSON object)", file=name, row=i, value=str(rec)[:60])
        out.append((i, {str(k).strip().casefold(): v for k, v in rec.items()}))
    return out


def _records_csv(text: str, name: str) -> tuple[list[tuple[int, dict]], list[str]]:
    header, rows = csv_rows(text, name)
    low = [h.casefold() for h in header]
    return [(line, dict(zip(low, cells, strict=True))) for line, cells in rows], header


def _sidecar_edition(path: Path) -> tuple[str, str] | None:
    """(edition, date) of an API snapshot from the metadata beside the file, else None."""
    man = path.parent / "manifest.json"
    if man.exists():
        try:
            meta = json.loads(man.read_text("utf-8"))
            stamp = (meta.get("retrieval") or {}).get("completed_at") or \
                (meta.get("retrieval") or {}).get("started_at")
        except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
            stamp = None
        if stamp:
            day = str(stamp)[:10]
            return f"COMTRADE-API-{day}", day
    summ = path.parent / "collection_summary.json"
    if summ.exists():
        try:
            stamp = json.loads(summ.read_text("utf-8")).get("collection_date")
        except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
            stamp = None
        if stamp:
            day = str(stamp)[:10]
            return f"COMTRADE-API-{day}", day
    return None


def read_comtrade(path: str | Path, *, edition: str | None = None,
                  edition_date: str | None = None) -> pd.DataFrame:
    """Read a UN Comtrade v1 API download (JSON response or CSV).

    Parameters
    ----------
    path : str or Path
        The file (``.json`` or ``.csv``).
    edition : str, optional
        Edition id; default ``COMTRADE-API-<date>`` from the snapshot metadata beside the file
        (``manifest.json`` retrieval date or ``collection_summary.json`` collection date), else
        from the periods the data cover (:func:`data_edition`); never from the file's dates.
    edition_date : str, optional
        ISO date of the snapshot (the latest wins in ``trade_latest``); default: the metadata's date,
        a date ending the given ``edition`` id (``...-2026-01-05``), else the day after the last
        period covered.

    Returns
    -------
    DataFrame
        Table ``trade``: reporter and partner codes (ISO3, ``WLD``, ``CT:<code>`` areas, groups),
        flow, hs_code (``cmdCode``), period (``YYYY-01-01`` or ``YYYY-MM-01``), freq, quantity_kg [kg]
        (NaN when not reported), value_usd [USD] (``primaryValue``) and its basis (cif, fob).

    Raises
    ------
    DataError
        On unreadable JSON/CSV, an API error or truncated response, a missing column, an unknown area
        code, flow or frequency, a stray token in a number column, a breakdown row without its total, or
        two rows for one value; naming file, row and column.
    """
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(p))
    side = _sidecar_edition(p) if edition is None else None
    if side is not None:
        edition, edition_date = side[0], edition_date or side[1]
    if edition is not None and edition_date is None:
        m = re.search(r"(\d{4}-\d{2}-\d{2})$", edition)
        edition_date = m.group(1) if m else None
    df = parse_comtrade(p.read_bytes(), p.name, edition=edition or "COMTRADE",
                        edition_date=edition_date or "1900-01-01")
    if edition is None or edition_date is None:
        ed, day = data_edition(df, p.name)
        df["edition"] = pd.array([edition or ed] * len(df), dtype="string")
        df["edition_date"] = pd.array([edition_date or day] * len(df), dtype="string")
    return df


def data_edition(df: pd.DataFrame, name: str = "") -> tuple[str, str]:
    """The edition of Comtrade rows that carry no metadata, from the periods they cover.

    Parameters
    ----------
    df : DataFrame
        ``trade`` rows (``period`` ``YYYY-MM-01``, ``freq`` A or M).
    name : str
        The file, named in errors.

    Returns
    -------
    (str, str)
        ``COMTRADE-<first>-<last>`` (years for annual rows, ``YYYY-MM`` months when monthly rows are
        present) and the day after the last period (ISO date).
    """
    if df.empty:
        raise DataError("no rows to take an edition from; give the edition", file=name)
    per = pd.to_datetime(df["period"], format="%Y-%m-%d")
    monthly = (df["freq"] == "M").to_numpy()
    ends = [p + (pd.DateOffset(months=1) if m else pd.DateOffset(years=1))
            for p, m in zip(per, monthly, strict=True)]
    first, last, end = per.min(), per.max(), max(ends)
    if monthly.any():
        return f"COMTRADE-{first:%Y-%m}-{last:%Y-%m}", f"{end:%Y-%m-%d}"
    return f"COMTRADE-{first:%Y}-{last:%Y}", f"{end:%Y-%m-%d}"


def parse_comtrade(buf: str | bytes | io.IOBase, name: str, *, edition: str = "COMTRADE",
                   edition_date: str | None = None) -> pd.DataFrame:
    """Parse a UN Comtrade v1 download from a buffer (see :func:`read_comtrade`).

    Parameters
    ----------
    buf : str, bytes or file object
        The JSON or CSV text.
    name : str
        The file name (``.json`` or a text starting with ``{``/``[`` is JSON).
    edition : str
        Edition id written to ``edition``.
    edition_date : str, optional
        ISO date of the snapshot; default today.
    """
    text = text_of(buf, name)
    ed_date = edition_date or _dt.date.today().isoformat()
    if name.casefold().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        recs = _records_json(text, name)
        header = sorted({k for _, r in recs for k in r})
        is_json = True
    else:
        recs, header = _records_csv(text, name)
        is_json = False
    low = {h.casefold() for h in header}
    lacking = [c for c in _REQUIRED if c.casefold() not in low]
    if "period" not in low and "refyear" not in low:
        lacking.append("period")
    if lacking:
        raise DataError(f"the {'records lack' if is_json else 'header lacks'} the column(s) "
                        f"{lacking}; expected UN Comtrade v1 columns ({', '.join(_REQUIRED)}, period, "
                        "netWgt/qty)", file=name, row=None if is_json else 1, column=lacking[0])
    records = []
    totals: set[tuple] = set()
    breakdowns: list[tuple[tuple, int, str]] = []
    for row, r in recs:
        rec = _comtrade_record(r, name, row, edition, ed_date)
        key = (rec["reporter"], rec["partner"], rec["flow"], rec["hs_code"], rec["period"],
               rec["freq"])
        split = [c for c, ok in _TOTAL_CODES.items() if _s(r.get(c)) not in ok]
        if split:
            breakdowns.append((key, row, split[0]))
            continue
        totals.add(key)
        records.append(rec)
    for key, row, col in breakdowns:
        if key not in totals:
            raise DataError(f"a row broken down by {col} without the total row of the same value "
                            f"{key}; expected motCode 0, customsCode C00 and partner2Code 0 totals",
                            file=name, row=row, column=col)
    return finish(records, name, dup_column="partnerCode")


def _code(r: dict, base: str, name: str, row: int) -> Country:
    code = _s(r.get(f"{base}code"))
    desc = _s(r.get(f"{base}desc"))
    iso = _s(r.get(f"{base}iso"))
    if not code:
        raise DataError(f"the {base} code is empty; expected a UN Comtrade area code", file=name,
                        row=row, column=f"{base}Code")
    try:
        return resolve_comtrade(code, desc or None)
    except UnknownCountryError as err:
        if iso and re.fullmatch(r"[A-Z]{3}", iso) and str(err).startswith("unknown"):
            try:
                c = resolve(iso)
                if c.is_country and not c.detail:
                    return Country(c.code, c.kind, raw=f"{code} {desc}".strip())
            except UnknownCountryError:
                pass
        raise DataError(f"{err}", file=name, row=row, column=f"{base}Code", value=code) from None


def _comtrade_record(r: dict, name: str, row: int, edition: str, ed_date: str) -> dict:
    rep = _code(r, "reporter", name, row)
    par = _code(r, "partner", name, row)
    flow_raw = _s(r.get("flowcode")).upper()
    if flow_raw not in FLOWS:
        raise DataError(f"unknown flowCode; expected one of {', '.join(FLOWS)}", file=name, row=row,
                        column="flowCode", value=flow_raw)
    freq = _s(r.get("freqcode")).upper()
    if freq not in ("A", "M"):
        raise DataError("unknown freqCode; expected A (annual) or M (monthly)", file=name, row=row,
                        column="freqCode", value=freq)
    typ = _s(r.get("typecode")).upper()
    if typ not in ("", "C"):
        raise DataError("typeCode is not C (goods); expected a commodities download", file=name,
                        row=row, column="typeCode", value=typ)
    per_raw = _s(r.get("period"))
    if not per_raw:
        per_raw = _s(r.get("refyear")) + (f"{int(_s(r.get('refmonth'))):02d}" if freq == "M"
                                         and _s(r.get("refmonth")) else "")
    period = period_of(per_raw, freq, file=name, row=row, column="period")
    hs = _s(r.get("cmdcode"))
    if not (re.fullmatch(r"\d{2,10}", hs) or hs == "TOTAL"):
        raise DataError("expected an HS code of 2-10 digits (or TOTAL)", file=name, row=row,
                        column="cmdCode", value=hs)
    value = number(r.get("primaryvalue"), file=name, row=row, column="primaryValue")
    cif = number(r.get("cifvalue"), file=name, row=row, column="cifvalue")
    fob = number(r.get("fobvalue"), file=name, row=row, column="fobvalue")
    net = number(r.get("netwgt"), file=name, row=row, column="netWgt")
    qty = number(r.get("qty"), file=name, row=row, column="qty")
    alt = number(r.get("altqty"), file=name, row=row, column="altQty")
    unit = _s(r.get("qtyunitcode"))
    alt_unit = _s(r.get("altqtyunitcode"))
    notes = []
    cls = _s(r.get("classificationcode"))
    if cls:
        notes.append(cls)
    missing = None
    if net > 0:
        quantity = net
        if _flag(r.get("isnetwgtestimated")):
            notes.append("net weight estimated by UN Comtrade")
    elif unit == "8" and qty > 0:
        quantity = qty
        notes.append("quantity from qty (kg)" + ("; estimated by UN Comtrade"
                                                 if _flag(r.get("isqtyestimated")) else ""))
    elif alt_unit == "8" and alt > 0:
        quantity = alt
        notes.append("quantity from altQty (kg)")
    elif value == 0 and (net == 0 or qty == 0):
        quantity = 0.0
    else:
        quantity, missing = math.nan, "not_reported"
    if math.isnan(value):
        missing = ";".join(x for x in (missing, "value_not_reported") if x)
    if value > 0 and cif == value:
        basis = "cif"
    elif value > 0 and fob == value:
        basis = "fob"
    else:
        basis = "primary"
    return {
        "reporter": rep.code, "partner": par.code, "partner_kind": par.kind,
        "partner_raw": par.raw, "flow": FLOWS[flow_raw], "hs_code": hs, "period": period,
        "freq": freq, "quantity_kg": quantity, "value_usd": value, "value_basis": basis,
        "missing": missing, "notes": "; ".join(notes) or None, "source": SOURCE,
        "edition": edition, "edition_date": ed_date, "file": name, "row": row,
    }
