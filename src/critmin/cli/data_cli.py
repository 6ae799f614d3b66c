"""``critmin data build``, ``ingest``, ``status`` and ``bundle``: the warehouse and the bundled dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import CsvOpt, JsonOpt, XlsxOpt, data_app, db_path, warehouse
from critmin.cli._output import emit, handle_errors, out, print_table, status
from critmin.sources.registry import READERS


@data_app.command("build")
def data_build() -> None:
    """(Re)build the warehouse from the bundled dataset (user-ingested rows are kept)."""
    from critmin.warehouse import Warehouse

    with handle_errors(), Warehouse(db_path()) as wh:
        counts = wh.build_from_bundle()
        path = wh.path
    out.print(f"built {escape(str(path))}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@data_app.command("ingest")
def data_ingest(
    path: Annotated[Path, typer.Argument(help="The raw file.")],
    source: Annotated[str, typer.Option(help="Source id: " + ", ".join(READERS) + ".")],
    edition: Annotated[str | None, typer.Option(
        help="Edition id for comtrade files without metadata (default: from the periods covered).")]
    = None,
) -> None:
    """Add a raw file (e.g. next year's MCS release): all rows or none; the same values are replaced,
    never duplicated; a file already ingested is a no-op."""
    from critmin.errors import DataError

    with handle_errors():
        if path.is_dir():
            raise DataError(f"{path} is a folder: give one file of the source (e.g. a CSV of the MCS "
                            "release)", file=str(path))
        if not path.exists():
            raise DataError(f"no such file: {path}", file=str(path))
    with handle_errors(), warehouse(read_only=False) as wh:
        res = wh.ingest_file(path, source, edition=edition)
    out.print(res.message(), highlight=False, markup=False)


@data_app.command("status")
def data_status(as_json: JsonOpt = False, as_csv: CsvOpt = False, xlsx: XlsxOpt = None) -> None:
    """Tables with row counts, sources and editions."""
    with handle_errors(), warehouse() as wh:
        df = wh.status()
        files = wh.query("SELECT origin, count(*) AS files FROM ingest_log GROUP BY origin")
        path = wh.path
        from critmin.sources.fetch.store import fetch_history  # no network code: the fetch log only

        fetched = fetch_history(wh)
    emit(as_json=as_json, as_csv=as_csv,
         to_json=lambda: {"db": str(path), "tables": df.to_dict(orient="records"),
                          "files": files.to_dict(orient="records"),
                          "fetched": fetched.to_dict(orient="records")},
         to_csv=lambda: df, render=lambda: _render_status(path, df, files, fetched), to_xlsx=xlsx,
         sheets=lambda: {"tables": df, "files": files, **({"fetched": fetched} if len(fetched) else {})},
         about={"command": "critmin data status", "warehouse": str(path)})


def _render_status(path, df, files, fetched) -> None:
    t = Table(title=f"warehouse {path}")
    for c in ("table", "rows", "sources", "editions"):
        t.add_column(c, justify="right" if c == "rows" else "left")
    for r in df.itertuples(index=False):
        t.add_row(r.table, f"{r.rows:,}", r.sources, r.editions)
    print_table(t)
    for r in files.itertuples(index=False):
        out.print(f"{r.files} files ingested ({escape(str(r.origin))})")
    if not fetched.empty:
        f = Table(title="fetched (critmin data fetch)")
        for c in ("source", "from", "files", "ingested", "rows", "last fetched (UTC)"):
            f.add_column(c, justify="right" if c in ("files", "ingested", "rows") else "left")
        for r in fetched.to_dict(orient="records"):
            f.add_row(r["source"], r["from"], f"{int(r['files']):,}", f"{int(r['ingested']):,}",
                      f"{int(r['rows']):,}", r["last_fetched"])
        print_table(f)


@data_app.command("bundle")
def data_bundle(
    shared_data: Annotated[Path, typer.Argument(help="The raw data folder (../shared/data).")],
    out_dir: Annotated[Path | None, typer.Option(help="Output folder (default: the package's).")]
    = None,
) -> None:
    """Rebuild the bundled canonical tables from the raw public files (for maintainers)."""
    from critmin.bundled.build import build_tables, write_bundle
    from critmin.errors import DataError
    from critmin.warehouse import bundle_dir

    with handle_errors():
        if not (shared_data / "SOURCES.md").is_file():
            raise DataError(f"{shared_data} is not the raw data folder (no SOURCES.md there); give the "
                            "path of shared/data beside the checkout, e.g. ../shared/data")
        tables, manifest = build_tables(shared_data, progress=status)
    write_bundle(tables, manifest, out_dir or bundle_dir())
    out.print("bundle " + manifest["bundle_id"] + ": "
              + ", ".join(f"{k} {v:,}" for k, v in manifest["rows"].items()))
