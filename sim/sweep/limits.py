"""Limits a sweep is held to, in a module of their own so the command line reads them without
loading the sweep machinery."""

DEFAULT_MAX_RUNS = 100_000
"""How many runs a sweep may have unless ``--max-runs`` says more."""
