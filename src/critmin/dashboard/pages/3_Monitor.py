"""critmin dashboard: the Monitor page (restriction monitor: exporter, HS lines, control lines, month)."""

from critmin.dashboard.common import run_monitor_page

run_monitor_page()
