"""The ``critmin`` command line (typer + rich). Thin: every command calls the public API and prints.

Every command that prints a table also takes ``--json`` (the documented JSON shape) and ``--csv``.

One module per command group, each only parsing options, calling the job and rendering:
``supply_cli`` (supply, trend, commodities), ``dependence_cli`` (reliance, dependence),
``criticality_cli``, ``monitor_cli`` (monitor, monitor scan), ``simulate_cli``, ``stockpile_cli``
(stockpile rules/cover/plan), ``data_cli`` (data build/ingest/status/bundle) and ``report_cli``
(report, dashboard), ``diversify_cli`` (diversify). ``_app`` holds the typer app and the shared options,
``_output`` the printing and the one error handler, ``_index`` the commands' lines of help and their
order, ``_help`` the top-level help drawn without typer.

Nothing is loaded on import: ``critmin.cli.app`` (the typer app with every command) is built on first
use by :func:`build_app`, and the console entry :func:`main` prints the top-level help (``critmin``,
``critmin --help``) without building it at all, so that screen is instant.
"""

from __future__ import annotations

import sys
from importlib import import_module

__all__ = ["app", "build_app", "main"]

COMMAND_MODULES = ("supply_cli", "outlook_cli", "dependence_cli", "simulate_cli", "diversify_cli",
                   "criticality_cli", "report_cli", "data_cli", "fetch_cli", "monitor_cli", "stockpile_cli")
"""The modules that register commands on the app, imported by :func:`build_app`."""


def build_app():
    """The typer app with every command registered, listed in :data:`critmin.cli._index.COMMANDS`'s
    order with its line of help (built once; ``critmin.cli.app`` is the same object)."""
    if "app" in globals():
        return globals()["app"]
    for name in COMMAND_MODULES:
        import_module(f"critmin.cli.{name}")
    from critmin.cli._app import app
    from critmin.cli._index import COMMANDS, SHORT_HELP

    order = [name for name, _ in COMMANDS]

    def rank(info) -> int:
        return order.index(info.name) if info.name in order else len(order)

    app.registered_commands.sort(key=rank)
    app.registered_groups.sort(key=rank)
    for info in (*app.registered_commands, *app.registered_groups):
        if info.name in SHORT_HELP and not info.short_help:
            info.short_help = SHORT_HELP[info.name].replace("[", r"\[")  # rich markup: literal brackets
    globals()["app"] = app
    return app


def __getattr__(name: str):
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def main() -> None:
    """Console entry point: the top-level help straight away, anything else through the typer app."""
    from critmin.cli._help import is_top_help, print_top_help

    argv = sys.argv[1:]
    if is_top_help(argv):
        try:
            print_top_help()
        except BrokenPipeError:  # as click: the reader left (``critmin --help | true``); no traceback
            _silence_stdout()
            sys.exit(1)
        sys.exit(0 if argv else 2)  # as click: a bare ``critmin`` shows the help and exits with 2
    build_app()(prog_name="critmin")
