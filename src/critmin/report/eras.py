"""The concentration of each era, from that era's data (issue 19): the exporter's share of world
production in the year of each of its export controls (the catalogue of :mod:`critmin.monitor.events`),
in every edition that covers the year.

The report's history states the share of the time ("China mined 98.0 % of world rare-earth oxide in
2010, when the quota was cut: World Mining Data; 98.2 % in BGS"), next to today's with its own source,
never today's share told of the past. :func:`event_shares` reads the data (one
:func:`critmin.supply.supply` table per event year, its edition by source precedence: USGS editions, then
World Mining Data, then BGS), :func:`latest_share` the latest year's; :func:`era_note` writes the
sentence and :func:`mark_eras` marks the years on a chart of shares over time. Any face may call them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from critmin.countries import display_name
from critmin.errors import CritminError

__all__ = ["EraShare", "event_shares", "latest_share", "era_note", "mark_eras"]


@dataclass(frozen=True)
class EraShare:
    """The exporter's share of world production in the year of one of its export controls.

    Attributes
    ----------
    event : str
        Id of the event in the export-control catalogue (``chn-2010-rare-earth-quota-h2``).
    kind : str
        ``quota``, ``licence``, ``ban``...
    effective : pandas.Timestamp
        When the control took effect.
    year : int
        The production year (the year it took effect).
    share : float
        The exporter's share of world production that year in ``edition`` [1] (of the published world
        total, else of the country sum).
    other_editions : tuple of (str, str, float)
        (edition, source, share [1]) of the other editions covering the year, by precedence.
    """

    event: str
    kind: str
    effective: pd.Timestamp
    exporter: str
    commodity: str
    stage: str
    product: str
    year: int
    edition: str
    source: str
    share: float
    other_editions: tuple[tuple[str, str, float], ...] = ()

    def text(self) -> str:
        """``98.0 % in 2010 (the quota of July 2010; WMD-1984-2017; 98.2 % in BGS-WMS)``; for the
        latest year (``kind == "latest"``) ``69.2 % in 2025 (the latest year; MCS2026)``."""
        others = "".join(f"; {s:.1%} in {e}" for e, _, s in self.other_editions if not math.isnan(s))
        when = ("the latest year with data" if self.kind == "latest"
                else f"the {self.kind} of {self.effective:%B %Y}")
        return f"{self.share:.1%} in {self.year} ({when}; {self.edition}{others})"


def event_shares(commodity: str, *, stage: str | None = None, warehouse) -> list[EraShare]:
    """The exporter's share of world production in the year of each export control of the commodity.

    Parameters
    ----------
    commodity : str
        Catalogue id (``rare-earths``).
    stage : str, optional
        Production stage (default: the commodity's).
    warehouse : critmin.warehouse.Warehouse
        Where the production data live.

    Returns
    -------
    list of EraShare
        One per exporter and year (the first restrictive event of the year that took effect), oldest
        first; years without production by country, and exporters that produce nothing that year, are
        left out.
    """
    from critmin.monitor.events import events

    cat = events()
    took_effect = cat["ended"].isna() | (cat["ended"] >= cat["effective"])
    cat = cat[cat["restrictive"] & took_effect & cat["commodities"].map(lambda cs: commodity in cs)]
    out: list[EraShare] = []
    seen: set[tuple[str, int]] = set()
    for ev in cat.sort_values("effective").itertuples(index=False):
        year = int(ev.effective.year)
        if (ev.exporter, year) in seen:
            continue
        seen.add((ev.exporter, year))
        share = _year_share(commodity, year, stage, ev.exporter, ev.id, ev.kind, ev.effective, warehouse)
        if share is not None:
            out.append(share)
    return out


def latest_share(commodity: str, exporter: str, *, stage: str | None = None,
                 warehouse) -> EraShare | None:
    """The exporter's share of world production in the latest year with production by country (today's
    concentration, to set beside the era's), ``kind == "latest"``; None without data or output.

    Parameters
    ----------
    commodity : str
        Catalogue id (``rare-earths``).
    exporter : str
        ISO3 code of the exporter (``CHN``).
    stage : str, optional
        Production stage (default: the commodity's).
    warehouse : critmin.warehouse.Warehouse
        Where the production data live.

    Returns
    -------
    EraShare or None
        The share [1] in the edition that source precedence picks, with the other editions covering
        the year.
    """
    return _year_share(commodity, None, stage, exporter, "", "latest", pd.NaT, warehouse)


def _year_share(commodity: str, year: int | None, stage: str | None, exporter: str, event: str, kind: str,
                effective, warehouse) -> EraShare | None:
    from critmin.supply import supply

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = supply(commodity, year=year, stage=stage, warehouse=warehouse)
    except CritminError:
        return None
    shares = {ed: (src, _share(t, exporter)) for ed, (src, t) in s.edition_tables.items()}
    share = shares.get(s.edition, (s.source, _share(s.table, exporter)))[1]
    if math.isnan(share) or share <= 0:
        return None
    others = tuple((e["edition"], e["source"], shares.get(e["edition"], ("", math.nan))[1])
                   for e in s.other_editions)
    return EraShare(event, kind, effective, exporter, s.commodity, s.stage, s.product, int(s.year),
                    s.edition, s.source, share, others)


def _share(table: pd.DataFrame, country: str) -> float:
    rows = table[table["country"] == country]
    return float(rows["share"].sum()) if len(rows) and rows["share"].notna().any() else math.nan


def era_note(shares: list[EraShare], latest: list[EraShare] | None = None) -> str:
    """One sentence per exporter: its share of world production at each of its export controls, from
    the data of each year, then today's (``latest``: the latest year with data, each with its source;
    said of the latest control when that took effect in the latest year) ("" without any control)."""
    parts = []
    for exporter in dict.fromkeys(s.exporter for s in shares):
        mine = [s for s in shares if s.exporter == exporter]
        now = next((x for x in latest or [] if x.exporter == exporter), None)
        text = (f"{display_name(exporter)}'s share of world {mine[0].stage} production when its "
                f"export controls took effect, from the data of each year: "
                + ", ".join(s.text() for s in mine))
        if now is not None and now.year == mine[-1].year:
            text += f"; the {now.year} share is today's (the latest year with data)"
        elif now is not None:
            text += f"; today: {now.text()}"
        parts.append(text + ".")
    return " ".join(parts)


def mark_eras(fig: go.Figure, shares: list[EraShare], *,
              years: tuple[int, int] | None = None) -> go.Figure:
    """Mark each export control's year on a chart of shares over time (a dotted line labelled
    ``CHN quota 2010: 98.0 %``); returns the figure."""
    for s in shares:
        if years is not None and not years[0] <= s.year <= years[1]:
            continue
        fig.add_vline(x=float(s.year), line_dash="dot", line_width=1, line_color="#8B0000",
                      annotation_text=f"{s.exporter} {s.kind} {s.year}: {s.share:.1%}",
                      annotation_position="bottom left", annotation_font_size=10)
    return fig
