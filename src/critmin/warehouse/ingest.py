"""Ingest into the warehouse: one transaction per file, keyed on content (sha256) and on the data's
identity (source, edition, table key); :class:`IngestResult` says what happened."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from critmin.errors import DataError
from critmin.schema import PRIMARY_KEYS, TABLES, conform
from critmin.warehouse._connection import WarehouseError, _file_sha256, bundle_dir
from critmin.warehouse._ddl import (
    _bump_data_version,
    _check_duplicates,
    _constraint_text,
    _scalar,
    _set_meta,
)


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




class _Ingest:
    """The ingest methods of :class:`~critmin.warehouse.Warehouse` (a mixin: they use its connection)."""

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
