"""USGS Mineral Commodity Summaries (MCS) data releases: every layout, one reader.

The MCS data releases in ``../shared/data/usgs_mcs`` (see docs/data.md §1) come in five layouts over
the 2022-2026 editions, one module each (each exports ``LAYOUT``, ``can_read(header, name)``,
``parse(text, name)``, ``read(path)`` and its own fix tables, with the quirks it handles in its
docstring Notes):

=============================== ========================================================================
module                          files
=============================== ========================================================================
:mod:`.world_bycommodity`       MCS 2022-2024 ``mcsYYYY/world/mcsYYYY-<code>_world.csv``: world
                                production, capacity and reserves, one file per commodity
:mod:`.world_2025`              ``mcs2025/MCS2025_World_Data.csv``: the same for all commodities
:mod:`.salient_wide`            MCS 2022-2025 ``mcsYYYY/salient/mcsYYYY-<code>_salient.csv`` (or
                                ``.xlsx``): U.S. salient statistics, one file per commodity, with the
                                FGDC metadata ``meta/*_meta.xml``
:mod:`.long_2026`               ``mcs2026/MCS2026_Commodities_Data.csv``: one long file holding the world,
                                salient and import-source sections
=============================== ========================================================================

Shared private helpers: ``_cells`` (the cell grammar), ``_text`` (decoding, CSV records),
``_records`` (rows with provenance, countries, unit fixes), ``_classify`` (stage, product and basis
of world figures), ``_wide_columns`` and ``_fgdc`` (column names and metadata of the wide salient
files).

:func:`read_usgs_mcs` reads any of them (the ``usgs-mcs`` source of
:mod:`critmin.sources.registry`): the layout is detected by asking each module of :data:`LAYOUTS` in
turn whether it can read the file (:func:`detect_layout`), or given explicitly
(``read_usgs_mcs(path, layout="world_2025")``). Outputs are critmin's canonical tables
(:mod:`critmin.schema`): ``production`` and ``reserves`` from the world layouts; ``salient``,
``prices``, ``consumption`` and ``import_sources`` from the salient ones. Every figure keeps the
value and unit as published (``value``, ``unit``); ``quantity_t`` [t] is filled only when the unit
is a mass. A withheld or unavailable figure is NaN with the reason in ``missing``, never zero.

The per-table readers of the former modules remain: :func:`read_world` / :func:`parse_world` (any
world layout), :func:`read_mcs2026_world`, :func:`read_all_world`, :func:`read_salient` /
:func:`parse_salient`, :func:`read_mcs2026_salient` / :func:`parse_mcs2026_salient`,
:func:`read_all_salient`.

Notes
-----
Layout detection looks at the casefolded cells of the header line and at the file name, in the
order of :data:`LAYOUTS` (the first module that says yes reads the file):

1. :mod:`.long_2026`: ``MCS chapter`` and ``Section`` (or ``Statistics``) columns;
2. :mod:`.salient_wide`: a workbook, a CSV named ``*_salient``, or a CSV with ``Year`` (or named
   "...salient...") and no ``Country`` column; never a ``*_world`` file without ``Commodity``;
3. :mod:`.world_bycommodity`: a header starting with ``Source``, no ``Commodity`` column, and a
   ``Country`` column or a file named ``*_world``;
4. :mod:`.world_2025`: a header starting with ``SOURCE`` and ``COMMODITY`` and ``COUNTRY`` columns.

So the three MCS 2024 world tables filed as ``*_salient.csv`` go to the salient reader, which skips
them with a :class:`SalientLayoutWarning`, and MCS 2025 bauxite (``Source`` for ``DataSource``) is a
salient table. :func:`parse_world` asks only the three world layouts; as it is told the file is a
world table, a header starting with ``Source`` that none claims goes to :mod:`.world_2025` (with a
``Commodity`` column) or :mod:`.world_bycommodity`, whose reader then names the missing column.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd

from critmin.errors import DataError
from critmin.schema import empty
from critmin.sources._io import read_text
from critmin.sources.usgs_mcs import long_2026, salient_wide, world_2025, world_bycommodity
from critmin.sources.usgs_mcs._cells import EXTRA_MISSING, parse_cell
from critmin.sources.usgs_mcs._records import OUTPUT_TABLES, SOURCE
from critmin.sources.usgs_mcs._text import _decode, _header
from critmin.sources.usgs_mcs.long_2026 import (
    countries_known,
    parse_mcs2026_salient,
    read_mcs2026_salient,
)
from critmin.sources.usgs_mcs.salient_wide import (
    CELL_FIXES,
    COLUMN_FIXES,
    HEADER_REPLACEMENTS,
    UNIT_TOKENS,
    SalientColumn,
    SalientLayoutWarning,
    parse_column,
    parse_salient,
    read_definitions,
    read_salient,
)

__all__ = [
    # the reader of every layout
    "LAYOUTS",
    "detect_layout",
    "read_usgs_mcs",
    # world tables (formerly critmin.sources.usgs_mcs)
    "SOURCE",
    "EXTRA_MISSING",
    "UNIT_FIXES",
    "read_world",
    "parse_world",
    "read_mcs2026_world",
    "read_all_world",
    "world_files",
    "parse_cell",
    # salient tables (formerly critmin.sources.usgs_salient)
    "OUTPUT_TABLES",
    "UNIT_TOKENS",
    "COLUMN_FIXES",
    "HEADER_REPLACEMENTS",
    "CELL_FIXES",
    "SalientColumn",
    "SalientLayoutWarning",
    "parse_column",
    "read_definitions",
    "read_salient",
    "parse_salient",
    "read_mcs2026_salient",
    "parse_mcs2026_salient",
    "read_all_salient",
    "countries_known",
]

LAYOUTS: tuple[ModuleType, ...] = (long_2026, salient_wide, world_bycommodity, world_2025)
"""The layout modules, in the order they are asked (see Notes)."""

_WORLD_LAYOUTS: tuple[ModuleType, ...] = (long_2026, world_bycommodity, world_2025)
_BY_NAME: dict[str, ModuleType] = {m.LAYOUT: m for m in LAYOUTS}

UNIT_FIXES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    **world_bycommodity.UNIT_FIXES,
    **world_2025.UNIT_FIXES,
    **long_2026.UNIT_FIXES,
}
"""Every unit fix of the world layouts: (edition, commodity, table) -> (unit as published, unit used,
evidence). Each layout module holds its own."""


_UNRECOGNISED_WORLD = (
    "unrecognised header; expected an MCS per-commodity world file (Source,Country,Type,...), "
    "the MCS 2025 world file (SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,...) or the MCS 2026 "
    "long file (MCS chapter,Section,...)"
)


def _first_match(header: tuple[str, ...] | None, name: str,
                 layouts: tuple[ModuleType, ...]) -> ModuleType | None:
    for layout in layouts:
        if layout.can_read(header, name):
            return layout
    return None


def detect_layout(path: str | Path) -> str:
    """Which MCS layout a file has, from its header line and name (workbooks: from the suffix).

    Parameters
    ----------
    path : str or Path
        An MCS data-release table.

    Returns
    -------
    str
        The ``LAYOUT`` of the first module of :data:`LAYOUTS` that can read it: ``long_2026``,
        ``salient_wide``, ``world_bycommodity`` or ``world_2025``.

    Raises
    ------
    DataError
        When the file cannot be decoded or no layout matches, naming the file and its header.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xls"):
        header, first = None, ""
    else:
        text = read_text(p)
        header, first = _header(text), text.splitlines()[0]
    layout = _first_match(header, p.name, LAYOUTS)
    if layout is None:
        world_like = header is not None and (
            "country" in header or ("commodity" not in header and "_world" in p.name.lower()))
        raise DataError(
            _UNRECOGNISED_WORLD if world_like else
            "not a recognised USGS MCS table: expected a header with Country (world tables), "
            "Year (salient tables) or 'MCS chapter,Section' (the MCS 2026 long file)",
            file=p.name, row=1, value=first[:80],
        )
    return layout.LAYOUT


def read_usgs_mcs(path: str | Path, layout: str | None = None) -> dict[str, pd.DataFrame]:
    """Read any USGS MCS data-release table.

    Parameters
    ----------
    path : str or Path
        A world, salient or long MCS file (see the module docstring).
    layout : str, optional
        ``world_bycommodity``, ``world_2025``, ``salient_wide`` or ``long_2026``; detected from the
        file when None (:func:`detect_layout`).

    Returns
    -------
    dict of str to DataFrame
        The canonical tables the file holds: ``production`` and ``reserves`` (``quantity_t`` [t],
        ``value`` [``unit``]); ``salient``, ``prices``, ``consumption``; ``import_sources``
        (``share`` [fraction]).

    Raises
    ------
    DataError
        For an unknown layout, or whatever the layout's reader finds wrong in the file.
    """
    p = Path(path)
    if layout is None:
        layout = detect_layout(p)
    if layout not in _BY_NAME:
        raise DataError(f"unknown MCS layout {layout!r}; expected one of {sorted(_BY_NAME)}",
                        file=p.name)
    return _BY_NAME[layout].read(p)


# ---------------------------------------------------------------------------------------------
# World tables of any layout
# ---------------------------------------------------------------------------------------------


def parse_world(buf: str | bytes | io.IOBase, name: str) -> dict[str, pd.DataFrame]:
    """Parse an MCS world production/reserves file held in memory.

    Parameters
    ----------
    buf : str, bytes or file object
        The file content (bytes are decoded UTF-8 first, then Windows-1252).
    name : str
        The file name; named in errors and written to ``file``. For the per-commodity layout it must
        contain the USGS code and edition (``mcs2023-raree_world.csv``).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}`` in the canonical schema. Quantities:
        ``value`` [``unit``] as published, ``quantity_t`` [t] when ``unit`` is a mass.

    Raises
    ------
    DataError
        On an unknown layout, a missing column, an unreadable value, an unknown country or a
        duplicate key, naming file, row and column.
    """
    text = _decode(buf, name)
    layout = _world_layout(text, name)
    if layout is long_2026:
        return long_2026.parse_world_sections(text, name)
    return layout.parse(text, name)


def _world_layout(text: str, name: str) -> ModuleType:
    """The world layout of a decoded file, asking only the world layouts of :data:`LAYOUTS`.

    The caller says the file is a world table: a header starting with ``Source`` that no layout
    claims goes to the layout its ``Commodity`` column implies, whose reader names what is missing.
    """
    header = _header(text)
    layout = _first_match(header, name, _WORLD_LAYOUTS)
    if layout is None and header[:1] == ("source",):
        layout = world_2025 if "commodity" in header else world_bycommodity
    if layout is None:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        raise DataError(_UNRECOGNISED_WORLD, file=name, row=1, value=first[:80])
    return layout


def read_world(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read one MCS world file (any vintage); see :func:`parse_world`.

    Parameters
    ----------
    path : str or Path
        A ``mcsYYYY-<code>_world.csv``, ``MCS2025_World_Data.csv`` or
        ``MCS2026_Commodities_Data.csv`` file.

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].
    """
    p = Path(path)
    return parse_world(p.read_bytes(), p.name)


def read_mcs2026_world(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the world sections of the MCS 2026 long file ``MCS2026_Commodities_Data.csv``.

    Parameters
    ----------
    path : str or Path
        The file (Windows-1252).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}``; ``quantity_t`` [t], ``value`` [``unit``].

    Raises
    ------
    DataError
        When the file is another world layout or none, or from the reader.
    """
    p = Path(path)
    text = _decode(p.read_bytes(), p.name)
    if _world_layout(text, p.name) is not long_2026:
        raise DataError("not the MCS 2026 long layout (MCS chapter,Section,...)", file=p.name,
                        row=1)
    return long_2026.parse_world_sections(text, p.name)


def world_files(root: str | Path) -> list[Path]:
    """The MCS world files under ``root`` (``usgs_mcs/``), oldest edition first.

    Parameters
    ----------
    root : str or Path
        The ``usgs_mcs`` folder of the shared data (``mcs2022/world/*.csv``, ...,
        ``mcs2025/MCS2025_World_Data.csv``, ``mcs2026/MCS2026_Commodities_Data.csv``).

    Returns
    -------
    list of Path
        The files, sorted by edition folder then file name.
    """
    root = Path(root)
    files = [p for p in root.glob("mcs20*/world/*_world.csv")]
    files += list(root.glob("mcs20*/MCS20*_World_Data.csv"))
    files += list(root.glob("mcs20*/MCS20*_Commodities_Data.csv"))
    return sorted(files, key=lambda p: (p.parent.name if p.parent.name != "world"
                                        else p.parent.parent.name, p.name.lower()))


def read_all_world(root: str | Path) -> dict[str, pd.DataFrame]:
    """Read every MCS world file under ``root`` and concatenate them.

    Parameters
    ----------
    root : str or Path
        The ``usgs_mcs`` folder (``../shared/data/usgs_mcs``).

    Returns
    -------
    dict of str to DataFrame
        ``{"production": ..., "reserves": ...}`` for all editions; ``quantity_t`` [t].

    Raises
    ------
    DataError
        When no world file is found, or from any file's reader.
    """
    files = world_files(root)
    if not files:
        raise DataError("no MCS world files found; expected mcsYYYY/world/*_world.csv, "
                        "MCS2025_World_Data.csv or MCS2026_Commodities_Data.csv", file=str(root))
    parts: dict[str, list[pd.DataFrame]] = {"production": [], "reserves": []}
    for f in files:
        res = read_world(f)
        for k in parts:
            if len(res[k]):
                parts[k].append(res[k])
    return {k: (pd.concat(v, ignore_index=True) if v else empty(k)) for k, v in parts.items()}


# ---------------------------------------------------------------------------------------------
# Salient tables of any layout
# ---------------------------------------------------------------------------------------------


def read_all_salient(
    root: str | Path,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Read every salient file of every MCS vintage under ``root`` and concatenate.

    Parameters
    ----------
    root : str or Path
        The ``usgs_mcs`` folder (holding ``mcs2022/salient/``, ..., ``mcs2026/``).
    progress : callable, optional
        Called as ``progress(file_name, n_salient_rows)`` after each file.

    Returns
    -------
    dict of DataFrame
        ``salient``, ``prices``, ``consumption``, ``import_sources``, each the concatenation over
        files (provenance in ``edition``, ``file``, ``row``).
    """
    root = Path(root)
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in OUTPUT_TABLES}
    files = sorted(p for p in root.glob("mcs20*/salient/*")
                   if p.suffix.lower() in (".csv", ".xlsx") and "_salient" in p.name.lower())
    for p in files:
        res = read_salient(p)
        for t, df in res.items():
            parts[t].append(df)
        if progress is not None:
            progress(p.name, len(res["salient"]))
    for p in sorted(root.glob("mcs20*/MCS20*_Commodities_Data.csv")):
        res = read_mcs2026_salient(p)
        for t, df in res.items():
            parts[t].append(df)
        if progress is not None:
            progress(p.name, len(res["salient"]))
    out = {}
    for t, dfs in parts.items():
        dfs = [d for d in dfs if len(d)]
        out[t] = pd.concat(dfs, ignore_index=True) if dfs else empty(t)
    return out
