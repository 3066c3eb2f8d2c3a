"""Results of a run: KPIs, the Result object and its folder on disk. Reads engine output only.

Names are imported on first use (module ``__getattr__``), so that importing ``sim.results.kpis``
(as a sweep worker does) does not load the run folder's writer and Parquet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .kpis import compute_kpis
    from .reading import read_run_folder
    from .result import Result, write_run_folder

_HOMES = {"Result": "result", "compute_kpis": "kpis", "read_run_folder": "reading", "write_run_folder": "result"}

__all__ = ["Result", "compute_kpis", "read_run_folder", "write_run_folder"]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
