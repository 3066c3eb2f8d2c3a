"""Results of a run: KPIs, the Result object and its folder on disk. Reads engine output only."""

from .kpis import compute_kpis
from .result import Result, read_run_folder, write_run_folder

__all__ = ["Result", "compute_kpis", "read_run_folder", "write_run_folder"]
