"""Reference tables shipped with critmin (country aliases, commodity catalogue)."""
