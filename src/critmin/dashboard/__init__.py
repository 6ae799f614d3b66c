"""The Streamlit dashboard: pages Supply, Dependence, Monitor, Scenarios, Stockpile, Criticality over the
public API, thin and cached (see :mod:`critmin.dashboard.common`).

``critmin dashboard [--port 8501]`` runs :func:`streamlit_command`: ``streamlit run`` bound to
127.0.0.1, headless, with Streamlit's usage statistics off. Needs the ``dashboard`` extra
(``pip install 'critmin[dashboard]'``).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["APP", "PAGES_DIR", "ADDRESS", "STREAMLIT_FLAGS", "streamlit_command", "available"]

#: The app's entry script (home page); the pages are in :data:`PAGES_DIR`.
APP = Path(__file__).resolve().parent / "Home.py"
PAGES_DIR = APP.parent / "pages"

#: The only address the dashboard binds to.
ADDRESS = "127.0.0.1"

#: Streamlit options of every run: local only, headless, no usage statistics, no development toolbar.
STREAMLIT_FLAGS = (
    "--server.address", ADDRESS,
    "--server.headless", "true",
    "--browser.gatherUsageStats", "false",
    "--browser.serverAddress", ADDRESS,
    "--client.toolbarMode", "minimal",
    "--server.fileWatcherType", "none",
    "--theme.base", "light",
)


def available() -> bool:
    """True when Streamlit is installed."""
    import importlib.util

    return importlib.util.find_spec("streamlit") is not None


def streamlit_command(port: int = 8501, *, python: str | None = None) -> list[str]:
    """The ``streamlit run`` command line of the dashboard.

    Parameters
    ----------
    port : int
        TCP port on 127.0.0.1.
    python : str, optional
        Interpreter (default: the running one).
    """
    return [python or sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.port", str(int(port)), *STREAMLIT_FLAGS]
