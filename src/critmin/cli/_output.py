"""Output shared by every command: JSON, CSV, Excel, rich tables, number formats and the one error
handler.

Tables and lines go to ``out`` (stdout); progress, status lines and errors to ``err`` (stderr). When
stdout is not a terminal (piped, redirected) and ``COLUMNS`` is not set, ``out`` is
:data:`PIPE_WIDTH` columns wide instead of rich's 80, so ids, dates and numbers are not cut; a table
still wider than that prints a hint to use ``--csv``/``--json`` (:func:`print_table`).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from critmin._format import percent
from critmin._json import dumps
from critmin.errors import CritminError

if TYPE_CHECKING:
    import pandas as pd
    from rich.progress import Progress

PIPE_WIDTH = 160
"""Width of stdout when it is not a terminal and ``COLUMNS`` is not set [characters]."""


def _width(stream) -> int | None:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if os.environ.get("COLUMNS") or tty:
        return None  # rich: the terminal's width, or COLUMNS
    return PIPE_WIDTH


out = Console(width=_width(sys.stdout))
err = Console(stderr=True, width=_width(sys.stderr))

ERRORS = (CritminError, KeyError, ValueError)
"""What a command reports as ``error: <message>`` with exit code 2 (anything else is a bug: traceback)."""


# --------------------------------------------------------------------------- errors
def message(exc: BaseException) -> str:
    """An exception's message in plain words: a KeyError's text without the quotes ``str()`` adds."""
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and len(exc.args) == 1 \
            and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


def fail(exc: BaseException) -> NoReturn:
    """Print ``error: <exc>`` on stderr and exit with code 2."""
    err.print(f"[bold red]error:[/bold red] {escape(message(exc))}", highlight=False, markup=True)
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
    """``df`` as CSV on stdout, without the index (whole numbers as integers: ``2021``)."""
    from critmin._export import csv_text

    sys.stdout.write(csv_text(df))


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame], *, about: Mapping[str, object] | None = None
               ) -> Path:
    """Write ``sheets`` as one workbook (units in the headers, a sources sheet; atomic) and say so on
    stderr."""
    from critmin._export import write_workbook

    written = write_workbook(path, sheets, about=about)
    names = ", ".join(sheets)
    err.print(f"wrote {escape(str(written))} ({len(sheets)} table{'s' if len(sheets) != 1 else ''}: "
              f"{escape(names)}; sources; about)", highlight=False)
    return written


def emit(*, as_json: bool, as_csv: bool = False, to_json: Callable[[], object],
         to_csv: Callable[[], pd.DataFrame] | None = None, render: Callable[[], None],
         to_xlsx: Path | None = None, sheets: Callable[[], Mapping[str, pd.DataFrame]] | None = None,
         about: Mapping[str, object] | None = None) -> None:
    """Print a result as JSON (``--json``, first), CSV (``--csv``) or with ``render`` (rich tables);
    with ``to_xlsx`` (``--xlsx PATH``) also write the workbook of ``sheets`` (default: the CSV table
    as one sheet)."""
    if to_xlsx is not None:
        tables = sheets() if sheets is not None else {"table": to_csv()} if to_csv is not None else {}
        write_xlsx(to_xlsx, tables, about=about)
    if as_json:
        print_json(to_json())
    elif as_csv and to_csv is not None:
        print_csv(to_csv())
    else:
        render()


def print_table(table: Table, *, machine_hint: bool = True) -> None:
    """Print a rich table on stdout; when it is wider than the output (so cells wrap), say on stderr
    that ``--csv``/``--json`` give every value whole.

    Headers and the title are plain text: a unit in brackets (``quantity [t]``) is printed as written,
    never taken for rich markup (which would drop it or print a backslash).
    """
    for col in table.columns:
        if isinstance(col.header, str):
            col.header = escape(col.header)
    if isinstance(table.title, str):
        table.title = escape(table.title)
    try:
        need = out.measure(table, options=out.options.update_width(100_000))  # natural widths
    except Exception:  # noqa: BLE001 - measuring only chooses the layout
        need = None
    if need is not None and need.minimum > out.width and table.columns and table.row_count:
        _print_records(table)  # too narrow for the columns: one block per row, nothing cut
    else:
        out.print(table)
    if machine_hint and need is not None and need.maximum > out.width:
        err.print(f"[dim]the table is wider than {out.width} columns, so cells wrap; use --csv or "
                  "--json for machine use[/dim]", highlight=False)


def _print_records(table: Table) -> None:
    """A table as one block per row (``header: value`` pairs), for outputs too narrow for its columns:
    ids, dates and numbers stay whole."""
    if table.title:
        out.print(f"[bold]{table.title}[/bold]")
    headers = [str(c.header) for c in table.columns]
    cells = [list(c.cells) for c in table.columns]
    for i in range(table.row_count):
        parts = []
        for h, col in zip(headers, cells, strict=True):
            v = col[i] if i < len(col) else ""
            text = v if isinstance(v, str) else getattr(v, "markup", str(v))
            if text.strip():
                parts.append(f"[dim]{h}:[/dim] {text}")
        out.print("  ".join(parts))


def new_table(title: str | None = None, columns: Iterable[tuple[str, str]] = (), *,
              no_wrap: Iterable[str] = (), **kw) -> Table:
    """A rich table with ``columns`` given as (header, justify) pairs; the columns named in ``no_wrap``
    (ids, dates, codes) are never wrapped or cut, the others fold rather than end in an ellipsis."""
    t = Table(title=title, **kw)
    keep = set(no_wrap)
    for name, justify in columns:
        t.add_column(name, justify=justify, no_wrap=name in keep,  # type: ignore[arg-type]
                     overflow="fold")
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
    """A number with thousands separators (or a percentage, :func:`critmin._format.percent`); "—" for a
    missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if pct:
        return percent(x)
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
