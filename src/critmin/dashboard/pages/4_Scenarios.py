"""critmin dashboard: the Scenarios page."""

from critmin.dashboard.common import run_page

run_page("Scenarios")
