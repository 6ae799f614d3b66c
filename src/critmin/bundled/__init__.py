"""The bundled dataset: critmin's canonical tables built from the raw public files (see SOURCES.md)."""
