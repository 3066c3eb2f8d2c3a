"""Sweeps: many runs over uncertain inputs, with designs, replications, executors (serial, local
processes, Dask) and a resumable store. Uses scenario, engine and results; nothing uses it."""

from .runner import run_sweep
from .spec import LoadedSweep, SweepSpec, load_sweep
from .store import RunStore
from .summary import Summaries, format_summary, point_stats, sensitivity, summarise, write_summaries

__all__ = ["LoadedSweep", "RunStore", "SweepSpec", "format_summary", "load_sweep", "point_stats", "run_sweep",
           "sensitivity", "summarise", "Summaries", "write_summaries"]
