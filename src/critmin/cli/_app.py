"""The typer application: ``app``, its sub-apps, the shared options, ``--db`` and the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from critmin.cli._output import status

app = typer.Typer(
    name="critmin",
    help="Critical-minerals supply security from cited public data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, extend and inspect the warehouse.", no_args_is_help=True)
monitor_app = typer.Typer(
    help="Restriction monitor: is a fall in monthly exports restriction-like or demand-like?",
    invoke_without_command=True,
)
stockpile_app = typer.Typer(help="Stockpile planning: days of cover, cost-optimal sizes, policies, budget.",
                            no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(monitor_app, name="monitor")
app.add_typer(stockpile_app, name="stockpile")

_STATE: dict[str, Path | None] = {"db": None}

# --------------------------------------------------------------------------- shared options
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
CommodityArg = Annotated[str, typer.Argument(help="Commodity id, name or USGS code.")]
YearOpt = Annotated[int | None, typer.Option(help="Year (default: latest with data).")]
StageOpt = Annotated[str | None, typer.Option(help="mine, refinery, ...")]
ProductOpt = Annotated[str | None, typer.Option(help="Product when a stage has several.")]
DetectorOpt = Annotated[str, typer.Option(help="Detector: evidence, breaks or yoy.")]


@app.callback()
def _main(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="CRITMIN_DB",
                     help="Warehouse file (default: the user data dir; env CRITMIN_DB)."),
    ] = None,
) -> None:
    _STATE["db"] = db


def db_path() -> Path | None:
    """The warehouse file given with ``--db`` (or ``CRITMIN_DB``); None for the default."""
    return _STATE["db"]


def warehouse():
    """Open the warehouse of ``--db`` (built from the bundled dataset on first use)."""
    from critmin.warehouse import open_warehouse

    return open_warehouse(_STATE["db"], progress=status)
