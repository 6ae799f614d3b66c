"""The warehouse: one embedded DuckDB file holding every canonical table with provenance.

The default file lives in the user data directory (:func:`platformdirs.user_data_dir`), overridable by
``CRITMIN_DB`` or an explicit path. :func:`open_warehouse` builds it from the bundled dataset on first use.

Ingest is atomic and idempotent: one transaction per file (all rows or none), and the rows a file
brought before (same ``source``, ``edition`` and ``file``) are replaced, never duplicated. Every edition
of a value is kept; the ``<table>_latest`` views keep, per value (the table's key in
:data:`critmin.schema.KEYS`), the row of the most recently published edition, with ``n_editions``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import inspect
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pandas as pd

from critmin.errors import CritminError, DataError
from critmin.schema import KEYS, TABLES, conform

__all__ = [
    "Warehouse",
    "default_db_path",
    "open_warehouse",
    "default_warehouse",
    "with_default_warehouse",
    "bundle_dir",
    "WarehouseError",
]

_DUCK = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}

SCHEMA_VERSION = 1


class WarehouseError(CritminError):
    """The warehouse file cannot be opened or is not a critmin warehouse."""


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


class Warehouse:
    """A DuckDB warehouse of critmin's canonical tables.

    Parameters
    ----------
    path : str or Path, optional
        The database file; ``":memory:"`` for a throw-away one. Defaults to :func:`default_db_path`.
    read_only : bool
        Open read-only (no schema creation).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else (path or default_db_path())
        self.read_only = read_only
        target = str(self.path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as err:
            raise WarehouseError(f"cannot open warehouse {target}: {err}") from err
        self._memo: dict[object, object] = {}
        if not read_only:
            self._create_schema()

    # ------------------------------------------------------------------ schema
    def _create_schema(self) -> None:
        con = self.con
        for table, fields in TABLES.items():
            cols = ", ".join(f'"{f.name}" {_DUCK[f.dtype]}' for f in fields)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})')
        con.execute(
            """CREATE TABLE IF NOT EXISTS ingest_log (
                source VARCHAR, edition VARCHAR, file VARCHAR, sha256 VARCHAR, path VARCHAR,
                origin VARCHAR, tables VARCHAR, rows BIGINT, ingested_at TIMESTAMP)"""
        )
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
            [str(SCHEMA_VERSION)],
        )
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

    def close(self) -> None:
        """Close the connection."""
        with suppress(Exception):
            self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        try:
            counts = {k: v for k, v in self.counts().items() if v}
        except Exception:  # noqa: BLE001 - a closed connection: say so, never raise from a repr
            return f"Warehouse({str(self.path)!r}, {mode}, closed)"
        rows = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        return (f"Warehouse({str(self.path)!r}, {mode}, {len(counts)} tables with rows, "
                f"{sum(counts.values()):,} rows: {rows or 'empty'})")

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table, or None."""
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.con.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # ------------------------------------------------------------------ ingest
    def ingest_tables(
        self,
        tables: Mapping[str, pd.DataFrame],
        *,
        file: str,
        path: str = "",
        sha256: str = "",
        origin: str = "user",
        replace_files: bool = True,
    ) -> dict[str, int]:
        """Store the tables one reader produced from one file, in one transaction.

        Parameters
        ----------
        tables : mapping of str to DataFrame
            Table name -> rows conforming to :data:`critmin.schema.TABLES`.
        file : str
            The file's name, as recorded in the rows' ``file`` column.
        path, sha256 : str
            Recorded in ``ingest_log``.
        origin : str
            ``"bundled"`` or ``"user"``.
        replace_files : bool
            Delete the rows earlier ingests of the same (source, edition, file) brought first
            (idempotent re-ingest).

        Returns
        -------
        dict of str to int
            Rows stored per table.

        Raises
        ------
        DataError
            When the rows do not fit the schema or hold duplicate keys; nothing is stored then.
        """
        ready: dict[str, pd.DataFrame] = {}
        for name, df in tables.items():
            if name not in TABLES:
                raise DataError(f"unknown table {name!r}; expected one of {sorted(TABLES)}", file=file)
            ready[name] = conform(df, name, file=file)
            _check_duplicates(ready[name], name, file)
        counts: dict[str, int] = {}
        self._memo.clear()
        con = self.con
        con.begin()
        try:
            for name, df in ready.items():
                if replace_files and len(df):
                    keys = df[["source", "edition", "file"]].drop_duplicates()
                    for src, ed, fn in keys.itertuples(index=False):
                        con.execute(
                            f'DELETE FROM "{name}" WHERE source = ? AND edition = ? AND file = ?',
                            [src, ed, fn],
                        )
                if len(df):
                    con.register("_incoming", df)
                    cols = ", ".join(f'"{f.name}"' for f in TABLES[name])
                    con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
                    con.unregister("_incoming")
                counts[name] = len(df)
            srcs = sorted({s for df in ready.values() for s in df["source"].dropna().unique()})
            eds = sorted({e for df in ready.values() for e in df["edition"].dropna().unique()})
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
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return counts

    def ingest_file(
        self,
        path: str | Path,
        source: str,
        *,
        origin: str = "user",
        progress: Callable[[str], None] | None = None,
    ) -> dict[str, int]:
        """Read a raw file with the reader of ``source`` and store it (see :meth:`ingest_tables`).

        Parameters
        ----------
        path : str or Path
            The file.
        source : str
            A source id of :data:`critmin.sources.registry.READERS` (e.g. ``usgs-mcs``, ``wgi``).
        origin : str
            ``"user"`` or ``"bundled"``.
        progress : callable, optional
            Called with a short message.
        """
        from critmin.sources.registry import read_source

        p = Path(path)
        if not p.exists():
            raise DataError("no such file", file=str(p))
        tables = read_source(p, source)
        if progress:
            progress(f"read {p.name}: " + ", ".join(f"{k} {len(v)}" for k, v in tables.items()))
        return self.ingest_tables(tables, file=p.name, path=str(p), sha256=_file_sha256(p),
                                  origin=origin)

    # ------------------------------------------------------------------ bundled dataset
    def build_from_bundle(self, folder: str | Path | None = None) -> dict[str, int]:
        """Replace the bundled rows with the package's bundled tables, in one transaction.

        Rows ingested by the user from files not in the bundle are kept.

        Returns
        -------
        dict of str to int
            Rows loaded per table.
        """
        folder = Path(folder) if folder else bundle_dir()
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            raise WarehouseError(f"no bundled dataset at {folder} (manifest.json missing)")
        manifest = json.loads(manifest_path.read_text("utf-8"))
        frames = {t: pd.read_parquet(folder / f"{t}.parquet") for t in manifest["tables"]}
        counts: dict[str, int] = {}
        self._memo.clear()
        con = self.con
        con.begin()
        try:
            bundled_files = list(manifest.get("files", {}))
            for name, df in frames.items():
                df = conform(df, name, file=f"{name}.parquet")
                if bundled_files:
                    con.execute(
                        f'DELETE FROM "{name}" WHERE file IN (SELECT unnest(?::VARCHAR[]))',
                        [bundled_files],
                    )
                con.register("_incoming", df)
                cols = ", ".join(f'"{f.name}"' for f in TABLES[name])
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM _incoming')
                con.unregister("_incoming")
                counts[name] = len(df)
            con.execute("DELETE FROM ingest_log WHERE origin = 'bundled'")
            now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
            for fname, info in manifest.get("files", {}).items():
                con.execute(
                    "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, 'bundled', ?, ?, ?)",
                    [info.get("source", ""), info.get("edition", ""), fname, info.get("sha256", ""),
                     info.get("path", ""), json.dumps(info.get("rows", {})),
                     int(sum(info.get("rows", {}).values())), now],
                )
            self.set_meta("bundle_id", manifest.get("bundle_id", ""))
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return counts

    # ------------------------------------------------------------------ queries
    def cached(self, key: object, compute: Callable[[], object]) -> object:
        """A value derived from the tables, computed once per connection (cleared on ingest).

        Parameters
        ----------
        key : hashable
            Names the value (e.g. ``("wgi_scaled", 2023)``).
        compute : callable
            Computes it from this warehouse.
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

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
        for name in TABLES:
            n, srcs, eds = self.con.execute(
                f"""SELECT count(*), string_agg(DISTINCT source, ', ' ORDER BY source),
                           string_agg(DISTINCT edition, ', ' ORDER BY edition) FROM "{name}" """
            ).fetchone()
            rows.append({"table": name, "rows": int(n), "sources": srcs or "", "editions": eds or ""})
        return pd.DataFrame(rows)

    def counts(self) -> dict[str, int]:
        """Row count per table."""
        return {n: int(self.con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in TABLES}

    def is_empty(self) -> bool:
        """True when no table holds a row."""
        return not any(self.counts().values())


def _check_duplicates(df: pd.DataFrame, table: str, file: str) -> None:
    key = ["source", "edition", *KEYS[table]]
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


def open_warehouse(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Warehouse:
    """Open the warehouse, building it from the bundled dataset on first use.

    It is (re)built when it holds no bundled data or when the package's bundle changed since it was
    built (the bundle id in ``manifest.json``); rows ingested by the user are kept.

    Parameters
    ----------
    path : str or Path, optional
        The database file (default :func:`default_db_path`).
    read_only : bool
        Reopen read-only once it is built: several processes (a dashboard and the CLI) can then read
        the same file at once, which DuckDB allows only without a writer.
    progress : callable, optional
        Called with a message when the warehouse is built.
    """
    try:
        manifest = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
        bundle_id = manifest.get("bundle_id", "")
    except FileNotFoundError:
        bundle_id = ""
    target = Path(path) if path is not None else default_db_path()
    if read_only and str(target) != ":memory:" and target.exists():
        ro = Warehouse(target, read_only=True)
        try:
            current = ro.get_meta("bundle_id")
        except duckdb.Error:
            current = None
        if current == bundle_id or not bundle_id:
            return ro
        ro.close()
    wh = Warehouse(target)
    if bundle_id and wh.get_meta("bundle_id") != bundle_id:
        if progress:
            progress(f"building the warehouse at {wh.path} from the bundled dataset")
        wh.build_from_bundle()
    if read_only and str(wh.path) != ":memory:":
        wh.close()
        return Warehouse(wh.path, read_only=True)
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
