"""Charts of the outlook and build-cost parts of the report and the dashboard.

Like :mod:`critmin.report.charts`, each function arranges what the public API computed into a
:class:`plotly.graph_objects.Figure` and computes no metric:

* :func:`outlook_supply` — IEA supply by country per stage (:class:`critmin.outlook.OutlookResult`),
  stacked bars at IEA's own years (years between are not drawn: IEA gives none);
* :func:`outlook_demand` — total demand per IEA scenario with the supply of each stage;
* :func:`outlook_balance` — supply minus demand per stage, year and scenario;
* :func:`sweep_shortfall` — the shortfall of a start-year scenario against added capacity
  (:class:`critmin.market.SweepResult`), its 5–95 % band and where the median halves;
* :func:`build_cost_curve` — a stock's purchase cost with market impact against the months it is
  bought over (:meth:`critmin.stockpile.build.BuildPlan.to_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from critmin.report.style import _OTHER_COLOR, _empty, _layout, country_colors, display_name

__all__ = ["SCENARIO_COLORS", "STAGE_LABELS", "outlook_supply", "outlook_demand", "outlook_balance",
           "sweep_shortfall", "build_cost_curve"]

#: One colour per IEA demand scenario.
SCENARIO_COLORS = {"STEPS": "#1F4E79", "APS": "#E69F00", "NZE": "#009E73"}

#: Display names of the stages.
STAGE_LABELS = {"mine": "mining", "refinery": "refining"}

_MUSD = 1e6


def _stage(s: str) -> str:
    return STAGE_LABELS.get(s, s)


def outlook_supply(res, *, top: int = 6, colors: Mapping[str, str] | None = None) -> go.Figure:
    """IEA supply by country, one panel per stage, stacked bars at IEA's years.

    Parameters
    ----------
    res : critmin.outlook.OutlookResult
        :func:`critmin.outlook.outlook`'s result (supply is IEA's base case in every scenario).
    top : int
        Countries named per stage (by their output in the last supply year); the rest are summed into
        "other countries" together with IEA's "Rest of world".
    colors : mapping of ISO3 to colour, optional

    Returns
    -------
    plotly.graph_objects.Figure
        ``quantity_t`` [t/yr] per stage, year and country, as :attr:`OutlookResult.supply` gives it.
    """
    title = f"{res.name}: supply by country and stage, IEA base case ({res.edition})"
    sup = res.supply
    stages = res.stage_names
    if sup.empty or not stages:
        return _empty(title, "IEA gives no supply by country for this commodity.")
    fig = make_subplots(rows=1, cols=len(stages), shared_yaxes=True,
                        subplot_titles=[_stage(s) for s in stages], horizontal_spacing=0.06)
    named: dict[str, list[str]] = {}
    for s in stages:
        d = sup[sup["stage"] == s]
        last = d[d["year"] == d["year"].max()].sort_values("quantity_t", ascending=False)
        named[s] = [c for c in last["country"] if c != "OTH"][:top]
    order = list(dict.fromkeys(c for s in stages for c in named[s]))
    colors = dict(colors or country_colors(order))
    shown: set[str] = set()
    for i, s in enumerate(stages, start=1):
        d = sup[sup["stage"] == s]
        years = sorted(int(y) for y in d["year"].unique())
        xs = [str(y) for y in years]
        for c in order:
            if c not in named[s]:
                continue
            q = d[d["country"] == c].set_index("year")["quantity_t"]
            fig.add_trace(go.Bar(x=xs, y=[float(q.get(y, 0.0)) for y in years], name=display_name(c),
                                 legendgroup=c, showlegend=c not in shown,
                                 marker_color=colors.get(c, "#888"),
                                 hovertemplate=f"{display_name(c)} {_stage(s)} %{{x}}: %{{y:,.0f}} t"
                                               "<extra></extra>"), row=1, col=i)
            shown.add(c)
        rest = d[~d["country"].isin(named[s])].groupby("year")["quantity_t"].sum()
        fig.add_trace(go.Bar(x=xs, y=[float(rest.get(y, 0.0)) for y in years], name="other countries",
                             legendgroup="OTH", showlegend="OTH" not in shown, marker_color=_OTHER_COLOR,
                             hovertemplate=f"other countries (incl. Rest of world) {_stage(s)} %{{x}}: "
                                           "%{y:,.0f} t<extra></extra>"), row=1, col=i)
        shown.add("OTH")
    basis = "; ".join(dict.fromkeys(str(res.basis.get(s, "")) for s in stages if res.basis.get(s)))
    _layout(fig, title, height=400, ytitle=f"t/yr ({basis})" if basis else "t/yr",
            layout={"barmode": "stack", "hovermode": "closest"})
    return fig


def outlook_demand(results: Mapping[str, object]) -> go.Figure:
    """Total demand per IEA scenario, with each stage's supply (base case) as markers.

    Parameters
    ----------
    results : mapping of scenario to critmin.outlook.OutlookResult
        One outlook per scenario (STEPS, APS, NZE as IEA gives them).

    Returns
    -------
    plotly.graph_objects.Figure
        Demand [t/yr] per year and scenario (:func:`critmin.outlook.demand_totals` of each result, as
        its ``balance`` and ``to_dict`` use it) and ``supply_t`` per stage and year.
    """
    from critmin.outlook import demand_totals

    first = next(iter(results.values()), None)
    title = f"{first.name}: demand by IEA scenario and supply by stage" if first else "Demand"
    if first is None:
        return _empty(title, "No IEA outlook.")
    fig = go.Figure()
    for scen, res in results.items():
        dem = demand_totals(res.demand).dropna()
        if not len(dem):
            continue
        ys = sorted(int(y) for y in dem.index)
        fig.add_trace(go.Scatter(x=ys, y=[float(dem[y]) for y in ys], mode="lines+markers",
                                 name=f"demand, {scen}", line=dict(color=SCENARIO_COLORS.get(scen, "#555"),
                                                                   width=2.5),
                                 hovertemplate=f"{scen} demand %{{x}}: %{{y:,.0f}} t<extra></extra>"))
    symbols = {"mine": "square", "refinery": "diamond"}
    for s in first.stage_names:
        st_ = first.stages[first.stages["stage"] == s].sort_values("year")
        fig.add_trace(go.Scatter(x=st_["year"].astype(int).tolist(), y=st_["supply_t"].astype(float).tolist(),
                                 mode="markers+lines", name=f"supply, {_stage(s)}",
                                 line=dict(color="#444", dash="dot", width=1),
                                 marker=dict(symbol=symbols.get(s, "circle"), size=10, color="#444"),
                                 hovertemplate=f"{_stage(s)} supply %{{x}}: %{{y:,.0f}} t<extra></extra>"))
    basis = first.basis.get("demand") or ""
    _layout(fig, title, ytitle=f"t/yr ({basis})" if basis else "t/yr", xtitle="year")
    fig.update_layout(hovermode="closest")
    return fig


def outlook_balance(results: Mapping[str, object]) -> go.Figure:
    """Supply minus demand per stage, year and IEA scenario (grouped bars).

    Parameters
    ----------
    results : mapping of scenario to critmin.outlook.OutlookResult

    Returns
    -------
    plotly.graph_objects.Figure
        ``balance_t`` [t/yr] of each result's ``balance`` table.
    """
    first = next(iter(results.values()), None)
    title = (f"{first.name}: balance (supply − demand) by stage and IEA scenario" if first else "Balance")
    if first is None or first.balance.empty:
        return _empty(title, "IEA gives no supply and demand to compare.")
    stages = first.stage_names
    fig = make_subplots(rows=1, cols=len(stages), shared_yaxes=True,
                        subplot_titles=[_stage(s) for s in stages], horizontal_spacing=0.06)
    for i, s in enumerate(stages, start=1):
        for scen, res in results.items():
            b = res.balance[(res.balance["stage"] == s) & res.balance["balance_t"].notna()]
            b = b.sort_values("year")
            fig.add_trace(go.Bar(x=b["year"].astype(int).astype(str).tolist(),
                                 y=b["balance_t"].astype(float).tolist(), name=scen, legendgroup=scen,
                                 showlegend=i == 1, marker_color=SCENARIO_COLORS.get(scen, "#555"),
                                 customdata=b["balance_share"].astype(float).tolist(),
                                 hovertemplate=f"{scen} {_stage(s)} %{{x}}: %{{y:,.0f}} t "
                                               "(%{customdata:+.0%} of demand)<extra></extra>"),
                          row=1, col=i)
    _layout(fig, title, height=380, ytitle="supply − demand [t/yr]",
            layout={"barmode": "group", "hovermode": "closest"})
    return fig


def sweep_shortfall(res) -> go.Figure:
    """Shortfall of a start-year scenario against capacity added outside the exporter.

    Parameters
    ----------
    res : critmin.market.SweepResult
        :func:`critmin.market.run_sweep`'s result.

    Returns
    -------
    plotly.graph_objects.Figure
        Median shortfall [t] per swept value [t/yr] with its 5–95 % band (``points[*]["shortfall_t"]``),
        and the value at which the median halves (:attr:`SweepResult.halving_t_per_year`).
    """
    pts = res.points
    title = (f"{res.spec.name}: shortfall against new capacity in {display_name(res.sweep.target)} "
             f"({_stage(res.stage)})")
    if not pts:
        return _empty(title, "No sweep values.")
    x = [p["value"] for p in pts]
    lo = [p["shortfall_t"]["p05"] for p in pts]
    hi = [p["shortfall_t"]["p95"] for p in pts]
    mid = [p["shortfall_t"]["p50"] for p in pts]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=hi + lo[::-1], fill="toself", fillcolor="rgba(31,78,121,0.15)",
                             line=dict(width=0), name="5–95 % of runs", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=mid, mode="lines+markers", name="median shortfall",
                             line=dict(color="#1F4E79", width=2.5),
                             hovertemplate="%{x:,.0f} t/yr added: median shortfall %{y:,.0f} t"
                                           "<extra></extra>"))
    half = res.halving_t_per_year
    if mid[0] > 0:
        fig.add_hline(y=0.5 * mid[0], line=dict(color="#888", dash="dot", width=1),
                      annotation_text="half the shortfall without new capacity",
                      annotation_position="top right", annotation_font_size=11)
    if half is not None:
        fig.add_vline(x=half, line=dict(color="#C0392B", dash="dash", width=1.5),
                      annotation_text=f"halves at {half:,.0f} t/yr", annotation_position="top left",
                      annotation_font_size=11, annotation_font_color="#C0392B")
    _layout(fig, title, ytitle="shortfall of all regions outside the exporter [t]",
            xtitle=f"capacity added [t/yr, {res.basis}]",
            layout={"hovermode": "closest",
                    "legend": {"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left", "yanchor": "top"}})
    return fig


def build_cost_curve(build: Mapping, *, material: str = "", region: str = "") -> go.Figure:
    """A stock's purchase cost with market impact against the months it is bought over.

    Parameters
    ----------
    build : mapping
        :meth:`critmin.stockpile.build.BuildPlan.to_dict` (``MaterialPlan.build``).
    material, region : str
        For the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Per schedule [months]: cost with impact (mean, 5–95 % band), cost at today's price, and the
        total with the holding cost of buying early [million USD]; the cheapest schedule marked.
    """
    curve = list(build.get("curve") or [])
    who = f"{material}, {display_name(region)}: " if material else ""
    title = (f"{who}cost of building a {build.get('stock_t', 0):,.0f} t stock against the months it is "
             "bought over")
    if not curve:
        return _empty(title, "No build schedule priced.")
    m = [c["months"] for c in curve]
    mean = [c["cost_with_impact_usd"]["mean"] / _MUSD for c in curve]
    lo = [c["cost_with_impact_usd"]["p05"] / _MUSD for c in curve]
    hi = [c["cost_with_impact_usd"]["p95"] / _MUSD for c in curve]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=m + m[::-1], y=hi + lo[::-1], fill="toself", fillcolor="rgba(192,57,43,0.12)",
                             line=dict(width=0), name="5–95 % of runs", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=m, y=mean, mode="lines+markers", name="purchase cost with impact (mean)",
                             line=dict(color="#C0392B", width=2.5),
                             hovertemplate="%{x:g} months: %{y:,.1f} M USD<extra></extra>"))
    fig.add_trace(go.Scatter(x=m, y=[c["total_usd"] / _MUSD for c in curve], mode="lines",
                             name="plus holding cost of buying early", line=dict(color="#555", dash="dash"),
                             hovertemplate="%{x:g} months: total %{y:,.1f} M USD<extra></extra>"))
    fig.add_trace(go.Scatter(x=m, y=[c["cost_at_p0_usd"] / _MUSD for c in curve], mode="lines",
                             name="at today's price", line=dict(color="#1F4E79", dash="dot"),
                             hovertemplate="at today's price: %{y:,.1f} M USD<extra></extra>"))
    best = build.get("optimal") or {}
    if best:
        fig.add_trace(go.Scatter(x=[best["months"]], y=[best["total_usd"] / _MUSD], mode="markers",
                                 name=f"cheapest schedule ({best['months']:g} months)",
                                 marker=dict(color="#E69F00", size=12, symbol="diamond"),
                                 hovertemplate="cheapest: %{x:g} months, total %{y:,.1f} M USD"
                                               "<extra></extra>"))
    _layout(fig, title, ytitle="million USD", xtitle="months the stock is bought over",
            xaxes={"type": "log", "tickvals": list(m), "ticktext": [f"{v:g}" for v in m]},
            layout={"hovermode": "closest",
                    "legend": {"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left", "yanchor": "top"}})
    return fig
