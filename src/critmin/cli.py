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
from rich.markup import escape
from rich.table import Table

from critmin.errors import CritminError
from critmin.sources.registry import READERS

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
    err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, markup=True)
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
@app.command()
def dependence(
    commodity: Annotated[str, typer.Argument(help="Commodity id, name or USGS code.")],
    importer: Annotated[str, typer.Option(help="Importing country: ISO3 or name (USA, CHN).")],
    year: Annotated[int | None, typer.Option(help="Year (default: latest with data).")] = None,
    by: Annotated[str, typer.Option(help="Shares of quantity (net weight) or value.")]
    = "quantity",
    hs: Annotated[str | None, typer.Option(help="HS lines to sum, comma-separated "
                                                "(default: the catalogue's lines).")] = None,
    source: Annotated[str | None, typer.Option(help="Trade source id (comtrade, usitc).")] = None,
    min_coverage: Annotated[float, typer.Option(help="Least share of the World total the suppliers "
                                                     "must cover.")] = 0.5,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Importer dependence from bilateral trade: supplier shares, top supplier, importer-side HHI."""
    from critmin.exposure import importer_dependence

    measure = {"quantity": "quantity_kg", "value": "value_usd"}.get(by, by)
    codes = [c.strip() for c in hs.split(",") if c.strip()] if hs else None
    try:
        with _warehouse() as wh:
            res = importer_dependence(commodity, importer, year=year, hs_codes=codes, by=measure,
                                      source=source, min_coverage=min_coverage, warehouse=wh)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.table.assign(importer=res.importer, commodity=res.commodity, year=res.year,
                                    hs_codes="+".join(res.hs_codes), source=res.source,
                                    edition=res.edition))
        return
    t = Table(title=f"{res.name}: {res.importer} imports by supplier, {res.year} "
                    f"(HS {'+'.join(res.hs_codes)}; {res.source} {res.edition})")
    for c, j in (("partner", "left"), ("name", "left"), ("quantity (t)", "right"),
                 ("value [USD]", "right"), ("share", "right"), ("of World", "right")):
        t.add_column(c, justify=j)
    for r in res.table.itertuples(index=False):
        q = r.quantity_kg / 1000.0 if pd.notna(r.quantity_kg) else float("nan")
        t.add_row(r.partner, str(r.name), _fmt(q, digits=0 if q >= 100 or q == 0 else 2)
                  + (f" ({r.missing})" if isinstance(r.missing, str) else ""),
                  _fmt(r.value_usd), _fmt(r.share, pct=True), _fmt(r.share_of_world, pct=True))
    out.print(t)
    total = f"{res.partner_sum / 1000:,.0f} t" if res.unit == "kg" else f"USD {res.partner_sum:,.0f}"
    world = ("—" if math.isnan(res.world_total) else
             (f"{res.world_total / 1000:,.0f} t" if res.unit == "kg" else f"USD {res.world_total:,.0f}"))
    out.print(f"shares of {'net weight' if res.unit == 'kg' else 'value'}; suppliers' sum {total}; "
              f"World total (reported) {world}")
    out.print(f"top supplier: {res.top_supplier} {_fmt(res.top_share, pct=True)}; HHI "
              f"{res.hhi:.3f} ({res.hhi_points:,.0f} points, {res.hhi_band}); "
              f"{res.n_suppliers} suppliers")
    recent = res.years.tail(10)
    if len(recent) > 1:
        s = Table(title="by year")
        for c, j in (("year", "right"), ("suppliers' sum", "right"), ("top", "left"),
                     ("top share", "right"), ("HHI", "right")):
            s.add_column(c, justify=j)
        for r in recent.itertuples(index=False):
            ps = (r.partner_sum / 1000.0 if res.unit == "kg" else r.partner_sum)
            s.add_row(str(int(r.year)), _fmt(ps) + (" t" if res.unit == "kg" else ""),
                      r.top_supplier if isinstance(r.top_supplier, str) else "—",
                      _fmt(r.top_share, pct=True), "—" if pd.isna(r.hhi) else f"{r.hhi:.3f}")
        out.print(s)
    for c in res.caveats:
        out.print(f"[yellow]note:[/yellow] {c}", highlight=False)


# --------------------------------------------------------------------------- monitor
monitor_app = typer.Typer(
    help="Restriction monitor: is a fall in monthly exports restriction-like or demand-like?",
    invoke_without_command=True,
)
app.add_typer(monitor_app, name="monitor")

_SIGNAL_PCT = {"level_break", "front_running", "control_group", "price_wedge"}


def _signal_value(name: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if name in _SIGNAL_PCT:
        return f"{v:+.0%}"
    if name == "licence_recovery":
        return f"{v:.0%}"
    return f"{v:.2f}"


@monitor_app.callback(invoke_without_command=True)
def monitor(
    ctx: typer.Context,
    exporter: Annotated[str | None, typer.Option(help="Exporter, ISO3 (CHN).")] = None,
    hs: Annotated[str | None, typer.Option(help="HS lines tested together, comma-separated "
                                                "(280530,284690).")] = None,
    control: Annotated[str | None, typer.Option(help="Control (sibling) lines, comma-separated "
                                                     "(default: from the HS catalogue).")] = None,
    month: Annotated[str | None, typer.Option(help="Month to assess, YYYY-MM (default: latest).")]
    = None,
    partners: Annotated[str | None, typer.Option(help="Only these partners, comma-separated "
                                                      "(USA, BLOC:Adversary).")] = None,
    method: Annotated[str, typer.Option(help="Detector: evidence, breaks or yoy.")] = "evidence",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The month's evidence and verdict for an exporter's HS lines, with the series around it.

    Also: ``critmin monitor scan`` ranks restriction-like months across the warehouse.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not exporter or not hs:
        err.print(ctx.get_help())
        err.print("[bold red]error:[/bold red] --exporter and --hs are required (or use "
                  "'critmin monitor scan')")
        raise typer.Exit(code=2)
    from critmin.monitor import monitor as run

    try:
        with _warehouse() as wh:
            res = run(exporter, hs, control=control.split(",") if control else None, month=month,
                      partners=[p.strip() for p in partners.split(",")] if partners else None,
                      method=method, warehouse=wh)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.months)
        return
    m = res.months.reset_index(drop=True)
    i = int(m.index[m["month"] == res.month][0])
    around = m.iloc[max(0, i - 12):i + 4]
    t = Table(title=f"{res.exporter} exports of HS {'+'.join(res.hs)} "
                    f"({', '.join(res.partners) or 'all partners'})")
    for c, j in (("month", "left"), ("quantity (t)", "right"), ("y/y", "right"),
                 ("vs baseline", "right"), ("score", "right"), ("verdict", "left")):
        t.add_column(c, justify=j)
    for r in around.itertuples(index=False):
        mark = "bold" if r.month == res.month else ""
        t.add_row(r.month, _fmt(r.quantity_kg / 1000.0), _fmt(r.yoy_change, pct=True),
                  _fmt(r.baseline_deviation, pct=True),
                  "—" if pd.isna(r.score) else f"{r.score:.2f}", r.verdict, style=mark)
    out.print(t)
    e = Table(title=f"evidence for {res.month} (control: {', '.join(res.control) or 'none'})")
    for c, j in (("signal", "left"), ("value", "right"), ("score", "right"), ("weight", "right"),
                 ("note", "left")):
        e.add_column(c, justify=j)
    for r in res.signals.itertuples(index=False):
        e.add_row(r.name, _signal_value(r.name, r.value), "—" if pd.isna(r.score) else f"{r.score:.2f}",
                  str(r.weight), r.note)
    out.print(e)
    score = "n/a" if math.isnan(res.score) else f"{res.score:.2f}"
    p = "n/a" if math.isnan(res.p_restriction) else f"{res.p_restriction:.2f}"
    out.print(f"[bold]{res.month}: {res.verdict}[/bold] (score {score}; evidence for a restriction "
              f"given a fall {p}); {_fmt(res.quantity_kg / 1000.0)} t, y/y {_fmt(res.yoy_change, pct=True)}, "
              f"vs baseline {_fmt(res.baseline_deviation, pct=True)}", highlight=False)
    if len(res.breaks):
        out.print("breaks (deseasonalised level): " + "; ".join(
            f"{b.month} {b.size:+.0%}" for b in res.breaks.itertuples(index=False)), highlight=False)
    top = res.top_months(3)
    if len(top):
        out.print("highest scores: " + "; ".join(f"{r.month} {r.score:.2f} ({r.verdict})"
                                                 for r in top.itertuples(index=False)), highlight=False)
    for w in res.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


@monitor_app.command("scan")
def monitor_scan(
    since: Annotated[str | None, typer.Option(help="First month to list, YYYY-MM.")] = None,
    exporter: Annotated[str | None, typer.Option(help="Only this exporter, ISO3.")] = None,
    method: Annotated[str, typer.Option(help="Detector: evidence, breaks or yoy.")] = "evidence",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Scan every monthly export line in the warehouse; list restriction-like months by score."""
    from critmin.monitor import scan as run

    try:
        with _warehouse() as wh:
            res = run(since, exporters=[exporter] if exporter else None, method=method, warehouse=wh)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.table)
        return
    t = Table(title=f"restriction-like months since {res.since or 'the start'} "
                    f"({res.series} series, method {res.method})")
    for c, j in (("exporter", "left"), ("HS", "left"), ("month", "left"), ("score", "right"),
                 ("quantity (t)", "right"), ("y/y", "right"), ("vs baseline", "right"),
                 ("control", "left"), ("evidence", "left")):
        t.add_column(c, justify=j)
    for r in res.table.itertuples(index=False):
        t.add_row(r.exporter, r.hs, r.month, f"{r.score:.2f}", _fmt(r.quantity_kg / 1000.0),
                  _fmt(r.yoy_change, pct=True), _fmt(r.baseline_deviation, pct=True), r.control,
                  r.evidence)
    out.print(t)
    if res.table.empty:
        out.print("no restriction-like month found")
    for w in res.warnings:
        out.print(f"[yellow]note:[/yellow] {w}", highlight=False)


# --------------------------------------------------------------------------- simulate
@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (see examples/scenarios/).")],
    runs: Annotated[int, typer.Option(min=1, help="Monte Carlo runs.")] = 10_000,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (default: fresh, printed).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write one row per run to Parquet.")]
    = None,
    as_json: JsonOpt = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Run on a local Dask cluster of N workers.")]
    = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on a Dask scheduler, tcp://HOST:PORT.")]
    = None,
    pool: Annotated[int | None, typer.Option(min=1, help="Run on a local pool of N processes.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Runs per chunk (memory; not the numbers).")]
    = 16_384,
) -> None:
    """Monte Carlo disruption scenario: peak price, shortfall and stocks per region, with assumptions."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from critmin.market import build_baseline, get_runner, load_scenario
    from critmin.market import simulate as run

    try:
        spec = load_scenario(scenario)
        runner = get_runner(workers=workers, scheduler=scheduler, pool=pool)
        with _warehouse() as wh:
            baseline = build_baseline(spec, wh)
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            task = bar.add_task(f"simulating ({runner.name})", total=runs)
            res = run(spec, runs=runs, seed=seed, baseline=baseline, runner=runner,
                      chunk_size=chunk_size, progress=lambda done, total: bar.update(task, completed=done))
        if out_file is not None:
            res.to_parquet(out_file)
    except (CritminError, ValueError, KeyError) as exc:
        _fail(ValueError(escape(str(exc))))        # scenario errors name keys in [brackets]
    if as_json:
        _print_json(res.to_dict())
        return
    d = res.to_dict()
    b = res.baseline
    out.print(f"[bold]{escape(spec.name)}[/bold] ({b.name}, {b.basis or b.product}; "
              f"baseline {b.edition} {b.year})")
    out.print(f"{res.runs:,} runs, seed {res.seed}, {res.runner}, {res.elapsed_s:.2f} s; horizon "
              f"{res.inputs.horizon} months; disruption in {d['disruption_share']:.0%} of runs")
    out.print(f"exporter {b.exporter}: output {b.exporter_production_t_per_year:,.0f} t/yr, exports "
              f"{b.exporter_exports_t_per_year:,.0f} t/yr (estimate); P0 {res.inputs.p0:,.0f} USD/t; "
              f"choke {res.inputs.choke_multiple:g} x P0")
    t = Table(title="price and cost (quantiles over runs)")
    for c in ("", "p05", "p50", "p95", "mean"):
        t.add_column(c, justify="left" if not c else "right")
    for label, key, digits in (("peak price multiple (P/P0)", "price_peak_multiple", 2),
                               ("months at the choke price", "months_at_choke", 1),
                               ("cost, all regions \\[million USD]", "cost_usd_total", 1)):
        qs = d[key]
        scale = 1e-6 if key == "cost_usd_total" else 1.0
        t.add_row(label, *(_fmt(qs[k] * scale, digits=digits) for k in ("p05", "p50", "p95", "mean")))
    out.print(t)
    r = Table(title="regions (quantiles over runs: p05 / p50 / p95)")
    for c in ("region", "demand [t/yr]", "shortfall [t]", "months of shortfall", "stock at start [t]",
              "stock left [t]"):
        r.add_column(escape(c), justify="left" if c == "region" else "right")

    def _band(qs: dict, digits: int = 0) -> str:
        return " / ".join(_fmt(qs[k], digits=digits) for k in ("p05", "p50", "p95"))

    for g in d["regions"]:
        tag = {"data": "", "residual": " (residual)", "override": " (override)"}.get(g["demand_kind"],
                                                                                     " (estimate)")
        r.add_row(f"{g['region']} {g['name']}", _fmt(g["baseline_demand_t_per_year"]) + tag,
                  _band(g["shortfall_t"]), _band(g["shortfall_months"]), _fmt(g["stock_start_t"]),
                  _band(g["stock_end_t"]))
    out.print(r)
    a = Table(title="assumptions (every figure the run rests on)")
    for c in ("name", "value", "unit", "kind", "source"):
        a.add_column(c, overflow="fold")
    for item in d["assumptions"]:
        v = item["value"]
        val = (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.6g}") if isinstance(v, float) else str(v)
        a.add_row(escape(item["name"]), escape(val), escape(item["unit"]), escape(item["kind"]),
                  escape(item["source"]))
    out.print(a)
    for n in d["notes"]:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")
    if out_file is not None:
        out.print(f"per-run results written to {out_file}")


# --------------------------------------------------------------------------- criticality
_CRIT_COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    # (column title, table() column, format: f1/f2/f3 decimals, pct, int, text); the rest: --csv/--json
    "eu2017": [("SR", "supply_risk", "f1"), ("SR pub", "published_sr", "f1"),
               ("error", "f_sr_error", "f1"), ("EI pub", "economic_importance", "f1"),
               ("pub", "published_critical", "text")],
    "eu2023": [("SR", "supply_risk", "f1"), ("EI", "economic_importance", "f1"),
               ("HHI GS", "f_hhi_wgi_t_gs", "f2"), ("IR", "f_ir", "pct"),
               ("list", "published_eu_list_2023", "text")],
    "eu": [("SR", "supply_risk", "f1"), ("EI", "economic_importance", "f1"),
           ("year", "f_year", "text"), ("top", "f_gs_top", "text"),
           ("list", "published_eu_list_2023", "text")],
    "usgs": [("SR", "supply_risk", "f3"), ("DP", "f_dp", "f3"), ("TE", "f_te", "f2"),
             ("EV", "f_ev", "f2"), ("DPxTE", "f_dp_x_te", "f3"), ("top", "f_top", "text")],
    "geopolrisk": [("score", "supply_risk", "f3"), ("HHI", "f_hhi", "f3"),
                   ("imports [t]", "f_imports_t", "int"),
                   ("prod. [t]", "f_domestic_production_t", "int"), ("year", "f_trade_year", "text")],
}


def _crit_cell(v: object, kind: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    if kind == "text":
        return str(v)
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return {"f1": f"{f:.1f}", "f2": f"{f:.2f}", "f3": f"{f:.3f}", "pct": f"{f:.0%}",
            "int": f"{f:,.0f}"}[kind]


@app.command()
def criticality(
    method: Annotated[str, typer.Option(help="eu, usgs or geopolrisk.")] = "eu",
    importer: Annotated[str | None, typer.Option(
        help="Importer: EU, USA, JPN or ISO3 (default EU for eu, USA otherwise).")] = None,
    year: Annotated[int | None, typer.Option(help="Production/trade year (default: latest).")] = None,
    assessment: Annotated[int | None, typer.Option(
        help="Run the EU method on the EU's own inputs of 2017 or 2023.")] = None,
    parameters: Annotated[Path | None, typer.Option(
        help="Your criticality parameters CSV (default: the package's EU 2023 parameters).")] = None,
    commodity: Annotated[str | None, typer.Option(
        help="Only this commodity or EU material.")] = None,
    wgi_years: Annotated[str | None, typer.Option(
        "--wgi-years", help="WGI data years of the 2023 chain: 2020 or 2016-2020.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Criticality: EU supply risk and economic importance, USGS-style supply risk, or GeoPolRisk,
    as a ranked table with each factor, missing inputs and the critical call."""
    from critmin.criticality import criticality as run

    wy = None
    if wgi_years:
        try:
            a, _, b = wgi_years.partition("-")
            wy = tuple(range(int(a), int(b or a) + 1))
        except ValueError:
            _fail(CritminError(f"--wgi-years takes a year or a range such as 2016-2020, "
                               f"got {wgi_years!r}"))
    try:
        with _warehouse() as wh:
            res = run(commodity, method=method, importer=importer, year=year,
                      assessment=assessment, parameters=parameters, wgi_years=wy, warehouse=wh)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    if as_json:
        _print_json(res.to_dict())
        return
    table = res.table()
    if as_csv:
        _print_csv(table)
        return
    key = ("eu" + str(res.assessment)) if res.assessment else res.method
    cols = [c for c in _CRIT_COLUMNS[key] if c[1] in table.columns]
    what = {"eu": "EU supply risk and economic importance", "usgs": "USGS-style supply risk",
            "geopolrisk": "GeoPolRisk"}[res.method]
    title = (f"{what}, EU assessment {res.assessment} reproduced" if res.assessment else
             f"{what}, importer {res.importer}" + (f", {res.year}" if res.year else ""))
    from rich import box

    t = Table(title=title + (f" (ranked by {res.rank_by})" if res.rank_by != "supply_risk" else ""),
              box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("material", no_wrap=True, max_width=16, overflow="ellipsis")
    t.add_column("st.", no_wrap=True, max_width=7, overflow="ellipsis")
    widths = {"f1": 4, "f2": 5, "f3": 5, "pct": 4, "int": 7, "text": 4}
    for title_, _c, kind in cols:
        t.add_column(title_, justify="left" if kind == "text" else "right", no_wrap=True,
                     min_width=max(widths[kind], min(len(title_), 7)))
    if res.method == "eu":
        t.add_column("crit.", no_wrap=True)
    t.add_column("m", justify="right", no_wrap=True)
    for r in table.itertuples(index=False):
        row = r._asdict()
        cells = [str(row["rank"]), str(row["material"]), str(row["stage"] or "—")]
        cells += [_crit_cell(row.get(c), kind) for _t, c, kind in cols]
        if res.method == "eu":
            crit = row["critical"]
            cells.append("—" if crit is None or crit is pd.NA else ("yes" if crit else "no"))
        n_miss = len(res.materials[int(row["rank"]) - 1].missing)
        cells.append(str(n_miss) if n_miss else "")
        t.add_row(*cells)
    out.print(t)
    gaps = [m for m in res.materials if m.missing]
    if gaps:
        out.print(f"missing inputs ({len(gaps)} materials; computed what they allow):")
        for m in gaps:
            out.print(f"  {m.material}: " + "; ".join(m.missing), highlight=False)
    for k, v in res.summary.items():
        out.print(f"[dim]{k}:[/dim] {v}", highlight=False)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {n}", highlight=False)


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
    source: Annotated[str, typer.Option(help="Source id: " + ", ".join(READERS) + ".")],
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


# --------------------------------------------------------------------------- stockpile
stockpile_app = typer.Typer(help="Stockpile planning: days of cover, cost-optimal sizes, policies, budget.",
                            no_args_is_help=True)
app.add_typer(stockpile_app, name="stockpile")


def _musd(x: object) -> str:
    return _fmt(x / 1e6 if isinstance(x, (int, float)) else x, digits=2)


def _qty(x: object) -> str:
    small = isinstance(x, (int, float)) and not math.isnan(x) and abs(x) < 100
    return _fmt(x, digits=1 if small else 0)


@stockpile_app.command("rules")
def stockpile_rules(as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """The agencies' stockholding rules (days of cover), each with its source."""
    from critmin.stockpile import rules_table

    df = rules_table()
    if as_json:
        _print_json(df.to_dict(orient="records"))
        return
    if as_csv:
        _print_csv(df)
        return
    t = Table(title="stockholding rules (critmin/data/stockpile_rules.csv)")
    for c in ("rule", "country", "days", "basis", "unavailable", "applies to"):
        t.add_column(c, no_wrap=True)
    t.add_column("source", overflow="fold", min_width=30)
    for r in df.itertuples(index=False):
        t.add_row(r.rule, r.country or "—", f"{r.days:g}", r.basis.replace("_", " "),
                  f"{r.unavailable_share:.0%}", r.applies_to, escape(r.source))
    out.print(t)


@stockpile_app.command("cover")
def stockpile_cover(
    region: Annotated[str, typer.Option(help="Region code of the material's scenario (JPN, USA, KOR, ...).")],
    material: Annotated[str, typer.Option(help="Commodity id or name.")],
    days: Annotated[float | None, typer.Option(min=0, help="Days of cover (default: the rule's).")] = None,
    rule: Annotated[str | None, typer.Option(help="An agency rule (critmin stockpile rules): jogmec-60, "
                                             "jogmec-180, komir-100, iea-90.")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario TOML whose baseline gives the "
                                                  "consumption and price (default: the planning scenario).")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Tonnes and cost at today's price of some days of a region's consumption, and the figures used."""
    from critmin.stockpile import cover

    if days is None and rule is None:
        _fail(ValueError("give --days or --rule"))
    try:
        with _warehouse() as wh:
            res = cover(region, material, days, wh, rule=rule, scenario=scenario)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(ValueError(escape(str(exc))))
    if as_json:
        _print_json(res.to_dict())
        return
    what = "net imports" if res.basis == "net_imports" else "consumption"
    rule_txt = f" ({res.rule})" if res.rule else ""
    out.print(f"[bold]{escape(res.region_name)} ({res.region}), {escape(res.name)}[/bold]: "
              f"{res.days:g} days of {what}{rule_txt}", highlight=False)
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    unav = (f" (of which {res.unavailable_share:.0%} counted as unavailable)"
            if res.unavailable_share else "")
    t.add_row("stock", f"{_fmt(res.stock_t, digits=1 if res.stock_t < 100 else 0)} t{unav}")
    t.add_row("cost", f"{res.cost_usd:,.0f} USD at {res.price_usd_per_t:,.0f} USD/t (today's price)")
    tag = res.consumption_kind.upper() if res.consumption_estimate else "data"
    src = res.consumption_source.removeprefix("estimate: ")
    t.add_row("consumption", escape(f"{res.consumption_t_per_year:,.6g} t/yr — {tag}: {src}"))
    if res.basis == "net_imports":
        t.add_row("net imports", escape(f"{res.basis_t_per_year:,.6g} t/yr: {res.basis_source}"))
    t.add_row("price", escape(res.price_source))
    if res.rule:
        t.add_row("rule", escape(res.rule_source))
    t.add_row("scenario", escape(str(res.scenario_file or "")))
    out.print(t)


@stockpile_app.command("plan")
def stockpile_plan(
    region: Annotated[str, typer.Option(help="Region code (JPN, USA, KOR, ...).")],
    materials: Annotated[str, typer.Option(help="Comma-separated commodity ids, e.g. "
                                           "rare-earths,gallium,tungsten,cobalt.")],
    budget: Annotated[float | None, typer.Option(min=0, help="Purchase budget at today's prices [USD] "
                                                 "(default: every material at its cost-optimal size).")]
    = None,
    runs: Annotated[int, typer.Option(min=2, help="Monte Carlo runs per stock tried.")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Root seed (the same draws for every stock).")] = 1,
    probability: Annotated[float | None, typer.Option(min=0, max=1, help="Annual probability of a "
                                                      "disruption [1/yr] (default 0.10).")] = None,
    interest_rate: Annotated[float | None, typer.Option(min=0, help="Cost of capital [1/yr] "
                                                        "(default 0.05).")] = None,
    storage_rate: Annotated[float | None, typer.Option(min=0, help="Storage as a share of value [1/yr] "
                                                       "(default 0.01).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to simulate on.")] = 1,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Cost-optimal stocks per material, 0/60/100/180-day policies, budget allocation and frontier."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from critmin.stockpile import PlanningParams, plan

    kw = {k: v for k, v in (("disruption_probability", probability), ("interest_rate", interest_rate),
                            ("storage_rate", storage_rate)) if v is not None}
    try:
        params = PlanningParams(**kw)
        with _warehouse() as wh, Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("simulating stocks", total=None)
            res = plan(region, materials, budget, runs=runs, seed=seed, warehouse=wh, params=params,
                       workers=workers,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    except (CritminError, KeyError, ValueError) as exc:
        _fail(ValueError(escape(str(exc))))
    if as_json:
        _print_json(res.to_dict())
        return
    if as_csv:
        _print_csv(res.table())
        return
    title = (f"stockpile plan for {res.region_name} ({res.region})" +
             (f", budget {res.budget:,.0f} USD" if res.budget is not None else ", cost-optimal sizes"))
    out.print(f"[bold]{escape(title)}[/bold]: {res.runs:,} runs per stock, seed {res.seed}, "
              f"{res.simulations} simulations, {res.elapsed_s:.1f} s", highlight=False)
    from rich import box

    def _table(title_: str) -> Table:
        return Table(title=title_, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))

    t = _table("policies: annual cost = h S + pi p E[L]; E[L], P(out) given a disruption")
    for c in ("material", "policy", "days", "stock t", "buy M$", "M$/yr", "E[L] t", "P(out)", "p95 mo"):
        t.add_column(escape(c), justify="left" if c in ("material", "policy") else "right", no_wrap=True)
    for m in res.materials:
        first = True
        for r in m.policies.itertuples(index=False):
            name = m.material if first else ""
            first = False
            cover_txt = _fmt(r.months_of_cover_p95, digits=1) + ("+" if r.covers_p95 else "")
            t.add_row(name, r.policy, _fmt(r.days, digits=0), _qty(r.stock_t), _musd(r.purchase_usd),
                      _musd(r.expected_cost_usd), _qty(r.expected_shortfall_t),
                      _fmt(r.p_stockout, pct=True), cover_txt)
        t.add_section()
    out.print(t)
    out.print("[dim]" + escape("buy M$: purchase value at P0 [million USD]; M$/yr: expected annual cost "
                               "[million USD/yr]; p95 mo: months of draw covered in the 95th-percentile "
                               "disruption (+: all of it)") + "[/dim]", highlight=False)
    s = _table("inputs per material")
    for c in ("material", "cons. t/yr", "P0 $/t", "h $/t/yr", "pi/yr", "p $/t", "h/(pi p)", "slope L/R",
              "1:1 d"):
        s.add_column(escape(c), justify="left" if c == "material" else "right", no_wrap=True)
    for m in res.materials:
        nv = m.newsvendor
        est = "" if m.consumption_kind == "data" else ("u" if m.consumption_kind.startswith("data") else "e")
        s.add_row(m.material, _qty(m.consumption_t_per_year) + est, _fmt(m.price_usd_per_t),
                  _fmt(m.holding_usd_per_t_year), f"{m.probability:g}", _fmt(m.shortage_cost_usd_per_t),
                  f"{nv['critical_ratio']:.3f}",
                  f"{_fmt(nv['slope_left'], digits=3)}/{_fmt(nv['slope_right'], digits=3)}",
                  _fmt(nv["one_to_one_days"]))
    out.print(s)
    out.print("[dim]" + escape("cons.: e = estimate, u = USGS-estimated data row; h, pi, p: holding cost, "
                               "annual disruption probability, shortage cost; slope L/R: shortfall avoided "
                               "per tonne of stock below/above the optimum (they bracket h/(pi p)); 1:1 d: "
                               "the newsvendor size [days] if a tonne of stock covered a tonne of the "
                               "region's own shortfall") + "[/dim]", highlight=False)
    fr = res.frontier
    if len(fr) > 1:
        k = min(len(fr), 8)
        idx = sorted({round(i * (len(fr) - 1) / (k - 1)) for i in range(k)})
        f = _table("efficient frontier: budget vs expected annual shortfall cost")
        for c in ("budget M$", "shortfall M$/yr", "holding M$/yr", "total M$/yr"):
            f.add_column(escape(c), justify="right", no_wrap=True)
        for i in idx:
            r = fr.iloc[i]
            f.add_row(_musd(r["budget"]), _musd(r["expected_cost_usd"]), _musd(r["holding_cost_usd"]),
                      _musd(r["total_cost_usd"]))
        out.print(f)
    est = [m for m in res.materials if not m.consumption_kind.startswith("data")]
    for m in est:
        out.print(f"[yellow]estimate:[/yellow] {m.material} consumption of {m.region} "
                  f"({m.consumption_kind}): {escape(m.consumption_source.removeprefix('estimate: '))}",
                  highlight=False)
    a = _table("planning assumptions (all, with the scenarios' own: --json)")
    for c in ("name", "value", "unit", "kind", "source"):
        a.add_column(c, overflow="fold")
    for item in res.assumptions:
        if "material" in item and not item["name"].startswith(f"{item['material']}."):
            continue                                  # the scenarios' own figures: in --json
        v = item["value"]
        val = (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.6g}") if isinstance(v, float) else str(v)
        a.add_row(escape(item["name"]), escape(val), escape(item["unit"]), escape(item["kind"]),
                  escape(str(item["source"])[:300]))
    out.print(a)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)


# --------------------------------------------------------------------------- report
@app.command()
def report(
    commodities: Annotated[list[str] | None, typer.Argument(
        help="Commodities (default: rare earths, gallium, germanium, graphite, tungsten, antimony, "
             "cobalt, lithium).", show_default=False)] = None,
    region: Annotated[str, typer.Option(help="ISO3 of the importer whose exposure is shown.")] = "USA",
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default report.html, or report.pdf with --format pdf).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html or pdf (PDF through headless Chromium).")]
    = "html",
    year: Annotated[int | None, typer.Option(help="Year of the producer tables (default: latest).")]
    = None,
) -> None:
    """Write the report: a one-page summary per commodity, charts, tables (CSV downloads), sources
    and assumptions, in one self-contained HTML file (or PDF)."""
    import time

    from critmin.report import build_report, write_report

    fmt = fmt.lower()
    if fmt not in ("html", "pdf"):
        _fail(ValueError(f"--format must be html or pdf, not {fmt!r}"))
    target = out_file or Path(f"report.{fmt}")
    t0 = time.perf_counter()
    try:
        with _warehouse() as wh:
            rep = build_report(commodities or None, warehouse=wh, region=region, year=year,
                               progress=lambda m: err.print(f"[dim]{m}[/dim]"))
            path = write_report(target, rep, format=fmt)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    out.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(rep.commodities)} commodities, "
              f"region {rep.region}) in {time.perf_counter() - t0:.1f} s")


# --------------------------------------------------------------------------- dashboard
@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Run the Streamlit dashboard on 127.0.0.1 (usage statistics off; needs critmin[dashboard])."""
    import os
    import subprocess

    from critmin.dashboard import ADDRESS, available, streamlit_command

    if not available():
        _fail(RuntimeError("the dashboard needs Streamlit: pip install 'critmin[dashboard]'"))
    env = dict(os.environ)
    if _STATE["db"] is not None:
        env["CRITMIN_DB"] = str(_STATE["db"])
    err.print(f"critmin dashboard on http://{ADDRESS}:{port} (Ctrl+C to stop)")
    try:
        rc = subprocess.call(streamlit_command(port), env=env)
    except KeyboardInterrupt:
        rc = 0
    raise typer.Exit(code=rc)


# --- monitor events (issue 13) ---
@monitor_app.command("events")
def monitor_events(
    exporter: Annotated[str | None, typer.Option(help="Only this exporter, ISO3 (CHN).")] = None,
    hs: Annotated[str | None, typer.Option(help="Only events on these HS lines, comma-separated "
                                                "(811292,282590).")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """List the known export-control events (the catalogue the monitor matches flagged months with)."""
    from critmin.monitor.events import KINDS, RESTRICTIVE_KINDS, events, events_for, to_records

    try:
        ev = events()
        if exporter or hs:
            ev = events_for(hs, exporter=exporter, restrictive_only=False, catalogue=ev)
    except (CritminError, KeyError, ValueError) as exc:
        _fail(exc)
    recs = to_records(ev)
    if as_json:
        _print_json({"source": "critmin/data/export_controls.csv", "kinds": KINDS,
                     "restrictive_kinds": list(RESTRICTIVE_KINDS), "events": recs})
        return
    if as_csv:
        _print_csv(pd.DataFrame([{**r, **{k: ";".join(r[k]) for k in ("destinations", "commodities",
                                                                         "hs_codes")}} for r in recs]))
        return
    t = Table(title=f"known export-control events ({len(recs)})")
    for c in ("id", "kind", "announced", "effective", "ended", "exporter", "to", "HS lines"):
        t.add_column(c, overflow="fold")
    for r in recs:
        t.add_row(r["id"], r["kind"], r["announced"], r["effective"], r["ended"] or "", r["exporter"],
                  ",".join(r["destinations"]), ", ".join(r["hs_codes"]) or "—")
    out.print(t)
    out.print("kinds that restrict goods (what monthly trade data can show): " + ", ".join(RESTRICTIVE_KINDS)
              + "; ended = lifted or suspended (before the effective date: it never applied)",
              highlight=False)
# --- end monitor events (issue 13) ---


def main() -> None:  # pragma: no cover - console entry
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
