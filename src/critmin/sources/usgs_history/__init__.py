"""USGS rare-earth workbooks: Data Series 140 (1900–2020) and the Minerals Yearbook 2022 tables.

Two readers, one module each, each returning critmin's canonical tables (see :mod:`critmin.schema`)
as a dict ``{table name: DataFrame}``:

* :func:`read_ds140` (:mod:`.ds140`) — *Rare earths statistics*, USGS Data Series 140 (workbook
  last modified 2023-09-27, data through 2020): world production -> ``production``; the U.S. series
  -> ``salient``, ``consumption`` and ``prices``.
* :func:`read_myb2022` (:mod:`.myb2022`) — *Minerals Yearbook 2022, rare earths, advance data
  release* (posted 2025-03-19): T8 world mine production -> ``production``; T3 oxide prices ->
  ``prices``; T1 U.S. salient statistics -> ``salient`` (its two price rows also -> ``prices``).

``parse_ds140`` and ``parse_myb2022`` take a buffer (bytes or a binary file object) instead of a
path. Source ids: ``usgs-ds140`` (edition ``DS140-2020``) and ``usgs-myb`` (edition ``MYB2022``).
The ``file`` column holds the workbook's file name; ``row`` the sheet row number. Errors name the
workbook and sheet (``name.xlsx [T8]``), the sheet row and the column letter. The workbook helpers
both use (rich-text footnote markers, values, provenance) are in :mod:`._workbook`; the quirks of
each workbook are listed in its module's Notes.
"""

from critmin.sources.usgs_history._workbook import COMMODITY, REO_PRODUCT
from critmin.sources.usgs_history.ds140 import (
    DS140_EDITION,
    DS140_SHEET,
    DS140_SOURCE,
    parse_ds140,
    read_ds140,
)
from critmin.sources.usgs_history.myb2022 import (
    MYB_EDITION,
    MYB_SOURCE,
    TOTAL_TOLERANCE,
    parse_myb2022,
    read_myb2022,
)

__all__ = [
    "read_ds140",
    "parse_ds140",
    "read_myb2022",
    "parse_myb2022",
    "COMMODITY",
    "REO_PRODUCT",
    "DS140_SOURCE",
    "DS140_EDITION",
    "DS140_SHEET",
    "MYB_SOURCE",
    "MYB_EDITION",
    "TOTAL_TOLERANCE",
]
