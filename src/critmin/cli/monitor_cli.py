"""``critmin monitor`` and ``monitor scan``: restriction-like falls in monthly exports."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from critmin.cli._app import CsvOpt, DetectorOpt, JsonOpt, XlsxOpt, monitor_app, warehouse
from critmin.cli._output import emit, err, fmt, handle_errors, new_table, out, print_table

if TYPE_CHECKING:
    import pandas as pd

_SIGNAL_PCT = {"level_break", "front_running", "control_group", "price_wedge"}


def _signal_value(name: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if name in _SIGNAL_PCT:
        return f"{v:+.0%}"
    if name == "licence_recovery":
        return f"{v:.0%}"
    return f"{v:.2f}"


# --------------------------------------------------------------------------- monitor
@monitor_app.callback(invoke_without_command=True)
def monitor(
    ctx: typer.Context,
    exporter: Annotated[str | None, typer.Option(help="Exporter, ISO3 (CHN).")] = None,
    hs: Annotated[str | None, typer.Option(help="HS lines tested together, comma-separated "
                                                "(280530,284690).")] = None,
    control: Annotated[str | None, typer.Option(help="Control (sibling) lines, comma-separated "
                                                     "(default: from the HS catalogue).")] = None,
    month: Annotated[str | None, typer.Option(help="Month to assess, YYYY-MM (default: latest).")]
    = None,
    partners: Annotated[str | None, typer.Option(help="Only these partners, comma-separated "
                                                      "(USA, BLOC:Adversary).")] = None,
    method: DetectorOpt = "evidence",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """The month's evidence and verdict for an exporter's HS lines, with the series around it.

    Also: ``critmin monitor scan`` ranks restriction-like months across the warehouse.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not exporter or not hs:
        err.print(ctx.get_help())
        err.print("[bold red]error:[/bold red] --exporter and --hs are required (or use "
                  "'critmin monitor scan')")
        raise typer.Exit(code=2)
    from critmin.monitor import monitor as run

    with handle_errors(), warehouse() as wh:
        res = run(exporter, hs, control=control.split(",") if control else None, month=month,
                  partners=[p.strip() for p in partners.split(",")] if partners else None,
                  method=method, warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render_monitor(res), to_xlsx=xlsx, sheets=lambda: _monitor_sheets(res),
         about={"command": f"critmin monitor --exporter {res.exporter} --hs {','.join(res.hs)}",
                "what": res.headline()})


def _monitor_sheets(res) -> dict[str, pd.DataFrame]:
    import pandas as pd
    sheets = {"months": res.to_frame(), "evidence": res.signals.assign(month=res.month)}
    if len(res.breaks):
        sheets["breaks"] = res.breaks
    if res.warnings:
        sheets["warnings"] = pd.DataFrame({"warning": res.warnings})
    return sheets


def _render_monitor(res) -> None:
    import pandas as pd
    m = res.months.reset_index(drop=True)
    i = int(m.index[m["month"] == res.month][0])
    around = m.iloc[max(0, i - 12):i + 4]
    t = new_table(f"{res.exporter} exports of HS {'+'.join(res.hs)} "
                  f"({', '.join(res.partners) or 'all partners'})",
                  (("month", "left"), ("quantity [t]", "right"), ("y/y", "right"),
                   ("vs baseline", "right"), ("score", "right"), ("verdict", "left")),
                  no_wrap=("month", "y/y", "vs baseline", "score"))
    for r in around.itertuples(index=False):
        mark = "bold" if r.month == res.month else ""
        t.add_row(r.month, fmt(r.quantity_kg / 1000.0), fmt(r.yoy_change, pct=True),
                  fmt(r.baseline_deviation, pct=True),
                  "—" if pd.isna(r.score) else f"{r.score:.2f}", r.verdict, style=mark)
    print_table(t)
    e = new_table(f"evidence for {res.month} (control: {', '.join(res.control) or 'none'})",
                  (("signal", "left"), ("value", "right"), ("score", "right"), ("weight", "right"),
                   ("note", "left")), no_wrap=("signal", "value", "score"))
    for r in res.signals.itertuples(index=False):
        e.add_row(r.name, _signal_value(r.name, r.value), "—" if pd.isna(r.score) else f"{r.score:.2f}",
                  str(r.weight), r.note)
    print_table(e)
    score = "n/a" if math.isnan(res.score) else f"{res.score:.2f}"
    p = "n/a" if math.isnan(res.p_restriction) else f"{res.p_restriction:.2f}"
    out.print(f"[bold]{res.month}: {res.verdict}[/bold] (score {score}; evidence for a restriction "
              f"given a fall {p}); {fmt(res.quantity_kg / 1000.0)} t, y/y {fmt(res.yoy_change, pct=True)}, "
              f"vs baseline {fmt(res.baseline_deviation, pct=True)}", highlight=False)
    if len(res.breaks):
        out.print("breaks (deseasonalised level): " + "; ".join(
            f"{b.month} {b.size:+.0%}" for b in res.breaks.itertuples(index=False)), highlight=False)
    top = res.top_months(3)
    if len(top):
        out.print("highest scores: " + "; ".join(f"{r.month} {r.score:.2f} ({r.verdict})"
                                                 for r in top.itertuples(index=False)), highlight=False)
    for w in res.warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


# --------------------------------------------------------------------------- monitor scan
@monitor_app.command("scan")
def monitor_scan(
    since: Annotated[str | None, typer.Option(help="First month to list, YYYY-MM.")] = None,
    exporter: Annotated[str | None, typer.Option(help="Only this exporter, ISO3.")] = None,
    method: DetectorOpt = "evidence",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Scan every monthly export line in the warehouse; list restriction-like months by score."""
    import pandas as pd

    from critmin.monitor import scan as run

    with handle_errors(), warehouse() as wh:
        res = run(since, exporters=[exporter] if exporter else None, method=method, warehouse=wh)
    emit(as_json=as_json, as_csv=as_csv, to_json=res.to_dict, to_csv=res.to_frame,
         render=lambda: _render_scan(res), to_xlsx=xlsx,
         sheets=lambda: {"months": res.to_frame(), **({"notes": pd.DataFrame({"note": res.warnings})}
                                                      if res.warnings else {})},
         about={"command": "critmin monitor scan", "what": res.headline()})


def _render_scan(res) -> None:
    t = new_table(f"restriction-like months since {res.since or 'the start'} "
                  f"({res.series} series, method {res.method})",
                  (("exporter", "left"), ("HS", "left"), ("month", "left"), ("score", "right"),
                   ("quantity [t]", "right"), ("y/y", "right"), ("vs baseline", "right"),
                   ("control", "left"), ("evidence", "left")),
                  no_wrap=("exporter", "HS", "month", "score", "quantity [t]", "y/y", "vs baseline"))
    for r in res.table.itertuples(index=False):
        t.add_row(r.exporter, r.hs, r.month, f"{r.score:.2f}", fmt(r.quantity_kg / 1000.0),
                  fmt(r.yoy_change, pct=True), fmt(r.baseline_deviation, pct=True),
                  str(r.control).replace(",", ", "), r.evidence)
    print_table(t)
    if res.table.empty:
        out.print("no restriction-like month found")
    for w in res.warnings:
        out.print(f"[yellow]note:[/yellow] {escape(w)}", highlight=False)


# --------------------------------------------------------------------------- monitor events
@monitor_app.command("events")
def monitor_events(
    exporter: Annotated[str | None, typer.Option(help="Only this exporter, ISO3 (CHN).")] = None,
    hs: Annotated[str | None, typer.Option(help="Only events on these HS lines, comma-separated "
                                                "(811292,282590).")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """List the known export-control events (the catalogue the monitor matches flagged months with)."""
    import pandas as pd

    from critmin.monitor.events import KINDS, RESTRICTIVE_KINDS, events, events_for, to_records

    with handle_errors():
        ev = events()
        if exporter or hs:
            ev = events_for(hs, exporter=exporter, restrictive_only=False, catalogue=ev)
    recs = to_records(ev)
    emit(as_json=as_json, as_csv=as_csv,
         to_json=lambda: {"source": "critmin/data/export_controls.csv", "kinds": KINDS,
                          "restrictive_kinds": list(RESTRICTIVE_KINDS), "events": recs},
         to_csv=lambda: pd.DataFrame([{**r, **{k: ";".join(r[k]) for k in ("destinations", "commodities",
                                                                              "hs_codes")}} for r in recs]),
         render=lambda: _render_events(recs, RESTRICTIVE_KINDS), to_xlsx=xlsx,
         about={"command": "critmin monitor events", "source": "critmin/data/export_controls.csv"})


def _render_events(recs: list[dict], restrictive) -> None:
    t = new_table(f"known export-control events ({len(recs)})")
    for c in ("id", "kind", "announced", "effective", "ended", "exporter", "to", "HS lines"):
        t.add_column(c, overflow="fold")
    for r in recs:
        t.add_row(r["id"], r["kind"], r["announced"], r["effective"], r["ended"] or "", r["exporter"],
                  ",".join(r["destinations"]), ", ".join(r["hs_codes"]) or "—")
    print_table(t)
    out.print("kinds that restrict goods (what monthly trade data can show): " + ", ".join(restrictive)
              + "; ended = lifted or suspended (before the effective date: it never applied)",
              highlight=False)
