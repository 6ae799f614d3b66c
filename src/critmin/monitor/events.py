"""The catalogue of known export-control events (package data ``critmin/data/export_controls.csv``).

One row per documented measure of an exporting country that restricts (or frames the restriction of)
exports of critical minerals: a quota cut, a licence requirement, a ban to some destinations, a framework
law, a control on technology. The monitor uses it to name the known event behind a flagged month, to tell
when a tested line mixes controlled and uncontrolled products, and to warn when a control line was itself
under the control; the report and the dashboard mark the events on the export charts.

=============== ==========================================================================================
column          meaning
=============== ==========================================================================================
id              unique slug (``chn-2023-gallium-germanium``)
exporter        ISO3 of the country imposing the measure
announced       date the measure was published, ``YYYY-MM-DD``
effective       date it took effect, ``YYYY-MM-DD`` (on or after ``announced``)
ended           date it was lifted or suspended, ``YYYY-MM-DD``, empty while in force (a measure
                suspended before it took effect has ``ended`` before ``effective``: it never applied)
kind            ``quota``, ``licence``, ``ban``, ``law``, ``technology`` or ``extraterritorial``
                (:data:`KINDS`); the first three restrict goods leaving the exporter
                (:data:`RESTRICTIVE_KINDS`) and are what a monthly trade series can show
destinations    ``all`` or ISO3 codes separated by ``;`` (``USA``)
commodities     catalogue ids (:mod:`critmin.commodities`) separated by ``;``
hs_codes        HS lines (4 or 6 digits) holding the controlled products, separated by ``;``: the first six
                digits of the document's reference customs codes where it gives them. The reference codes
                are national 8- or 10-digit lines inside these, so every listed line is taken to hold
                uncontrolled products too (a licence on gallium oxide falls on a part of HS 282590): in
                force, a control makes the line *partly controlled*
products        what is controlled, in words
document        the document: issuer, number, title
url             where its text or a report of it was read
notes           the reference codes, what was not transcribed, how dates were checked
=============== ==========================================================================================

The reader (:func:`read_events`) checks every cell and raises :class:`critmin.errors.DataError` naming the
file, row and column; :func:`check_hs` checks the HS codes against the HS catalogue (:mod:`critmin.hs`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from critmin._strings import cache_per_storage
from critmin.errors import DataError
from critmin.sources._io import as_text_buffer, check_size, csv_records, read_text

__all__ = [
    "EVENT_COLUMNS",
    "KINDS",
    "RESTRICTIVE_KINDS",
    "read_events",
    "parse_events",
    "events",
    "check_hs",
    "hs_overlap",
    "events_for",
    "active_events",
    "event_windows",
    "nearest_event",
    "month_distance",
    "to_records",
]

EVENT_COLUMNS = ("id", "exporter", "announced", "effective", "ended", "kind", "destinations",
                 "commodities", "hs_codes", "products", "document", "url", "notes")

KINDS = {
    "quota": "a cap on the quantity exported (export quota)",
    "licence": "exports need a licence (a control, not a ban: licences may be granted)",
    "ban": "exports to some destinations or users prohibited, or not permitted in principle",
    "law": "a framework law or regulation, not a control on a product",
    "technology": "a control on exporting technology, not goods",
    "extraterritorial": "a licence required of foreign exporters of items of the exporter's origin",
}
"""Kinds of event and what each means."""

RESTRICTIVE_KINDS = ("quota", "licence", "ban")
"""Kinds that restrict goods leaving the exporter: what a monthly export series can show."""

_BUNDLED = "export_controls.csv"

_MAX_MB = 2.0
"""Largest catalogue :func:`read_events` accepts [MB] (the bundled one is 0.012 MB)."""

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def _iso3(value: str, *, file: str, row: int, column: str) -> str:
    from critmin.countries import UnknownCountryError, resolve

    v = value.strip()
    ok = len(v) == 3 and v.isalpha() and v.isupper()
    if ok:
        try:
            c = resolve(v)
            ok = c.code == v and c.is_country
        except UnknownCountryError:
            ok = False
    if not ok:
        raise DataError("expected an ISO 3166 alpha-3 country code such as CHN", file=file, row=row,
                        column=column, value=value)
    return v


def _date(value: str, *, file: str, row: int, column: str, required: bool = True) -> pd.Timestamp | None:
    v = value.strip()
    if not v and not required:
        return None
    if not _DATE.match(v):
        raise DataError("expected a date YYYY-MM-DD", file=file, row=row, column=column, value=value)
    try:
        return pd.Timestamp(v)
    except ValueError:
        raise DataError("not a calendar date", file=file, row=row, column=column, value=value) from None


def parse_events(text: str, name: str = _BUNDLED) -> pd.DataFrame:
    """Parse and validate the text of an export-control catalogue.

    Parameters
    ----------
    text : str
        CSV text with the columns of :data:`EVENT_COLUMNS`.
    name : str
        File name for error messages.

    Returns
    -------
    DataFrame
        One row per event, in file order: the text columns as read; ``announced``, ``effective`` and
        ``ended`` as Timestamps (``ended`` NaT while in force); ``destinations``, ``commodities`` and
        ``hs_codes`` as tuples of str; plus ``restrictive`` (bool: kind in :data:`RESTRICTIVE_KINDS`) and
        ``row`` (the line number in the file).

    Raises
    ------
    DataError
        For a missing column, a duplicate id, a malformed date, ISO3 code, kind, commodity, HS code or
        URL, or dates out of order; the message names the file, row and column.
    """
    from critmin.commodities import get as get_commodity
    from critmin.errors import UnknownCommodityError

    recs = csv_records(as_text_buffer(text, name), name)  # a row of another width is refused
    header = [h.strip() for h in recs[0][1]] if recs else []
    missing = [c for c in EVENT_COLUMNS if c not in header]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; expected {', '.join(EVENT_COLUMNS)}",
                        file=name, row=1)
    at = {c: header.index(c) for c in EVENT_COLUMNS}
    out, seen = [], set()
    for i, cells in recs[1:]:
        r = {k: cells[at[k]].strip() for k in EVENT_COLUMNS}
        kw = {"file": name, "row": i}
        if not _ID.match(r["id"]):
            raise DataError("expected a slug of lower-case letters, digits and hyphens", column="id",
                            value=r["id"], **kw)
        if r["id"] in seen:
            raise DataError("duplicate id", column="id", value=r["id"], **kw)
        seen.add(r["id"])
        exporter = _iso3(r["exporter"], column="exporter", **kw)
        announced = _date(r["announced"], column="announced", **kw)
        effective = _date(r["effective"], column="effective", **kw)
        ended = _date(r["ended"], column="ended", required=False, **kw)
        if effective < announced:
            raise DataError(f"effective date before the announcement ({r['announced']})", column="effective",
                            value=r["effective"], **kw)
        if ended is not None and ended < announced:
            raise DataError(f"end date before the announcement ({r['announced']})", column="ended",
                            value=r["ended"], **kw)
        if r["kind"] not in KINDS:
            raise DataError(f"expected one of {', '.join(KINDS)}", column="kind", value=r["kind"], **kw)
        dest = _split(r["destinations"])
        if dest != ("all",):
            if not dest:
                raise DataError("expected 'all' or ISO3 codes separated by ';'", column="destinations",
                                value=r["destinations"], **kw)
            dest = tuple(_iso3(d, column="destinations", **kw) for d in dest)
        coms = _split(r["commodities"])
        for c in coms:
            try:
                cid = get_commodity(c).id
            except UnknownCommodityError:
                cid = None
            if cid != c:
                raise DataError("expected a commodity id of critmin.commodities", column="commodities",
                                value=c, **kw)
        restrictive = r["kind"] in RESTRICTIVE_KINDS
        if restrictive and not coms:
            raise DataError(f"a {r['kind']} needs the commodities it restricts", column="commodities",
                            value=r["commodities"], **kw)
        codes = _split(r["hs_codes"])
        for c in codes:
            if not (c.isdigit() and len(c) in (4, 6)):
                raise DataError("expected HS codes of 4 or 6 digits separated by ';'", column="hs_codes",
                                value=c, **kw)
        if len(set(codes)) != len(codes):
            raise DataError("an HS code is listed twice", column="hs_codes", value=r["hs_codes"], **kw)
        if not re.match(r"^https?://\S+$", r["url"]):
            raise DataError("expected an http(s) URL", column="url", value=r["url"], **kw)
        for col in ("products", "document"):
            if not r[col]:
                raise DataError("empty", column=col, **kw)
        out.append({**r, "exporter": exporter, "announced": announced, "effective": effective,
                    "ended": ended if ended is not None else pd.NaT, "destinations": dest,
                    "commodities": coms, "hs_codes": codes, "restrictive": restrictive, "row": i})
    if not out:
        raise DataError("no events", file=name)
    df = pd.DataFrame(out, columns=[*EVENT_COLUMNS, "restrictive", "row"])
    for c in ("announced", "effective", "ended"):
        df[c] = pd.to_datetime(df[c])
    return df


def read_events(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate an export-control catalogue (default: the bundled one).

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of :data:`EVENT_COLUMNS`; default ``critmin/data/export_controls.csv``.

    Returns
    -------
    DataFrame
        As :func:`parse_events`.

    Raises
    ------
    DataError
        See :func:`parse_events`.
    """
    if path is None:
        return events()
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file" if not p.exists() else "not a file", file=str(p))
    check_size(p, _MAX_MB, "an export-control catalogue")
    try:
        text = read_text(p, ("utf-8-sig",))
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc}", file=str(p)) from None
    return parse_events(text, p.name)


@cache_per_storage(maxsize=2)
def _bundled() -> pd.DataFrame:
    text = resources.files("critmin.data").joinpath(_BUNDLED).read_text("utf-8")
    return parse_events(text, f"critmin/data/{_BUNDLED}")


def events() -> pd.DataFrame:
    """The bundled catalogue (a copy), as :func:`parse_events` returns it."""
    return _bundled().copy()


def check_hs(catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check every event's HS codes against the HS catalogue (:mod:`critmin.hs`).

    A code is *catalogued* when the HS catalogue lists it, *under heading H* when it falls under a
    catalogued 4-digit heading ``H`` (``811010`` under ``8110``), else *not catalogued*. A catalogued
    line (or heading) that holds one product only (not ``mixed``) must carry one of the event's
    commodities; a mixed line may carry others (HS 282590 is catalogued for gallium oxide and also holds
    tungsten oxides).

    Parameters
    ----------
    catalogue : DataFrame, optional
        Events as :func:`parse_events` returns them; default the bundled catalogue.

    Returns
    -------
    DataFrame
        One row per (event, code): ``id``, ``hs_code``, ``status`` (``catalogued``, ``under heading``,
        ``not catalogued``), ``catalogue_code`` (the catalogued code or heading, else empty),
        ``catalogue_commodities`` (tuple), ``mixed`` (bool or None), ``consistent`` (bool) and
        ``problem`` (empty when consistent).
    """
    from critmin.hs import UnknownHSCodeError, describe

    ev = events() if catalogue is None else catalogue
    rows = []
    for e in ev.itertuples(index=False):
        for code in e.hs_codes:
            status, ref, info = "not catalogued", "", None
            try:
                info, status, ref = describe(code), "catalogued", code
            except UnknownHSCodeError:
                if len(code) == 6:
                    with contextlib.suppress(UnknownHSCodeError):
                        info, status, ref = describe(code[:4]), "under heading", code[:4]
            coms = tuple(info["commodities"]) if info else ()
            mixed = bool(info["mixed"]) if info else None
            problem = ""
            if info and not mixed and not set(coms) & set(e.commodities):
                problem = (f"HS {ref} is catalogued for {', '.join(coms)} only, not for "
                           f"{', '.join(e.commodities)}")
            rows.append({"id": e.id, "hs_code": code, "status": status, "catalogue_code": ref,
                         "catalogue_commodities": coms, "mixed": mixed, "consistent": not problem,
                         "problem": problem})
    return pd.DataFrame(rows, columns=["id", "hs_code", "status", "catalogue_code", "catalogue_commodities",
                                       "mixed", "consistent", "problem"])


def hs_overlap(a: str, b: str) -> bool:
    """True when two HS codes overlap: equal, or one is a heading of the other (``2846`` and ``284690``)."""
    return a.startswith(b) or b.startswith(a)


def _touches(codes: Iterable[str], lines: Sequence[str]) -> bool:
    return any(hs_overlap(c, ln) for c in codes for ln in lines)


def _month(x: object) -> pd.Timestamp:
    return pd.Timestamp(str(x)[:7] + "-01") if isinstance(x, str) else \
        pd.Timestamp(x).to_period("M").to_timestamp()


def month_distance(a: object, b: object) -> int:
    """Signed months from ``b`` to ``a`` (``month_distance("2023-12", "2023-10") == 2``)."""
    pa, pb = _month(a).to_period("M"), _month(b).to_period("M")
    return (pa - pb).n


def events_for(hs_codes: str | Iterable[str] | None = None, *, exporter: str | None = None,
               start: object = None, end: object = None, restrictive_only: bool = True,
               catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """The known events of a series over a range of months (for chart annotations and tables).

    Parameters
    ----------
    hs_codes : str or iterable of str, optional
        The series' HS lines (``"811292"`` or several); an event matches when one of its codes overlaps
        one of them (:func:`hs_overlap`). Default: every event.
    exporter : str, optional
        ISO3 of the exporter; default: every exporter.
    start, end : str or Timestamp, optional
        First and last month (``YYYY-MM``); an event is kept when its announcement or its effective
        month falls in the range.
    restrictive_only : bool
        Only the kinds of :data:`RESTRICTIVE_KINDS` (default), the ones trade data can show.
    catalogue : DataFrame, optional
        Events as :func:`parse_events` returns them; default the bundled catalogue.

    Returns
    -------
    DataFrame
        The matching rows of the catalogue, by effective date, with ``announced_month`` and
        ``effective_month`` (``YYYY-MM``) added.
    """
    if catalogue is None:
        first = None if start is None else _month(start)
        last = None if end is None else _month(end)
        return _bundled_events_for(_lines_key(hs_codes), _exporter_key(exporter), first, last,
                                   bool(restrictive_only)).copy()
    return _events_for(catalogue.copy(), hs_codes, exporter=exporter, start=start, end=end,
                       restrictive_only=restrictive_only)


def _lines_key(hs_codes: str | Iterable[str] | None) -> tuple[str, ...] | None:
    from critmin.monitor.panel import normalise_hs

    return None if hs_codes is None else normalise_hs(hs_codes)


def _exporter_key(exporter: str | None) -> str | None:
    return exporter.upper() if exporter else None


@cache_per_storage(maxsize=1024)
def _bundled_events_for(lines: tuple[str, ...] | None, exporter: str | None, start: pd.Timestamp | None,
                        end: pd.Timestamp | None, restrictive_only: bool) -> pd.DataFrame:
    """:func:`events_for` on the bundled catalogue, once per (normalised) arguments: hand out copies."""
    return _events_for(_bundled(), lines, exporter=exporter, start=start, end=end,
                       restrictive_only=restrictive_only)


def _events_for(ev: pd.DataFrame, hs_codes: str | Iterable[str] | None, *, exporter: str | None,
                start: object, end: object, restrictive_only: bool) -> pd.DataFrame:
    # row by row in Python: the catalogue holds a few dozen events, and pandas' per-call overhead on
    # such a frame is what a monitor run paid for
    lines = None
    if hs_codes is not None:
        from critmin.monitor.panel import normalise_hs

        lines = normalise_hs(hs_codes)
    first = None if start is None else _month(start)
    last = None if end is None else _month(end)
    who = exporter.upper() if exporter else None
    keep = []
    effective, ids = list(ev["effective"]), list(ev["id"])
    rows = zip(ev["restrictive"], ev["exporter"], ev["hs_codes"], ev["announced"], effective, strict=True)
    for i, (restr, exp, codes, ann, eff) in enumerate(rows):
        if (restrictive_only and not restr) or (who is not None and exp != who):
            continue
        if lines is not None and not _touches(codes, lines):
            continue
        a, e = _month(ann), _month(eff)
        if first is not None and not (a >= first or e >= first):
            continue
        if last is not None and not (a <= last or e <= last):
            continue
        keep.append(i)
    keep.sort(key=lambda i: (effective[i], ids[i]))
    out = ev.take(keep).reset_index(drop=True)
    out["announced_month"] = out["announced"].dt.strftime("%Y-%m")
    out["effective_month"] = out["effective"].dt.strftime("%Y-%m")
    return out


def active_events(hs_codes: str | Iterable[str], month: object, *, exporter: str | None = None,
                  catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """Restrictive events in force on some of the lines in a month.

    An event is in force in month ``m`` when its effective month is ``m`` or earlier and it had not ended
    before ``m`` (a measure suspended within ``m`` still counts for ``m``).

    Parameters
    ----------
    hs_codes : str or iterable of str
        The lines.
    month : str or Timestamp
        ``YYYY-MM``.
    exporter : str, optional
        ISO3 of the exporter.
    catalogue : DataFrame, optional
        Default the bundled catalogue.

    Returns
    -------
    DataFrame
        The rows of :func:`events_for` in force that month.
    """
    m = _month(month)
    ev = events_for(hs_codes, exporter=exporter, catalogue=catalogue)
    eff = ev["effective"].dt.to_period("M").dt.to_timestamp()
    ended = ev["ended"].dt.to_period("M").dt.to_timestamp()
    applied = ev["ended"].isna() | (ev["ended"] >= ev["effective"])  # not suspended before taking effect
    live = (eff <= m) & (ended.isna() | (ended >= m)) & applied
    return ev[live].reset_index(drop=True)


def event_windows(hs_codes: str | Iterable[str], *, exporter: str | None = None,
                  catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """The months in which each restrictive event on some of the lines was in force.

    Parameters
    ----------
    hs_codes : str or iterable of str
        The lines.
    exporter : str, optional
        ISO3 of the exporter.
    catalogue : DataFrame, optional
        Default the bundled catalogue.

    Returns
    -------
    DataFrame
        One row per event that applied (events suspended before taking effect are left out): ``id``,
        ``start`` (effective month), ``end`` (month it ended, NaT while in force), ``lines`` (the given
        lines it falls on, tuple), ``destinations`` (tuple), ``document``, ``effective`` (date).
    """
    if catalogue is None:
        return _bundled_event_windows(_lines_key(hs_codes), _exporter_key(exporter)).copy()
    return _event_windows(hs_codes, exporter=exporter, catalogue=catalogue)


@cache_per_storage(maxsize=1024)
def _bundled_event_windows(lines: tuple[str, ...], exporter: str | None) -> pd.DataFrame:
    """:func:`event_windows` on the bundled catalogue, once per (normalised) arguments: hand out copies."""
    return _event_windows(lines, exporter=exporter, catalogue=None)


def _event_windows(hs_codes: str | Iterable[str], *, exporter: str | None,
                   catalogue: pd.DataFrame | None) -> pd.DataFrame:
    from critmin.monitor.panel import normalise_hs

    lines = normalise_hs(hs_codes)
    ev = events_for(lines, exporter=exporter, catalogue=catalogue)
    rows = []
    for e in ev.itertuples(index=False):
        if pd.notna(e.ended) and e.ended < e.effective:
            continue
        rows.append({"id": e.id, "start": _month(e.effective),
                     "end": _month(e.ended) if pd.notna(e.ended) else pd.NaT,
                     "lines": tuple(ln for ln in lines if any(hs_overlap(c, ln) for c in e.hs_codes)),
                     "destinations": e.destinations, "document": e.document, "effective": e.effective})
    return pd.DataFrame(rows, columns=["id", "start", "end", "lines", "destinations", "document",
                                       "effective"])


def nearest_event(hs_codes: str | Iterable[str], month: object, *, exporter: str | None = None,
                  tolerance: int | None = None, catalogue: pd.DataFrame | None = None) -> dict | None:
    """The restrictive event whose effective month is nearest to a month, on the same lines.

    Parameters
    ----------
    hs_codes : str or iterable of str
        The lines.
    month : str or Timestamp
        ``YYYY-MM``.
    exporter : str, optional
        ISO3 of the exporter.
    tolerance : int, optional
        Only events within this many months [months]; default any distance.
    catalogue : DataFrame, optional
        Default the bundled catalogue.

    Returns
    -------
    dict or None
        ``id``, ``effective_month``, ``distance`` (signed months from the effective month to ``month``),
        ``document``; None when no event matches.
    """
    if catalogue is None:
        near = _bundled_nearest_event(_lines_key(hs_codes), _month(month), _exporter_key(exporter), tolerance)
        return dict(near) if near is not None else None
    return _nearest_event(hs_codes, month, exporter=exporter, tolerance=tolerance, catalogue=catalogue)


@cache_per_storage(maxsize=4096)
def _bundled_nearest_event(lines: tuple[str, ...], month: pd.Timestamp, exporter: str | None,
                           tolerance: int | None) -> dict | None:
    """:func:`nearest_event` on the bundled catalogue, once per (normalised) arguments: hand out copies."""
    return _nearest_event(lines, month, exporter=exporter, tolerance=tolerance, catalogue=None)


def _nearest_event(hs_codes: str | Iterable[str], month: object, *, exporter: str | None,
                   tolerance: int | None, catalogue: pd.DataFrame | None) -> dict | None:
    ev = events_for(hs_codes, exporter=exporter, catalogue=catalogue)
    if ev.empty:
        return None
    dist = [month_distance(month, e) for e in ev["effective_month"]]
    best = min(range(len(dist)), key=lambda i: (abs(dist[i]), dist[i] < 0))
    if tolerance is not None and abs(dist[best]) > tolerance:
        return None
    e = ev.iloc[best]
    return {"id": e["id"], "effective_month": e["effective_month"], "distance": int(dist[best]),
            "document": e["document"]}


def to_records(catalogue: pd.DataFrame) -> list[dict]:
    """Events as JSON-ready dicts (dates ``YYYY-MM-DD`` or None, lists for the multi-valued columns).

    Parameters
    ----------
    catalogue : DataFrame
        Events as :func:`parse_events` or :func:`events_for` return them.

    Returns
    -------
    list of dict
        Keys: the columns of :data:`EVENT_COLUMNS` and ``restrictive``.
    """
    out = []
    for e in catalogue.itertuples(index=False):
        d = {}
        for c in EVENT_COLUMNS:
            v = getattr(e, c)
            if c in ("announced", "effective", "ended"):
                v = None if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"
            elif c in ("destinations", "commodities", "hs_codes"):
                v = list(v)
            d[c] = v
        d["restrictive"] = bool(e.restrictive)
        out.append(d)
    return out
