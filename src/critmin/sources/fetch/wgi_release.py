"""World Bank Worldwide Governance Indicators: fetch the full-dataset workbook and ingest it.

The workbook is read by the registry reader ``wgi`` (:func:`critmin.sources.wgi.read_wgi`, the one
``critmin data ingest --source wgi`` uses).

Notes
-----
* Default address: ``https://www.worldbank.org/content/dam/sites/govindicators/doc/wgidataset.xlsx``,
  the World Bank's long-standing location of the full WGI dataset (the bundled 2024 update,
  ``wgidataset_2024update_1996-2023.xlsx``, is a copy of a file of that name). ``--url`` replaces it
  when the World Bank moves or renames the file (the 2025 revision is also published as
  ``wgidataset_with_sourcedata-2025.xlsx``).
* The reader knows the long layout of the 2024 update (``code, countryname, year, indicator,
  estimate, stddev, nsource, pctrank, ...``) and dates every row edition ``WGI2024``; a workbook in
  another layout is refused with the reader's message (naming file, row and column), and nothing is
  stored. A workbook with the bytes of the bundled one adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from critmin.sources.fetch._download import download_file
from critmin.sources.fetch._http import FetchError, HttpClient
from critmin.sources.fetch.cache import RawCache
from critmin.sources.fetch.store import FetchResult, ingest_downloads

__all__ = ["DEFAULT_URL", "fetch_wgi"]

DEFAULT_URL = "https://www.worldbank.org/content/dam/sites/govindicators/doc/wgidataset.xlsx"
"""The full WGI dataset (XLSX)."""


def fetch_wgi(
    *,
    url: str | None = None,
    warehouse=None,
    dry_run: bool = False,
    client: HttpClient | None = None,
    cache: RawCache | None = None,
    progress: Callable[[str], None] | None = None,
) -> FetchResult:
    """Fetch the WGI workbook and ingest it.

    Parameters
    ----------
    url : str, optional
        Instead of :data:`DEFAULT_URL`.
    warehouse : Warehouse
        An open, writable warehouse (not needed for a dry run).
    dry_run : bool
        Only return the call; nothing is fetched or stored.
    client, cache, progress
        HTTP client (default 3 retries), raw store (default the user cache), progress callback.

    Returns
    -------
    FetchResult

    Raises
    ------
    FetchError
        On an HTTP error, an empty or HTML answer, or a body that is not a workbook.
    DataError
        When the ``wgi`` reader refuses the workbook (nothing is stored).
    """
    target = url or DEFAULT_URL
    calls = [{"url": target, "note": "WGI full dataset (XLSX)"}]
    cache = cache or RawCache()
    if dry_run:
        return FetchResult(source="wgi", dry_run=True, calls=calls, cache=str(cache.root))
    if warehouse is None:
        raise FetchError("fetch_wgi needs a warehouse (or dry_run=True)")
    client = client or HttpClient()
    name = None if target.lower().split("?", 1)[0].endswith(".xlsx") else "wgidataset.xlsx"
    d = download_file(client, cache, target, source="wgi", name=name, query={"dataset": "wgi"},
                      expect="zip")
    if progress:
        progress(f"{target} -> {d.path.name} ({d.size:,} bytes)")
    out, added = ingest_downloads([d], "wgi", warehouse=warehouse, progress=progress)
    return FetchResult(source="wgi", dry_run=False, calls=calls, files=out, rows_added=added,
                       cache=str(cache.root))
