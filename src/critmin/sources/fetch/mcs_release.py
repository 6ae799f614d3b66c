"""USGS Mineral Commodity Summaries data releases on ScienceBase: find the files, fetch them, ingest them.

The files are read by the registry reader ``usgs-mcs`` (the one ``critmin data ingest --source usgs-mcs``
uses), which recognises the layout: the long MCS 2026 file (world production, reserves, U.S. salient
statistics and import sources in one), the MCS 2025 world file, per-commodity world and salient tables.

Notes
-----
* Known release: MCS 2026 (DOI 10.5066/P1WKQ63T), ScienceBase item ``696a75d5d4be0228872d3bf8``, file
  ``MCS2026_Commodities_Data.csv``, fetched from
  ``https://www.sciencebase.gov/catalog/file/get/696a75d5d4be0228872d3bf8?name=MCS2026_Commodities_Data.csv``.
  Its sha256 when it was copied into the raw data (``582a0aa2...``) is the one the bundle lists, so a
  fetch of an unchanged file adds nothing.
* Any other edition (the next one, MCS 2027, appears in January or February) is looked up in the
  ScienceBase collection of MCS data releases (parent item ``5c8c03e4e4b0938824529f7d``):
  ``/catalog/items?parentId=...&format=json&fields=title,files`` lists its items; the one titled
  "Mineral Commodity Summaries <edition>" gives the files. Files taken: ``MCS<Y>_Commodities_Data.csv``,
  ``MCS<Y>_World_Data.csv``, ``mcs<Y>-<code>_world.csv``/``_salient.csv`` and ZIPs of salient or world
  tables (their CSV members are extracted). A checksum ScienceBase lists for a file is verified.
* ``--url`` replaces the defaults: a file's address, or a ScienceBase item page
  (``.../catalog/item/<id>``), whose files are then listed and selected as above.
* The rows must be of the edition asked for (``MCS<Y>``, from the file name or its Source column): a
  file of another edition fails the fetch before anything is stored.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from critmin.errors import DataError
from critmin.sources.fetch._download import download_file, unzip_members
from critmin.sources.fetch._http import FetchError, HttpClient
from critmin.sources.fetch.cache import RawCache
from critmin.sources.fetch.store import Download, FetchResult, ingest_downloads

__all__ = ["SCIENCEBASE", "MCS_PARENT_ITEM", "Release", "KNOWN_RELEASES", "plan_mcs", "fetch_usgs_mcs"]

SCIENCEBASE = "https://www.sciencebase.gov"
"""ScienceBase (``--base-url`` replaces it)."""
MCS_PARENT_ITEM = "5c8c03e4e4b0938824529f7d"
"""ScienceBase item that holds the yearly MCS data releases."""


@dataclass(frozen=True)
class Release:
    """A published MCS data release: edition, DOI, ScienceBase item and the data files taken."""

    edition: int
    doi: str
    item: str
    files: tuple[str, ...]


KNOWN_RELEASES: dict[int, Release] = {
    2026: Release(2026, "10.5066/P1WKQ63T", "696a75d5d4be0228872d3bf8",
                  ("MCS2026_Commodities_Data.csv",)),
}
"""Releases whose files are known (fetched without a catalogue look-up)."""


def _patterns(edition: int) -> list[str]:
    y = str(edition)
    return [rf"^MCS{y}_Commodities_Data\.csv$", rf"^MCS{y}_World_Data\.csv$",
            rf"^mcs{y}-[a-z]+_(world|salient)\.csv$", r"(salient|world).*\.zip$"]


def _wanted(name: str, edition: int) -> bool:
    return any(re.search(p, name, re.IGNORECASE) for p in _patterns(edition))


def _file_url(base: str, item: str, name: str) -> str:
    return f"{base.rstrip('/')}/catalog/file/get/{item}?name={urllib.parse.quote(name)}"


def _listing_url(base: str) -> str:
    return (f"{base.rstrip('/')}/catalog/items?parentId={MCS_PARENT_ITEM}&format=json"
            "&fields=title,files&max=100")


def _item_json_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    qs = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k not in ("format", "fields")]
    qs += [("format", "json"), ("fields", "title,files")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(qs, safe=",")))


def _is_item(url: str) -> bool:
    return "/catalog/item/" in urllib.parse.urlsplit(url).path


def plan_mcs(edition: int, *, urls: list[str] | None = None, base_url: str | None = None) -> list[dict]:
    """The first calls of a fetch: ``[{"url", "note"}]``.

    For a known release, its files; for another edition, the ScienceBase listing of MCS releases
    (the files follow from it); with ``urls``, those addresses.
    """
    base = base_url or SCIENCEBASE
    if urls:
        return [{"url": _item_json_url(u) if _is_item(u) else u,
                 "note": "ScienceBase item: its data files follow" if _is_item(u) else "data file"}
                for u in urls]
    rel = KNOWN_RELEASES.get(int(edition))
    if rel is not None:
        return [{"url": _file_url(base, rel.item, f), "note": f"MCS {edition} (doi:{rel.doi})"}
                for f in rel.files]
    return [{"url": _listing_url(base),
             "note": f"ScienceBase listing of MCS data releases; the files of the item titled "
                     f"'Mineral Commodity Summaries {edition}' follow"}]


def _files_of(items: list[dict], edition: int, where: str) -> list[tuple[str, str, tuple[str, str] | None]]:
    """(url, name, checksum) of the wanted files of ScienceBase items."""
    out = []
    for it in items:
        for f in it.get("files") or []:
            name = str(f.get("name") or "")
            url = f.get("downloadUri") or f.get("url")
            if not name or not url or not _wanted(name, edition):
                continue
            ck = f.get("checksum") or {}
            out.append((str(url), name, (str(ck.get("type", "")), str(ck.get("value", ""))) if ck else None))
    if not out:
        raise FetchError(f"no MCS {edition} data file (MCS{edition}_Commodities_Data.csv, "
                         f"MCS{edition}_World_Data.csv, salient or world tables) among the files of {where}")
    return out


def _json(d: Download, what: str) -> dict:
    try:
        obj = json.loads(d.path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FetchError(f"the {what} from {d.url} is not JSON ({err}); expected a ScienceBase "
                         "catalogue answer") from None
    if not isinstance(obj, dict):
        raise FetchError(f"the {what} from {d.url} is not a JSON object; expected a ScienceBase answer")
    return obj


def fetch_usgs_mcs(
    edition: int,
    *,
    urls: list[str] | None = None,
    base_url: str | None = None,
    warehouse=None,
    dry_run: bool = False,
    client: HttpClient | None = None,
    cache: RawCache | None = None,
    progress: Callable[[str], None] | None = None,
) -> FetchResult:
    """Fetch an MCS data release and ingest its world and salient tables.

    Parameters
    ----------
    edition : int
        The MCS edition (2027 for Mineral Commodity Summaries 2027).
    urls : list of str, optional
        Addresses instead of the defaults (data files or ScienceBase item pages).
    base_url : str, optional
        Instead of ``https://www.sciencebase.gov``.
    warehouse : Warehouse
        An open, writable warehouse (not needed for a dry run).
    dry_run : bool
        Only return the first calls; nothing is fetched or stored.
    client, cache, progress
        HTTP client (default 3 retries), raw store (default the user cache), progress callback.

    Returns
    -------
    FetchResult

    Raises
    ------
    FetchError
        On an HTTP error, an empty or HTML answer, no release of that edition in the catalogue, a
        checksum mismatch, or files of another edition.
    DataError
        When the ``usgs-mcs`` reader refuses a file (nothing is stored).
    """
    edition = int(edition)
    if not 2000 <= edition <= 2100:
        raise FetchError(f"bad MCS edition {edition}; expected a year such as 2027")
    calls = plan_mcs(edition, urls=urls, base_url=base_url)
    cache = cache or RawCache()
    if dry_run:
        return FetchResult(source="usgs-mcs", dry_run=True, calls=calls, cache=str(cache.root))
    if warehouse is None:
        raise FetchError("fetch_usgs_mcs needs a warehouse (or dry_run=True)")
    client = client or HttpClient()
    query = {"edition": edition}
    files: list[tuple[str, str | None, tuple[str, str] | None]] = []
    notes: list[str] = []
    for call in calls:
        url = call["url"]
        if call["note"].startswith("ScienceBase"):
            listing = download_file(client, cache, url, source="usgs-mcs", query=query,
                                    name=f"sciencebase-{'item' if urls else 'mcs-releases'}.json")
            obj = _json(listing, "ScienceBase listing")
            if urls:
                items = [obj]
                where = f"the ScienceBase item {url}"
            else:
                title = re.compile(rf"Mineral Commodity Summaries {edition}\b", re.IGNORECASE)
                items = [it for it in obj.get("items") or [] if title.search(str(it.get("title", "")))]
                if not items:
                    seen = sorted(str(it.get("title", "")) for it in obj.get("items") or [])
                    raise FetchError(
                        f"no 'Mineral Commodity Summaries {edition}' data release in the ScienceBase "
                        f"collection {MCS_PARENT_ITEM} (it lists {len(seen)} items"
                        + (f", e.g. {seen[-1]!r}" if seen else "") + "): not published yet? MCS "
                        "appears in January or February; pass --url with the file's address")
                where = ", ".join(repr(it.get("title")) for it in items)
            found = _files_of(items, edition, where)
            notes.append(f"ScienceBase: {len(found)} data file(s) of MCS {edition} in {where}")
            files += found
        else:
            files.append((url, None, None))
    downloads: list[Download] = []
    for url, name, ck in files:
        is_zip = (name or urllib.parse.urlsplit(url).path).lower().endswith(".zip")
        d = download_file(client, cache, url, source="usgs-mcs", name=name, query=query, checksum=ck,
                          expect="zip" if is_zip else "")
        if progress:
            progress(f"{url} -> {d.path.name} ({d.size:,} bytes)")
        if d.path.suffix.lower() == ".zip":
            members = unzip_members(d, rf"(mcs{edition}[-_].*(world|salient).*|.*_(world|salient))\.csv$")
            notes.append(f"{d.path.name}: {len(members)} CSV table(s) extracted")
            downloads += members
        else:
            downloads.append(d)
    want = f"MCS{edition}"

    def check(d: Download, tables: dict) -> None:
        eds = sorted({str(e) for df in tables.values() for e in df.get("edition", [])})
        if eds != [want]:
            raise DataError(f"the rows are of edition {', '.join(eds) or 'none'}, not {want} as asked "
                            f"(fetched from {d.url}); nothing was ingested", file=d.path.name)

    out, added = ingest_downloads(downloads, "usgs-mcs", warehouse=warehouse, check=check,
                                  progress=progress)
    return FetchResult(source="usgs-mcs", dry_run=False, calls=calls, files=out, rows_added=added,
                       cache=str(cache.root), notes=notes)
