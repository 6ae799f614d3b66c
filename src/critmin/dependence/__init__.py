"""How exposed is an importer? Net import reliance (as USGS reports it and recomputed) and an
importer's supplier shares, importer-side HHI and top supplier from bilateral trade.

Layers
------
:mod:`critmin.dependence.nir`
    Pure functions: apparent consumption, net import reliance, and the table that puts the NIR USGS
    publishes beside the one recomputed from its own series (docs/methods.md §1).
:mod:`critmin.dependence.importer`
    Pure functions on ``trade`` rows: supplier shares, importer-side HHI, top supplier, per year.
:mod:`critmin.dependence.job`
    The jobs that read the warehouse: :func:`us_net_import_reliance`, :func:`us_import_sources`,
    :func:`importer_dependence` (commands ``critmin reliance`` and ``critmin dependence``).
"""

from __future__ import annotations

from critmin.dependence.importer import (
    MEASURES,
    importer_dependence_table,
    importer_hhi,
    supplier_shares,
    top_supplier,
)
from critmin.dependence.job import (
    SOURCE_CAVEATS,
    ImporterDependenceResult,
    importer_dependence,
    us_import_sources,
    us_net_import_reliance,
)
from critmin.dependence.nir import NIR_SERIES, apparent_consumption, net_import_reliance, nir_table

__all__ = [
    "us_net_import_reliance", "us_import_sources", "importer_dependence", "ImporterDependenceResult",
    "SOURCE_CAVEATS", "NIR_SERIES", "apparent_consumption", "net_import_reliance", "nir_table",
    "MEASURES", "supplier_shares", "importer_hhi", "top_supplier", "importer_dependence_table",
]
