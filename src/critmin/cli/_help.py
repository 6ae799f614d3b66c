"""The top-level help, drawn without typer: ``critmin``, ``critmin --help`` (issue 16 item 5).

Loading typer, rich and the command modules to list fourteen commands costs a few tenths of a second;
this module draws the same panels (usage, options, commands) from :mod:`critmin.cli._index` with the
standard library alone. Every other help screen (``critmin simulate --help``) is typer's.

The width is the terminal's (or ``COLUMNS``; 80 when not a terminal), colours only on a terminal
without ``NO_COLOR``, and the boxes fall back to ASCII when the output's encoding has no box-drawing
characters.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap

from critmin.cli._index import COMMANDS, DESCRIPTION, OPTIONS, PROG

USAGE = f"{PROG} [OPTIONS] COMMAND [ARGS]..."
MIN_WIDTH = 40
"""Narrowest layout drawn [characters]; a narrower terminal wraps it."""

_UNICODE = {"tl": "╭", "tr": "╮", "bl": "╰", "br": "╯", "h": "─", "v": "│"}
_ASCII = {"tl": "+", "tr": "+", "bl": "+", "br": "+", "h": "-", "v": "|"}
_STYLE = {"name": "\x1b[1;36m", "metavar": "\x1b[1;33m", "usage": "\x1b[33m", "border": "\x1b[2m"}
_RESET = "\x1b[0m"


def is_top_help(argv: list[str]) -> bool:
    """Whether ``argv`` (without the program) asks for the top-level help: nothing, or ``--help``."""
    return argv in ([], ["--help"])


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_STYLE[style]}{text}{_RESET}" if color and text else text


def _panel(title: str, rows: list[tuple[list[tuple[str, str]], str]], width: int, color: bool,
           box: dict[str, str]) -> list[str]:
    """A titled box of rows; each row is its left cells ((text, style) pairs, padded to their column's
    width) and a help text wrapped to the room left."""
    n_cells = len(rows[0][0])
    widths = [max(len(cells[i][0]) for cells, _ in rows) for i in range(n_cells)]
    left = sum(widths) + 2 * n_cells
    room = max(width - 4 - left, 10)
    border = _paint(box["v"], "border", color)
    top = f"{box['tl']}{box['h']} {title} ".ljust(width - 1, box["h"]) + box["tr"]
    lines = [_paint(top, "border", color)]
    for cells, text in rows:
        wrapped = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
        for k, chunk in enumerate(wrapped):
            parts = [(_paint(c, s, color) + " " * (w - len(c) + 2)) if k == 0 else " " * (w + 2)
                     for (c, s), w in zip(cells, widths, strict=True)]
            lines.append(f"{border} {''.join(parts)}{chunk.ljust(room)} {border}")
    lines.append(_paint(box["bl"] + box["h"] * (width - 2) + box["br"], "border", color))
    return lines


def render(width: int = 80, color: bool = False, unicode: bool = True) -> str:
    """The top-level help as text.

    Parameters
    ----------
    width
        Width of the panels [characters]; at least :data:`MIN_WIDTH` is used.
    color
        Whether to add ANSI colours.
    unicode
        Box-drawing characters (else ASCII ``+-|``).
    """
    width = max(int(width), MIN_WIDTH)
    box = _UNICODE if unicode else _ASCII
    options = [([(name, "name"), (metavar, "metavar")], text) for name, metavar, text in OPTIONS]
    commands = [([(name, "name")], text) for name, text in COMMANDS]
    lines = ["", f" {_paint('Usage:', 'usage', color)} {USAGE}", ""]
    lines += [f" {chunk}" for chunk in textwrap.wrap(DESCRIPTION, width - 2)]
    lines.append("")
    lines += _panel("Options", options, width, color, box)
    lines += _panel("Commands", commands, width, color, box)
    lines.append(f" Run '{PROG} COMMAND --help' for a command's options.")
    return "\n".join(lines) + "\n"


def _wants_color(stream) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _has_box_characters(stream) -> bool:
    try:
        "".join(_UNICODE.values()).encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def print_top_help(stream=None) -> None:
    """Write the top-level help to ``stream`` (stdout), as wide as the terminal; nothing when there is
    no stdout (a closed file descriptor)."""
    stream = stream or sys.stdout
    if stream is None:
        return
    width = shutil.get_terminal_size((80, 24)).columns
    stream.write(render(width, color=_wants_color(stream), unicode=_has_box_characters(stream)))
    stream.flush()
