"""Analyses: concentration, dependence, governance, criticality (pure functions on DataFrames)."""
