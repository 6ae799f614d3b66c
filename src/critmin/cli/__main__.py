"""``python -m critmin.cli``."""

from critmin.cli import main

main()
