"""Source ids -> readers. ``critmin data ingest PATH --source ID`` and the bundle build go through here.

Every reader takes a path and returns ``{table name: DataFrame}`` conforming to :mod:`critmin.schema`.
``usgs-mcs`` recognises which MCS file it is given: a per-commodity world table
(``mcsYYYY-code_world.csv``), a per-commodity salient table (``..._salient.csv``/``.xlsx``), the single
MCS 2025 world file, or the long MCS 2026 file (world, salient and import-source sections).
Trade: ``comtrade`` (a UN Comtrade v1 API download, JSON or CSV), ``comtrade-monthly-derived`` (the
monthly China export tables of docs/data.md §5d), ``usitc`` (a USITC DataWeb XLSX export) and ``oec``
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

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from critmin.errors import DataError
from critmin.sources._io import read_text

__all__ = ["READERS", "read_source", "mcs_kind"]


def mcs_kind(path: Path) -> str:
    """Which MCS layout a file has: ``long`` (MCS 2026), ``world``, ``world-single`` (MCS 2025) or
    ``salient``, from its header (and name for workbooks)."""
    name = path.name.lower()
    if path.suffix.lower() in (".xlsx", ".xls"):
        return "salient"
    raw_head = read_text(path).splitlines()[0]
    head = raw_head.lower()
    if "mcs chapter" in head and "section" in head:
        return "long"
    cols = [c.strip().strip('"') for c in head.split(",")]
    if "commodity" not in cols and re.search(r"_world(?![a-z])", name):
        return "world"  # the per-commodity reader names a missing column precisely
    if re.search(r"_salient(?![a-z])", name):
        return "salient"
    if "commodity" in cols and "country" in cols:
        return "world-single"
    if "country" in cols:
        return "world"
    if "salient" in name or "year" in cols:
        return "salient"
    raise DataError(
        "not a recognised USGS MCS table: expected a header with Country (world tables), "
        "Year (salient tables) or 'MCS chapter,Section' (the MCS 2026 long file)",
        file=path.name, row=1, value=raw_head[:80],
    )


def _merge(*parts: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for part in parts:
        for k, v in part.items():
            out.setdefault(k, []).append(v)
    return {k: pd.concat(v, ignore_index=True) if len(v) > 1 else v[0] for k, v in out.items()}


def read_usgs_mcs(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read any USGS MCS data-release table (see :func:`mcs_kind`)."""
    from critmin.sources import usgs_mcs, usgs_salient

    p = Path(path)
    kind = mcs_kind(p)
    if kind == "long":
        return _merge(usgs_mcs.read_world(p), usgs_salient.read_mcs2026_salient(p))
    if kind in ("world", "world-single"):
        return usgs_mcs.read_world(p)
    return usgs_salient.read_salient(p)


def _ds140(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usgs_history import read_ds140

    return read_ds140(path)


def _myb(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.usgs_history import read_myb2022

    return read_myb2022(path)


def _wgi(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.wgi import read_wgi

    return {"governance": read_wgi(path)}


def _comtrade(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.comtrade import read_comtrade

    return {"trade": read_comtrade(path)}


def _comtrade_derived(path: str | Path) -> dict[str, pd.DataFrame]:
    from critmin.sources.comtrade import read_china_monthly

    return {"trade": read_china_monthly(path)}


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
    "usitc": _usitc,
    "oec": _oec,
    "eu-crm": _eu_crm,
    "iea": _iea,
    "usgs-myb-world": _myb_world,
    "wmd": _wmd,
    "bgs-wms": _bgs,
}
"""Source id -> reader."""


def read_source(path: str | Path, source: str) -> dict[str, pd.DataFrame]:
    """Read one raw file with the reader of ``source``.

    Raises
    ------
    DataError
        For an unknown source id, or whatever the reader finds wrong in the file.
    """
    if source not in READERS:
        raise DataError(f"unknown source {source!r}; expected one of {sorted(READERS)}",
                        file=Path(path).name)
    return READERS[source](path)
