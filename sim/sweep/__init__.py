"""Sweeps: many runs over uncertain inputs, with designs, replications, executors (serial, local
processes, Dask) and a resumable store. Uses scenario, engine and results; nothing uses it.

Names are imported on first use (module ``__getattr__``): a process-pool worker unpickling
``sim.sweep.tasks.run_chunk`` then loads only what a run needs, not the runner, tqdm, scipy.stats
and the summaries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
