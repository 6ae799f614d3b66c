"""``critmin diversify``: the supplier mix that cuts an importer's risk most per unit of premium."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from critmin.cli._app import CommodityArg, CsvOpt, JsonOpt, StageOpt, XlsxOpt, YearOpt, app, warehouse
from critmin.cli._output import (
    emit,
    fmt,
    fmt_assumption,
    handle_errors,
    musd,
    new_table,
    out,
    print_table,
    qty,
    status,
)


@app.command("diversify")
def diversify_cmd(
    commodity: CommodityArg,
    importer: Annotated[str, typer.Option(help="Importer: ISO3, a name, or EU (as critmin dependence "
                                               "supports it).")],
    year: YearOpt = None,
    premium_max: Annotated[float, typer.Option(help="Largest premium budget of the frontier \\[share: 0.2 = "
                                                    "20 % above the reference price].")] = 0.2,
    objective: Annotated[str, typer.Option(help="What to minimise: shortfall (expected shortfall under "
                                                "per-supplier disruptions), geopolrisk (sum g_i x_i) or "
                                                "hhi (sum x_i^2).")] = "shortfall",
    at: Annotated[float, typer.Option(help="Budget whose mix is shown in full \\[share].")] = 0.10,
    premium_basis: Annotated[str, typer.Option(help="Reference price of the premium: current (the current "
                                                    "mix's average price) or cheapest (the cheapest "
                                                    "supplier's).")] = "current",
    max_claim_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="Largest share of a supplier's "
                                                   "exportable volume the importer can contract.")] = 0.5,
    exclude: Annotated[str | None, typer.Option(help="Suppliers not to buy from, comma-separated ISO3 "
                                                "(e.g. PRK,RUS).")] = None,
    stage: StageOpt = None,
    scenario: Annotated[Path | None, typer.Option(help="Disruption scenario TOML (default: the commodity's "
                                                  "planning scenario).")] = None,
    runs: Annotated[int, typer.Option(min=1, help="Disruption runs of the shortfall objective.")] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the disruption draws.")] = 1,
    probability: Annotated[float | None, typer.Option(help="Annual disruption probability of the "
                                                      "scenario's exporter (default: the stockpile "
                                                      "planner's).")] = None,
    scale_up: Annotated[float | None, typer.Option(help="How much more than it ships now each other "
                                                   "supplier delivers during a cut (default: the "
                                                   "scenario's spare_capacity_immediate).")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Efficient frontier of an importer's supplier mix: least risk at each premium budget, the mix at
    each point and what each move costs."""
    from critmin.diversify import DiversifyParams, diversify

    kw: dict[str, object] = {"runs": runs, "seed": seed}
    if premium_basis != "current":
        kw["premium_basis"] = premium_basis
    if max_claim_share != 0.5:
        kw["max_claim_share"] = max_claim_share
    if probability is not None:
        kw["disruption_probability"] = probability
    if scale_up is not None:
        kw["scale_up"] = scale_up
    with handle_errors(), warehouse() as wh:
        params = DiversifyParams(**kw)
        if objective == "shortfall" and not (as_json or as_csv):
            status(f"diversify: {runs:,} disruption runs per mix (seed {seed})")
        res = diversify(commodity, importer=importer, year=year, objective=objective,
                        premium_max=premium_max, at=at, stage=stage, scenario=scenario,
                        exclude=[c for c in (exclude or "").split(",") if c.strip()], params=params,
                        warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render(res), to_xlsx=xlsx,
         about={"command": f"critmin diversify {res.commodity} --importer {res.importer}",
                "objective": res.objective})


def _risk(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:,.1f} {unit}" if unit == "t/yr" else f"{x:.4f}"


def _top(mix: dict[str, float], k: int = 4) -> str:
    items = list(mix.items())
    txt = ", ".join(f"{c} {s:.0%}" for c, s in items[:k])
    return txt + (f" +{len(items) - k}" if len(items) > k else "")


def _render(res) -> None:
    cur = res.current
    out.print(f"[bold]{escape(res.name)}: {res.importer}'s supplier mix, {res.year}[/bold] — objective "
              f"{res.objective} \\[{escape(res.risk_unit)}]; premium over the "
              f"{'current mix' if res.premium_basis == 'current' else 'cheapest supplier'}'s price "
              f"({res.reference_price_usd_per_kg:,.2f} USD/kg)", highlight=False)
    out.print(f"current: risk {_risk(cur.risk, res.risk_unit)}, premium {cur.premium:+.1%}, "
              f"{_top(cur.mix)}; imports {qty(res.imports_t)} t/yr at {cur.price_usd_per_kg:,.2f} USD/kg",
              highlight=False)
    t = new_table("efficient frontier", (("budget", "right"), ("premium", "right"), ("risk", "right"),
                                         ("vs current", "right"), ("extra cost [M USD/yr]", "right"),
                                         ("mix", "left")))
    for p in res.frontier:
        change = (p.risk / cur.risk - 1) if cur.risk else math.nan
        t.add_row(f"{p.budget:+.1%}", f"{p.premium:+.1%}", _risk(p.risk, res.risk_unit),
                  fmt(change, pct=True), musd(p.extra_cost_usd), _top(p.mix))
    out.print(t)
    if res.at is not None:
        p = res.at
        m = new_table(f"mix at a {p.budget:.0%} premium: risk {_risk(p.risk, res.risk_unit)} "
                      f"({fmt(p.risk / cur.risk - 1 if cur.risk else math.nan, pct=True)}), extra cost "
                      f"{musd(p.extra_cost_usd)} M USD/yr",
                      (("supplier", "left"), ("now", "right"), ("then", "right"), ("change [t/yr]", "right"),
                       ("extra cost [M USD/yr]", "right")))
        for mv in p.moves:
            m.add_row(mv["supplier"], fmt(mv["from"], pct=True), fmt(mv["to"], pct=True),
                      f"{mv['change_t']:+,.0f}", musd(mv["extra_cost_usd"]))
        print_table(m)
    u = res.unconstrained
    out.print(f"least risk without a budget: {_risk(u.risk, res.risk_unit)} at a premium of "
              f"{u.premium:+.1%} ({_top(u.mix)})", highlight=False)
    a = new_table("assumptions", (("name", "left"), ("value", "right"), ("source", "left")))
    for x in res.assumptions:
        a.add_row(x["name"], escape(fmt_assumption(x["value"])) + (f" {x['unit']}" if x["unit"] else ""),
                  escape(str(x["source"])))
    out.print(a)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)
