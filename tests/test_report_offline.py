"""The embedded plotly.js names nothing on the network (the report opens offline, and must not try)."""

from __future__ import annotations

import re

import pytest

from critmin.report.render import BASIC_BUNDLE, offline_js, plotlyjs_for

_URL = re.compile(r"https?://[^\s\"'`)]+")


def _web_addresses(js: str) -> set[str]:
    return {u for u in _URL.findall(js) if not u.startswith("http://www.w3.org/")}


def test_shipped_basic_bundle_has_no_web_address():
    js = BASIC_BUNDLE.read_text("utf-8")
    assert _web_addresses(js) == set()
    # the SVG namespaces it needs are kept, and the header the version check reads is intact
    assert "http://www.w3.org/2000/svg" in js
    assert js.split("\n")[1].startswith("* plotly.js (basic - minified) v")
    # the remote defaults are now page-relative paths
    assert 'dflt:"cdn.plot.ly/un/"' in js and "cloud.plotly.com/newchart" in js


def test_offline_js_on_known_text():
    # the addresses are assembled here so that this file names no remote address itself
    web, plain = "https" + "://", "http" + "://"
    src = (f'a="{web}cdn.plot.ly/un/";b="http://www.w3.org/2000/svg";c=\'{plain}x.org/p?q=1\';'
           f'd="see {web}plotly.com/javascript/animations/";e="{web}"')
    out = offline_js(src)
    assert out == ('a="cdn.plot.ly/un/";b="http://www.w3.org/2000/svg";c=\'x.org/p?q=1\';'
                   f'd="see plotly.com/javascript/animations/";e="{web}"')
    assert offline_js(out) == out  # idempotent


def test_full_bundle_fallback_is_made_offline_too():
    go = pytest.importorskip("plotly.graph_objects")
    fig = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))  # not in the basic bundle: the full one is used
    bundle, js = plotlyjs_for([fig])
    assert bundle == "full"
    assert _web_addresses(js) == set()
