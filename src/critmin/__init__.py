"""critmin: critical-minerals supply security from cited public data.

The public API, one job per question (each takes ``warehouse=`` from :func:`open_warehouse`):

- who supplies it: ``critmin.supply.supply``, :func:`trend`
- how exposed are we: :func:`importer_dependence`, :func:`us_net_import_reliance`, :func:`us_import_sources`
- how critical is it: ``critmin.criticality.criticality``
- is that drop a restriction: ``critmin.monitor.monitor``, :func:`scan`
- what if supply is cut: :func:`simulate` (and :func:`load_scenario`)
- how big should the stockpile be: :func:`plan`, :func:`cover`
- whom should we buy from: ``critmin.diversify.diversify``

Names are imported on first use, so ``import critmin`` stays light. ``supply``, ``criticality``,
``monitor`` and ``diversify`` are also the names of their modules, so import those jobs from their modules.
"""

from __future__ import annotations

from importlib import import_module

from critmin import _moved
from critmin.errors import ConsistencyError, CritminError, DataError, ScenarioError

_moved.install()  # old import paths (critmin.exposure, critmin.metrics.*) keep working, with a warning

__version__ = "0.1.0"

_LAZY = {
    "open_warehouse": "critmin.warehouse",
    "Warehouse": "critmin.warehouse",
    "trend": "critmin.supply",
    "importer_dependence": "critmin.dependence",
    "us_net_import_reliance": "critmin.dependence",
    "us_import_sources": "critmin.dependence",
    "scan": "critmin.monitor",
    "simulate": "critmin.market",
    "load_scenario": "critmin.market",
    "plan": "critmin.stockpile",
    "cover": "critmin.stockpile",
}

__all__ = ["CritminError", "DataError", "ConsistencyError", "ScenarioError", "__version__", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'critmin' has no attribute {name!r}")
