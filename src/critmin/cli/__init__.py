"""The ``critmin`` command line (typer + rich). Thin: every command calls the public API and prints.

Every command that prints a table also takes ``--json`` (the documented JSON shape) and ``--csv``.

One module per command group, each only parsing options, calling the job and rendering:
``supply_cli`` (supply, trend, commodities), ``dependence_cli`` (reliance, dependence),
``criticality_cli``, ``monitor_cli`` (monitor, monitor scan), ``simulate_cli``, ``stockpile_cli``
(stockpile rules/cover/plan), ``data_cli`` (data build/ingest/status/bundle) and ``report_cli``
(report, dashboard), ``diversify_cli`` (diversify). ``_app`` holds the typer app and the shared options,
``_output`` the printing and the one error handler.
"""

from __future__ import annotations

from critmin.cli import (  # noqa: F401  (each registers its commands on the app)
    criticality_cli,
    data_cli,
    dependence_cli,
    diversify_cli,
    fetch_cli,
    monitor_cli,
    outlook_cli,
    report_cli,
    simulate_cli,
    stockpile_cli,
    supply_cli,
)
from critmin.cli._app import app

__all__ = ["app", "main"]

COMMAND_ORDER = ("supply", "trend", "outlook", "reliance", "dependence", "simulate", "diversify",
                 "criticality", "commodities", "report", "dashboard")
"""The order ``critmin --help`` lists the commands in (others after these; the groups data, monitor,
stockpile follow)."""
app.registered_commands.sort(
    key=lambda c: COMMAND_ORDER.index(c.name) if c.name in COMMAND_ORDER else len(COMMAND_ORDER))


def main() -> None:  # pragma: no cover - console entry
    """Console entry point."""
    app()
