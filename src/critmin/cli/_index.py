"""What ``critmin --help`` lists: the program's line, its options and its commands with one line each.

Plain data, no import: :mod:`critmin.cli._help` draws the top-level help from it without loading typer
or any command (issue 16 item 5), and :func:`critmin.cli.build_app` gives the registered commands and
groups these lines and this order, so the typer help and the fast one say the same.
``tests/test_cli_startup.py`` checks that every registered command is here and nothing else is.
"""

from __future__ import annotations

PROG = "critmin"
DESCRIPTION = "Critical-minerals supply security from cited public data."

OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--db", "PATH", "Warehouse file (default: the user data dir; env CRITMIN_DB)."),
    ("--debug", "", "Show the traceback of an unexpected error (env CRITMIN_DEBUG)."),
    ("--help", "", "Show this message and exit."),
)
"""The top-level options: (name, metavar, help); an empty metavar is a flag."""

COMMANDS: tuple[tuple[str, str], ...] = (
    ("supply", "Producers of a commodity: tonnes, shares, HHI, world total, edition used."),
    ("trend", "World total, top producer's share and HHI for every year covered."),
    ("outlook", "IEA supply by stage and country, demand and the balance to 2040 (2050)."),
    ("reliance", "U.S. net import reliance (as USGS reports it and recomputed), import sources."),
    ("dependence", "An importer's supplier shares, top supplier and HHI from bilateral trade."),
    ("simulate", "Monte Carlo disruption scenario: peak price, shortfall, stocks per region."),
    ("diversify", "Efficient frontier of an importer's supplier mix: least risk per premium."),
    ("criticality", "Criticality, ranked: EU supply risk and economic importance, USGS, GeoPolRisk."),
    ("commodities", "The commodity catalogue with the years and editions of data covered."),
    ("report", "Write the report: one self-contained HTML (or PDF) file, charts, tables, sources."),
    ("dashboard", "Run the Streamlit dashboard on 127.0.0.1 (needs critmin[dashboard])."),
    ("data", "Build, extend and inspect the warehouse."),
    ("monitor", "Restriction monitor: is a fall in monthly exports restriction-like or demand-like?"),
    ("stockpile", "Stockpile planning: days of cover, cost-optimal sizes, policies, budget."),
)
"""The commands and command groups, in the order the help lists them, with their line of help."""

SHORT_HELP = dict(COMMANDS)
"""Command or group name -> its line in the top-level help."""


def option_help(name: str) -> str:
    """The help of the top-level option ``name`` (``"--db"``)."""
    return next(text for opt, _, text in OPTIONS if opt == name)
