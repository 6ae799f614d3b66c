"""Disruption scenarios shipped with critmin (TOML, read by :func:`critmin.market.load_scenario`);
``examples/scenarios`` in the source tree points here."""
