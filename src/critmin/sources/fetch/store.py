"""Ingest fetched files into the warehouse, content-keyed, and keep a log of what was fetched from where.

No network code here (``critmin data status`` imports this module to show the log).

Integrity rules (those of ``critmin data ingest``, plus the content key):

* Every file is read by the registry reader of its source
  (:func:`critmin.sources.registry.read_source`) before any is stored, so a file the reader refuses
  leaves the warehouse as it was; each file is then stored in one transaction
  (:meth:`critmin.warehouse.Warehouse.ingest_tables`: all its rows or none, a re-ingest of the same
  source, edition and file replaces its rows).
* Content key: a file whose sha256 already brought rows of the same source and edition
  (``ingest_log``, bundled files included) is not ingested again, nor one whose *payload* (for UN
  Comtrade, the ``data`` records, without the ``elapsedTime`` that changes on every call) was already
  ingested from an earlier fetch. A second fetch of the same data therefore adds no rows.
* Every fetched file gets a line in the warehouse table ``fetch_log`` (when, from which URL, sha256,
  size, the cache path, the edition, the outcome and the rows stored), which ``critmin data status``
  shows.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from critmin.errors import CritminError, DataError

__all__ = ["Download", "FileOutcome", "FetchResult", "ingest_downloads", "fetch_history",
           "FETCH_LOG"]

FETCH_LOG = "fetch_log"
"""Name of the warehouse table that logs fetched files."""

_LOG_DDL = f"""CREATE TABLE IF NOT EXISTS {FETCH_LOG} (
    fetched_at TIMESTAMP, source VARCHAR, url VARCHAR, query VARCHAR, sha256 VARCHAR,
    payload_sha256 VARCHAR, bytes BIGINT, cache_path VARCHAR, file VARCHAR, edition VARCHAR,
    outcome VARCHAR, rows BIGINT)"""


@dataclass
class Download:
    """One fetched file, stored in the cache, waiting to be ingested.

    Attributes
    ----------
    url : str
        Where it came from.
    query : dict or None
        The query, as data.
    fetched_at : str
        UTC ISO time of this retrieval (the edition of a UN Comtrade answer is dated by the first
        retrieval of its bytes, kept in the cache's per-object manifest).
    path : Path
        The stored file (what the reader opens).
    sha256 : str
        Hex sha256 of the raw bytes.
    size : int
        Size [bytes].
    payload_sha256 : str, optional
        sha256 of the content that matters when the raw bytes vary between identical answers.
    records : int, optional
        Records in the answer (API responses).
    outcome : str
        ``pending`` until ingested; ``empty`` for an answer without records (not read).
    note : str
        Shown beside the file (e.g. the period of an empty answer).
    """

    url: str
    query: dict | None
    fetched_at: str
    path: Path
    sha256: str
    size: int
    payload_sha256: str | None = None
    records: int | None = None
    outcome: str = "pending"
    note: str = ""


@dataclass
class FileOutcome:
    """What became of one fetched file."""

    url: str
    file: str
    sha256: str
    bytes: int
    cache_path: str
    fetched_at: str
    outcome: str
    """``ingested``, ``unchanged`` (same content already in the warehouse) or ``empty``."""
    edition: str = ""
    records: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    note: str = ""


@dataclass
class FetchResult:
    """The result of one ``critmin data fetch``.

    Attributes
    ----------
    source : str
        Source id (``comtrade``, ``usgs-mcs``, ``wgi``).
    dry_run : bool
        True when nothing was fetched or stored.
    calls : list of dict
        The calls planned (``url``, ``note``); for a dry run, what would be asked for.
    files : list of FileOutcome
        Every file fetched and what became of it.
    rows_added : dict of str to int
        Net rows added to each warehouse table [rows].
    cache : str
        The cache folder.
    notes : list of str
        What to keep in mind (empty periods, splits made after a truncated answer, ...).
    """

    source: str
    dry_run: bool
    calls: list[dict]
    files: list[FileOutcome] = field(default_factory=list)
    rows_added: dict[str, int] = field(default_factory=dict)
    cache: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready dict: ``source, dry_run, calls, files, rows_added, cache, notes``."""
        return {"source": self.source, "dry_run": self.dry_run, "calls": list(self.calls),
                "files": [asdict(f) for f in self.files], "rows_added": dict(self.rows_added),
                "cache": self.cache, "notes": list(self.notes)}


def _ensure_log(wh) -> None:
    wh.con.execute(_LOG_DDL)


def _has_table(wh, name: str) -> bool:
    n = wh.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [name])
    return bool(len(n) and n["n"].iloc[0])


def _already(wh, d: Download, source: str, edition: str) -> str | None:
    """Why the content of ``d`` is already in the warehouse, else None."""
    hit = wh.con.execute(
        "SELECT file, origin FROM ingest_log WHERE sha256 = ? AND source = ? AND edition = ? LIMIT 1",
        [d.sha256, source, edition]).fetchone()
    if hit:
        return f"same bytes as {hit[0]} ({hit[1]}), already in the warehouse"
    if d.payload_sha256 and _has_table(wh, FETCH_LOG):
        hit = wh.con.execute(
            f"SELECT file, edition, fetched_at FROM {FETCH_LOG} WHERE source = ? AND payload_sha256 = ? "
            "AND outcome = 'ingested' ORDER BY fetched_at LIMIT 1", [source, d.payload_sha256]).fetchone()
        if hit:
            return f"same records as {hit[0]} (edition {hit[1]}, fetched {hit[2]:%Y-%m-%d %H:%M} UTC)"
    return None


def _editions(tables: dict[str, pd.DataFrame]) -> list[str]:
    eds: set[str] = set()
    for df in tables.values():
        if "edition" in df.columns:
            eds.update(str(e) for e in df["edition"].dropna().unique())
    return sorted(eds)


def ingest_downloads(
    downloads: list[Download],
    source: str,
    *,
    warehouse,
    check: Callable[[Download, dict[str, pd.DataFrame]], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[FileOutcome], dict[str, int]]:
    """Read every download with the reader of ``source``, then store those not already present.

    Parameters
    ----------
    downloads : list of Download
        Stored files; those with outcome ``empty`` are logged, not read.
    source : str
        Source id of :data:`critmin.sources.registry.READERS`.
    warehouse : Warehouse
        An open, writable warehouse.
    check : callable, optional
        Called with each download and its tables before anything is stored; raises
        :class:`~critmin.errors.CritminError` to refuse the whole fetch (e.g. the wrong MCS edition).
    progress : callable, optional
        Called with a short message per file.

    Returns
    -------
    (list of FileOutcome, dict of str to int)
        One outcome per download, and the net rows added per table [rows].

    Raises
    ------
    DataError
        When a reader refuses a file (nothing is stored then); the message names the file, the URL it
        came from and where the raw bytes are kept.
    """
    from critmin.sources.registry import read_source

    read: list[tuple[Download, dict[str, pd.DataFrame] | None]] = []
    for d in downloads:
        if d.outcome == "empty":
            read.append((d, None))
            continue
        try:
            tables = read_source(d.path, source)
        except CritminError as exc:
            raise DataError(f"{exc} (fetched from {d.url}; nothing was ingested; the raw file is kept "
                            f"at {d.path})") from exc
        if check is not None:
            check(d, tables)
        read.append((d, tables))
    wh = warehouse
    _ensure_log(wh)
    before = wh.counts()
    outcomes: list[FileOutcome] = []
    for d, tables in read:
        base = {"url": d.url, "file": d.path.name, "sha256": d.sha256, "bytes": d.size,
                "cache_path": str(d.path), "fetched_at": d.fetched_at, "records": d.records}
        if tables is None:
            outcomes.append(FileOutcome(**base, outcome="empty", note=d.note))
            continue
        edition = ";".join(_editions(tables))
        why = _already(wh, d, source, edition)
        if why:
            outcomes.append(FileOutcome(**base, outcome="unchanged", edition=edition, note=why))
            if progress:
                progress(f"{d.path.name}: unchanged ({why})")
            continue
        res = wh.ingest_tables(tables, file=d.path.name, path=str(d.path), sha256=d.sha256,
                               origin="fetch")
        if getattr(res, "status", "ingested") == "unchanged":  # the warehouse holds these bytes already
            why = res.message()
            outcomes.append(FileOutcome(**base, outcome="unchanged", edition=edition, note=why))
            if progress:
                progress(f"{d.path.name}: unchanged ({why})")
            continue
        rows = dict(res)
        outcomes.append(FileOutcome(**base, outcome="ingested", edition=edition, rows=rows, note=d.note))
        if progress:
            progress(f"{d.path.name}: ingested " + ", ".join(f"{k} {v:,}" for k, v in rows.items())
                     + f" ({edition})")
    after = wh.counts()
    added = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    for d, o in zip((d for d, _ in read), outcomes, strict=True):
        wh.con.execute(
            f"INSERT INTO {FETCH_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_dt.datetime.fromisoformat(d.fetched_at.replace("Z", "+00:00")).replace(tzinfo=None),
             source, d.url, json.dumps(d.query, sort_keys=True) if d.query else None, d.sha256,
             d.payload_sha256, d.size, str(d.path), d.path.name, o.edition, o.outcome,
             int(sum(o.rows.values()))])
    return outcomes, added


def fetch_history(warehouse) -> pd.DataFrame:
    """What was fetched into this warehouse, per source and endpoint.

    Returns
    -------
    DataFrame
        One row per source and URL endpoint (the URL without its query): ``source``, ``from``
        (the endpoint), ``files`` (files fetched), ``ingested`` (files that brought rows), ``rows``
        (rows they stored), ``first_fetched`` and ``last_fetched`` (UTC). Empty when nothing was
        fetched.
    """
    cols = ["source", "from", "files", "ingested", "rows", "first_fetched", "last_fetched"]
    if not _has_table(warehouse, FETCH_LOG):
        return pd.DataFrame(columns=cols)
    df = warehouse.query(
        f"""SELECT source, split_part(url, '?', 1) AS "from", count(*) AS files,
                   count(*) FILTER (WHERE outcome = 'ingested') AS ingested,
                   coalesce(sum(rows), 0) AS rows,
                   strftime(min(fetched_at), '%Y-%m-%dT%H:%M:%SZ') AS first_fetched,
                   strftime(max(fetched_at), '%Y-%m-%dT%H:%M:%SZ') AS last_fetched
            FROM {FETCH_LOG} GROUP BY 1, 2 ORDER BY max(fetched_at) DESC, 1, 2""")
    return df[cols]
