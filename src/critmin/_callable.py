"""Packages that are also jobs: ``critmin.supply("gallium")`` beside ``critmin.supply.trend(...)``.

``supply``, ``criticality``, ``monitor`` and ``outlook`` each name both a subpackage and its main job.
:func:`make_callable` turns the package's module object into an instance of a
:class:`types.ModuleType` subclass whose ``__call__`` runs the job, the pattern Python documents for
customising module attribute access (setting ``sys.modules[__name__].__class__``; see the data model,
"Customizing module attribute access"). The module keeps every attribute, ``import`` of its submodules
works as before, and ``inspect.signature(critmin.supply)`` is the job's.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import types

__all__ = ["CallableModule", "make_callable"]


class CallableModule(types.ModuleType):
    """A module that can be called: ``module(*args, **kwargs)`` runs ``module.<__job__>``."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__dict__["__job__"])(*args, **kwargs)


def make_callable(module_name: str, job: str) -> None:
    """Make the module ``module_name`` callable as its function ``job``.

    Parameters
    ----------
    module_name : str
        The module (``__name__`` of the package's ``__init__``).
    job : str
        The name of the function, an attribute of the module, that a call runs.
    """
    mod = sys.modules[module_name]
    func = getattr(mod, job)
    mod.__dict__["__job__"] = job
    with contextlib.suppress(TypeError, ValueError):  # a builtin without a signature: none shown
        mod.__dict__["__signature__"] = inspect.signature(func)
    mod.__class__ = CallableModule
