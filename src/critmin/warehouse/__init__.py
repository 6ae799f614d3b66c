"""The warehouse: one embedded DuckDB file holding every canonical table with provenance.

The default file lives in the user data directory (:func:`platformdirs.user_data_dir`), overridable by
``CRITMIN_DB`` or an explicit path. :func:`open_warehouse` builds it from the bundled dataset on first use.

**Identity.** A value is identified by its source, edition and the table's key (:data:`critmin.schema.KEYS`);
``(source, edition, *key)`` is each table's PRIMARY KEY, so one edition of a source holds each value
once and a duplicate cannot exist in storage. CHECK constraints mirror the ranges of the schema (finite,
non-negative quantities, shares in [0, 1], years 1800..2100): the last line of defence behind the
readers' own checks (:func:`critmin.schema.conform`).

**Ingest** is atomic (one transaction per file: all rows or none) and keyed on content and identity, not
on file names (:class:`IngestResult` says what happened):

* a file whose bytes (sha256) were already ingested, and whose rows are all still in place, is a no-op;
* rows whose identity is already stored (from an earlier ingest of the same file, or from another file of
  the same source and edition, such as a renamed copy) are replaced, never duplicated, and the result
  names the files whose rows were replaced;
* every edition of a value is kept; the ``<table>_latest`` views keep, per value, the row of the most
  recently published edition, with ``n_editions``.

**Concurrency.** DuckDB lets either one read-write process or many read-only processes open a file.
:func:`open_warehouse` ``(read_only=True)`` returns a warehouse that does not hold the file for its
life: queries that come in quick succession share one connection, which is let go after
:data:`IDLE_RELEASE_S` without a query, and at once when a writer is waiting (a writer that meets a lock
leaves a ``<db>.writer-waiting`` marker; readers let go and wait for it). So readers (the CLI, a
dashboard, a long job) never keep a writer out for long. Schema setup happens only when the stored
schema version differs (under the write lock). A connection that meets a lock retries with backoff for a
bounded time (``lock_timeout``, default :data:`LOCK_TIMEOUT_S` or ``$CRITMIN_LOCK_TIMEOUT`` seconds), then
raises :class:`WarehouseLockedError` naming the process that holds the file.
"""


from __future__ import annotations

import functools
import inspect
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pandas as pd

from critmin._strings import storage_key
from critmin.schema import KEYS, TABLES
from critmin.warehouse._connection import (
    IDLE_RELEASE_S,
    LOCK_TIMEOUT_S,
    WarehouseError,
    WarehouseLockedError,
    _connect,
    _Lease,
    _lock_timeout,
    bundle_dir,
    default_db_path,
)
from critmin.warehouse._ddl import (
    _LOG_DDL,
    SCHEMA_VERSION,
    _bump_data_version,
    _bundle_id,
    _existing_tables,
    _meta,
    _q,
    _row_ok,
    _scalar,
    _set_meta,
    _stored_version,
    _table_ddl,
)
from critmin.warehouse.ingest import IngestResult, _Ingest

__all__ = [
    "Warehouse",
    "IngestResult",
    "default_db_path",
    "open_warehouse",
    "default_warehouse",
    "with_default_warehouse",
    "bundle_dir",
    "WarehouseError",
    "WarehouseLockedError",
    "SCHEMA_VERSION",
    "LOCK_TIMEOUT_S",
    "IDLE_RELEASE_S",
]


class Warehouse(_Ingest):
    """A DuckDB warehouse of critmin's canonical tables.

    Parameters
    ----------
    path : str or Path, optional
        The database file; ``":memory:"`` for a throw-away one. Defaults to :func:`default_db_path`.
    read_only : bool
        Open read-only (no schema creation, no ingest).
    hold : bool, optional
        Keep one connection open for the object's life. Default: True for read-write and in-memory
        warehouses; False for a read-only file, which then shares one connection between queries
        that come in quick succession and lets go of the file after :data:`IDLE_RELEASE_S` without
        a query, or at once when a writer waits: it never keeps a writer out for long.
    lock_timeout : float, optional
        How long a connection waits for another process to release the file [s] (default
        ``$CRITMIN_LOCK_TIMEOUT`` or :data:`LOCK_TIMEOUT_S`).

    Raises
    ------
    WarehouseLockedError
        When another process holds the file beyond ``lock_timeout``.
    WarehouseError
        When the file cannot be opened, or was written by a newer critmin.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 hold: bool | None = None, lock_timeout: float | None = None) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else (path or default_db_path())
        self.read_only = read_only
        self.lock_timeout = _lock_timeout(lock_timeout)
        target = str(self.path)
        memory = target == ":memory:"
        self.hold = True if (memory or not read_only) else bool(hold)
        if not memory and not read_only:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        if read_only and not memory and not Path(target).exists():
            raise WarehouseError(f"cannot open warehouse {target} read-only: no such file "
                                 "(run 'critmin data build' or open it read-write once)")
        self._memo: dict[object, object] = {}
        self._seen_version: str | None = None
        self._seen_generation = 0
        self._local = threading.local()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._closed = False
        self._lease = None if self.hold else _Lease(target, self.lock_timeout, IDLE_RELEASE_S)
        if self.hold:
            self._con = _connect(target, read_only=read_only, timeout=self.lock_timeout)
            if not read_only:
                self._ensure_schema()

    # ------------------------------------------------------------------ connections
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (held, or the current :meth:`session`'s)."""
        if self._con is not None:
            return self._con
        con = getattr(self._local, "con", None)
        if con is None:
            raise WarehouseError("this read-only warehouse holds no connection between queries; use "
                                 "query()/table(), or 'with wh.session():' around direct use of .con")
        return con

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One connection for a block of queries (a read-only warehouse connects, then lets go).

        Yields
        ------
        duckdb.DuckDBPyConnection
        """
        if self._con is not None:
            yield self._con
            return
        if self._closed:
            raise WarehouseError(f"warehouse {self.path} was closed; open it again to query it")
        con = getattr(self._local, "con", None)
        if con is not None:  # nested
            yield con
            return
        with self._lease.cursor() as (cur, generation):
            self._local.con = cur
            try:
                if generation != self._seen_generation:  # a new connection: did the data change?
                    version = self._data_version(cur)
                    if version != self._seen_version:
                        self._memo.clear()
                        self._seen_version = version
                    self._seen_generation = generation
                yield cur
            finally:
                self._local.con = None

    @staticmethod
    def _data_version(con: duckdb.DuckDBPyConnection) -> str | None:
        try:
            return _scalar(con, "SELECT value FROM meta WHERE key = 'data_version'")
        except duckdb.Error:
            return None

    def close(self) -> None:
        """Close the connection (a read-only warehouse lets go of the file)."""
        self._closed = True
        if self._con is not None:
            with suppress(Exception):
                self._con.close()
            self._con = None
        if self._lease is not None:
            self._lease.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _writable(self) -> duckdb.DuckDBPyConnection:
        if self.read_only or self._con is None:
            raise WarehouseError(f"warehouse {self.path} is open read-only; open it read-write "
                                 "(Warehouse(path) or open_warehouse(path)) to ingest")
        return self._con

    # ------------------------------------------------------------------ schema
    def schema_version(self) -> int | None:
        """The stored schema version (None for an empty file)."""
        with self.session() as con:
            return _stored_version(con)

    def _ensure_schema(self) -> None:
        """Create the tables, or migrate them, when the stored schema version is not this one's."""
        con = self._writable()
        stored = _stored_version(con)
        if stored == SCHEMA_VERSION:
            return
        if stored is not None and stored > SCHEMA_VERSION:
            raise WarehouseError(f"warehouse {self.path} has schema version {stored}, newer than this "
                                 f"critmin's ({SCHEMA_VERSION}): upgrade critmin or use another --db")
        con.begin()
        try:
            if stored is None:
                existing = _existing_tables(con)
                if existing & set(TABLES):
                    self._migrate(con, existing)  # tables without a version: treat as version 1
                else:
                    for table in TABLES:
                        con.execute(_table_ddl(table))
            else:
                self._migrate(con, _existing_tables(con))
            con.execute(_LOG_DDL)
            con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            self._create_views(con)
            _set_meta(con, "schema_version", str(SCHEMA_VERSION))
            _bump_data_version(con)
            con.commit()
        except BaseException:
            con.rollback()
            raise

    @staticmethod
    def _migrate(con: duckdb.DuckDBPyConnection, existing: set[str]) -> None:
        """Version 1 -> 2: rebuild each table with its key and checks; a row that breaks them
        (a duplicate of a stored value, an impossible number) is dropped and counted in ``meta``."""
        dropped: dict[str, int] = {}
        for table in TABLES:
            con.execute(f'DROP VIEW IF EXISTS "{table}_latest"')
        for table, fields in TABLES.items():
            if table not in existing:
                con.execute(_table_ddl(table))
                continue
            old = f"{table}__v1"
            con.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
            con.execute(_table_ddl(table))
            have = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [old]).fetchall()}
            sel = []
            for f in fields:
                if f.name not in have:
                    sel.append("NULL")
                elif f.key and f.dtype == "str":
                    sel.append(f"coalesce({_q(f.name)}, '')")
                else:
                    sel.append(_q(f.name))
            n_old = int(_scalar(con, f"SELECT count(*) FROM {_q(old)}"))
            cols = ", ".join(_q(f.name) for f in fields)
            con.execute(f"INSERT OR IGNORE INTO {_q(table)} ({cols}) SELECT {', '.join(sel)} "
                        f"FROM {_q(old)} WHERE {_row_ok(table)}")
            n_new = int(_scalar(con, f"SELECT count(*) FROM {_q(table)}"))
            con.execute(f"DROP TABLE {_q(old)}")
            if n_old != n_new:
                dropped[table] = n_old - n_new
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        _set_meta(con, "migration_dropped_rows", json.dumps(dropped, sort_keys=True))

    @staticmethod
    def _create_views(con: duckdb.DuckDBPyConnection) -> None:
        for table, key in KEYS.items():
            part = ", ".join(f'"{k}"' for k in key)
            con.execute(
                f"""CREATE OR REPLACE VIEW "{table}_latest" AS
                SELECT * EXCLUDE (rk), n_editions FROM (
                    SELECT *, row_number() OVER w AS rk,
                           count(*) OVER (PARTITION BY {part}) AS n_editions
                    FROM "{table}"
                    WINDOW w AS (PARTITION BY {part} ORDER BY edition_date DESC, edition DESC)
                ) WHERE rk = 1"""
            )

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        if self._closed:
            return f"Warehouse({str(self.path)!r}, {mode}, closed)"
        try:
            counts = {k: v for k, v in self.counts().items() if v}
        except Exception:  # noqa: BLE001 - a closed connection: say so, never raise from a repr
            return f"Warehouse({str(self.path)!r}, {mode}, closed)"
        rows = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        return (f"Warehouse({str(self.path)!r}, {mode}, {len(counts)} tables with rows, "
                f"{sum(counts.values()):,} rows: {rows or 'empty'})")

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table, or None (also when there is no ``meta`` table yet)."""
        with self.session() as con:
            return _meta(con, key)

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        _set_meta(self._writable(), key, value)

    # ------------------------------------------------------------------ ingest
    def cached(self, key: object, compute: Callable[[], object]) -> object:
        """A value derived from the tables, computed once (cleared when the data change).

        Values computed inside a report (which builds with Python-backed pandas strings, see
        :mod:`critmin._strings`) are kept apart from values computed outside one.

        Parameters
        ----------
        key : hashable
            Names the value (e.g. ``("wgi_scaled", 2023)``).
        compute : callable
            Computes it from this warehouse.
        """
        if self._con is None:
            with self.session():  # refreshes the memo when another process changed the data
                pass
        key = storage_key(key)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame."""
        with self.session() as con:
            return con.execute(sql, params or []).df()

    def table(self, name: str, *, latest: bool = False, **where: object) -> pd.DataFrame:
        """Rows of a table (or its ``_latest`` view) filtered by equality on columns.

        Parameters
        ----------
        name : str
            Table name.
        latest : bool
            Read ``<name>_latest`` (one row per value, latest edition).
        **where
            Column = value filters; a list/tuple value means ``IN``.
        """
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        rel = f'"{name}_latest"' if latest else f'"{name}"'
        clauses, params = [], []
        for col, val in where.items():
            if col not in {f.name for f in TABLES[name]}:
                raise KeyError(f"table {name} has no column {col!r}")
            if isinstance(val, (list, tuple, set)):
                clauses.append(f'"{col}" IN (SELECT unnest(?))')
                params.append(list(val))
            else:
                clauses.append(f'"{col}" = ?')
                params.append(val)
        sql = f"SELECT * FROM {rel}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return self.query(sql, params)

    def status(self) -> pd.DataFrame:
        """Per table: rows, sources and editions."""
        rows = []
        with self.session() as con:
            for name in TABLES:
                n, srcs, eds = con.execute(
                    f"""SELECT count(*), string_agg(DISTINCT source, ', ' ORDER BY source),
                               string_agg(DISTINCT edition, ', ' ORDER BY edition) FROM "{name}" """
                ).fetchall()[0]
                rows.append({"table": name, "rows": int(n), "sources": srcs or "",
                             "editions": eds or ""})
        return pd.DataFrame(rows)

    def counts(self) -> dict[str, int]:
        """Row count per table."""
        with self.session() as con:
            return {n: int(_scalar(con, f'SELECT count(*) FROM "{n}"')) for n in TABLES}

    def is_empty(self) -> bool:
        """True when no table holds a row."""
        return not any(self.counts().values())



def open_warehouse(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    progress: Callable[[str], None] | None = None,
    lock_timeout: float | None = None,
) -> Warehouse:
    """Open the warehouse, building it from the bundled dataset on first use.

    It is (re)built when it holds no bundled data or when the package's bundle changed since it was
    built (the bundle id in ``manifest.json``), and migrated when its schema version is older; both
    under the write lock, and only then: a warehouse that is up to date is opened without writing.
    Rows ingested by the user are kept.

    Parameters
    ----------
    path : str or Path, optional
        The database file (default :func:`default_db_path`).
    read_only : bool
        Return a read-only warehouse that lets go of the file between bursts of queries (see
        :class:`Warehouse`): any number of processes (a dashboard, the CLI, long jobs) can read the
        file at once and a writer is kept out only while they query. Use it for everything but
        ingest and build.
    progress : callable, optional
        Called with a message when the warehouse is built or migrated.
    lock_timeout : float, optional
        Seconds to wait for another process to release the file (see :class:`Warehouse`).

    Raises
    ------
    WarehouseLockedError
        When another process holds the file beyond ``lock_timeout``.
    """
    bundle_id = _bundle_id()
    target = Path(path) if path is not None else default_db_path()
    memory = str(target) == ":memory:"
    if not memory and target.exists():
        ro = Warehouse(target, read_only=True, lock_timeout=lock_timeout)
        with ro.session() as con:
            version = _stored_version(con)
            current = _meta(con, "bundle_id")
        if version == SCHEMA_VERSION and (current == bundle_id or not bundle_id):
            if read_only:
                return ro
            ro.close()
            return Warehouse(target, lock_timeout=lock_timeout)
        ro.close()
        if progress and version not in (None, SCHEMA_VERSION):
            progress(f"migrating the warehouse at {target} to schema version {SCHEMA_VERSION}")
    wh = Warehouse(target, lock_timeout=lock_timeout)
    try:
        if bundle_id and wh.get_meta("bundle_id") != bundle_id:
            if progress:
                progress(f"building the warehouse at {wh.path} from the bundled dataset")
            wh.build_from_bundle()
    except BaseException:
        wh.close()
        raise
    if read_only and not memory:
        wh.close()
        return Warehouse(target, read_only=True, lock_timeout=lock_timeout)
    return wh



@contextmanager
def default_warehouse(path: str | Path | None = None) -> Iterator[Warehouse]:
    """The user's warehouse, opened read-only for the duration of a ``with`` block.

    It is built from the bundled dataset on first use (:func:`open_warehouse`), then reopened
    read-only, so that a notebook, the dashboard and the CLI can read it at once.

    Parameters
    ----------
    path : str or Path, optional
        The database file (default :func:`default_db_path`: ``$CRITMIN_DB`` or the user data dir).

    Examples
    --------
    >>> from critmin.warehouse import default_warehouse
    >>> with default_warehouse() as wh:                               # doctest: +SKIP
    ...     wh.status()
    """
    wh = open_warehouse(path, read_only=True)
    try:
        yield wh
    finally:
        wh.close()


def with_default_warehouse(func: Callable) -> Callable:
    """Decorate a job taking ``warehouse``: when it is not given (or None), the job runs on
    :func:`default_warehouse`, opened for the call and closed after it.

    The job's signature, name and docstring are kept; ``warehouse`` may be passed by keyword or by
    position.
    """
    sig = inspect.signature(func)
    if "warehouse" not in sig.parameters:
        raise TypeError(f"{func.__name__} takes no warehouse parameter")

    @functools.wraps(func)
    def job(*args, **kwargs):
        bound = sig.bind_partial(*args, **kwargs)
        if bound.arguments.get("warehouse") is not None:
            return func(*args, **kwargs)
        with default_warehouse() as wh:
            bound.arguments["warehouse"] = wh
            return func(*bound.args, **bound.kwargs)

    return job
