"""critmin dashboard: the Monitor page."""

from critmin.dashboard.common import run_page

run_page("Monitor")
