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
    :func:`importer_dependence` (commands ``critmin reliance`` and ``critmin dependence``; any
    reporting country or the ``EU`` bloc).
:mod:`critmin.dependence.bloc`
    A bloc's members missing from the data: their likely share of its imports.
:mod:`critmin.dependence.mirror`
    An exporter's monthly shipments beside the importer's figure (``critmin dependence --mirror``).
:mod:`critmin.dependence.consumption`
    An importer's apparent consumption and net import reliance from trade data.
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


def __getattr__(name: str) -> object:
    # issue 15: importers other than the USA (blocs, mirror trade, consumption from imports)
    lazy = {"bloc_rows": "critmin.dependence.importer", "missing_share": "critmin.dependence.bloc",
            "mirror_trade": "critmin.dependence.mirror", "MirrorResult": "critmin.dependence.mirror",
            "importer_consumption": "critmin.dependence.consumption",
            "ImporterConsumption": "critmin.dependence.consumption"}
    if name in lazy:
        from importlib import import_module

        return getattr(import_module(lazy[name]), name)
    raise AttributeError(f"module 'critmin.dependence' has no attribute {name!r}")


__all__ = [
    "us_net_import_reliance", "us_import_sources", "importer_dependence", "ImporterDependenceResult",
    "SOURCE_CAVEATS", "NIR_SERIES", "apparent_consumption", "net_import_reliance", "nir_table",
    "MEASURES", "supplier_shares", "importer_hhi", "top_supplier", "importer_dependence_table",
    "bloc_rows", "missing_share", "mirror_trade", "MirrorResult", "importer_consumption",
    "ImporterConsumption",
]
