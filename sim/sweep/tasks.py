"""One run of a sweep, as a worker does it: settings onto the base scenario, simulate, keep KPIs.

Everything here is picklable, so the same function runs in this process, in a process pool, or
on a Dask worker, and gives the same numbers. The one piece of state is a pool worker's shared
``Job``, set once by the pool's initializer (``init_worker``) rather than pickled with every chunk.

A spawned worker imports this module to unpickle its function: keep its imports to what a run
needs (no runner, tqdm, scipy.stats, SALib or summaries; see ``sim/sweep/__init__.py``).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine import simulate
from ..results.kpi_registry import kpi_matcher
from ..results.kpis import compute_kpis, flatten
from ..results.result import POLICY_EVENT_COLUMNS
from ..results.window import Window, WindowError, within
from ..scenario.errors import InputError
from ..scenario.loader import validate_scenario


@dataclass(frozen=True)
class RunTask:
    run_id: int
    point_id: int
    replication: int
    seed: int
    settings: tuple[tuple[str, Any], ...]  # dotted path -> value
    labels: tuple[tuple[str, Any], ...]  # parameter name -> value as recorded


@dataclass(frozen=True)
class Job:
    """What every run of a sweep shares."""

    base_data: dict
    base_path: str
    kpis: tuple[str, ...]
    series_variables: tuple[str, ...] = ()
    series_entities: tuple[str, ...] = ()
    series_every_days: int = 7
    window: str | None = None  # KPIs over FROM:TO or policy:ID only


def run_seed(sweep_seed: int, run_id: int) -> int:
    """A run's seed depends only on the sweep's seed and the run's index."""
    return int(np.random.SeedSequence([sweep_seed, run_id]).generate_state(1, dtype=np.uint32)[0])


def run_one(job: Job, task: RunTask) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The KPI row of one run (a failed run gives a row with its error), and kept series."""
    row: dict[str, Any] = {"run_id": task.run_id, "point_id": task.point_id, "replication": task.replication, "seed": task.seed}
    row.update({f"p.{k}": (v if isinstance(v, int | float | str) else str(v)) for k, v in task.labels})
    t0 = time.perf_counter()
    series = None
    try:
        loaded = validate_scenario(job.base_data, {}, Path(job.base_path), (), (*task.settings, ("meta.seed", task.seed)))
        out = simulate(loaded.scenario)
        ts = out.timeseries()
        events = pd.DataFrame(out.policy_events, columns=POLICY_EVENT_COLUMNS)
        meta = loaded.scenario.meta
        if job.window is None:
            kpis = flatten(compute_kpis(ts, out.entities, events, meta.focus_region, out.policy_kpis))
        else:  # a policy's own KPIs are totals of the whole run: left out, as run --window does
            cut = within(ts, *Window.parse(job.window).days(meta.start_date, meta.horizon_days, events))
            kpis = flatten(compute_kpis(cut, out.entities, events, meta.focus_region, {}))
        match = kpi_matcher(job.kpis)
        row.update({f"k.{name}": value for name, value in kpis.items() if match.match(name)})
        row["status"], row["error"] = "ok", ""
        if job.series_variables:
            series = _thin(ts, job, task.run_id)
    except InputError as exc:
        row["status"], row["error"] = "error", "; ".join(str(i) for i in exc.issues)[:2000]
    except WindowError as exc:  # e.g. the window's policy never acted in this run
        row["status"], row["error"] = "error", f"--window: {exc}"[:2000]
    except Exception as exc:  # a run that raises is recorded and the sweep goes on
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)}"[:2000]
    row["wall_s"] = time.perf_counter() - t0
    return row, series


def _thin(ts: pd.DataFrame, job: Job, run_id: int) -> pd.DataFrame:
    sel = ts[ts["variable"].isin(job.series_variables) & (ts["day"] % job.series_every_days == 0)]
    if job.series_entities:
        sel = sel[sel["entity"].isin(job.series_entities)]
    sel = sel.assign(run_id=run_id)
    for col in ("entity", "material", "variable"):
        sel[col] = sel[col].astype(str)
    return sel.reset_index(drop=True)


Results = list[tuple[dict[str, Any], pd.DataFrame | None]]


def run_tasks(job: Job, tasks: list[RunTask]) -> Results:
    return [run_one(job, t) for t in tasks]


_worker_job: Job | None = None  # this pool worker's Job, set by init_worker


def init_worker(job: Job) -> None:
    """Pool initializer: keep the sweep's Job for every chunk this worker runs."""
    global _worker_job
    _worker_job = job


def run_chunk(tasks: list[RunTask]) -> Results:
    """Run a chunk with the Job that init_worker gave this worker."""
    if _worker_job is None:
        raise RuntimeError("run_chunk needs init_worker(job) first (the pool's initializer)")
    return run_tasks(_worker_job, tasks)
