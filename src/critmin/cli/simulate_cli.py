"""``critmin simulate``: a Monte Carlo disruption scenario (the market model)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import JsonOpt, app, warehouse
from critmin.cli._output import emit, fmt, fmt_assumption, handle_errors, out, print_table, progress_bar


@app.command("simulate")
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
    from critmin.market import build_baseline, get_runner, load_scenario
    from critmin.market import simulate as run

    with handle_errors():
        spec = load_scenario(scenario)
        runner = get_runner(workers=workers, scheduler=scheduler, pool=pool)
        with warehouse() as wh:
            baseline = build_baseline(spec, wh)
        with progress_bar() as bar:
            task = bar.add_task(f"simulating ({runner.name})", total=runs)
            try:
                res = run(spec, runs=runs, seed=seed, baseline=baseline, runner=runner, chunk_size=chunk_size,
                          progress=lambda done, total: bar.update(task, completed=done))
            finally:
                if hasattr(runner, "close"):
                    runner.close()
        if out_file is not None:
            res.to_parquet(out_file)
    emit(as_json=as_json, to_json=res.to_dict, render=lambda: _render(spec, res, out_file))


def _render(spec, res, out_file: Path | None) -> None:
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
                               ("cost, all regions [million USD]", "cost_usd_total", 1)):
        qs = d[key]
        scale = 1e-6 if key == "cost_usd_total" else 1.0
        t.add_row(label, *(fmt(qs[k] * scale, digits=digits) for k in ("p05", "p50", "p95", "mean")))
    print_table(t)
    r = Table(title="regions (quantiles over runs: p05 / p50 / p95)")
    for c in ("region", "demand [t/yr]", "shortfall [t]", "months of shortfall", "stock at start [t]",
              "stock left [t]"):
        r.add_column(c, justify="left" if c == "region" else "right")

    def _band(qs: dict, digits: int = 0) -> str:
        return " / ".join(fmt(qs[k], digits=digits) for k in ("p05", "p50", "p95"))

    for g in d["regions"]:
        tag = {"data": "", "residual": " (residual)", "override": " (override)"}.get(g["demand_kind"],
                                                                                     " (estimate)")
        r.add_row(f"{g['region']} {g['name']}", fmt(g["baseline_demand_t_per_year"]) + tag,
                  _band(g["shortfall_t"]), _band(g["shortfall_months"]), fmt(g["stock_start_t"]),
                  _band(g["stock_end_t"]))
    print_table(r)
    a = Table(title="assumptions (every figure the run rests on)")
    for c in ("name", "value", "unit", "kind", "source"):
        a.add_column(c, overflow="fold")
    for item in d["assumptions"]:
        a.add_row(escape(item["name"]), escape(fmt_assumption(item["value"])), escape(item["unit"]),
                  escape(item["kind"]), escape(item["source"]))
    print_table(a)
    for n in d["notes"]:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")
    if out_file is not None:
        out.print(f"per-run results written to {out_file}")
