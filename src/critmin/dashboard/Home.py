# ruff: noqa: N999 - Streamlit names the home page after this file
"""critmin dashboard: the home page (``streamlit run``; see :func:`critmin.dashboard.streamlit_command`)."""

from critmin.dashboard.common import run_home

run_home()
