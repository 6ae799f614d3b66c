"""``critmin report`` and ``dashboard``: the self-contained report and the Streamlit dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from critmin.cli._app import app, db_path, warehouse
from critmin.cli._output import err, fail, handle_errors, out, status


@app.command("report")
def report(
    commodities: Annotated[list[str] | None, typer.Argument(
        help="Commodities (default: rare earths, gallium, germanium, graphite, tungsten, antimony, "
             "cobalt, lithium).", show_default=False)] = None,
    region: Annotated[str, typer.Option(help="ISO3 of the importer whose exposure is shown.")] = "USA",
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default report.html, report.pdf or report.xlsx).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf (through headless Chromium) or xlsx (every "
                                                      "table of the report as one Excel workbook).")]
    = "html",
    year: Annotated[int | None, typer.Option(help="Year of the producer tables (default: latest).")]
    = None,
    workers: Annotated[int | None, typer.Option(
        min=0, help="Processes building the commodities side by side (default: one per core; 1: all in "
                    "this process). The report is the same either way.", show_default=False)] = None,
) -> None:
    """Write the report: a one-page summary per commodity, charts, tables (CSV downloads), sources
    and assumptions, in one self-contained HTML file (or PDF)."""
    import time

    from critmin.report import build_report, write_report

    fmt = fmt.lower()
    if fmt not in ("html", "pdf", "xlsx"):
        fail(ValueError(f"--format must be html, pdf or xlsx, not {fmt!r}"))
    target = out_file or Path(f"report.{fmt}")
    t0 = time.perf_counter()
    with handle_errors(), warehouse() as wh:
        rep = build_report(commodities or None, warehouse=wh, region=region, year=year, progress=status,
                           workers=workers)
        path = write_report(target, rep, format=fmt)
    out.print(f"wrote {escape(str(path))} ({path.stat().st_size / 1e6:.1f} MB, {len(rep.commodities)} "
              f"commodities, region {rep.region}) in {time.perf_counter() - t0:.1f} s")


@app.command("dashboard")
def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Run the Streamlit dashboard on 127.0.0.1 (usage statistics off; needs critmin\\[dashboard])."""
    import os

    from critmin.dashboard import ADDRESS, available, streamlit_command

    if not available():
        fail(RuntimeError("the dashboard needs Streamlit: pip install 'critmin[dashboard]'"))
    env = dict(os.environ)
    if db_path() is not None:
        env["CRITMIN_DB"] = str(db_path())
    err.print(f"critmin dashboard on http://{ADDRESS}:{port} (Ctrl+C to stop)")
    raise typer.Exit(code=run_child(streamlit_command(port), env=env))


def run_child(command: list[str], *, env: dict[str, str] | None = None, grace_s: float = 10.0) -> int:
    """Run ``command`` as a child and wait for it; SIGTERM, SIGHUP and Ctrl+C (SIGINT) sent to this
    process are passed on to the child, which is then waited for (killed after ``grace_s`` seconds), so
    the child never outlives the command nor keeps its port [s]."""
    import signal
    import subprocess

    child = subprocess.Popen(command, env=env)
    forwarded: list[int] = []

    def forward(signum, _frame) -> None:
        forwarded.append(signum)
        if child.poll() is None:
            child.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    try:
        while True:
            try:
                rc = child.wait(timeout=0.5 if not forwarded else grace_s)
                break
            except subprocess.TimeoutExpired:
                if forwarded:
                    child.kill()
                    rc = child.wait()
                    break
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if forwarded:  # stopped on purpose: a clean exit (Ctrl+C) or the signal's conventional code
        return 0 if forwarded[0] == signal.SIGINT else 128 + forwarded[0]
    return rc
