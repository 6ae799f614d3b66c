"""Download one data file (a CSV, a workbook, a ZIP) into the raw cache, with the checks every file gets."""

from __future__ import annotations

import hashlib
import re
import urllib.parse
import zipfile
from pathlib import Path

from critmin.sources.fetch._http import FetchError, HttpClient, Response
from critmin.sources.fetch.cache import RawCache, safe_name, utc_now
from critmin.sources.fetch.store import Download

__all__ = ["file_name", "download_file", "unzip_members"]


def file_name(url: str, resp: Response | None = None) -> str:
    """The published name of a file: the ``name`` query parameter (ScienceBase), else the
    ``Content-Disposition`` filename, else the last part of the URL path."""
    parts = urllib.parse.urlsplit(url)
    qs = urllib.parse.parse_qs(parts.query)
    if qs.get("name"):
        return safe_name(qs["name"][0])
    if resp is not None:
        disp = resp.headers.get("content-disposition", "")
        m = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", disp, re.IGNORECASE)
        if m:
            return safe_name(urllib.parse.unquote(m.group(1)))
    return safe_name(urllib.parse.unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or "download")


_HASHES = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256"}


def download_file(client: HttpClient, cache: RawCache, url: str, *, source: str, name: str | None = None,
                  query: dict | None = None, checksum: tuple[str, str] | None = None,
                  expect: str = "") -> Download:
    """GET a data file, check it, keep it in the cache.

    Parameters
    ----------
    client, cache
        The HTTP client and the raw store.
    url : str
        The file's address.
    source : str
        Source id (the store's folder).
    name : str, optional
        The name to keep it under; default :func:`file_name`.
    query : dict, optional
        Recorded in the manifests.
    checksum : (str, str), optional
        (algorithm, hex digest) the publisher lists for the file (``MD5``, ``SHA-1``, ``SHA-256``).
    expect : str
        ``zip`` when the body must be a ZIP container (XLSX, ZIP files).

    Raises
    ------
    FetchError
        For an HTTP error, an empty body, an HTML page where a data file was expected, a checksum
        that does not match, or a body that is not the container expected.
    """
    resp = client.get(url)
    body = resp.body
    fname = name or file_name(url, resp)
    if not body.strip():
        raise FetchError(f"empty answer ({len(body)} bytes) from {url}; expected the data file {fname}")
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) and not fname.lower().endswith((".html", ".htm")):
        raise FetchError(f"{url} answered with an HTML page, not the data file {fname} (a landing or "
                         "error page: the file may have moved; pass its direct address with --url)")
    if checksum and checksum[1]:
        algo = _HASHES.get(checksum[0].strip().lower())
        if algo:
            got = hashlib.new(algo, body).hexdigest()
            if got.lower() != checksum[1].strip().lower():
                raise FetchError(f"{fname} from {url}: {checksum[0]} {got} differs from the published "
                                 f"{checksum[1]} (a damaged or changed download)")
    if expect == "zip" and not body.startswith(b"PK"):
        raise FetchError(f"{fname} from {url} is not a ZIP/XLSX container (it starts "
                         f"{body[:16]!r}); expected {fname}")
    when = utc_now()
    stored = cache.store(body, source=source, name=fname, url=url, query=query, fetched_at=when,
                         outcome="ok")
    return Download(url=url, query=query, fetched_at=when, path=stored.path,
                    sha256=stored.sha256, size=stored.size)


def unzip_members(d: Download, pattern: str) -> list[Download]:
    """The members of a fetched ZIP whose names match ``pattern`` (regex, case-insensitive), written
    beside it in ``unzipped/`` (byte for byte); each keeps the ZIP's URL with ``#member``.

    Raises
    ------
    FetchError
        When the file is not a readable ZIP or no member matches.
    """
    try:
        zf = zipfile.ZipFile(d.path)
    except zipfile.BadZipFile as err:
        raise FetchError(f"{d.path.name} from {d.url} is not a readable ZIP ({err})") from None
    out: list[Download] = []
    target = d.path.parent / "unzipped"
    with zf:
        for info in zf.infolist():
            base = Path(info.filename).name
            if info.is_dir() or base.startswith(("._", "~$")) or not re.search(pattern, base, re.I):
                continue
            data = zf.read(info)
            target.mkdir(exist_ok=True)
            path = target / safe_name(base)
            if not path.exists():
                path.write_bytes(data)
            out.append(Download(url=f"{d.url}#{info.filename}", query=d.query, fetched_at=d.fetched_at,
                                path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data)))
    if not out:
        raise FetchError(f"no member of {d.path.name} from {d.url} matches {pattern!r}")
    return out
