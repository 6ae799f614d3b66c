"""Old import paths that moved, kept working for one release with a :class:`DeprecationWarning`.

critmin 0.2 put each question in its own package (``supply/``, ``dependence/``, ``criticality/`` ...):
``critmin.metrics``, ``critmin.exposure`` and a few modules disappeared or were renamed. So that code
written against 0.1 keeps running, :func:`install` puts a finder first on :data:`sys.meta_path` that
answers an import of an old path with the module that now holds its names, and warns once per path.
No file is left at an old path (the tree answers "where does X live?" by its names alone).

Remove the entries of :data:`MOVED` in the release after next.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import warnings

__all__ = ["MOVED", "install"]

MOVED: dict[str, str] = {
    "critmin.exposure": "critmin.dependence",
    "critmin.metrics.concentration": "critmin.supply.concentration",
    "critmin.metrics.governance": "critmin.governance",
    "critmin.metrics.dependence": "critmin.dependence",
    "critmin.metrics.criticality": "critmin.criticality",
    "critmin.stockpile.scenarios": "critmin.stockpile.planning_scenarios",
    "critmin.sources.usgs_salient": "critmin.sources.usgs_mcs",
}
"""Old module path -> the module that re-exports every public name the old one had."""

_PACKAGES = {"critmin.metrics": "critmin.metrics.{name} (now in supply/, dependence/, criticality/ "
                                "and critmin.governance)"}
"""Old packages that are gone: importing them gives an empty package whose submodules are in MOVED."""


def _stacklevel() -> int:
    """The stack level of the first frame outside the import machinery and this module.

    :func:`warnings.warn` itself skips the frames of ``importlib._bootstrap`` when it counts levels,
    so those are not counted here either.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            frame = frame.f_back
            continue
        if name != __file__ and "importlib" not in name:
            return level
        frame = frame.f_back
        level += 1
    return 1


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated and will be removed in the next release: import from {new}",
                  DeprecationWarning, stacklevel=_stacklevel())


class _AliasLoader:  # an importlib Loader (not subclassed: importlib.abc costs ~25 ms at start-up)
    def __init__(self, old: str, new: str | None) -> None:
        self.old, self.new = old, new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.new is None:  # a package that is gone: an empty namespace for its moved submodules
            module = types.ModuleType(spec.name, f"Deprecated: see {_PACKAGES[spec.name]}.")
            module.__path__ = []
            return module
        _warn(self.old, self.new)
        return importlib.import_module(self.new)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module is the new one (or an empty package)."""


class _MovedFinder:  # an importlib MetaPathFinder (find_spec is all the protocol needs)
    def find_spec(self, fullname, path=None, target=None):  # noqa: D401 - importlib protocol
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, MOVED[fullname]))
        if fullname in _PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, None), is_package=True)
        return None


def install() -> None:
    """Put the finder first on :data:`sys.meta_path` (once)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())
