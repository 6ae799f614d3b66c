"""The ``critmin`` command line (typer + rich). Thin: every command calls the public API and prints.

Every command that prints a table also takes ``--json`` (the documented JSON shape) and ``--csv``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from critmin.errors import CritminError

app = typer.Typer(
    name="critmin",
    help="Critical-minerals supply security from cited public data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, extend and inspect the warehouse.", no_args_is_help=True)
app.add_typer(data_app, name="data")

out = Console()
err = Console(stderr=True)

_STATE: dict[str, Path | None] = {"db": None}

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]


@app.callback()
def _main(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="CRITMIN_DB",
                     help="Warehouse file (default: the user data dir; env CRITMIN_DB)."),
    ] = None,
) -> None:
    _STATE["db"] = db


def _warehouse():
    from critmin.warehouse import open_warehouse

    return open_warehouse(_STATE["db"], progress=lambda m: err.print(f"[dim]{m}[/dim]"))


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/bold red] {exc}", highlight=False, markup=True)
    raise typer.Exit(code=2)


def _clean(obj):
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(_clean(obj), indent=2, ensure_ascii=False, default=str) + "\n")


def _print_csv(df: pd.DataFrame) -> None:
    df.to_csv(sys.stdout, index=False)


def _fmt(x: object, pct: bool = False, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if pct:
        return f"{float(x):.1%}"
    if isinstance(x, (int, float)):
        return f"{float(x):,.{digits}f}"
    return str(x)


# --------------------------------------------------------------------------- supply
@app.command()
def supply(
    commodity: Annotated[str, typer.Argument(help="Commodity id, name or USGS code.")],
    year: Annotated[int | None, typer.Option(help="Year (default: latest with data).")] = None,
    stage: Annotated[str | None, typer.Option(help="mine, refinery, ...")] = None,
    product: Annotated[str | None, typer.Option(help="Product when a stage has several.")] = None,
    edition: Annotated[str | None, typer.Option(help="Force an edition, e.g. MCS2025.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Producers with quantity, share and cumulative share; HHI; world total; edition used."""
    from critmin.supply import supply as run

    try:
        with _warehouse() as wh:
            res = run(commodity, year=year, stage=stage, product=product, edition=edition,
                      warehouse=wh)
    except (CritminError, KeyError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.table.assign(commodity=res.commodity, year=res.year, stage=res.stage,
                                    unit=res.unit, edition=res.edition))
        return
    unit = res.unit
    t = Table(title=f"{res.name}: {res.stage} production {res.year} "
                    f"({res.product or res.basis}; {res.edition})")
    t.add_column("country")
    t.add_column("name")
    t.add_column(f"quantity [{unit}]", justify="right")
    t.add_column("share", justify="right")
    t.add_column("cumulative", justify="right")
    if "reserves" in res.table:
        t.add_column(f"reserves [{unit}]", justify="right")
    for r in res.table.itertuples(index=False):
        cells = [r.country, r.name,
                 _fmt(r.quantity, digits=0 if (r.quantity or 0) >= 100 or r.quantity == 0 else 2)
                 + ("e" if r.estimated else "")
                 + (f" ({r.missing})" if isinstance(r.missing, str) else ""),
                 _fmt(r.share, pct=True), _fmt(r.cumulative_share, pct=True)]
        if "reserves" in res.table:
            cells.append(_fmt(getattr(r, "reserves", None)))
        t.add_row(*cells)
    out.print(t)
    out.print(f"world total (published): {_fmt(res.world_total)} {unit}; "
              f"sum of countries: {_fmt(res.countries_total)}; "
              f"other countries: {_fmt(res.other_countries)}")
    out.print(f"HHI: {res.hhi:.3f} ({res.hhi_points:,.0f} points, {res.hhi_band}); "
              f"governance-weighted HHI (WGI {res.wgi_year}, 0-10): {_fmt(res.hhi_wgi, digits=2)}; "
              f"source: {res.source} {res.edition}")
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {n}")


# --------------------------------------------------------------------------- trend
@app.command()
def trend(
    commodity: Annotated[str, typer.Argument(help="Commodity id, name or USGS code.")],
    stage: Annotated[str | None, typer.Option(help="mine, refinery, ...")] = None,
    product: Annotated[str | None, typer.Option(help="Product when a stage has several.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """World total, top producer's share and HHI for every year covered (latest edition per year)."""
    from critmin.supply import trend as run

    try:
        with _warehouse() as wh:
            res = run(commodity, stage=stage, product=product, warehouse=wh)
    except (CritminError, KeyError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.years)
        return
    t = Table(title=f"{res.commodity}: {res.stage} production trend ({res.product})")
    for c, j in (("year", "right"), (f"world total [{res.unit}]", "right"), ("top", "left"),
                 ("top share", "right"), ("HHI", "right"), ("edition", "left")):
        t.add_column(c, justify=j)
    for r in res.years.itertuples(index=False):
        t.add_row(str(r.year), _fmt(r.world_total),
                  r.top_country if isinstance(r.top_country, str) else "—",
                  _fmt(r.top_share, pct=True),
                  "—" if pd.isna(r.hhi) else f"{r.hhi:.3f}", r.edition)
    out.print(t)


# --------------------------------------------------------------------------- reliance
@app.command()
def reliance(
    commodity: Annotated[str, typer.Argument(help="Commodity id, name or USGS code.")],
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """U.S. net import reliance: as USGS reports it and recomputed from the salient series;
    U.S. import sources."""
    from critmin.exposure import us_import_sources, us_net_import_reliance

    try:
        with _warehouse() as wh:
            nir = us_net_import_reliance(commodity, warehouse=wh)
            src = us_import_sources(commodity, warehouse=wh)
    except (CritminError, KeyError) as exc:
        _fail(exc)
    if as_json:
        _print_json({
            "commodity": commodity,
            "net_import_reliance": nir.astype(object).where(nir.notna(), None)
            .to_dict(orient="records"),
            "import_sources": src[["partner", "period", "detail", "share", "edition"]]
            .astype(object).where(src[["partner", "period", "detail", "share", "edition"]]
                                  .notna(), None).to_dict(orient="records"),
        })
        return
    if as_csv:
        _print_csv(nir)
        return
    nir = nir.astype(object).where(nir.notna(), None)
    t = Table(title=f"{commodity}: U.S. net import reliance [% of apparent consumption]")
    for c in ("year", "series", "reported", "recomputed", "edition"):
        t.add_column(c, justify="right" if c in ("reported", "recomputed") else "left")
    for r in nir.itertuples(index=False):
        rep = (f"{r.reported_qualifier or ''}{r.nir_reported:.0%}" if r.nir_reported is not None
               else (r.reported_missing or "—"))
        t.add_row(str(r.year), str(r.nir_detail or "")[:50], rep,
                  _fmt(r.nir_computed, pct=True), r.edition)
    out.print(t)
    if len(src):
        s = Table(title=f"U.S. import sources ({src['period'].iloc[0]}, {src['edition'].iloc[0]})")
        for c in ("partner", "share", "detail"):
            s.add_column(c)
        for r in src.itertuples(index=False):
            s.add_row(r.partner, _fmt(r.share, pct=True), str(r.detail or ""))
        out.print(s)


# --------------------------------------------------------------------------- dependence (trade)
# (the importer-dependence command goes here)


# --------------------------------------------------------------------------- monitor
# (the restriction-monitor commands go here)


# --------------------------------------------------------------------------- simulate
# (the market simulator command goes here)


# --------------------------------------------------------------------------- commodities
@app.command()
def commodities(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """The commodity catalogue with the years and editions of production data covered."""
    from critmin.commodities import catalogue
    from critmin.supply import coverage

    try:
        with _warehouse() as wh:
            cov = coverage(wh)
    except CritminError as exc:
        _fail(exc)
    cat = catalogue()
    df = cat.merge(cov, left_on="id", right_on="commodity", how="left").drop(columns="commodity")
    if as_json:
        _print_json(df.astype(object).where(df.notna(), None).to_dict(orient="records"))
        return
    if as_csv:
        _print_csv(df)
        return
    t = Table(title="critmin commodities")
    for c in ("id", "name", "USGS codes", "stages", "basis", "years", "editions"):
        t.add_column(c)
    for r in df.itertuples(index=False):
        years = "" if pd.isna(r.first_year) else f"{int(r.first_year)}–{int(r.last_year)}"
        t.add_row(r.id, r.name, str(r.usgs_codes).replace(";", " "),
                  r.data_stages if isinstance(r.data_stages, str) else "",
                  str(r.basis), years,
                  (r.editions if isinstance(r.editions, str) else "").replace("MCS", ""))
    out.print(t)
    out.print(f"{len(df)} commodities, {int(df['first_year'].notna().sum())} with production data")


# --------------------------------------------------------------------------- data
@data_app.command("build")
def data_build() -> None:
    """(Re)build the warehouse from the bundled dataset (user-ingested rows are kept)."""
    from critmin.warehouse import Warehouse

    try:
        with Warehouse(_STATE["db"]) as wh:
            counts = wh.build_from_bundle()
            path = wh.path
    except CritminError as exc:
        _fail(exc)
    out.print(f"built {path}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@data_app.command("ingest")
def data_ingest(
    path: Annotated[Path, typer.Argument(help="The raw file.")],
    source: Annotated[str, typer.Option(help="Source id: usgs-mcs, usgs-ds140, usgs-myb, wgi.")],
) -> None:
    """Add a raw file (e.g. next year's MCS release): all rows or none; re-ingest replaces."""
    try:
        with _warehouse() as wh:
            counts = wh.ingest_file(path, source)
    except CritminError as exc:
        _fail(exc)
    out.print(f"ingested {path.name} ({source}): "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@data_app.command("status")
def data_status(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Tables with row counts, sources and editions."""
    try:
        with _warehouse() as wh:
            df = wh.status()
            files = wh.query("SELECT origin, count(*) AS files FROM ingest_log GROUP BY origin")
            path = wh.path
    except CritminError as exc:
        _fail(exc)
    if as_json:
        _print_json({"db": str(path), "tables": df.to_dict(orient="records"),
                     "files": files.to_dict(orient="records")})
        return
    if as_csv:
        _print_csv(df)
        return
    t = Table(title=f"warehouse {path}")
    for c in ("table", "rows", "sources", "editions"):
        t.add_column(c, justify="right" if c == "rows" else "left")
    for r in df.itertuples(index=False):
        t.add_row(r.table, f"{r.rows:,}", r.sources, r.editions)
    out.print(t)
    for r in files.itertuples(index=False):
        out.print(f"{r.files} files ingested ({r.origin})")


@data_app.command("bundle")
def data_bundle(
    shared_data: Annotated[Path, typer.Argument(help="The raw data folder (../shared/data).")],
    out_dir: Annotated[Path | None, typer.Option(help="Output folder (default: the package's).")]
    = None,
) -> None:
    """Rebuild the bundled canonical tables from the raw public files (for maintainers)."""
    from critmin.bundled.build import build_tables, write_bundle
    from critmin.warehouse import bundle_dir

    try:
        tables, manifest = build_tables(shared_data, progress=lambda m: err.print(f"[dim]{m}[/dim]"))
    except CritminError as exc:
        _fail(exc)
    write_bundle(tables, manifest, out_dir or bundle_dir())
    out.print("bundle " + manifest["bundle_id"] + ": "
              + ", ".join(f"{k} {v:,}" for k, v in manifest["rows"].items()))


def main() -> None:  # pragma: no cover - console entry
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
