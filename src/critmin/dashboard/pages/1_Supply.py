"""critmin dashboard: the Supply page."""

from critmin.dashboard.common import run_page

run_page("Supply")
