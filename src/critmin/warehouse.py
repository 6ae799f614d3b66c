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

import datetime as _dt
import functools
import hashlib
import inspect
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from critmin.errors import CritminError, DataError
from critmin.schema import KEYS, PRIMARY_KEYS, TABLES, YEAR_MAX, YEAR_MIN, Field, conform

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

_DUCK = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}

SCHEMA_VERSION = 2
"""Version of the warehouse schema (``meta.schema_version``). 2: primary keys and CHECK constraints."""

LOCK_TIMEOUT_S = 30.0
"""Default time a connection waits for another process to release the file [s]."""

IDLE_RELEASE_S = 0.5
"""A read-only warehouse lets go of the file after this long without a query [s]."""


class WarehouseError(CritminError):
    """The warehouse file cannot be opened or is not a critmin warehouse."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the warehouse file (DuckDB allows one writer or many readers).

    Attributes
    ----------
    path : str
        The warehouse file.
    pid : int or None
        The process holding it, when DuckDB names it.
    holder : str
        That process, in words (its command line when readable).
    """

    def __init__(self, message: str, *, path: str, pid: int | None, holder: str) -> None:
        super().__init__(message)
        self.path, self.pid, self.holder = path, pid, holder


def default_db_path() -> Path:
    """The warehouse path: ``$CRITMIN_DB`` if set, else ``<user data dir>/critmin/critmin.duckdb``."""
    env = os.environ.get("CRITMIN_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("critmin", appauthor=False)) / "critmin.duckdb"


def bundle_dir() -> Path:
    """The folder of the bundled canonical tables shipped in the package."""
    return Path(__file__).resolve().parent / "bundled"


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _lock_timeout(value: float | None) -> float:
    if value is not None:
        return max(0.0, float(value))
    env = os.environ.get("CRITMIN_LOCK_TIMEOUT")
    if env:
        try:
            return max(0.0, float(env))
        except ValueError:
            raise WarehouseError(f"CRITMIN_LOCK_TIMEOUT={env!r} is not a number of seconds") from None
    return LOCK_TIMEOUT_S


_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
_SAME_PROCESS = "different configuration than existing connections"


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "Could not set lock" in text or "Conflicting lock" in text or _SAME_PROCESS in text


def _holder(err: Exception) -> tuple[int | None, str]:
    """The PID and a description of the process named in DuckDB's lock error."""
    text = str(err)
    if _SAME_PROCESS in text:
        return os.getpid(), f"this process (PID {os.getpid()}) in another mode (read-only vs read-write)"
    m = _HOLDER.search(text)
    if not m:
        return None, "another process"
    pid = int(m.group("pid"))
    desc = m.group("exe")
    with suppress(OSError):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        if cmd.strip():
            desc = cmd.strip()[:160]
    return pid, f"PID {pid} ({desc})"


def _marker(target: str) -> Path:
    """The file a waiting writer leaves beside the warehouse (its PID): readers let go for it."""
    return Path(target + ".writer-waiting")


def _writer_waiting(target: str) -> bool:
    """True while another live process waits to write (its marker refreshed in the last 3 s)."""
    m = _marker(target)
    try:
        age = time.time() - m.stat().st_mtime
        pid = int(m.read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    if age > 3.0 or pid in (0, os.getpid()):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _wait_for_writer(target: str, timeout: float) -> None:
    """Readers do not reconnect while a writer waits (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while _writer_waiting(target) and time.monotonic() < deadline:
        time.sleep(0.05)


def _connect(target: str, *, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection, retrying with backoff while another process holds the file.

    A writer that meets a lock leaves a marker (:func:`_marker`) so that critmin readers release
    their connections and wait for it; it is removed once the writer is in or gives up.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    marked = False
    try:
        while True:
            try:
                return duckdb.connect(target, read_only=read_only)
            except duckdb.Error as err:
                same_process = _SAME_PROCESS in str(err)
                if read_only and same_process:
                    # this process already has the file open read-write: share that instance
                    with suppress(duckdb.Error):
                        return duckdb.connect(target)
                if not _is_lock_error(err):
                    raise WarehouseError(f"cannot open warehouse {target}: {err}") from err
                if not read_only and not same_process:
                    with suppress(OSError):
                        _marker(target).write_text(str(os.getpid()))
                        marked = True
                left = deadline - time.monotonic()
                if left <= 0:
                    pid, who = _holder(err)
                    mode = "read" if read_only else "write to"
                    raise WarehouseLockedError(
                        f"cannot {mode} warehouse {target}: it is held by {who}; waited "
                        f"{timeout:g} s. A writer (data ingest, data build) needs every other "
                        "critmin process to let go of the file; readers only wait for writers. "
                        "Wait for that process to finish or stop it, or raise "
                        "CRITMIN_LOCK_TIMEOUT [s]",
                        path=target, pid=pid, holder=who) from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.05 if marked else 0.5)
    finally:
        if marked:
            with suppress(OSError, ValueError):
                m = _marker(target)
                if int(m.read_text().strip() or 0) == os.getpid():
                    m.unlink()


class _Lease:
    """A read-only connection shared by the queries of one process while they come in quick
    succession, let go after ``idle`` seconds without a query, and at once when a writer waits.

    Each query runs on its own cursor (safe across threads); the base connection holds DuckDB's
    shared lock, so while it is open other readers may read but no writer may write.
    """

    def __init__(self, target: str, timeout: float, idle: float) -> None:
        self.target, self.timeout, self.idle = target, timeout, idle
        self.lock = threading.Lock()
        self.base: duckdb.DuckDBPyConnection | None = None
        self.active = 0
        self.last = 0.0
        self.generation = 0
        self.timer: threading.Timer | None = None

    @contextmanager
    def cursor(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
        with self.lock:
            if self.base is not None and self.active == 0 and _writer_waiting(self.target):
                self._close()
            if self.base is None:
                _wait_for_writer(self.target, self.timeout)
                self.base = _connect(self.target, read_only=True, timeout=self.timeout)
                self.generation += 1
            self.active += 1
            cur = self.base.cursor()
            gen = self.generation
        try:
            yield cur, gen
        finally:
            with suppress(Exception):
                cur.close()
            with self.lock:
                self.active -= 1
                self.last = time.monotonic()
                if self.active == 0:
                    self._schedule(self.idle)

    def _schedule(self, delay: float) -> None:
        if self.timer is not None or self.base is None:
            return
        self.timer = threading.Timer(max(delay, 0.01), self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        with self.lock:
            self.timer = None
            if self.base is None or self.active:
                return
            left = self.idle - (time.monotonic() - self.last)
            if left > 0 and not _writer_waiting(self.target):
                self._schedule(left)
                return
            self._close()

    def _close(self) -> None:
        if self.base is not None:
            with suppress(Exception):
                self.base.close()
            self.base = None

    def close(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.active == 0:
                self._close()


# ---------------------------------------------------------------------------------- DDL
def _q(name: str) -> str:
    return f'"{name}"'


def _check(table: str, f: Field) -> str | None:
    """The CHECK expression of one field (None when unconstrained)."""
    c = _q(f.name)
    if f.dtype in ("int", "float"):
        parts = []
        if f.dtype == "float":
            parts.append(f"isfinite({c})")
        if f.lo is not None:
            parts.append(f"{c} >= {f.lo!r}")
        if f.hi is not None:
            parts.append(f"{c} <= {f.hi!r}")
        return f"{c} IS NULL OR ({' AND '.join(parts)})" if parts else None
    if f.dtype == "date":
        return (f"{c} IS NULL OR ({c} >= DATE '{YEAR_MIN:04d}-01-01' AND "
                f"{c} <= DATE '{YEAR_MAX:04d}-12-31')")
    return None


def _reason_check(f: Field, names: set[str]) -> str | None:
    if not f.reason or not all(r in names for r in f.reason):
        return None
    why = " OR ".join(f"coalesce(trim({_q(r)}), '') <> ''" for r in f.reason)
    return f"{_q(f.name)} IS NOT NULL OR {why}"


def _table_ddl(table: str, name: str | None = None) -> str:
    fields = TABLES[table]
    names = {f.name for f in fields}
    pk = PRIMARY_KEYS[table]
    cols = []
    for f in fields:
        not_null = " NOT NULL" if (not f.nullable or f.name in pk) else ""
        cols.append(f"{_q(f.name)} {_DUCK[f.dtype]}{not_null}")
    checks = [c for f in fields for c in (_check(table, f), _reason_check(f, names)) if c]
    body = cols + [f"CHECK ({c})" for c in checks]
    body.append(f"PRIMARY KEY ({', '.join(_q(k) for k in pk)})")
    return f"CREATE TABLE {_q(name or table)} (\n  " + ",\n  ".join(body) + "\n)"


def _row_ok(table: str) -> str:
    """A WHERE condition true for the rows of a v1 table that satisfy the v2 constraints."""
    fields = TABLES[table]
    names = {f.name for f in fields}
    conds = [f"{_q(f.name)} IS NOT NULL" for f in fields if not f.nullable]
    conds += [f"({c})" for f in fields for c in (_check(table, f), _reason_check(f, names)) if c]
    return " AND ".join(conds) or "TRUE"


_LOG_DDL = """CREATE TABLE IF NOT EXISTS ingest_log (
    source VARCHAR, edition VARCHAR, file VARCHAR, sha256 VARCHAR, path VARCHAR,
    origin VARCHAR, tables VARCHAR, rows BIGINT, ingested_at TIMESTAMP)"""


@dataclass
class IngestResult(Mapping):
    """What one ingest did. A mapping of table -> rows stored (as earlier versions returned).

    Attributes
    ----------
    file : str
        The file's name.
    status : str
        ``"ingested"`` (new rows only), ``"replaced"`` (some rows replaced rows already stored for
        the same values) or ``"unchanged"`` (the same bytes were already ingested and their rows are all
        in place: nothing was done).
    rows : dict of str to int
        Rows stored per table by this ingest (empty when unchanged).
    replaced : dict of str to int
        Rows replaced, per file that had brought them (``"copy.csv"`` -> 2574; the file itself
        when it was ingested before).
    sources, editions : list of str
        Source ids and editions of the rows.
    same_as : str or None
        For ``unchanged``: the file already ingested with the same content (and its origin).
    """

    file: str
    status: str
    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    editions: list[str] = field(default_factory=list)
    same_as: str | None = None

    def __getitem__(self, key: str) -> int:
        return self.rows[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IngestResult):
            return (self.file, self.status, self.rows, self.replaced) == \
                (other.file, other.status, other.rows, other.replaced)
        if isinstance(other, Mapping):
            return dict(self.rows) == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def message(self) -> str:
        """One line saying what happened, for a person."""
        what = " ".join(x for x in (", ".join(self.sources), ", ".join(self.editions)) if x)
        what = f" ({what})" if what else ""
        if self.status == "unchanged":
            return (f"{self.file}: already ingested, same content as {self.same_as}; nothing changed")
        stored = ", ".join(f"{k} {v:,}" for k, v in self.rows.items()) or "no rows"
        line = f"ingested {self.file}{what}: {stored}"
        if self.replaced:
            n = sum(self.replaced.values())
            files = ", ".join(f"{'an earlier ingest of ' if k == self.file else ''}{k} ({v:,})"
                              for k, v in self.replaced.items())
            line += (f"; replaced {n:,} rows of the same values stored before, from {files} "
                     "(never duplicated)")
        return line

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"file": self.file, "status": self.status, "rows": dict(self.rows),
                "replaced": dict(self.replaced), "sources": list(self.sources),
                "editions": list(self.editions), "same_as": self.same_as}


class Warehouse:
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
    def already_ingested(self, sha256: str, source: str | None = None) -> str | None:
        """The earlier file with these bytes whose rows are all still stored, else None.

        Parameters
        ----------
        sha256 : str
            The file's SHA-256 (hex).
        source : str, optional
            Only an ingest of this source id counts.

        Returns
        -------
        str or None
            ``"<file> (<origin>, <date>)"`` of the earlier ingest.
        """
        if not sha256:
            return None
        with self.session() as con:
            log = con.execute(
                "SELECT source, edition, file, origin, tables, ingested_at FROM ingest_log "
                "WHERE sha256 = ? ORDER BY ingested_at DESC", [sha256]).fetchall()
            for src, eds, fname, origin, tables, when in log:
                if source and source not in str(src or "").split(";"):
                    continue
                try:
                    want = {k: int(v) for k, v in json.loads(tables or "{}").items()}
                except (ValueError, TypeError, AttributeError):
                    continue
                editions = [e for e in str(eds or "").split(";") if e]
                intact = True
                for t, n in want.items():
                    if t not in TABLES:
                        intact = False
                        break
                    have = _scalar(
                        con, f'SELECT count(*) FROM "{t}" WHERE file = ? AND source IN '
                        "(SELECT unnest(?::VARCHAR[])) AND edition IN (SELECT unnest(?::VARCHAR[]))",
                        [fname, str(src or "").split(";"), editions])
                    if int(have) != n:
                        intact = False
                        break
                if intact:
                    day = f", {when:%Y-%m-%d}" if isinstance(when, _dt.datetime) else ""
                    return f"{fname} ({origin}{day})"
        return None

    def ingest_tables(
        self,
        tables: Mapping[str, pd.DataFrame],
        *,
        file: str,
        path: str = "",
        sha256: str = "",
        origin: str = "user",
        replace_files: bool = True,
    ) -> IngestResult:
        """Store the tables one reader produced from one file, in one transaction.

        Parameters
        ----------
        tables : mapping of str to DataFrame
            Table name -> rows conforming to :data:`critmin.schema.TABLES`.
        file : str
            The file's name, as recorded in the rows' ``file`` column.
        path, sha256 : str
            Recorded in ``ingest_log``; a ``sha256`` already ingested with all its rows in place
            makes the call a no-op (``status="unchanged"``).
        origin : str
            ``"bundled"`` or ``"user"``.
        replace_files : bool
            Also delete the rows earlier ingests of the same (source, edition, file) brought that
            this file no longer holds.

        Returns
        -------
        IngestResult
            Rows stored per table, and the rows replaced per file that had brought them.

        Raises
        ------
        DataError
            When the rows do not fit the schema or hold duplicate keys; nothing is stored then.
        """
        con = self._writable()
        ready: dict[str, pd.DataFrame] = {}
        for name, df in tables.items():
            if name not in TABLES:
                raise DataError(f"unknown table {name!r}; expected one of {sorted(TABLES)}", file=file)
            ready[name] = conform(df, name, file=file)
            _check_duplicates(ready[name], name, file)
        srcs = sorted({s for df in ready.values() for s in df["source"].dropna().unique()})
        eds = sorted({e for df in ready.values() for e in df["edition"].dropna().unique()})
        same = self.already_ingested(sha256, srcs[0] if len(srcs) == 1 else None) if sha256 else None
        if same is not None:
            return IngestResult(file, "unchanged", sources=srcs, editions=eds, same_as=same)
        counts: dict[str, int] = {}
        replaced: dict[str, int] = {}
        self._memo.clear()
        con.begin()
        try:
            touched: set[tuple[str, str, str]] = set()
            for name, df in ready.items():
                if not len(df):
                    counts[name] = 0
                    continue
                con.register("_incoming", df)
                try:
                    pk = PRIMARY_KEYS[name]
                    on = " AND ".join(f't."{k}" = i."{k}"' for k in pk)
                    own = (" OR EXISTS (SELECT 1 FROM (SELECT DISTINCT source, edition, file FROM "
                           "_incoming) f WHERE t.source = f.source AND t.edition = f.edition AND "
                           "t.file = f.file)") if replace_files else ""
                    # rows this ingest replaces: the same values (primary key), and the rows an
                    # earlier ingest of this very file brought
                    gone = con.execute(
                        f'SELECT t.source, t.edition, t.file, count(*) FROM "{name}" t WHERE '
                        f"EXISTS (SELECT 1 FROM _incoming i WHERE {on}){own} "
                        "GROUP BY ALL").fetchall()
                    for src, ed, fn, n in gone:
                        touched.add((src, ed, fn))
                        replaced[fn] = replaced.get(fn, 0) + int(n)
                    con.execute(f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM _incoming i '
                                f"WHERE {on}){own}")
                    cols = ", ".join(f'"{f.name}"' for f in TABLES[name])
                    con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
                finally:
                    con.unregister("_incoming")
                counts[name] = len(df)
            # files whose rows are all gone no longer count as ingested
            for src, ed, fn in touched:
                if fn == file:
                    continue
                left = sum(int(_scalar(con, f'SELECT count(*) FROM "{t}" WHERE source = ? AND '
                                       "edition = ? AND file = ?", [src, ed, fn])) for t in TABLES)
                if left == 0:
                    con.execute("DELETE FROM ingest_log WHERE file = ? AND source = ? AND edition = ?",
                                [fn, src, ed])
            con.execute(
                "DELETE FROM ingest_log WHERE file = ? AND source = ? AND edition = ?",
                [file, ";".join(srcs), ";".join(eds)],
            )
            con.execute(
                "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [";".join(srcs), ";".join(eds), file, sha256, path, origin,
                 json.dumps(counts), int(sum(counts.values())),
                 _dt.datetime.now(_dt.UTC).replace(tzinfo=None)],
            )
            _bump_data_version(con)
            con.commit()
        except duckdb.ConstraintException as err:
            con.rollback()
            raise DataError(f"the warehouse refused the rows: {_constraint_text(err)}",
                            file=file) from None
        except BaseException:
            con.rollback()
            raise
        return IngestResult(file, "replaced" if replaced else "ingested", counts, replaced, srcs, eds)

    def ingest_file(
        self,
        path: str | Path,
        source: str,
        *,
        origin: str = "user",
        edition: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> IngestResult:
        """Read a raw file with the reader of ``source`` and store it (see :meth:`ingest_tables`).

        A file whose bytes were already ingested (with every row still in place) is not read again:
        the result says ``unchanged`` and names the earlier file.

        Parameters
        ----------
        path : str or Path
            The file.
        source : str
            A source id of :data:`critmin.sources.registry.READERS` (e.g. ``usgs-mcs``, ``wgi``).
        origin : str
            ``"user"`` or ``"bundled"``.
        edition : str, optional
            The edition id, for sources whose files do not carry it (``comtrade``).
        progress : callable, optional
            Called with a short message.

        Returns
        -------
        IngestResult
        """
        from critmin.sources.registry import READERS, read_source

        self._writable()
        p = Path(path)
        if not p.exists():
            raise DataError("no such file", file=str(p))
        if p.is_dir():
            raise DataError("is a folder; expected a file", file=str(p))
        if source not in READERS:
            raise DataError(f"unknown source {source!r}; expected one of {sorted(READERS)}",
                            file=p.name)
        sha = _file_sha256(p)
        same = self.already_ingested(sha, source)
        if same is not None and edition is None:
            return IngestResult(p.name, "unchanged", sources=[source], same_as=same)
        tables = read_source(p, source, edition=edition)
        if progress:
            progress(f"read {p.name}: " + ", ".join(f"{k} {len(v)}" for k, v in tables.items()))
        return self.ingest_tables(tables, file=p.name, path=str(p), sha256=sha, origin=origin)

    # ------------------------------------------------------------------ bundled dataset
    def build_from_bundle(self, folder: str | Path | None = None) -> dict[str, int]:
        """Replace the bundled rows with the package's bundled tables, in one transaction.

        Rows ingested by the user are kept, also where they replaced bundled rows of the same values
        (the user's file wins; the bundled row is then not loaded).

        Returns
        -------
        dict of str to int
            Rows loaded per table.
        """
        con = self._writable()
        folder = Path(folder) if folder else bundle_dir()
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            raise WarehouseError(f"no bundled dataset at {folder} (manifest.json missing)")
        manifest = json.loads(manifest_path.read_text("utf-8"))
        frames = {t: pd.read_parquet(folder / f"{t}.parquet") for t in manifest["tables"]}
        counts: dict[str, int] = {}
        self._memo.clear()
        con.begin()
        try:
            for name, df in frames.items():
                df = conform(df, name, file=f"{name}.parquet")
                _check_duplicates(df, name, f"{name}.parquet")
                # the rows of the previous bundle (files the log records as bundled)
                con.execute(
                    f"""DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM ingest_log g
                    WHERE g.origin = 'bundled' AND g.file = t.file AND g.source = t.source
                    AND g.edition = t.edition)""")
                con.register("_incoming", df)
                try:
                    cols = ", ".join(f'"{f.name}"' for f in TABLES[name])
                    before = int(_scalar(con, f'SELECT count(*) FROM "{name}"'))
                    con.execute(f'INSERT OR IGNORE INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
                    counts[name] = int(_scalar(con, f'SELECT count(*) FROM "{name}"')) \
                        - before
                finally:
                    con.unregister("_incoming")
            con.execute("DELETE FROM ingest_log WHERE origin = 'bundled'")
            now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
            for fname, info in manifest.get("files", {}).items():
                # a file of that name the user ingested owns those rows: the bundled one is not in
                # place, and must not count as ingested
                if _scalar(con, "SELECT count(*) FROM ingest_log WHERE origin <> 'bundled' AND "
                           "file = ? AND source = ? AND edition = ?",
                           [fname, info.get("source", ""), info.get("edition", "")]):
                    continue
                con.execute(
                    "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, 'bundled', ?, ?, ?)",
                    [info.get("source", ""), info.get("edition", ""), fname, info.get("sha256", ""),
                     info.get("path", ""), json.dumps(info.get("rows", {})),
                     int(sum(info.get("rows", {}).values())), now],
                )
            _set_meta(con, "bundle_id", manifest.get("bundle_id", ""))
            _bump_data_version(con)
            con.commit()
        except duckdb.ConstraintException as err:
            con.rollback()
            raise WarehouseError(f"the bundled dataset breaks the warehouse's constraints: "
                                 f"{_constraint_text(err)}") from None
        except BaseException:
            con.rollback()
            raise
        return counts

    # ------------------------------------------------------------------ queries
    def cached(self, key: object, compute: Callable[[], object]) -> object:
        """A value derived from the tables, computed once (cleared when the data change).

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


def _stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        value = _scalar(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        return None
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()}


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def _bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the data as changed (read-only warehouses in other processes drop their memo)."""
    value = _scalar(con, "SELECT value FROM meta WHERE key = 'data_version'")
    try:
        n = int(value) + 1 if value is not None else 1
    except (TypeError, ValueError):
        n = 1
    _set_meta(con, "data_version", str(n))


def _constraint_text(err: Exception) -> str:
    text = str(err).replace("Constraint Error: ", "")
    return text.split("\n")[0][:300]


def _check_duplicates(df: pd.DataFrame, table: str, file: str) -> None:
    key = list(PRIMARY_KEYS[table])
    dup = df.duplicated(subset=key, keep=False)
    if dup.any():
        d = df.loc[dup].sort_values(key)
        first = d.iloc[0]
        same = d[(d[key] == first[key]).all(axis=1) | d[key].isna().all(axis=1)]
        rows = ", ".join(str(r) for r in same["row"].tolist()[:5])
        desc = ", ".join(f"{k}={first[k]!r}" for k in KEYS[table])
        raise DataError(
            f"duplicate rows for one {table} value ({desc}) at rows {rows}; "
            "expected each value once per edition",
            file=str(first.get("file", file)),
            row=int(same["row"].iloc[1]) if len(same) > 1 else None,
        )


def _bundle_id() -> str:
    try:
        manifest = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    except FileNotFoundError:
        return ""
    return manifest.get("bundle_id", "")


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


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        return _scalar(con, "SELECT value FROM meta WHERE key = ?", [key])
    except duckdb.CatalogException:
        return None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The first column of the first row of a query (None without rows); the result is consumed."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


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
