"""``critmin stockpile rules``, ``cover`` and ``plan``: days of cover and cost-optimal stocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import CsvOpt, JsonOpt, XlsxOpt, stockpile_app, warehouse
from critmin.cli._output import (
    emit,
    fail,
    fmt,
    fmt_assumption,
    handle_errors,
    musd,
    out,
    print_table,
    progress_bar,
    qty,
)


# --------------------------------------------------------------------------- rules
@stockpile_app.command("rules")
def stockpile_rules(as_json: JsonOpt = False, as_csv: CsvOpt = False, xlsx: XlsxOpt = None) -> None:
    """The agencies' stockholding rules (days of cover), each with its source."""
    from critmin.stockpile import rules_table

    with handle_errors():
        df = rules_table()
    emit(as_json=as_json, as_csv=as_csv, to_json=lambda: df.to_dict(orient="records"), to_csv=lambda: df,
         render=lambda: _render_rules(df), to_xlsx=xlsx, sheets=lambda: {"rules": df},
         about={"command": "critmin stockpile rules"})


def _render_rules(df) -> None:
    t = Table(title="stockholding rules (critmin/data/stockpile_rules.csv)")
    for c in ("rule", "country", "days", "basis", "unavailable", "applies to"):
        t.add_column(c, no_wrap=c in ("rule", "country", "days", "unavailable"), overflow="fold")
    t.add_column("source", overflow="fold", min_width=30)
    for r in df.itertuples(index=False):
        t.add_row(r.rule, r.country or "—", f"{r.days:g}", r.basis.replace("_", " "),
                  fmt(r.unavailable_share, pct=True), r.applies_to, escape(r.source))
    print_table(t)


# --------------------------------------------------------------------------- cover
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
        fail(ValueError("give --days or --rule"))
    with handle_errors(), warehouse() as wh:
        res = cover(region, material, days, wh, rule=rule, scenario=scenario)
    emit(as_json=as_json, to_json=res.to_dict, render=lambda: _render_cover(res))


def _render_cover(res) -> None:
    what = "net imports" if res.basis == "net_imports" else "consumption"
    rule_txt = f" ({res.rule})" if res.rule else ""
    out.print(f"[bold]{escape(res.region_name)} ({res.region}), {escape(res.name)}[/bold]: "
              f"{res.days:g} days of {what}{rule_txt}", highlight=False)
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    unav = (f" (of which {res.unavailable_share:.0%} counted as unavailable)"
            if res.unavailable_share else "")
    t.add_row("stock", f"{fmt(res.stock_t, digits=1 if res.stock_t < 100 else 0)} t{unav}")
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
    print_table(t)


# --------------------------------------------------------------------------- plan
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
    build_months: Annotated[float | None, typer.Option(
        min=0.5, help="Price the stocks as bought on the market over N months, with the price the purchases "
        "cause; and find the cheapest schedule.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Cost-optimal stocks per material, 0/60/100/180-day policies, budget allocation and frontier."""
    from critmin.stockpile import PlanningParams, plan

    kw = {k: v for k, v in (("disruption_probability", probability), ("interest_rate", interest_rate),
                            ("storage_rate", storage_rate)) if v is not None}
    with handle_errors():
        params = PlanningParams(**kw)
        with warehouse() as wh, progress_bar() as bar:
            task = bar.add_task("simulating stocks", total=None)
            res = plan(region, materials, budget, runs=runs, seed=seed, warehouse=wh, params=params,
                       workers=workers, build_months=build_months,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render_plan(res, build_months), to_xlsx=xlsx, sheets=lambda: _plan_sheets(res),
         about={"command": f"critmin stockpile plan --region {res.region}", "what": res.headline(),
                "runs per stock": res.runs, "seed": res.seed})


def _plan_sheets(res) -> dict:
    """The workbook of ``critmin stockpile plan --xlsx``: policies, inputs, frontier, assumptions."""
    import pandas as pd

    inputs = pd.DataFrame([{
        "material": m.material, "region": m.region, "consumption_t_per_year": m.consumption_t_per_year,
        "consumption_kind": m.consumption_kind, "consumption_source": m.consumption_source,
        "price_usd_per_t": m.price_usd_per_t, "price_source": m.price_source,
        "holding_usd_per_t_year": m.holding_usd_per_t_year, "disruption_probability_per_year": m.probability,
        "shortage_cost_usd_per_t": m.shortage_cost_usd_per_t, "planned_t": m.planned_t,
        "planned_days": m.planned_days, "scenario": m.scenario} for m in res.materials])
    inputs.attrs["units"] = {"disruption_probability_per_year": "1/yr"}
    sheets = {"policies": res.to_frame(), "inputs": inputs}
    if len(res.frontier):
        fr = res.frontier.copy()
        fr.attrs["units"] = {"budget": "USD", "expected_cost_usd": "USD/yr", "holding_cost_usd": "USD/yr",
                             "total_cost_usd": "USD/yr"}
        sheets["frontier"] = fr
    sheets["assumptions"] = pd.DataFrame(res.assumptions)
    if res.notes:
        sheets["notes"] = pd.DataFrame({"note": res.notes})
    return sheets


def _table(title: str) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))


def _render_plan(res, build_months: float | None = None) -> None:
    title = (f"stockpile plan for {res.region_name} ({res.region})" +
             (f", budget {res.budget:,.0f} USD" if res.budget is not None else ", cost-optimal sizes"))
    out.print(f"[bold]{escape(title)}[/bold]: {res.runs:,} runs per stock, seed {res.seed}, "
              f"{res.simulations} simulations, {res.elapsed_s:.1f} s", highlight=False)
    t = _table("policies: annual cost = h S + pi p E[L]; E[L], P(out) given a disruption")
    cols = ["material", "policy", "days", "stock t", "buy M$"] + (["buy+imp M$"] if build_months else []) + \
        ["M$/yr", "E[L] t", "P(out)", "p95 mo"]
    for c in cols:
        t.add_column(c, justify="left" if c in ("material", "policy") else "right", no_wrap=True)
    for m in res.materials:
        first = True
        for r in m.policies.itertuples(index=False):
            name = m.material if first else ""
            first = False
            cover_txt = fmt(r.months_of_cover_p95, digits=1) + ("+" if r.covers_p95 else "")
            imp = [musd(r.purchase_with_impact_usd)] if build_months else []
            t.add_row(name, r.policy, fmt(r.days, digits=0), qty(r.stock_t), musd(r.purchase_usd), *imp,
                      musd(r.expected_cost_usd), qty(r.expected_shortfall_t),
                      fmt(r.p_stockout, pct=True), cover_txt)
        t.add_section()
    print_table(t)
    out.print("[dim]" + escape("buy M$: purchase value at P0 [million USD]; "
                               + (f"buy+imp M$: bought over {build_months:g} months, with the price the "
                                  "purchases cause (mean) [million USD]; " if build_months else "")
                               + "M$/yr: expected annual cost [million USD/yr]; p95 mo: months of draw "
                               "covered in the 95th-percentile disruption (+: all of it)") + "[/dim]",
              highlight=False)
    if build_months:
        _render_builds(res)
    s = _table("inputs per material")
    for c in ("material", "cons. t/yr", "P0 $/t", "h $/t/yr", "pi/yr", "p $/t", "h/(pi p)", "slope L/R",
              "1:1 d"):
        s.add_column(c, justify="left" if c == "material" else "right", no_wrap=True)
    for m in res.materials:
        nv = m.newsvendor
        est = "" if m.consumption_kind == "data" else ("u" if m.consumption_kind.startswith("data") else "e")
        s.add_row(m.material, qty(m.consumption_t_per_year) + est, fmt(m.price_usd_per_t),
                  fmt(m.holding_usd_per_t_year), f"{m.probability:g}", fmt(m.shortage_cost_usd_per_t),
                  f"{nv['critical_ratio']:.3f}",
                  f"{fmt(nv['slope_left'], digits=3)}/{fmt(nv['slope_right'], digits=3)}",
                  fmt(nv["one_to_one_days"]))
    print_table(s)
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
            f.add_column(c, justify="right", no_wrap=True)
        for i in idx:
            r = fr.iloc[i]
            f.add_row(musd(r["budget"]), musd(r["expected_cost_usd"]), musd(r["holding_cost_usd"]),
                      musd(r["total_cost_usd"]))
        print_table(f)
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
        a.add_row(escape(item["name"]), escape(fmt_assumption(item["value"])), escape(item["unit"]),
                  escape(item["kind"]), escape(str(item["source"])[:300]))
    print_table(a)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)


def _render_builds(res) -> None:
    """``stockpile plan --build-months``: the plan's stock bought over N months and the cheapest schedule."""
    for m in res.materials:
        b = m.build
        if not b:
            continue
        a, o = b["asked"], b["optimal"]
        ci = a["cost_with_impact_usd"]
        out.print(f"[bold]{escape(m.material)}[/bold]: building {qty(b['stock_t'])} t over {b['months']:g} "
                  f"months costs {musd(ci['mean'])} M$ with its price impact (p05-p95 {musd(ci['p05'])}-"
                  f"{musd(ci['p95'])}) against {musd(a['cost_at_p0_usd'])} M$ at today's price "
                  f"(+{a['impact_share']:.0%}; peak price {a['peak_price_multiple']['p50']:.2f} x P0, "
                  "median); "
                  f"cheapest schedule: {o['months']:g} months ({musd(o['cost_with_impact_usd']['mean'])} M$ "
                  f"+ {musd(o['holding_early_usd'])} M$ early holding)", highlight=False)
        t = Table(title=f"build cost vs months ({m.material}, {qty(b['stock_t'])} t)", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1))
        for c in ("months", "with impact M$", "impact M$", "early holding M$", "total M$", "peak P/P0 p50"):
            t.add_column(escape(c), justify="right", no_wrap=True)
        for c in b["curve"]:
            t.add_row(fmt(c["months"]), musd(c["cost_with_impact_usd"]["mean"]), musd(c["impact_usd"]),
                      musd(c["holding_early_usd"]), musd(c["total_usd"]),
                      fmt(c["peak_price_multiple"]["p50"], digits=2))
        out.print(t)


