"""The compact report page (issue 16 item 4: under 5 MB) holds what the verbose one held: each chart's
data and layout (its template written once for the page), each CSV download's exact bytes (stored once,
gzip + base64), each table cell (text cells plain ``<td>``, numbers ``<td class="n">``); and the
common chart layout, merged without plotly's validation, gives the figure ``update_layout`` gave."""

from __future__ import annotations

import json
import re

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly
from plotly.subplots import make_subplots

from critmin.report import style
from critmin.report.provenance import plain_urls
from critmin.report.render import ChartScripts, CsvStore, csv_bytes, figure_html, table_html
from critmin.report.tables import Table

_DEC = json.JSONDecoder()


def _newplot_args(html: str) -> tuple[list, str]:
    """``(data, rest)`` of the one ``Plotly.newPlot(id, data, ...)`` call of an HTML fragment."""
    m = re.search(r"Plotly\.newPlot\(\s*", html)
    _id, pos = _DEC.raw_decode(html, m.end())
    pos = html.index(",", pos) + 1
    while html[pos].isspace():
        pos += 1
    data, pos = _DEC.raw_decode(html, pos)
    pos = html.index(",", pos) + 1
    while html[pos].isspace():
        pos += 1
    return data, html[pos:]


def _old_layout(fig: go.Figure, title: str, *, height: int = 360, ytitle: str = "", xtitle: str = "",
                legend: bool = True) -> go.Figure:
    """The common layout as critmin applied it through plotly's validated updates (before 0.x)."""
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=15)),
        template=dict(layout=dict(colorway=list(style._PALETTE))), font=style._FONT, height=height,
        paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=60, r=20, t=50, b=40),
        hovermode="x unified", showlegend=legend,
        legend=dict(orientation="v", yanchor="top", y=1.0, x=1.02, xanchor="left", font=dict(size=11)))
    fig.update_xaxes(title_text=xtitle, showgrid=False, ticks="outside", linecolor="#bbb", showline=True)
    fig.update_yaxes(title_text=ytitle, gridcolor="#eee", zeroline=True, zerolinecolor="#bbb", showgrid=True)
    return fig


def _figures(layout) -> list[go.Figure]:
    rng = np.random.default_rng(3)
    one = go.Figure()
    for i in range(3):
        one.add_trace(go.Scatter(x=list(range(2000, 2010)), y=rng.random(10), name=f"c{i}", stackgroup="s"))
    layout(one, "Shares <b>&</b> more", ytitle="share [%]")
    one.update_yaxes(range=[0, 100], ticksuffix="%")
    two = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
    two.add_trace(go.Scatter(x=["2020-01", "2020-02"], y=np.array([1.5, 2.5])), row=1, col=1)
    two.add_trace(go.Bar(x=["2020-01", "2020-02"], y=[0.2, 0.9]), row=2, col=1)
    layout(two, "Two panels", height=490, xtitle="month", legend=False)
    two.update_layout(legend=dict(orientation="h", y=-0.12), margin=dict(t=95))
    bar = go.Figure(go.Bar(x=[3.0, 1.0], y=["A", "B"], orientation="h"))
    layout(bar, "Bars", height=220)
    return [one, two, bar]


def test_layout_gives_the_figure_update_layout_gave():
    new, old = _figures(style._layout), _figures(_old_layout)
    for a, b in zip(new, old, strict=True):
        assert a.to_dict() == b.to_dict()
        assert a.layout.template.layout.colorway == style._PALETTE
    assert new[1].layout.xaxis2.title.text == "month" and new[1].layout.yaxis2.gridcolor == "#eee"
    assert new[0].layout.title.text == "Shares <b>&</b> more" and new[0].layout.height == 360
    empty, ref = style._empty("Nothing", "No data."), go.Figure()
    _old_layout(ref, "Nothing", height=220, legend=False)
    ref.add_annotation(text="No data.", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=13, color="#666"))
    ref.update_xaxes(visible=False)
    ref.update_yaxes(visible=False)
    assert empty.to_dict() == ref.to_dict()


def test_layout_extras_equal_the_update_calls_they_replace():
    def panels() -> go.Figure:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
        fig.add_trace(go.Scatter(x=["2020-01", "2020-02"], y=[1.0, 2.0]), row=1, col=1)
        fig.add_trace(go.Bar(x=["2020-01", "2020-02"], y=[0.2, 0.9]), row=2, col=1)
        return fig

    span = [pd.Timestamp("2019-12-16"), pd.Timestamp("2020-03-15")]
    new = style._layout(
        panels(), "Panels", height=490, xtitle="month",
        layout={"legend": {"orientation": "h", "y": -0.12}, "margin": {"t": 95}, "bargap": 0.15,
                "title": {"y": 0.985, "yanchor": "top"}},
        xaxes={"dtick": None, "range": span, "tickformat": ","},
        yaxes={"rangemode": "tozero"},
        axes={"yaxis2": {"title": {"text": "score"}, "range": [0, 1.02], "tickvals": [0, 0.5, 1]}})
    old = _old_layout(panels(), "Panels", height=490, xtitle="month")
    old.update_layout(legend=dict(orientation="h", y=-0.12), margin=dict(t=95), bargap=0.15, title_y=0.985,
                      title_yanchor="top")
    old.update_xaxes(dtick=None, range=span, tickformat=",")
    old.update_yaxes(rangemode="tozero")
    old.update_yaxes(title_text="score", range=[0, 1.02], tickvals=[0, 0.5, 1], row=2, col=1)
    assert new.to_dict() == old.to_dict()
    assert new.layout.yaxis2.title.text == "score" and new.layout.yaxis.title.text == ""
    # shapes and annotations added as plain dicts equal plotly's add_shape / add_annotation
    a, b = go.Figure(), go.Figure()
    a.add_shape(type="line", x0="2020-01", x1="2020-01", y0=0, y1=1, xref="x", yref="y domain",
                line=dict(color="#999", width=1, dash="dot"), layer="below")
    a.add_annotation(x="2020-01", y=1.0, yref="paper", xref="x", text="-12%", showarrow=False,
                     font=dict(size=10, color="#666"))
    style._add_layout_items(b, [{"type": "line", "x0": "2020-01", "x1": "2020-01", "y0": 0, "y1": 1,
                                 "xref": "x", "yref": "y domain",
                                 "line": {"color": "#999", "width": 1, "dash": "dot"}, "layer": "below"}],
                            [{"x": "2020-01", "y": 1.0, "yref": "paper", "xref": "x", "text": "-12%",
                              "showarrow": False, "font": {"size": 10, "color": "#666"}}])
    assert a.to_dict() == b.to_dict()
    assert b.layout.shapes[0].line.dash == "dot" and b.layout.annotations[0].text == "-12%"


def test_charts_hold_plotlys_figure_with_the_template_once():
    figs = _figures(style._layout)
    charts = ChartScripts()
    parts = [charts.figure(f, f"fig-{i}") for i, f in enumerate(figs)]
    head = charts.head_script()
    templates = json.loads(re.search(r"var critminTemplates=(\[.*?\]);function", head).group(1))
    assert len(templates) == 1  # one template shared by every chart
    assert templates[0] == json.loads(to_json_plotly(figs[0].to_dict()["layout"]["template"]))
    config = json.loads(re.search(r"var critminConfig=(\{.*?\});", head).group(1))
    assert config == {**style.PLOTLY_CONFIG, "responsive": True}
    for i, (f, part) in enumerate(zip(figs, parts, strict=True)):
        ref_data, ref_rest = _newplot_args(figure_html(f, f"fig-{i}"))
        data, rest = _newplot_args(part)
        assert data == ref_data  # numbers base64-encoded by plotly as before
        ref_layout, _ = _DEC.raw_decode(ref_rest)
        assert rest.startswith("critminLayout(")
        layout, pos = _DEC.raw_decode(rest, len("critminLayout("))
        assert rest[pos:].startswith(",0),critminConfig)")
        assert {**layout, "template": templates[0]} == ref_layout
        height = f.layout.height
        assert part.startswith(f'<div style="height:{height}px;width:100%"><div id="fig-{i}" '
                               'class="plotly-graph-div" style="height:100%;width:100%"></div><script>')
        assert "\\u003cb\\u003e" in part or i != 0  # "<b>" escaped inside <script> as plotly does
    # a figure with another template gets a second entry; one without keeps no template
    other = go.Figure(go.Bar(x=[1], y=[2]), layout=dict(template="simple_white"))
    assert ",1),critminConfig)" in charts.figure(other, "fig-other")
    bare = go.Figure(go.Bar(x=[1], y=[2]))
    bare.layout.template = None
    assert "critminLayout" not in charts.figure(bare, "fig-bare")


def _table() -> Table:
    df = pd.DataFrame({"name": ["China", "A & B <x>", "see https://example.org/p"],
                       "share": [0.6912, None, 0.05], "t": [1234567.0, 5.0, float("nan")]})
    return Table("t_demo", "Demo", df, {"name": ("country", "text"), "share": ("share", "pct"),
                                       "t": ("quantity [t]", "int")})


def test_table_html_is_compact_and_escaped():
    assert str(table_html(_table())) == (
        '<thead><tr><th>country<th class="n">share<th class="n">quantity [t]</thead>'
        '<tbody><tr><td>China<td class="n">69.1%<td class="n">1,234,567'
        '<tr><td>A &amp; B &lt;x&gt;<td class="n">—<td class="n">5.00'
        '<tr><td>see example.org/p<td class="n">5.0%<td class="n">—</tbody>')
    # markup stays markup; quotes are escaped as jinja escapes them
    t = Table("q", "Q", pd.DataFrame({"a": ['say "hi" & \'bye\''], "b": [1.0]}),
              {"a": ("a", "text"), "b": ("b", "num1")})
    assert str(table_html(t)) == ('<thead><tr><th>a<th class="n">b</thead><tbody><tr>'
                                  '<td>say &#34;hi&#34; &amp; &#39;bye&#39;<td class="n">1.0</tbody>')
    # the same cells as the template's jinja loop wrote them (autoescape, the nolink filter)
    env = jinja2.Environment(autoescape=True)
    env.filters["nolink"] = plain_urls
    ref = env.from_string("{% for row in rows %}{% for c in row %}[{{ c|nolink }}]{% endfor %}{% endfor %}")
    for tab in (_table(), t):
        cells = re.findall(r"<td[^>]*>(.*?)(?=<td|<tr|</tbody>)", str(table_html(tab)))
        assert "".join(f"[{c}]" for c in cells) == ref.render(rows=tab.rows())


def test_csv_store_keeps_each_file_once_with_its_exact_bytes():
    t = _table()
    same = Table("t_copy", "Copy", t.data.copy(), t.columns)
    other = Table("t_other", "Other", t.data.head(1), t.columns)
    store = CsvStore()
    k1, k2, k3 = store.add(t), store.add(same), store.add(other)
    assert k1 == k2 != k3 and len(store) == 2
    files = json.loads(store.json())
    assert CsvStore.decode(files[k1]) == csv_bytes(t) == ("\ufeffname,share,t\nChina,0.6912,1234567\n"
                                                          'A & B <x>,,5\nsee https://example.org/p,0.05,\n'
                                                          ).encode("utf-8")
    assert CsvStore.decode(files[k3]) == csv_bytes(other)
    assert "<" not in store.json()
    again = CsvStore()
    again.add(t)
    assert json.loads(again.json())["0"] == files[k1]  # deterministic (gzip without a time stamp)
