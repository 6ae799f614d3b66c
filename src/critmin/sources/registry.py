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
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from critmin.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["READERS", "EDITION_FROM_USER", "read_source"]


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


def read_source(path: str | Path, source: str, *, edition: str | None = None
                ) -> dict[str, pd.DataFrame]:
    """Read one raw file with the reader of ``source``.

    Parameters
    ----------
    path : str or Path
        The file.
    source : str
        A source id of :data:`READERS`.
    edition : str, optional
        The edition id, for the sources of :data:`EDITION_FROM_USER` (the others read it from
        the file).

    Raises
    ------
    DataError
        For an unknown source id, an edition given to a source that reads its own, or whatever the
        reader finds wrong in the file.
    """
    if source not in READERS:
        raise DataError(f"unknown source {source!r}; expected one of {', '.join(sorted(READERS))}",
                        file=Path(path).name)
    if edition is None:
        return READERS[source](path)
    if source not in EDITION_FROM_USER:
        raise DataError(f"an edition can be given only for {', '.join(EDITION_FROM_USER)} files; "
                        f"{source} files carry their own", file=Path(path).name)
    return READERS[source](path, edition=edition)  # type: ignore[call-arg]
