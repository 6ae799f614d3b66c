"""``critmin reliance`` and ``dependence``: how much an importer relies on imports, and on whom."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from critmin.cli._app import CommodityArg, CsvOpt, JsonOpt, XlsxOpt, YearOpt, app, warehouse
from critmin.cli._output import emit, fmt, handle_errors, new_table, out, print_csv, print_table

if TYPE_CHECKING:
    import pandas as pd


# --------------------------------------------------------------------------- reliance
@app.command("reliance")
def reliance(
    commodity: CommodityArg,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """U.S. net import reliance: as USGS reports it and recomputed from the salient series;
    U.S. import sources."""
    from critmin.dependence import us_import_sources, us_net_import_reliance

    with handle_errors(), warehouse() as wh:
        nir = us_net_import_reliance(commodity, warehouse=wh)
        src = us_import_sources(commodity, warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=lambda: _reliance_json(commodity, nir, src),
         to_csv=lambda: nir, render=lambda: _render_reliance(commodity, nir, src), to_xlsx=xlsx,
         sheets=lambda: _reliance_sheets(nir, src),
         about={"command": f"critmin reliance {commodity}"})


def _reliance_sheets(nir: pd.DataFrame, src: pd.DataFrame) -> dict[str, pd.DataFrame]:
    import pandas as pd

    from critmin.dependence.nir import explain_computed_from, series_label

    n = nir.copy()
    n.insert(n.columns.get_loc("nir_detail") + 1, "series", [series_label(d) for d in n["nir_detail"]])
    n["why_not_recomputed"] = [explain_computed_from(t) if pd.isna(v) else ""
                               for t, v in zip(n["computed_from"], n["nir_computed"], strict=True)]
    n.attrs["sources"] = [{"source": "usgs-mcs", "edition": e} for e in n["edition"].dropna().unique()]
    s = src.copy()
    s.attrs["sources"] = [{"source": "usgs-mcs", "edition": e} for e in s["edition"].dropna().unique()]
    return {"net import reliance": n, "import sources": s}


def _reliance_json(commodity: str, nir: pd.DataFrame, src: pd.DataFrame) -> dict:
    return {
        "commodity": commodity,
        "net_import_reliance": nir.astype(object).where(nir.notna(), None)
        .to_dict(orient="records"),
        "import_sources": src[["partner", "period", "detail", "share", "edition"]]
        .astype(object).where(src[["partner", "period", "detail", "share", "edition"]]
                              .notna(), None).to_dict(orient="records"),
    }


_MISSING_WORDS = {"net_exporter": "net exporter", "withheld": "withheld", "not_available": "not given",
                  "not_applicable": "not applicable"}


def _render_reliance(commodity: str, nir: pd.DataFrame, src: pd.DataFrame) -> None:
    from critmin.countries import display_name
    from critmin.dependence.nir import explain_computed_from, series_label

    nir = nir.astype(object).where(nir.notna(), None)
    t = new_table(f"{commodity}: U.S. net import reliance [% of apparent consumption]",
                  (("year", "left"), ("series", "left"), ("reported", "right"), ("recomputed", "right"),
                   ("edition", "left")), no_wrap=("year", "edition", "reported", "recomputed"))
    why: dict[str, list[int]] = {}
    for r in nir.itertuples(index=False):
        rep = (f"{r.reported_qualifier or ''}{r.nir_reported:.0%}" if r.nir_reported is not None
               else _MISSING_WORDS.get(r.reported_missing or "", r.reported_missing or "—"))
        t.add_row(str(r.year), series_label(r.nir_detail), rep, fmt(r.nir_computed, pct=True), r.edition)
        if r.nir_computed is None:
            reason = explain_computed_from(r.computed_from)
            if reason:
                why.setdefault(reason, []).append(int(r.year))
    print_table(t)
    for reason, years in why.items():
        span = (f"{min(years)}–{max(years)}" if len(set(years)) > 1 and max(years) - min(years) + 1
                == len(set(years)) else ", ".join(str(y) for y in sorted(set(years))))
        out.print(f"recomputed is — in {span}: {escape(reason)} (--csv names the series: column "
                  "computed_from)", highlight=False)
    if len(src):
        s = new_table(f"U.S. import sources ({src['period'].iloc[0]}, {src['edition'].iloc[0]})",
                      (("partner", "left"), ("name", "left"), ("share", "right"), ("detail", "left")),
                      no_wrap=("partner", "share"))
        for r in src.itertuples(index=False):
            s.add_row(r.partner, display_name(r.partner), fmt(r.share, pct=True), str(r.detail or ""))
        print_table(s)


# --------------------------------------------------------------------------- dependence (trade)
@app.command("dependence")
def dependence(
    commodity: CommodityArg,
    importer: Annotated[str, typer.Option(help="Importing country: ISO3 or name (USA, JPN, KOR, DEU), "
                                               "or EU (the bloc: extra-EU imports of its members).")],
    year: YearOpt = None,
    by: Annotated[str, typer.Option(help="Shares of quantity (net weight) or value.")]
    = "quantity",
    basis: Annotated[str | None, typer.Option(help="weight or value (same as --by).")] = None,
    mirror: Annotated[str | None, typer.Option(
        help="Exporter (e.g. CHN) whose monthly exports to the importer are shown beside the "
             "importer's figure.")] = None,
    hs: Annotated[str | None, typer.Option(help="HS lines to sum, comma-separated "
                                                "(default: the catalogue's lines).")] = None,
    source: Annotated[str | None, typer.Option(help="Trade source id (comtrade, usitc).")] = None,
    min_coverage: Annotated[float, typer.Option(help="Least share of the World total the suppliers "
                                                     "must cover.")] = 0.5,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Importer dependence from bilateral trade: supplier shares, top supplier, importer-side HHI
    (importer an ISO3 country or EU, the bloc); with --mirror, the exporter's monthly figures."""
    from critmin.dependence import importer_dependence

    measure = {"quantity": "quantity_kg", "weight": "quantity_kg",
               "value": "value_usd"}.get(basis or by, basis or by)
    codes = [c.strip() for c in hs.split(",") if c.strip()] if hs else None
    mir = None
    with handle_errors(), warehouse() as wh:
        res = importer_dependence(commodity, importer, year=year, hs_codes=codes, by=measure,
                                  source=source, min_coverage=min_coverage, warehouse=wh)
        if mirror:
            from critmin.dependence.mirror import mirror_trade

            mir = mirror_trade(commodity, importer, exporter=mirror, year=res.year, hs_codes=codes,
                               warehouse=wh)
    if as_csv and mir is not None:
        print_csv(mir.months.assign(exporter=mir.exporter, importer=mir.importer))
        return
    emit(as_json=as_json, as_csv=as_csv,
         to_json=lambda: {**res.to_dict(), **({"mirror": mir.to_dict()} if mir is not None else {})},
         to_csv=res.to_frame,
         render=lambda: (_render_dependence(res), _render_mirror(mir)),
         to_xlsx=xlsx, sheets=lambda: _dependence_sheets(res, mir),
         about={"command": f"critmin dependence {res.commodity} --importer {res.importer}",
                "what": res.headline()})


def _dependence_sheets(res, mir=None) -> dict[str, pd.DataFrame]:
    import pandas as pd
    years = res.years.assign(hhi_points=res.years["hhi"] * 10_000, importer=res.importer,
                             commodity=res.commodity, source=res.source, edition=res.edition)
    years.attrs["units"] = {"partner_sum": res.unit, "world_total": res.unit}
    sheets = {"suppliers": res.to_frame(), "by year": years}
    if len(res.excluded):
        sheets["excluded"] = res.excluded.assign(source=res.source, edition=res.edition)
    if res.caveats:
        sheets["notes"] = pd.DataFrame({"note": res.caveats})
    if mir is not None:
        sheets[f"mirror {mir.exporter}"] = mir.months.assign(exporter=mir.exporter, importer=mir.importer)
    return sheets


def _render_mirror(mir) -> None:
    if mir is None:
        return
    m = new_table(f"{mir.exporter}-reported exports to {mir.importer} by month ({mir.exporter_source})",
                  (("month", "left"), ("HS", "left"), ("quantity (t)", "right"), ("USD/kg", "right"),
                   ("y/y", "right"), ("export control", "left")))
    for r in mir.months.itertuples(index=False):
        m.add_row(r.month, r.hs_code, fmt(r.quantity_kg / 1000.0), fmt(r.unit_value_usd_per_kg, digits=2),
                  fmt(r.yoy_change, pct=True), r.phase)
    print_table(m)
    for c in mir.gap_reasons + mir.caveats:
        out.print(f"[yellow]mirror:[/yellow] {escape(c)}", highlight=False)


def _render_dependence(res) -> None:
    import pandas as pd
    t = new_table(f"{res.name}: {res.importer} imports by supplier, {res.year} "
                  f"(HS {'+'.join(res.hs_codes)}; {res.source} {res.edition})",
                  (("partner", "left"), ("name", "left"), ("quantity [t]", "right"),
                   ("value [USD]", "right"), ("share", "right"), ("of World", "right")),
                  no_wrap=("partner", "share", "of World"))
    for r in res.table.itertuples(index=False):
        q = r.quantity_kg / 1000.0 if pd.notna(r.quantity_kg) else float("nan")
        t.add_row(r.partner, str(r.name), fmt(q, digits=0 if q >= 100 or q == 0 else 2)
                  + (f" ({r.missing})" if isinstance(r.missing, str) else ""),
                  fmt(r.value_usd), fmt(r.share, pct=True), fmt(r.share_of_world, pct=True))
    print_table(t)
    total = f"{res.partner_sum / 1000:,.0f} t" if res.unit == "kg" else f"USD {res.partner_sum:,.0f}"
    world = ("—" if math.isnan(res.world_total) else
             (f"{res.world_total / 1000:,.0f} t" if res.unit == "kg" else f"USD {res.world_total:,.0f}"))
    out.print(f"shares of {'net weight' if res.unit == 'kg' else 'value'}; suppliers' sum {total}; "
              f"World total (reported) {world}")
    out.print(f"top supplier: {res.top_supplier} {fmt(res.top_share, pct=True)}; HHI "
              f"{res.hhi_points:,.0f} points ({res.hhi_band}; {res.hhi:.3f} as a fraction); "
              f"{res.n_suppliers} suppliers")
    recent = res.years.tail(10)
    if len(recent) > 1:
        s = new_table("by year", (("year", "right"), ("suppliers' sum", "right"), ("top", "left"),
                                  ("top share", "right"), ("HHI [points]", "right")), no_wrap=("year",))
        for r in recent.itertuples(index=False):
            ps = (r.partner_sum / 1000.0 if res.unit == "kg" else r.partner_sum)
            s.add_row(str(int(r.year)), fmt(ps) + (" t" if res.unit == "kg" else ""),
                      r.top_supplier if isinstance(r.top_supplier, str) else "—",
                      fmt(r.top_share, pct=True), fmt(r.hhi * 10_000))
        print_table(s)
    for c in res.caveats:
        out.print(f"[yellow]note:[/yellow] {escape(c)}", highlight=False)
