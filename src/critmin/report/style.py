"""The report's and dashboard's visual vocabulary: plotly configuration, colours per country, short
country names, the HHI bands as chart edges and words, and the common figure layout."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import lru_cache

import plotly.graph_objects as go

from critmin.countries import display_name  # the one display name (re-exported here)
from critmin.supply.concentration import hhi_band

__all__ = ["PLOTLY_CONFIG", "country_colors", "display_name", "hhi_band_edges", "hhi_band_text"]

#: plotly.js configuration for every chart: no plotly logo or cloud link, PNG export in the mode bar.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

# Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau 10 muted tones).
_PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#8c564b",
    "#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
)
# Producers that appear in many commodities keep one colour everywhere.
_FIXED = {"CHN": "#C0392B", "USA": "#1F4E79", "AUS": "#E69F00", "RUS": "#7f7f7f",
          "COD": "#009E73", "OTH": "#c8c8c8"}
_OTHER_COLOR = "#d9d9d9"

_FONT = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=12, color="#222")


def country_colors(countries: Iterable[str]) -> dict[str, str]:
    """One colour per country, stable for a given set of countries.

    Major producers (China, the United States, Australia, Russia, DR Congo) keep a fixed colour; the
    others take the palette in the order given (pass them largest first).
    """
    out: dict[str, str] = {}
    free = [c for c in _PALETTE if c not in _FIXED.values()]
    i = 0
    for c in countries:
        if c in out:
            continue
        if c in _FIXED:
            out[c] = _FIXED[c]
        else:
            out[c] = free[i % len(free)]
            i += 1
    return out


@lru_cache(maxsize=1)
def hhi_band_edges() -> tuple[tuple[float, float, str], ...]:
    """The concentration bands of :func:`critmin.supply.concentration.hhi_band` as
    ``(from, to, band)`` in HHI points [0-10,000], read off the function itself so charts and labels
    always agree."""
    edges: list[tuple[float, float, str]] = []
    start, current = 0, hhi_band(0.0)
    for p in range(1, 10_001):
        b = hhi_band(p / 10_000)
        if b != current:
            edges.append((start, p, current))
            start, current = p, b
    edges.append((start, 10_000, current))
    return tuple(edges)


def hhi_band_text() -> str:
    """The concentration bands in words (``low below 1,500, moderate 1,500–2,500, high above 2,500
    points``), from :func:`hhi_band_edges`."""
    edges = hhi_band_edges()
    parts = []
    for i, (lo, hi, band) in enumerate(edges):
        if i == 0:
            parts.append(f"{band} below {hi:,.0f}")
        elif i == len(edges) - 1:
            parts.append(f"{band} above {lo - 1:,.0f}")
        else:
            parts.append(f"{band} {lo:,.0f}–{hi - 1:,.0f}")
    return ", ".join(parts) + " points"


def _merge(into: dict, new: dict, *, keep_none: bool = False) -> dict:
    """``into`` updated in place by ``new`` as plotly's ``update`` does: nested dicts merged key by key,
    None removing the key (kept as None with ``keep_none``, for a later merge to remove), anything
    else replaced."""
    for k, v in new.items():
        if v is None and not keep_none:  # plotly: setting a property to None removes it
            into.pop(k, None)
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v, keep_none=keep_none)
        else:
            into[k] = v
    return into


def _set_layout(fig: go.Figure, updates: dict[str, dict | object]) -> None:
    """Merge known-good values into the figure's layout without plotly's per-property validation.

    ``fig.update_layout`` validates every property path and dispatches a relayout through the figure:
    ~10 ms per call, a third of the time the report spent on charts. The values here are constants of
    this module (checked against plotly's validators by the tests: same figure dict as
    ``update_layout``), so each top-level property is merged as a plain dict and stored as plotly
    stores a validated one. The layout's graph objects are rebuilt from it on access.
    """
    props = fig.layout._props
    layout = fig.layout
    validate = layout._validate
    layout._validate = False  # plotly's own switch (used to set the default template)
    try:
        for k, v in updates.items():
            cur = props.get(k) if props is not None else None
            if isinstance(v, dict):
                layout[k] = _merge(cur if isinstance(cur, dict) else {}, v)
            elif v is not None:
                layout[k] = v
    finally:
        layout._validate = validate
    for k, v in updates.items():
        if v is None:  # removing a property: plotly's own (validated) path
            layout[k] = None


def _add_layout_items(fig: go.Figure, shapes: list[dict] | None = None,
                      annotations: list[dict] | None = None) -> None:
    """Append shapes and annotations, given as the plain dicts ``fig.add_shape``/``add_annotation``
    store (known-good values of this package), in one step after the figure's own, without plotly's
    per-item validation and relayout (~5-15 ms an item)."""
    props = fig.layout._props or {}
    updates: dict[str, object] = {}
    if shapes:
        updates["shapes"] = [*(props.get("shapes") or ()), *shapes]
    if annotations:
        updates["annotations"] = [*(props.get("annotations") or ()), *annotations]
    if updates:
        _set_layout(fig, updates)


_AXIS_KEY = re.compile(r"^[xy]axis\d*$")


def _layout(fig: go.Figure, title: str, *, height: int = 360, ytitle: str = "", xtitle: str = "",
            legend: bool = True, layout: dict | None = None, xaxes: dict | None = None,
            yaxes: dict | None = None, axes: dict[str, dict] | None = None) -> go.Figure:
    """The common look of every chart, and a chart's own layout, in one step; returns the figure.

    The common look: title, font, white background, margins, legend on the right, x axes with ticks
    and no grid, y axes with a light grid (every x and y axis of the figure, as
    ``fig.update_xaxes``/``update_yaxes`` would), the palette as the colour way of the figure's
    template. Then, as ``fig.update_layout(**layout)``, ``fig.update_xaxes(**xaxes)``,
    ``fig.update_yaxes(**yaxes)`` and per-axis updates (``axes``: ``{"yaxis2": {...}}``) would, in that
    order: nested dicts merged, None removing a property (no underscore paths such as ``title_y``).
    """
    template = (fig.layout._props or {}).get("template")
    template = dict(template) if isinstance(template, dict) else {}
    template["layout"] = {**template.get("layout", {}), "colorway": list(_PALETTE)}
    updates: dict[str, object] = {
        "template": template,
        "title": {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        "font": dict(_FONT), "height": height, "paper_bgcolor": "white", "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40}, "hovermode": "x unified",
        "showlegend": legend,
        "legend": {"orientation": "v", "yanchor": "top", "y": 1.0, "x": 1.02, "xanchor": "left",
                   "font": {"size": 11}},
    }
    if layout:
        _merge(updates, copy.deepcopy(layout), keep_none=True)
    keys = sorted({"xaxis", "yaxis", *(k for k in (fig.layout._props or {}) if _AXIS_KEY.match(k))})
    for k in keys:
        if k.startswith("x"):
            ax = {"title": {"text": xtitle}, "showgrid": False, "ticks": "outside", "linecolor": "#bbb",
                  "showline": True}
            _merge(ax, copy.deepcopy(xaxes or {}), keep_none=True)
        else:
            ax = {"title": {"text": ytitle}, "gridcolor": "#eee", "zeroline": True,
                  "zerolinecolor": "#bbb", "showgrid": True}
            _merge(ax, copy.deepcopy(yaxes or {}), keep_none=True)
        if axes and k in axes:
            _merge(ax, copy.deepcopy(axes[k]), keep_none=True)
        updates[k] = ax
    _set_layout(fig, updates)
    return fig


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    _layout(fig, title, height=220, legend=False)
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=13, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
