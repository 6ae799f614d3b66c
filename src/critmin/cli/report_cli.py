"""``critmin report`` and ``dashboard``: the self-contained report and the Streamlit dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from critmin.cli._app import app, db_path, warehouse
from critmin.cli._output import err, fail, handle_errors, out, status


@app.command("report")
def report(
    commodities: Annotated[list[str] | None, typer.Argument(
        help="Commodities (default: rare earths, gallium, germanium, graphite, tungsten, antimony, "
             "cobalt, lithium).", show_default=False)] = None,
    region: Annotated[str, typer.Option(help="ISO3 of the importer whose exposure is shown.")] = "USA",
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Output file (default report.html, or report.pdf with --format pdf).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html or pdf (PDF through headless Chromium).")]
    = "html",
    year: Annotated[int | None, typer.Option(help="Year of the producer tables (default: latest).")]
    = None,
) -> None:
    """Write the report: a one-page summary per commodity, charts, tables (CSV downloads), sources
    and assumptions, in one self-contained HTML file (or PDF)."""
    import time

    from critmin.report import build_report, write_report

    fmt = fmt.lower()
    if fmt not in ("html", "pdf"):
        fail(ValueError(f"--format must be html or pdf, not {fmt!r}"))
    target = out_file or Path(f"report.{fmt}")
    t0 = time.perf_counter()
    with handle_errors(), warehouse() as wh:
        rep = build_report(commodities or None, warehouse=wh, region=region, year=year, progress=status)
        path = write_report(target, rep, format=fmt)
    out.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {len(rep.commodities)} commodities, "
              f"region {rep.region}) in {time.perf_counter() - t0:.1f} s")


@app.command("dashboard")
def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Run the Streamlit dashboard on 127.0.0.1 (usage statistics off; needs critmin[dashboard])."""
    import os
    import subprocess

    from critmin.dashboard import ADDRESS, available, streamlit_command

    if not available():
        fail(RuntimeError("the dashboard needs Streamlit: pip install 'critmin[dashboard]'"))
    env = dict(os.environ)
    if db_path() is not None:
        env["CRITMIN_DB"] = str(db_path())
    err.print(f"critmin dashboard on http://{ADDRESS}:{port} (Ctrl+C to stop)")
    try:
        rc = subprocess.call(streamlit_command(port), env=env)
    except KeyboardInterrupt:
        rc = 0
    raise typer.Exit(code=rc)
