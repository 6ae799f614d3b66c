"""``critmin simulate``: a Monte Carlo disruption scenario (the market model)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import JsonOpt, app, warehouse
from critmin.cli._output import (
    emit,
    fail,
    fmt,
    fmt_assumption,
    handle_errors,
    out,
    print_json,
    print_table,
    progress_bar,
)


@app.command("simulate")
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (see examples/scenarios/).")],
    runs: Annotated[int, typer.Option(min=1, help="Monte Carlo runs.")] = 10_000,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (default: fresh, printed).")] = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write one row per run: .parquet or .csv (by the suffix).")] = None,
    as_json: JsonOpt = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Run on a local Dask cluster of N workers.")]
    = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on a Dask scheduler, tcp://HOST:PORT.")]
    = None,
    pool: Annotated[int | None, typer.Option(min=1, help="Run on a local pool of N processes.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Runs per chunk (memory; not the numbers).")]
    = 16_384,
    sweep: Annotated[str | None, typer.Option(help="Sweep added capacity, e.g. capacity.USA=0:60000:7 "
                                              "(t/yr, same seed for every value): shortfall and peak price "
                                              "per value.")] = None,
    engine: Annotated[str | None, typer.Option(
        help="auto, numpy or numba (compiled: pip install 'critmin\\[fast]'); default: the scenario's "
             "\\[market] engine, auto (numba for big jobs when installed). The numbers agree to "
             "1e-9.")] = None,
) -> None:
    """Monte Carlo disruption scenario: peak price, shortfall and stocks per region, with assumptions."""
    from critmin.market import build_baseline, get_runner, load_scenario
    from critmin.market import simulate as run

    if sweep is not None:
        _simulate_sweep(scenario, sweep, runs, seed, out_file, as_json, workers, scheduler, pool, chunk_size,
                        engine)
        return
    with handle_errors():
        if out_file is not None:
            from critmin.market.results import output_format

            output_format(out_file)  # an unknown suffix is refused before anything runs
        spec = load_scenario(scenario)
        runner = get_runner(workers=workers, scheduler=scheduler, pool=pool)
        with warehouse() as wh:
            baseline = build_baseline(spec, wh)
        with progress_bar() as bar:
            task = bar.add_task(f"simulating ({runner.name})", total=runs)
            try:
                res = run(spec, runs=runs, seed=seed, baseline=baseline, runner=runner, chunk_size=chunk_size,
                          engine=engine,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
            finally:
                if hasattr(runner, "close"):
                    runner.close()
        if out_file is not None:
            res.write(out_file)
    emit(as_json=as_json, to_json=res.to_dict, render=lambda: _render(spec, res, out_file))


def _render(spec, res, out_file: Path | None) -> None:
    d = res.to_dict()
    b = res.baseline
    out.print(f"[bold]{escape(spec.name)}[/bold] ({b.name}, {b.basis or b.product}; "
              f"baseline {b.edition} {b.year}, {b.exporter} {b.exporter_share:.1%} of supply)")
    out.print(f"{res.runs:,} runs, seed {res.seed}, {res.runner}, engine {res.engine}, "
              f"{res.elapsed_s:.2f} s; horizon {res.inputs.horizon} months; disruption in "
              f"{d['disruption_share']:.0%} of runs")
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
        t.add_row(escape(label), *(fmt(qs[k] * scale, digits=digits) for k in ("p05", "p50", "p95", "mean")))
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
    if "purchases" in d:
        _render_purchases(d["purchases"])
    for n in d["notes"]:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")
    if out_file is not None:
        out.print(f"per-run results written to {escape(str(out_file))}")


def _render_purchases(p: dict) -> None:
    """The purchases' section of ``critmin simulate``: cost with impact, and who is short because of it."""
    def band(qs: dict, digits: int = 0, scale: float = 1.0) -> str:
        return " / ".join(fmt(qs[k] * scale, digits=digits) for k in ("p05", "p50", "p95"))

    t = Table(title="purchases on the market outside the exporter (p05 / p50 / p95 over runs)")
    for c in ("buyer", "to buy [t]", "bought [t]", "cost [M USD]", "at P0 [M USD]", "impact [M USD]"):
        t.add_column(escape(c), justify="left" if c == "buyer" else "right")
    for b in p["buyers"]:
        t.add_row(b["region"], fmt(b["planned_t"]), band(b["purchased_t"]),
                  band(b["purchase_cost_usd"], 1, 1e-6),
                  band(b["cost_at_p0_usd"], 1, 1e-6), band(b["impact_usd"], 1, 1e-6))
    out.print(t)
    imp = p.get("impact")
    if imp is None:
        return
    pk = imp["peak_price_multiple"]
    out.print(f"peak price multiple: {band(pk['with'], 2)} with the purchases, {band(pk['without'], 2)} "
              f"without (paired difference {band(pk['difference'], 2)})", highlight=False)
    r = Table(title=escape("who is short because of the purchases: shortfall [t], same runs with / without"))
    for c in ("region", "with", "without", "caused"):
        r.add_column(c, justify="left" if c == "region" else "right")
    for g in imp["regions"]:
        r.add_row(g["region"], band(g["shortfall_t_with"]), band(g["shortfall_t_without"]),
                  band(g["shortfall_t_caused"]))
    out.print(r)


def _close_runner(runner) -> None:
    close = getattr(runner, "close", None)
    if callable(close):
        close()


def _simulate_sweep(scenario: Path, sweep: str, runs: int, seed: int | None, out_file: Path | None,
                    as_json: bool, workers: int | None, scheduler: str | None, pool: int | None,
                    chunk_size: int, engine: str | None = None) -> None:
    """``critmin simulate --sweep``: one simulation per value with the same seed, on one runner."""
    from critmin.market import build_baseline, get_runner, load_scenario, parse_sweep, run_sweep

    if out_file is not None:
        fail(ValueError("--out writes one simulation's runs; with --sweep use --json"))
    runner = None
    with handle_errors():
        spec = load_scenario(scenario)
        if engine is not None:
            market = {**spec.market.model_dump(exclude_unset=True), "engine": engine}
            spec = spec.with_overrides(market=market)
        sw = parse_sweep(sweep)
        runner = get_runner(workers=workers, scheduler=scheduler, pool=pool)
        with warehouse() as wh:
            baseline = build_baseline(spec, wh)
        with progress_bar() as bar:
            task = bar.add_task(f"sweeping {sw.parameter} ({runner.name})", total=runs * len(sw.values))
            try:
                res = run_sweep(spec, sw, runs=runs, seed=seed, baseline=baseline, runner=runner,
                                chunk_size=chunk_size,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
            finally:
                _close_runner(runner)
    d = res.to_dict()
    if as_json:
        print_json(d)
        return
    out.print(f"[bold]{escape(spec.name)}[/bold]: sweep of {sw.parameter} ({res.stage} capacity added in "
              f"{sw.target}, in place from month 0) [t/yr, {escape(res.basis)}]", highlight=False)
    out.print(f"{res.runs:,} runs per value, seed {res.seed} (the same draws for every value), {res.runner}, "
              f"{res.elapsed_s:.2f} s", highlight=False)
    t = Table(title=escape("shortfall of all regions [t over the horizon] and peak price (P/P0): "
                           "p05 / p50 / p95"))
    for c in ("added [t/yr]", "shortfall [t]", "mean shortfall [t]", "peak price", "added used [t]"):
        t.add_column(escape(c), justify="right")
    for p in d["points"]:
        sf, pk = p["shortfall_t"], p["peak_price_multiple"]
        t.add_row(fmt(p["value"]), " / ".join(fmt(sf[k]) for k in ("p05", "p50", "p95")), fmt(sf["mean"]),
                  " / ".join(fmt(pk[k], digits=2) for k in ("p05", "p50", "p95")),
                  fmt(p["added_supply_t"]["mean"]))
    out.print(t)
    h = d["halving"]
    if h["value_t_per_year"] is not None:
        out.print(f"the median shortfall halves ({fmt(h['shortfall_t_p50_at_first'])} -> "
                  f"{fmt(h['target_t'])} t) at about {fmt(h['value_t_per_year'])} t/yr added (linear "
                  "interpolation between swept values)", highlight=False)
    else:
        out.print("the median shortfall does not halve within the swept values", highlight=False)
    for n in d["notes"]:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")


