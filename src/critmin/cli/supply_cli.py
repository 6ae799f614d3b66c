"""``critmin supply``, ``trend`` and ``commodities``: who produces a commodity, over the years."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import (
    CommodityArg,
    CsvOpt,
    JsonOpt,
    ProductOpt,
    StageOpt,
    XlsxOpt,
    YearOpt,
    app,
    warehouse,
)
from critmin.cli._output import emit, fmt, handle_errors, new_table, out, print_table

if TYPE_CHECKING:
    import pandas as pd


# --------------------------------------------------------------------------- supply
@app.command("supply")
def supply(
    commodity: CommodityArg,
    year: YearOpt = None,
    stage: StageOpt = None,
    product: ProductOpt = None,
    edition: Annotated[str | None, typer.Option(help="Force an edition, e.g. MCS2025.")] = None,
    source: Annotated[str, typer.Option(
        help="usgs, iea or auto: USGS where it has the stage, else the IEA Critical Minerals "
             "Data Explorer (refining of rare earths, lithium, cobalt, nickel, graphite).")] = "auto",
    compare_editions: Annotated[bool, typer.Option(
        "--compare-editions", help="Every edition covering the year side by side.")] = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Producers with quantity, share and cumulative share; HHI; world total; edition used."""
    from critmin.supply import supply as run

    with handle_errors(), warehouse() as wh:
        res = run(commodity, year=year, stage=stage, product=product, edition=edition, source=source,
                  stages=True, warehouse=wh)
    if compare_editions:
        _compare_editions(res, as_json, as_csv, xlsx)
        return
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render_supply(res), to_xlsx=xlsx, sheets=lambda: _supply_sheets(res),
         about={"command": f"critmin supply {res.commodity}", "what": res.headline()})


def _supply_sheets(res) -> dict[str, pd.DataFrame]:
    """The workbook of ``critmin supply --xlsx``: producers, the other stages, the editions, notes."""
    import pandas as pd
    sheets = {"producers": res.to_frame()}
    if len(res.stages) > 1:
        st = pd.DataFrame(res.stages)
        st.attrs["units"] = {"world_total": "t", "hhi_wgi": "0-10"}
        st.attrs["sources"] = [{"source": e.get("source"), "edition": e.get("edition")} for e in res.stages]
        sheets["stages"] = st
    if res.other_editions:
        sheets["editions"] = res.comparison().assign(commodity=res.commodity, year=res.year,
                                                      stage=res.stage, unit=res.unit)
        sheets["editions"].attrs["units"] = {"quantity": res.unit}
    if res.notes:
        sheets["notes"] = pd.DataFrame({"note": res.notes})
    return sheets


def _render_supply(res) -> None:
    unit = res.unit
    t = Table(title=f"{res.name}: {res.stage} production {res.year} "
                    f"({res.product or res.basis}; {res.edition})")
    t.add_column("country", no_wrap=True)
    t.add_column("name")
    t.add_column(f"quantity [{unit}]", justify="right")
    t.add_column("share", justify="right")
    t.add_column("cumulative", justify="right")
    if "reserves" in res.table:
        t.add_column(f"reserves [{unit}]", justify="right")
    for r in res.table.itertuples(index=False):
        cells = [r.country, r.name,
                 fmt(r.quantity, digits=0 if (r.quantity or 0) >= 100 or r.quantity == 0 else 2)
                 + ("e" if r.estimated else "")
                 + (f" ({r.missing})" if isinstance(r.missing, str) else ""),
                 fmt(r.share, pct=True), fmt(r.cumulative_share, pct=True)]
        if "reserves" in res.table:
            cells.append(fmt(getattr(r, "reserves", None)))
        t.add_row(*cells)
    print_table(t)
    out.print(f"world total (published): {fmt(res.world_total)} {unit}; "
              f"sum of countries: {fmt(res.countries_total)}; "
              f"other countries: {fmt(res.other_countries)}")
    out.print(f"HHI: {res.hhi_points:,.0f} points ({res.hhi_band}; {res.hhi:.3f} as a fraction); "
              f"governance-weighted HHI (WGI {res.wgi_year}, 0-10): {fmt(res.hhi_wgi, digits=2)}; "
              f"source: {res.source} {res.edition}")
    _render_stages(res.stages)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}")
    if res.other_editions:
        out.print(f"editions covering {res.year}: {escape(res.editions_summary)} "
                  "(--compare-editions shows them side by side)")


def _compare_editions(res, as_json: bool, as_csv: bool, xlsx) -> None:
    """``supply --compare-editions``: one column pair (quantity, share) per edition."""
    comp = res.comparison()

    def frame():
        df = comp.assign(commodity=res.commodity, year=res.year, stage=res.stage, unit=res.unit)
        df.attrs["units"] = {"quantity": res.unit}
        return df

    emit(as_json=as_json, as_csv=as_csv,
         to_json=lambda: {**res.to_dict(), "comparison": [
             {"country": r.country, "name": r.name, "edition": r.edition, "source": r.source,
              "quantity": r.quantity, "share": r.share} for r in comp.itertuples(index=False)]},
         to_csv=frame, render=lambda: _render_editions(res, comp), to_xlsx=xlsx,
         sheets=lambda: {"editions": frame(), "producers": res.to_frame()})


def _render_editions(res, comp) -> None:
    eds = list(res.edition_tables)
    t = Table(title=f"{res.name}: {res.stage} production {res.year} by edition "
                    f"({res.product or res.basis}; unit: {res.unit})")
    t.add_column("country", no_wrap=True)
    for ed in eds:
        t.add_column(f"{ed}" + (" (used)" if ed == res.edition else ""), justify="right")
        t.add_column("share", justify="right")
    cell = {(r.country, r.edition): (r.quantity, r.share) for r in comp.itertuples(index=False)}
    names = dict(zip(comp["country"], comp["name"], strict=True))
    used = comp[comp["edition"] == res.edition].set_index("country")["quantity"]
    order = (comp.assign(u=comp["country"].map(used).fillna(-1), q=comp["quantity"].fillna(-1))
             .groupby("country")[["u", "q"]].max().sort_values(["u", "q"], ascending=False).index)
    for c in order:
        cells = [f"{c} {names[c]}"]
        for ed in eds:
            q, sh = cell.get((c, ed), (None, None))
            cells += [fmt(q), fmt(sh, pct=True)]
        t.add_row(*cells)
    totals = ["world total (published)"]
    for ed in eds:
        o = next((o for o in res.other_editions if o["edition"] == ed), None)
        wt = res.world_total if ed == res.edition else (o or {}).get("world_total_t")
        totals += [fmt(wt), ""]
    t.add_row(*totals)
    print_table(t)
    out.print(escape(res.editions_summary))


def _render_stages(stages: list[dict]) -> None:
    """The stage comparison of ``critmin supply``: each stage with its source and basis."""
    if len(stages) < 2:
        return
    t = Table(title="stages (shares within one source compare; tonnes across sources do not)")
    for col in ("stage", "source", "basis", "world total [t]", "China", "top 3", "HHI [points]",
                "HHI WGI [0-10]"):
        t.add_column(col, justify="right" if col[0] in "wCtH" and col != "stage" else "left")
    for e in stages:
        hhi = e["hhi"] * 10_000 if isinstance(e["hhi"], (int, float)) else None
        t.add_row(e["stage"], f"{e['source']} {e['edition']}", e["basis"], fmt(e["world_total"]),
                  fmt(e["china_share"], pct=True), fmt(e["top3_share"], pct=True), fmt(hhi),
                  fmt(e["hhi_wgi"], digits=2))
    print_table(t)


# --------------------------------------------------------------------------- trend
@app.command("trend")
def trend(
    commodity: CommodityArg,
    stage: StageOpt = None,
    product: ProductOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """World total, top producer's share and HHI for every year covered (latest edition per year)."""
    from critmin.supply import trend as run

    with handle_errors(), warehouse() as wh:
        res = run(commodity, stage=stage, product=product, warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render_trend(res), to_xlsx=xlsx, sheets=lambda: {"trend": res.to_frame()},
         about={"command": f"critmin trend {res.commodity}", "what": res.headline()})


def _render_trend(res) -> None:
    t = new_table(f"{res.commodity}: {res.stage} production trend ({res.product})",
                  (("year", "right"), (f"world total [{res.unit}]", "right"), ("top", "left"),
                   ("top share", "right"), ("HHI [points]", "right"), ("edition", "left"),
                   ("source", "left")), no_wrap=("year", "edition"))
    for r in res.years.itertuples(index=False):
        changed = bool(getattr(r, "source_changed", False))
        t.add_row(str(r.year), fmt(r.world_total),
                  r.top_country if isinstance(r.top_country, str) else "—",
                  fmt(r.top_share, pct=True), fmt(r.hhi_points), r.edition,
                  f"[bold]{r.source}[/bold] (source changes)" if changed else str(r.source))
    print_table(t)


# --------------------------------------------------------------------------- commodities
@app.command("commodities")
def commodities(as_json: JsonOpt = False, as_csv: CsvOpt = False, xlsx: XlsxOpt = None) -> None:
    """The commodity catalogue with the years and editions of production data covered."""
    from critmin.commodities import catalogue
    from critmin.supply import coverage

    with handle_errors(), warehouse() as wh:
        cov = coverage(wh)
    cat = catalogue()
    df = cat.merge(cov, left_on="id", right_on="commodity", how="left").drop(columns="commodity")
    emit(as_json=as_json, as_csv=as_csv,
         to_json=lambda: df.astype(object).where(df.notna(), None).to_dict(orient="records"),
         to_csv=lambda: df, render=lambda: _render_commodities(df), to_xlsx=xlsx,
         sheets=lambda: {"commodities": df}, about={"command": "critmin commodities"})


def _render_commodities(df: pd.DataFrame) -> None:
    import pandas as pd
    t = Table(title="critmin commodities")
    for c in ("id", "name", "USGS codes", "stages", "basis", "years", "editions"):
        t.add_column(c, no_wrap=c in ("id", "years"), overflow="fold")
    for r in df.itertuples(index=False):
        years = "" if pd.isna(r.first_year) else f"{int(r.first_year)}–{int(r.last_year)}"
        t.add_row(r.id, r.name, str(r.usgs_codes).replace(";", " "),
                  r.data_stages if isinstance(r.data_stages, str) else "",
                  str(r.basis), years,
                  (r.editions if isinstance(r.editions, str) else "").replace("MCS", ""))
    print_table(t)
    out.print(f"{len(df)} commodities, {int(df['first_year'].notna().sum())} with production data")
