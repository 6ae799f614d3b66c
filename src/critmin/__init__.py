"""critmin: critical-minerals supply security from cited public data."""

from critmin.errors import ConsistencyError, DataError, ScenarioError

__version__ = "0.1.0"

__all__ = ["DataError", "ConsistencyError", "ScenarioError", "__version__"]
