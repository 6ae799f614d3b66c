"""``critmin data fetch comtrade|usgs-mcs|wgi``: download the newest public data, only when asked.

Network code is imported inside the commands only, never at import (``import critmin.cli`` loads no fetch
module: a test checks it). The raw bytes are kept in the user cache, then ingested like ``data ingest``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from critmin.cli._app import JsonOpt, data_app, warehouse
from critmin.cli._output import err, handle_errors, out, print_json

fetch_app = typer.Typer(
    help="Download the newest public data (only when asked): raw bytes kept in the user cache, "
         "then ingested like `data ingest`.", no_args_is_help=True)
data_app.add_typer(fetch_app, name="fetch")

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the calls it would make; fetch and "
                                                           "store nothing.")]
RetriesOpt = Annotated[int, typer.Option(help="Retries of a failed call (429, 5xx, timeouts).")]
TimeoutOpt = Annotated[float, typer.Option(help="Timeout of one call, in seconds.")]


def _fetch_client(retries: int, timeout: float, interval: float = 0.0):
    from critmin.sources.fetch._http import HttpClient

    return HttpClient(retries=retries, timeout=timeout, min_interval=interval)


def _fetch_progress(msg: str) -> None:
    err.print(f"[dim]{escape(msg)}[/dim]", highlight=False)


def _fetch_report(res, as_json: bool) -> None:
    if as_json:
        print_json(res.to_dict())
        return
    if res.dry_run:
        out.print(f"dry run ({res.source}): {len(res.calls)} call(s) would be made first; nothing is "
                  "fetched or stored", highlight=False)
        for c in res.calls:  # plain lines: URLs are not wrapped, so they can be copied
            sys.stdout.write(f"GET {c['url']}\n")
        for n in res.notes:
            out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)
        return
    t = Table(title=f"fetched ({res.source})")
    for c in ("file", "records", "outcome", "rows", "edition"):
        t.add_column(c, justify="right" if c in ("records", "rows") else "left",
                     overflow="fold" if c in ("file", "edition") else "ellipsis")
    for f in res.files:
        t.add_row(f.file, "—" if f.records is None else f"{f.records:,}", f.outcome,
                  f"{sum(f.rows.values()):,}", f.edition)
    out.print(t)
    added = {k: v for k, v in res.rows_added.items() if v}
    n_in = sum(f.outcome == "ingested" for f in res.files)
    out.print(f"{len(res.files)} file(s): {n_in} ingested, "
              f"{sum(f.outcome == 'unchanged' for f in res.files)} unchanged, "
              f"{sum(f.outcome == 'empty' for f in res.files)} empty; rows added: "
              + (", ".join(f"{k} {v:,}" for k, v in added.items()) if added else "none"),
              highlight=False)
    for kind in ("unchanged", "empty"):
        shown = [f for f in res.files if f.outcome == kind and f.note]
        for f in shown[:3]:
            out.print(f"[dim]{escape(f.file)}: {escape(f.note)}[/dim]", highlight=False)
        if len(shown) > 3:
            out.print(f"[dim]... and {len(shown) - 3} more {kind}[/dim]", highlight=False)
    for n in res.notes:
        out.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False)
    out.print(f"raw files kept in {escape(str(res.cache))}", highlight=False)


@fetch_app.command("comtrade")
def fetch_comtrade_cmd(
    reporter: Annotated[str, typer.Option(help="Reporting country: ISO3 or name (CHN).")],
    flow: Annotated[str, typer.Option(help="import, export, re-import or re-export.")],
    hs: Annotated[str, typer.Option(help="HS codes, comma-separated (280530,284690,850511).")],
    freq: Annotated[str, typer.Option(help="A (annual) or M (monthly).")],
    period: Annotated[str, typer.Option(help="2018:2024 (annual), 2024-01:2025-12 or 2025 (monthly).")],
    partner: Annotated[str, typer.Option(help="all, or partner countries comma-separated.")] = "all",
    base_url: Annotated[str | None, typer.Option(help="Instead of https://comtradeapi.un.org.")] = None,
    dry_run: DryRunOpt = False,
    retries: RetriesOpt = 3,
    timeout: TimeoutOpt = 60.0,
    interval: Annotated[float, typer.Option(help="Least time between two calls, in seconds.")] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """UN Comtrade: public preview endpoint (500 records a call), or the full one with COMTRADE_API_KEY."""
    from critmin.sources.fetch.comtrade_api import fetch_comtrade

    kw = {"flow": flow, "hs": hs, "freq": freq, "period": period, "partner": partner,
          "base_url": base_url}
    with handle_errors():
        if dry_run:
            res = fetch_comtrade(reporter, **kw, dry_run=True)
        else:
            with warehouse(read_only=False) as wh:
                res = fetch_comtrade(reporter, **kw, warehouse=wh,
                                     client=_fetch_client(retries, timeout, interval),
                                     progress=_fetch_progress)
    _fetch_report(res, as_json)


@fetch_app.command("usgs-mcs")
def fetch_usgs_mcs_cmd(
    edition: Annotated[int, typer.Option(help="MCS edition (2027).")],
    url: Annotated[list[str] | None, typer.Option(help="A data file or ScienceBase item instead of "
                                                       "the default (repeatable).")] = None,
    base_url: Annotated[str | None, typer.Option(help="Instead of https://www.sciencebase.gov.")] = None,
    dry_run: DryRunOpt = False,
    retries: RetriesOpt = 3,
    timeout: TimeoutOpt = 120.0,
    as_json: JsonOpt = False,
) -> None:
    """USGS Mineral Commodity Summaries data release (world production, reserves, salient statistics)."""
    from critmin.sources.fetch.mcs_release import fetch_usgs_mcs

    with handle_errors():
        if dry_run:
            res = fetch_usgs_mcs(edition, urls=url, base_url=base_url, dry_run=True)
        else:
            with warehouse(read_only=False) as wh:
                res = fetch_usgs_mcs(edition, urls=url, base_url=base_url, warehouse=wh,
                                     client=_fetch_client(retries, timeout), progress=_fetch_progress)
    _fetch_report(res, as_json)


@fetch_app.command("wgi")
def fetch_wgi_cmd(
    url: Annotated[str | None, typer.Option(help="The WGI workbook instead of the default.")] = None,
    dry_run: DryRunOpt = False,
    retries: RetriesOpt = 3,
    timeout: TimeoutOpt = 120.0,
    as_json: JsonOpt = False,
) -> None:
    """World Bank Worldwide Governance Indicators (the full-dataset workbook)."""
    from critmin.sources.fetch.wgi_release import fetch_wgi

    with handle_errors():
        if dry_run:
            res = fetch_wgi(url=url, dry_run=True)
        else:
            with warehouse(read_only=False) as wh:
                res = fetch_wgi(url=url, warehouse=wh, client=_fetch_client(retries, timeout),
                                progress=_fetch_progress)
    _fetch_report(res, as_json)
