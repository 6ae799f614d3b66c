"""The typer application: ``app``, its sub-apps, the shared options, ``--db`` and the warehouse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from critmin.cli._index import DESCRIPTION, option_help
from critmin.cli._output import err, status


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """The exceptions click (or typer's own copy of click, typer >= 0.20) handles itself: usage
    errors, bad option values, Exit and Abort."""
    found: list[type[BaseException]] = [typer.Exit, typer.Abort, SystemExit, click.exceptions.Exit,
                                        click.exceptions.Abort, click.ClickException]
    for cls in typer.BadParameter.__mro__:  # typer's vendored ClickException, when it has one
        if cls.__name__ == "ClickException" and cls not in found:
            found.append(cls)
    return tuple(found)


_PASS_THROUGH = _click_exceptions()


class _Boundary(TyperGroup):
    """The one boundary of every command: an exception no command handled becomes one line.

    A :class:`~critmin.errors.CritminError` (or KeyError/ValueError, as the commands report them) prints
    ``error: <message>`` and exits with 2, as does an :class:`OSError` (a file the user named, a full
    disk); anything else prints ``internal error: <type>: <message>;
    rerun with --debug for the traceback`` and exits with 3; Ctrl+C exits with 130. With ``--debug``
    (or ``CRITMIN_DEBUG=1``) the exception propagates with its traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(code=130) from None
        except BaseException as exc:  # noqa: BLE001 - this is the boundary
            if _STATE["debug"]:
                raise
            from rich.markup import escape

            from critmin.cli._output import ERRORS, message

            if isinstance(exc, ERRORS):
                err.print(f"[bold red]error:[/bold red] {escape(message(exc))}", highlight=False)
                raise typer.Exit(code=2) from None
            if isinstance(exc, OSError):  # a file or folder the user named, a full disk, a refused port
                where = f": {exc.filename}" if exc.filename else ""
                err.print(f"[bold red]error:[/bold red] {escape((exc.strerror or str(exc)) + where)}",
                          highlight=False)
                raise typer.Exit(code=2) from None
            if isinstance(exc, MemoryError):
                msg = "out of memory; use fewer runs, or --workers/--scheduler to spread them"
            else:
                msg = f"{type(exc).__name__}: {exc}"
            err.print(f"[bold red]internal error:[/bold red] {escape(msg)}; rerun with --debug for the "
                      "traceback", highlight=False)
            raise typer.Exit(code=3) from None


app = typer.Typer(
    cls=_Boundary,
    name="critmin",
    help=DESCRIPTION,
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

_STATE: dict = {"db": None, "debug": False}

# --------------------------------------------------------------------------- shared options
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
XlsxOpt = Annotated[Path | None, typer.Option(
    "--xlsx", metavar="PATH", help="Also write an Excel workbook to PATH: one sheet per table, units in "
                                   "the headers, a sheet of the sources, editions and licences used.")]
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
                     help=option_help("--db")),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", envvar="CRITMIN_DEBUG",
                                        help=option_help("--debug"))] = False,
) -> None:
    _STATE["db"] = db
    _STATE["debug"] = debug
    if debug:
        sys.tracebacklimit = 1000


def db_path() -> Path | None:
    """The warehouse file given with ``--db`` (or ``CRITMIN_DB``); None for the default."""
    return _STATE["db"]


def warehouse(read_only: bool = True):
    """Open the warehouse of ``--db`` (built from the bundled dataset on first use), read-only unless a
    command writes: readers never block each other nor a writer for long."""
    from critmin.warehouse import open_warehouse

    return open_warehouse(_STATE["db"], read_only=read_only, progress=status)
