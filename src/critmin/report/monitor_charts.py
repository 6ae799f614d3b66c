"""The restriction monitor's charts (:func:`critmin.monitor.monitor` results): the exporter's monthly
exports against their seasonal baseline, the months flagged and their verdicts, the change points and the
known export-control events. Shared by the report and the dashboard (also as
``critmin.report.charts.monitor_exports``).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from critmin.report.style import _add_layout_items, _empty, _layout, display_name

__all__ = ["EVENT_COLOR", "VERDICT_COLORS", "flagged_months", "monitor_exports"]


#: One colour per verdict of :mod:`critmin.monitor.verdict`, in every monitor chart and table.
VERDICT_COLORS = {"restriction-like": "#C0392B", "ambiguous": "#E69F00", "demand-like": "#0072B2",
                  "cannot tell: the line mixes controlled and uncontrolled products": "#8E44AD",
                  "no fall": "#9E9E9E"}
_VERDICT_SYMBOLS = {"restriction-like": "triangle-down", "ambiguous": "diamond", "demand-like": "circle",
                    "cannot tell: the line mixes controlled and uncontrolled products": "square",
                    "no fall": "circle-open"}
_VERDICT_LEGEND = {"cannot tell: the line mixes controlled and uncontrolled products":
                   "fall on a partly controlled line (cannot tell)"}
#: Colour of the known export-control events marked on the monitor chart.
EVENT_COLOR = "#6A1B9A"


def _rule():
    from critmin.monitor.verdict import VerdictRule

    return VerdictRule()


def flagged_months(months: pd.DataFrame, *, min_fall: float | None = None) -> pd.DataFrame:
    """The months a monitor chart marks: restriction-like months and every assessed month with a
    substantial fall (the monitor's ``fall`` at least the verdict rule's ``min_fall``), whatever its
    verdict.

    Parameters
    ----------
    months : DataFrame
        ``MonitorResult.months`` (``month``, ``fall``, ``score``, ``verdict``, ...).
    min_fall : float, optional
        Default: :attr:`critmin.monitor.VerdictRule.min_fall`.

    Returns
    -------
    DataFrame
        The selected rows of ``months``, in month order.
    """
    if months.empty:
        return months
    min_fall = _rule().min_fall if min_fall is None else min_fall
    fall = months["fall"] if "fall" in months else pd.Series(math.nan, index=months.index)
    assessed = months["score"].notna()
    keep = (months["verdict"] == "restriction-like") | (assessed & (fall >= min_fall))
    return months[keep]


def _pct_text(x: object) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(v) or math.isinf(v):
        return "—"
    return "±0%" if abs(v) < 0.005 else f"{v:+.0%}"


def _add_events(fig: go.Figure, events: list[dict], months: pd.DataFrame) -> None:
    """Known export controls as dashed lines at their effective month on the exports panel, labelled at
    its foot (kind and month; the document on hover); only those inside the chart's months."""
    if not events or months.empty:
        return
    first, last = str(months["month"].iloc[0]), str(months["month"].iloc[-1])
    shown = [e for e in events if first <= str(e["effective"])[:7] <= last]
    if not shown:
        return
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="known export control (in effect)",
                             line=dict(color=EVENT_COLOR, width=1.5, dash="dash"), hoverinfo="skip"),
                  row=1, col=1)
    shapes, notes = [], []  # as fig.add_shape / fig.add_annotation store them, added in one step
    for k, e in enumerate(sorted(shown, key=lambda e: e["effective"])):
        month = str(e["effective"])[:7]
        to = ", ".join(e.get("destinations") or []) or "all"
        shapes.append({"type": "line", "x0": month, "x1": month, "y0": 0, "y1": 1, "xref": "x",
                       "yref": "y domain", "line": {"color": EVENT_COLOR, "width": 1.5, "dash": "dash"},
                       "layer": "below"})
        hover = (f"{e['id']}: {e['document']}; announced {e['announced']}, effective {e['effective']}"
                 + (f", ended {e['ended']}" if e.get("ended") else ""))
        notes.append({"x": month, "y": 0.02 + 0.07 * (k % 3), "xref": "x", "yref": "y domain",
                      "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                      "font": {"size": 10, "color": EVENT_COLOR},
                      "text": f"{e['kind']} {month}" + ("" if to == "all" else f" (to {to})"),
                      "hovertext": hover})
    _add_layout_items(fig, shapes, notes)


def monitor_exports(res, *, title: str | None = None) -> go.Figure:
    """Monthly exports against the seasonal baseline, flagged months, change points and the monthly
    restriction score, as :func:`critmin.monitor.monitor` computed them.

    Parameters
    ----------
    res : critmin.monitor.MonitorResult
        The monitor's result (``months``: quantity, baseline, y/y change, deviation, score and verdict per
        month; ``breaks``; the assessed ``month``).
    title : str, optional
        Chart title (default: exporter, lines and assessed month).

    Returns
    -------
    plotly.graph_objects.Figure
        Top: exports and baseline [t/month] with the restriction-like months and the substantial falls
        (:func:`flagged_months`) marked by verdict, the assessed month circled, change points as dotted
        lines, known export controls (``res.events``, :mod:`critmin.monitor.events`) as dashed lines at
        their effective month. Bottom: restriction score [0-1] per month with the restriction-like
        threshold. For an exporter with a Lunar New Year holiday the baseline of January and February is
        that of the pair's average (the monitor assesses the two months together).
    """
    from plotly.subplots import make_subplots

    rule = _rule()
    m = res.months
    who = display_name(res.exporter)
    title = title or f"{who}: monthly exports of HS {'+'.join(res.hs)} and the restriction score"
    if m is None or m.empty:
        return _empty(title, "No monthly exports.")
    x = m["month"]
    info = pd.DataFrame({
        "yoy": [_pct_text(v) for v in m["yoy_change"]],
        "dev": [_pct_text(v) for v in m["baseline_deviation"]],
        "score": ["—" if pd.isna(v) else f"{v:.2f}" for v in m["score"]],
        "verdict": m["verdict"].astype(str),
    }).to_numpy()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28],
                        vertical_spacing=0.05)
    fig.add_trace(go.Scatter(
        x=x, y=m["baseline_kg"] / 1000, mode="lines", name="seasonal baseline",
        line=dict(color="#7f7f7f", width=1.5, dash="dash"),
        hovertemplate="baseline %{y:,.0f} t<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=x, y=m["quantity_kg"] / 1000, mode="lines", name="exports",
        line=dict(color="#1F4E79", width=2), customdata=info,
        hovertemplate="exports %{y:,.0f} t; y/y %{customdata[0]}, vs baseline %{customdata[1]}; "
                      "score %{customdata[2]} (%{customdata[3]})<extra></extra>"), row=1, col=1)
    flagged = flagged_months(m, min_fall=rule.min_fall)
    for verdict, color in VERDICT_COLORS.items():
        g = flagged[flagged["verdict"] == verdict]
        if g.empty:
            continue
        name = _VERDICT_LEGEND.get(verdict, verdict if verdict == "restriction-like" else f"{verdict} fall")
        fig.add_trace(go.Scatter(
            x=g["month"], y=g["quantity_kg"] / 1000, mode="markers", name=name,
            marker=dict(color=color, size=11, symbol=_VERDICT_SYMBOLS[verdict],
                        line=dict(width=1, color="#fff")),
            hovertemplate=f"{name}<extra></extra>"), row=1, col=1)
    cur = m[m["month"] == res.month]
    if len(cur):
        fig.add_trace(go.Scatter(
            x=cur["month"], y=cur["quantity_kg"] / 1000, mode="markers",
            name=f"assessed month ({res.month})",
            marker=dict(size=17, color="rgba(0,0,0,0)", line=dict(width=2, color="#222")),
            hoverinfo="skip"), row=1, col=1)
    colors = [VERDICT_COLORS.get(v, "#999") for v in m["verdict"]]
    fig.add_trace(go.Bar(
        x=x, y=m["score"], name="restriction score", marker_color=colors, marker_line_width=0,
        showlegend=False, hovertemplate="score %{y:.2f}<extra></extra>"), row=2, col=1)
    # the restriction-like threshold across the score panel: what fig.add_hline(y, line=..., row=2, col=1)
    # stores once the panel has its bars
    at = rule.restriction_at
    _add_layout_items(fig, [{"type": "line", "x0": 0, "x1": 1, "xref": "x2 domain", "y0": at, "y1": at,
                             "yref": "y2", "line": {"color": VERDICT_COLORS["restriction-like"], "width": 1,
                                                    "dash": "dot"}}])
    brk = res.breaks if res.breaks is not None else pd.DataFrame(columns=["month", "size"])
    if len(brk):  # a legend entry for the dotted change-point lines
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="change point (level shift)",
                                 line=dict(color="#999", width=1, dash="dot"), hoverinfo="skip"),
                      row=1, col=1)
    level, prev = 0, None
    shapes, notes = [], []  # as fig.add_shape / fig.add_annotation store them, added in one step
    for r in brk.sort_values("month").itertuples(index=False):
        p = pd.Period(r.month, freq="M")
        # stagger the labels of change points a few months apart so that they do not overlap
        level = (level + 1) % 3 if prev is not None and (p - prev).n < 10 else 0
        prev = p
        shapes.append({"type": "line", "x0": r.month, "x1": r.month, "y0": 0, "y1": 1 + 0.045 * level,
                       "yref": "paper", "xref": "x", "line": {"color": "#999", "width": 1, "dash": "dot"},
                       "layer": "below"})
        notes.append({"x": r.month, "y": 1 + 0.045 * level, "yref": "paper", "xref": "x",
                      "yanchor": "bottom", "text": _pct_text(r.size), "showarrow": False,
                      "font": {"size": 10, "color": "#666"},
                      "hovertext": f"change point {r.month}: level {_pct_text(r.size)}"})
    _add_layout_items(fig, shapes, notes)
    _add_events(fig, getattr(res, "events", None) or [], m)
    xaxes = {"showline": True, "linecolor": "#bbb", "ticks": "outside", "showgrid": False}
    have = m.loc[m["quantity_kg"].notna(), "month"]
    if len(have):  # from the first month with exports (a later line leaves earlier months empty)
        start = (pd.Period(have.iloc[0], freq="M") - 1).to_timestamp(how="start") + pd.Timedelta(days=15)
        end = pd.Period(m["month"].iloc[-1], freq="M").to_timestamp(how="start") + pd.Timedelta(days=45)
        xaxes["range"] = [start, end]
    # the panels: row 1 is yaxis, row 2 yaxis2 (make_subplots above)
    _layout(fig, title, height=490, xaxes=xaxes,
            layout={"legend": {"orientation": "h", "y": -0.12, "x": 0, "xanchor": "left", "yanchor": "top"},
                    "margin": {"l": 70, "r": 20, "t": 95, "b": 40}, "bargap": 0.15,
                    "title": {"y": 0.985, "yanchor": "top"}},
            axes={"yaxis": {"title": {"text": "exports [t/month]"}, "tickformat": ",", "rangemode": "tozero"},
                  "yaxis2": {"title": {"text": "score"}, "range": [0, 1.02],
                             "tickvals": [0, rule.restriction_at, 1]}})
    return fig
