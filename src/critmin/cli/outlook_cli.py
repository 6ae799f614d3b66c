"""``critmin outlook``: IEA supply by stage and country, demand by scenario and the balance, to 2040/2050."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import CsvOpt, JsonOpt, XlsxOpt, app, warehouse
from critmin.cli._output import emit, fmt, handle_errors, out, print_table


@app.command("outlook")
def outlook(
    commodity: Annotated[str, typer.Argument(help="Commodity id or name (IEA covers copper, "
                                                  "cobalt, lithium, nickel, graphite, rare earths).")],
    scenario: Annotated[str, typer.Option(help="IEA demand scenario: STEPS, APS or NZE.")] = "STEPS",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """IEA supply by stage and country, demand and the balance, for IEA's years to 2040 (2050)."""
    from critmin.outlook import outlook as run

    with handle_errors(), warehouse() as wh:
        res = run(commodity, scenario=scenario.upper(), warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render(res), to_xlsx=xlsx, sheets=lambda: _sheets(res),
         about={"command": f"critmin outlook {res.commodity} --scenario {res.scenario}",
                "what": res.headline()})


def _sheets(res) -> dict:
    """The workbook of ``critmin outlook --xlsx``: the tidy table, then stages, demand and balance."""
    out_ = {"outlook": res.to_frame()}
    for name in ("stages", "demand", "balance"):
        df = getattr(res, name).assign(source="iea", edition=res.edition)
        df.attrs["units"] = {"supply_t": "t/yr", "demand_t": "t/yr", "balance_t": "t/yr"}
        out_[name] = df
    if res.notes:
        import pandas as pd

        out_["notes"] = pd.DataFrame({"note": res.notes})
    return out_


def _kt(x: object) -> str:
    return "—" if x is None else f"{float(x) / 1000:,.1f}"


def _render(res) -> None:
    d = res.to_dict()
    t = Table(title=f"{res.name}: IEA outlook, {res.scenario} demand, {res.case} case supply ({res.edition})")
    for col in ("year", "stage", "supply [kt]", "demand [kt]", "balance [kt]", "of demand", "China",
                "top 3", "HHI [points]"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    for y in d["years"]:
        label = str(y["year"]) + ("" if y["projected"] else "*")
        for i, s in enumerate(res.stage_names):
            if y["supply_total_t"][s] is None and i:
                continue
            t.add_row(label if not i else "", s if y["supply_total_t"][s] is not None else "—",
                      _kt(y["supply_total_t"][s]), _kt(y["demand_t"]) if not i else "",
                      _kt(y["balance_t"][s]), fmt(y["balance_share"][s], pct=True),
                      fmt(y["china_share"][s], pct=True), fmt(y["top3_share"][s], pct=True),
                      fmt(y["hhi"][s] * 10_000 if y["hhi"][s] is not None else None))
    print_table(t)
    out.print("* base year; later years are IEA projections. basis: "
              + escape("; ".join(f"{k}: {v}" for k, v in res.basis.items())))
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")
