"""critmin: critical-minerals supply security from cited public data.

The public API, one job per question:

- who supplies it: ``critmin.supply(...)``, :func:`trend`
- where is it going: ``critmin.outlook(...)``
- how exposed are we: :func:`importer_dependence`, :func:`us_net_import_reliance`, :func:`us_import_sources`
- how critical is it: ``critmin.criticality(...)``
- is that drop a restriction: ``critmin.monitor(...)``, :func:`scan`
- what if supply is cut: :func:`simulate` (and :func:`load_scenario`)
- how big should the stockpile be: :func:`plan`, :func:`cover`
- whom should we buy from: ``critmin.diversify.diversify``

Every job takes ``warehouse=`` (a :class:`Warehouse` from :func:`open_warehouse`); without it, the job
opens the user's warehouse read-only for the call (:func:`default_warehouse`; built from the bundled
dataset on first use). Every result has a short repr, an HTML view in Jupyter, ``to_frame()`` (the main
table with its key fields, units in ``attrs``) and ``to_dict()`` (the JSON shape of the CLI's
``--json``).

Names are imported on first use, so ``import critmin`` stays light. ``supply``, ``criticality``,
``monitor``, ``outlook`` and ``diversify`` are both subpackages and jobs: ``critmin.supply("gallium")``
runs the job and ``critmin.supply.trend(...)`` reaches the package's other names.

>>> import critmin
>>> res = critmin.supply("gallium")                                     # doctest: +SKIP
>>> res.to_frame()                                                      # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module

from critmin import _moved
from critmin.errors import ConsistencyError, CritminError, DataError, ScenarioError

_moved.install()  # old import paths (critmin.exposure, critmin.metrics.*) keep working, with a warning

__version__ = "0.1.0"

_LAZY = {
    "open_warehouse": "critmin.warehouse",
    "default_warehouse": "critmin.warehouse",
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

_CALLABLE_PACKAGES = ("supply", "criticality", "monitor", "outlook")
"""Subpackages that are also their job (called as functions: see :mod:`critmin._callable`)."""

__all__ = ["CritminError", "DataError", "ConsistencyError", "ScenarioError", "__version__", *_LAZY,
           *_CALLABLE_PACKAGES]


def __getattr__(name: str) -> object:
    if name in _CALLABLE_PACKAGES:
        return import_module(f"critmin.{name}")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'critmin' has no attribute {name!r}")
