"""Readers of the public sources: one module per source, ``read_*`` (path) and ``parse_*`` (buffer).

Each reader returns critmin's canonical tidy tables (see :mod:`critmin.schema`) with provenance columns
(``source``, ``edition``, ``file``, ``row``). Values a source withholds or does not have are missing
(NaN) with the reason kept in ``missing``, never zero.
"""
