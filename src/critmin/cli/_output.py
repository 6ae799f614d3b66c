"""Output shared by every command: JSON, CSV, rich tables, number formats and the one error handler.

Tables and lines go to ``out`` (stdout); progress, status lines and errors to ``err`` (stderr).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from critmin._json import dumps
from critmin.errors import CritminError

if TYPE_CHECKING:
    import pandas as pd
    from rich.progress import Progress

out = Console()
err = Console(stderr=True)

ERRORS = (CritminError, KeyError, ValueError)
"""What a command reports as ``error: <message>`` with exit code 2 (anything else is a bug: traceback)."""


# --------------------------------------------------------------------------- errors
def fail(exc: BaseException) -> NoReturn:
    """Print ``error: <exc>`` on stderr and exit with code 2."""
    err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, markup=True)
    raise typer.Exit(code=2)


@contextmanager
def handle_errors() -> Iterator[None]:
    """The one error handler of every command: an :data:`ERRORS` exception becomes :func:`fail`."""
    try:
        yield
    except ERRORS as exc:
        fail(exc)


# --------------------------------------------------------------------------- JSON, CSV, tables
def print_json(obj: object) -> None:
    """``obj`` as indented JSON on stdout: NaN and infinities as null (never an invalid ``NaN`` token),
    numpy values as numbers, anything else unknown as its ``str``."""
    sys.stdout.write(dumps(obj, indent=2, ensure_ascii=False) + "\n")


def print_csv(df: pd.DataFrame) -> None:
    """``df`` as CSV on stdout, without the index."""
    df.to_csv(sys.stdout, index=False)


def emit(*, as_json: bool, as_csv: bool = False, to_json: Callable[[], object],
         to_csv: Callable[[], pd.DataFrame] | None = None, render: Callable[[], None]) -> None:
    """Print a result as JSON (``--json``, first), CSV (``--csv``) or with ``render`` (rich tables)."""
    if as_json:
        print_json(to_json())
    elif as_csv and to_csv is not None:
        print_csv(to_csv())
    else:
        render()


def new_table(title: str | None = None, columns: Iterable[tuple[str, str]] = (), **kw) -> Table:
    """A rich table with ``columns`` given as (header, justify) pairs."""
    t = Table(title=title, **kw)
    for name, justify in columns:
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    return t


def status(message: str) -> None:
    """A dim progress line on stderr (the jobs' ``progress`` callback)."""
    err.print(f"[dim]{message}[/dim]")


def progress_bar() -> Progress:
    """A transient progress bar on stderr, shown only on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)


# --------------------------------------------------------------------------- numbers
def fmt(x: object, pct: bool = False, digits: int = 0) -> str:
    """A number with thousands separators (or a percentage); "—" for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if pct:
        return f"{float(x):.1%}"  # type: ignore[arg-type]
    if isinstance(x, (int, float)):
        return f"{float(x):,.{digits}f}"
    return str(x)


def musd(x: object) -> str:
    """USD as million USD with two decimals."""
    return fmt(x / 1e6 if isinstance(x, (int, float)) else x, digits=2)


def qty(x: object) -> str:
    """A quantity: one decimal below 100, none above."""
    small = isinstance(x, (int, float)) and not math.isnan(x) and abs(x) < 100
    return fmt(x, digits=1 if small else 0)


def fmt_assumption(v: object) -> str:
    """An assumption's value: a float to 6 significant digits (no decimals from 1,000 up)."""
    return (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.6g}") if isinstance(v, float) else str(v)
