"""Experiments: pure functions (config, seed) -> tidy pandas DataFrames, one module per page."""
