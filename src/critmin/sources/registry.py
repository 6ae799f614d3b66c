"""Source ids -> readers. ``critmin data ingest PATH --source ID`` and the bundle build go through here.

Every reader takes a path and returns ``{table name: DataFrame}`` conforming to :mod:`critmin.schema`.
``usgs-mcs`` recognises which MCS file it is given (:func:`critmin.sources.usgs_mcs.read_usgs_mcs`
asks each layout module of :data:`critmin.sources.usgs_mcs.LAYOUTS`): a per-commodity world table
(``mcsYYYY-code_world.csv``), a per-commodity salient table (``..._salient.csv``/``.xlsx``), the single
MCS 2025 world file, or the long MCS 2026 file (world, salient and import-source sections).
Trade: ``comtrade`` (a UN Comtrade v1 API download, JSON or CSV), ``comtrade-monthly-derived`` (the
monthly China export tables of docs/data.md §5d), ``comtrade-bilateral`` (the 2023 imports by partner
of 30 reporters, docs/data.md §5f), ``usitc`` (a USITC DataWeb XLSX export) and ``oec``
(an OEC net-trade table), all into the ``trade`` table.
History (issue 19): ``usgs-myb-world`` (Minerals Yearbook world production tables by country, editions
MYB2016, MYB2017, MYB2019), ``wmd`` (World Mining Data table 6.4, 1984–2017) and ``bgs-wms`` (BGS World
Mineral Statistics 1970–2021), all into ``production``.
EU criticality assessments: ``eu-crm`` (the six tables of the 2017 and 2023 studies, see
:mod:`critmin.sources.eu_crm`) into the ``eu_crm`` table.
Outlook: ``iea`` (the IEA Critical Minerals Data Explorer JSON, see :mod:`critmin.sources.iea`) into
the ``outlook_supply`` and ``outlook_demand`` tables.

Size limits. Readers hold a file's rows in memory: an ingest takes about 10-30 times the size of a
CSV (``benchmarks/bench_ingest.py``: the 3.2 MB MCS 2026 file +94 MB, a 200 MB file of its world
sections +1.7 GB; before the readers were reworked, 5.9 GB) and up to 300 times that of a compressed
workbook or gzip file (the 0.6 MB World Mining Data workbook: +185 MB).
:func:`read_source` therefore refuses a file larger than its source's limit in :data:`MAX_MB` (about
ten times the largest real file of that source, so about 1-2 GB of memory at most) with a
:class:`~critmin.errors.DataError` naming the size and the limit. ``CRITMIN_MAX_FILE_MB`` (a number
of megabytes) replaces every limit, for a genuinely larger file on a machine with the memory for it.

Never a traceback: besides the readers' own checks (:mod:`critmin.sources._io`), :func:`read_source`
turns what a parsing library raises on a damaged file (:func:`critmin.sources._io.parser_errors`,
:class:`csv.Error`, :class:`UnicodeError`, a :class:`RecursionError` or a :class:`MemoryError`) into
a DataError naming the file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from critmin.errors import DataError
from critmin.sources._io import check_size, parser_errors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["READERS", "EDITION_FROM_USER", "MAX_MB", "read_source"]


def read_usgs_mcs(path: str | Path, layout: str | None = None) -> dict[str, pd.DataFrame]:
    """Read any USGS MCS data-release table (:func:`critmin.sources.usgs_mcs.read_usgs_mcs`)."""
    from critmin.sources.usgs_mcs import read_usgs_mcs as read

    return read(path, layout)


def _ds140(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usgs_history import read_ds140

    return read_ds140(path)


def _myb(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usgs_history import read_myb2022

    return read_myb2022(path)


def _wgi(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.wgi import read_wgi

    return {"governance": read_wgi(path)}


def _comtrade(path: str | Path, *, edition: str | None = None) -> dict[str, pd.DataFrame]:
    from critmin.sources.comtrade import read_comtrade

    return {"trade": read_comtrade(path, edition=edition)}


def _comtrade_derived(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.comtrade import read_china_monthly

    return {"trade": read_china_monthly(path)}


def _comtrade_bilateral(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.comtrade_bilateral import read_comtrade_bilateral

    return {"trade": read_comtrade_bilateral(path)}


def _usitc(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usitc import read_usitc

    return {"trade": read_usitc(path)}


def _oec(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.oec import read_oec_net_trade

    return {"trade": read_oec_net_trade(path)}


def _eu_crm(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.eu_crm import read_eu_crm

    return read_eu_crm(path)


def _iea(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.iea import read_iea

    return read_iea(path)


def _myb_world(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usgs_myb import read_myb_world

    return read_myb_world(path)


def _wmd(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.wmd import read_wmd

    return read_wmd(path)


def _bgs(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.bgs import read_bgs

    return read_bgs(path)


READERS: dict[str, Callable[[str | Path], dict[str, pd.DataFrame]]] = {
    "usgs-mcs": read_usgs_mcs,
    "usgs-ds140": _ds140,
    "usgs-myb": _myb,
    "wgi": _wgi,
    "comtrade": _comtrade,
    "comtrade-monthly-derived": _comtrade_derived,
    "comtrade-bilateral": _comtrade_bilateral,
    "usitc": _usitc,
    "oec": _oec,
    "eu-crm": _eu_crm,
    "iea": _iea,
    "usgs-myb-world": _myb_world,
    "wmd": _wmd,
    "bgs-wms": _bgs,
}
"""Source id -> reader."""

EDITION_FROM_USER = ("comtrade",)
"""Sources whose files may not say which edition they are: ``edition=`` applies to them only."""

MAX_MB: dict[str, float] = {
    "usgs-mcs": 32,  # largest real file 3.2 MB (MCS 2026 long file)
    "usgs-ds140": 2,  # 0.05 MB workbook
    "usgs-myb": 2,  # 0.13 MB workbook
    "wgi": 32,  # 3.1 MB workbook
    "comtrade": 64,  # API downloads of a few kB; a bulk CSV needs ~30x its size in memory
    "comtrade-monthly-derived": 8,  # 0.4 MB
    "comtrade-bilateral": 4,  # 0.21 MB
    "usitc": 8,  # 0.6 MB workbook
    "oec": 8,  # 0.1 MB
    "eu-crm": 4,  # 0.08 MB
    "iea": 8,  # 0.14 MB
    "usgs-myb-world": 8,  # 0.6 MB workbook
    "wmd": 6,  # 0.6 MB workbook (55,000 rows)
    "bgs-wms": 4,  # 0.24 MB gzip (1.6 MB of text; see critmin.sources.bgs.MAX_TEXT_BYTES)
}
"""Largest file accepted per source [MB, 10^6 bytes]: about ten times the largest real file of the
source (see the module docstring); ``$CRITMIN_MAX_FILE_MB`` replaces every limit."""


def read_source(path: str | Path, source: str, *, edition: str | None = None
                ) -> dict[str, pd.DataFrame]:
    """Read one raw file with the reader of ``source``.

    Parameters
    ----------
    path : str or Path
        The raw file.
    source : str
        A source id of :data:`READERS`.
    edition : str, optional
        The edition id, for the sources of :data:`EDITION_FROM_USER` (the others read it from
        the file).

    Returns
    -------
    dict of str to DataFrame
        Table name -> rows (canonical schema).

    Raises
    ------
    DataError
        For an unknown source id, an edition given to a source that reads its own, a file larger
        than the source's limit (:data:`MAX_MB`), or whatever the reader finds wrong in the file --
        including what a parsing library raises on a damaged file -- naming the file.
    """
    p = Path(path)
    if source not in READERS:
        raise DataError(f"unknown source {source!r}; expected one of {', '.join(sorted(READERS))}",
                        file=p.name)
    if edition is not None and source not in EDITION_FROM_USER:
        raise DataError(f"an edition can be given only for {', '.join(EDITION_FROM_USER)} files; "
                        f"{source} files carry their own", file=p.name)
    if p.is_dir():
        raise DataError("a folder, not a file; expected one raw file", file=str(p))
    if not p.is_file():
        raise DataError("no such file", file=str(p))
    check_size(p, MAX_MB.get(source, 32), f"a {source} file")
    try:
        if edition is None:
            return READERS[source](p)
        return READERS[source](p, edition=edition)  # type: ignore[call-arg]
    except DataError:
        raise
    except RecursionError:
        raise DataError("the file nests too deeply to read (a damaged or hostile file?)",
                        file=p.name) from None
    except (*parser_errors(), csv.Error, UnicodeError) as err:
        raise DataError(f"not a readable {source} file ({type(err).__name__}: {str(err)[:200]})",
                        file=p.name) from None
    except MemoryError:
        raise DataError(f"not enough memory to read this {p.stat().st_size / 1e6:,.1f} MB file",
                        file=p.name) from None
