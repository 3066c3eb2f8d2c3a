"""Sweeps: many runs over uncertain inputs, with designs, replications, executors (serial, local
processes, Dask) and a resumable store. Uses scenario, engine and results; nothing uses it.

Names are imported on first use (module ``__getattr__``): a process-pool worker unpickling
``sim.sweep.tasks.run_chunk`` then loads only what a run needs, not the runner, tqdm, scipy.stats
and the summaries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .runner import run_sweep
    from .spec import LoadedSweep, SweepSpec, load_sweep
    from .store import RunStore
    from .summary import (
        Summaries,
        format_summary,
        point_stats,
        sensitivity,
        summarise,
        write_summaries,
    )

_HOMES = {"run_sweep": "runner", "LoadedSweep": "spec", "SweepSpec": "spec", "load_sweep": "spec",
          "RunStore": "store", "Summaries": "summary", "format_summary": "summary", "point_stats": "summary",
          "sensitivity": "summary", "summarise": "summary", "write_summaries": "summary"}

__all__ = ["LoadedSweep", "RunStore", "SweepSpec", "format_summary", "load_sweep", "point_stats", "run_sweep",
           "sensitivity", "summarise", "Summaries", "write_summaries"]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
