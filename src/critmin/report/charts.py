"""Chart builders shared by the HTML report and the dashboard.

Each function takes a result object of the public API (:class:`critmin.supply.TrendResult`,
:class:`critmin.supply.SupplyResult`, the DataFrames of :mod:`critmin.dependence.job`) and returns a
:class:`plotly.graph_objects.Figure`. They only arrange what the API computed (select years, order
countries, pick colours); they compute no metric. Figures use no map or geo traces, so plotly.js never
needs a network resource to draw them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from critmin.report.monitor_charts import (  # noqa: F401 - re-exported: charts.X is the public path
    _VERDICT_LEGEND,
    _VERDICT_SYMBOLS,
    EVENT_COLOR,
    VERDICT_COLORS,
    _pct_text,
    flagged_months,
    monitor_exports,
)
from critmin.report.style import (  # noqa: F401 - re-exported: charts.X is the public path
    _OTHER_COLOR,
    PLOTLY_CONFIG,
    _add_layout_items,
    _empty,
    _layout,
    country_colors,
    display_name,
    hhi_band_edges,
    hhi_band_text,
)

__all__ = [
    "PLOTLY_CONFIG",
    "country_colors",
    "display_name",
    "hhi_band_edges",
    "hhi_band_text",
    "producer_shares",
    "hhi_trend",
    "world_production",
    "top_producers",
    "reserves",
    "net_import_reliance",
    "import_sources",
    "importer_suppliers",
    "importer_concentration",
    "price_fan",
    "region_shortfall",
    "criticality_matrix",
    "VERDICT_COLORS",
    "flagged_months",
    "monitor_exports",
]



def _in_years(years_col: pd.Series, years: tuple[int, int] | None) -> pd.Series:
    if years is None:
        return pd.Series(True, index=years_col.index)
    return (years_col >= years[0]) & (years_col <= years[1])


SOURCE_LABELS = {"usgs-ds140": "USGS DS140", "usgs-myb": "USGS Minerals Yearbook",
                 "usgs-myb-world": "USGS Minerals Yearbook", "usgs-mcs": "USGS MCS",
                 "wmd": "World Mining Data", "bgs-wms": "BGS World Mineral Statistics"}
"""Display names of the production sources (trend charts)."""


def mark_source_changes(fig: go.Figure, trend, *, years: tuple[int, int] | None = None) -> go.Figure:
    """Draw a dashed vertical line, labelled with the new source, at every year where the trend's
    source changes (``trend.years["source_changed"]``); returns the figure.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A chart with years on the x axis.
    trend : critmin.supply.TrendResult
        The trend job's result (``years`` with ``year``, ``source``, ``source_changed``).
    years : (int, int), optional
        Only mark changes inside these years (the chart's range).
    """
    df = trend.years
    if "source_changed" not in df:
        return fig
    hits = df[df["source_changed"].fillna(False).astype(bool) & _in_years(df["year"], years)]
    if getattr(fig, "_grid_ref", None) is not None:  # subplots: plotly places a line in each
        for r in hits.itertuples(index=False):
            fig.add_vline(x=float(r.year) - 0.5, line_dash="dash", line_width=1, line_color="#555555",
                          annotation_text=f"{SOURCE_LABELS.get(r.source, r.source)} ({r.edition})",
                          annotation_position="top right", annotation_font_size=10)
        return fig
    # what fig.add_vline(x, line_dash="dash", line_width=1, line_color="#555555", annotation_text=...,
    # annotation_position="top right", annotation_font_size=10) stores, added in one step
    shapes, notes = [], []
    for r in hits.itertuples(index=False):
        x = float(r.year) - 0.5
        shapes.append({"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                       "line": {"color": "#555555", "dash": "dash", "width": 1}})
        notes.append({"text": f"{SOURCE_LABELS.get(r.source, r.source)} ({r.edition})", "x": x,
                      "xanchor": "left", "xref": "x", "y": 1, "yanchor": "top", "yref": "y domain",
                      "showarrow": False, "font": {"size": 10}})
    _add_layout_items(fig, shapes, notes)
    return fig


def producer_shares(trend, *, years: tuple[int, int] | None = None, top: int = 8,
                    colors: Mapping[str, str] | None = None) -> go.Figure:
    """Producer shares of world production over time, stacked area.

    Parameters
    ----------
    trend : critmin.supply.TrendResult
        The trend job's result (``shares`` per year, ``years`` with ``other_share``).
    years : (int, int), optional
        First and last year to show.
    top : int
        Countries drawn individually (those with the largest share in any shown year); the rest are
        drawn as one band "smaller producers" (the sum of their published shares).
    colors : mapping of ISO3 to colour, optional
        Country colours (default :func:`country_colors`).

    Returns
    -------
    plotly.graph_objects.Figure
        Shares of the published world total [%], one trace per country.
    """
    title = f"Producer shares of world {trend.stage} production"
    ys = sorted(y for y in trend.shares if years is None or years[0] <= y <= years[1])
    if not ys:
        return _empty(title, "No production by country for these years.")
    table = pd.DataFrame({y: trend.shares[y] for y in ys}).T.reindex(ys).fillna(0.0)
    order = table.max().sort_values(ascending=False).index.tolist()
    shown, rest = order[:top], order[top:]
    colors = dict(colors or country_colors(order))
    fig = go.Figure()
    for c in shown:
        fig.add_trace(go.Scatter(
            x=ys, y=table[c] * 100, name=display_name(c), stackgroup="one", mode="lines",
            line=dict(width=0.6, color=colors.get(c)), fillcolor=colors.get(c),
            hovertemplate=f"{display_name(c)}: %{{y:.1f}}%<extra></extra>"))
    if rest:
        fig.add_trace(go.Scatter(
            x=ys, y=table[rest].sum(axis=1) * 100, name=f"{len(rest)} smaller producers",
            stackgroup="one", mode="lines", line=dict(width=0.6, color="#a6a6a6"),
            fillcolor="#a6a6a6", hovertemplate="smaller producers: %{y:.1f}%<extra></extra>"))
    other = trend.years.set_index("year")["other_share"].reindex(ys).fillna(0.0)
    if (other > 0).any():
        fig.add_trace(go.Scatter(
            x=ys, y=other * 100, name="Other countries (as published)", stackgroup="one",
            mode="lines", line=dict(width=0.6, color=_OTHER_COLOR), fillcolor=_OTHER_COLOR,
            hovertemplate="other countries: %{y:.1f}%<extra></extra>"))
    _layout(fig, title, ytitle="share of world total [%]", yaxes={"range": [0, 100], "ticksuffix": "%"},
            xaxes={"dtick": 1 if len(ys) <= 12 else None})
    return mark_source_changes(fig, trend, years=(ys[0], ys[-1]))


def hhi_trend(trend, *, years: tuple[int, int] | None = None) -> go.Figure:
    """Herfindahl-Hirschman index of producer concentration over time, on the band background.

    Parameters
    ----------
    trend : critmin.supply.TrendResult
        The trend job's result (``years`` with ``hhi_points``).
    years : (int, int), optional
        First and last year to show.

    Returns
    -------
    plotly.graph_objects.Figure
        HHI [points, 0-10,000] per year with the concentration bands shaded.
    """
    title = "Concentration of production (HHI)"
    df = trend.years[_in_years(trend.years["year"], years) & trend.years["hhi_points"].notna()]
    if df.empty:
        return _empty(title, "No production by country for these years: HHI not available.")
    return _hhi_figure(df, title)


def world_production(trend, *, years: tuple[int, int] | None = None) -> go.Figure:
    """World production per year, coloured by the source each year is taken from.

    Parameters
    ----------
    trend : critmin.supply.TrendResult
        The trend job's result (``years`` with ``world_total``, ``source``, ``edition``).
    years : (int, int), optional
        First and last year to show.

    Returns
    -------
    plotly.graph_objects.Figure
        World production [``trend.unit``] per year, one trace per source.
    """
    title = f"World {trend.stage} production ({trend.product})"
    df = trend.years[_in_years(trend.years["year"], years) & trend.years["world_total"].notna()]
    if df.empty:
        return _empty(title, "No world total published for these years.")
    fig = go.Figure()
    src_colors = ["#1F4E79", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    labels = SOURCE_LABELS
    for i, (src, grp) in enumerate(df.groupby("source", sort=False)):
        eds = ", ".join(sorted(grp["edition"].dropna().unique()))
        fig.add_trace(go.Bar(
            x=grp["year"], y=grp["world_total"], name=f"{labels.get(src, src)} ({eds})",
            marker_color=src_colors[i % len(src_colors)], marker_line_width=0,
            customdata=grp[["edition"]].to_numpy(),
            hovertemplate=f"%{{y:,.0f}} {trend.unit} (%{{customdata[0]}})<extra></extra>"))
    _layout(fig, title, ytitle=f"world production [{trend.unit}]",
            layout={"bargap": 0.1, "hovermode": "closest",
                    "legend": {"orientation": "h", "y": -0.15, "x": 0, "xanchor": "left", "yanchor": "top"}},
            yaxes={"tickformat": ","})
    return fig


def _bar_h(labels: list[str], values: list[float], colors: list[str], title: str, xtitle: str,
           text: list[str], hover: str) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=values, y=labels, orientation="h", marker_color=colors, text=text,
        textposition="outside", cliponaxis=False, hovertemplate=hover))
    _layout(fig, title, height=max(220, 60 + 26 * len(labels)), xtitle=xtitle, legend=False,
            yaxes={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)", "zeroline": False},
            layout={"hovermode": "closest", "margin": {"l": 130, "r": 60, "t": 50, "b": 40}})
    return fig


def top_producers(supply, *, top: int = 10, colors: Mapping[str, str] | None = None) -> go.Figure:
    """The largest producers in one year, horizontal bars with their share.

    Parameters
    ----------
    supply : critmin.supply.SupplyResult
        The supply job's result.
    top : int
        Producers shown.
    colors : mapping of ISO3 to colour, optional
        Country colours (default :func:`country_colors`).

    Returns
    -------
    plotly.graph_objects.Figure
        Production [``supply.unit``] per country, labelled with the share of the world total [%].
    """
    t = supply.table
    t = t[t["quantity"].notna() & (t["quantity"] > 0)].head(top)
    title = f"Largest producers, {supply.year} ({supply.edition})"
    if t.empty:
        return _empty(title, "No production by country.")
    colors = dict(colors or country_colors(t["country"]))
    labels = [display_name(c) for c in t["country"]]
    text = ["" if pd.isna(s) else f"{s:.1%}" for s in t["share"]]
    return _bar_h(labels, t["quantity"].tolist(), [colors.get(c, "#888") for c in t["country"]],
                  title, f"{supply.stage} production [{supply.unit}]", text,
                  f"%{{x:,.0f}} {supply.unit}<extra></extra>")


def reserves(supply, *, top: int = 10, colors: Mapping[str, str] | None = None) -> go.Figure:
    """Reserves by country as the supply job reports them beside production.

    Parameters
    ----------
    supply : critmin.supply.SupplyResult
        The supply job's result (``table["reserves"]``; its notes say which edition).
    top : int
        Countries shown.
    colors : mapping of ISO3 to colour, optional
        Country colours (default :func:`country_colors`).

    Returns
    -------
    plotly.graph_objects.Figure
        Reserves [``supply.unit``] per country, labelled with reserves-to-production [years].
    """
    note = next((n for n in supply.notes if n.startswith("reserves:")), "")
    title = "Reserves by country" + (f" ({note.removeprefix('reserves: ')})" if note else "")
    if "reserves" not in supply.table:
        return _empty(title, "No reserves published for this commodity.")
    t = supply.table[supply.table["reserves"].notna() & (supply.table["reserves"] > 0)]
    t = t.sort_values("reserves", ascending=False).head(top)
    if t.empty:
        return _empty(title, "No reserves by country published.")
    colors = dict(colors or country_colors(t["country"]))
    text = ["" if (isinstance(r, float) and math.isnan(r)) else
            (f"R/P {r:,.0f} y" if r < 1000 else "R/P >1,000 y")
            for r in t.get("rp_years", pd.Series(math.nan, index=t.index))]
    return _bar_h([display_name(c) for c in t["country"]], t["reserves"].tolist(),
                  [colors.get(c, "#888") for c in t["country"]], title,
                  f"reserves [{supply.unit}]", text, f"%{{x:,.0f}} {supply.unit}<extra></extra>")


def _series_labels(nir: pd.DataFrame) -> pd.Series:
    """The published series of each row, numbered within its year (editions relabel series)."""
    return nir.groupby("year").cumcount()


def net_import_reliance(nir: pd.DataFrame, *, years: tuple[int, int] | None = None,
                        region: str = "United States") -> go.Figure:
    """Net import reliance as published and as recomputed from the salient statistics.

    Parameters
    ----------
    nir : DataFrame
        :func:`critmin.dependence.job.us_net_import_reliance` (``nir_reported``, ``reported_qualifier``,
        ``nir_computed`` as fractions).
    years : (int, int), optional
        First and last year to show.
    region : str
        The importer's display name.

    Returns
    -------
    plotly.graph_objects.Figure
        Reported (markers; a triangle where the source states only a bound such as ">50") and
        recomputed (line) net import reliance [% of apparent consumption].
    """
    title = f"{region}: net import reliance, reported and recomputed"
    df = nir[_in_years(nir["year"], years)] if len(nir) else nir
    if df.empty:
        return _empty(title, "No net import reliance published.")
    df = df.assign(_series=_series_labels(df))
    fig = go.Figure()
    multi = df["_series"].nunique() > 1
    for k, grp in df.groupby("_series"):
        label = str(grp["nir_detail"].dropna().iloc[-1]) if grp["nir_detail"].notna().any() else ""
        short = label.split(":")[-1].strip() if ":" in label else ""
        suffix = f" ({short})" if multi and short else (f" (series {k + 1})" if multi else "")
        rep = grp[grp["nir_reported"].notna()]
        bound = rep["reported_qualifier"].fillna("").astype(str)
        symbols = ["triangle-up" if b == ">" else ("triangle-down" if b == "<" else "circle")
                   for b in bound]
        fig.add_trace(go.Scatter(
            x=rep["year"], y=rep["nir_reported"] * 100, mode="markers", name="reported" + suffix,
            marker=dict(size=11, symbol=symbols, color="#C0392B", line=dict(width=1, color="#fff")),
            customdata=bound.to_numpy(),
            hovertemplate="reported %{customdata}%{y:.0f}%<extra></extra>"))
        comp = grp[grp["nir_computed"].notna()]
        if len(comp):
            fig.add_trace(go.Scatter(
                x=comp["year"], y=comp["nir_computed"] * 100, mode="lines+markers",
                name="recomputed" + suffix, line=dict(color="#1F4E79", width=2),
                marker=dict(size=6), hovertemplate="recomputed %{y:.1f}%<extra></extra>"))
    _layout(fig, title, ytitle="net import reliance [% of consumption]",
            yaxes={"range": [-5, 105], "ticksuffix": "%"}, xaxes={"dtick": 1},
            layout={"legend": {"orientation": "h", "y": -0.15, "x": 0, "xanchor": "left", "yanchor": "top"}})
    return fig


def import_sources(sources: pd.DataFrame, *, colors: Mapping[str, str] | None = None,
                   region: str = "United States") -> go.Figure:
    """Import sources as shares of imports, one group of bars per published detail.

    Parameters
    ----------
    sources : DataFrame
        :func:`critmin.dependence.job.us_import_sources` (``partner``, ``share``, ``detail``, ``period``).
    colors : mapping of ISO3 to colour, optional
        Country colours (default :func:`country_colors`).
    region : str
        The importer's display name.

    Returns
    -------
    plotly.graph_objects.Figure
        Share of imports [%] per partner.
    """
    if sources.empty:
        return _empty(f"{region}: import sources", "No import sources published.")
    period = ", ".join(str(p) for p in sources["period"].dropna().unique())
    eds = ", ".join(str(e) for e in sources["edition"].dropna().unique())
    title = f"{region}: import sources, {period} ({eds})"
    df = sources[sources["share"].notna()]
    order = df.groupby("partner")["share"].max().sort_values(ascending=False).index.tolist()
    if "OTH" in order:  # "Other countries" last
        order = [c for c in order if c != "OTH"] + ["OTH"]
    colors = dict(colors or country_colors(order))
    details = list(dict.fromkeys(df["detail"].fillna("")))
    fig = go.Figure()
    palette = ["#1F4E79", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]
    for i, d in enumerate(details):
        g = df[df["detail"].fillna("") == d].set_index("partner").reindex(order)
        single = len(details) == 1
        fig.add_trace(go.Bar(
            y=[display_name(c) for c in order], x=g["share"] * 100, orientation="h",
            name=d or "all", text=["" if pd.isna(s) else f"{s:.0%}" for s in g["share"]],
            textposition="outside", cliponaxis=False,
            marker_color=[colors.get(c, "#888") for c in order] if single else palette[i % 5],
            hovertemplate=(d + ": " if d else "") + "%{x:.0f}%<extra></extra>"))
    _layout(fig, title, height=max(240, 70 + 22 * len(order) * max(1, len(details) * 0.7)),
            xtitle="share of imports [%]", legend=len(details) > 1,
            yaxes={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)", "zeroline": False},
            xaxes={"ticksuffix": "%", "range": [0, 105]},
            layout={"barmode": "group", "hovermode": "closest",
                    "margin": {"l": 130, "r": 40, "t": 50, "b": 40},
                    "legend": {"orientation": "h", "y": -0.18, "x": 0, "xanchor": "left", "yanchor": "top"}})
    return fig


# --------------------------------------------------------------------------- trade-based dependence
def importer_suppliers(dep, *, top: int = 12, colors: Mapping[str, str] | None = None) -> go.Figure:
    """An importer's suppliers in one year, as shares of its imports from supplying countries.

    Parameters
    ----------
    dep : critmin.dependence.job.ImporterDependenceResult
        The importer-dependence job's result (``table`` with partner, name, share).
    top : int
        Suppliers shown.
    colors : mapping of ISO3 to colour, optional
        Country colours (default :func:`country_colors`).

    Returns
    -------
    plotly.graph_objects.Figure
        Share of imports [%] per supplier.
    """
    what = "net weight" if dep.by == "quantity_kg" else "value"
    title = (f"{display_name(dep.importer)}: suppliers, {dep.year} (HS {', '.join(dep.hs_codes)}; "
             f"{what}; {dep.edition})")
    t = dep.table[dep.table["share"].notna()].sort_values("share", ascending=False).head(top)
    if t.empty:
        return _empty(title, "No supplier with a quantity.")
    colors = dict(colors or country_colors(t["partner"]))
    labels = [display_name(c) if len(c) == 3 else n for c, n in zip(t["partner"], t["name"],
                                                                     strict=True)]
    fig = _bar_h(labels, (t["share"] * 100).tolist(), [colors.get(c, "#888") for c in t["partner"]],
                 title, f"share of imports from supplying countries [%] ({what})",
                 [f"{s:.1%}" for s in t["share"]], "%{x:.1f}%<extra></extra>")
    fig.update_xaxes(ticksuffix="%", range=[0, 105])
    return fig


def importer_concentration(dep, *, years: tuple[int, int] | None = None) -> go.Figure:
    """Concentration of an importer's suppliers over the years of the trade data.

    Parameters
    ----------
    dep : critmin.dependence.job.ImporterDependenceResult
        The importer-dependence job's result (``years`` with hhi, top_supplier, top_share).
    years : (int, int), optional
        First and last year to show.

    Returns
    -------
    plotly.graph_objects.Figure
        Supplier HHI [points, 0-10,000] per year on the concentration bands.
    """
    y = dep.years[_in_years(dep.years["year"], years) & dep.years["hhi"].notna()]
    title = f"{display_name(dep.importer)}: concentration of suppliers (HHI)"
    if y.empty:
        return _empty(title, "No year with suppliers.")
    frame = pd.DataFrame({"year": y["year"], "hhi_points": y["hhi"] * 10_000,
                          "top_country": y["top_supplier"], "top_share": y["top_share"]})
    return _hhi_figure(frame, title)


@lru_cache(maxsize=1)
def _hhi_band_items() -> tuple[list[dict], list[dict]]:
    """The concentration bands as plotly's ``add_hrect`` stores them on a chart without subplots:
    ``(shapes, annotations)``, made once (``add_hrect`` takes ~17 ms a band)."""
    fig = go.Figure()
    shades = {"low": "#eaf4ea", "moderate": "#fdf3e1", "high": "#fbe5e1"}
    for lo, hi, band in hhi_band_edges():
        fig.add_hrect(y0=lo, y1=hi, fillcolor=shades.get(band, "#f4f4f4"), line_width=0,
                      layer="below", annotation_text=f"{band}", annotation_position="top left",
                      annotation_font=dict(size=10, color="#888"))
    props = fig.layout._props or {}
    return list(props.get("shapes") or []), list(props.get("annotations") or [])


def _hhi_figure(df: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    shapes, notes = _hhi_band_items()
    _add_layout_items(fig, copy.deepcopy(shapes), copy.deepcopy(notes))
    fig.add_trace(go.Scatter(
        x=df["year"], y=df["hhi_points"], mode="lines+markers", name="HHI",
        line=dict(color="#1F4E79", width=2.5), marker=dict(size=7),
        customdata=df[["top_country", "top_share"]].assign(
            top_share=df["top_share"] * 100).to_numpy(),
        hovertemplate="HHI %{y:,.0f} points; top %{customdata[0]} "
                      "%{customdata[1]:.1f}%<extra></extra>"))
    _layout(fig, title, ytitle="HHI [points]", legend=False,
            yaxes={"range": [0, hhi_band_edges()[-1][1]], "tickformat": ","},
            xaxes={"dtick": 1 if len(df) <= 12 else None})
    return fig


# --------------------------------------------------------------------------- disruption scenarios
_SIM_FIELDS = {"scenario": lambda r: r.spec.name, "runs": lambda r: r.runs, "seed": lambda r: r.seed,
               "choke_multiple": lambda r: r.inputs.choke_multiple,
               "regions": lambda r: r.region_summaries(),
               "commodity": lambda r: r.baseline.commodity, "scenario_file": lambda r: r.spec.path,
               "horizon_months": lambda r: r.inputs.horizon, "assumptions": lambda r: r.assumptions,
               "price_peak_multiple": lambda r: r.quantiles("peak_price_multiple"),
               "cost_usd_total": lambda r: r.quantiles("cost_usd_total")}


def sim_fields(sim, *keys: str) -> dict:
    """These keys of ``sim.to_dict()``, read off a :class:`critmin.market.SimulationResult` directly
    (``to_dict`` computes every summary of the result, ~15 ms); ``to_dict`` for any other result."""
    try:
        return {k: _SIM_FIELDS[k](sim) for k in keys}
    except AttributeError:
        return sim.to_dict()


def price_fan(sim) -> go.Figure:
    """Fan chart of the price multiple P/P0 per month of a simulated disruption.

    Parameters
    ----------
    sim : critmin.market.SimulationResult
        The market simulator's result (``price_band()``: p05, p50, p95, mean per month).

    Returns
    -------
    plotly.graph_objects.Figure
        The 5-95 % band, the median and the mean of P/P0 [1] per month.
    """
    band = sim.price_band()
    d = sim_fields(sim, "scenario", "runs", "seed", "choke_multiple")
    title = f"{d['scenario']}: price multiple ({d['runs']:,} runs, seed {d['seed']})"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=band["month"], y=band["p95"], mode="lines", line=dict(width=0),
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=band["month"], y=band["p05"], mode="lines", line=dict(width=0),
                             fill="tonexty", fillcolor="rgba(31,78,121,0.18)",
                             name="5–95 % of runs", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=band["month"], y=band["p50"], mode="lines", name="median",
                             line=dict(color="#1F4E79", width=2.5),
                             hovertemplate="month %{x}: median %{y:.2f}× P0<extra></extra>"))
    fig.add_trace(go.Scatter(x=band["month"], y=band["mean"], mode="lines", name="mean",
                             line=dict(color="#C0392B", width=1.5, dash="dot"),
                             hovertemplate="month %{x}: mean %{y:.2f}× P0<extra></extra>"))
    cap = float(d["choke_multiple"])
    if float(band["p95"].max()) >= cap * (1 - 1e-9):
        # what fig.add_hline(y=cap, line=..., annotation_text=..., annotation_position="top left") stores
        _add_layout_items(
            fig, [{"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": cap, "y1": cap, "yref": "y",
                   "line": {"color": "#7f7f7f", "dash": "dash", "width": 1}}],
            [{"text": f"price cap {cap:g}×", "x": 0, "xanchor": "left", "xref": "x domain", "y": cap,
              "yanchor": "bottom", "yref": "y", "showarrow": False}])
    top = max(float(band["p95"].max()), 1.0)
    ticks = [t for t in (0.5, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200) if t <= top * 1.5]
    _layout(fig, title, ytitle="price / baseline price P0 [×]", xtitle="month after the start",
            yaxes={"type": "log", "tickvals": ticks, "ticktext": [f"{t:g}×" for t in ticks]},
            layout={"legend": {"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left", "yanchor": "top"}})
    return fig


def region_shortfall(sim, metric: str = "shortfall_t") -> go.Figure:
    """Per consumer region: median and 5-95 % range over runs of a per-run metric.

    Parameters
    ----------
    sim : critmin.market.SimulationResult
        The market simulator's result (``to_dict()["regions"]``).
    metric : str
        ``shortfall_t`` [t], ``cost_usd`` [USD], ``stock_end_t`` [t], ... (a key of the regions).

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal bars of the median with 5-95 % error bars.
    """
    d = sim_fields(sim, "scenario", "regions")
    regs = [r for r in d["regions"] if isinstance(r.get(metric), dict)]
    unit = metric.rsplit("_", 1)[-1]
    title = f"{d['scenario']}: {metric.rsplit('_', 1)[0].replace('_', ' ')} by region [{unit}]"
    if not regs:
        return _empty(title, f"No {metric} in the result.")
    names = [r.get("name") or r["region"] for r in regs]
    p50 = [r[metric]["p50"] for r in regs]
    lo = [r[metric]["p50"] - r[metric]["p05"] for r in regs]
    hi = [r[metric]["p95"] - r[metric]["p50"] for r in regs]
    fig = go.Figure(go.Bar(
        x=p50, y=names, orientation="h", marker_color="#1F4E79",
        error_x=dict(type="data", symmetric=False, array=hi, arrayminus=lo, color="#555"),
        hovertemplate=f"median %{{x:,.0f}} {unit}<extra></extra>"))
    _layout(fig, title, height=max(220, 70 + 30 * len(names)), xtitle=f"median, 5–95 % [{unit}]",
            legend=False, yaxes={"autorange": "reversed", "gridcolor": "rgba(0,0,0,0)", "zeroline": False},
            xaxes={"tickformat": ","},
            layout={"hovermode": "closest", "margin": {"l": 130, "r": 40, "t": 50, "b": 40}})
    return fig


# --------------------------------------------------------------------------- criticality
def criticality_matrix(points: pd.DataFrame, *, sr_threshold: float, ei_threshold: float,
                       highlight: str | None = None, title: str = "Criticality matrix") -> go.Figure:
    """Economic importance against supply risk, with the critical quadrant shaded.

    Parameters
    ----------
    points : DataFrame
        One row per material: ``label``, ``supply_risk`` [1], ``economic_importance`` [1],
        ``critical`` (bool or None); rows without both scores are left out.
    sr_threshold, ei_threshold : float
        The method's thresholds [1] (:data:`critmin.criticality.eu.SR_THRESHOLD`, ...).
    highlight : str, optional
        Label to emphasise.
    title : str
        Chart title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    df = points.dropna(subset=["supply_risk", "economic_importance"])
    if df.empty:
        return _empty(title, "No material with both supply risk and economic importance.")
    xmax = max(float(df["economic_importance"].max()) * 1.1, ei_threshold * 1.5)
    ymax = max(float(df["supply_risk"].max()) * 1.15, sr_threshold * 2)
    fig = go.Figure()
    fig.add_shape(type="rect", x0=ei_threshold, x1=xmax, y0=sr_threshold, y1=ymax,
                  fillcolor="#fbe5e1", line_width=0, layer="below")
    fig.add_hline(y=sr_threshold, line=dict(color="#C0392B", dash="dash", width=1))
    fig.add_vline(x=ei_threshold, line=dict(color="#C0392B", dash="dash", width=1))
    fig.add_annotation(x=xmax, y=ymax, xanchor="right", yanchor="top", showarrow=False,
                       text=f"critical: SR ≥ {sr_threshold:g} and EI ≥ {ei_threshold:g}",
                       font=dict(size=11, color="#C0392B"))
    hl = df["label"] == highlight if highlight else pd.Series(False, index=df.index)
    for mask, color, size in ((~hl, "#1F4E79", 10), (hl, "#C0392B", 15)):
        g = df[mask]
        if g.empty:
            continue
        fig.add_trace(go.Scatter(
            x=g["economic_importance"], y=g["supply_risk"], mode="markers+text", text=g["label"],
            textposition="top center", marker=dict(size=size, color=color,
                                                   line=dict(width=1, color="#fff")),
            hovertemplate="%{text}: EI %{x:.1f}, SR %{y:.1f}<extra></extra>", showlegend=False))
    _layout(fig, title, height=420, xtitle="economic importance (EI)", ytitle="supply risk (SR)",
            legend=False, xaxes={"range": [0, xmax]}, yaxes={"range": [0, ymax]},
            layout={"hovermode": "closest"})
    return fig
