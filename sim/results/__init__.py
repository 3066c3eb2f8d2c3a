"""Results of a run: KPIs, the Result object and its folder on disk. Reads engine output only.

Names are imported on first use (module ``__getattr__``), so that importing ``sim.results.kpis``
(as a sweep worker does) does not load the run folder's writer and Parquet.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kpis import compute_kpis
    from .result import Result, read_run_folder, write_run_folder

_HOMES = {"Result": "result", "compute_kpis": "kpis", "read_run_folder": "result", "write_run_folder": "result"}

__all__ = ["Result", "compute_kpis", "read_run_folder", "write_run_folder"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
