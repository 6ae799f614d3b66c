"""``critmin criticality``: EU, USGS-style or GeoPolRisk criticality as a ranked table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from critmin._format import percent
from critmin.cli._app import CsvOpt, JsonOpt, XlsxOpt, app, warehouse
from critmin.cli._output import emit, fail, handle_errors, out, print_table
from critmin.errors import CritminError

if TYPE_CHECKING:
    import pandas as pd

_CRIT_COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    # (column title, table() column, format: f1/f2/f3 decimals, pct, int, text); the rest: --csv/--json
    "eu2017": [("SR", "supply_risk", "f1"), ("SR pub", "published_sr", "f1"),
               ("error", "f_sr_error", "f1"), ("EI pub", "economic_importance", "f1"),
               ("pub", "published_critical", "text")],
    "eu2023": [("SR", "supply_risk", "f1"), ("EI", "economic_importance", "f1"),
               ("HHI-WGI GS [0-10]", "f_hhi_wgi_t_gs", "f2"), ("IR", "f_ir", "pct"),
               ("list", "published_eu_list_2023", "text")],
    "eu": [("SR", "supply_risk", "f1"), ("EI", "economic_importance", "f1"),
           ("year", "f_year", "text"), ("top", "f_gs_top", "text"),
           ("list", "published_eu_list_2023", "text")],
    "usgs": [("SR", "supply_risk", "f3"), ("DP", "f_dp", "f3"), ("TE", "f_te", "f2"),
             ("EV", "f_ev", "f2"), ("DPxTE", "f_dp_x_te", "f3"), ("top", "f_top", "text")],
    "geopolrisk": [("score", "supply_risk", "f3"), ("HHI [0-1]", "f_hhi", "f3"),
                   ("imports [t]", "f_imports_t", "int"),
                   ("prod. [t]", "f_domestic_production_t", "int"), ("year", "f_trade_year", "text"),
                   ("prod. yr", "f_production_year", "text"), ("WGI yr", "f_wgi_year", "text"),
                   ("CF OECD", "f_cf_oecd_2017_2021", "f2"), ("CF same-yr", "f_cf_same_year", "f2")],
}


_STAGE_WORDS = {"E": "extraction", "P": "processing"}
"""The EU's stage codes in words."""


def _crit_cell(v: object, kind: str) -> str:
    import pandas as pd
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    if kind == "text":
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return {"f1": f"{f:.1f}", "f2": f"{f:.2f}", "f3": f"{f:.3f}", "pct": percent(f, 0),
            "int": f"{f:,.0f}"}[kind]


@app.command("criticality")
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
    missing_g: Annotated[float | None, typer.Option(
        "--missing-g", help="GeoPolRisk: score partners without WGI at this g (0-1), e.g. 0.5; "
                            "shown as an assumption with the score without it.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
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
            fail(CritminError(f"--wgi-years takes a year or a range such as 2016-2020, "
                              f"got {wgi_years!r}"))
    with handle_errors(), warehouse() as wh:
        res = run(commodity, method=method, importer=importer, year=year,
                  assessment=assessment, parameters=parameters, wgi_years=wy, missing_g=missing_g,
                  warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render(res), to_xlsx=xlsx, sheets=lambda: _sheets(res),
         about={"command": "critmin criticality", "what": res.headline()})


def _sheets(res) -> dict[str, pd.DataFrame]:
    """The workbook of ``critmin criticality --xlsx``: the ranking, missing inputs, notes."""
    import pandas as pd
    sheets = {"ranking": res.to_frame()}
    gaps = [{"material": m.material, "missing input": x} for m in res.materials for x in m.missing]
    if gaps:
        sheets["missing inputs"] = pd.DataFrame(gaps)
    notes = [{"about": k, "note": str(v)} for k, v in res.summary.items()]
    notes += [{"about": "run", "note": n} for n in res.notes]
    notes += [{"about": m.material, "note": n} for m in res.materials for n in m.notes]
    if notes:
        sheets["notes"] = pd.DataFrame(notes)
    return sheets


def _render(res) -> None:
    import pandas as pd
    table = res.table()
    key = ("eu" + str(res.assessment)) if res.assessment else res.method
    cols = [c for c in _CRIT_COLUMNS[key] if c[1] in table.columns]
    what = {"eu": "EU supply risk and economic importance", "usgs": "USGS-style supply risk",
            "geopolrisk": "GeoPolRisk"}[res.method]
    title = (f"{what}, EU assessment {res.assessment} reproduced" if res.assessment else
             f"{what}, importer {res.importer}" + (f", {res.year}" if res.year else ""))
    t = Table(title=title + (f" (ranked by {res.rank_by})" if res.rank_by != "supply_risk" else ""),
              box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("material", overflow="fold")
    t.add_column("stage", no_wrap=True)
    widths = {"f1": 4, "f2": 5, "f3": 5, "pct": 4, "int": 7, "text": 4}
    for title_, _c, kind in cols:
        t.add_column(title_, justify="left" if kind == "text" else "right", no_wrap=True,
                     min_width=max(widths[kind], min(len(title_), 7)))
    if res.method == "eu":
        t.add_column("critical", no_wrap=True)
    t.add_column("missing", justify="right", no_wrap=True)
    for r in table.itertuples(index=False):
        row = r._asdict()
        stage = row["stage"]
        cells = [str(row["rank"]), str(row["material"]),
                 _STAGE_WORDS.get(stage, stage) if isinstance(stage, str) and stage else "—"]
        cells += [_crit_cell(row.get(c), kind) for _t, c, kind in cols]
        if res.method == "eu":
            crit = row["critical"]
            cells.append("—" if crit is None or crit is pd.NA else ("yes" if crit else "no"))
        n_miss = len(res.materials[int(row["rank"]) - 1].missing)
        cells.append(str(n_miss) if n_miss else "")
        t.add_row(*cells)
    print_table(t)
    gaps = [m for m in res.materials if m.missing]
    if gaps:
        out.print(f"missing inputs ({len(gaps)} materials; computed what they allow):")
        for m in gaps:
            out.print(f"  {escape(m.material)}: " + escape("; ".join(m.missing)), highlight=False)
    for k, v in res.summary.items():
        out.print(f"[dim]{escape(str(k))}:[/dim] {escape(str(v))}", highlight=False)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)
