"""critmin dashboard: the Stockpile page."""

from critmin.dashboard.common import run_page

run_page("Stockpile")
