"""The sections of the report and of the dashboard pages, as a registry.

A :class:`Section` turns a :class:`~critmin.report.context.Context` into a :class:`SectionView` (a
title, a lead sentence and blocks: figures, tables, notes). The HTML report renders the views with
jinja2, the dashboard with Streamlit; both faces take the same views, so they show the same charts and
tables. Sections of later analyses (:data:`critmin.report.context.ANALYSES`) appear once their
module lands; until then :func:`pending` lists what is missing.

To add a section: write ``def _build_x(ctx) -> SectionView | None`` and append
``Section("x", "Title", "Page", _build_x, analysis="x")`` to :data:`SECTIONS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from critmin.report import charts, eras, tables, words
from critmin.report.blocks import Block, FigureSpec, SectionView
from critmin.report.context import ANALYSES, US, Context
from critmin.report.tables import Table, fmt

__all__ = ["Block", "FigureSpec", "SectionView", "Section", "SECTIONS", "PAGES", "build_sections", "pending",
           "sections_for", "criticality_matrix_view", "monitor_blocks", "monitor_view",
           "monitor_verdict_text", "scan_view", "diversify_view"]

#: Dashboard pages in order.
PAGES = ("Supply", "Dependence", "Monitor", "Scenarios", "Stockpile", "Criticality", "Diversify", "Outlook")


@dataclass(frozen=True)
class Section:
    """A registered section: where it shows and how it is built.

    Attributes
    ----------
    id, title : str
        Identifier and heading.
    page : str
        Dashboard page (one of :data:`PAGES`).
    build : callable
        ``build(ctx) -> SectionView | None`` (None: nothing to show for this commodity).
    analysis : str, optional
        Id in :data:`~critmin.report.context.ANALYSES` the section needs; None for the analyses that
        have landed with the foundation (supply, U.S. exposure).
    """

    id: str
    title: str
    page: str
    build: Callable[[Context], SectionView | None]
    analysis: str | None = None

    def available(self) -> bool:
        """True when the analysis this section needs is installed."""
        return self.analysis is None or ANALYSES[self.analysis].available()


def _fig(f: go.Figure) -> Block:
    return Block("figure", figure=f)


def _tab(t: Table | None, collapsed: bool = False) -> list[Block]:
    return [] if t is None else [Block("table", table=t, collapsed=collapsed)]


def _note(text: str) -> Block:
    return Block("note", text=text)


def _list(title: str, items: list[str]) -> list[Block]:
    return [Block("list", text=title, items=list(items))] if items else []


def _span(years: pd.Series) -> str:
    ys = sorted(int(y) for y in years.dropna().unique())
    if not ys:
        return ""
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"


# --------------------------------------------------------------------------- supply
def _build_shares(ctx: Context) -> SectionView | None:
    tr = ctx.trend
    if tr is None or not tr.shares:
        return None
    ys = pd.Series(sorted(tr.shares))
    # the era's concentration at each export control, from that year's data (issue 19)
    era = ctx.fetch("eras", lambda: eras.event_shares(ctx.commodity, stage=tr.stage,
                                                      warehouse=ctx.warehouse)) or []
    now = ctx.fetch("eras_latest", lambda: [x for x in (
        eras.latest_share(ctx.commodity, e, stage=tr.stage, warehouse=ctx.warehouse)
        for e in dict.fromkeys(s.exporter for s in era)) if x is not None]) or []
    lead = (f"Each country's share of world {tr.stage} production ({tr.product}), "
            f"{_span(ys)}; each year from one edition, by source precedence (USGS editions, then World "
            "Mining Data, then BGS). " + eras.era_note(era, now)).strip()
    fig = eras.mark_eras(charts.producer_shares(tr, years=ctx.years, colors=ctx.colors), era,
                         years=ctx.years)
    return SectionView("shares", "Producer shares over time", lead,
                       [_fig(fig), *_tab(tables.shares_table(tr), collapsed=True)])


def _build_concentration(ctx: Context) -> SectionView | None:
    tr = ctx.trend
    if tr is None or tr.years["hhi"].notna().sum() == 0:
        return None
    lead = ("Herfindahl–Hirschman index of producer shares, in points (0–10,000); bands: "
            f"{charts.hhi_band_text()}.")
    return SectionView("concentration", "Concentration (HHI) over time", lead,
                       [_fig(charts.hhi_trend(tr, years=ctx.years)),
                        *_tab(tables.trend_table(tr), collapsed=True)])


def _build_world(ctx: Context) -> SectionView | None:
    tr = ctx.trend
    if tr is None or tr.years["world_total"].notna().sum() == 0:
        return None
    y = tr.years[tr.years["world_total"].notna()]
    parts = [f"{', '.join(sorted(g['edition'].unique()))} {_span(g['year'])}"
             for _, g in y.groupby("source", sort=False)]
    lead = (f"World {tr.stage} production, {_span(y['year'])} [{tr.unit}], from "
            + "; ".join(parts) + ".")
    return SectionView("world", "World production", lead,
                       [_fig(charts.world_production(tr, years=ctx.years))])


def _build_producers(ctx: Context) -> SectionView | None:
    s = ctx.supply
    if s is None:
        return None
    lead = (f"{s.stage.capitalize()} production by country in {s.year} ({s.product}, {s.basis}), "
            f"from {s.edition}; shares of the published world total.")
    return SectionView("producers", f"Top producers, {s.year}", lead,
                       [_fig(charts.top_producers(s, colors=ctx.colors)),
                        *_tab(tables.producers_table(s))])


def _build_reserves(ctx: Context) -> SectionView | None:
    s = ctx.supply
    if s is None:
        return None
    t = tables.reserves_table(s)
    if t is None:
        return SectionView("reserves", "Reserves", "",
                           [_note(f"No reserves by country are published for {s.name} in the "
                                  "bundled editions.")])
    return SectionView("reserves", "Reserves", t.note,
                       [_fig(charts.reserves(s, colors=ctx.colors)), *_tab(t)])


# --------------------------------------------------------------------------- exposure
def _region_caveat(ctx: Context) -> list[Block]:
    if ctx.region == US:
        return []
    dep = ANALYSES["dependence"]
    missing = ("" if dep.available() else
               f" Trade-based importer dependence ({dep.requires}) is not yet available in this "
               "version.")
    return [_note(f"No import-reliance or import-source data for {ctx.region_name} in the bundled "
                  "dataset: USGS publishes them for the United States only." + missing
                  + " The U.S. figures are shown for reference.")]


def _build_region_reliance(ctx: Context) -> SectionView:
    """Net import reliance of a region other than the United States, from its own trade data; a plain
    note where it has none (no U.S. figure stands in)."""
    title = f"Net import reliance of {charts.display_name(ctx.region, article=True)} (trade data)"
    ic = ctx.region_consumption
    if ic is None:
        why = ctx.errors.get("region_consumption", "no import data in the warehouse").split("; ")[0]
        return SectionView("reliance", title, "", [_note(
            f"No net import reliance for {ctx.region_name} ({ctx.info.name}): {why}. USGS publishes "
            "net import reliance for the United States only; it is not shown in its place.")])
    lead = (f"{ctx.region_name}'s net import reliance in {ic.year}: (imports - exports) / apparent "
            f"consumption, from its own reported imports of HS {', '.join(ic.hs_codes)} and, as exports, "
            f"what {ic.exports_reporters} other reporters record importing from it ({ic.source}).")
    df = pd.DataFrame([{"importer": ic.importer, "year": ic.year, "hs_codes": "+".join(ic.hs_codes),
                        "imports_t": ic.imports_t, "exports_t": ic.exports_t,
                        "production_t": ic.production_t, "net_import_reliance": ic.nir,
                        "apparent_consumption_t": ic.consumption_t, "basis": ic.basis,
                        "complete": ic.complete, "source": ic.source}])
    nir_txt = "—" if ic.nir != ic.nir else f"{ic.nir:.0%}"
    return SectionView("reliance", title, lead, [
        _note(f"{ctx.region_name}: net import reliance {nir_txt}; {ic.text}."),
        *_tab(tables.frame_table(df, f"{ctx.commodity}_{ctx.region}_net_import_reliance",
                                 "Net import reliance from trade data")),
        *_list("Notes", ic.notes + [ic.production_source])])


def _build_reliance(ctx: Context) -> SectionView | None:
    if ctx.region != US:
        return _build_region_reliance(ctx)
    nir = ctx.us_reliance
    if nir is None or nir.empty:
        return None
    lead = (f"U.S. net import reliance, {_span(nir['year'])}, as USGS reports it (markers; a "
            "triangle where only a bound such as >50% is published) and recomputed from the "
            "salient statistics (line) as (imports − exports) / apparent consumption.")
    return SectionView("reliance", "U.S. net import reliance", lead,
                       [*_region_caveat(ctx),
                        _fig(charts.net_import_reliance(nir, years=ctx.years)),
                        *_tab(tables.nir_table(nir, ctx.commodity))])


def _build_sources(ctx: Context) -> SectionView | None:
    if ctx.region != US:
        # USGS import sources are the United States'; the region's own suppliers are the trade-data
        # section (dependence). Say so plainly when it has none.
        if ANALYSES["dependence"].available() and ctx.analysis("dependence") is not None:
            return None
        return SectionView("import_sources", f"Import sources of {ctx.region_name}", "", [_note(
            f"No import-source data for {ctx.region_name} ({ctx.info.name}) in the warehouse; USGS "
            "publishes import sources for the United States only, and they are not shown in their "
            "place.")])
    src = ctx.us_sources
    if src is None or src.empty:
        return None
    period = ", ".join(str(p) for p in src["period"].dropna().unique())
    lead = f"Where U.S. imports came from, {period}, as shares of imports ({src['edition'].iloc[0]})."
    return SectionView("import_sources", "U.S. import sources", lead,
                       [*([] if ctx.region == US or ctx.us_reliance is not None else
                          _region_caveat(ctx)),
                        _fig(charts.import_sources(src, colors=ctx.colors)),
                        *_tab(tables.import_sources_table(src, ctx.commodity))])


# --------------------------------------------------------------------------- later analyses
def _generic_blocks(result: object, name: str) -> list[Block]:
    """Blocks for a result object whose dedicated charts are not written yet: its DataFrames as
    tables and the scalars of its ``to_dict()`` as a note."""
    blocks: list[Block] = []
    if isinstance(result, pd.DataFrame):
        return _tab(tables.frame_table(result, name, name.replace("_", " ")))
    frames = {k: v for k, v in vars(result).items() if isinstance(v, pd.DataFrame)} \
        if hasattr(result, "__dict__") else {}
    if hasattr(result, "to_dict"):
        try:
            d = result.to_dict()
        except Exception:  # noqa: BLE001 - a face never fails on a result's shape
            d = {}
        scalars = {k: v for k, v in d.items() if isinstance(v, (str, int, float)) and
                   not (isinstance(v, float) and math.isnan(v))}
        if scalars:
            blocks.append(_note("; ".join(
                f"{k.replace('_', ' ')}: {fmt(v, 'num2') if isinstance(v, float) else v}"
                for k, v in scalars.items())))
    for k, df in frames.items():
        blocks += _tab(tables.frame_table(df, f"{name}_{k}", k.replace("_", " ")))
    return blocks


def _build_dependence(ctx: Context) -> SectionView | None:
    a = ANALYSES["dependence"]
    dep = ctx.analysis("dependence")
    title = f"Import suppliers of {charts.display_name(ctx.region, article=True)} (trade data)"
    if dep is None:
        err = ctx.errors.get("analysis:dependence")
        if not err:
            return None
        return SectionView("dependence", title, "",
                           [_note(f"No trade-based dependence for {ctx.region_name}: "
                                  f"{err.split(': ', 2)[-1]}")])
    what = "net weight" if dep.by == "quantity_kg" else "value"
    lead = (f"{ctx.region_name}'s imports of {words.lines_words(dep.hs_codes)} "
            f"(HS {', '.join(dep.hs_codes)}) by supplying country, "
            f"{dep.year}, shares by {what} ({dep.source} {dep.edition}); concentration over "
            f"{_span(dep.years['year'])}. {a.question}")
    return SectionView("dependence", title, lead,
                       [_fig(charts.importer_suppliers(dep, colors=ctx.colors)),
                        _fig(charts.importer_concentration(dep, years=ctx.years)),
                        *_tab(tables.dependence_table(dep)),
                        *_tab(tables.dependence_years_table(dep), collapsed=True),
                        *_list("Caveats of the trade data", dep.caveats)])


def _build_scenarios(ctx: Context) -> SectionView | None:
    sims = ctx.analysis("scenarios")
    a = ANALYSES["scenarios"]
    if not sims:
        err = ctx.errors.get("analysis:scenarios")
        return None if not err else SectionView("scenarios", a.title, "",
                                                [_note(f"Not produced: {err}")])
    blocks: list[Block] = []
    for sim in sims:
        d = charts.sim_fields(sim, "scenario", "price_peak_multiple", "cost_usd_total", "choke_multiple",
                              "horizon_months")
        pk, cost = d["price_peak_multiple"], d["cost_usd_total"]
        blocks.append(Block("subhead", text=d["scenario"]))
        blocks.append(_note(
            "P" + words.peak_price_text(pk, d["choke_multiple"])[1:] + "; total cost "
            f"{fmt(cost['p50'], 'usd')} (5–95 %: {fmt(cost['p05'], 'usd')} to "
            f"{fmt(cost['p95'], 'usd')}) over {d['horizon_months']} months. " + _market_note(sim)))
        blocks += [_fig(charts.price_fan(sim)), _fig(charts.region_shortfall(sim)),
                   *_tab(tables.scenario_regions_table(sim)),
                   *_tab(tables.price_band_table(sim), collapsed=True),
                   *_tab(tables.scenario_assumptions_table(sim), collapsed=True)]
    caps = sorted({float(charts.sim_fields(s, "choke_multiple")["choke_multiple"]) for s in sims})
    lead = ("Monte Carlo disruption scenarios on the market model: each scenario file states the "
            "cut and every parameter; the spread comes from the uncertain ones. The model caps the price "
            f"at {' or '.join(f'{c:g}×' for c in caps)} the baseline (the choke price, where buyers are "
            "rationed): a value “at the price cap” is as high as the model lets the price go, a bound "
            "rather than a forecast.")
    return SectionView("scenarios", a.title, lead, blocks)


def _market_note(sim) -> str:
    """Which year's market a scenario runs on, with the exporter's share of supply and its source."""
    b = sim.baseline
    when = {"history": f"the market of {b.year}",
            "outlook": f"the market of {b.start_year}, projected from {b.year}"}.get(
        b.mode, f"today's market ({b.year}, the latest year with data)")
    others = "".join(f"; {e['share']:.1%} in {e['edition']}" for e in b.exporter_shares
                     if e["edition"] != b.edition and e["share"] == e["share"])
    tied = f" with {', '.join(b.tied)}" if b.tied else ""
    return (f"On {when}: {b.exporter}{tied} {b.exporter_share:.1%} of {b.stage} supply "
            f"({b.edition}{others}).")


def _stockpile_cost_figure(m) -> go.Figure:
    """Expected annual cost of a stock of one material: holding, expected shortage cost and their sum
    over the simulated stocks [days of consumption], with the policies and the optimum marked."""
    c = m.curve
    title = f"{m.name}, {m.region_name}: expected annual cost of a stock"
    fig = go.Figure()
    for col, name, color, dash in (("holding_usd", "holding cost (interest and storage)", "#7f7f7f", "dot"),
                                   ("expected_shortage_cost_usd",
                                    "expected shortage cost (chance of a disruption × its cost)",
                                    "#E69F00", "dash"),
                                   ("expected_cost_usd", "total", "#1F4E79", "solid")):
        fig.add_trace(go.Scatter(x=c["days"], y=c[col] / 1e6, mode="lines+markers", name=name,
                                 line=dict(color=color, dash=dash, width=2.5 if col == "expected_cost_usd"
                                           else 1.5), marker=dict(size=5),
                                 hovertemplate="%{x:,.0f} days: %{y:,.2f} M USD/yr<extra></extra>"))
    pol = m.policies[m.policies["policy"] != "budget plan"]
    fig.add_trace(go.Scatter(x=pol["days"], y=pol["expected_cost_usd"] / 1e6, mode="markers+text",
                             name="policies", text=pol["policy"], textposition="top center",
                             marker=dict(color="#C0392B", size=9, symbol="diamond"),
                             hovertemplate="%{text}: %{y:,.2f} M USD/yr<extra></extra>"))
    charts._layout(fig, title, ytitle="expected cost [million USD/yr]",
                   xtitle=f"stock [days of {m.region} consumption]")
    fig.update_layout(hovermode="closest",
                      legend=dict(orientation="h", y=-0.2, x=0, xanchor="left", yanchor="top"))
    return fig


def _stockpile_frontier_figure(res) -> go.Figure:
    """Budget against the least expected annual shortfall cost (the efficient frontier)."""
    fr = res.frontier
    names = ", ".join(m.name for m in res.materials)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=fr["budget"] / 1e6, y=fr["expected_cost_usd"] / 1e6, mode="lines+markers",
                             name="expected shortfall cost", line=dict(color="#1F4E79", width=2.5),
                             hovertemplate="budget %{x:,.1f} M USD: %{y:,.2f} M USD/yr<extra></extra>"))
    fig.add_trace(go.Scatter(x=fr["budget"] / 1e6, y=fr["total_cost_usd"] / 1e6, mode="lines",
                             name="with holding cost", line=dict(color="#7f7f7f", dash="dot"),
                             hovertemplate="budget %{x:,.1f} M USD: %{y:,.2f} M USD/yr<extra></extra>"))
    charts._layout(fig, f"Efficient frontier, {res.region_name}: {names}",
                   ytitle="expected cost [million USD/yr]", xtitle="budget [million USD at today's price]")
    fig.update_layout(hovermode="closest",
                      legend=dict(orientation="h", y=-0.2, x=0, xanchor="left", yanchor="top"))
    return fig


def _stockpile_policy_table(res, m) -> Table:
    df = m.policies.assign(material=m.material, region=res.region, runs=res.runs, seed=res.seed,
                           consumption_t_per_year=m.consumption_t_per_year,
                           consumption_kind=m.consumption_kind)
    cols = {"policy": ("policy", "text"), "days": ("days of cover", "int"), "stock_t": ("stock [t]", "int"),
            "purchase_usd": ("purchase", "usd"), "expected_cost_usd": ("expected annual cost", "usd"),
            "expected_shortfall_t": ("expected shortfall per disruption [t]", "int"),
            "p_stockout": ("chance the stock runs out", "pct"),
            "months_of_cover_p95": ("months of cover, 95th-pct disruption", "num1")}
    return Table(f"{m.material}_{res.region}_stockpile_policies", "Policies against the optimum", df, cols,
                 f"{res.runs:,} runs per stock, seed {res.seed}; annual cost = holding "
                 f"{m.holding_usd_per_t_year:,.0f} USD/t/yr × stock + {m.probability:g}/yr × "
                 f"{m.shortage_cost_usd_per_t:,.0f} USD/t × expected shortfall; the shortfall and the chance "
                 "the stock runs out are given a disruption.")


def _build_stockpile(ctx: Context) -> SectionView | None:
    a = ANALYSES["stockpile"]
    res = ctx.analysis("stockpile")
    if res is None:
        err = ctx.errors.get("analysis:stockpile")
        return None if not err else SectionView("stockpile", a.title, "",
                                                [_note(f"Not produced: {err.split(': ', 2)[-1]}")])
    m = res.materials[0]
    pol = m.policies.set_index("policy")
    est = ("an estimate" if not m.consumption_kind.startswith("data") else
           "a USGS-estimated data row" if m.consumption_kind != "data" else "a data row")
    lead = (f"{a.question} Expected annual cost of a stock of {m.name} held by {m.region_name}: holding "
            f"(interest and storage) plus the annual probability of a disruption times the shortage cost "
            f"of the expected shortfall, re-simulated on the market model for each stock "
            f"({res.runs:,} runs each; scenario “{m.scenario}”).")
    s_opt = m.optimum.stock_t
    facts = (f"Cost-optimal stock: {fmt(s_opt, 'int')} t = {fmt(m.days(s_opt), 'int')} "
             f"days of consumption ({fmt(s_opt * m.price_usd_per_t, 'usd')} at today's price), "
             f"expected annual cost {fmt(pol.loc['optimum', 'expected_cost_usd'], 'usd')} against "
             f"{fmt(pol.loc['60 days', 'expected_cost_usd'], 'usd')} for 60 days and "
             f"{fmt(pol.loc['180 days', 'expected_cost_usd'], 'usd')} for 180 days. "
             f"Consumption {fmt(m.consumption_t_per_year, 'int')} t/yr is {est}: "
             f"{m.consumption_source.removeprefix('estimate: ')}.")
    nv = m.newsvendor
    check = (f"Cross-check with the textbook stock rule (see the methods in the appendix): at the optimum "
             f"each further tonne of stock avoids between {fmt(nv['slope_left'], 'num2')} and "
             f"{fmt(nv['slope_right'], 'num2')} t of shortfall, around the break-even ratio of the yearly "
             f"holding cost to the expected shortage cost of a tonne ({nv['critical_ratio']:.3f}). If each "
             f"tonne of stock covered a tonne of the region's own shortfall, the cost-optimal stock would be "
             f"{fmt(nv['one_to_one_days'], 'int')} days; stock released into the market lowers every "
             "buyer's price, so it covers less than that.")
    curve = tables.frame_table(m.curve.assign(material=m.material, region=res.region),
                               f"{m.material}_{res.region}_stockpile_curve", "Expected annual cost by stock")
    assumptions = tables.inputs_frame([x for x in res.assumptions if "material" not in x
                                       or x["name"].startswith(f"{x['material']}.")])
    at = Table(f"{m.material}_{res.region}_stockpile_inputs", "Planning inputs and assumptions",
               assumptions, tables.INPUT_COLUMNS,
               "The scenario's own inputs are in the scenarios section and the appendix.")
    return SectionView("stockpile", a.title, lead,
                       [_note(facts), _fig(_stockpile_cost_figure(m)),
                        *_tab(_stockpile_policy_table(res, m)), _fig(_stockpile_frontier_figure(res)),
                        _note(check), *_tab(curve, collapsed=True), *_tab(at, collapsed=True)])


def _diversify_figure(res) -> go.Figure:
    """Risk against premium along the frontier, with the current mix and the mix at the chosen budget."""
    def mix_text(mix: dict) -> str:
        return "<br>".join(f"{charts.display_name(c)} {x:.0%}" for c, x in list(mix.items())[:6])

    fr, cur = res.frontier, res.current
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[p.premium * 100 for p in fr], y=[p.risk for p in fr], mode="lines+markers",
                             name="least risk at each budget", line=dict(color="#1F4E79", width=2.5),
                             text=[mix_text(p.mix) for p in fr],
                             hovertemplate="premium %{x:+.1f} %: risk %{y:,.3g}<br>%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[cur.premium * 100], y=[cur.risk], mode="markers+text", name="current mix",
                             text=["current mix"], textposition="top right",
                             marker=dict(color="#C0392B", size=12, symbol="circle"),
                             customdata=[mix_text(cur.mix)],
                             hovertemplate="current: premium %{x:+.1f} %, risk %{y:,.3g}<br>%{customdata}"
                                           "<extra></extra>"))
    if res.at is not None:
        fig.add_trace(go.Scatter(x=[res.at.premium * 100], y=[res.at.risk], mode="markers", name=(
            f"mix at a {res.at.budget:.0%} budget"), marker=dict(color="#E69F00", size=11, symbol="diamond"),
            hovertemplate="premium %{x:+.1f} %: risk %{y:,.3g}<extra></extra>"))
    basis = "today's average price" if res.premium_basis == "current" else "the cheapest supplier's price"
    charts._layout(fig, f"{res.name}, {charts.display_name(res.importer)}: supplier-mix frontier "
                        f"({res.objective})",
                   ytitle=f"{res.objective} [{res.risk_unit}]", xtitle=f"premium over {basis} [%]")
    fig.update_layout(hovermode="closest",
                      legend=dict(orientation="h", y=-0.2, x=0, xanchor="left", yanchor="top"))
    return fig


def diversify_view(res) -> SectionView:
    """The supplier-mix frontier of :func:`critmin.diversify.diversify` as a section."""
    cur, at = res.current, res.at
    lead = (f"The least {res.objective} risk of {res.name.lower()} imports into "
            f"{charts.display_name(res.importer, article=True)} at each premium budget, from "
            f"{res.sources.get('trade')} ({res.year}), USGS production "
            f"({res.sources.get('production_year')}) and WGI ({res.sources.get('wgi_year')}); the current "
            "mix is the red dot.")
    top = ", ".join(f"{c} {x:.0%}" for c, x in list(cur.mix.items())[:4])
    facts = f"Current mix: {top}; risk {cur.risk:,.3g}."
    if at is not None and cur.risk:
        facts += (f" With a budget of {at.budget:.0%} (the mix costs {at.premium:+.1%}, "
                  f"{fmt(at.extra_cost_usd, 'usd')} a year): "
                  f"{', '.join(f'{c} {x:.0%}' for c, x in list(at.mix.items())[:5])}; risk {at.risk:,.3g} "
                  f"({at.risk / cur.risk - 1:+.0%}).")
    fr = res.frontier_table()
    t = Table(f"{res.commodity}_{res.importer}_diversify_frontier", "Frontier: risk, premium and mix", fr,
              {"point": ("point", "text"), "budget": ("budget", "pct"), "premium": ("premium", "pct"),
               "risk": (f"risk [{res.risk_unit}]", "num2" if res.risk_unit == "t/yr" else "text"),
               "extra_cost_usd": ("extra cost a year", "usd"), "top_supplier": ("top supplier", "text"),
               "top_share": ("its share", "pct"), "n_suppliers": ("suppliers", "int")},
              f"{res.objective}: {res.risk_unit}; premium {res.premium_basis} basis.")
    mixes = tables.frame_table(res.to_frame(), f"{res.commodity}_{res.importer}_diversify_mixes",
                               "Mix at each frontier point")
    at_tab = Table(f"{res.commodity}_{res.importer}_diversify_assumptions", "Inputs and assumptions",
                   tables.inputs_frame(res.assumptions), tables.INPUT_COLUMNS)
    return SectionView("diversify", ANALYSES["diversify"].title, lead,
                       [_note(facts), _fig(_diversify_figure(res)), *_tab(t, collapsed=True),
                        *_tab(mixes, collapsed=True), *_tab(at_tab, collapsed=True),
                        *_list("Caveats of the data", res.notes)])


def _build_diversify(ctx: Context) -> SectionView | None:
    res = ctx.analysis("diversify")
    if res is None:
        err = ctx.errors.get("analysis:diversify")
        return None if not err else SectionView("diversify", ANALYSES["diversify"].title, "",
                                                [_note(f"Not produced: {err.split(': ', 2)[-1]}")])
    return diversify_view(res)


def _build_criticality(ctx: Context) -> SectionView | None:
    a = ANALYSES["criticality"]
    res = ctx.analysis("criticality")
    if not res:
        errs = [v for k, v in ctx.errors.items() if k.startswith(("criticality", "analysis:crit"))]
        return None if not errs else SectionView("criticality", a.title, "",
                                                 [_note("Not assessed: " + "; ".join(errs))])
    notes = [n for r in res.values() for n in r.notes if not n.startswith("parameters:")]
    missing = [f"{m}: {v.split(': ', 1)[-1]}" for k, v in ctx.errors.items()
               if k.startswith("criticality:") for m in [k.split(":", 1)[1]]]
    lead = (f"Supply risk and economic importance of {ctx.info.name} by the EU (JRC) method, a "
            f"USGS-style supply risk and GeoPolRisk, for {ctx.region_name} as importer.")
    return SectionView("criticality", a.title, lead,
                       [*_tab(tables.criticality_table(res, ctx.commodity)),
                        *_list("Method notes", list(dict.fromkeys(notes))),
                        *_list("Methods not applicable here", missing)])


def criticality_matrix_view(contexts: list[Context], highlight: str | None = None) -> SectionView | None:
    """The EU criticality matrix of several commodities (each context's EU result)."""
    if not ANALYSES["criticality"].available():
        return None
    from critmin.criticality.eu import EI_THRESHOLD, SR_THRESHOLD

    rows, unassessed = [], []
    for c in contexts:
        res = c.analysis("criticality") or {}
        eu = res.get("eu")
        if eu is None or not eu.materials:
            unassessed.append(c.info.name)
        for m in (eu.materials if eu is not None else []):
            rows.append({"label": c.info.name, "commodity": c.commodity, "importer": eu.importer,
                         "supply_risk": m.supply_risk, "economic_importance": m.economic_importance,
                         "critical": m.critical})
    if not rows:
        return None
    df = pd.DataFrame(rows)
    imp = ", ".join(charts.display_name(x) for x in sorted(df["importer"].unique()))
    fig = charts.criticality_matrix(df, sr_threshold=SR_THRESHOLD, ei_threshold=EI_THRESHOLD,
                                    highlight=highlight,
                                    title=f"Criticality matrix, EU method (importer {imp})")
    t = tables.criticality_matrix_table(df)
    no_ei = df.loc[df["economic_importance"].isna(), "label"].tolist()
    no_sr = df.loc[df["economic_importance"].notna() & df["supply_risk"].isna(), "label"].tolist()
    notes = []
    if no_ei:
        notes.append("Not placed: no economic importance in the data — " + ", ".join(no_ei) + ".")
    if no_sr:
        notes.append("Not placed: no supply risk in the data — " + ", ".join(no_sr) + ".")
    if unassessed:
        notes.append("Not assessed by the EU method — " + ", ".join(unassessed) + ".")
    return SectionView("criticality_matrix", "Criticality matrix",
                       f"EU (JRC) method on the latest USGS production and WGI data, importer {imp}: "
                       f"critical when supply risk ≥ {SR_THRESHOLD:g} and economic importance ≥ "
                       f"{EI_THRESHOLD:g}.",
                       [_fig(fig), *[_note(n) for n in notes], *_tab(t, collapsed=True)])


# --------------------------------------------------------------------------- restriction monitor
def _lines_text(res) -> str:
    from critmin.report.summary import lines_words

    return lines_words(res.hs)


def monitor_verdict_text(res) -> str:
    """One sentence on the assessed month of a :class:`critmin.monitor.MonitorResult`: one verdict and one
    number (the restriction score, only when there is a fall to explain)."""
    from critmin.monitor.verdict import VerdictRule
    from critmin.report.summary import has_fall, verdict_label

    if res.score != res.score:  # NaN: not assessable
        return (f"{res.month}: exports {fmt(res.quantity_kg / 1000, 'int')} t; the month cannot be "
                "assessed (see the warnings).")
    text = (f"{res.month}: exports {fmt(res.quantity_kg / 1000, 'int')} t, "
            f"{charts._pct_text(res.yoy_change)} year on year and {charts._pct_text(res.baseline_deviation)} "
            f"against the seasonal baseline: {verdict_label(res)}")
    if has_fall(res):
        text += (f" (restriction score {res.score:.2f} of 1; restriction-like from "
                 f"{VerdictRule().restriction_at:g})")
    return text + "."


def monitor_blocks(res, name: str, *, subhead: bool = True, collapse_evidence: bool = False) -> list[Block]:
    """The blocks of one monitored series: verdict, chart, evidence, flagged months, warnings.

    Parameters
    ----------
    res : critmin.monitor.MonitorResult
        :func:`critmin.monitor.monitor`'s result.
    name : str
        File-name stem of the series' CSV downloads (unique within a report).
    subhead : bool
        Start with a subheading naming the exporter and the lines.
    collapse_evidence : bool
        Show the evidence and flagged-months tables collapsed.
    """
    blocks: list[Block] = []
    if subhead:
        blocks.append(Block("subhead", text=f"{charts.display_name(res.exporter)} · {_lines_text(res)} "
                                            f"(HS {'+'.join(res.hs)})"))
    blocks += [_note(monitor_verdict_text(res)), _fig(charts.monitor_exports(res)),
               *_tab(tables.monitor_evidence_table(res, f"{name}_evidence_{res.month}"),
                     collapsed=collapse_evidence)]
    flagged = tables.monitor_months_table(res, f"{name}_flagged_months", flagged=True)
    if len(flagged.data):
        blocks += _tab(flagged, collapsed=collapse_evidence)
    blocks += _tab(tables.monitor_months_table(res, f"{name}_months"), collapsed=True)
    blocks += _list(f"Warnings for {_lines_text(res)} (HS {'+'.join(res.hs)})",
                    [words.plain_words(w) for w in res.warnings])
    return blocks


def _monitor_lead() -> str:
    from critmin.monitor.verdict import VerdictRule

    r = VerdictRule()
    return (f"{ANALYSES['monitor'].question} Monthly exports against a seasonal baseline, every month "
            "scored by the restriction monitor (critmin.monitor, method “evidence”): a level break gates, "
            "six further signals (front-running, control lines, price wedge, destination selectivity, "
            f"licence-lag recovery, breadth) weigh restriction against demand. Score ≥ {r.restriction_at:g}: "
            f"restriction-like; a fall below {r.min_fall:g}: no fall; evidence pointing to demand: "
            "demand-like; otherwise ambiguous. While a known export control (dashed line) is in force on "
            "part of a line, a month without a restriction-like fall reads “cannot tell: the line mixes "
            "controlled and uncontrolled products”. Flagged on the chart: restriction-like months and every "
            "substantial fall.")


def _build_monitor(ctx: Context) -> SectionView | None:
    a = ANALYSES["monitor"]
    results = ctx.analysis("monitor")
    if not results:
        err = ctx.errors.get("analysis:monitor") or "; ".join(
            v for k, v in ctx.errors.items() if k.startswith("monitor:"))
        if err:
            return SectionView("monitor", a.title, "", [_note(f"Not produced: {err}")])
        from critmin.hs import lines_for

        codes = lines_for(ctx.commodity)["hs_code"].tolist()
        if not codes:
            return None
        return SectionView("monitor", a.title, "", [_note(
            f"No monthly exports of {ctx.info.name}'s HS lines ({', '.join(codes)}) in the warehouse: "
            "the restriction monitor needs monthly export rows (critmin data ingest).")])
    lead = (_monitor_lead() + " Refined lines (metal, compounds) are tested together; ores, synthetic "
            "forms, magnets and mixed lines each on their own.")
    blocks: list[Block] = []
    for i, res in enumerate(results):
        slug = f"{res.exporter}_{'-'.join(res.hs)}"
        blocks += monitor_blocks(res, f"{ctx.commodity}_export_signals_{slug}", collapse_evidence=i > 0)
    return SectionView("monitor", a.title, lead, blocks)


def monitor_view(res, name: str | None = None) -> SectionView:
    """A section for one :class:`critmin.monitor.MonitorResult` (the dashboard's Monitor page)."""
    name = name or f"export_signals_{res.exporter}_{'-'.join(res.hs)}"
    title = f"{charts.display_name(res.exporter)} · {_lines_text(res)} (HS {'+'.join(res.hs)})"
    return SectionView("monitor", title, _monitor_lead(), monitor_blocks(res, name, subhead=False))


def scan_view(scan) -> SectionView:
    """The export-signal scan (:func:`critmin.monitor.scan`): restriction-like months of every
    monthly export line, highest score first."""
    since = f" since {scan.since}" if scan.since else ""
    lead = (f"Every monthly export line in the warehouse ({scan.series} series: exporter × 6-digit HS line), "
            f"tested with its catalogue control lines; the restriction-like months{since}, highest "
            "restriction score first.")
    t = tables.scan_table(scan)
    blocks = _tab(t) if len(t.data) else [_note(f"No restriction-like month{since}.")]
    return SectionView("monitor_scan", f"Export-signal scan{since}", lead,
                       [*blocks, *_list("Series with diluted or missing signals",
                                        [words.plain_words(w) for w in scan.warnings])])


def _analysis_builder(analysis_id: str) -> Callable[[Context], SectionView | None]:
    def build(ctx: Context) -> SectionView | None:
        a = ANALYSES[analysis_id]
        res = ctx.analysis(analysis_id)
        if res is None:
            err = ctx.errors.get(f"analysis:{analysis_id}")
            if not err:
                return None
            return SectionView(analysis_id, a.title, "", [_note(f"Not produced: {err}")])
        return SectionView(analysis_id, a.title, a.question,
                           _generic_blocks(res, f"{ctx.commodity}_{analysis_id}"))
    return build


# Dedicated builders of later analyses (the others get the generic one until their charts exist).
_BUILDERS: dict[str, Callable[[Context], SectionView | None]] = {
    "dependence": _build_dependence,
    "monitor": _build_monitor,
    "scenarios": _build_scenarios,
    "stockpile": _build_stockpile,
    "criticality": _build_criticality,
    "diversify": _build_diversify,
}

def _build_outlook(ctx: Context) -> SectionView | None:
    from critmin.report.outlook_section import outlook_view

    return outlook_view(ctx)


def _build_stockpile_cost(ctx: Context) -> SectionView | None:
    from critmin.report.outlook_section import build_cost_view

    return build_cost_view(ctx)


#: Every section in report order.
SECTIONS: list[Section] = [
    Section("producers", "Top producers", "Supply", _build_producers),
    Section("shares", "Producer shares over time", "Supply", _build_shares),
    Section("concentration", "Concentration (HHI)", "Supply", _build_concentration),
    Section("world", "World production", "Supply", _build_world),
    Section("reserves", "Reserves", "Supply", _build_reserves),
    Section("reliance", "U.S. net import reliance", "Dependence", _build_reliance),
    Section("import_sources", "U.S. import sources", "Dependence", _build_sources),
    *[Section(a.id, a.title, a.page, _BUILDERS.get(a.id, _analysis_builder(a.id)), analysis=a.id)
      for a in ANALYSES.values()],
    Section("outlook", "Outlook to 2040 (IEA)", "Outlook", _build_outlook),
]
# the stockpile plan's build-cost curve, right after the stockpile section (critmin.report.outlook_section)
SECTIONS.insert(next(i + 1 for i, s in enumerate(SECTIONS) if s.id == "stockpile"),
                Section("stockpile_build", "Building the stock: cost against months", "Stockpile",
                        _build_stockpile_cost, analysis="stockpile"))


def sections_for(page: str | None = None) -> list[Section]:
    """The registered sections, optionally of one dashboard page."""
    return [s for s in SECTIONS if page is None or s.page == page]


def build_sections(ctx: Context, page: str | None = None) -> list[SectionView]:
    """Build every available section (of one page) for a context; sections without data are left
    out."""
    views = []
    for s in sections_for(page):
        if not s.available():
            continue
        v = s.build(ctx)
        if v is not None:
            views.append(v)
    return views


def pending(page: str | None = None) -> list[tuple[str, str]]:
    """Sections whose analysis has not landed: ``(title, what is missing)``."""
    return [(s.title, ANALYSES[s.analysis].requires) for s in sections_for(page)
            if s.analysis is not None and not s.available()]
