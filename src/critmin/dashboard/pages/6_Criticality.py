"""critmin dashboard: the Criticality page."""

from critmin.dashboard.common import run_page

run_page("Criticality")
