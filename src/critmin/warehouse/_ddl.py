"""The warehouse's schema as DuckDB DDL (tables with their primary keys and CHECK constraints, the log,
the latest-edition views) and small helpers on a raw connection."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from critmin.errors import DataError
from critmin.schema import KEYS, PRIMARY_KEYS, TABLES, YEAR_MAX, YEAR_MIN, Field
from critmin.warehouse._connection import bundle_dir

_DUCK = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "date": "DATE"}

SCHEMA_VERSION = 2
"""Version of the warehouse schema (``meta.schema_version``). 2: primary keys and CHECK constraints."""


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



def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        return _scalar(con, "SELECT value FROM meta WHERE key = ?", [key])
    except duckdb.CatalogException:
        return None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The first column of the first row of a query (None without rows); the result is consumed."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


