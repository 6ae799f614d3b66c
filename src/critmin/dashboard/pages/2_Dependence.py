"""critmin dashboard: the Dependence page."""

from critmin.dashboard.common import run_page

run_page("Dependence")
