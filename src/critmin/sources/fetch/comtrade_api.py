"""UN Comtrade v1 API: plan the calls, fetch them, check every answer, store it raw, ingest it.

:func:`get_comtrade` downloads (and keeps in the cache) the answers to one query; :func:`fetch_comtrade`
also ingests them into the warehouse through the registry reader ``comtrade``
(:func:`critmin.sources.comtrade.read_comtrade`), so fetched rows are the rows a downloaded file gives:
source ``comtrade``, edition ``COMTRADE-API-<retrieval date>``.

Notes
-----
* Endpoints. Without a key, the public preview endpoint
  ``https://comtradeapi.un.org/public/v1/preview/C/{freq}/HS``, which returns at most 500 records per
  call. With a subscription key (``COMTRADE_API_KEY``), the full endpoint
  ``https://comtradeapi.un.org/data/v1/get/C/{freq}/HS`` with the key in the
  ``Ocp-Apim-Subscription-Key`` header (at most 250,000 records per call). The key is never written
  to a URL, a message, the cache or the log.
* The query string is the one of the recorded China-imports snapshot
  (``un_comtrade_china_imports_hs2846_annual/manifest.json``): ``period, reporterCode, cmdCode,
  flowCode, [partnerCode], partner2Code=0, customsCode=C00, motCode=0, maxRecords,
  breakdownMode=classic, includeDesc=true, format=JSON``: totals only (no breakdown by second
  partner, customs procedure or mode of transport), so one period, one HS code and one partner is
  one record.
* Splitting. One call per period, all HS codes and the partners asked for in it. An answer whose
  ``count`` reaches the cap (``count >= maxRecords``), or that holds fewer records than its
  ``count``, may be truncated: it is kept in the cache but not ingested, and the call is split, first
  by HS code, then by partner (halves of the list asked for; for all partners, halves of every area
  code critmin knows, after which the partners must sum to the World record within
  ``max(1 USD, 1e-9 x World)``, the check the recorded snapshot passed). A call of one period, one
  code and one partner that still reaches the cap fails.
* Each answer is checked before anything is stored in the warehouse: not empty (0 bytes), JSON with
  ``count`` and a ``data`` list, no ``error``, every record with the fields critmin reads
  (:data:`FIELDS`; a renamed field is a changed schema), and records of the query asked (reporter,
  flow, codes, period). An answer with ``count`` 0 (a period not published yet) is logged as
  ``empty``; when every answer is empty the fetch fails.
* Partners and reporters are ISO3 codes or names, mapped to Comtrade area codes: the ISO 3166 numeric
  code except where Comtrade uses its own (``critmin/data/comtrade_codes.csv``: France 251, USA 842,
  India 699, Switzerland 757, Norway 579); ``WLD`` or ``World`` is 0; ``CT:490`` style codes and bare
  numbers are passed as they are. Taiwan is not a Comtrade area (its trade is in 490 "Other Asia,
  nes").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from critmin.sources.fetch._http import FetchError, HttpClient
from critmin.sources.fetch.cache import RawCache, utc_now
from critmin.sources.fetch.store import Download, FetchResult, ingest_downloads

__all__ = [
    "DEFAULT_BASE",
    "PREVIEW_CAP",
    "FULL_CAP",
    "KEY_ENV",
    "KEY_HEADER",
    "FIELDS",
    "ComtradeQuery",
    "ComtradeCall",
    "comtrade_query",
    "area_code",
    "parse_periods",
    "plan_calls",
    "get_comtrade",
    "fetch_comtrade",
]

DEFAULT_BASE = "https://comtradeapi.un.org"
"""Scheme and host of the UN Comtrade API (``--base-url`` replaces it)."""
PREVIEW_PATH = "/public/v1/preview/{type}/{freq}/{cl}"
FULL_PATH = "/data/v1/get/{type}/{freq}/{cl}"
PREVIEW_CAP = 500
"""Most records the public preview endpoint returns per call."""
FULL_CAP = 250_000
"""Most records the full (keyed) endpoint returns per call."""
KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
MIN_INTERVAL = 1.0
"""Default least time between two calls [s]."""

FIELDS = ("reporterCode", "partnerCode", "flowCode", "cmdCode", "freqCode", "period", "primaryValue",
          "netWgt", "qty", "qtyUnitCode", "cifvalue", "fobvalue", "customsCode", "motCode",
          "partner2Code")
"""Fields every record must have (those the ``comtrade`` reader reads)."""

FLOW_CODES = {"import": "M", "export": "X", "re-import": "RM", "re-export": "RX"}


# ---------------------------------------------------------------------------------------------
# Query
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComtradeQuery:
    """One query: reporter, flow, HS codes, frequency, periods, partners.

    Attributes
    ----------
    reporter : str
        As given (``CHN``).
    reporter_code : int
        Comtrade area code (156).
    flow_code : str
        ``M``, ``X``, ``RM`` or ``RX``.
    hs : tuple of str
        HS codes (2–6 digits).
    freq : str
        ``A`` (annual) or ``M`` (monthly).
    periods : tuple of str
        Comtrade periods: ``YYYY`` (annual) or ``YYYYMM`` (monthly).
    partners : tuple of int or None
        Comtrade partner codes; None for every partner (and the World total).
    """

    reporter: str
    reporter_code: int
    flow_code: str
    hs: tuple[str, ...]
    freq: str
    periods: tuple[str, ...]
    partners: tuple[int, ...] | None = None

    def describe(self) -> dict:
        """The query as data (recorded in the cache manifests and the fetch log)."""
        return {"reporterCode": self.reporter_code, "flowCode": self.flow_code,
                "cmdCode": ",".join(self.hs), "freqCode": self.freq,
                "period": ",".join(self.periods),
                "partnerCode": "all" if self.partners is None else ",".join(map(str, self.partners))}


def _month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise FetchError(f"bad month {text!r}; expected YYYY-MM (2025-01) or YYYYMM")
    return int(m.group(1)), int(m.group(2))


def parse_periods(text: str, freq: str) -> list[str]:
    """Comtrade periods from ``--period``.

    Parameters
    ----------
    text : str
        Annual: ``2018:2024``, ``2020`` or ``2018,2020``. Monthly: ``2024-01:2025-12``, ``2025-03``,
        ``202503``, ``2025`` (its twelve months), or a comma-separated list of these.
    freq : str
        ``A`` or ``M``.

    Returns
    -------
    list of str
        ``YYYY`` or ``YYYYMM``, in order, without duplicates.

    Raises
    ------
    FetchError
        On a malformed period, a range that runs backwards, or more than 600 periods.
    """
    freq = freq.upper()
    if freq not in ("A", "M"):
        raise FetchError(f"bad frequency {freq!r}; expected A (annual) or M (monthly)")
    out: list[str] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        lo, _, hi = part.partition(":")
        if freq == "A":
            if not re.fullmatch(r"\d{4}", lo) or (hi and not re.fullmatch(r"\d{4}", hi)):
                raise FetchError(f"bad annual period {part!r}; expected YYYY or YYYY:YYYY (2018:2024)")
            a, b = int(lo), int(hi or lo)
            if b < a:
                raise FetchError(f"the period {part!r} runs backwards")
            out += [str(y) for y in range(a, b + 1)]
        else:
            if not hi and re.fullmatch(r"\d{4}", lo):
                out += [f"{lo}{m:02d}" for m in range(1, 13)]
                continue
            (y0, m0), (y1, m1) = _month(lo), _month(hi or lo)
            if (y1, m1) < (y0, m0):
                raise FetchError(f"the period {part!r} runs backwards")
            y, m = y0, m0
            while (y, m) <= (y1, m1):
                out.append(f"{y}{m:02d}")
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    seen = list(dict.fromkeys(out))
    if not seen:
        raise FetchError("no period given; expected e.g. 2018:2024 (annual) or 2024-01:2025-12 (monthly)")
    if len(seen) > 600:
        raise FetchError(f"{len(seen)} periods asked for; at most 600 per fetch")
    return seen


@lru_cache(maxsize=1)
def _comtrade_overrides() -> dict[str, int]:
    """ISO3 -> Comtrade code where Comtrade v1 does not use the ISO numeric code (the rows of
    ``critmin/data/comtrade_codes.csv`` whose note starts "Comtrade code for")."""
    import csv
    from importlib import resources

    text = resources.files("critmin.data").joinpath("comtrade_codes.csv").read_text("utf-8")
    return {rec["code"]: int(rec["comtrade_code"]) for rec in csv.DictReader(text.splitlines())
            if rec["kind"] == "country" and rec["note"].startswith("Comtrade code for")}


def area_code(text: str) -> int:
    """The Comtrade area code of a country or area.

    Parameters
    ----------
    text : str
        ISO3 (``CHN``), a name (``China``), ``WLD``/``World`` (0), ``CT:490`` or a bare number.

    Raises
    ------
    FetchError
        For an unknown name, a group or an area Comtrade does not publish (Taiwan).
    """
    from critmin.countries import UnknownCountryError, resolve

    raw = str(text).strip()
    if re.fullmatch(r"\d{1,4}", raw):
        return int(raw)
    m = re.fullmatch(r"CT:(\d{1,4})", raw, re.IGNORECASE)
    if m:
        return int(m.group(1))
    if raw.upper() in ("WLD", "W00") or raw.casefold() == "world":
        return 0
    try:
        c = resolve(raw)
    except UnknownCountryError as err:
        raise FetchError(f"unknown country {raw!r} ({err}); expected an ISO3 code, a name or a "
                         "Comtrade area code") from None
    if c.code == "TWN":
        raise FetchError("UN Comtrade does not publish Taiwan as an area; its trade is in 490 "
                         "'Other Asia, nes' (pass CT:490)")
    if c.code in _comtrade_overrides():
        return _comtrade_overrides()[c.code]
    import pycountry

    rec = pycountry.countries.get(alpha_3=c.code)
    if rec is None or not c.is_country:
        raise FetchError(f"{raw!r} ({c.code}) has no UN Comtrade area code; pass the numeric code")
    return int(rec.numeric)


def comtrade_query(reporter: str, *, flow: str, hs: str | list[str], freq: str, period: str,
                   partner: str | list[str] = "all") -> ComtradeQuery:
    """Build and check a query from the command-line words.

    Parameters
    ----------
    reporter : str
        Reporting country (ISO3 or name).
    flow : str
        ``import``, ``export``, ``re-import``, ``re-export`` (or ``M``, ``X``, ``RM``, ``RX``).
    hs : str or list of str
        HS codes, comma-separated (``280530,284690,850511``).
    freq : str
        ``A`` or ``M``.
    period : str
        See :func:`parse_periods`.
    partner : str or list of str
        ``all`` (every partner and the World total) or countries, comma-separated.

    Raises
    ------
    FetchError
        On any word that is not understood.
    """
    f = flow.strip().lower()
    flow_code = FLOW_CODES.get(f) or (f.upper() if f.upper() in FLOW_CODES.values() else None)
    if flow_code is None:
        raise FetchError(f"bad flow {flow!r}; expected one of {', '.join(FLOW_CODES)}")
    codes = hs.split(",") if isinstance(hs, str) else list(hs)
    codes = [c.strip().replace(".", "") for c in codes if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", c)]
    if bad or not codes:
        raise FetchError(f"bad HS code(s) {bad or hs!r}; expected 2, 4 or 6 digits, comma-separated")
    freq = freq.strip().upper()
    periods = parse_periods(period, freq)
    parts = partner.split(",") if isinstance(partner, str) else list(partner)
    parts = [p.strip() for p in parts if p.strip()]
    if not parts or [p.casefold() for p in parts] == ["all"]:
        partners = None
    else:
        partners = tuple(dict.fromkeys(area_code(p) for p in parts))
    return ComtradeQuery(reporter=reporter.strip(), reporter_code=area_code(reporter),
                         flow_code=flow_code, hs=tuple(dict.fromkeys(codes)), freq=freq,
                         periods=tuple(periods), partners=partners)


# ---------------------------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _partner_universe() -> tuple[int, ...]:
    """Every area code critmin knows: World, ISO 3166 countries (with Comtrade's own codes where
    it differs) and the Comtrade areas of ``comtrade_codes.csv``."""
    import pycountry

    from critmin.countries import comtrade_codes

    over = _comtrade_overrides()
    codes = {0}
    for rec in pycountry.countries:
        codes.add(over.get(rec.alpha_3, int(rec.numeric)))
    codes.update(comtrade_codes())
    return tuple(sorted(codes))


def _label(items: tuple, prefix: str, limit: int = 3) -> str:
    text = "+".join(map(str, items))
    if len(items) <= limit and len(text) <= 40:
        return prefix + text
    return prefix + hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class ComtradeCall:
    """One call: a period, some HS codes, some partners (None: all).

    Attributes
    ----------
    period : str
        ``YYYY`` or ``YYYYMM``.
    hs : tuple of str
        HS codes.
    partners : tuple of int or None
        Partner codes; None for all.
    universe : bool
        True when ``partners`` is a half of every known area (a split of "all").
    """

    period: str
    hs: tuple[str, ...]
    partners: tuple[int, ...] | None = None
    universe: bool = False

    def params(self, q: ComtradeQuery, cap: int) -> list[tuple[str, str]]:
        """The query string, in the order of the recorded snapshot."""
        out = [("period", self.period), ("reporterCode", str(q.reporter_code)),
               ("cmdCode", ",".join(self.hs)), ("flowCode", q.flow_code)]
        if self.partners is not None:
            out.append(("partnerCode", ",".join(map(str, self.partners))))
        out += [("partner2Code", "0"), ("customsCode", "C00"), ("motCode", "0"),
                ("maxRecords", str(cap)), ("breakdownMode", "classic"), ("includeDesc", "true"),
                ("format", "JSON")]
        return out

    def url(self, q: ComtradeQuery, *, base: str, keyed: bool, cap: int) -> str:
        """The full URL of this call."""
        path = (FULL_PATH if keyed else PREVIEW_PATH).format(type="C", freq=q.freq, cl="HS")
        return base.rstrip("/") + path + "?" + urllib.parse.urlencode(self.params(q, cap), safe=",")

    def name(self, q: ComtradeQuery) -> str:
        """The file name its answer is stored and ingested under."""
        part = "pall" if self.partners is None else _label(self.partners, "p")
        return (f"comtrade-C-{q.freq}-HS-r{q.reporter_code}-{q.flow_code}-{self.period}-"
                f"{_label(self.hs, 'hs')}-{part}.json")

    def split(self, q: ComtradeQuery) -> list[ComtradeCall] | None:
        """Two or more smaller calls covering this one, or None when it cannot be split."""
        if len(self.hs) > 1:
            return [replace(self, hs=(h,)) for h in self.hs]
        parts = self.partners
        universe = self.universe
        if parts is None:
            parts, universe = _partner_universe(), True
        if len(parts) > 1:
            mid = len(parts) // 2
            return [replace(self, partners=parts[:mid], universe=universe),
                    replace(self, partners=parts[mid:], universe=universe)]
        return None


def plan_calls(q: ComtradeQuery) -> list[ComtradeCall]:
    """The first calls for a query: one per period (split further only if an answer is truncated)."""
    return [ComtradeCall(period=p, hs=q.hs, partners=q.partners) for p in q.periods]


# ---------------------------------------------------------------------------------------------
# Checking an answer
# ---------------------------------------------------------------------------------------------

def _schema_error(url: str, what: str) -> FetchError:
    return FetchError(f"the UN Comtrade answer from {url} {what}: the API's response schema changed? "
                      "critmin reads the fields " + ", ".join(FIELDS)
                      + "; nothing from this fetch was ingested")


def _check(body: bytes, url: str, call: ComtradeCall, q: ComtradeQuery, cap: int) -> tuple[dict, int, bool]:
    """(answer, count, truncated) of one call, or a FetchError saying what is wrong."""
    if not body.strip():
        raise FetchError(f"empty answer ({len(body)} bytes) from {url}; expected a UN Comtrade JSON "
                         "response {\"count\", \"data\": [...]}; nothing from this fetch was ingested")
    try:
        obj = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        head = body[:60].decode("utf-8", errors="replace").replace("\n", " ")
        raise FetchError(f"the answer from {url} is not JSON ({err}; it starts {head!r}); expected a "
                         "UN Comtrade response") from None
    if not isinstance(obj, dict):
        raise _schema_error(url, f"is a JSON {type(obj).__name__}, not an object")
    err_text = obj.get("error")
    if err_text:
        raise FetchError(f"UN Comtrade answered {url} with an error: {str(err_text)[:200]!r}")
    data = obj.get("data")
    if not isinstance(data, list):
        raise _schema_error(url, "has no 'data' list (its keys: " + ", ".join(map(str, obj)) + ")")
    count = obj.get("count")
    if isinstance(count, bool) or not isinstance(count, int):
        raise _schema_error(url, "has no integer 'count' (its keys: " + ", ".join(map(str, obj)) + ")")
    import difflib

    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise _schema_error(url, f"holds a record that is not an object (record {i})")
        lacking = [f for f in FIELDS if f not in rec]
        if lacking:
            near = sorted({n for f in lacking for n in difflib.get_close_matches(f, list(rec), 2, 0.7)}
                          - set(FIELDS))
            raise _schema_error(url, f"has records without the field(s) {', '.join(lacking)} (record "
                                f"{i}" + (f"; it has {', '.join(near)} instead" if near else "") + ")")
        want = (("reporterCode", str(q.reporter_code)), ("flowCode", q.flow_code),
                ("freqCode", q.freq), ("period", call.period))
        for key, expect in want:
            got = str(rec.get(key)).strip()
            if got != expect:
                raise FetchError(f"the answer from {url} holds a record of another query (record {i}: "
                                 f"{key} {got!r}, asked for {expect!r})")
        if str(rec.get("cmdCode")).strip() not in call.hs:
            raise FetchError(f"the answer from {url} holds a record of another query (record {i}: "
                             f"cmdCode {rec.get('cmdCode')!r}, asked for {','.join(call.hs)})")
        if call.partners is not None and int(rec.get("partnerCode")) not in call.partners:
            raise FetchError(f"the answer from {url} holds a record of another query (record {i}: "
                             f"partnerCode {rec.get('partnerCode')!r} was not asked for)")
    truncated = count >= cap or len(data) >= cap or count > len(data)
    return obj, count, truncated


def _payload_sha(obj: dict) -> str:
    text = json.dumps(obj.get("data"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_world(answers: list[tuple[ComtradeCall, dict]], q: ComtradeQuery) -> None:
    """After a split of 'all partners': the partners must add up to the World record."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for call, obj in answers:
        if call.universe:
            for rec in obj["data"]:
                groups.setdefault((call.period, str(rec["cmdCode"])), []).append(rec)
    for (period, code), recs in sorted(groups.items()):
        world = [r for r in recs if int(r["partnerCode"]) == 0]
        if not world:
            raise FetchError(f"after splitting the partners of period {period}, HS {code}, no World "
                             "record came back: cannot tell whether every partner was fetched")
        total = float(world[0]["primaryValue"] or 0)
        parts = sum(float(r["primaryValue"] or 0) for r in recs if int(r["partnerCode"]) != 0)
        if abs(parts - total) > max(1.0, abs(total) * 1e-9):
            raise FetchError(f"after splitting the partners of period {period}, HS {code}, the partners "
                             f"sum to USD {parts:,.0f} but the World record is USD {total:,.0f}: some "
                             "areas critmin does not know were left out; pass --partner with their "
                             f"codes or set {KEY_ENV} to use the full endpoint")


# ---------------------------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------------------------

def _endpoint(api_key: str | None, base_url: str | None, max_records: int | None) -> tuple[str, bool, int]:
    keyed = bool(api_key)
    cap = int(max_records) if max_records else (FULL_CAP if keyed else PREVIEW_CAP)
    return (base_url or DEFAULT_BASE), keyed, cap


def get_comtrade(
    reporter: str,
    *,
    flow: str,
    hs: str | list[str],
    freq: str,
    period: str,
    partner: str | list[str] = "all",
    base_url: str | None = None,
    api_key: str | None = None,
    client: HttpClient | None = None,
    cache: RawCache | None = None,
    max_records: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Download], list[str]]:
    """Download the answers to one UN Comtrade query and keep them in the cache.

    Parameters
    ----------
    reporter, flow, hs, freq, period, partner : str
        See :func:`comtrade_query`.
    base_url : str, optional
        Scheme and host (and any path prefix) instead of ``https://comtradeapi.un.org``.
    api_key : str, optional
        Subscription key; default ``$COMTRADE_API_KEY``. With a key the full endpoint is used.
    client : HttpClient, optional
        Default: 3 retries, a 1 s interval between calls.
    cache : RawCache, optional
        Default: the user cache.
    max_records : int, optional
        The per-call cap (``maxRecords``); default 500 (preview) or 250,000 (full endpoint).
    progress : callable, optional
        Called with a short message per call.

    Returns
    -------
    (list of Download, list of str)
        The answers to ingest (truncated answers that were split are kept in the cache but not
        listed), and notes (splits made, empty periods).

    Raises
    ------
    FetchError
        On an HTTP error that persists, an empty (0-byte) or non-JSON answer, an API error, a
        changed schema, records of another query, a truncated answer that cannot be split, or no
        records at all.
    """
    q = comtrade_query(reporter, flow=flow, hs=hs, freq=freq, period=period, partner=partner)
    key = api_key if api_key is not None else os.environ.get(KEY_ENV) or None
    base, keyed, cap = _endpoint(key, base_url, max_records)
    client = client or HttpClient(min_interval=MIN_INTERVAL)
    cache = cache or RawCache()
    headers = {KEY_HEADER: key} if keyed else {}
    queue = list(plan_calls(q))
    done: list[tuple[ComtradeCall, dict, Download]] = []
    notes: list[str] = []
    while queue:
        call = queue.pop(0)
        url = call.url(q, base=base, keyed=keyed, cap=cap)
        resp = client.get(url, headers=headers)
        when = utc_now()
        obj, count, truncated = _check(resp.body, url, call, q, cap)
        outcome = "truncated" if truncated else ("empty" if count == 0 else "ok")
        query = {**q.describe(), "period": call.period, "cmdCode": ",".join(call.hs),
                 "partnerCode": "all" if call.partners is None else ",".join(map(str, call.partners)),
                 "maxRecords": cap, "endpoint": "full" if keyed else "preview"}
        stored = cache.store(resp.body, source="comtrade", name=call.name(q), url=url, query=query,
                             fetched_at=when, outcome=outcome)
        if progress:
            progress(f"{url} -> {count} records" + (" (possibly truncated)" if truncated else ""))
        if truncated:
            parts = call.split(q)
            if parts is None:
                raise FetchError(
                    f"the answer from {url} holds {count} record(s), the cap of {cap} per call: it may "
                    "be truncated, and one period, one HS code and one partner cannot be split "
                    f"further; set {KEY_ENV} to use the full endpoint; nothing from this fetch was "
                    "ingested")
            how = "HS code" if len(call.hs) > 1 else "partner"
            notes.append(f"period {call.period}: {count} records reached the cap of {cap}; split by "
                         f"{how} into {len(parts)} calls")
            queue[:0] = parts
            continue
        d = Download(url=url, query=query, fetched_at=when, path=stored.path,
                     sha256=stored.sha256, size=stored.size, payload_sha256=_payload_sha(obj),
                     records=count)
        if count == 0:
            d.outcome, d.note = "empty", f"no records for period {call.period} (not published yet?)"
            notes.append(f"period {call.period}, HS {','.join(call.hs)}: no records (not published yet?)")
        done.append((call, obj, d))
    _check_world([(c, o) for c, o, _ in done], q)
    if all(d.outcome == "empty" for _, _, d in done):
        raise FetchError(f"UN Comtrade returned no records for any of the {len(done)} call(s) (reporter "
                         f"{q.reporter_code}, flow {q.flow_code}, HS {','.join(q.hs)}, periods "
                         f"{q.periods[0]}..{q.periods[-1]}): nothing to ingest; the periods may not be "
                         "published yet")
    return [d for _, _, d in done], notes


def fetch_comtrade(
    reporter: str,
    *,
    flow: str,
    hs: str | list[str],
    freq: str,
    period: str,
    partner: str | list[str] = "all",
    base_url: str | None = None,
    api_key: str | None = None,
    warehouse=None,
    dry_run: bool = False,
    client: HttpClient | None = None,
    cache: RawCache | None = None,
    max_records: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> FetchResult:
    """Fetch a UN Comtrade query and ingest the answers (see :func:`get_comtrade`).

    Parameters
    ----------
    warehouse : Warehouse
        An open, writable warehouse (not needed for a dry run).
    dry_run : bool
        Only plan: return the calls (URLs) that would be made first; nothing is fetched or stored.
    Other parameters are those of :func:`get_comtrade`.

    Returns
    -------
    FetchResult
        Calls, files (ingested, unchanged or empty), net rows added per table.
    """
    q = comtrade_query(reporter, flow=flow, hs=hs, freq=freq, period=period, partner=partner)
    key = api_key if api_key is not None else os.environ.get(KEY_ENV) or None
    base, keyed, cap = _endpoint(key, base_url, max_records)
    cache = cache or RawCache()
    calls = [{"url": c.url(q, base=base, keyed=keyed, cap=cap),
              "note": f"period {c.period}" + (f", header {KEY_HEADER} from ${KEY_ENV}" if keyed else "")}
             for c in plan_calls(q)]
    notes = [f"{'full endpoint, key from $' + KEY_ENV if keyed else 'public preview endpoint (no key)'}; "
             f"at most {cap:,} records per call; an answer that reaches the cap is split by HS code, "
             "then by partner"]
    if dry_run:
        return FetchResult(source="comtrade", dry_run=True, calls=calls, cache=str(cache.root),
                           notes=notes)
    if warehouse is None:
        raise FetchError("fetch_comtrade needs a warehouse (or dry_run=True)")
    downloads, more = get_comtrade(reporter, flow=flow, hs=hs, freq=freq, period=period,
                                   partner=partner, base_url=base_url, api_key=key, client=client,
                                   cache=cache, max_records=max_records, progress=progress)
    files, added = ingest_downloads(downloads, "comtrade", warehouse=warehouse, progress=progress)
    return FetchResult(source="comtrade", dry_run=False, calls=calls, files=files, rows_added=added,
                       cache=str(cache.root), notes=notes + more)
